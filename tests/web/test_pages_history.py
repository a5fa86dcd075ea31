"""The endpoint page shows each environment's newest method changes, capped, with the
older ones a page at a time behind a link; only the shown observations are read."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.monitoring.selectors.history import (
    HISTORY_CHANGES,
    HISTORY_OBSERVATIONS,
    _history_page,
    method_history,
    method_timeline,
)
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web.pages_data import probe, record

START = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(count: int, methods: int = 1) -> list[tuple[int, datetime, dict[str, Any]]]:
    """count observations newest first; each changes the status of `methods` methods."""
    rows = []
    for i in range(count):
        cells = [
            {"method": m, "verdict": "accepted", "status": 200 + i}
            for m in ("GET", "PUT", "PATCH")[:methods]
        ]
        rows.append((1000 + i, START + timedelta(hours=i), {"cells": cells}))
    return rows[::-1]


def test_a_short_history_shows_every_change_and_when_the_target_was_first_probed():
    page = _history_page(_rows(5))

    assert [c.status_after for c in page.changes] == [204, 203, 202, 201]
    assert page.first_seen == START
    assert page.older is None


def test_a_long_history_stops_at_the_cap_and_points_at_the_next_page():
    rows = _rows(HISTORY_OBSERVATIONS + 1)

    page = _history_page(rows)

    assert len(page.changes) == HISTORY_CHANGES
    assert page.first_seen is None
    assert page.older == rows[HISTORY_CHANGES - 1][0]


def test_an_observation_changing_several_methods_is_never_split_across_pages():
    rows = _rows(HISTORY_OBSERVATIONS + 1, methods=3)

    page = _history_page(rows)

    assert len(page.changes) == 51  # 17 observations x 3 methods: the first past 50
    assert page.older == rows[16][0]


def test_the_page_that_reaches_the_first_observation_says_so_instead_of_linking_on():
    page = _history_page(_rows(HISTORY_OBSERVATIONS))

    assert len(page.changes) == HISTORY_OBSERVATIONS - 1
    assert page.first_seen == START
    assert page.older is None


@pytest.fixture
def long_history(trio, specimens, settings):
    """/items/{id} in prod, recorded alternately as prod and staging answered it: PATCH
    changes at every observation."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",))
    endpoint = service.endpoints.get()
    prod, staging = service.environments.get(name="prod"), service.environments.get(name="staging")
    answers = [probe(endpoint, prod), probe(endpoint, staging)]
    for i in range(HISTORY_CHANGES * 2 + 10):
        record(endpoint, prod, answers[i % 2])
    return service, endpoint, prod


@pytest.mark.django_db
def test_pages_of_history_walk_the_whole_timeline_without_gaps(long_history):
    _, endpoint, prod = long_history
    everything = method_timeline(endpoint=endpoint, environment=prod)

    walked, pages, before = [], 0, None
    while True:
        page = method_history(endpoint=endpoint, environment=prod, before=before)
        walked += page.changes
        pages += 1
        if page.older is None:
            break
        before = page.older

    assert pages == 3
    assert page.first_seen == everything[0].at
    changes = [c for c in everything if c.before is not None]  # not the first observation
    assert [(c.method, c.at, c.after) for c in walked] == [
        (c.method, c.at, c.after) for c in reversed(changes)
    ]


@pytest.mark.django_db
def test_the_endpoint_page_shows_the_newest_changes_and_a_link_to_older_ones(trio, long_history):
    service, endpoint, prod = long_history

    html = (
        trio.client_for(trio.alice)
        .get(reverse("web:endpoint", args=[service.id, endpoint.id]))
        .content.decode()
    )

    prod_history = html.split('id="history-h"')[1].split("<h3>prod</h3>")[1]
    assert prod_history.count("<strong>PATCH</strong>") == HISTORY_CHANGES
    older = reverse("web:endpoint_history", args=[service.id, endpoint.id, prod.id])
    assert f'href="{older}?before=' in prod_history
    assert f'hx-get="{older}?before=' in prod_history
    assert "First probed" not in prod_history


@pytest.mark.django_db
def test_older_changes_come_as_list_items_for_htmx_and_as_a_page_without_it(trio, long_history):
    service, endpoint, prod = long_history
    client = trio.client_for(trio.bob)
    url = reverse("web:endpoint_history", args=[service.id, endpoint.id, prod.id])
    first = method_history(endpoint=endpoint, environment=prod)

    partial = client.get(f"{url}?before={first.older}", HTTP_HX_REQUEST="true")
    page = client.get(f"{url}?before={first.older}")

    assert partial.content.decode().strip().startswith("<li>")
    assert partial.content.decode().count("<strong>PATCH</strong>") == HISTORY_CHANGES
    assert "HX-Request" in partial["Vary"]
    assert b"<!doctype html>" in page.content
    assert b"Method changes of" in page.content


@pytest.mark.django_db
def test_the_last_page_of_history_says_when_the_target_was_first_probed(trio, long_history):
    service, endpoint, prod = long_history
    url = reverse("web:endpoint_history", args=[service.id, endpoint.id, prod.id])
    second = method_history(
        endpoint=endpoint,
        environment=prod,
        before=method_history(endpoint=endpoint, environment=prod).older,
    )

    html = trio.client_for(trio.alice).get(f"{url}?before={second.older}").content.decode()

    assert "First probed on" in html
    assert "Older changes" not in html


@pytest.mark.django_db
def test_an_outsider_gets_404_for_the_history(trio, long_history):
    service, endpoint, prod = long_history
    url = reverse("web:endpoint_history", args=[service.id, endpoint.id, prod.id])

    assert trio.client_for(trio.charlie).get(url).status_code == 404


@pytest.mark.django_db
def test_an_environment_of_another_service_is_404(trio, long_history, specimens):
    service, endpoint, _ = long_history
    other = specimen_service(specimens, workspace=trio.acme, paths=(), name="other")
    url = reverse(
        "web:endpoint_history",
        args=[service.id, endpoint.id, other.environments.get(name="prod").id],
    )

    assert trio.client_for(trio.alice).get(url).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_from_the_history(long_history):
    service, endpoint, prod = long_history
    url = reverse("web:endpoint_history", args=[service.id, endpoint.id, prod.id])

    assert Client().get(url).status_code == 302
