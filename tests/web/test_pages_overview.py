"""The overview: one row per target (endpoint x environment) with its worst finding and
probe age; search, filters and sort from GET parameters, with counts per choice."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.services import service_create
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web.pages_data import probe_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio, specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    return specimen_service(
        specimens, workspace=trio.acme, paths=("/legacy/orders", "/health", "/search")
    )


@pytest.fixture
def probed(trio, specimens, shop):
    """shop probed, and "items" (/items/{id} drifts between staging and prod) probed."""
    probe_all(shop)
    items = specimen_service(
        specimens, workspace=trio.acme, paths=("/items/{id}", "/health"), name="items"
    )
    probe_all(items)
    return items


def _get(trio, **params):
    return trio.client_for(trio.alice).get(reverse("web:overview"), params).content.decode()


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(service, path, environment) of each table row, in order."""
    return re.findall(
        r'<tr>\s*<td[^>]*><a href="[^"]+">([^<]+)</a></td>\s*<th scope="row"><a class="mono" '
        r'href="[^"]+">([^<]+)</a></th>\s*<td><span class="env[^"]*">([^<]+)</span>',
        html,
    )


def _option(html: str, name: str, value: str) -> str:
    select = html.split(f'<select name="{name}">')[1].split("</select>")[0]
    return re.findall(rf'<option value="{re.escape(value)}"[^>]*>([^<]+)</option>', select)[0]


def test_every_target_is_a_row_with_its_environment(trio, shop):
    rows = _rows(_get(trio, sort="service"))

    assert rows == [
        ("shop", "/health", "staging"),
        ("shop", "/health", "prod"),
        ("shop", "/legacy/orders", "staging"),
        ("shop", "/legacy/orders", "prod"),
        ("shop", "/search", "staging"),
        ("shop", "/search", "prod"),
    ]


def test_each_target_shows_its_worst_finding_and_last_probe_age(trio, shop):
    probe_all(shop)

    html = _get(trio)

    orders = html.split("/legacy/orders</a>")[1].split("</tr>")[0]
    assert '<span class="sev sev-error"' in orders
    assert "just now" in orders
    assert 'title="20' in orders  # the exact time on hover


def test_a_target_without_runs_says_not_probed_yet(trio, shop):
    html = _get(trio)

    assert html.count("not probed yet") == 6
    assert "never" in html


def test_the_search_matches_paths_services_and_urls(trio, probed, specimens):
    assert {r[1] for r in _rows(_get(trio, q="LEGACY"))} == {"/legacy/orders"}
    assert {r[0] for r in _rows(_get(trio, q="item"))} == {"items"}
    staging = specimens.url("staging") + "/search"
    assert _rows(_get(trio, q=staging)) == [("shop", "/search", "staging")]


def test_filters_narrow_by_service_environment_severity_rule_and_drift(trio, probed):
    assert {r[0] for r in _rows(_get(trio, service=probed.id))} == {"items"}
    assert {r[2] for r in _rows(_get(trio, env="prod"))} == {"prod"}
    errors = _rows(_get(trio, severity="error"))
    assert ("shop", "/legacy/orders", "prod") in errors
    assert all(path != "/health" for _, path, _ in errors)
    assert {r[1] for r in _rows(_get(trio, drifting="1"))} == {"/items/{id}"}


def test_the_rule_filter_finds_targets_whose_latest_run_has_that_finding(trio, probed):
    select = _get(trio).split('<select name="rule">')[1].split("</select>")[0]
    rule, count = re.findall(r'<option value="([a-z0-9_]+)">\1 \((\d+)\)', select)[0]

    rows = _rows(_get(trio, rule=rule))

    assert len(rows) == int(count) > 0


def test_each_choice_counts_the_targets_it_would_list_with_the_other_filters_kept(trio, probed):
    html = _get(trio, env="prod")

    assert _option(html, "service", str(probed.id)) == "items (2)"
    assert _option(html, "env", "staging") == "staging (5)"  # counts ignore their own filter
    errors = len(_rows(_get(trio, env="prod", severity="error")))
    assert _option(html, "severity", "error") == f"error ({errors})"
    assert "drifting only (1)" in html
    assert '<span title="Targets (endpoint x environment) matching' in html
    assert "5 targets match" in html


def test_sorting_by_worst_severity_puts_errors_first_and_by_probe_age_the_stalest(trio, probed):
    by_severity = _get(trio)
    first_ok = by_severity.index('class="sev sev-ok"')
    assert by_severity.index('class="sev sev-error"') < first_ok
    service_create(workspace=trio.acme, name="zz")
    probed.endpoints.create(path="/never")

    stalest = _rows(_get(trio, sort="probed"))[0]

    assert stalest[1] == "/never"


def test_among_equal_severities_drifting_targets_come_first(trio, probed):
    rows = _rows(_get(trio, severity="ok"))

    assert rows[0][1] == rows[1][1] == "/items/{id}"


def test_sorting_by_drift_puts_drifting_targets_first(trio, probed):
    rows = _rows(_get(trio, sort="drift"))

    assert rows[0][1] == rows[1][1] == "/items/{id}"


def test_filters_round_trip_through_the_url(trio, probed):
    html = _get(trio, q="items", env="prod", severity="warning", drifting="1", sort="service")

    assert 'value="items"' in html
    assert '<option value="prod" selected>' in html
    assert '<option value="warning" selected>' in html
    assert 'name="drifting" value="1" checked' in html
    assert '<option value="service" selected>' in html
    poll = re.findall(r'id="overview-results" data-poll hx-get="([^"]+)"', html)[0]
    assert poll == "/?q=items&amp;env=prod&amp;severity=warning&amp;drifting=1&amp;sort=service"


