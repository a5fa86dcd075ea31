"""A workspace's extra headers cannot reframe requests on a connection another workspace's
probes reuse: framing and hop-by-hop headers are refused where headers are stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from diagnoser.inventory.models import Environment
from diagnoser.inventory.services import (
    environment_create,
    secret_header_set,
    service_create,
    workspace_create,
)


@pytest.fixture
def environment(db: None) -> Environment:
    service = service_create(workspace=workspace_create(name="acme"), name="shop")
    return environment_create(service=service, name="prod", base_url="https://api.example.com")


@pytest.mark.parametrize("name", ["Content-Length", "Transfer-Encoding", "Host", "Connection"])
def test_a_framing_header_is_not_stored(environment: Environment, name: str) -> None:
    with pytest.raises(ValidationError, match="frames the request"):
        secret_header_set(environment=environment, name=name, value="60")

    assert not environment.secret_headers.exists()


@pytest.mark.parametrize(
    ("headers", "refusal"),
    [
        ({"Transfer-Encoding": "chunked"}, "frames the request"),
        ({"X-Api-Key": "a\r\nHost: evil"}, "line breaks"),  # a second header smuggled in
    ],
    ids=["framing", "smuggling"],
)
def test_an_environment_registered_with_a_framing_or_smuggling_header_is_not_stored(
    db: None, headers: dict[str, str], refusal: str
) -> None:
    service = service_create(workspace=workspace_create(name="acme"), name="shop")

    with pytest.raises(ValidationError, match=refusal):
        environment_create(
            service=service, name="prod", base_url="https://api.example.com", headers=headers
        )

    assert not Environment.objects.exists()
