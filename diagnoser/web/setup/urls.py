from django.urls import URLPattern, URLResolver, path

from diagnoser.web.routes import under
from diagnoser.web.setup import (
    contract_views,
    diagnose,
    endpoint_views,
    inventory_views,
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
        },
    ),
    *under(
        _ENV,
        {
            "edit/": inventory_views.environment_edit,
            "headers/": inventory_views.secret_header_save,
            "headers/<int:header_id>/delete/": inventory_views.secret_header_remove,
        },
    ),
]
