"""A failure reads as a sentence with what to check; the raw text stays one click away."""

from diagnoser.presentation.failures import describe
from diagnoser.probing.model import ErrorKind

URLLIB3_REFUSED = (
    "GuardedHTTPPool(host='127.0.0.1', port=9): Max retries exceeded with url: /items/1 "
    "(Caused by NewConnectionError('<GuardedHTTPConnection object>: Failed to establish a new "
    "connection: [Errno 111] Connection refused'))"
)


def test_urllib3_words_stored_without_a_kind_become_a_refusal_by_the_host_they_name():
    failure = describe(URLLIB3_REFUSED)

    assert failure.headline == "Connection refused by 127.0.0.1:9 — is the service running?"
    assert failure.raw == URLLIB3_REFUSED
    assert failure.has_details


def test_the_engine_kind_and_the_url_name_the_host_when_the_text_does_not():
    failure = describe(
        "the host name in nowhere.invalid:443 does not resolve; check its spelling and the DNS",
        kind=ErrorKind.DNS,
        url="https://nowhere.invalid/items",
    )

    assert failure.headline == "nowhere.invalid:443 does not resolve — check the host name"


def test_a_connection_closed_mid_answer_is_not_called_refused():
    failure = describe(
        "127.0.0.1:8080 closed the connection without a complete answer; check the logs",
        kind=ErrorKind.REFUSED,
        url="http://127.0.0.1:8080/x",
    )

    assert failure.headline.startswith("127.0.0.1:8080 closed the connection without an answer")


def test_a_run_the_broker_never_took_blames_the_broker_not_the_probed_server():
    failure = describe(
        "broker unavailable: Error 111 connecting to 127.0.0.1:6379. Connection refused."
    )

    assert failure.headline == (
        "Not probed: the task broker at 127.0.0.1:6379 did not take the run — is Redis running?"
    )


def test_text_nothing_can_be_read_from_stays_as_it_is_without_a_toggle():
    failure = describe("probe took longer than the task time limit")

    assert failure.headline == "probe took longer than the task time limit"
    assert describe("ValueError: odd").headline == "ValueError: odd"
    assert not describe("ValueError: odd").has_details
    assert describe("").headline == "No response, and no reason recorded"


def test_without_a_url_the_host_the_engine_line_names_is_used():
    failure = describe(
        "127.0.0.1:9 refused the connection; check the port and that the server runs",
        kind=ErrorKind.REFUSED,
    )

    assert failure.headline == "Connection refused by 127.0.0.1:9 — is the service running?"
