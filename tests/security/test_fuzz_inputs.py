"""Every parser of untrusted input, fed arbitrary text by hypothesis: it gives a valid
value or refuses with a message, and never raises anything else (which would be a 500, a
crashed task or a failed import).

Already fuzzed elsewhere: Allow / Access-Control-Allow-Methods (tests/analysis/
test_headers.py), diagnose() on any report (test_fuzz_analysis.py), plain
validate_target_url and fill_path on small alphabets (tests/probing/test_urls.py).
"""

import contextlib
import string
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnoser.analysis.diagnose import diagnose
from diagnoser.inventory.bulk import endpoints_bulk_create, endpoints_bulk_parse
from diagnoser.inventory.models import Service
from diagnoser.inventory.services import (
    service_create,
    validate_endpoint,
    workspace_create,
)
from diagnoser.monitoring.as_code import InventoryError, import_inventory, parse
from diagnoser.probing.guard import AddressPolicy, BlockedAddress
from diagnoser.probing.model import (
    PLAIN_METHODS,
    PREFLIGHT_METHODS,
    Observation,
    ProbeKind,
    ProbePolicy,
    ProbeReport,
    Target,
)
from diagnoser.probing.plan import plan_probes
from diagnoser.probing.transport import check_destination
from diagnoser.probing.urls import InvalidTarget, fill_path, validate_header, validate_target_url
from diagnoser.web.setup.forms import DiagnoseForm, EnvironmentForm, SecretHeaderForm

FUZZ = settings(max_examples=150, deadline=None)
# Tests that use the database share it across examples: each example rolls back.
FUZZ_DB = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
tokens = st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=12)
# Text that looks like what people paste, with the characters that break parsers mixed in.
nasty = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(":/@[]{}%?#,;=*\"' \t\r\n\x00\x1b\x7f\u202e\u00e9\ufffd")),
        st.characters(),
    ),
    max_size=60,
)


# Access-Control-* handling in diagnoser/analysis/rules/cors.py ------------------------


def _cors_report(
    *,
    target_headers: tuple[tuple[str, str], ...],
    origin: str | None,
    preflight_headers: tuple[tuple[str, str], ...],
) -> ProbeReport:
    """Every plain method served (but the made-up verb and TRACE), every preflight
    answered 204 with `preflight_headers`."""
    observations = []
    for spec in plan_probes(ProbePolicy.FULL):
        if spec.kind is ProbeKind.PREFLIGHT:
            status, headers = 204, preflight_headers
        else:
            status = 200 if spec.method in PLAIN_METHODS and spec.method != "TRACE" else 405
            headers = (("allow", ", ".join(m for m in PLAIN_METHODS if m != "TRACE")),)
        observations.append(
            Observation(
                probe=spec.name, kind=spec.kind, method=spec.method, status=status, headers=headers
            )
        )
    return ProbeReport(
        target=Target("https://api.example/items", target_headers, origin, ProbePolicy.FULL),
        observations=tuple(observations),
        started_at=datetime.now(UTC),
        elapsed_ms=1.0,
    )


@st.composite
def allow_headers_lists(draw: st.DrawFn, requested: list[str]) -> str:
    """An Access-Control-Allow-Headers value naming some of `requested` (any case, any
    spacing) among junk entries."""
    named = draw(st.lists(st.sampled_from(requested), unique=True)) if requested else []
    junk = draw(st.lists(nasty.filter(lambda s: "," not in s), max_size=3))
    entries = [draw(st.sampled_from([n, n.upper(), n.title()])) for n in named] + junk
    entries = draw(st.permutations(entries))
    spaces = st.sampled_from(["", " ", "  ", "\t"])
    return ",".join(f"{draw(spaces)}{e}{draw(spaces)}" for e in entries)


@FUZZ
@given(st.data())
def test_a_preflight_lacking_a_requested_header_is_reported_and_only_then(
    data: st.DataObject,
) -> None:
    names = data.draw(st.lists(tokens, max_size=3, unique_by=str.lower))
    requested = sorted({n.lower() for n in names} | {"content-type"})
    allow_headers = data.draw(allow_headers_lists(requested))
    report = _cors_report(
        target_headers=tuple((n, "secret") for n in names),
        origin="https://app.example",
        preflight_headers=(
            ("access-control-allow-origin", "https://app.example"),
            ("access-control-allow-methods", ", ".join(PREFLIGHT_METHODS)),
            ("access-control-allow-headers", allow_headers),
        ),
    )

    findings = {f.rule: f for f in diagnose(report).findings}

    listed = {entry.strip().lower() for entry in allow_headers.split(",")}
    missing = [h for h in requested if h not in listed]
    if missing and "*" not in listed:
        assert missing[0] in findings["preflight_header_not_allowed"].title
    else:
        assert "preflight_header_not_allowed" not in findings


