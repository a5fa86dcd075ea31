"""Importing an OpenAPI document from the service page: an upload or a URL, errors with
their pointers and nothing imported, and the contract shown where methods are."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnoser.contracts.read import read_contract
from diagnoser.inventory.contract_import import contract_import
from diagnoser.inventory.services import environment_create, service_create
from tests.monitoring.fixtures import LOOPBACK

pytestmark = pytest.mark.django_db

OK = {"200": {"description": "ok"}}


def _document(paths: dict, version: str = "1") -> bytes:
    info = {"title": "Shop", "version": version}
    return json.dumps({"openapi": "3.0.3", "info": info, "paths": paths}).encode()


@pytest.fixture
def shop(trio):
    service = service_create(workspace=trio.acme, name="shop")
    environment_create(service=service, name="staging", base_url="https://staging.shop.example")
    return service


def _import(client, shop, **data):
    return client.post(reverse("web:openapi_import", args=[shop.id]), data)


def test_the_service_page_offers_the_import_form(trio, shop):
    page = trio.client_for(trio.bob).get(reverse("web:service", args=[shop.id]))
    assert 'enctype="multipart/form-data"' in page.text
    assert reverse("web:openapi_import", args=[shop.id]) in page.text


def test_an_uploaded_document_makes_endpoints_with_contracts(trio, shop):
    upload = SimpleUploadedFile(
        "shop.json", _document({"/orders": {"get": {"responses": OK}, "post": {"responses": OK}}})
    )
    response = _import(trio.client_for(trio.alice), shop, document=upload)
    assert response.status_code == 302
    assert shop.endpoints.get().declared_methods == ["GET", "POST"]


def test_a_broken_upload_shows_each_error_at_its_pointer_and_imports_nothing(trio, shop):
    broken = _document({"/orders": {"get": {"responses": OK}}, "/refunds": {"post": "yes"}})
    response = _import(
        trio.client_for(trio.alice), shop, document=SimpleUploadedFile("shop.json", broken)
    )
    assert response.status_code == 200
    assert "<code>/paths/~1refunds/post</code>" in response.text
    assert not shop.endpoints.exists()


def test_a_document_url_is_fetched_through_the_probe_guard(
    trio, shop, settings, fastapi_documented
):
    url = fastapi_documented.url("/openapi.json")
    settings.DIAGNOSER_ALLOW_NETWORKS = []
    refused = _import(trio.client_for(trio.alice), shop, url=url)
    assert "DIAGNOSER_ALLOW_NETWORKS" in refused.text
    assert not shop.endpoints.exists()
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    assert _import(trio.client_for(trio.alice), shop, url=url).status_code == 302
    shop.refresh_from_db()
    assert shop.openapi_url == url  # fetched again on beat's schedule
    assert shop.endpoints.get(path="/items/{item_id}").declared_methods == ["GET", "PUT", "DELETE"]


def test_an_outsider_cannot_import_into_the_service(trio, shop):
    upload = SimpleUploadedFile("shop.json", _document({"/orders": {"get": {"responses": OK}}}))
    assert _import(trio.client_for(trio.charlie), shop, document=upload).status_code == 404
    assert not shop.endpoints.exists()


def test_the_endpoint_page_shows_the_declared_column_and_the_contract_changes(trio, shop):
    contract_import(
        service=shop, contract=read_contract(_document({"/orders": {"get": {"responses": OK}}}))
    )
    changed = _document({"/orders": {"get": {"responses": OK}, "delete": {"responses": OK}}}, "2")
    contract_import(service=shop, contract=read_contract(changed))
    endpoint = shop.endpoints.get()
    page = trio.client_for(trio.bob).get(reverse("web:endpoint", args=[shop.id, endpoint.id]))
    heading = 'class="declared" title="The contract (Shop 2 (OpenAPI 3.0)) declares GET, DELETE.'
    assert heading in page.text
    assert "+DELETE" in page.text


def test_the_drift_page_shows_the_contract_beside_the_environments(trio, shop):
    contract_import(
        service=shop, contract=read_contract(_document({"/orders": {"patch": {"responses": OK}}}))
    )
    page = trio.client_for(trio.bob).get(reverse("web:drift", args=[shop.id]))
    assert 'title="Declared by Shop 1 (OpenAPI 3.0)">PATCH</span>' in page.text


def test_editing_an_imported_endpoint_keeps_the_methods_the_form_does_not_offer(trio, shop):
    paths = {"/search": {"get": {"responses": OK}, "query": {"responses": OK}}}
    document = json.loads(_document(paths))
    document["openapi"] = "3.2.0"
    contract_import(service=shop, contract=read_contract(json.dumps(document)))
    endpoint = shop.endpoints.get()
    edit = reverse("web:endpoint_edit", args=[shop.id, endpoint.id])
    trio.client_for(trio.bob).post(
        edit, {"policy_override": "", "declared_methods": ["GET", "PUT"]}
    )
    endpoint.refresh_from_db()
    assert endpoint.declared_methods == ["GET", "PUT", "QUERY"]
