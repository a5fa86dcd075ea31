"""Runs recorded from real probes of the specimen API, for the page tests.

A run is created, claimed and recorded through the monitoring services exactly as a
worker does it; only the queueing is skipped (the probe happens here, in the test).
"""

from typing import Any

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.selectors import target_for
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import ProbeRun, Trigger
from diagnoser.monitoring.services.runs import run_claim, run_record
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbeReport
from tests.factories import Servers, specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.stubs import Reply


def probe(endpoint: Endpoint, environment: Environment) -> ProbeReport:
    with ProbeEngine(engine_config()) as engine:
        return engine.probe(target_for(endpoint=endpoint, environment=environment))


def record(endpoint: Endpoint, environment: Environment, report: ProbeReport) -> ProbeRun:
    run = ProbeRun.objects.create(
        endpoint=endpoint, environment=environment, trigger=Trigger.MANUAL
    )
    assert run_claim(run_id=run.id, worker="test")
    return run_record(run=run, report=report)


def probe_all(service: Service) -> list[ProbeRun]:
    return [
        record(endpoint, environment, probe(endpoint, environment))
        for endpoint in service.endpoints.all()
        for environment in service.environments.all()
    ]


def probed_specimen(specimens: Servers, settings: Any, **registration: Any) -> Service:
    """specimen_service (with these arguments), every target probed and recorded; the
    settings admit loopback for it."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, **registration)
    probe_all(service)
    return service


# Every answer: an HTML body carrying a <script>.
SCRIPT_PAGE = Reply(
    405,
    b"<html><script>alert('pwned')</script></html>",
    {"Allow": "GET", "Content-Type": "text/html"},
)
