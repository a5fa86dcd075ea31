from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from diagnoser.web.pages import auth, probe, views
from diagnoser.web.routes import under

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workspace/switch/", auth.workspace_switch, name="workspace_switch"),
    *under("", {"": views.overview, "runs/<int:run_id>/": views.run}),
    *under("services/<int:service_id>/", {"": views.service}),
    *under(
        "services/<int:service_id>/endpoints/<int:endpoint_id>/",
        {
            "": views.endpoint,
            "probe/": probe.endpoint_probe,
            "progress/": probe.endpoint_progress,
            "history/<int:environment_id>/": views.endpoint_history,
        },
    ),
]
