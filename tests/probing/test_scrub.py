"""The one scrubber: every string of a value, whatever holds it, with one placeholder, and
every spelling of a secret a server may echo."""

import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest

from diagnoser.probing.model import ErrorKind, Observation, ProbeKind, ProbePolicy
from diagnoser.probing.scrub import REDACTED, scrub_text, scrub_value, secret_forms

SECRETS = secret_forms(["Bearer token-1234"])


def test_the_placeholder_is_the_one_stored_observations_and_curl_lines_use():
    assert REDACTED == "[redacted]"


def test_a_scheme_credential_is_scrubbed_with_and_without_its_scheme():
    assert {"Bearer token-1234", "token-1234"} <= set(SECRETS)
    assert scrub_text("Bearer token-1234 or token-1234", SECRETS) == f"{REDACTED} or {REDACTED}"


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


# --- Every spelling a server echoes a secret in ---

CREDENTIAL = "s3cr+t/K3y=abc:0123456789"
BEARER = f"Bearer {CREDENTIAL}"
USER_PASS = "alice:pa55/word+0123456789"
BASIC = "Basic " + base64.b64encode(USER_PASS.encode()).decode()
PASSWORD = USER_PASS.partition(":")[2]


def entities(text: str, spelling: str) -> str:
    return "".join(spelling.format(ord(char)) for char in text)


ECHOES = {
    "exact": BEARER,
    "credential alone": CREDENTIAL,
    "lower-cased": BEARER.lower(),
    "upper-cased": CREDENTIAL.upper(),
    "json, slashes escaped": json.dumps(BEARER).replace("/", "\\/"),
    "json, every character \\u-escaped": entities(CREDENTIAL, "\\u{:04X}"),
    "json, html-safe (<>&' as \\u)": json.dumps(f"<{CREDENTIAL}>").replace("<", "\\u003c"),
    "percent-encoded, reserved only": quote(BEARER, safe=""),
    "percent-encoded, lower-case hex": quote(CREDENTIAL, safe="").lower(),
    "percent-encoded, every byte": entities(CREDENTIAL, "%{:02X}"),
    "form-encoded, + for the space": quote_plus(BEARER),
    "html, named entities": CREDENTIAL.replace("/", "&sol;").replace("=", "&equals;"),
    "html, decimal entities": entities(CREDENTIAL, "&#{};"),
    "html, hex entities": entities(CREDENTIAL, "&#x{:x};"),
    "html, escaped by a template": html.escape(f'"{BEARER}"'),
    "base64 of the value": base64.b64encode(BEARER.encode()).decode(),
    "base64url of the credential": base64.urlsafe_b64encode(CREDENTIAL.encode()).decode(),
    "inside a longer base64 text": base64.b64encode(f"log: {BEARER}; ok".encode()).decode(),
    "base64, lower-cased": base64.b64encode(CREDENTIAL.encode()).decode().lower(),
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_a_bearer_credential_echoed_in_any_spelling_is_scrubbed(echo):
    scrubbed = scrub_text(f"seen: {echo} (end)", secret_forms([BEARER]))

    assert REDACTED in scrubbed
    assert scrubbed.startswith("seen: ")
    assert scrubbed.endswith(" (end)")
    for leak in (CREDENTIAL, "0123456789", quote("0123456789"), "MDEyMzQ1Njc4OQ"):
        assert leak.lower() not in scrubbed.lower()


BASIC_ECHOES = {
    "the header": BASIC,
    "the credential": BASIC.split()[1],
    "decoded user:pass": USER_PASS,
    "decoded, percent-encoded": quote(USER_PASS, safe=""),
    "the password alone": f"password={PASSWORD}",
    "the password, html-escaped": entities(PASSWORD, "&#{};"),
    "the password in base64": base64.b64encode(PASSWORD.encode()).decode(),
    "the header in base64url": base64.urlsafe_b64encode(BASIC.encode()).decode(),
}


@pytest.mark.parametrize("echo", BASIC_ECHOES.values(), ids=BASIC_ECHOES.keys())
def test_a_basic_credential_is_scrubbed_encoded_decoded_and_as_its_password(echo):
    scrubbed = scrub_text(f"seen: {echo}", secret_forms([BASIC]))

    assert REDACTED in scrubbed
    assert "pa55" not in scrubbed.lower()
    assert base64.b64encode(PASSWORD.encode()).decode()[:12] not in scrubbed


def test_the_user_name_of_basic_credentials_is_no_secret():
    assert scrub_text("hello alice, bye", secret_forms([BASIC])) == "hello alice, bye"


def test_a_short_secret_is_scrubbed_only_exactly_so_words_survive():
    forms = secret_forms(["Token Ab3x9", "Hi9z"])

    assert scrub_text("Ab3x9 and Hi9z", forms) == f"{REDACTED} and {REDACTED}"
    # The same letters in another case or spelling are ordinary text at this length.
    assert scrub_text("ab3x9 AB3X9 hi9z QWIzeDk=", forms) == "ab3x9 AB3X9 hi9z QWIzeDk="


def test_a_value_under_four_characters_is_not_scrubbed_at_all():
    assert secret_forms(["abc"]) == ()
    assert scrub_text("abc", secret_forms(["abc"])) == "abc"


def test_text_without_the_secret_comes_back_unchanged_escapes_and_all():
    text = "a &amp; b %2F \\u00e9 \\/ c+d &#x2f; &bogus; %zz \\q Bearer"

    assert scrub_text(text, secret_forms([BEARER, BASIC])) == text


def test_a_secret_cut_off_at_the_end_of_an_excerpt_is_scrubbed_in_any_spelling():
    forms = secret_forms([BEARER])
    cut = quote(CREDENTIAL, safe="")[:14]  # "s3cr%2Bt%2FK3y"

    assert scrub_text(f"token={cut}", forms) == f"token={REDACTED}"
    assert scrub_text("auth: BEARER S3CR+T", forms) == f"auth: {REDACTED}"


def test_an_excerpt_ending_in_the_scheme_alone_is_left_alone():
    assert scrub_text("WWW-Authenticate: Bearer", SECRETS) == "WWW-Authenticate: Bearer"


def test_two_overlapping_forms_leave_one_placeholder():
    assert scrub_text(f"[{BEARER}]", secret_forms([BEARER, CREDENTIAL])) == f"[{REDACTED}]"


def test_a_byte_that_is_not_utf8_does_not_hide_the_secret_next_to_it():
    echoed = "%FF" + quote(CREDENTIAL, safe="") + "%FE"

    assert scrub_text(echoed, secret_forms([BEARER])) == f"%FF{REDACTED}%FE"
