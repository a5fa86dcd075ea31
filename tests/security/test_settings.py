"""Production settings: `check --deploy` is clean with the production environment, HTTPS
hardening follows DJANGO_HTTPS (and the local demo over http keeps working without it),
every response carries the security headers, and the rate-limit cache is one that web
and worker processes share."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from diagnoser.env import env_rate

ROOT = Path(django_settings.BASE_DIR)
STRONG_KEY = secrets.token_urlsafe(64)
PRODUCTION = {
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_DEBUG": "0",
    "DIAGNOSER_FIELD_KEYS": Fernet.generate_key().decode(),
    "DJANGO_HTTPS": "1",
    "DJANGO_ALLOWED_HOSTS": "diagnoser.example.com",
}
SHOWN = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "CACHES",
]


def run_python(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Python in a fresh process with only `env` (and PATH) set, var/ under tmp_path."""
    clean = {"PATH": os.environ["PATH"], "DIAGNOSER_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def settings_in(tmp_path: Path, **env: str) -> dict[str, Any]:
    code = (
        "import json, django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'diagnoser.settings'; django.setup();"
        "from django.conf import settings;"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SHOWN!r}}}, default=str))"
    )
    done = run_python(tmp_path, code, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.argv = ['manage.py', *{list(args)!r}]; exec(open('manage.py').read())"
    return run_python(tmp_path, code, **env)


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_without_https_check_deploy_names_what_is_missing(tmp_path):
    done = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "DJANGO_HTTPS": "0"},
    )

    assert done.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in done.stderr  # HSTS, HTTPS redirect, secure session and CSRF cookies


def test_https_turns_on_secure_cookies_redirects_and_hsts(tmp_path):
    shown = settings_in(tmp_path, **PRODUCTION, DJANGO_HSTS_SECONDS="600")

    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SECURE_HSTS_SECONDS"] == 600
    assert shown["SECURE_PROXY_SSL_HEADER"] is None  # a client could forge the header


def test_the_forwarded_proto_header_is_trusted_only_when_asked(tmp_path):
    shown = settings_in(tmp_path, **PRODUCTION, DJANGO_TRUST_X_FORWARDED_PROTO="1")

    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_local_demo_runs_over_plain_http(tmp_path):
    up_env = {k: PRODUCTION[k] for k in ("DJANGO_SECRET_KEY", "DIAGNOSER_FIELD_KEYS")}

    shown = settings_in(tmp_path, **up_env)  # what `manage.py up` gives its children

    assert shown["SESSION_COOKIE_SECURE"] is False
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0


def test_https_with_the_published_dev_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    done = manage(tmp_path, "check", **env)

    assert done.returncode != 0
    assert "DJANGO_HTTPS is on but DJANGO_SECRET_KEY is the published dev key" in done.stderr


def test_the_one_machine_run_counts_in_files_under_var(tmp_path):
    caches = settings_in(tmp_path)["CACHES"]

    assert caches["default"]["BACKEND"].endswith("FileBasedCache")
    assert caches["default"]["LOCATION"] == str(tmp_path / "cache")


def test_a_redis_broker_is_also_the_cache_and_redis_url_overrides_it(tmp_path):
    broker = settings_in(tmp_path, CELERY_BROKER_URL="redis://broker:6379/0")["CACHES"]
    own = settings_in(
        tmp_path, CELERY_BROKER_URL="redis://broker:6379/0", REDIS_URL="redis://cache:6379/1"
    )["CACHES"]

    assert broker["default"]["BACKEND"].endswith("RedisCache")
    assert broker["default"]["LOCATION"] == "redis://broker:6379/0"
    assert own["default"]["LOCATION"] == "redis://cache:6379/1"


def test_processes_share_the_file_cache_so_limits_hold_across_web_and_workers(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'diagnoser.settings';"
        "django.setup(); from django.core.cache import cache;"
        "cache.add('shared-count', 0); print(cache.incr('shared-count'))"
    )

    counts = [run_python(tmp_path, code).stdout.strip() for _ in range(2)]

    assert counts == ["1", "2"]


@pytest.mark.parametrize("bad", ["lots", "0/m", "5/0m", "5/week", "5"])
def test_a_malformed_rate_fails_loudly_naming_the_setting(monkeypatch, bad):
    monkeypatch.setenv("DIAGNOSER_LIMIT_PROBES_PER_USER", bad)

    with pytest.raises(ImproperlyConfigured, match="DIAGNOSER_LIMIT_PROBES_PER_USER"):
        env_rate("DIAGNOSER_LIMIT_PROBES_PER_USER", "30/10m")


# --- Headers on every answer ---


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("web:login"), "/s/no-such-token/"])
def test_every_answer_forbids_framing_sniffing_and_foreign_referrers(url):
    response = Client().get(url)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_https_answers_carry_hsts_and_plain_http_is_redirected(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    plain = Client().get(reverse("web:login"))
    secure = Client().get(reverse("web:login"), secure=True)

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"


@pytest.mark.django_db
def test_secure_cookies_are_marked_secure_and_httponly(settings, django_user_model):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    django_user_model.objects.create_user("alice", password="pw-0123456789")
    client = Client()
    client.get(reverse("web:login"), secure=True)

    client.post(
        reverse("web:login"), {"username": "alice", "password": "pw-0123456789"}, secure=True
    )

    assert client.cookies["csrftoken"]["secure"]
    assert client.cookies["sessionid"]["secure"]
    assert client.cookies["sessionid"]["httponly"]