def test_without_javascript_the_search_and_filters_are_one_plain_get_form(trio, shop):
    html = _get(trio)

    assert '<form id="overview-filters" class="filters" method="get" action="/"' in html
    assert 'name="q" form="overview-filters"' in html  # the search box submits with it
    assert '<button type="submit">Apply</button>' in html


def test_unknown_parameter_values_are_ignored_not_errors(trio, probed):
    response = trio.client_for(trio.alice).get(
        reverse("web:overview"), {"severity": "fatal", "sort": "x", "service": "abc", "page": "-3"}
    )

    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == 10


def test_a_long_list_is_paged_and_the_pager_keeps_the_sort(trio, shop):
    for i in range(30):
        shop.endpoints.create(path=f"/zz/{i:02d}")

    html = _get(trio, sort="service")

    assert len(_rows(html)) == 50
    assert "page 1 of 2" in html
    assert 'href="?sort=service&amp;page=2"' in html
    assert len(_rows(_get(trio, sort="service", page=2))) == 16


def test_an_empty_result_says_what_to_change(trio, probed):
    html = _get(trio, q="nothing-like-this")

    assert "No target matches “nothing-like-this” with these filters" in html
    assert 'href="/">clear search and filters</a>' in html


def test_the_results_refresh_themselves_every_30_seconds_and_say_when(trio, shop):
    html = _get(trio)

    assert 'hx-trigger="every 30s, poll-now"' in html
    assert re.search(r'updated <time datetime="20[^"]+" title="[^"]+">\d\d:\d\d:\d\d</time>', html)


def test_the_htmx_request_gets_only_the_results_region(trio, shop):
    response = trio.client_for(trio.bob).get(
        reverse("web:overview"), {"q": "health"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert html.startswith('<div id="overview-results"')
    assert html.rstrip().endswith("</div>")
    assert len(_rows(html)) == 2
    assert "HX-Request" in response["Vary"]


def test_a_search_from_the_page_pushes_its_short_link_and_the_poll_pushes_nothing(trio, shop):
    client = trio.client_for(trio.alice)
    typed = {"q": "health", "service": "", "env": "", "severity": "", "sort": "severity"}

    searched = client.get(
        reverse("web:overview"), typed, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="overview-q"
    )
    polled = client.get(
        reverse("web:overview"),
        {"q": "health"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER="overview-results",
    )

    assert searched["HX-Push-Url"] == "/?q=health"
    assert "HX-Push-Url" not in polled


def test_new_runs_show_up_in_the_next_poll(trio, shop):
    client = trio.client_for(trio.alice)
    before = client.get(reverse("web:overview"), HTTP_HX_REQUEST="true").content.decode()
    probe_all(shop)

    after = client.get(reverse("web:overview"), HTTP_HX_REQUEST="true").content.decode()

    assert before.count("not probed yet") == 6
    assert "not probed yet" not in after


def test_an_outsider_sees_none_of_the_workspace(trio, probed):
    for params in ({}, {"service": probed.id}, {"q": "items"}):
        response = trio.client_for(trio.charlie).get(reverse("web:overview"), params)
        assert response.status_code == 200
        assert b"items" not in response.content.replace(b'value="items"', b"")
        assert b"/legacy/orders" not in response.content


def test_an_empty_workspace_says_what_to_do(trio):
    html = trio.client_for(trio.charlie).get(reverse("web:overview")).content.decode()

    assert "No services in globex yet" in html
    assert reverse("web:service_new") in html


def test_services_are_listed_for_owner_and_member(trio, shop):
    service_create(workspace=trio.acme, name="billing")
    for user in (trio.alice, trio.bob):
        html = trio.client_for(user).get(reverse("web:overview")).content
        assert b"billing (0)" in html
        assert b"shop (6)" in html


def test_anonymous_visitors_are_sent_to_login():
    response = Client().get(reverse("web:overview"), HTTP_HX_REQUEST="true")

    assert response.status_code == 302


def test_environments_that_accept_different_methods_mark_the_target_drift(trio, probed):
    html = _get(trio)

    row = html.split("/items/{id}</a>")[1].split("</tr>")[0]
    assert ">drift</span>" in row
    assert "PATCH: accepted (" in row  # the title names the method and each side
    assert "in staging, rejected (405) in prod" in row
    assert "answered differently by the environments" in row  # no finding, yet not ok
    assert "sev-ok" not in row
    assert "drift" not in html.split("/health</a>")[1].split("</tr>")[0]


def test_every_page_links_to_a_new_service_from_the_nav(trio):
    html = trio.client_for(trio.alice).get(reverse("web:diagnose")).content.decode()
    nav = html[html.index('<nav class="nav"') : html.index("</nav>")]

    assert f'href="{reverse("web:service_new")}"' in nav


def test_a_shared_links_rule_that_no_target_has_now_stays_selected_with_a_zero(trio, probed):
    html = _get(trio, rule="cors_wildcard_with_credentials")

    assert _option(html, "rule", "cors_wildcard_with_credentials") == (
        "cors_wildcard_with_credentials (0)"
    )
    assert '<option value="cors_wildcard_with_credentials" selected>' in html
    assert "No target matches with these filters" in html