origins = st.one_of(
    st.just("https://app.example"),
    st.builds(lambda host: f"https://{host}.example", tokens.filter(str.isalnum)),
)


@FUZZ
@given(origins, st.one_of(nasty, st.sampled_from(["*", "https://app.example", "null", ""])))
def test_an_allow_origin_other_than_the_origin_or_star_is_reported(
    origin: str, allow_origin: str
) -> None:
    report = _cors_report(
        target_headers=(),
        origin=origin,
        preflight_headers=(
            ("access-control-allow-origin", allow_origin),
            ("access-control-allow-methods", ", ".join(PREFLIGHT_METHODS)),
            ("access-control-allow-headers", "*"),
        ),
    )

    rules = {f.rule for f in diagnose(report).findings}

    assert ("preflight_missing_allow_origin" in rules) == (allow_origin not in ("*", origin))


@FUZZ
@given(st.one_of(nasty, st.sampled_from(["true", "TRUE", "True", " true", "false"])))
def test_a_wildcard_origin_with_credentials_is_reported_whatever_the_case(
    credentials: str,
) -> None:
    report = _cors_report(
        target_headers=(),
        origin=None,
        preflight_headers=(
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", credentials),
            ("access-control-allow-methods", "PUT"),
        ),
    )

    rules = {f.rule for f in diagnose(report).findings}

    assert ("cors_wildcard_with_credentials" in rules) == (credentials.lower() == "true")


# URL input: validate_target_url and what is done with its answer ----------------------

url_like = st.builds(
    "".join,
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "http://",
                    "https://",
                    "HTTP://",
                    "ftp://",
                    "//",
                    "[",
                    "]",
                    "::1",
                    "@",
                    ":",
                    ":80",
                    ":0",
                    ":65536",
                    ":-1",
                    "%00",
                    "%2e",
                    "127.0.0.1",
                    "0x7f.1",
                    "xn--",
                    "\u00e9",
                    "\u3002",
                    "\uff0e",
                    ".",
                    "/",
                    "?",
                    "#",
                    "{id}",
                    " ",
                    "\t",
                ]
            ),
            tokens,
        ),
        max_size=8,
    ),
)


@FUZZ
@given(st.one_of(url_like, nasty))
def test_a_url_that_is_accepted_is_stable_and_usable_by_the_engine(text: str) -> None:
    try:
        url = validate_target_url(text)
    except InvalidTarget:
        return
    parts = urlsplit(url)
    assert validate_target_url(url) == url
    assert parts.scheme in ("http", "https")
    assert parts.hostname
    assert parts.port is None or 0 < parts.port < 65536
    assert "@" not in parts.netloc
    # The webhook form checks where it points: refused or fine, nothing else.
    with contextlib.suppress(BlockedAddress):
        check_destination(url, AddressPolicy())


# Path templates and samples ------------------------------------------------------------


@FUZZ
@given(
    st.one_of(nasty, st.builds(lambda p: "/" + p, nasty)),
    st.dictionaries(st.one_of(tokens, nasty), nasty, max_size=3),
)
def test_a_path_template_accepted_at_registration_can_be_probed(
    template: str, samples: dict[str, str]
) -> None:
    try:
        validate_endpoint(path=template, samples=samples, declared_methods=())
    except ValidationError:
        return

    filled = fill_path(template, samples)

    assert "{" not in filled
    assert "}" not in filled
    validate_target_url(f"https://api.example{filled}")  # raises if it can't be probed


# Header lines in the forms --------------------------------------------------------------

header_text = st.builds(
    "\n".join,
    st.lists(
        st.one_of(
            nasty,
            st.builds(lambda n, v: f"{n}: {v}", st.one_of(tokens, nasty), nasty),
        ),
        max_size=4,
    ),
)


def _headers_are_sendable(headers: tuple[tuple[str, str], ...]) -> None:
    for name, value in headers:
        assert validate_header(name, value) == (name, value)
        assert not any(c in value for c in "\r\n\x00")
        value.encode("latin-1")  # raises unless http.client can send it


@FUZZ
@given(header_text, st.one_of(url_like, nasty), st.one_of(nasty, origins))
def test_the_diagnose_form_gives_field_errors_or_sendable_values(
    headers: str, url: str, origin: str
) -> None:
    form = DiagnoseForm({"url": url, "headers": headers, "origin": origin, "policy": "safe"})

    if form.is_valid():
        _headers_are_sendable(form.cleaned_data["headers"])
        validate_target_url(form.target().url)
    else:
        assert set(form.errors) <= {"url", "headers", "origin"}


