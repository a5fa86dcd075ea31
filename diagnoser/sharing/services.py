"""Writes for sharing: make a link (freezing its snapshot), revoke one, and drop the
links of history that is being deleted."""

import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.selectors import endpoint_latest_runs
from diagnoser.sharing.models import Expiry, ShareLink
from diagnoser.sharing.redact import carries_secrets, public_snapshot
from diagnoser.sharing.selectors import (
    drift_report_document,
    drift_report_title,
    endpoint_document,
    endpoint_title,
    run_document,
    run_title,
    share_links_of,
    token_digest,
)


def share_link_create(
    *,
    run: ProbeRun | None = None,
    report: DriftReport | None = None,
    endpoint: Endpoint | None = None,
    user: User,
    expires_in: Expiry = Expiry.WEEK,
    include_bodies: bool = False,
) -> tuple[ShareLink, str]:
    """A link to a frozen snapshot of the run, the report or the endpoint (its newest run
    in every environment), and its token.

    The token is returned here and nowhere else: only its sha256 is stored. The snapshot
    holds what a stranger may see (redact.public_snapshot): the response bodies of a run
    of a target probed with secret headers only if `include_bodies`.
    """
    if sum(subject is not None for subject in (run, report, endpoint)) != 1:
        raise ValueError("share exactly one of a run, a drift report or an endpoint")
    if expires_in not in Expiry.values:
        raise ValidationError({"expires_in": "a link expires after 1, 7 or 30 days"})
    if run is not None:
        document = run_document(run=run)
        if document is None:
            raise ValidationError(
                f"run {run.id} has no result to share (it is {run.state}"
                + (f": {run.failure_reason}" if run.failure_reason else "")
                + "); share a finished run, or probe again."
            )
        kind, title = ShareLink.Kind.RUN, run_title(run=run)
        workspace = run.endpoint.service.workspace
        withhold = not include_bodies and carries_secrets(environments=[run.environment])
        document = public_snapshot(document, withhold_bodies=withhold)
    elif endpoint is not None:
        runs = list(endpoint_latest_runs(endpoint=endpoint))
        document = endpoint_document(endpoint=endpoint, runs=runs)
        if document is None:
            raise ValidationError(
                f"{endpoint.path} has no finished run in any environment yet: press Probe now, "
                "then share it once a run finishes."
            )
        by_environment = {run.environment.name: run.environment for run in runs}
        document["environments"] = [
            public_snapshot(
                part,
                withhold_bodies=not include_bodies
                and carries_secrets(environments=[by_environment[part["environment"]]]),
            )
            for part in document["environments"]
        ]
        kind, title = ShareLink.Kind.ENDPOINT, endpoint_title(endpoint=endpoint)
        workspace = endpoint.service.workspace
    else:
        assert report is not None
        if report.state not in (DriftReport.State.DONE, DriftReport.State.FAILED):
            raise ValidationError(
                f"drift report {report.id} is still {report.state}; share it once it finishes."
            )
        # A drift report holds findings, not bodies.
        document = public_snapshot(drift_report_document(report=report), withhold_bodies=False)
        kind, title = ShareLink.Kind.DRIFT_REPORT, drift_report_title(report=report)
        workspace = report.drift_check.service.workspace
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = ShareLink.objects.create(
        workspace=workspace,
        kind=kind,
        run=run,
        drift_report=report,
        endpoint=endpoint,
        title=title[:300],
        created_by=user,
        created_at=now,
        expires_at=now + Expiry(expires_in).delta,
        token_hash=token_digest(token),
        snapshot=document,
        include_bodies=include_bodies,
    )
    return link, token


def share_link_revoke(*, link: ShareLink, user: User) -> ShareLink:
    """Stop the link working at once; revoking twice keeps the first time and person."""
    ShareLink.objects.filter(id=link.id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )
    link.refresh_from_db()
    return link


def share_links_drop(*, runs: QuerySet[ProbeRun], reports: QuerySet[DriftReport]) -> int:
    """Delete the links to runs or reports that are being deleted, before they are: a
    link's snapshot would outlive its subject, and deleting means gone. Their tokens then
    answer the not-found page, as unknown ones do. How many links went."""
    deleted, _ = share_links_of(runs=runs, reports=reports).delete()
    return deleted
