"""The seam where rate limiting of on-the-spot probes will go.

Every "Diagnose a URL" submission sends a dozen requests from the web process, so a later
issue limits how often a user may do it. The view asks here first; until then nobody is
limited.
"""

from django.http import HttpRequest


def diagnose_refusal(request: HttpRequest) -> str | None:
    """Why this user may not probe now (shown to them as is), or None to go ahead."""
    return None
