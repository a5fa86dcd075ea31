"""docker-compose.yml and the Dockerfile agree with the settings they feed.

Docker can't run where these tests run: they read the files. Each service built from
the Dockerfile gets the variables settings.py needs, under the names it reads, pointing
at the compose services that exist; web runs gunicorn, workers run Celery's thread pool,
and there is one beat.
"""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP = {name: spec for name, spec in SERVICES.items() if spec.get("build") == "."}
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS_READS = set(
    re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', (ROOT / "diagnoser" / "settings.py").read_text())
)
REQUIRED = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "DIAGNOSER_FIELD_KEYS"}


def _command(name: str) -> str:
    command = SERVICES[name]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_the_deployment_has_database_broker_migrate_web_worker_and_beat():
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert set(APP) == {"migrate", "web", "worker", "beat"}


def test_every_app_service_gets_the_variables_settings_require():
    for name, spec in APP.items():
        assert set(spec["environment"]) >= REQUIRED, name


def test_every_variable_given_to_the_app_is_one_settings_read():
    for name, spec in APP.items():
        assert set(spec["environment"]) <= SETTINGS_READS, name


def test_the_secrets_come_from_the_operator_and_compose_refuses_to_start_without_them():
    for spec in APP.values():
        environment = spec["environment"]
        for variable in ("DJANGO_SECRET_KEY", "DIAGNOSER_FIELD_KEYS"):
            assert environment[variable] == f"${{{variable}:?set {variable}}}"


def test_web_is_told_its_host_names():
    assert SERVICES["web"]["environment"]["DJANGO_ALLOWED_HOSTS"].startswith(
        "${DJANGO_ALLOWED_HOSTS"
    )


def test_the_database_and_broker_urls_name_the_compose_services():
    postgres = SERVICES["postgres"]["environment"]
    for spec in APP.values():
        database = urlsplit(spec["environment"]["DATABASE_URL"])
        broker = urlsplit(spec["environment"]["CELERY_BROKER_URL"])
        assert (database.scheme, database.hostname, database.port) == ("postgres", "postgres", 5432)
        assert database.username == postgres["POSTGRES_USER"]
        assert database.password == postgres["POSTGRES_PASSWORD"]
        assert database.path == f"/{postgres['POSTGRES_DB']}"
        assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)


def test_web_workers_and_beat_wait_for_the_migration():
    for name in ("web", "worker", "beat"):
        depends = APP[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    assert _command("migrate") == "python manage.py migrate --noinput"


def test_web_runs_gunicorn():
    assert _command("web").startswith("gunicorn diagnoser.wsgi ")


def test_workers_run_the_thread_pool_and_keep_their_database_connections():
    assert _command("worker").startswith("celery -A diagnoser worker ")
    assert "--pool=threads" in _command("worker")
    environment = SERVICES["worker"]["environment"]
    assert int(environment["DATABASE_CONN_MAX_AGE"]) > 0
    assert environment["DATABASE_CONN_HEALTH_CHECKS"] == "0"


def test_exactly_one_service_runs_beat_and_it_is_not_scaled():
    beats = [name for name in APP if " beat" in _command(name)]
    assert beats == ["beat"]
    assert SERVICES["beat"]["deploy"]["replicas"] == 1


def test_redis_keeps_queued_tasks_across_a_restart():
    assert "--appendonly" in SERVICES["redis"]["command"]


def test_the_image_is_python_311_slim_run_as_a_user_other_than_root():
    assert "\nFROM python:3.11-slim\n" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}


def test_the_image_installs_the_requirements_and_collects_static_files_at_build():
    assert "RUN pip install -r requirements.txt" in DOCKERFILE
    assert "python manage.py collectstatic --noinput" in DOCKERFILE
    cmd = re.search(r"^CMD (.+)$", DOCKERFILE, re.MULTILINE)
    assert cmd is not None
    assert '"gunicorn"' in cmd[1]
