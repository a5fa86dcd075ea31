"""`manage.py status`: the overview in the terminal, and as JSON a list of targets."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diagnoser.inventory.services import workspace_create
from diagnoser.monitoring.services.archive import (
    endpoint_archive,
    environment_archive,
    service_archive,
)
from tests.factories import specimen_service
from tests.web.pages_data import probed_specimen

KEYS = {"service", "environment", "endpoint", "url", "last_probed_at", "worst", "drift"}

pytestmark = pytest.mark.django_db


def _status(*args: str) -> str:
    out = StringIO()
    call_command("status", *args, stdout=out)
    return out.getvalue()


def _by_target(document: list[dict]) -> dict[tuple[str, str], dict]:
    return {(t["endpoint"], t["environment"]): t for t in document}


def test_json_lists_every_target_with_its_last_probe_worst_finding_and_drift(specimens, settings):
    workspace = workspace_create(name="acme")
    probed_specimen(
        specimens, settings, workspace=workspace, paths=["/items/{id}", "/legacy/orders"]
    )

    document = json.loads(_status("shop", "--workspace", "acme", "--json"))

    assert len(document) == 4
    assert all(set(target) == KEYS for target in document)
    targets = _by_target(document)
    items_prod = targets[("/items/{id}", "prod")]
    assert items_prod["service"] == "shop"
    assert items_prod["url"] == specimens.url("prod") + "/items/0"
    assert datetime.fromisoformat(items_prod["last_probed_at"]).tzinfo is not None
    # The specimen's prod lacks PATCH on /items/{id}, which staging accepts.
    assert items_prod["drift"] is True
    assert targets[("/items/{id}", "staging")]["drift"] is True
    assert targets[("/legacy/orders", "staging")]["drift"] is False
    # /legacy/orders answers 405 without Allow in both environments.
    assert targets[("/legacy/orders", "staging")]["worst"] == "missing_allow_on_405"


def test_a_target_never_probed_says_null_and_no_drift(specimens):
    specimen_service(specimens, workspace=workspace_create(name="acme"), paths=["/items/{id}"])

    document = json.loads(_status("--json"))

    assert {(t["endpoint"], t["environment"]) for t in document} == {
        ("/items/{id}", "staging"),
        ("/items/{id}", "prod"),
    }
    assert all(t["last_probed_at"] is None for t in document)
    assert all(t["worst"] is None and t["drift"] is False for t in document)


def test_the_text_table_says_never_for_a_target_not_yet_probed(specimens):
    specimen_service(specimens, workspace=workspace_create(name="acme"), paths=["/health"])

    lines = _status("shop").splitlines()

    assert lines[0].split() == [
        "SERVICE",
        "ENVIRONMENT",
        "ENDPOINT",
        "LAST",
        "PROBED",
        "WORST",
        "DRIFT",
    ]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["shop", "staging", "/health", "never"],
        ["shop", "prod", "/health", "never"],
    ]


def test_the_text_table_shows_the_worst_finding_and_drift(specimens, settings):
    probed_specimen(
        specimens, settings, workspace=workspace_create(name="acme"), paths=["/items/{id}"]
    )

    lines = _status().splitlines()[1:]

    assert len(lines) == 2
    assert all(line.rstrip().endswith("drift") for line in lines)
    assert all(" ago " in line for line in lines)


def test_only_the_workspace_asked_for_is_listed(specimens):
    specimen_service(specimens, workspace=workspace_create(name="acme"), paths=["/health"])
    specimen_service(specimens, workspace=workspace_create(name="other"), paths=["/items"])

    document = json.loads(_status("--workspace", "other", "--json"))

    assert {t["endpoint"] for t in document} == {"/items"}


def test_a_service_name_two_workspaces_share_needs_the_workspace(specimens):
    specimen_service(specimens, workspace=workspace_create(name="acme"), paths=["/health"])
    specimen_service(specimens, workspace=workspace_create(name="other"), paths=["/health"])

    with pytest.raises(CommandError, match="--workspace") as raised:
        _status("shop")
    assert raised.value.returncode == 2


def test_an_unknown_service_is_an_error(specimens):
    with pytest.raises(CommandError, match="no service named 'nope'"):
        _status("nope")


def test_the_status_reads_as_few_statements_for_many_targets_as_for_one(specimens, settings):
    probed_specimen(specimens, settings, workspace=workspace_create(name="a"), paths=["/items"])
    with CaptureQueriesContext(connection) as one:
        _status("--json")
    probed_specimen(specimens, settings, workspace=workspace_create(name="b"), name="more")
    with CaptureQueriesContext(connection) as many:
        assert len(json.loads(_status("--json"))) > 10

    assert len(many) == len(one)


def test_archived_services_environments_and_endpoints_are_left_out(specimens):
    acme = workspace_create(name="acme")
    shop = specimen_service(specimens, workspace=acme, paths=["/items", "/health"])
    specimen_service(specimens, workspace=acme, paths=["/items"], name="old")
    endpoint_archive(endpoint=shop.endpoints.get(path="/health"))
    environment_archive(environment=shop.environments.get(name="staging"))
    service_archive(service=acme.services.get(name="old"))

    document = json.loads(_status("--json"))

    assert {(t["service"], t["endpoint"], t["environment"]) for t in document} == {
        ("shop", "/items", "prod")
    }
    with pytest.raises(CommandError, match="no service named 'old'"):
        _status("old")
