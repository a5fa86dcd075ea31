"""A standalone Django project served the way `runserver` serves it, in its own process.

Run as `python -m tests.servers.django_app PORT` (the django_server fixture does): the test
process has its own settings, so this one configures Django itself. DEBUG is off, the
middleware is a real project's (Security, Common with APPEND_SLASH, Csrf, XFrameOptions),
and the server is Django's threaded WSGI server (wsgiref underneath).

Paths (what Django answers; see OBSERVED.md):
  /items/       csrf_exempt + require_http_methods(["GET", "POST"]): GET 200, POST 201.
                Every other verb, HEAD included, 405 with "Allow: GET, POST".
  /items        no route: CommonMiddleware's APPEND_SLASH answers 301 to /items/ for every
                verb, POST and PUT included (with DEBUG on it would raise instead).
  /items/<pk>/  csrf_exempt class-based View with get/put/delete: GET 200, PUT 200,
                DELETE 204; View adds HEAD from get, answers OPTIONS (preflights too)
                200 with "Allow: GET, PUT, DELETE, HEAD, OPTIONS" and no CORS headers,
                and 405 with that Allow to everything else, unknown verbs included.
  /form/        require_http_methods(["GET", "POST"]) under CSRF protection: verbs the
                CSRF check deems unsafe get CsrfViewMiddleware's 403 before the method
                check, so POST, PUT, PATCH, DELETE and XDIAGNOSE get 403; HEAD, OPTIONS
                and TRACE (safe, so no CSRF check) get 405 with "Allow: GET, POST".
  other         404.
"""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

SETTINGS = {
    "DEBUG": False,
    "SECRET_KEY": "test-only-not-secret",
    "ALLOWED_HOSTS": ["*"],
    "ROOT_URLCONF": __name__,
    "APPEND_SLASH": True,
    "INSTALLED_APPS": [],
    "MIDDLEWARE": [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    "USE_TZ": True,
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def items(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return JsonResponse({"id": 2}, status=201)
    return JsonResponse([{"id": 1}], safe=False)


@method_decorator(csrf_exempt, name="dispatch")
class ItemView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return JsonResponse({"id": pk})

    def put(self, request: HttpRequest, pk: int) -> HttpResponse:
        return JsonResponse({"id": pk})

    def delete(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(status=204)


@require_http_methods(["GET", "POST"])
def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("form\n", content_type="text/plain")


urlpatterns = [
    path("items/", items),
    path("items/<int:pk>/", ItemView.as_view()),
    path("form/", form),
]


def main(port: int) -> None:
    from django.conf import settings
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    settings.configure(**SETTINGS)
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
