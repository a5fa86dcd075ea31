"""Inventory as code: services, environments, endpoints and drift checks in YAML or JSON.

In monitoring, not inventory, because a file also declares drift checks, which
monitoring owns.
"""

from diagnoser.monitoring.as_code.apply import import_inventory
from diagnoser.monitoring.as_code.document import InventoryError, Summary, parse
from diagnoser.monitoring.as_code.export import export_inventory

__all__ = ["InventoryError", "Summary", "export_inventory", "import_inventory", "parse"]
