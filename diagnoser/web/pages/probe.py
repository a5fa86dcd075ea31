"""Probe now: queue a run per environment, then report progress until all finished."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
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


@require_POST
@login_required
def endpoint_probe(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    page = reverse("web:endpoint", args=[service_id, endpoint_id])
    environments = list(endpoint.service.environments.all())
    refusal = None
    if not environments:
        error = "This service has no environments yet: add one, then probe."
    elif refusal := inventory_probes_take(
        request, targets=[(endpoint, env) for env in environments]
    ):
        # Every environment is a target: each is charged what its policy sends.
        error = refusal.message
    else:
        try:
            with transaction.atomic():
                runs = runs_request(targets=[(endpoint, env) for env in environments])
        except BrokerUnavailable as exc:
            error = f"Could not queue the probes. {exc}"
        else:
            if request.htmx:
                progress = _progress(endpoint, [run.id for run in runs])
                return render(request, "web/pages/_progress.html", {"progress": progress})
            messages.info(
                request,
                f"Queued {len(runs)} probe run{'s' if len(runs) != 1 else ''}; "
                "reload this page in a few seconds to see the new matrix.",
            )
            return redirect(page)
    if request.htmx:
        # 200 so htmx swaps the message in (it ignores error statuses by default).
        response = render(request, "web/pages/_progress.html", {"error": error})
        if refusal is not None:
            response["Retry-After"] = str(refusal.retry_after)
        return response
    messages.error(request, error)
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
