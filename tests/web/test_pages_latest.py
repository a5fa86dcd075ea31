"""run_record keeps each target's LatestRun (the newest run, its verdicts and worst
finding), which the overview and service pages read instead of the history."""

import pytest

from diagnoser.monitoring.models import LatestRun, StoredFinding
from diagnoser.monitoring.serialize import verdicts_to_text
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web.pages_data import probe, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(trio, specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, workspace=trio.acme, paths=("/legacy/orders",))
    return service.endpoints.get(), service.environments.get(name="staging")


def _worst_stored(observation_id: int | None) -> tuple[str, str, str]:
    rank = {"error": 0, "warning": 1, "info": 2}
    rows = StoredFinding.objects.filter(observation_id=observation_id)
    worst = min(rows, key=lambda f: rank[f.severity])
    return worst.severity, worst.rule, worst.title


def test_the_latest_run_follows_each_new_run_and_keeps_its_worst_finding(orders):
    endpoint, staging = orders
    report = probe(endpoint, staging)
    first = record(endpoint, staging, report)
    second = record(endpoint, staging, report)

    latest = LatestRun.objects.get(endpoint=endpoint, environment=staging)
    assert second.observation_id == first.observation_id  # unchanged: reused
    assert (latest.run_id, latest.finished_at) == (second.id, second.finished_at)
    assert latest.observation_id == second.observation_id
    assert latest.worst_severity == "error"
    assert (latest.worst_severity, latest.worst_rule, latest.worst_title) == _worst_stored(
        second.observation_id
    )
    assert "GET=accepted:200" in latest.verdicts


def test_a_run_reusing_the_observation_rebuilds_a_missing_pointer_from_stored_findings(orders):
    endpoint, staging = orders
    report = probe(endpoint, staging)
    record(endpoint, staging, report)
    LatestRun.objects.all().delete()

    again = record(endpoint, staging, report)

    latest = LatestRun.objects.get(endpoint=endpoint, environment=staging)
    assert latest.run_id == again.id
    assert (latest.worst_severity, latest.worst_rule, latest.worst_title) == _worst_stored(
        again.observation_id
    )


def test_a_changed_answer_replaces_the_verdicts_and_the_worst_finding(trio, specimens, orders):
    endpoint, staging = orders
    health = specimen_service(specimens, workspace=trio.acme, paths=("/health",), name="h")
    healthy = probe(health.endpoints.get(), health.environments.get(name="staging"))
    record(endpoint, staging, probe(endpoint, staging))

    changed = record(endpoint, staging, healthy)

    latest = LatestRun.objects.get(endpoint=endpoint, environment=staging)
    assert changed.changed
    assert latest.observation_id == changed.observation_id
    assert latest.worst_severity != "error"
    assert latest.verdicts == verdicts_to_text(latest.observation.matrix)
    assert latest.verdicts.startswith("GET=accepted:200 HEAD=accepted:200 POST=rejected:405")
