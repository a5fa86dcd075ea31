"""Secrets a server echoes back never leave in a snapshot, page or export."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from diagnoser.sharing.redact import REDACTED, redacted
from diagnoser.sharing.services import share_link_create
from tests.sharing.conftest import CREDENTIAL, SECRET, anonymous

pytestmark = pytest.mark.django_db


def test_the_leaky_servers_echo_is_stored_already_scrubbed_by_the_engine(run):
    get = run.observation.observations[0]

    assert "authorization=[redacted]" in get["body_excerpt"]
    assert ["www-authenticate", 'Bearer realm="api", token="[redacted]"'] in get["headers"]


def test_the_stored_snapshot_holds_neither_the_secret_nor_its_credential(run, trio):
    # Bodies kept (the sharer opted in), so the scrubbed echo in them is stored.
    link, _ = share_link_create(run=run, user=trio.alice, include_bodies=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM sharing_sharelink WHERE id = %s", [link.id])
        (raw,) = cursor.fetchone()

    assert CREDENTIAL not in raw
    assert "redacted" in json.loads(raw)["observations"][0]["body_excerpt"]


@pytest.mark.parametrize(
    "view", ["sharing:public", "sharing:public_export_md", "sharing:public_export_json"]
)
def test_public_answers_hold_no_secret(shared_run, view):
    _, token = shared_run

    body = anonymous().get(reverse(view, args=[token])).content.decode()

    assert CREDENTIAL not in body
    assert "redacted" in body


@pytest.mark.parametrize("view", ["sharing:run_export_md", "sharing:run_export_json"])
def test_member_exports_hold_no_secret_either(run, trio, view):
    body = trio.client_for(trio.alice).get(reverse(view, args=[run.id])).content.decode()

    assert CREDENTIAL not in body


def test_a_shared_drift_report_holds_no_secret(report, trio):
    report.env_drift[0]["evidence"]["detail"] = f"seen with {SECRET}"
    report.save()

    link, token = share_link_create(report=report, user=trio.alice)

    assert CREDENTIAL not in json.dumps(link.snapshot)
    assert CREDENTIAL not in anonymous().get(reverse("sharing:public", args=[token])).text


def test_redaction_reaches_keys_lists_and_nested_strings():
    document = {"a": ["x-token-1234-y", {"token-1234": 1}], "b": 5, "c": None}

    assert redacted(document, ["token-1234"]) == {
        "a": [f"x-{REDACTED}-y", {REDACTED: 1}],
        "b": 5,
        "c": None,
    }