@FUZZ
@given(st.one_of(tokens, nasty), nasty)
def test_the_secret_header_form_gives_an_error_or_a_sendable_header(name: str, value: str) -> None:
    form = SecretHeaderForm({"name": name, "value": value})

    if form.is_valid():
        _headers_are_sendable(((form.cleaned_data["name"], form.cleaned_data["value"]),))
    else:
        assert form.errors


@pytest.fixture
def service(db: None) -> Service:
    return service_create(workspace=workspace_create(name="acme"), name="shop")


@FUZZ_DB
@given(headers=header_text, base_url=st.one_of(url_like, nasty))
def test_the_environment_form_gives_field_errors_or_sendable_values(
    service: Service, headers: str, base_url: str
) -> None:
    data = {"name": "staging", "base_url": base_url, "headers": headers}
    form = EnvironmentForm(data, service=service)

    if form.is_valid():
        _headers_are_sendable(form.cleaned_data["headers"])
    else:
        assert set(form.errors) <= {"base_url", "headers"}


# Bulk-added paths ------------------------------------------------------------------------

bulk_lines = st.builds(
    "\n".join,
    st.lists(
        st.one_of(
            nasty,
            st.builds(
                lambda methods, path: f"{methods} {path}",
                st.builds(",".join, st.lists(st.sampled_from([*PLAIN_METHODS, "get", "X"]))),
                st.builds(lambda p: "/" + p, nasty),
            ),
        ),
        max_size=5,
    ),
)


@FUZZ_DB
@given(text=bulk_lines)
def test_bulk_added_paths_are_parsed_or_refused_per_line(service: Service, text: str) -> None:
    parsed = endpoints_bulk_parse(service=service, text=text)

    assert parsed.lines or parsed.errors
    for line in parsed.lines:
        validate_endpoint(path=line.path, samples={}, declared_methods=line.methods)
    with transaction.atomic():
        try:
            created = endpoints_bulk_create(service=service, text=text)
        except ValidationError:
            assert parsed.errors
        else:
            assert len(created) == len(parsed.new)
        transaction.set_rollback(True)


# Inventory import -------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), nasty),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(nasty, children, max_size=3)
    ),
    max_leaves=12,
)
shaped = st.fixed_dictionaries(
    {
        "services": st.lists(
            st.fixed_dictionaries(
                {"name": st.one_of(tokens, nasty)},
                optional={
                    "environments": st.lists(
                        st.fixed_dictionaries(
                            {
                                "name": st.one_of(tokens, nasty),
                                "base_url": st.one_of(url_like, nasty),
                            },
                            optional={"headers": json_values, "policy": json_values},
                        ),
                        max_size=2,
                    ),
                    "endpoints": st.lists(
                        st.fixed_dictionaries(
                            {"path": st.one_of(nasty, st.builds(lambda p: "/" + p, nasty))},
                            optional={"samples": json_values, "methods": json_values},
                        ),
                        max_size=2,
                    ),
                    "drift_checks": st.lists(
                        st.fixed_dictionaries(
                            {"name": st.one_of(tokens, nasty)},
                            optional={"every": json_values, "webhook": st.one_of(url_like, nasty)},
                        ),
                        max_size=1,
                    ),
                },
            ),
            max_size=2,
        )
    },
    optional={"workspace": st.one_of(tokens, nasty)},
)
# YAML that is not data: tags, aliases expanding exponentially or into themselves, deep
# nesting, impossible dates, characters YAML forbids.
hostile_yaml = st.sampled_from(
    [
        "\x01",
        "services: \x00",
        "a: 2001-02-30",
        "a: !!binary ZZZ",
        "a: !!python/object/apply:os.system [echo]",
        "a: &a [*a]",
        "a: &a {b: *a}",
        "[" * 3000,
        "a: &x [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, c in zip("xbcdefg", "bcdefgh", strict=True)
        ),
        'services: [{name: s, endpoints: [{path: "/a\\0b"}]}]',
        'services: [{name: "s\\0"}]',
        "? [a]\n: 1",
        "{a: 1, a: 2}",
        "--- 1\n--- 2",
        "%YAML 9.9\n--- a",
    ]
)


@FUZZ_DB
@given(document=st.one_of(hostile_yaml, nasty, shaped.map(yaml.safe_dump), shaped.map(str)))
def test_any_document_is_imported_or_refused_with_a_message(
    service: Service, document: str
) -> None:
    with transaction.atomic():
        message = ""
        try:
            import_inventory(document, source="fuzz.yaml")
        except InventoryError as error:
            message = str(error)
        transaction.set_rollback(True)
    assert message == "" or message.startswith("fuzz.yaml")


def test_an_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )

    with pytest.raises(InventoryError, match="values"):
        parse(bomb)
