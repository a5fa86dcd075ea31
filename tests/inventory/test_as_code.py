import io

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask

from diagnoser.inventory.models import Endpoint, Environment, SecretHeader, Service, Workspace
from diagnoser.monitoring.as_code import InventoryError, export_inventory, import_inventory
from diagnoser.monitoring.models import DriftCheck

pytestmark = pytest.mark.django_db

SHOP = """\
services:
  - name: shop
    environments:
      - name: staging
        base_url: "http://staging.example.com"
      - name: prod
        base_url: "https://api.example.com"
        production: true
        cors_origin: https://shop.example.com
        headers:
          Authorization: {from_env: SHOP_TOKEN}
    endpoints:
      - path: /items
      - path: "/items/{id}"
        samples: {id: "0"}
        methods: [GET, PUT, DELETE]
    drift_checks:
      - name: hourly
        every: 1h
"""


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", "Bearer shop-secret-0123456789abcdef")


def _import(text: str = SHOP, **kwargs):
    return import_inventory(text, workspace_name="acme", source="shop.yaml", **kwargs)


def test_the_issue_shape_imports():
    summary = _import()

    service = Service.objects.get(workspace__name="acme", name="shop")
    prod = service.environments.get(name="prod")
    assert prod.is_production
    assert prod.probe_policy == "safe"
    assert prod.secret_headers.get().value == "Bearer shop-secret-0123456789abcdef"
    assert service.endpoints.get(path="/items/{id}").samples == {"id": "0"}
    check = service.drift_checks.get()
    assert check.every_seconds == 3600
    assert PeriodicTask.objects.filter(id=check.periodic_task_id, enabled=True).exists()
    assert "drift check shop/hourly" in summary.created


def test_reimporting_the_same_file_changes_nothing():
    _import()
    counts = [m.objects.count() for m in (Environment, Endpoint, DriftCheck, PeriodicTask)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM inventory_secretheader")
        raw_before = cursor.fetchall()

    summary = _import()

    assert not summary.changed
    assert [m.objects.count() for m in (Environment, Endpoint, DriftCheck, PeriodicTask)] == counts
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM inventory_secretheader")
        assert cursor.fetchall() == raw_before  # not even re-encrypted


def test_a_changed_file_updates_what_changed():
    _import()
    summary = _import(SHOP.replace("every: 1h", "every: 15m"))
    assert summary.updated == ["drift check shop/hourly"]
    assert DriftCheck.objects.get().every_seconds == 900


def test_export_then_import_round_trips_without_revealing_secrets():
    _import()
    exported = export_inventory(workspace=Workspace.objects.get(name="acme"))
    text = yaml.safe_dump(exported, sort_keys=False)

    assert "shop-secret" not in text
    assert "keep: true" in text
    assert not _import(text).changed
    assert SecretHeader.objects.get().value == "Bearer shop-secret-0123456789abcdef"


def test_json_imports_too():
    import json

    data = yaml.safe_load(SHOP)
    _import(json.dumps(data, indent=2))
    assert Endpoint.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (SHOP.replace('base_url: "http://staging', 'base_url: "ftp://staging'), 5, "scheme"),
        (SHOP.replace("        production: true", "        production: yes please"), 8, "bool"),
        (
            SHOP.replace("      - path: /items\n", "      - path: /items\n        colour: red\n"),
            14,
            "unknown key 'colour'",
        ),
        (SHOP.replace("every: 1h", "every: hourly"), 19, "every"),
        (SHOP.replace("{from_env: SHOP_TOKEN}", "{from_env: NOT_SET_ANYWHERE}"), 11, "not set"),
        (SHOP.replace("methods: [GET, PUT, DELETE]", "methods: [get]"), 16, "unknown methods"),
        ("services:\n  - name: shop\n    environments: [\n", 4, "not valid YAML"),
    ],
)
def test_a_bad_file_is_rejected_whole_with_the_line(text, line, message):
    with pytest.raises(InventoryError) as caught:
        _import(text)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"shop.yaml, line {line}: ")
    assert not Service.objects.exists()
    assert not PeriodicTask.objects.exists()


def test_keep_without_a_stored_value_is_an_error():
    text = SHOP.replace("{from_env: SHOP_TOKEN}", "{keep: true}")
    with pytest.raises(InventoryError, match="no value is stored"):
        _import(text)


def test_prune_removes_what_the_file_no_longer_has():
    _import()
    summary = _import(SHOP.replace("      - path: /items\n", ""), prune=True)
    assert summary.deleted == ["endpoint shop /items"]


def test_the_commands_import_and_export(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    out = io.StringIO()
    call_command("import_inventory", str(path), "--workspace", "acme", stdout=out)
    assert "created service shop" in out.getvalue()

    out = io.StringIO()
    call_command("import_inventory", str(path), "--workspace", "acme", stdout=out)
    assert out.getvalue().strip() == "No changes."

    out = io.StringIO()
    call_command("export_inventory", "--workspace", "acme", stdout=out)
    assert yaml.safe_load(out.getvalue())["services"][0]["name"] == "shop"
    assert "shop-secret" not in out.getvalue()


def test_the_import_command_names_the_line_and_imports_nothing(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SHOP.replace("every: 1h", "every: hourly"))
    with pytest.raises(CommandError, match=r"bad.yaml, line 19: .*nothing was imported"):
        call_command("import_inventory", str(path))
    assert not Workspace.objects.exists()
