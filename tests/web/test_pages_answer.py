"""The answer first on the endpoint page and the run permalink: per environment the worst
cause, or with ?method=M the answer for M; from real specimen probes. What our own
probing did is a caution beside the policy, never a finding."""

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse

from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.models import ProbeRun
from tests.monitoring.fixtures import LOOPBACK
from tests.stubs import Reply, StubServer, per_method, serving
from tests.web.pages_data import probe, probed_specimen, record

pytestmark = pytest.mark.django_db

ALLOW = {"Allow": "GET, HEAD, PUT, OPTIONS"}


@pytest.fixture
def shop(trio, specimens, settings):
    return probed_specimen(specimens, settings, workspace=trio.acme, paths=("/items/{id}",))


def _url(service, **query: str) -> str:
    url = reverse("web:endpoint", args=[service.id, service.endpoints.get().id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _answers(html: str) -> str:
    """The answer section, which comes before the matrix."""
    return html[html.index('id="answer-h"') : html.index('id="matrix-h"')]


def _panel(html: str, environment: str) -> str:
    """One environment's answer panel within the answer section."""
    section = _answers(html)
    start = section.index(f"<h3>{environment} ")
    return section[start : section.index("</section>", start)]


def test_each_environment_leads_with_its_worst_cause_before_the_matrix(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop)).content.decode()

    assert html.index('id="answer-h"') < html.index('id="matrix-h"')
    for environment in ("staging", "prod"):
        panel = _panel(html, environment)
        assert '<section class="answer"' in panel
        assert "<h4>The answer</h4>" in panel
        assert "curl " in panel


def test_the_method_query_shows_that_methods_answer_in_every_environment(trio, shop):
    html = trio.client_for(trio.bob).get(_url(shop, method="PATCH")).content.decode()

    staging, prod = _panel(html, "staging"), _panel(html, "prod")
    assert "Why does PATCH get 412?" in staging  # staging serves PATCH: the guard refused it
    assert "none: PATCH works" in staging
    assert "Why does PATCH get 405?" in prod  # prod never deployed PATCH, and says so
    assert ">method_not_supported</code>" in prod
    assert 'title="405 Method Not Allowed"' in prod  # the code explained on hover
    assert "Allow: GET, HEAD, PUT, DELETE, OPTIONS" in prod
    assert "curl -sS -i -X PATCH" in prod
    assert "Troubleshooting checklist for PATCH" in html


def test_a_method_nobody_probes_falls_back_to_the_worst_cause(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, method="BREW")).content.decode()

    assert "<h4>The answer</h4>" in _panel(html, "prod")


def test_method_links_work_with_and_without_javascript(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, env="prod")).content.decode()

    link = re.search(r'<a class="chip" href="([^"]+)" hx-get="([^"]+)"[^>]*>PATCH</a>', html)
    assert link
    assert link.group(1) == link.group(2) == _url(shop, method="PATCH") + "&amp;env=prod"
    assert 'hx-target="#endpoint-body"' in link.group(0)


def test_htmx_asking_for_a_method_gets_the_body_with_its_answer(trio, shop):
    response = trio.client_for(trio.alice).get(_url(shop, method="PATCH"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="endpoint-body"')
    assert f'hx-get="{_url(shop, method="PATCH")}"' in html  # a refresh keeps the method
    assert "Why does PATCH get 405?" in html


def test_the_checklist_never_marks_ok_a_step_the_asked_method_fails(trio, shop):
    html = trio.client_for(trio.alice).get(_url(shop, method="PATCH")).content.decode()

    prod_checklist = html[html.index('id="checklist-h"') :].split("<h3>prod</h3>")[1]
    step = re.search(
        r'<li class="step-(\w+)">(?:(?!</li>).)*?accepts\?</strong>', prod_checklist, re.S
    )
    assert step
    assert step.group(1) != "ok"  # prod rejects PATCH


def test_the_run_page_leads_with_the_asked_methods_answer(trio, shop):
    run = ProbeRun.objects.get(environment__name="prod")
    client = trio.client_for(trio.alice)

    html = client.get(reverse("web:run", args=[run.id]) + "?method=PATCH").content.decode()

    assert html.index("Why does PATCH get 405?") < html.index('id="matrix-h"')
    assert "method_not_supported" in html
    assert "Troubleshooting checklist for PATCH" in html
    overall = client.get(reverse("web:run", args=[run.id])).content.decode()
    assert "The answer</h" in overall


def _guard_ignored(request) -> Reply:
    """A resource served correctly whose server performs our guarded PUT anyway."""
    replies = {
        "GET": Reply(200, b"{}", {"Content-Type": "application/json"}),
        "HEAD": Reply(200, b"", {"Content-Type": "application/json"}),
        "PUT": Reply(204),
        "OPTIONS": Reply(200, b"", ALLOW),
    }
    return per_method(replies, otherwise=Reply(405, b"", ALLOW))(request)


@pytest.fixture(scope="module")
def careless_server() -> Iterator[StubServer]:
    with serving(_guard_ignored) as server:
        yield server


@pytest.fixture
def careless(trio, careless_server, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = service_create(workspace=trio.acme, name="careless")
    environment = environment_create(
        service=service, name="dev", base_url=careless_server.base_url, probe_policy="full"
    )
    endpoint = endpoint_create(service=service, path="/items/1")
    return record(endpoint, environment, probe(endpoint, environment))


def test_a_probe_side_effect_is_a_caution_beside_the_policy_never_a_finding(trio, careless):
    client = trio.client_for(trio.alice)
    endpoint = careless.endpoint

    html = client.get(_url(endpoint.service)).content.decode()
    run_html = client.get(reverse("web:run", args=[careless.id])).content.decode()

    for page in (_answers(html), run_html[: run_html.index('id="matrix-h"')]):
        assert 'class="caution"' in page
        assert "precondition_ignored" in page
    findings = html[html.index('id="findings-h"') : html.index('id="checklist-h"')]
    assert "precondition_ignored" not in findings
    assert "precondition_ignored" not in client.get(reverse("web:overview")).content.decode()
