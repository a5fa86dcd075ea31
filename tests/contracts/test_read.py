"""Documents in every supported version read into per-path contracts; broken ones are
refused whole, each error at its JSON pointer."""

import json
from pathlib import Path

import pytest

from diagnoser.contracts.errors import ContractInvalid
from diagnoser.contracts.read import read_contract

DOCUMENTS = Path(__file__).parent / "documents"
OK = {"200": {"description": "ok"}}


def _openapi(version: str, paths: dict, **more: object) -> str:
    return json.dumps(
        {"openapi": version, "info": {"title": "T", "version": "7"}, "paths": paths, **more}
    )


def _errors(raw: str) -> list[tuple[str, str]]:
    with pytest.raises(ContractInvalid) as caught:
        read_contract(raw)
    return [(e.pointer, e.message) for e in caught.value.errors]


def test_a_swagger_2_yaml_file_reads_with_its_base_path_refs_and_samples():
    contract = read_contract((DOCUMENTS / "petstore_swagger2.yaml").read_bytes())
    assert (contract.spec_version, contract.identity) == ("2.0", "Pet store 2024-05-01")
    by_path = {p.path: p for p in contract.paths}
    assert by_path["/v1/pets"].methods == ("GET", "POST")
    assert by_path["/v1/pets/{petId}"].methods == ("GET", "DELETE")
    # default of a $ref parameter, then the first enum value
    assert by_path["/v1/pets/{petId}"].samples == {"petId": "41"}
    assert by_path["/v1/pets/{petId}/photo/{size}"].samples == {"petId": "41", "size": "small"}
    assert [s.url for s in contract.servers] == ["https://pets.example/v1"]


def test_openapi_3_1_path_items_and_parameters_behind_refs_are_resolved():
    document = _openapi(
        "3.1.0",
        {"/users/{id}": {"$ref": "#/components/pathItems/User"}},
        components={
            "pathItems": {
                "User": {
                    "parameters": [{"$ref": "#/components/parameters/id"}],
                    "get": {"responses": OK},
                    "patch": {"responses": OK},
                }
            },
            "parameters": {
                "id": {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                }
            },
        },
    )
    (users,) = read_contract(document).paths
    assert users.methods == ("GET", "PATCH")
    assert users.samples == {"id": "00000000-0000-0000-0000-000000000000"}


def test_openapi_3_0_example_wins_over_the_schema_type():
    document = _openapi(
        "3.0.3",
        {
            "/orders/{n}": {
                "get": {
                    "parameters": [
                        {
                            "name": "n",
                            "in": "path",
                            "required": True,
                            "example": 9,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": OK,
                }
            }
        },
    )
    assert read_contract(document).paths[0].samples == {"n": "9"}


def test_openapi_3_2_query_and_additional_operations_are_contract_methods():
    document = _openapi(
        "3.2.0",
        {
            "/search": {
                "query": {"responses": OK},
                "get": {"responses": OK},
                "additionalOperations": {"LINK": {"responses": OK}},
            }
        },
    )
    assert read_contract(document).paths[0].methods == ("GET", "QUERY", "LINK")


def test_an_invalid_operation_is_reported_at_its_pointer():
    errors = _errors(_openapi("3.0.3", {"/items": {"get": {"responses": {}}, "post": "oops"}}))
    pointers = {pointer for pointer, _ in errors}
    assert "/paths/~1items/post" in pointers
    assert "/paths/~1items/get/responses" in pointers


def test_an_external_reference_is_refused_not_fetched():
    document = _openapi(
        "3.1.0",
        {"/a": {"get": {"parameters": [{"$ref": "http://169.254.169.254/x"}], "responses": OK}}},
    )
    ((pointer, message),) = _errors(document)
    assert pointer == "/paths/~1a/get/parameters/0/$ref"
    assert "bundle" in message


def test_a_reference_to_nothing_names_where_it_is():
    document = _openapi("3.1.0", {"/a": {"$ref": "#/components/pathItems/Gone"}})
    ((pointer, message),) = _errors(document)
    assert pointer == "/paths/~1a/$ref"
    assert "points at nothing" in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("openapi: [unclosed", "not valid JSON or YAML"),
        ("- a list", "top level"),
        (json.dumps({"info": {}}), "no `openapi` or `swagger`"),
        (_openapi("4.0.0", {}), "not supported"),
    ],
)
def test_what_is_not_a_document_says_so(raw, expected):
    ((_, message),) = _errors(raw)
    assert expected in message
