"""A document imported by URL is fetched again on schedule: what changed is recorded, and
a fetch that fails changes nothing."""

import json
from collections.abc import Iterator

import pytest

from diagnoser.inventory.models import ContractChange
from diagnoser.inventory.services import service_create, workspace_create
from diagnoser.monitoring.services.contracts import contract_import_url, contracts_refetch
from tests.monitoring.fixtures import LOOPBACK
from tests.stubs import Reply, Request, StubServer, serving

pytestmark = pytest.mark.django_db

OK = {"200": {"description": "ok"}}


class Published:
    """The document the stub serves; a test changes it between fetches."""

    def __init__(self) -> None:
        self.methods = ["get"]
        self.status = 200

    def __call__(self, request: Request) -> Reply:
        operations = {m: {"responses": OK} for m in self.methods}
        document = {
            "openapi": "3.2.0",
            "info": {"title": "Shop", "version": "1"},
            "paths": {"/orders": operations},
        }
        return Reply(
            self.status, json.dumps(document).encode(), {"Content-Type": "application/json"}
        )


@pytest.fixture
def published(settings) -> Iterator[tuple[Published, StubServer]]:
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    document = Published()
    with serving(document) as server:
        yield document, server


def test_a_changed_document_is_imported_on_the_next_refetch(published):
    document, server = published
    service = service_create(workspace=workspace_create(name="team"), name="shop")
    contract_import_url(service=service, url=server.url("/openapi.json"))
    assert service.openapi_url == server.url("/openapi.json")
    document.methods = ["get", "query"]
    assert contracts_refetch() == {"services": 1, "changes": 1, "failed": 0}
    change = ContractChange.objects.get()
    assert (change.added, change.removed) == (["QUERY"], [])


def test_a_document_that_fails_to_fetch_keeps_the_contracts(published):
    document, server = published
    service = service_create(workspace=workspace_create(name="team"), name="shop")
    contract_import_url(service=service, url=server.url("/openapi.json"))
    document.status = 500
    assert contracts_refetch() == {"services": 1, "changes": 0, "failed": 1}
    assert service.endpoints.get().declared_methods == ["GET"]
