from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from diagnoser.web.pages import auth, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workspace/switch/", auth.workspace_switch, name="workspace_switch"),
    path("", views.overview, name="overview"),
]
