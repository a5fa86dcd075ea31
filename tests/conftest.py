"""Fixtures and set-up shared by every test package."""

import ipaddress

import pytest
from django.core.cache import caches
from pytest_django.fixtures import Settings

from tests.machine import install_missing

pytest_plugins = ["tests.servers.fixtures", "tests.monitoring.fixtures"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    """PBKDF2's deliberate slowness costs seconds per user on this 2-core machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(settings: Settings) -> None:
    """Rate-limit counters start at zero in every test, in this process's memory only
    (the configured file or Redis cache would carry them across tests and test runs)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _loopback_admitted(settings: Settings) -> None:
    """The test servers listen on loopback, and registering an environment refuses what
    the probe guard would (inventory/destinations.py): tests admit loopback as a deployment
    probing its own host does. A test of a refusal sets DIAGNOSER_ALLOW_NETWORKS itself."""
    settings.DIAGNOSER_ALLOW_NETWORKS = [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    ]


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = install_missing()
    if problem:
        # The tests that need the package skip or fail with their own message.
        print(f"\ntest set-up: {problem}")
