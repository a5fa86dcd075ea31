"""Diagnose a URL: real probes of servers on 127.0.0.1 from the web process."""

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.services import environment_create, service_create
from tests.monitoring.fixtures import LOOPBACK
from tests.servers.fixtures import free_port
from tests.stubs import Reply, Request, StubServer, serving
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db

URL = reverse("web:diagnose")
REGISTER = reverse("web:diagnose_register")
SECRET = "Bearer top-secret-token-0123456789"


@pytest.fixture
def loopback(settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK


def _echo_headers(request: Request) -> Reply:
    """Echoes the request headers in every answer's body, as debugging endpoints do."""
    powered_by = request.headers.get("Authorization", "")
    return Reply(200, str(request.headers).encode(), {"X-Powered-By": powered_by})


def _diagnosis(trio, url: str, **form: str) -> str:
    """The page alice gets for diagnosing the URL with these form fields."""
    return trio.client_for(trio.alice).post(URL, {"url": url, **form}).text


@pytest.fixture(scope="module")
def echo_server() -> Iterator[StubServer]:
    with serving(_echo_headers, protocol="HTTP/1.0") as server:
        yield server


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_every_member_sees_the_form(trio, who):
    response = trio.client_for(getattr(trio, who)).get(URL)

    assert response.status_code == 200
    assert 'name="url"' in response.text
    assert "may act on them" in response.text  # the risk of `full`, stated


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(URL)

    assert_sent_to_login(response)


def test_the_broken_gateway_gets_its_full_diagnosis(trio, loopback, broken_gateway):
    response = trio.client_for(trio.alice).post(
        URL, {"url": broken_gateway.url("/broken"), "policy": "full"}
    )

    html = response.text
    assert response.status_code == 200
    for rule in ("missing_allow_on_405", "redirect_changes_method", "trace_enabled"):
        assert rule in html
    assert "Method matrix" in html
    assert "Troubleshooting checklist" in html
    assert "Register this endpoint" in html


def test_a_failed_method_leads_with_why_it_fails(trio, loopback, broken_gateway):
    response = trio.client_for(trio.bob).post(
        URL, {"url": broken_gateway.url("/broken"), "policy": "full", "failed_method": "PATCH"}
    )

    html = response.text
    assert "Why does PATCH get 405?" in html
    assert html.index("Why does PATCH get 405?") < html.index("Method matrix")
    focus = html[html.index("Why does PATCH get 405?") : html.index("Method matrix")]
    assert "missing_allow_on_405" in focus


def test_the_safe_policy_infers_unsafe_methods_instead_of_sending_them(
    trio, loopback, broken_gateway
):
    response = trio.client_for(trio.alice).post(
        URL, {"url": broken_gateway.url("/lying-allow"), "policy": "safe", "failed_method": "PUT"}
    )

    assert "What happens to PUT? (not sent: safe policy)" in response.text
    assert "inferred" in response.text


def test_htmx_gets_only_the_region_and_the_answer_varies_on_it(trio, loopback, broken_gateway):
    response = trio.client_for(trio.alice).post(
        URL, {"url": broken_gateway.url("/correct"), "policy": "safe"}, HTTP_HX_REQUEST="true"
    )

    assert response.text.lstrip().startswith('<div id="diagnose-region">')
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_a_loopback_address_without_an_allowlist_says_which_setting_admits_it(
    trio, settings, broken_gateway
):
    settings.DIAGNOSER_ALLOW_NETWORKS = []

    response = trio.client_for(trio.alice).post(
        URL, {"url": broken_gateway.url("/broken"), "policy": "safe"}
    )

    assert "DIAGNOSER_ALLOW_NETWORKS" in response.text
    assert "loopback" in response.text
    assert "Method matrix" not in response.text


def test_an_unreachable_host_says_what_to_check(trio, loopback):
    url = f"http://127.0.0.1:{free_port()}/items"

    response = trio.client_for(trio.alice).post(URL, {"url": url, "policy": "safe"})

    assert "did not answer" in response.text
    assert "check the port" in response.text
    assert "Method matrix" not in response.text


def test_an_invalid_url_is_refused_inline_and_kept_in_the_field(trio):
    response = trio.client_for(trio.alice).post(
        URL, {"url": "ftp://files.example.com/x", "policy": "safe"}
    )

    assert "use an http:// or https:// URL" in response.text
    assert 'value="ftp://files.example.com/x"' in response.text


def test_secret_header_values_never_come_back(trio, loopback, echo_server):
    response = trio.client_for(trio.alice).post(
        URL,
        {
            "url": echo_server.url("/debug"),
            "policy": "full",
            "headers": f"Authorization: {SECRET}",
            "failed_method": "GET",
        },
    )

    assert response.status_code == 200
    assert "Method matrix" in response.text
    assert "top-secret-token" not in response.text
    assert "[redacted]" in response.text  # the echoed body, scrubbed
    assert "Authorization" in response.text  # the name is shown, not the value


def test_secret_header_values_are_not_echoed_when_the_form_has_errors(trio):
    response = trio.client_for(trio.alice).post(
        URL, {"url": "not a url", "policy": "safe", "headers": f"Authorization: {SECRET}"}
    )

    assert "has no scheme" in response.text or "spaces" in response.text
    assert "top-secret-token" not in response.text


def test_a_malformed_header_line_is_named_by_its_number(trio):
    response = trio.client_for(trio.alice).post(
        URL,
        {"url": "https://api.example.com/", "policy": "safe", "headers": "X-Ok: 1\nno colon"},
    )

    assert "line 2:" in response.text


def test_registering_a_diagnosis_creates_service_environment_and_endpoint(trio):
    response = trio.client_for(trio.bob).post(
        REGISTER,
        {"url": "http://127.0.0.1:8080/users/7", "policy": "safe", "origin": "https://app.test"},
    )

    endpoint = Endpoint.objects.get(path="/users/7")
    environment = endpoint.service.environments.get()
    assert endpoint.service.workspace == trio.acme
    assert endpoint.service.name == "127.0.0.1:8080"
    assert environment.base_url == "http://127.0.0.1:8080"
    assert environment.probe_policy == "safe"
    assert environment.cors_origin == "https://app.test"
    assert response["Location"] == reverse("web:endpoint", args=[endpoint.service_id, endpoint.id])


def test_registering_goes_to_the_users_own_workspace(trio):
    trio.client_for(trio.charlie).post(
        REGISTER, {"url": "https://api.globex.test/orders", "policy": "safe"}
    )

    assert Service.objects.get(name="api.globex.test").workspace == trio.globex
    assert not Service.objects.filter(workspace=trio.acme).exists()


def test_registering_reuses_the_environment_whose_base_url_prefixes_the_url(trio):
    service = service_create(workspace=trio.acme, name="billing")
    environment_create(service=service, name="prod", base_url="https://api.acme.test/v2")
    client = trio.client_for(trio.alice)

    client.post(REGISTER, {"url": "https://api.acme.test/v2/invoices", "policy": "safe"})
    client.post(REGISTER, {"url": "https://api.acme.test/v2/invoices", "policy": "safe"})

    assert list(service.endpoints.values_list("path", flat=True)) == ["/invoices"]
    assert Environment.objects.count() == 1
    assert Service.objects.count() == 1


def test_registering_needs_a_login(client):
    response = client.post(REGISTER, {"url": "https://api.acme.test/x", "policy": "safe"})

    assert_sent_to_login(response)
    assert not Endpoint.objects.exists()


def _titles(html: str) -> list[str]:
    return re.findall(r"<li class=\"step-[a-z]+\">.*?<strong>(.*?)</strong>", html, re.S)


def test_a_failed_method_shows_its_checklist_steps_then_only_the_rest(
    trio, loopback, broken_gateway
):
    response = trio.client_for(trio.bob).post(
        URL, {"url": broken_gateway.url("/broken"), "policy": "full", "failed_method": "PATCH"}
    )

    html = response.text
    focus, rest = html.split("Rest of the checklist")
    assert "Checklist for PATCH" in focus
    assert "Troubleshooting checklist" not in html
    shown, remaining = _titles(focus), _titles(rest)
    assert shown
    assert remaining
    assert not set(shown) & set(remaining)
    assert "1. Does a route match the URL?" in shown


def test_the_checklist_is_numbered_by_its_step_titles_only(trio, loopback, broken_gateway):
    html = _diagnosis(trio, broken_gateway.url("/broken"), policy="full")

    assert '<ul class="checklist">' in html
    assert '<ol class="checklist">' not in html
    assert "<strong>1. Does a route match the URL?</strong>" in html


def test_fix_steps_show_backticked_code_as_code(trio, loopback, broken_gateway):
    html = _diagnosis(trio, broken_gateway.url("/broken"), policy="full")

    assert "`" not in html
    assert re.search(r"<ol><li>[^<]*<code>[^<]+</code>", html)  # a fix step quoting code


def test_the_matrix_legend_uses_the_endpoint_pages_words(trio, loopback, broken_gateway):
    html = _diagnosis(trio, broken_gateway.url("/lying-allow"), policy="safe")

    legend = html.split('<p class="legend">')[1].split("</p>")[0]
    assert "accepted (inferred)" in legend
    assert (
        '<span title="server error; no response"><span class="key v-error"></span> error, failed'
        in legend
    )
    assert "refused" not in legend
    assert "~" not in html
    assert re.search(
        r'<span class="inferred-note"[^>]*>(accepted|rejected|unknown) \(inferred\)<', html
    )


def _answer_panel(html: str) -> str:
    start = html.index('<section class="answer"')
    return html[start : html.index("</section>", start)]


def test_the_answer_for_the_failed_method_comes_first(trio, loopback, broken_gateway):
    html = _diagnosis(trio, broken_gateway.url("/broken"), policy="full", failed_method="PATCH")

    panel = _answer_panel(html)
    assert html.index('<section class="answer"') < html.index('class="register"')
    assert "<h3>Why does PATCH get 405?</h3>" in panel
    cause = re.search(r'<a href="#finding-(\w+)"><code title="Rule \1: [^"]+">\1</code></a>', panel)
    assert cause, panel
    assert f'id="finding-{cause.group(1)}"' in html  # the link lands on the finding
    assert "Answered by" in panel
    assert 'title="405 Method Not Allowed"' in panel
    assert "curl -sS -i -X PATCH" in panel


def test_without_a_failed_method_the_answer_is_the_most_severe_cause(
    trio, loopback, broken_gateway
):
    html = _diagnosis(trio, broken_gateway.url("/broken"), policy="full")

    panel = _answer_panel(html)
    assert "<h3>The most severe cause: why does " in panel
    assert 'class="sev sev-error"' in panel
    assert '<a href="#finding-' in panel


def test_the_answers_curl_line_names_secret_headers_without_their_values(
    trio, loopback, echo_server
):
    html = _diagnosis(
        trio,
        echo_server.url("/debug"),
        policy="full",
        headers=f"Authorization: {SECRET}",
        failed_method="GET",
    )

    panel = _answer_panel(html)
    assert "curl " in panel
    assert "Authorization" in panel
    assert "top-secret-token" not in panel


def _performs_guarded_put(request: Request) -> Reply:
    """Serves GET and performs our guarded PUT anyway; refuses the rest with a right Allow."""
    allow = {"Allow": "GET, HEAD, PUT, OPTIONS"}
    replies = {
        "GET": Reply(200),
        "HEAD": Reply(200),
        "PUT": Reply(204),
        "OPTIONS": Reply(200, b"", allow),
    }
    return replies.get(request.method, Reply(405, b"", allow))


def test_a_probe_side_effect_is_a_caution_beside_the_policy_not_a_finding(trio, loopback):
    with serving(_performs_guarded_put) as server:
        html = _diagnosis(trio, server.url("/items/1"), policy="full")

    caution = html[html.index('class="caution"') : html.index('<section class="answer"')]
    assert "precondition_ignored" in caution
    assert html.count("precondition_ignored") == 1  # in no finding, no checklist step
    assert ">0 warning<" in html
    assert ">0 error<" in html
