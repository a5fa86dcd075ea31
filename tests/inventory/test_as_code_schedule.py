"""Inventory as code: probe_every and paused on services and environments, and the probe
an import asks for when it registers or changes targets."""

import pytest
import yaml

from diagnoser.inventory.models import Environment, Service, Workspace
from diagnoser.monitoring.as_code import InventoryError, export_inventory, import_inventory
from diagnoser.monitoring.models import ProbeRun
from tests.monitoring.fixtures import broker_at

SHOP = """\
services:
  - name: shop
    probe_every: 5m
    environments:
      - name: staging
        base_url: "http://staging.example.com"
      - name: prod
        base_url: "https://api.example.com"
        probe_every: 1h
        paused: true
    endpoints:
      - path: /items
"""


def _import(text: str = SHOP, **kwargs):
    return import_inventory(text, workspace_name="acme", source="shop.yaml", **kwargs)


def _queued() -> set[tuple[str, str]]:
    runs = ProbeRun.objects.filter(state=ProbeRun.State.QUEUED)
    return set(runs.values_list("endpoint__path", "environment__name"))


@pytest.mark.django_db
def test_probe_every_and_paused_are_read_for_services_and_environments():
    _import()

    service = Service.objects.get(name="shop")
    assert (service.probe_every, service.probing_paused) == (300, False)
    staging, prod = service.environments.get(name="staging"), service.environments.get(name="prod")
    assert (staging.probe_every, staging.probing_paused) == (None, False)
    assert (prod.probe_every, prod.probing_paused) == (3600, True)


@pytest.mark.django_db
def test_without_probe_every_a_service_is_probed_every_15_minutes():
    _import(SHOP.replace("    probe_every: 5m\n", ""))

    assert Service.objects.get(name="shop").probe_every == 900


@pytest.mark.django_db
def test_export_then_import_round_trips_the_schedule():
    _import()
    exported = export_inventory(workspace=Workspace.objects.get(name="acme"))
    text = yaml.safe_dump(exported, sort_keys=False)

    service = exported["services"][0]
    assert service["probe_every"] == "5m"
    prod = next(e for e in service["environments"] if e["name"] == "prod")
    assert (prod["probe_every"], prod["paused"]) == ("1h", True)
    assert "probe_every" not in service["environments"][0]
    assert not _import(text).changed


@pytest.mark.django_db
def test_changing_the_interval_is_an_update():
    _import()

    summary = _import(SHOP.replace("probe_every: 5m", "probe_every: 10m"))

    assert summary.updated == ["service shop"]
    assert Service.objects.get(name="shop").probe_every == 600


@pytest.mark.parametrize(
    ("bad", "line"),
    [("probe_every: 5m", 3), ("probe_every: 1h", 9)],
)
@pytest.mark.django_db
def test_an_interval_beat_cannot_keep_is_refused_with_its_line(bad, line):
    with pytest.raises(InventoryError, match=f"line {line}: probe_every:"):
        _import(SHOP.replace(bad, "probe_every: 10s"))
    assert not Service.objects.exists()


@pytest.mark.django_db
def test_an_import_probes_the_targets_it_registers_except_paused_ones():
    summary = _import()

    assert _queued() == {("/items", "staging")}
    assert summary.probes_queued == 1


@pytest.mark.django_db
def test_reimporting_probes_only_what_changed_what_is_probed():
    _import()
    ProbeRun.objects.update(state=ProbeRun.State.DONE)

    assert _import().probes_queued == 0
    changed = _import(SHOP.replace("http://staging.example.com", "http://staging2.example.com"))

    assert changed.probes_queued == 1
    assert _queued() == {("/items", "staging")}


@pytest.mark.django_db
def test_an_import_can_leave_probing_to_the_schedule():
    assert _import(probe=False).probes_queued == 0
    assert not ProbeRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_import_is_saved_and_its_runs_wait():
    with broker_at("redis://127.0.0.1:1/0"):
        summary = _import()

    assert summary.probes_deferred
    assert Environment.objects.filter(service__name="shop").count() == 2
    assert _queued() == {("/items", "staging")}  # the sweeper publishes it again
