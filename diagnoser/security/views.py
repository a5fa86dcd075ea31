"""The answers that refuse: 429 for a used-up rate limit and for a locked-out login."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diagnoser.security.limits import Refusal, TooManyRequests, wait_text


def _with_retry_after(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "private, no-store"
    return response


def too_many_requests(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: a page for browsers, plain text with Retry-After for the rest."""
    if isinstance(exception, TooManyRequests):
        refusal = exception.refusal
    else:
        refusal = Refusal("Too many requests: wait a minute, then try again.", 60)
    if "text/html" in request.headers.get("Accept", ""):
        response = render(
            request, "security/too_many_requests.html", {"refusal": refusal}, status=429
        )
    else:
        response = HttpResponse(refusal.message + "\n", status=429, content_type="text/plain")
    return _with_retry_after(response, refusal.retry_after)


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page says why it refuses and for how long.

    Every try during the lock restarts it (django-axes' default), so the full cool-off
    is when to come back."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = (
        f"Too many failed logins for this user name from your address. Wait "
        f"{wait_text(seconds)} before trying again (each try restarts the wait), "
        "or ask an administrator to reset it with `manage.py axes_reset`."
    )
    response = render(request, "security/login_locked.html", {"message": message}, status=429)
    return _with_retry_after(response, seconds)
