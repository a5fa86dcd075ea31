"""An inventory file's `openapi:` key imports the service's document with the rest of
the file, all or nothing."""

import json

import pytest

from diagnoser.inventory.models import Endpoint, Service
from diagnoser.monitoring.as_code import InventoryError, import_inventory

pytestmark = pytest.mark.django_db

OK = {"200": {"description": "ok"}}
INVENTORY = """\
workspace: team
services:
  - name: shop
    openapi: shop.json
    endpoints:
      - /orders
      - /health
"""


def _write(folder, paths: dict) -> None:
    document = {"openapi": "3.1.0", "info": {"title": "Shop", "version": "1"}, "paths": paths}
    (folder / "shop.json").write_text(json.dumps(document))


def test_the_document_beside_the_file_gives_endpoints_and_contracts(tmp_path):
    _write(tmp_path, {"/orders": {"get": {"responses": OK}, "post": {"responses": OK}}})
    summary = import_inventory(INVENTORY, files_from=tmp_path, probe=False)
    assert "endpoint shop /orders" in summary.created
    # Listed in the file without `methods`, /orders keeps the document's contract.
    assert Endpoint.objects.get(path="/orders").declared_methods == ["GET", "POST"]
    assert Endpoint.objects.get(path="/health").declared_methods == []
    again = import_inventory(INVENTORY, files_from=tmp_path, probe=False)
    assert not again.changed


def test_a_changed_document_is_reported_as_a_contract_change(tmp_path):
    _write(tmp_path, {"/orders": {"get": {"responses": OK}}})
    import_inventory(INVENTORY, files_from=tmp_path, probe=False)
    _write(tmp_path, {"/orders": {"put": {"responses": OK}}})
    summary = import_inventory(INVENTORY, files_from=tmp_path, probe=False)
    assert summary.updated == ["contract shop /orders: +PUT -GET"]


def test_a_broken_document_names_the_line_and_the_pointer_and_imports_nothing(tmp_path):
    _write(tmp_path, {"/orders": {"get": {"responses": OK}, "post": 3}})
    with pytest.raises(InventoryError) as caught:
        import_inventory(INVENTORY, files_from=tmp_path, probe=False)
    assert caught.value.line == 4
    assert "/paths/~1orders/post" in str(caught.value)
    assert not Service.objects.exists()


def test_without_a_folder_to_read_from_only_urls_are_allowed(tmp_path):
    _write(tmp_path, {"/orders": {"get": {"responses": OK}}})
    with pytest.raises(InventoryError, match="give the document's URL"):
        import_inventory(INVENTORY, probe=False)
