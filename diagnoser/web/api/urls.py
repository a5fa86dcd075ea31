"""/api/v1/: the HTTP API and its OpenAPI document."""

from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularJSONAPIView

from diagnoser.web.api import views

app_name = "api"

urlpatterns: list[URLPattern] = [
    path("services/", views.Services.as_view(), name="services"),
    path("services/<int:service_id>/endpoints/", views.Endpoints.as_view(), name="endpoints"),
    path(
        "services/<int:service_id>/openapi/", views.OpenAPIImport.as_view(), name="openapi_import"
    ),
    path("targets/", views.Targets.as_view(), name="targets"),
    path("inventory/", views.Inventory.as_view(), name="inventory"),
    path("endpoints/<int:endpoint_id>/probe/", views.Probe.as_view(), name="probe"),
    path("endpoints/<int:endpoint_id>/diagnosis/", views.Diagnosis.as_view(), name="diagnosis"),
    path("runs/<int:run_id>/", views.Run.as_view(), name="run"),
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="openapi",
    ),
]
