from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from diagnoser.web.pages import auth, probe, views

_endpoint = "services/<int:service_id>/endpoints/<int:endpoint_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workspace/switch/", auth.workspace_switch, name="workspace_switch"),
    path("", views.overview, name="overview"),
    path("services/<int:service_id>/", views.service, name="service"),
    path(_endpoint, views.endpoint, name="endpoint"),
    path(f"{_endpoint}probe/", probe.endpoint_probe, name="endpoint_probe"),
    path(f"{_endpoint}progress/", probe.endpoint_progress, name="endpoint_progress"),
    path(
        f"{_endpoint}history/<int:environment_id>/",
        views.endpoint_history,
        name="endpoint_history",
    ),
    path("runs/<int:run_id>/", views.run, name="run"),
]
