"""Reads for sharing: a run's stored diagnosis, the documents links freeze, link lookup."""

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from diagnoser.analysis.model import Diagnosis
from diagnoser.inventory.models import Endpoint, Workspace
from diagnoser.monitoring.diagnosis_selectors import stored_diagnosis
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.selectors import endpoint_latest_runs, report_as_dict
from diagnoser.probing.model import ProbeReport
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.redact import redacted, secret_values


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RunDiagnosis:
    report: ProbeReport
    diagnosis: Diagnosis


def run_diagnosis(*, run: ProbeRun) -> RunDiagnosis | None:
    """What a finished run observed and concluded, as stored; None if it stored nothing.

    The stored observation is shared by every unchanged run after it, so the report
    takes this run's own start and duration.
    """
    stored = run.observation
    if stored is None:
        return None
    loaded = stored_diagnosis(
        observation=stored,
        findings=stored.findings.all(),
        declared=run.endpoint.declared_methods,
    )
    elapsed_ms = 0.0
    if run.started_at and run.finished_at:
        elapsed_ms = (run.finished_at - run.started_at).total_seconds() * 1000
    report = replace(
        loaded.report, started_at=run.started_at or stored.created_at, elapsed_ms=elapsed_ms
    )
    return RunDiagnosis(report, loaded.diagnosis)


def run_title(*, run: ProbeRun) -> str:
    return f"{run.endpoint.service.name} {run.endpoint.path} in {run.environment.name}"


def endpoint_title(*, endpoint: Endpoint) -> str:
    return f"{endpoint.service.name} {endpoint.path} in every environment"


def drift_report_title(*, report: DriftReport) -> str:
    check = report.drift_check
    return f"{check.service.name} drift check {check.name!r}, report {report.id}"


def run_document(*, run: ProbeRun) -> dict[str, Any] | None:
    """The public diagnosis document (monitoring.export) of a run, with where it was
    probed added and the environment's secrets scrubbed; None if the run stored nothing."""
    loaded = run_diagnosis(run=run)
    if loaded is None:
        return None
    document = diagnosis_document(loaded.report, loaded.diagnosis)
    document.update(
        service=run.endpoint.service.name,
        endpoint=run.endpoint.path,
        environment=run.environment.name,
        run_id=run.id,
        finished_at=run.finished_at.isoformat() if run.finished_at else None,
    )
    return redacted(document, secret_values(environments=[run.environment]))


def endpoint_document(
    *, endpoint: Endpoint, runs: list[ProbeRun] | None = None
) -> dict[str, Any] | None:
    """Every environment's newest diagnosis of the endpoint (run_document each, in
    `environments`); None if no environment has one yet."""
    runs = list(endpoint_latest_runs(endpoint=endpoint)) if runs is None else runs
    documents = [document for run in runs if (document := run_document(run=run)) is not None]
    if not documents:
        return None
    return {
        "kind": "endpoint",
        "service": endpoint.service.name,
        "endpoint": endpoint.path,
        "environments": documents,
    }


def drift_report_document(*, report: DriftReport) -> dict[str, Any]:
    """The report as the CLI's --json shows it, the service's secrets scrubbed."""
    environments = report.drift_check.service.environments.all()
    return redacted(report_as_dict(report=report), secret_values(environments=environments))


def share_links_working(*, links: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    """Those still opening their snapshot: neither revoked nor expired."""
    return links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def share_link_resolve(*, token: str) -> ShareLink | None:
    """The live link the token opens: looked up by hash, so the token is never compared."""
    return share_links_working(
        links=ShareLink.objects.filter(token_hash=token_digest(token))
    ).first()


def _links(workspace: Workspace) -> QuerySet[ShareLink]:
    return (
        ShareLink.objects.filter(workspace=workspace)
        .defer("snapshot")
        .select_related("created_by", "revoked_by", "endpoint")
        .order_by("-created_at")
    )


def share_links_active(*, workspace: Workspace) -> QuerySet[ShareLink]:
    return share_links_working(links=_links(workspace))


# Ended links listed at most: they are history, and the newest say what happened lately.
ENDED_SHOWN = 50


def share_links_ended(*, workspace: Workspace) -> QuerySet[ShareLink]:
    """Revoked or expired links, newest first (ENDED_SHOWN of them)."""
    ended = Q(revoked_at__isnull=False) | Q(expires_at__lte=timezone.now())
    return _links(workspace).filter(ended)[:ENDED_SHOWN]


def share_links_of(
    *, runs: QuerySet[ProbeRun], reports: QuerySet[DriftReport]
) -> QuerySet[ShareLink]:
    """The links to any of these runs or drift reports, revoked and expired ones too."""
    return ShareLink.objects.filter(run__in=runs) | ShareLink.objects.filter(
        drift_report__in=reports
    )
