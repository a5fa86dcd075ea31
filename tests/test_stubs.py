"""The stub server every test and the benchmark serve from: any verb reaches the responder,
the reply goes out as configured, HEAD without its body, after the configured latency."""

import time

import requests

from tests.stubs import Reply, Request, always, per_method, serving

TIMEOUT = 5


def test_every_verb_even_a_made_up_one_gets_the_reply_configured_for_it():
    replies = {"GET": Reply(200, b"items"), "DELETE": Reply(403, b"no")}
    with serving(per_method(replies, otherwise=Reply(405, headers={"Allow": "GET"}))) as stub:
        answers = {
            verb: requests.request(verb, stub.url("/x"), timeout=TIMEOUT)
            for verb in ("GET", "DELETE", "PATCH", "XDIAGNOSE")
        }

    assert {verb: answer.status_code for verb, answer in answers.items()} == {
        "GET": 200,
        "DELETE": 403,
        "PATCH": 405,
        "XDIAGNOSE": 405,
    }
    assert answers["GET"].content == b"items"
    assert answers["PATCH"].headers["Allow"] == "GET"


def test_a_responder_sees_the_request_and_sets_reason_and_server():
    seen: list[Request] = []

    def respond(request: Request) -> Reply:
        seen.append(request)
        return Reply(201, request.body, {"X-Q": request.query["q"]}, reason="Made", server="S/1")

    with serving(respond) as stub:
        answer = requests.post(stub.url("/p?q=1"), data=b"hello", timeout=TIMEOUT)

    assert (answer.status_code, answer.reason, answer.content) == (201, "Made", b"hello")
    assert (answer.headers["X-Q"], answer.headers["Server"]) == ("1", "S/1")
    assert [(r.method, r.path, r.headers["Content-Length"]) for r in seen] == [
        ("POST", "/p?q=1", "5")
    ]


def test_head_gets_the_headers_without_the_body():
    with serving(always(Reply(200, b"body"))) as stub:
        answer = requests.head(stub.url(), timeout=TIMEOUT)

    assert answer.headers["Content-Length"] == "4"
    assert answer.content == b""


def test_latency_delays_every_answer():
    with serving(always(Reply()), latency=0.3) as stub:
        started = time.monotonic()
        requests.get(stub.url(), timeout=TIMEOUT)

        assert time.monotonic() - started >= 0.3
