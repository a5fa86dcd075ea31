"""The endpoint page's status over time: a strip of the newest runs per environment and
method, the runs at which the accepted methods changed, and drift between environments
marked on the matrix and listed with the findings."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diagnoser.monitoring.selectors import STRIP_RUNS
from diagnoser.web.pages.endpoint import SET_CHANGES_SHOWN, endpoint_view
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web.pages_data import probe, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(trio, specimens, settings):
    """/items/{id} of the specimen, and what its prod (PATCH 405) and staging (PATCH 412)
    answered, to record as prod's runs in any order."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",))
    endpoint = service.endpoints.get()
    prod, staging = service.environments.get(name="prod"), service.environments.get(name="staging")
    return service, endpoint, prod, staging, probe(endpoint, prod), probe(endpoint, staging)


def _page(trio, service, endpoint) -> str:
    url = reverse("web:endpoint", args=[service.id, endpoint.id])
    return trio.client_for(trio.alice).get(url).content.decode()


def _strip(html: str, environment: str, method: str) -> str:
    section = html.split('id="strips-h"')[1].split(f"<h3>{environment} ")[1]
    row = re.search(rf'<span class="mono">{method}</span>\s*<svg(.*?)</svg>', section, re.S)
    assert row, f"no {method} strip for {environment}"
    return row.group(1)


def test_each_run_is_a_cell_coloured_by_verdict_with_when_status_and_verdict_on_hover(trio, items):
    service, endpoint, prod, _, as_prod, as_staging = items
    runs = [record(endpoint, prod, report) for report in (as_prod, as_prod, as_staging)]

    patch = _strip(_page(trio, service, endpoint), "prod", "PATCH")

    cells = re.findall(r'<rect x="(\d+)"[^>]*class="([\w-]+)"><title>([^<]*)</title></rect>', patch)
    assert [css for _, css, _ in cells] == ["v-rejected", "v-rejected", "v-accepted"]
    assert [int(x) for x, _, _ in cells] == [450, 460, 470]  # the newest at the right end
    assert cells[2][2].endswith(f"run {runs[2].id}: 412, accepted")
    assert cells[0][2].endswith(f"run {runs[0].id}: 405, rejected")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d, run ", cells[0][2])


def test_the_strip_stops_at_the_newest_runs_and_costs_the_same_queries_for_any_number(trio, items):
    _, endpoint, prod, staging, as_prod, as_staging = items
    record(endpoint, prod, as_prod)
    record(endpoint, staging, as_staging)
    with CaptureQueriesContext(connection) as few:
        endpoint_view(endpoint=endpoint)
    for i in range(STRIP_RUNS + 5):
        record(endpoint, prod, (as_prod, as_staging)[i % 2])

    with CaptureQueriesContext(connection) as many:
        view = endpoint_view(endpoint=endpoint)

    assert len(many) == len(few)
    prod_strip = next(side.strip for side in view.sides if side.environment == prod)
    assert prod_strip.runs == STRIP_RUNS
    assert all(len(row.cells) == STRIP_RUNS for row in prod_strip.methods)


def test_the_moments_the_accepted_methods_changed_are_listed_with_a_link_to_the_run(trio, items):
    service, endpoint, prod, _, as_prod, as_staging = items
    runs = [record(endpoint, prod, report) for report in (as_prod, as_staging, as_staging, as_prod)]

    html = _page(trio, service, endpoint)

    changes = html.split('id="set-changes-h"')[1].split("</ul>")[0]
    lines = re.findall(r"<li>.*?</li>", changes, re.S)
    assert len(lines) == 2
    assert "removed PATCH" in lines[0]
    assert reverse("web:run", args=[runs[3].id]) in lines[0]
    assert "added PATCH" in lines[1]
    assert reverse("web:run", args=[runs[1].id]) in lines[1]
    assert "prod:" in lines[0]


def test_a_flapping_target_lists_the_newest_changes_and_counts_the_rest(trio, items):
    service, endpoint, prod, _, as_prod, as_staging = items
    for i in range(SET_CHANGES_SHOWN + 5):
        record(endpoint, prod, (as_prod, as_staging)[i % 2])

    html = _page(trio, service, endpoint)

    changes = html.split('id="set-changes-h"')[1].split("</ul>")[0]
    assert changes.count("<li><time") == SET_CHANGES_SHOWN
    assert "4 earlier changes within the runs above" in changes


def test_unchanged_runs_say_the_accepted_methods_stayed_the_same(trio, items):
    service, endpoint, prod, _, as_prod, _ = items
    record(endpoint, prod, as_prod)
    record(endpoint, prod, as_prod)

    html = _page(trio, service, endpoint)

    assert "The accepted methods stayed the same" in html


def _staging_answering_as(trio, items, answer: str) -> str:
    """The endpoint page once prod answered as prod and staging as `answer` says."""
    service, endpoint, prod, staging, as_prod, as_staging = items
    record(endpoint, prod, as_prod)
    record(endpoint, staging, as_staging if answer == "staging" else as_prod)
    return _page(trio, service, endpoint)


def test_drifting_methods_are_marked_in_the_matrix_and_listed_with_the_findings(trio, items):
    html = _staging_answering_as(trio, items, "staging")

    rows = re.findall(r'<tr class="drift">\s*<th scope="row" class="mono"[^>]*>(\w+)', html)
    assert rows == ["PATCH"]
    findings = html.split('id="findings-h"')[1].split('id="checklist-h"')[0]
    assert "<h3>Across environments</h3>" in findings
    assert 'id="finding-drift-env_allow_drift"' in findings


def test_environments_that_agree_show_no_drift(trio, items):
    html = _staging_answering_as(trio, items, "prod")

    assert 'class="drift"' not in html
    assert "Across environments" not in html
