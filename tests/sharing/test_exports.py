"""Markdown and JSON exports, for members (live from the stored run) and from a snapshot."""

import json

import pytest
from django.urls import reverse

from diagnoser.monitoring.export import SCHEMA
from diagnoser.monitoring.services.runs import run_request
from diagnoser.sharing.services import share_link_create
from tests.sharing.conftest import anonymous
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db

RUN_EXPORTS = ["sharing:run_export_md", "sharing:run_export_json"]
REPORT_EXPORTS = ["sharing:drift_report_export_md", "sharing:drift_report_export_json"]


@pytest.mark.parametrize("who", ["alice", "bob"])
@pytest.mark.parametrize("view", RUN_EXPORTS)
def test_members_export_a_run(run, trio, who, view):
    response = trio.client_for(getattr(trio, who)).get(reverse(view, args=[run.id]))

    assert response.status_code == 200
    assert f"run-{run.id}".encode() in response["Content-Disposition"].encode()


@pytest.mark.parametrize("view", RUN_EXPORTS + REPORT_EXPORTS)
def test_an_outsider_gets_404_for_exports(run, report, trio, view):
    subject = report.id if view in REPORT_EXPORTS else run.id

    response = trio.client_for(trio.charlie).get(reverse(view, args=[subject]))

    assert response.status_code == 404


@pytest.mark.parametrize("view", RUN_EXPORTS)
def test_an_anonymous_visitor_is_sent_to_log_in_for_exports(run, view):
    response = anonymous().get(reverse(view, args=[run.id]))

    assert_sent_to_login(response)


def test_a_run_without_a_result_says_what_to_do(api, trio):
    queued = run_request(endpoint=api.endpoint, environment=api.prod)

    response = trio.client_for(trio.alice).get(reverse("sharing:run_export_md", args=[queued.id]))

    assert response.status_code == 404
    assert b"export a finished run, or probe again" in response.content


def test_the_json_export_is_the_diagnosis_document_with_where_it_was_probed(run, trio):
    response = trio.client_for(trio.alice).get(reverse("sharing:run_export_json", args=[run.id]))

    document = json.loads(response.content)
    assert document["schema"] == SCHEMA
    assert document["url"] == run.observation.url
    assert (document["service"], document["endpoint"], document["environment"]) == (
        "leaky",
        "/items",
        "prod",
    )
    statuses = {o["probe"]: o["status"] for o in document["observations"]}
    assert (statuses["GET"], statuses["DELETE"]) == (200, 405)
    stored_rules = list(run.observation.findings.order_by("id").values_list("rule", flat=True))
    assert [f["rule"] for f in document["findings"]] == stored_rules
    assert document["checklist"]


def test_the_snapshot_json_export_is_the_frozen_document(shared_run):
    link, token = shared_run

    response = anonymous().get(reverse("sharing:public_export_json", args=[token]))

    assert json.loads(response.content) == link.snapshot


def test_the_markdown_export_has_the_url_a_method_table_findings_and_curl_blocks(shared_run):
    link, token = shared_run

    text = anonymous().get(reverse("sharing:public_export_md", args=[token])).content.decode()

    assert text.startswith("# Method diagnosis: http://127.0.0.1:")
    assert "(prod)" in text.splitlines()[0]
    assert "| Method | Status | Verdict |" in text
    assert "| DELETE | 405 Method Not Allowed | rejected |" in text
    for finding in link.snapshot["findings"]:
        assert finding["rule"].replace("_", "\\_") in text
    assert "```sh\ncurl -sS -i -X XDIAGNOSE" in text


def test_the_markdown_export_escapes_html_and_backticks_in_header_values(shared_run):
    _, token = shared_run

    text = anonymous().get(reverse("sharing:public_export_md", args=[token])).content.decode()

    # The leaky server's Server header: <script>alert(1)</script> `rm -rf` [click](...)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\`rm -rf\\` \\[click\\]" in text
    assert "`rm -rf`" not in text.replace("\\`", "")


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_export_a_drift_report(report, trio, who):
    client = trio.client_for(getattr(trio, who))

    text = client.get(reverse("sharing:drift_report_export_md", args=[report.id])).content
    document = json.loads(
        client.get(reverse("sharing:drift_report_export_json", args=[report.id])).content
    )

    assert text.startswith(f"# Drift report {report.id}: leaky".encode())
    assert b"env\\_allow\\_drift" in text
    assert document["drift_present"] is True
    assert document["env_drift"][0]["rule"] == "env_allow_drift"


def test_a_shared_drift_report_exports_markdown(report, trio):
    _, token = share_link_create(report=report, user=trio.alice)

    response = anonymous().get(reverse("sharing:public_export_md", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert b"## Environment drift" in response.content
