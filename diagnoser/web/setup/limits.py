"""Rate limiting of on-the-spot probes.

Every "Diagnose a URL" submission sends a dozen requests from the web process, so it
counts against the same per-user and per-target-host limits as "Probe now"
(diagnoser/security/limits.py).
"""

from django.http import HttpRequest

from diagnoser.security.limits import probes_take


def diagnose_refusal(request: HttpRequest) -> str | None:
    """Why this user may not probe now (shown to them as is), or None to go ahead."""
    refusal = probes_take(request, urls=[request.POST.get("url", "")])
    return None if refusal is None else refusal.message
