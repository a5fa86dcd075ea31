from django.urls import URLPattern, URLResolver, path

from diagnoser.web.setup import diagnose, endpoint_views, inventory_views

_ENV = "services/<int:service_id>/environments/<int:environment_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("diagnose/", diagnose.diagnose, name="diagnose"),
    path("diagnose/register/", diagnose.diagnose_register, name="diagnose_register"),
    path("services/new/", inventory_views.service_new, name="service_new"),
    path("services/<int:service_id>/edit/", inventory_views.service_edit, name="service_edit"),
    path(
        "services/validate/base-url/",
        inventory_views.validate_base_url_field,
        name="validate_base_url",
    ),
    path(
        "services/<int:service_id>/environments/new/",
        inventory_views.environment_new,
        name="environment_new",
    ),
    path(f"{_ENV}edit/", inventory_views.environment_edit, name="environment_edit"),
    path(f"{_ENV}headers/", inventory_views.secret_header_save, name="secret_header_save"),
    path(
        f"{_ENV}headers/<int:header_id>/delete/",
        inventory_views.secret_header_remove,
        name="secret_header_remove",
    ),
    path(
        "services/<int:service_id>/endpoints/new/", endpoint_views.endpoint_new, name="endpoint_new"
    ),
    path(
        "services/<int:service_id>/endpoints/<int:endpoint_id>/edit/",
        endpoint_views.endpoint_edit,
        name="endpoint_edit",
    ),
    path(
        "services/<int:service_id>/endpoints/samples/",
        endpoint_views.endpoint_samples,
        name="endpoint_samples",
    ),
    path(
        "services/<int:service_id>/endpoints/bulk/",
        endpoint_views.endpoints_bulk,
        name="endpoints_bulk",
    ),
]
