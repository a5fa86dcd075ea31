from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection

from diagnoser.inventory import crypto
from diagnoser.inventory.models import Environment, Membership, SecretHeader, Service
from diagnoser.inventory.selectors import target_for
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    environment_rename,
    environment_update,
    service_create,
    service_rename,
    workspace_create,
)
from diagnoser.probing.model import ProbePolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    workspace = workspace_create(name="team")
    return service_create(workspace=workspace, name="shop")


def test_it_makes_the_creator_owner():
    alice = User.objects.create_user("alice")
    workspace = workspace_create(name="team", owner=alice)
    assert workspace.memberships.get().role == Membership.Role.OWNER


def _prod(service: Service, **options: Any) -> Environment:
    """The service's "prod" environment at https://api.example.com."""
    return environment_create(
        service=service, name="prod", base_url="https://api.example.com", **options
    )


def test_every_new_environment_defaults_to_safe_production_or_not(service):
    prod = environment_create(
        service=service, name="prod", base_url="https://api.example.com/", is_production=True
    )
    staging = environment_create(service=service, name="staging", base_url="http://s.example")
    assert prod.probe_policy == ProbePolicy.SAFE
    assert staging.probe_policy == ProbePolicy.SAFE
    assert prod.base_url == "https://api.example.com"


def test_unmarking_production_keeps_the_policy(service):
    env = environment_create(
        service=service, name="qa", base_url="https://qa.example.com", probe_policy="strict"
    )
    environment_update(environment=env, is_production=True)
    assert env.probe_policy == ProbePolicy.SAFE
    environment_update(environment=env, is_production=False)
    assert env.probe_policy == ProbePolicy.SAFE


def test_an_explicit_policy_wins_over_the_production_default(service):
    prod = _prod(service, is_production=True, probe_policy="full")
    assert prod.probe_policy == ProbePolicy.FULL


def test_marking_an_environment_production_makes_it_safe(service):
    env = environment_create(service=service, name="qa", base_url="https://qa.example.com")
    environment_update(environment=env, is_production=True)
    assert env.probe_policy == ProbePolicy.SAFE


def test_it_refuses_a_base_url_that_cannot_be_probed(service):
    with pytest.raises(ValidationError, match="scheme"):
        environment_create(service=service, name="x", base_url="ftp://example.com")


def test_secret_headers_are_encrypted_in_the_database(service):
    env = _prod(service, headers={"Authorization": "Bearer very-secret-token-123456"})
    header = SecretHeader.objects.get(environment=env)
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM inventory_secretheader WHERE id = %s", [header.id])
        (raw,) = cursor.fetchone()
    assert "very-secret" not in raw
    assert crypto.decrypt(raw) == "Bearer very-secret-token-123456"
    assert header.value == "Bearer very-secret-token-123456"


def test_a_secret_is_shown_back_masked(service):
    env = _prod(service, headers={"X-Api-Key": "abcdefghijklmnopqrstuvwxyz"})
    header = env.secret_headers.get()
    assert header.masked() == "••••wxyz"
    assert "abcdef" not in str(header)
    assert crypto.masked("short") == "••••"


def test_an_endpoint_makes_a_target_per_environment(service):
    env = environment_create(
        service=service,
        name="prod",
        base_url="https://api.example.com/v1",
        is_production=True,
        cors_origin="https://app.example.com",
        headers={"Authorization": "Bearer t"},
    )
    endpoint = endpoint_create(service=service, path="/items/{id}", samples={"id": "0"})
    target = target_for(endpoint=endpoint, environment=env)
    assert target.url == "https://api.example.com/v1/items/0"
    assert target.policy is ProbePolicy.SAFE
    assert target.origin == "https://app.example.com"
    assert target.headers == (("Authorization", "Bearer t"),)
    assert target.template == "https://api.example.com/v1/items/{id}"
    assert target.samples == (("id", "0"),)


def test_a_path_without_placeholders_makes_no_template(service):
    env = environment_create(service=service, name="prod", base_url="https://a.example.com")
    endpoint = endpoint_create(service=service, path="/ping")
    target = target_for(endpoint=endpoint, environment=env)
    assert target.template is None
    assert target.samples == ()


def test_an_endpoint_override_beats_the_environment_policy(service):
    env = environment_create(
        service=service, name="prod", base_url="https://a.example.com", is_production=True
    )
    endpoint = endpoint_create(service=service, path="/ping", policy_override="full")
    assert target_for(endpoint=endpoint, environment=env).policy is ProbePolicy.FULL


def test_it_refuses_unknown_declared_methods(service):
    with pytest.raises(ValidationError, match="unknown methods"):
        endpoint_create(service=service, path="/items", declared_methods=["get"])


def test_a_field_key_rotation_still_reads_old_secrets(service, settings, tmp_path):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DIAGNOSER_FIELD_KEYS = [old]
    env = environment_create(
        service=service, name="p", base_url="https://a.example.com", headers={"K": "v" * 30}
    )
    settings.DIAGNOSER_FIELD_KEYS = [new, old]
    assert env.secret_headers.get().value == "v" * 30


def test_a_second_service_with_a_taken_name_is_refused_on_the_name(service):
    with pytest.raises(ValidationError) as refused:
        service_create(workspace=service.workspace, name=" shop ")
    assert refused.value.message_dict == {"name": ["team already has a service named 'shop'"]}


def test_renaming_onto_a_sibling_is_refused_but_keeping_the_own_name_is_not(service):
    environment_create(service=service, name="prod", base_url="https://api.example.com")
    staging = environment_create(service=service, name="staging", base_url="http://s.example")

    with pytest.raises(ValidationError, match="shop already has an environment named 'prod'"):
        environment_rename(environment=staging, name="prod")
    assert environment_rename(environment=staging, name="staging").name == "staging"
    assert service_rename(service=service, name="shop").name == "shop"


def test_a_registered_path_is_refused_on_the_path(service):
    endpoint_create(service=service, path="/users")
    with pytest.raises(ValidationError) as refused:
        endpoint_create(service=service, path="/users")
    assert refused.value.message_dict == {"path": ["shop already has the endpoint /users"]}
