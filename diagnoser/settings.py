"""Django settings for diagnoser.

Every deployment-specific value comes from an environment variable read through the
typed helpers in ``diagnoser.env``; the defaults give a working local run on SQLite.
"""

from pathlib import Path

import dj_database_url

from diagnoser.env import env_bool, env_float, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DIAGNOSER_VAR_DIR", str(BASE_DIR / "var")))

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
    "diagnoser.monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
DIAGNOSER_BLOCKED_PORTS = [int(p) for p in env_list("DIAGNOSER_BLOCKED_PORTS")]
DIAGNOSER_CONNECT_TIMEOUT = env_float("DIAGNOSER_CONNECT_TIMEOUT", 3.0, minimum=0.1)
DIAGNOSER_READ_TIMEOUT = env_float("DIAGNOSER_READ_TIMEOUT", 5.0, minimum=0.1)
DIAGNOSER_PROBE_DEADLINE = env_float("DIAGNOSER_PROBE_DEADLINE", 10.0, minimum=0.5)
DIAGNOSER_MAX_BODY_BYTES = env_int("DIAGNOSER_MAX_BODY_BYTES", 64 * 1024, minimum=0)
DIAGNOSER_PER_HOST_CONCURRENCY = env_int("DIAGNOSER_PER_HOST_CONCURRENCY", 16, minimum=1)
DIAGNOSER_CONTACT_URL = env_str("DIAGNOSER_CONTACT_URL", "")
