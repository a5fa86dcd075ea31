"""What a probed server says is shown, never obeyed: a real server on 127.0.0.1 puts
script, attribute break-outs, backticks, Markdown links, non-UTF-8 bytes and terminal
escape sequences into Server, Allow, Location, Access-Control-Allow-Methods and its body.
Its answers are probed and stored as a worker does, then every page, export and the
terminal output that shows them is read back.
"""

import contextlib
import html
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Endpoint, Service
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.runs import run_request
from diagnoser.probing.engine import ProbeEngine
from diagnoser.sharing.services import share_link_create
from tests.factories import drift_report_probed, run_probe_and_store
from tests.monitoring.fixtures import LOOPBACK
from tests.stubs import Reply, Request, serving
from tests.web.conftest import Trio

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAK_OUT = '"><img src=x onerror=alert(1)>'
BACKTICKS = "`rm -rf /`"
LINK = "[click me](https://evil.example/)"
# Latin-1 characters go out as the raw bytes 0xff 0xfe (invalid UTF-8); ESC [2J clears
# a terminal, ESC ]0;...BEL retitles it.
TERMINAL = "\x1b[2J\x1b]0;pwned\x07"
HOSTILE = f"{SCRIPT} {BREAK_OUT} {BACKTICKS} {LINK} caf\xff\xfe {TERMINAL}"

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _hostile(request: Request) -> Reply:
    """/staging/items and /prod/items: staging serves PATCH and prod does not (drift);
    every answer carries HOSTILE in its headers and body."""
    staging = request.path.startswith("/staging/")
    accepted = {"GET", "HEAD", "OPTIONS"} | ({"PATCH"} if staging else set())
    # http.server writes headers as Latin-1: each character is the byte the test means.
    headers = {
        "Allow": f"{', '.join(sorted(accepted))}, {HOSTILE}",
        "Location": f"javascript:alert(1)//{HOSTILE}",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": f"GET, {HOSTILE}",
        "Content-Type": "text/html",
    }
    status = 200 if request.method in accepted else 405
    return Reply(status, f"{HOSTILE}\n".encode("latin-1"), headers, server=HOSTILE)


@pytest.fixture(scope="module")
def hostile_url() -> Iterator[str]:
    with serving(_hostile) as server:
        yield server.base_url


@dataclass(frozen=True)
class Recorded:
    service: Service
    endpoint: Endpoint
    run: ProbeRun
    report: DriftReport
    run_token: str
    report_token: str


@pytest.fixture
def recorded(trio: Trio, hostile_url: str, settings: Any) -> Recorded:
    """acme's "hostile" service, probed in both environments, a drift report between
    them, and a share link to each."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = service_create(workspace=trio.acme, name="hostile")
    for name in ("staging", "prod"):
        environment_create(
            service=service, name=name, base_url=f"{hostile_url}/{name}", probe_policy="full"
        )
    endpoint = endpoint_create(service=service, path="/items")
    with ProbeEngine(engine_config()) as engine:
        prod = service.environments.get(name="prod")
        run = run_probe_and_store(
            engine=engine, run=run_request(endpoint=endpoint, environment=prod)
        )
        check = drift_check_create(service=service, name="nightly")
        report = drift_report_probed(engine=engine, check=check)
    assert report.drift_present
    _, run_token = share_link_create(run=run, user=trio.alice)
    _, report_token = share_link_create(report=report, user=trio.alice)
    return Recorded(service, endpoint, run, report, run_token, report_token)


def _stored_headers_are_hostile(recorded: Recorded) -> None:
    """The premise: the payload reached storage as the server sent it (bytes decoded)."""
    assert recorded.run.observation is not None
    get = next(o for o in recorded.run.observation.observations if o["probe"] == "GET")
    headers = dict(get["headers"])
    for name in ("server", "allow", "location", "access-control-allow-methods"):
        assert SCRIPT in headers[name]
        assert BREAK_OUT in headers[name]
        assert "caf\ufffd\ufffd" in headers[name]


# (test id, URL name, its arguments from the recorded data, query string)
MEMBER_PAGES: list[tuple[str, str, Callable[[Recorded], list[Any]], str]] = [
    ("overview", "web:overview", lambda r: [], ""),
    ("service-chips", "web:service", lambda r: [r.service.id], ""),
    ("endpoint-matrix", "web:endpoint", lambda r: [r.service.id, r.endpoint.id], "?env=prod"),
    ("run-permalink", "web:run", lambda r: [r.run.id], ""),
    ("drift-page", "web:drift", lambda r: [r.service.id], ""),
    ("drift-report", "web:drift_report", lambda r: [r.report.id], ""),
]
PUBLIC_PAGES: list[tuple[str, Callable[[Recorded], str]]] = [
    ("shared-run", lambda r: r.run_token),
    ("shared-drift-report", lambda r: r.report_token),
]
# Pages whose purpose is to show header values or findings quoting them: the escaped
# payload must be there, or the test would prove nothing about them.
SHOW_HEADER_VALUES = {
    "endpoint-matrix",
    "run-permalink",
    "drift-report",
    "shared-run",
    "shared-drift-report",
    "diagnose-result",
}


class Elements(HTMLParser):
    """The elements and inline script text of a page, as a browser would parse them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def _no_markup_from_the_server(page: str, shows_values: bool) -> None:
    parsed = Elements(page)
    tags = [tag for tag, _ in parsed.elements]
    handlers = [
        (tag, name) for tag, attrs in parsed.elements for name in attrs if name.startswith("on")
    ]
    script_urls = [
        value
        for _, attrs in parsed.elements
        for name, value in attrs.items()
        if name in ("href", "src", "action", "formaction")
        and value.strip().lower().startswith("javascript:")
    ]
    assert SCRIPT not in page
    assert "img" not in tags
    assert handlers == []
    assert script_urls == []
    assert not any("alert(" in text for text in parsed.script_text)
    if shows_values:
        # Shown, as text: the escaped form is in the page (else this test proves nothing).
        assert ESCAPED_SCRIPT in page
        assert BREAK_OUT in html.unescape(page)


