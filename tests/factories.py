"""Inventory, runs and drift reports built through the services, as users and workers build
them: the one place tests register the specimen API or store a probed run."""

from collections.abc import Collection, Sequence
from typing import Any, Protocol

from diagnoser.inventory.models import Service, Workspace
from diagnoser.inventory.selectors import target_for
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, Trigger
from diagnoser.monitoring.services.drift_reports import drift_report_finish, drift_report_start
from diagnoser.monitoring.services.runs import run_claim, run_record
from diagnoser.probing.model import ProbeReport, Target
from diagnoser.specimen.app import SPECIMEN_ENDPOINTS

SAMPLES = dict(SPECIMEN_ENDPOINTS)
# What the monitoring tests check never leaks: a CORS origin and a secret header on prod.
PROD_SECRETS: dict[str, Any] = {
    "cors_origin": "https://app.example",
    "headers": {"Authorization": "Bearer prod-secret-token-0123456789"},
}


class Servers(Protocol):
    def url(self, env: str) -> str: ...


class Prober(Protocol):
    """A ProbeEngine, or a stand-in that replays its reports."""

    def probe(self, target: Target) -> ProbeReport: ...


def specimen_service(
    specimens: Servers,
    *,
    workspace: Workspace,
    paths: Collection[str] | None = None,
    name: str = "shop",
    **prod: Any,
) -> Service:
    """The specimen's staging and prod registered in a workspace, both probed `full`
    (chosen explicitly: new environments default to `safe`), prod created with the `prod`
    options, with the endpoints at `paths` (None: all)."""
    service = service_create(workspace=workspace, name=name)
    environment_create(
        service=service, name="staging", base_url=specimens.url("staging"), probe_policy="full"
    )
    environment_create(
        service=service,
        name="prod",
        base_url=specimens.url("prod"),
        is_production=True,
        probe_policy="full",
        **prod,
    )
    every = [path for path, _ in SPECIMEN_ENDPOINTS]
    # A sequence keeps its order (pages list endpoints as created); a set takes the
    # specimen's.
    chosen = paths if isinstance(paths, Sequence) else [p for p in every if p in (paths or every)]
    for path in chosen:
        endpoint_create(service=service, path=path, samples=SAMPLES.get(path, {}))
    return service


def secret_specimen_service(
    specimens: Servers, *, paths: Collection[str] | None = None, name: str = "specimen"
) -> Service:
    """The specimen in a workspace of its own, prod also carrying PROD_SECRETS."""
    workspace = workspace_create(name=f"ws-{name}")
    return specimen_service(specimens, workspace=workspace, paths=paths, name=name, **PROD_SECRETS)


def running_run(*, base_url: str = "http://127.0.0.1:1", path: str = "/x", **run: Any) -> ProbeRun:
    """A run a worker has claimed and not finished, of a one-endpoint service of its own:
    for what happens to runs in flight (stored, swept, retried)."""
    service = service_create(workspace=workspace_create(name="runs"), name="api")
    environment = environment_create(service=service, name="prod", base_url=base_url)
    endpoint = endpoint_create(service=service, path=path)
    return ProbeRun.objects.create(
        endpoint=endpoint,
        environment=environment,
        trigger=Trigger.MANUAL,
        state=ProbeRun.State.RUNNING,
        **run,
    )


def run_probe_and_store(*, engine: Prober, run: ProbeRun) -> ProbeRun:
    """What the probe task does with a queued run (no broker: nothing was published)."""
    assert run_claim(run_id=run.id, worker="test")
    report = engine.probe(target_for(endpoint=run.endpoint, environment=run.environment))
    return run_record(run=run, report=report)


def drift_report_probed(*, engine: Prober, check: DriftCheck) -> DriftReport:
    """A drift report as the workers make it: every run it queued probed and stored, then
    the comparison the finishing task would do."""
    started = drift_report_start(check=check)
    queued_runs = started.runs.filter(state=ProbeRun.State.QUEUED)
    for queued in queued_runs.select_related("endpoint", "environment"):
        run_probe_and_store(engine=engine, run=queued)
    # drift_report_maybe_finish would hand this to the broker's finishing task.
    DriftReport.objects.filter(id=started.id).update(state=DriftReport.State.FINISHING)
    finished = drift_report_finish(report_id=started.id)
    assert finished is not None
    return finished
