from django.urls import URLPattern, URLResolver, path

from diagnoser.sharing import public, views

app_name = "sharing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("runs/<int:run_id>/share/", views.run_share, name="run_share"),
    path("runs/<int:run_id>/export.md", views.run_export_markdown, name="run_export_md"),
    path("runs/<int:run_id>/export.json", views.run_export_json, name="run_export_json"),
    path(
        "drift-reports/<int:report_id>/share/",
        views.drift_report_share,
        name="drift_report_share",
    ),
    path(
        "drift-reports/<int:report_id>/export.md",
        views.drift_report_export_markdown,
        name="drift_report_export_md",
    ),
    path(
        "drift-reports/<int:report_id>/export.json",
        views.drift_report_export_json,
        name="drift_report_export_json",
    ),
    path(
        "services/<int:service_id>/endpoints/<int:endpoint_id>/share/",
        views.endpoint_share,
        name="endpoint_share",
    ),
    path(
        "services/<int:service_id>/endpoints/<int:endpoint_id>/export.md",
        views.endpoint_export_markdown,
        name="endpoint_export_md",
    ),
    path(
        "services/<int:service_id>/endpoints/<int:endpoint_id>/export.json",
        views.endpoint_export_json,
        name="endpoint_export_json",
    ),
    path("shares/", views.share_list, name="list"),
    path("shares/<int:link_id>/revoke/", views.share_revoke, name="revoke"),
    path("s/<str:token>/", public.public, name="public"),
    path("s/<str:token>/export.md", public.public_export_markdown, name="public_export_md"),
    path("s/<str:token>/export.json", public.public_export_json, name="public_export_json"),
]
