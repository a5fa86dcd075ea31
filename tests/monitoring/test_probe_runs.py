import pytest

from diagnoser.celery import app as celery_app
from diagnoser.monitoring.models import ProbeRun, StoredFinding, StoredObservation
from diagnoser.monitoring.services.runs import PROBE_TASK, run_request
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "loopback_allowed"),
]


def _finished(run_id: int) -> ProbeRun | None:
    run = ProbeRun.objects.get(id=run_id)
    return run if run.state in (ProbeRun.State.DONE, ProbeRun.State.FAILED) else None


def _target(specimens, path: str = "/legacy/orders", env: str = "staging"):
    service = secret_specimen_service(specimens, paths={path})
    return service.endpoints.get(), service.environments.get(name=env)


def test_a_worker_probes_a_target_and_stores_observation_and_findings(specimens):
    endpoint, environment = _target(specimens)
    run = run_request(endpoint=endpoint, environment=environment)

    done = wait_for(lambda: _finished(run.id), what="the run")

    assert done.state == ProbeRun.State.DONE, done.failure_reason
    assert done.attempt == 1
    assert done.changed
    statuses = {o["probe"]: o["status"] for o in done.observation.observations}
    assert statuses["POST"] == 405
    rules = set(done.observation.findings.values_list("rule", flat=True))
    assert "missing_allow_on_405" in rules


def test_an_unchanged_target_adds_a_run_row_and_nothing_else(specimens):
    endpoint, environment = _target(specimens)
    first = run_request(endpoint=endpoint, environment=environment)
    wait_for(lambda: _finished(first.id))
    observations, findings = StoredObservation.objects.count(), StoredFinding.objects.count()

    second = run_request(endpoint=endpoint, environment=environment)
    done = wait_for(lambda: _finished(second.id))

    assert done.observation_id == ProbeRun.objects.get(id=first.id).observation_id
    assert not done.changed
    assert StoredObservation.objects.count() == observations
    assert StoredFinding.objects.count() == findings


def test_a_change_in_behaviour_stores_a_new_observation(specimens):
    endpoint, environment = _target(specimens, path="/items/{id}", env="prod")
    first = run_request(endpoint=endpoint, environment=environment)
    wait_for(lambda: _finished(first.id))
    specimens.apps["prod"].env = "staging"  # prod gains PATCH

    second = run_request(endpoint=endpoint, environment=environment)
    done = wait_for(lambda: _finished(second.id))

    assert done.changed
    assert StoredObservation.objects.filter(endpoint=endpoint).count() == 2


def test_a_task_delivered_twice_stores_one_run(specimens):
    specimens.apps["staging"].latency = 0.3  # both deliveries overlap in the worker
    endpoint, environment = _target(specimens)
    run = run_request(endpoint=endpoint, environment=environment)
    celery_app.send_task(PROBE_TASK, args=(run.id,))
    celery_app.send_task(PROBE_TASK, args=(run.id,))

    done = wait_for(lambda: _finished(run.id))

    assert done.state == ProbeRun.State.DONE
    assert done.attempt == 1
    assert StoredObservation.objects.filter(endpoint=endpoint).count() == 1
    assert ProbeRun.objects.filter(endpoint=endpoint).count() == 1


def test_secret_headers_are_redacted_in_stored_observations(specimens):
    endpoint, environment = _target(specimens, env="prod")
    run = run_request(endpoint=endpoint, environment=environment)
    done = wait_for(lambda: _finished(run.id))

    stored = str(done.observation.observations) + str(
        list(done.observation.findings.values_list("reproduce", flat=True))
    )
    assert "prod-secret-token" not in stored


def test_a_target_the_guard_refuses_fails_the_run_with_the_reason(specimens, settings):
    endpoint, environment = _target(specimens)
    settings.DIAGNOSER_ALLOW_NETWORKS = []  # admitted when registered, refused since
    run = run_request(endpoint=endpoint, environment=environment)
    done = wait_for(lambda: _finished(run.id))
    errors = {o["error_kind"] for o in done.observation.observations}
    assert errors == {"blocked"}
