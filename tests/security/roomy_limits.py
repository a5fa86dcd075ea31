"""Limits roomy enough that no test meets one it did not narrow itself."""

from typing import Any

from tests.monitoring.fixtures import LOOPBACK

ROOMY = {
    "DIAGNOSER_LIMIT_PROBES_PER_USER": "1000/h",
    "DIAGNOSER_LIMIT_PROBES_PER_HOST": "1000/h",
    "DIAGNOSER_LIMIT_SHARES_PER_IP": "100/m",
    "DIAGNOSER_LIMIT_TEST_ALERTS_PER_USER": "100/h",
    "DIAGNOSER_LIMIT_TEST_ALERTS_PER_HOST": "100/h",
}


def roomy_limits(settings: Any) -> Any:
    """pytest-django's `settings`, admitted to loopback, with every limit roomy."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    for name, rate in ROOMY.items():
        setattr(settings, name, rate)
    return settings
