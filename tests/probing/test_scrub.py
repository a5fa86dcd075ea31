"""The one scrubber: every string of a value, whatever holds it, with one placeholder."""

from diagnoser.probing.model import ErrorKind, Observation, ProbeKind, ProbePolicy
from diagnoser.probing.scrub import REDACTED, scrub_value, secret_forms

SECRETS = secret_forms(["Bearer token-1234"])


def test_the_placeholder_is_the_one_stored_observations_and_curl_lines_use():
    assert REDACTED == "[redacted]"


def test_a_scheme_credential_is_scrubbed_with_and_without_its_scheme():
    assert SECRETS == ("Bearer token-1234", "token-1234")


def test_it_reaches_keys_lists_tuples_and_nested_strings_and_keeps_their_types():
    value = {"a": ["x-token-1234-y", ("token-1234",)], "token-1234": 5, "c": None}

    assert scrub_value(value, SECRETS) == {
        "a": [f"x-{REDACTED}-y", (REDACTED,)],
        REDACTED: 5,
        "c": None,
    }


def test_it_reaches_the_fields_of_dataclasses_and_leaves_enums_alone():
    observation = Observation(
        probe="GET",
        kind=ProbeKind.PLAIN,
        method="GET",
        error_kind=ErrorKind.TIMEOUT,
        error="gave up on Bearer token-1234",
        headers=(("www-authenticate", 'token="token-1234"'),),
    )

    scrubbed = scrub_value([observation, ProbePolicy.SAFE], SECRETS)

    assert scrubbed[0].error == f"gave up on {REDACTED}"
    assert scrubbed[0].headers == (("www-authenticate", f'token="{REDACTED}"'),)
    assert scrubbed[0].kind is ProbeKind.PLAIN
    assert scrubbed[0].error_kind is ErrorKind.TIMEOUT
    assert scrubbed[1] is ProbePolicy.SAFE


def test_without_secrets_the_value_comes_back_untouched():
    value = {"a": "token-1234"}

    assert scrub_value(value, ()) is value
