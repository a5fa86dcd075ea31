"""A public snapshot holds what a stranger may see: no address the probes connected to,
and no response bodies of a target probed with secret headers unless the sharer opts in.
Members keep both in their own pages and exports."""

import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from diagnoser.inventory.services import environment_create
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create
from tests.sharing.conftest import anonymous

pytestmark = pytest.mark.django_db

PUBLIC_VIEWS = ["sharing:public", "sharing:public_export_md", "sharing:public_export_json"]
BODY = "debug: authorization="  # what the leaky API writes in every body


def _stored_snapshot(link: ShareLink) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM sharing_sharelink WHERE id = %s", [link.id])
        (raw,) = cursor.fetchone()
    return json.loads(raw) if isinstance(raw, str) else raw


def _public(token: str, view: str) -> str:
    response = anonymous().get(reverse(view, args=[token]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_snapshot_of_a_target_with_secret_headers_leaves_the_bodies_out(shared_run):
    link, token = shared_run

    snapshot = _stored_snapshot(link)

    assert snapshot["bodies_withheld"] is True
    assert all(o["body_excerpt"] == "" for o in snapshot["observations"])
    assert any(o["body_bytes"] > 0 for o in snapshot["observations"])  # sizes stay
    for view in PUBLIC_VIEWS:
        assert BODY not in _public(token, view)
    assert "response bodies are left out" in _public(token, "sharing:public")


def test_the_sharer_may_keep_the_bodies_which_stay_redacted(run, trio):
    link, token = share_link_create(run=run, user=trio.alice, include_bodies=True)

    snapshot = _stored_snapshot(link)

    assert link.include_bodies
    assert "bodies_withheld" not in snapshot
    assert f"{BODY}[redacted]" in snapshot["observations"][0]["body_excerpt"]
    assert f"{BODY}[redacted]" in _public(token, "sharing:public")


def test_a_target_without_secret_headers_keeps_its_bodies(api, record, trio):
    plain = environment_create(
        service=api.service, name="dev", base_url=api.prod.base_url, probe_policy="full"
    )
    link, _ = share_link_create(run=record(plain), user=trio.alice)

    snapshot = _stored_snapshot(link)

    assert "bodies_withheld" not in snapshot
    assert snapshot["observations"][0]["body_excerpt"] == "debug: authorization=\n"


def test_members_exports_keep_the_bodies_and_the_address(run, trio):
    response = trio.client_for(trio.alice).get(reverse("sharing:run_export_json", args=[run.id]))

    get = json.loads(response.content)["observations"][0]
    assert get["peer_address"] == "127.0.0.1"
    assert get["body_excerpt"].startswith(BODY)


@pytest.mark.parametrize("include_bodies", [False, True])
def test_no_snapshot_or_public_json_holds_the_address_connected_to(run, trio, include_bodies):
    link, token = share_link_create(run=run, user=trio.alice, include_bodies=include_bodies)

    public = json.loads(_public(token, "sharing:public_export_json"))

    assert run.observation.observations[0]["peer_address"] == "127.0.0.1"  # it was known
    for document in (_stored_snapshot(link), public):
        assert all("peer_address" not in o for o in document["observations"])


def test_the_share_form_offers_bodies_only_for_a_target_with_secret_headers(run, report, trio):
    client = trio.client_for(trio.alice)

    run_form = client.get(reverse("sharing:run_share", args=[run.id])).content.decode()
    report_form = client.get(reverse("sharing:drift_report_share", args=[report.id]))

    assert 'name="include_bodies"' in run_form
    assert "probed with secret headers" in run_form
    assert b'name="include_bodies"' not in report_form.content


def test_ticking_the_box_stores_the_choice_and_keeps_the_bodies(run, trio):
    client = trio.client_for(trio.alice)
    url = reverse("sharing:run_share", args=[run.id])

    client.post(url, {"expires_in": 7, "include_bodies": "on"})
    client.post(url, {"expires_in": 7})

    kept, left_out = ShareLink.objects.order_by("id")
    assert kept.include_bodies
    assert kept.snapshot["observations"][0]["body_excerpt"].startswith(BODY)
    assert not left_out.include_bodies
    assert left_out.snapshot["bodies_withheld"] is True


def test_links_made_before_are_cut_down_to_what_a_stranger_may_see(run, trio):
    link, _ = share_link_create(run=run, user=trio.alice, include_bodies=True)
    old = json.loads(json.dumps(run.observation.observations[:1]))  # as 0001 froze them
    ShareLink.objects.filter(id=link.id).update(snapshot={**link.snapshot, "observations": old})
    migration = importlib.import_module("diagnoser.sharing.migrations.0002_public_snapshots")

    migration._public_only(apps, None)

    snapshot = _stored_snapshot(link)
    assert snapshot["bodies_withheld"] is True
    assert snapshot["observations"][0]["body_excerpt"] == ""
    assert "peer_address" not in snapshot["observations"][0]
