from django.urls import URLPattern, URLResolver, path

from diagnoser.web.drift import views
from diagnoser.web.routes import under

urlpatterns: list[URLPattern | URLResolver] = [
    *under(
        "services/<int:service_id>/",
        {"drift/": views.drift, "drift-checks/new/": views.drift_check_new},
    ),
    *under(
        "services/<int:service_id>/drift-checks/<int:check_id>/",
        {
            "edit/": views.drift_check_edit,
            "toggle/": views.drift_check_toggle,
            "run/": views.drift_check_run,
        },
    ),
    path(
        "services/<int:service_id>/drift-checks/<int:check_id>/test-alert/",
        views.drift_check_test,
        name="drift_check_test_alert",
    ),
    *under("drift-reports/<int:report_id>/", {"": views.drift_report}),
]