@pytest.mark.parametrize(
    ("page", "name", "args", "query"), MEMBER_PAGES, ids=[p[0] for p in MEMBER_PAGES]
)
def test_member_pages_show_server_text_escaped(
    trio: Trio,
    recorded: Recorded,
    page: str,
    name: str,
    args: Callable[[Recorded], list[Any]],
    query: str,
) -> None:
    _stored_headers_are_hostile(recorded)

    response = trio.client_for(trio.alice).get(reverse(name, args=args(recorded)) + query)

    assert response.status_code == 200
    _no_markup_from_the_server(response.text, page in SHOW_HEADER_VALUES)


@pytest.mark.parametrize(("page", "token"), PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_shared_public_pages_show_server_text_escaped(
    recorded: Recorded, page: str, token: Callable[[Recorded], str]
) -> None:
    response = Client().get(reverse("sharing:public", args=[token(recorded)]))

    assert response.status_code == 200
    _no_markup_from_the_server(response.text, page in SHOW_HEADER_VALUES)


def test_the_diagnose_a_url_result_shows_server_text_escaped(
    trio: Trio,
    hostile_url: str,
    settings: Any,
) -> None:
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK

    response = trio.client_for(trio.alice).post(
        reverse("web:diagnose"),
        {"url": f"{hostile_url}/prod/items", "policy": "full", "failed_method": "POST"},
    )

    assert response.status_code == 200
    assert "Why does POST get 405?" in response.text
    _no_markup_from_the_server(response.text, shows_values=True)


EXPORTS = ["run", "report", "shared-run", "shared-report"]


def _export(trio: Trio, recorded: Recorded, which: str, suffix: str) -> Any:
    """A member's export of the run or the report, or the anonymous one of its share: served
    (what it holds is each test's question)."""
    if which == "run":
        url = reverse(f"sharing:run_export_{suffix}", args=[recorded.run.id])
        response = trio.client_for(trio.alice).get(url)
    elif which == "report":
        url = reverse(f"sharing:drift_report_export_{suffix}", args=[recorded.report.id])
        response = trio.client_for(trio.alice).get(url)
    else:
        token = recorded.run_token if which == "shared-run" else recorded.report_token
        response = Client().get(reverse(f"sharing:public_export_{suffix}", args=[token]))
    assert response.status_code == 200
    return response


def _outside_fences(markdown: str) -> str:
    """The Markdown text that is rendered as Markdown (fenced code is shown as is)."""
    kept, fence = [], ""
    for line in markdown.splitlines():
        marker = re.match(r"\s*(`{3,})", line)
        if marker and (not fence or marker.group(1) == fence):
            fence = "" if fence else marker.group(1)
            continue
        if not fence:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("which", EXPORTS)
def test_markdown_exports_neutralise_html_and_markdown_from_the_server(
    trio: Trio, recorded: Recorded, which: str
) -> None:
    response = _export(trio, recorded, which, "md")

    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    rendered = _outside_fences(text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert SCRIPT not in text
    assert "<img" not in text
    assert LINK not in rendered  # the brackets are backslashed: no link
    assert r"\[click me\]" in rendered
    assert BACKTICKS not in rendered  # no code span opened by the server
    assert "\x1b" not in rendered


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("which", EXPORTS)
def test_json_exports_keep_the_text_intact_as_nosniff_json(
    trio: Trio, recorded: Recorded, which: str
) -> None:
    response = _export(trio, recorded, which, "json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    document = json.loads(response.content)
    assert any(SCRIPT in text and BREAK_OUT in text for text in _strings(document))


def test_the_terminal_output_strips_control_characters(hostile_url: str, settings: Any) -> None:
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    out = io.StringIO()

    with contextlib.suppress(SystemExit):  # the exit status says whether it found errors
        call_command("diagnose", f"{hostile_url}/prod/items", stdout=out)

    text = out.getvalue()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), repr(text[:2000])
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in text  # shown as escapes, not obeyed
    assert SCRIPT in text  # plain text on a terminal: shown as it is, inert
