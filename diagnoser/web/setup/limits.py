"""Rate limiting of on-demand probes from the web pages.

"Diagnose a URL", "Probe now" and a drift check's "Run now" are charged per request they
will send against the same per-user and per-target-host limits
(diagnoser/security/limits.py), whatever the click that sends them.
"""

from collections.abc import Iterable

from django.http import HttpRequest

from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.inventory.selectors import effective_policy, target_url
from diagnoser.security.limits import Refusal, probes_take


def diagnose_refusal(request: HttpRequest) -> str | None:
    """Why this user may not probe now (shown to them as is), or None to go ahead.

    Called once the form is valid, so the URL and policy are the ones that will be sent."""
    target = (request.POST.get("url", ""), request.POST.get("policy", "full"))
    refusal = probes_take(request, targets=[target])
    return None if refusal is None else refusal.message


def inventory_probes_take(
    request: HttpRequest, *, targets: Iterable[tuple[Endpoint, Environment]]
) -> Refusal | None:
    """Charge probing registered (endpoint, environment) targets now to this user."""
    return probes_take(
        request,
        targets=[
            (
                target_url(endpoint=endpoint, environment=environment),
                effective_policy(endpoint=endpoint, environment=environment),
            )
            for endpoint, environment in targets
        ],
    )
