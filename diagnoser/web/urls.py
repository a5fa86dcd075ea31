"""The browser UI. Each area owns its routes; all share the "web" namespace."""

from django.urls import URLPattern, URLResolver

from diagnoser.web.alerts.urls import urlpatterns as alert_urls
from diagnoser.web.drift.urls import urlpatterns as drift_urls
from diagnoser.web.pages.urls import urlpatterns as page_urls
from diagnoser.web.setup.urls import urlpatterns as setup_urls

app_name = "web"

urlpatterns: list[URLPattern | URLResolver] = [*page_urls, *setup_urls, *drift_urls, *alert_urls]
