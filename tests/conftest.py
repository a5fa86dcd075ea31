"""Fixtures and set-up shared by every test package."""

import pytest

from tests.machine import install_missing

pytest_plugins = ["tests.servers.fixtures"]


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = install_missing()
    if problem:
        # The tests that need the package skip or fail with their own message.
        print(f"\ntest set-up: {problem}")
