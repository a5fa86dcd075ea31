"""Importing a document: paths become endpoints with contracts, a re-import records what
changed per path, and a broken or oversized import leaves nothing behind."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from diagnoser.contracts.errors import ContractInvalid
from diagnoser.contracts.read import read_contract
from diagnoser.inventory.contract_import import contract_import
from diagnoser.inventory.models import ContractChange, Endpoint, Environment
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)

pytestmark = pytest.mark.django_db

SWAGGER = Path(__file__).parents[1] / "contracts" / "documents" / "petstore_swagger2.yaml"
OK = {"200": {"description": "ok"}}


@pytest.fixture
def service():
    return service_create(workspace=workspace_create(name="team"), name="pets")


def _document(paths: dict, version: str = "1", **more: object) -> str:
    info = {"title": "Pets", "version": version}
    return json.dumps({"openapi": "3.1.0", "info": info, "paths": paths, **more})


def test_paths_become_endpoints_with_their_contract_and_samples(service):
    result = contract_import(service=service, contract=read_contract(SWAGGER.read_bytes()))
    assert len(result.created) == 3
    pet = service.endpoints.get(path="/v1/pets/{petId}")
    assert pet.declared_methods == ["GET", "DELETE"]
    assert pet.samples == {"petId": "41"}
    assert pet.contract_source == "Pet store 2024-05-01 (Swagger 2.0)"


def test_a_reimport_records_the_methods_added_and_removed_per_path(service):
    first = {"/pets": {"get": {"responses": OK}, "post": {"responses": OK}}}
    contract_import(service=service, contract=read_contract(_document(first)))
    second = {"/pets": {"get": {"responses": OK}, "put": {"responses": OK}}}
    result = contract_import(service=service, contract=read_contract(_document(second, "2")))
    (change,) = result.changes
    assert (change.added, change.removed, change.source) == (
        ["PUT"],
        ["POST"],
        "Pets 2 (OpenAPI 3.1)",
    )
    assert service.endpoints.get().declared_methods == ["GET", "PUT"]


def test_reimporting_the_same_document_changes_nothing(service):
    document = read_contract(_document({"/pets": {"get": {"responses": OK}}}))
    contract_import(service=service, contract=document)
    result = contract_import(service=service, contract=document)
    assert (result.created, result.changes, result.unchanged) == ([], [], 1)
    assert not ContractChange.objects.exists()


def test_a_path_gone_from_the_document_loses_its_contract_but_not_its_history(service):
    contract_import(
        service=service, contract=read_contract(_document({"/old": {"get": {"responses": OK}}}))
    )
    result = contract_import(
        service=service, contract=read_contract(_document({"/new": {"get": {"responses": OK}}}))
    )
    old = service.endpoints.get(path="/old")
    assert (old.declared_methods, old.contract_source) == ([], "")
    assert [(c.endpoint.path, c.removed) for c in result.changes] == [("/old", ["GET"])]


def test_samples_the_team_set_are_kept_and_missing_ones_filled(service):
    endpoint_create(service=service, path="/pets/{id}/{size}", samples={"id": "7"})
    parameters = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "example": 1}},
        {
            "name": "size",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "default": "s"},
        },
    ]
    paths = {"/pets/{id}/{size}": {"parameters": parameters, "get": {"responses": OK}}}
    contract_import(service=service, contract=read_contract(_document(paths)))
    assert service.endpoints.get().samples == {"id": "7", "size": "s"}


def test_a_path_the_inventory_refuses_imports_nothing_and_names_its_pointer(service):
    paths = {"/fine": {"get": {"responses": OK}}, "/bad path": {"get": {"responses": OK}}}
    with pytest.raises(ContractInvalid) as caught:
        contract_import(service=service, contract=read_contract(_document(paths)))
    assert [e.pointer for e in caught.value.errors] == ["/paths/~1bad path"]
    assert not Endpoint.objects.exists()


def test_more_paths_than_the_service_may_hold_import_nothing(service, settings):
    settings.DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE = 2
    paths = {f"/p{n}": {"get": {"responses": OK}} for n in range(3)}
    with pytest.raises(ContractInvalid) as caught:
        contract_import(service=service, contract=read_contract(_document(paths)))
    assert caught.value.errors[0].pointer == "/paths"
    assert not Endpoint.objects.exists()


def test_servers_become_environments_only_when_asked(service):
    servers = [{"url": "https://staging.pets.example", "description": "staging"}]
    document = read_contract(_document({"/pets": {"get": {"responses": OK}}}, servers=servers))
    contract_import(service=service, contract=document)
    assert not service.environments.exists()
    result = contract_import(service=service, contract=document, map_servers=True)
    assert result.environments == ["staging"]
    assert service.environments.get().base_url == "https://staging.pets.example"


def test_a_path_an_archived_endpoint_holds_is_refused_with_where_to_restore_it(service):
    endpoint_create(service=service, path="/pets")
    Endpoint.objects.filter(service=service).update(archived_at=timezone.now())
    document = read_contract(_document({"/pets": {"get": {"responses": OK}}}))

    with pytest.raises(ContractInvalid) as refused:
        contract_import(service=service, contract=document)

    (error,) = refused.value.errors
    assert error.pointer == "/paths/~1pets"
    assert "archived: restore it from the Archived list" in error.message
    assert Endpoint.all_objects.filter(service=service).count() == 1


def test_a_server_named_like_an_archived_environment_gets_a_name_of_its_own(service):
    environment_create(service=service, name="staging", base_url="https://old.pets.example")
    Environment.all_objects.filter(service=service).update(archived_at=timezone.now())
    servers = [{"url": "https://staging.pets.example", "description": "staging"}]
    document = read_contract(_document({"/pets": {"get": {"responses": OK}}}, servers=servers))

    result = contract_import(service=service, contract=document, map_servers=True)

    assert result.environments == ["staging 1"]
