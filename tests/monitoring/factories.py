"""Inventory built through the services, as users build it."""

from diagnoser.inventory.models import Service
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)
from diagnoser.specimen.app import SPECIMEN_ENDPOINTS


def specimen_service(specimens, *, paths=None, name: str = "specimen") -> Service:
    """The specimen API registered with its two environments, both probed with `full`
    (chosen explicitly: new environments default to `safe`)."""
    workspace = workspace_create(name=f"ws-{name}")
    service = service_create(workspace=workspace, name=name)
    environment_create(
        service=service, name="staging", base_url=specimens.url("staging"), probe_policy="full"
    )
    environment_create(
        service=service,
        name="prod",
        base_url=specimens.url("prod"),
        is_production=True,
        probe_policy="full",
        cors_origin="https://app.example",
        headers={"Authorization": "Bearer prod-secret-token-0123456789"},
    )
    for path, samples in SPECIMEN_ENDPOINTS:
        if paths is None or path in paths:
            endpoint_create(service=service, path=path, samples=samples)
    return service
