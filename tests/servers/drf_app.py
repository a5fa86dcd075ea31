"""Django REST framework views in a Django project of their own, served like runserver.

Run as `python -m tests.servers.drf_app PORT` (the corpus starts it). Authentication and
permissions are off and only the JSON renderer is on, so what is left is DRF's method
handling: APIView answers a verb it has no handler for with 405 and an Allow header
listing its handlers plus OPTIONS; OPTIONS is DRF's metadata response (200 with Allow);
HEAD is served from get (Django's View sets head = get).

Paths: /items/ (GET, POST), /items/1/ (GET, PUT, DELETE, no PATCH), /readonly/ (GET).
/schema/ is drf-spectacular's OpenAPI 3 document of those views (the contract tests
import it), in YAML as drf-spectacular serves it.
"""

import sys
from typing import Any

SETTINGS = {
    "DEBUG": False,
    "SECRET_KEY": "test-only-not-secret",
    "ALLOWED_HOSTS": ["*"],
    "ROOT_URLCONF": __name__,
    "INSTALLED_APPS": [
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        "drf_spectacular",
    ],
    "DATABASES": {},
    "MIDDLEWARE": [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    "REST_FRAMEWORK": {
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    },
    "SPECTACULAR_SETTINGS": {"TITLE": "DRF corpus", "VERSION": "1.0.0"},
    "USE_TZ": True,
}


# DRF reads its settings at import time, so its classes are defined once settings exist.
urlpatterns: list[Any] = []


def _urls() -> list[Any]:
    from django.urls import path
    from drf_spectacular.views import SpectacularAPIView
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Items(APIView):
        def get(self, request: Request) -> Response:
            return Response([{"id": 1}])

        def post(self, request: Request) -> Response:
            return Response({"id": 2}, status=201)

    class Item(APIView):
        def get(self, request: Request, pk: int) -> Response:
            return Response({"id": pk})

        def put(self, request: Request, pk: int) -> Response:
            return Response({"id": pk})

        def delete(self, request: Request, pk: int) -> Response:
            return Response(status=204)

    class ReadOnly(APIView):
        def get(self, request: Request) -> Response:
            return Response({"read": "only"})

    return [
        path("items/", Items.as_view()),
        path("items/<int:pk>/", Item.as_view()),
        path("readonly/", ReadOnly.as_view()),
        path("schema/", SpectacularAPIView.as_view()),
    ]


def main(port: int) -> None:
    import django
    from django.conf import settings
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    settings.configure(**SETTINGS)
    django.setup()
    urlpatterns.extend(_urls())
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
