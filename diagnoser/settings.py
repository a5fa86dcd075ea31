"""Django settings for diagnoser.

Every deployment-specific value comes from an environment variable read through the
typed helpers in ``diagnoser.env``; the defaults give a working local run on SQLite.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from diagnoser.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DIAGNOSER_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite, the filesystem broker, the dev field key

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "diagnoser.inventory",
    "diagnoser.monitoring",
    "diagnoser.specimen",
    "diagnoser.sharing",
    "diagnoser.web",
]

# The HTTP API (diagnoser/web/api, docs/api.md): API tokens only, JSON only. No session
# authentication, so a browser's cookies can't drive it and it needs no CSRF token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["diagnoser.web.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "diagnoser API",
    "DESCRIPTION": "Services, targets and their diagnoses; register, import, probe. "
    "Authenticate with 'Authorization: Bearer <API token>' (made under API tokens).",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:overview"
LOGOUT_REDIRECT_URL = "web:login"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "diagnoser.urls"
WSGI_APPLICATION = "diagnoser.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is shared by web, worker and beat on a single machine: WAL lets readers and
# one writer proceed together, IMMEDIATE transactions take the write lock up front
# (no upgrade deadlocks) and the timeout makes writers wait instead of failing.
_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'diagnoser.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = _SQLITE_OPTIONS
    # A file, not memory: integration tests run Celery workers in other processes. One
    # per test process, so two test runs in one checkout don't share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
# With DATABASE_CONN_MAX_AGE, a kept connection is tested before a request reuses it, so a
# restarted PostgreSQL costs no failed page. Workers may turn it off to save a query per
# task: their tasks reconnect and retry after a lost connection (monitoring/tasks.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DIAGNOSER_LOG_LEVEL", "INFO")},
}

# Probing. Private, loopback and link-local targets are refused unless one of these
# networks admits them; cloud metadata addresses are refused whatever this says.
DIAGNOSER_ALLOW_NETWORKS = env_networks("DIAGNOSER_ALLOW_NETWORKS")
# Ports of services that speak something other than HTTP but would answer a probe's bytes
# (Redis executes lines it reads): never probed, even on an allowlisted network, so that
# `up` admitting 127.0.0.1 does not put this machine's databases within a user's reach.
# Setting the variable replaces the list ("" blocks nothing).
DEFAULT_BLOCKED_PORTS = (
    "21,22,23,25,110,143,465,587,993,995,"  # FTP, SSH, telnet, mail
    "1433,1521,3306,5432,6379,9042,11211,27017,"  # SQL Server, Oracle, MySQL, PostgreSQL,
    # Redis, Cassandra, memcached, MongoDB
    "2375,2376,2379,5672,6443,9092,9200,15672,4222,1883"  # Docker, etcd, AMQP,
    # Kubernetes API, Kafka, Elasticsearch, RabbitMQ admin, NATS, MQTT
)
DIAGNOSER_BLOCKED_PORTS = [
    int(p) for p in env_list("DIAGNOSER_BLOCKED_PORTS", DEFAULT_BLOCKED_PORTS)
]
DIAGNOSER_CONNECT_TIMEOUT = env_float("DIAGNOSER_CONNECT_TIMEOUT", 3.0, minimum=0.1)
DIAGNOSER_READ_TIMEOUT = env_float("DIAGNOSER_READ_TIMEOUT", 5.0, minimum=0.1)
DIAGNOSER_PROBE_DEADLINE = env_float("DIAGNOSER_PROBE_DEADLINE", 10.0, minimum=0.5)
DIAGNOSER_MAX_BODY_BYTES = env_int("DIAGNOSER_MAX_BODY_BYTES", 64 * 1024, minimum=0)
DIAGNOSER_PER_HOST_CONCURRENCY = env_int("DIAGNOSER_PER_HOST_CONCURRENCY", 16, minimum=1)
DIAGNOSER_CONTACT_URL = env_str("DIAGNOSER_CONTACT_URL", "")

# Probe secrets (environment headers) are encrypted at rest with Fernet keys kept apart
# from SECRET_KEY: comma-separated, the first encrypts, all decrypt (rotate by prepending).
# Unset, a local run (DEBUG, or SECRET_KEY still the dev default) uses a key generated
# once into var/field-keys; a configured deployment without keys refuses to start.
DIAGNOSER_FIELD_KEYS = env_list("DIAGNOSER_FIELD_KEYS")
DIAGNOSER_FIELD_KEY_FILE = VAR_DIR / "field-keys"
if not DIAGNOSER_FIELD_KEYS and not (DEBUG or SECRET_KEY.startswith("dev-only-insecure-key")):
    raise ImproperlyConfigured(
        "DIAGNOSER_FIELD_KEYS is required when DJANGO_SECRET_KEY is set and DEBUG is off: "
        "generate one with `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`"
    )

# Monitoring history: runs older than this are deleted with the observations and drift
# reports only they referenced (`manage.py prune_history`, and daily on beat).
DIAGNOSER_RETENTION_DAYS = env_int("DIAGNOSER_RETENTION_DAYS", 90, minimum=1)
# A probe run whose worker died is re-queued this many times in all, then marked failed.
DIAGNOSER_RUN_MAX_ATTEMPTS = env_int("DIAGNOSER_RUN_MAX_ATTEMPTS", 3, minimum=1)
DIAGNOSER_WEBHOOK_MAX_ATTEMPTS = env_int("DIAGNOSER_WEBHOOK_MAX_ATTEMPTS", 5, minimum=1)
DIAGNOSER_WEBHOOK_BACKOFF = env_float("DIAGNOSER_WEBHOOK_BACKOFF", 30.0, minimum=0.0)
# SMTP hosts an email alert channel may send through (the operator's relay): email is not
# HTTP, so the probe guard can't hold it; only hosts listed here are used.
DIAGNOSER_ALERT_SMTP_HOSTS = frozenset(h.lower() for h in env_list("DIAGNOSER_ALERT_SMTP_HOSTS"))
# A drift report still waiting for probe runs after this long is finished with what it has.
DIAGNOSER_DRIFT_REPORT_DEADLINE = env_float("DIAGNOSER_DRIFT_REPORT_DEADLINE", 1800.0, minimum=1)
# Where `seed_demo` points the demo environments (`manage.py run_specimen --env ...`).
DIAGNOSER_DEMO_STAGING_URL = env_str("DIAGNOSER_DEMO_STAGING_URL", "http://127.0.0.1:8701")
DIAGNOSER_DEMO_PROD_URL = env_str("DIAGNOSER_DEMO_PROD_URL", "http://127.0.0.1:8702")

# Celery. Redis in production (docker-compose.yml); unset, kombu's filesystem transport
# under var/broker/ so a first run needs nothing but Python (one machine only).
# "localhost" only keeps kombu from logging "No hostname was supplied"; nothing connects.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or "filesystem://localhost/"
_BROKER_DIR = VAR_DIR / "broker"
# Redis redelivers an unacknowledged task after the visibility timeout; every time limit
# must stay below it or a slow task would run twice.
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        "polling_interval": 0.25,  # seconds between looks at the folder (default 1)
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _VISIBILITY_TIMEOUT}
CELERY_TASK_IGNORE_RESULT = True  # tasks write their outcome to the database
# Lets deployments (and concurrent test runs) share one Redis without taking each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150, minimum=1)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < _VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "need CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT"
    )
# A run still "running" this long after it started has lost its worker.
DIAGNOSER_RUN_STALE_AFTER = env_int(
    "DIAGNOSER_RUN_STALE_AFTER", CELERY_TASK_TIME_LIMIT + 30, minimum=1
)
# A run still "queued" this long after its message went out lost the message (a broker
# restarted without persistence): the sweeper publishes it again.
DIAGNOSER_RUN_REPUBLISH_AFTER = env_int("DIAGNOSER_RUN_REPUBLISH_AFTER", 300, minimum=1)
# Publishing fails fast when the broker is down so the caller gets a clear error.
CELERY_BROKER_CONNECTION_TIMEOUT = 3.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# django-celery-beat's (the schedule lives in the database), sending each drift check once
# per schedule slot: one beat is enough, and a second one left running sends nothing twice.
CELERY_BEAT_SCHEDULER = "diagnoser.monitoring.beat:SlotScheduler"
CELERY_BEAT_SCHEDULE = {
    # Each target is probed on its service's schedule (monitoring/services/probe_schedules.py):
    # a pass a minute finds the targets due; one run each, however many beats send it.
    "schedule-probes": {"task": "diagnoser.monitoring.tasks.schedule_probes", "schedule": 60.0},
    "sweep-stale-runs": {
        "task": "diagnoser.monitoring.tasks.sweep_stale_runs",
        "schedule": env_float("DIAGNOSER_SWEEP_EVERY", 60.0, minimum=1),
    },
    "prune-history": {"task": "diagnoser.monitoring.tasks.prune_history", "schedule": 86400.0},
    # OpenAPI documents imported by URL follow their source (monitoring/services/contracts.py).
    "refetch-contracts": {
        "task": "diagnoser.monitoring.tasks.refetch_contracts",
        "schedule": 3600.0,
    },
}

# --- Security: HTTPS, headers, CSP, login throttling, abuse limits (see SECURITY.md) ---
# DJANGO_HTTPS=1 says browsers reach this site over HTTPS only: cookies become Secure,
# HTTP redirects to HTTPS and HSTS is sent. Off by default so the local demo on
# http://127.0.0.1 (`manage.py up`) keeps working.
DJANGO_HTTPS = env_bool("DJANGO_HTTPS", False)
if DJANGO_HTTPS and not DEBUG and SECRET_KEY.startswith("dev-only-insecure-key"):
    raise ImproperlyConfigured("DJANGO_HTTPS is on but DJANGO_SECRET_KEY is the published dev key")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = DJANGO_HTTPS
SECURE_SSL_REDIRECT = DJANGO_HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000) if DJANGO_HTTPS else 0
# Both are what `check --deploy` asks for; turn them off if a sibling subdomain still
# serves plain HTTP, or if this domain must never enter browsers' preload lists.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
# Only behind a proxy that terminates TLS and sets (never forwards) X-Forwarded-Proto:
# otherwise a client could claim HTTPS by sending the header itself.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-csp: only our own static files run or style anything. htmx is configured in
# base.html to need neither eval nor inline <style>, and no template has inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# django-axes: after DIAGNOSER_LOGIN_FAILURES wrong passwords for one user name from one
# address, that pair waits DIAGNOSER_LOGIN_COOLOFF_MINUTES (each further try restarts it).
# Keyed on the pair so an attacker can neither lock a colleague out from elsewhere nor
# try every user name freely. The database handler works across processes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DIAGNOSER_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DIAGNOSER_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "diagnoser.security.views.login_locked_out"
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged

# django-ratelimit, counting in Django's cache (limits in diagnoser/security/limits.py).
# Web and workers are separate processes, so the cache must be shared: Redis when
# REDIS_URL (or a redis:// broker) names one, else files under var/ for the one-machine
# run. The file cache's increments are not atomic, so concurrent requests can slip a few
# past a limit; its TIMEOUT outlives the longest window because incr() re-sets the
# expiry to it. Nothing may call cache.clear(): on Redis that would empty the broker.
_CACHE_REDIS = env_str("REDIS_URL", "") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES: dict[str, dict[str, object]]
if _CACHE_REDIS:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_REDIS,
            "KEY_PREFIX": "diagnoser",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "TIMEOUT": 86400,
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }
RATELIMIT_VIEW = "diagnoser.security.views.too_many_requests"
# On-demand probes ("Diagnose a URL", "Probe now", a drift check's "Run now") are charged
# per request they will send (8 per target under the safe policy, 13 under full), per user
# and per target host whoever asks, so the server can't be turned on a third party. 400
# is about 30 full probes of one URL; a check needing more than a limit at once runs only
# on its schedule.
DIAGNOSER_LIMIT_PROBES_PER_USER = env_rate("DIAGNOSER_LIMIT_PROBES_PER_USER", "400/10m")
DIAGNOSER_LIMIT_PROBES_PER_HOST = env_rate("DIAGNOSER_LIMIT_PROBES_PER_HOST", "800/10m")
# A drift check's test alert: one POST to its webhook, per user and per webhook host.
DIAGNOSER_LIMIT_TEST_ALERTS_PER_USER = env_rate("DIAGNOSER_LIMIT_TEST_ALERTS_PER_USER", "10/10m")
DIAGNOSER_LIMIT_TEST_ALERTS_PER_HOST = env_rate("DIAGNOSER_LIMIT_TEST_ALERTS_PER_HOST", "20/10m")
# Public share pages and their exports, per client address (tokens are unguessable; this
# stops hammering).
DIAGNOSER_LIMIT_SHARES_PER_IP = env_rate("DIAGNOSER_LIMIT_SHARES_PER_IP", "120/m")
# What one service may hold, so no member can make a sweep (or a page) unbounded; every
# way in (forms, bulk paste, YAML import, registering a diagnosed URL) checks them.
DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE = env_int("DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE", 500, minimum=1)
DIAGNOSER_MAX_ENVIRONMENTS_PER_SERVICE = env_int(
    "DIAGNOSER_MAX_ENVIRONMENTS_PER_SERVICE", 20, minimum=1
)
# A bulk paste of endpoints, in characters: 500 paths of 100 characters fit.
DIAGNOSER_MAX_BULK_PASTE_CHARS = env_int("DIAGNOSER_MAX_BULK_PASTE_CHARS", 50_000, minimum=1)
