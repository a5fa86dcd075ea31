"""Probe now: queue a run per environment, then report progress until all finished."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from diagnoser.access import member_endpoint
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import ProbeRun
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.services.runs import runs_request
from diagnoser.web.setup.limits import inventory_probes_take

# Runs still queued after this long most likely have no worker to take them.
NO_WORKER_AFTER = timedelta(seconds=15)
FINISHED = (ProbeRun.State.DONE, ProbeRun.State.FAILED)


@dataclass(frozen=True)
class Progress:
    runs: list[ProbeRun]
    poll_url: str

    @property
    def finished(self) -> int:
        return sum(1 for run in self.runs if run.state in FINISHED)

    @property
    def done(self) -> bool:
        return self.finished == len(self.runs)

    @property
    def failed(self) -> list[ProbeRun]:
        return [run for run in self.runs if run.state == ProbeRun.State.FAILED]

    @property
    def waiting_for_worker(self) -> bool:
        cutoff = timezone.now() - NO_WORKER_AFTER
        return any(r.state == ProbeRun.State.QUEUED and r.queued_at < cutoff for r in self.runs)


def _progress(endpoint: Endpoint, run_ids: list[int]) -> Progress:
    runs = list(
        ProbeRun.objects.filter(endpoint=endpoint, id__in=run_ids)
        .select_related("environment")
        .order_by("environment__position", "environment__name")
    )
    url = reverse("web:endpoint_progress", args=[endpoint.service_id, endpoint.id])
    query = "&".join(f"run={run.id}" for run in runs)
    return Progress(runs=runs, poll_url=f"{url}?{query}")


@dataclass(frozen=True)
class NotQueued:
    """Why Probe now queued nothing, in words for the user."""

    message: str
    retry_after: int | None = None  # seconds, when a probe limit ran out
    broker_down: bool = False


def endpoint_probe_now(request: HttpRequest, endpoint: Endpoint) -> list[ProbeRun] | NotQueued:
    """Probe now, for the page's button and the API alike: a run per environment, each
    charged to the user what its policy sends, queued in one transaction."""
    targets = [(endpoint, env) for env in endpoint.service.environments.all()]
    if not targets:
        return NotQueued("This service has no environments yet: add one, then probe.")
    refusal = inventory_probes_take(request, targets=targets)
    if refusal is not None:
        return NotQueued(refusal.message, retry_after=refusal.retry_after)
    try:
        with transaction.atomic():
            return runs_request(targets=targets)
    except BrokerUnavailable as exc:
        return NotQueued(f"Could not queue the probes. {exc}", broker_down=True)


@require_POST
@login_required
def endpoint_probe(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    page = reverse("web:endpoint", args=[service_id, endpoint_id])
    queued = endpoint_probe_now(request, endpoint)
    if isinstance(queued, NotQueued):
        if request.htmx:
            # 200 so htmx swaps the message in (it ignores error statuses by default).
            response = render(request, "web/pages/_progress.html", {"error": queued.message})
            if queued.retry_after is not None:
                response["Retry-After"] = str(queued.retry_after)
            return response
        messages.error(request, queued.message)
        return redirect(page)
    if request.htmx:
        progress = _progress(endpoint, [run.id for run in queued])
        return render(request, "web/pages/_progress.html", {"progress": progress})
    messages.info(
        request,
        f"Queued {len(queued)} probe run{'s' if len(queued) != 1 else ''}; "
        "reload this page in a few seconds to see the new matrix.",
    )
    return redirect(page)


@require_GET
@login_required
def endpoint_progress(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    run_ids = [int(value) for value in request.GET.getlist("run") if value.isdigit()]
    progress = _progress(endpoint, run_ids)
    response = render(request, "web/pages/_progress.html", {"progress": progress})
    if progress.done and progress.runs:
        # The endpoint body listens for this and reloads itself with the new runs.
        response["HX-Trigger"] = "matrix-refresh"
    return response
