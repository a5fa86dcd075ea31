"""The endpoint page: the method matrix from real probes, findings, checklist, history."""

import re

import pytest
from django.urls import reverse

from diagnoser.monitoring.models import ProbeRun
from diagnoser.presentation.verdicts import verdict_legend
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.stubs import always, serving
from tests.web.conftest import assert_members_only
from tests.web.pages_data import SCRIPT_PAGE, probe, probe_all, probed_specimen, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio, specimens, settings):
    paths = ("/items/{id}", "/legacy/orders")
    return probed_specimen(specimens, settings, workspace=trio.acme, paths=paths)


def _url(service, path: str) -> str:
    endpoint = service.endpoints.get(path=path)
    return reverse("web:endpoint", args=[service.id, endpoint.id])


_DRIFT_MARK = r'(?: <span class="sev sev-warning"[^>]*>drift</span>)?'


def _cell_status(html: str, probe_name: str, column: int) -> str:
    """The status text of one matrix cell (column 0 is the first environment)."""
    row = re.search(
        rf'<th scope="row" class="mono"[^>]*>{re.escape(probe_name)}{_DRIFT_MARK}</th>(.*?)</tr>',
        html,
        re.S,
    )
    assert row, f"no matrix row for {probe_name}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    summary = re.search(r'class="status [^"]*"[^>]*>([^<]+)<', cells[column])
    assert summary, f"no status in {probe_name} column {column}"
    return summary.group(1).strip()


def test_the_matrix_shows_what_the_specimen_answered_in_each_environment(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}")).content.decode()

    assert _cell_status(html, "GET", 0) == "200"
    assert _cell_status(html, "PATCH", 0) == "412"  # staging: PATCH exists, precondition fails
    assert _cell_status(html, "PATCH", 1) == "405"  # prod: PATCH never deployed
    assert _cell_status(html, "XDIAGNOSE", 1) == "501"
    assert _cell_status(html, "preflight:PUT".replace(":", " "), 0) == "204"


def test_a_cell_shows_allow_and_opens_on_headers_layer_timing_and_body(trio, shop):
    html = trio.client_for(trio.bob).get(_url(shop, "/items/{id}")).content.decode()

    assert "Allow: GET, HEAD, PUT, DELETE, OPTIONS" in html  # prod's 405 to PATCH
    assert "<dt>Answered by</dt>" in html
    assert " ms</dd>" in html
    assert '<details class="cell">' in html
    assert "method not allowed" in html  # the 405 body excerpt


def test_status_colour_classes_come_with_the_code_as_text(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}")).content.decode()

    assert re.search(r'class="status v-rejected"[^>]*>405<', html)
    assert re.search(r'class="status v-accepted"[^>]*>200<', html)
    # The made-up verb's 501 is the right answer: calm, not the red of a server error.
    assert re.search(r'class="status v-right"[^>]*>501<', html)


def test_the_matrix_and_the_strips_share_one_verdict_legend(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}")).content.decode()

    legends = re.findall(r'<p class="legend">.*?</p>', html, flags=re.S)
    keys = [re.findall(r'class="key ([\w-]+)"', legend) for legend in legends]
    assert [k for k in keys if k] == [[e.css for e in verdict_legend()]] * 2
    assert "failed preflight" not in html  # the status-range legend is gone


def test_findings_are_listed_per_environment_with_fix_steps_and_curl(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/legacy/orders")).content.decode()

    assert "405 response has no Allow" in html or "missing_allow_on_405" in html
    assert "<code>missing_allow_on_405</code>" in html
    assert "<strong>Fix</strong>" in html
    assert "curl -sS" in html
    assert 'class="copy"' in html


def test_the_checklist_has_copyable_curl_commands(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/legacy/orders")).content.decode()

    checklist = html.split('id="checklist-h"')[1].split('id="history-h"')[0]
    assert "Does a route match the URL?" in checklist
    assert "<pre><code>curl -sS" in checklist


def test_history_says_when_a_method_changed_in_an_environment(trio, shop, specimens):
    endpoint = shop.endpoints.get(path="/items/{id}")
    prod = shop.environments.get(name="prod")
    specimens.apps["prod"].env = "staging"  # prod gains PATCH
    try:
        record(endpoint, prod, probe(endpoint, prod))
    finally:
        specimens.apps["prod"].env = "prod"

    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}")).content.decode()

    prod_history = html.split('id="history-h"')[1].split("<h3>prod</h3>")[1]
    assert re.search(
        r"<strong>PATCH</strong>: rejected \(405\) → accepted \(412\) on ", prod_history
    )


def test_a_body_with_a_script_tag_is_shown_escaped(trio, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    with serving(always(SCRIPT_PAGE), protocol="HTTP/1.0") as server:
        service = specimen_service(
            _OneUrl(server.base_url), workspace=trio.acme, paths=("/x",), name="hostile"
        )
        probe_all(service)

    html = trio.client_for(trio.alice).get(_url(service, "/x")).content.decode()

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


class _OneUrl:
    """Both environments at one server."""

    def __init__(self, url: str) -> None:
        self._url = url

    def url(self, env: str) -> str:
        return self._url


def test_a_refused_connection_reads_as_a_sentence_with_the_raw_text_behind_details(trio, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(
        _OneUrl("http://127.0.0.1:9"), workspace=trio.acme, paths=("/x",), name="down"
    )
    probe_all(service)

    html = trio.client_for(trio.alice).get(_url(service, "/x")).content.decode()

    assert 'title="Connection refused by 127.0.0.1:9 — is the service running?"' in html
    raw = re.search(r'<details class="raw"><summary>Details</summary><code>([^<]+)</code>', html)
    assert raw
    assert "refused" in raw.group(1)
    assert "Max retries" not in html


def test_the_env_parameter_marks_that_environment_column(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}") + "?env=prod").content.decode()

    assert re.search(r'<th scope="col" class="focus">\s*<span[^>]*>prod</span>', html)


def test_the_htmx_request_gets_only_the_body_partial(trio, shop):
    response = trio.client_for(trio.alice).get(_url(shop, "/items/{id}"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="endpoint-body"')
    assert "<html" not in html
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_an_endpoint_never_probed_says_so(trio):
    from diagnoser.inventory.services import endpoint_create, environment_create, service_create

    service = service_create(workspace=trio.acme, name="fresh")
    environment_create(service=service, name="dev", base_url="https://dev.example")
    endpoint_create(service=service, path="/ping")

    html = trio.client_for(trio.alice).get(_url(service, "/ping")).content.decode()

    assert "not probed yet" in html
    assert ProbeRun.objects.count() == 0


def test_only_members_see_the_page(trio, shop):
    assert_members_only(trio, _url(shop, "/items/{id}"))


def test_an_endpoint_under_another_service_id_is_404(trio, shop):
    from diagnoser.inventory.services import service_create

    other = service_create(workspace=trio.acme, name="other")
    endpoint = shop.endpoints.get(path="/items/{id}")

    url = reverse("web:endpoint", args=[other.id, endpoint.id])
    assert trio.client_for(trio.alice).get(url).status_code == 404


def test_the_checklist_is_numbered_once_by_its_step_titles(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}")).content.decode()

    checklist = html.split('id="checklist-h"')[1].split('id="history-h"')[0]
    assert '<ol class="checklist">' not in checklist
    assert checklist.count('<ul class="checklist">') == 2  # one per environment
    assert "<strong>1. Does a route match the URL?</strong>" in checklist


def test_fix_steps_show_backticked_code_as_code(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/legacy/orders")).content.decode()

    findings = html.split('id="findings-h"')[1].split('id="checklist-h"')[0]
    assert "<code>" in findings
    assert "`" not in findings


def test_the_legend_is_the_shared_one(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/items/{id}")).content.decode()

    assert "accepted (inferred)</span> not sent (safe policy)" in html
    assert "Open a cell for headers" in html


def test_info_findings_in_the_checklist_are_not_labelled_problems(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, "/legacy/orders")).content.decode()
    checklist = html[html.index('<ul class="checklist">') :]

    # The made-up verb's 405 is worth knowing (info), not a problem to fix.
    assert re.search(r'sev-info"[^>]*>info</span>\s*<strong>The made-up method', checklist)
    assert not re.search(r">problem</span>\s*<strong>The made-up method", checklist)
