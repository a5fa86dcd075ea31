"""The Diagnose page offers to send the failed unsafe method once when the policy held it
back, says what that risks, and sends exactly that one request when asked."""

from collections.abc import Iterator

import pytest
from django.urls import reverse

from tests.monitoring.fixtures import LOOPBACK
from tests.stubs import Reply, Request, StubServer, serving

pytestmark = pytest.mark.django_db

URL = reverse("web:diagnose")


class Recorder:
    def __init__(self) -> None:
        self.methods: list[str] = []

    def __call__(self, request: Request) -> Reply:
        self.methods.append(request.method)
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return Reply(200, b"{}", {"Allow": "GET, HEAD, OPTIONS"})
        return Reply(405, b"", {"Allow": "GET, HEAD, OPTIONS"})


@pytest.fixture
def recorder(settings) -> Iterator[tuple[Recorder, StubServer]]:
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    seen = Recorder()
    with serving(seen) as server:
        yield seen, server


def diagnose_safely(trio, server: StubServer, **fields: str) -> str:
    """The Diagnose page Alice gets for /items under the safe policy, with `fields` added."""
    form = {"url": server.url("/items"), "policy": "safe", **fields}
    return trio.client_for(trio.alice).post(URL, form).text


def test_a_held_back_method_is_offered_with_its_risk(trio, recorder):
    seen, server = recorder

    html = diagnose_safely(trio, server, failed_method="PATCH")

    assert "PATCH was not sent to this URL" in html
    assert "create, change or delete data" in html
    assert "PATCH" not in seen.methods


def test_asked_to_send_it_sends_that_one_request_once(trio, recorder):
    seen, server = recorder

    html = diagnose_safely(trio, server, failed_method="PATCH", send_method="on")

    assert seen.methods.count("PATCH") == 1
    assert not {"POST", "PUT", "DELETE"} & set(seen.methods)
    assert "PATCH was not sent to this URL" not in html
    assert "Why does PATCH get 405?" in html


def test_sending_once_needs_an_unsafe_failed_method(trio, recorder):
    seen, server = recorder

    html = diagnose_safely(trio, server, send_method="on")

    assert "Pick the unsafe method that failed" in html
    assert seen.methods == []
