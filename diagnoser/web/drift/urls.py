from django.urls import URLPattern, URLResolver, path

from diagnoser.web.drift import views

_CHECK = "services/<int:service_id>/drift-checks/<int:check_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("services/<int:service_id>/drift/", views.drift, name="drift"),
    path(
        "services/<int:service_id>/drift-checks/new/",
        views.drift_check_new,
        name="drift_check_new",
    ),
    path(f"{_CHECK}edit/", views.drift_check_edit, name="drift_check_edit"),
    path(f"{_CHECK}toggle/", views.drift_check_toggle, name="drift_check_toggle"),
    path(f"{_CHECK}run/", views.drift_check_run, name="drift_check_run"),
    path(f"{_CHECK}test-alert/", views.drift_check_test, name="drift_check_test_alert"),
    path("drift-reports/<int:report_id>/", views.drift_report, name="drift_report"),
]
