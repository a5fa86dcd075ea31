"""Inventory as code: an environment listed without a policy is probed safe, production
or not; full and strict are explicit choices that survive a re-import."""

import pytest
from django.core.exceptions import ValidationError

from diagnoser.inventory.models import Environment
from diagnoser.monitoring.as_code import InventoryError, import_inventory

pytestmark = pytest.mark.django_db

INVENTORY = """\
services:
  - name: shop
    environments:
      - {name: dev, base_url: "http://dev.example.com"}
      - {name: qa, base_url: "http://qa.example.com", policy: strict}
      - {name: staging, base_url: "http://staging.example.com", policy: full}
    endpoints:
      - path: /items
"""


def _policies() -> dict[str, str]:
    return dict(Environment.objects.values_list("name", "probe_policy"))


def test_an_environment_without_a_policy_is_safe_and_explicit_ones_stay() -> None:
    import_inventory(INVENTORY, workspace_name="acme", source="shop.yaml")
    import_inventory(INVENTORY, workspace_name="acme", source="shop.yaml")

    assert _policies() == {"dev": "safe", "qa": "strict", "staging": "full"}


def test_an_unknown_policy_names_the_three_that_exist() -> None:
    with pytest.raises((InventoryError, ValidationError), match="full, safe, strict"):
        import_inventory(
            INVENTORY.replace("policy: strict", "policy: careful"),
            workspace_name="acme",
            source="shop.yaml",
        )
