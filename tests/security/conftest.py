"""The fixtures security tests share with the web and sharing tests: the owner / member /
outsider trio, and real runs of a credential-echoing API to share."""

from tests.sharing.conftest import api, engine, leaky_url, record, report, run, shared_run
from tests.web.conftest import trio

__all__ = ["api", "engine", "leaky_url", "record", "report", "run", "shared_run", "trio"]
