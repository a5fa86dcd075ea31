"""The request type views see once django-htmx's middleware has run.

Not an app and below every app that serves pages (sharing, web), so both can type
their views with it without one importing the other.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
