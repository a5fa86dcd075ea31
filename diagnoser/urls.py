from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("diagnoser.web.api.urls")),
    path("", include("diagnoser.sharing.urls")),
    path("", include("diagnoser.web.urls")),
]
