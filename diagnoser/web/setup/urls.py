from django.urls import URLPattern, URLResolver, path

from diagnoser.web.routes import under
from diagnoser.web.setup import (
    contract_views,
    diagnose,
    endpoint_views,
    inventory_views,
    lifecycle,
    tokens,
)

_SERVICE = "services/<int:service_id>/"
_ENV = f"{_SERVICE}environments/<int:environment_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    *under("diagnose/", {"": diagnose.diagnose, "register/": diagnose.diagnose_register}),
    *under("services/", {"new/": inventory_views.service_new}),
    *under(
        "account/tokens/",
        {"": tokens.api_tokens, "<int:token_id>/revoke/": tokens.api_token_revoke_confirm},
    ),
    path(
        "services/validate/base-url/",
        inventory_views.validate_base_url_field,
        name="validate_base_url",
    ),
    *under(
        _SERVICE,
        {
            "edit/": inventory_views.service_edit,
            "environments/new/": inventory_views.environment_new,
            "endpoints/new/": endpoint_views.endpoint_new,
            "endpoints/<int:endpoint_id>/edit/": endpoint_views.endpoint_edit,
            "endpoints/samples/": endpoint_views.endpoint_samples,
            "endpoints/bulk/": endpoint_views.endpoints_bulk,
            "openapi/": contract_views.openapi_import,
            "archive/": lifecycle.service_archive,
            "restore/": lifecycle.service_restore,
            "delete/": lifecycle.service_delete,
            "endpoints/<int:endpoint_id>/archive/": lifecycle.endpoint_archive,
            "endpoints/<int:endpoint_id>/restore/": lifecycle.endpoint_restore,
            "endpoints/<int:endpoint_id>/delete/": lifecycle.endpoint_delete,
            "drift-checks/<int:check_id>/archive/": lifecycle.drift_check_archive,
            "drift-checks/<int:check_id>/restore/": lifecycle.drift_check_restore,
            "drift-checks/<int:check_id>/delete/": lifecycle.drift_check_remove,
        },
    ),
    *under(
        _ENV,
        {
            "edit/": inventory_views.environment_edit,
            "headers/": inventory_views.secret_header_save,
            "headers/<int:header_id>/delete/": inventory_views.secret_header_remove,
            "archive/": lifecycle.environment_archive,
            "restore/": lifecycle.environment_restore,
            "delete/": lifecycle.environment_delete,
        },
    ),
]
