"""The run permalink: one run's matrix, findings and checklist, as stored."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.monitoring.models import ProbeRun, Trigger
from diagnoser.monitoring.services.runs import run_fail
from diagnoser.sharing.services import share_link_create
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web.conftest import assert_members_only
from tests.web.pages_data import probe, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def prod_run(trio, specimens, settings) -> ProbeRun:
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",))
    endpoint, prod = service.endpoints.get(), service.environments.get(name="prod")
    return record(endpoint, prod, probe(endpoint, prod))


def _patch_status(html: str) -> str:
    match = re.search(r">PATCH</th>.*?class=\"status [^\"]*\"[^>]*>(\d+)<", html, re.S)
    assert match
    return match.group(1)


def test_the_run_page_shows_its_matrix_findings_and_checklist(trio, prod_run):
    html = trio.client_for(trio.alice).get(reverse("web:run", args=[prod_run.id])).content.decode()

    assert _patch_status(html) == "405"
    assert 'id="findings-h"' in html
    assert "Does a route match the URL?" in html
    assert prod_run.observation is not None
    assert prod_run.observation.url in html


def test_the_run_page_stays_as_stored_after_newer_runs(trio, prod_run, specimens):
    specimens.apps["prod"].env = "staging"  # prod gains PATCH
    try:
        newer = record(
            prod_run.endpoint, prod_run.environment, probe(prod_run.endpoint, prod_run.environment)
        )
    finally:
        specimens.apps["prod"].env = "prod"
    client = trio.client_for(trio.bob)

    assert (
        _patch_status(client.get(reverse("web:run", args=[prod_run.id])).content.decode()) == "405"
    )
    assert _patch_status(client.get(reverse("web:run", args=[newer.id])).content.decode()) == "412"


def test_a_failed_run_says_why(trio, prod_run):
    failed = ProbeRun.objects.create(
        endpoint=prod_run.endpoint, environment=prod_run.environment, trigger=Trigger.MANUAL
    )
    run_fail(run_id=failed.id, reason="broker unavailable: connection refused")

    html = trio.client_for(trio.alice).get(reverse("web:run", args=[failed.id])).content.decode()

    assert (
        "it failed (Not probed: the task broker did not take the run — is Redis running?)" in html
    )
    assert "<code>broker unavailable: connection refused</code>" in html  # behind Details


def test_only_members_open_the_link(trio, prod_run):
    assert_members_only(trio, reverse("web:run", args=[prod_run.id]))


def test_the_run_page_and_its_shared_snapshot_number_the_checklist_once_and_show_code(
    trio, specimens, settings
):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(
        specimens, workspace=trio.acme, paths=("/legacy/orders",), name="orders"
    )
    endpoint, staging = service.endpoints.get(), service.environments.get(name="staging")
    run = record(endpoint, staging, probe(endpoint, staging))
    _, token = share_link_create(run=run, user=trio.alice)

    member = trio.client_for(trio.alice).get(reverse("web:run", args=[run.id]))
    shared = Client().get(reverse("sharing:public", args=[token]))

    for html in (member.content.decode(), shared.content.decode()):
        assert '<ul class="checklist">' in html
        assert '<ol class="checklist">' not in html
        assert "<strong>1. Does a route match the URL?</strong>" in html
        assert re.search(r"<ol><li>[^<]*<code>[^<]+</code>", html)  # a fix step quoting code
        assert "`" not in html
