"""Archived services, environments, endpoints and drift checks keep their history but leave
scheduling, status and drift-check schedules until restored."""

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import PeriodicTask

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)
from diagnoser.monitoring.as_code import InventoryError, export_inventory, import_inventory
from diagnoser.monitoring.models import DriftReport, ProbeRun, Trigger
from diagnoser.monitoring.selectors import target_statuses
from diagnoser.monitoring.services.archive import (
    drift_check_archive,
    drift_check_restore,
    endpoint_archive,
    endpoint_restore,
    environment_archive,
    service_archive,
    service_restore,
)
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_targets
from diagnoser.monitoring.services.probe_schedules import runs_enqueue_due
from tests.web.pages_data import probed_specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> Service:
    service = service_create(workspace=workspace_create(name="team"), name="shop")
    for name in ("staging", "prod"):
        environment_create(service=service, name=name, base_url=f"https://{name}.shop.test")
    for path in ("/items", "/orders"):
        endpoint_create(service=service, path=path)
    return service


def _queued() -> set[tuple[str, str]]:
    return set(ProbeRun.objects.values_list("endpoint__path", "environment__name").order_by())


def test_scheduling_skips_archived_endpoints_and_environments(shop):
    endpoint_archive(endpoint=shop.endpoints.get(path="/orders"))
    environment_archive(environment=shop.environments.get(name="staging"))

    runs_enqueue_due()

    assert _queued() == {("/items", "prod")}


def test_a_restored_endpoint_is_scheduled_again(shop):
    orders = endpoint_archive(endpoint=shop.endpoints.get(path="/orders"))
    endpoint_restore(endpoint=orders)

    runs_enqueue_due()

    assert ("/orders", "prod") in _queued()


def test_an_archived_service_leaves_scheduling_and_status(shop):
    service_archive(service=shop)

    runs_enqueue_due()

    assert _queued() == set()
    assert not Service.objects.exists()
    assert target_statuses(services=list(Service.all_objects.all())) == []


def test_restoring_a_service_brings_back_what_was_archived_with_it_only(shop):
    environment_archive(environment=shop.environments.get(name="staging"))
    service_archive(service=shop)

    service_restore(service=shop)

    assert set(Environment.objects.values_list("name", flat=True)) == {"prod"}
    assert set(Endpoint.objects.values_list("path", flat=True)) == {"/items", "/orders"}
    statuses = target_statuses(services=[shop])
    assert {(s.endpoint, s.environment) for s in statuses} == {
        ("/items", "prod"),
        ("/orders", "prod"),
    }


def test_an_archived_services_drift_check_schedule_is_off_until_it_is_restored(shop):
    check = drift_check_create(service=shop, name="hourly", every="1h")

    service_archive(service=shop)
    off = PeriodicTask.objects.get(id=check.periodic_task_id).enabled
    service_restore(service=shop)
    on = PeriodicTask.objects.get(id=check.periodic_task_id).enabled

    assert (off, on) == (False, True)


def test_an_archived_name_is_still_taken_and_the_refusal_says_where_it_is(shop):
    environment_archive(environment=shop.environments.get(name="staging"))

    with pytest.raises(ValidationError, match="archived: restore it from the Archived list"):
        environment_create(service=shop, name="staging", base_url="https://new.shop.test")


def test_pruning_by_import_deletes_probed_environments_and_endpoints_with_their_runs(
    specimens, settings
):
    workspace = workspace_create(name="team")
    probed_specimen(specimens, settings, workspace=workspace, paths=("/items", "/health"))
    text = "workspace: team\nservices:\n- name: shop\n  endpoints:\n  - path: /items\n"

    import_inventory(text, prune=True)

    assert not Environment.all_objects.exists()
    assert list(Endpoint.all_objects.values_list("path", flat=True)) == ["/items"]
    assert not ProbeRun.objects.exists()


def test_a_drift_check_whose_chosen_environments_are_archived_compares_none(shop):
    staging = shop.environments.get(name="staging")
    check = drift_check_create(service=shop, name="staging only", environments=[staging])

    before = drift_check_targets(check=check)
    environment_archive(environment=staging)

    assert {e.name for _, e in before} == {"staging"}
    assert drift_check_targets(check=check) == []


def test_an_archived_drift_check_keeps_its_reports_with_its_schedule_off_until_restored(shop):
    check = drift_check_create(service=shop, name="hourly", every="1h")
    DriftReport.objects.create(drift_check=check, trigger=Trigger.MANUAL)

    drift_check_archive(check=check)
    off = PeriodicTask.objects.get(id=check.periodic_task_id).enabled
    listed = list(shop.drift_checks.all())
    drift_check_restore(check=check)
    on = PeriodicTask.objects.get(id=check.periodic_task_id).enabled

    assert (off, on) == (False, True)
    assert listed == []
    assert DriftReport.objects.filter(drift_check=check).count() == 1


def test_restoring_a_service_leaves_a_drift_check_archived_on_its_own_switched_off(shop):
    check = drift_check_create(service=shop, name="hourly", every="1h")
    drift_check_archive(check=check)

    service_archive(service=shop)
    service_restore(service=shop)

    assert not PeriodicTask.objects.get(id=check.periodic_task_id).enabled


def test_the_inventory_export_leaves_archived_drift_checks_out(shop):
    drift_check_create(service=shop, name="hourly", every="1h")
    drift_check_archive(check=drift_check_create(service=shop, name="nightly", every="1d"))

    exported = export_inventory(workspace=shop.workspace)

    assert [c["name"] for c in exported["services"][0]["drift_checks"]] == ["hourly"]


def test_importing_a_check_whose_namesake_is_archived_says_where_it_is(shop):
    drift_check_archive(check=drift_check_create(service=shop, name="hourly", every="1h"))
    text = (
        "workspace: team\nservices:\n- name: shop\n  drift_checks:\n  - name: hourly\n"
        "    every: 1h\n"
    )

    with pytest.raises(InventoryError, match="archived: restore it from the Archived list"):
        import_inventory(text)
