"""Content-Security-Policy: only our own files script or style a page. Templates hold no
inline script, style or handler, htmx is configured to need neither eval nor inline
<style>, and a real browser clicking an htmx control reports no violation."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.e2e.browser import chromium
from tests.monitoring.fixtures import LOOPBACK
from tests.servers.fixtures import free_port
from tests.web.conftest import Trio

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
# What a strict script-src / style-src refuses, as it appears in a template.
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle=", re.IGNORECASE),
    "on*= handler": re.compile(r"\son[a-z]+=", re.IGNORECASE),
    "hx-on (needs eval)": re.compile(r"\bhx-on\b|\bhx-on:", re.IGNORECASE),
    "javascript: URL or js: value": re.compile(r"javascript:|[\"']js:", re.IGNORECASE),
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
def test_pages_get_a_policy_allowing_only_our_own_scripts_and_styles(trio: Trio):
    response = trio.client_for(trio.alice).get(reverse("web:overview"))

    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_the_public_share_page_gets_the_same_policy():
    response = Client().get(reverse("sharing:public", args=["no-such-token"]))

    assert directives(response["Content-Security-Policy"])["script-src"] == "'self'"


@pytest.mark.parametrize("what", sorted(INLINE))
def test_no_template_holds_what_the_policy_refuses(what):
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in INLINE[what].finditer(path.read_text())
    ]

    assert not found


def test_htmx_is_told_to_need_neither_eval_nor_inline_styles():
    base = (TEMPLATES / "base.html").read_text()

    assert '"allowEval": false' in base
    assert '"includeIndicatorStyles": false' in base
    assert base.index('name="htmx-config"') < base.index("{% htmx_script")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_browser_clicking_an_htmx_control_reports_no_violation(live_server, settings, trio: Trio):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    client = Client()
    client.force_login(trio.alice)
    # This test's ORM calls happen before the browser starts, the live server's in its
    # own thread.
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context()
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.on(
            "console", lambda message: problems.append(f"console {message.type}: {message.text}")
        )
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        # Runs before any page script; the browser fires this event for every refusal.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

        response = page.goto(f"{live_server.url}{reverse('web:diagnose')}")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert page.evaluate("htmx.config.allowEval") is False
        assert page.evaluate("document.documentElement.classList.contains('js')")  # app.js ran
        page.fill("input[name=url]", f"http://127.0.0.2:{free_port()}/items")
        page.click("#diagnose-region button[type=submit]")
        page.wait_for_selector("#diagnose-region :text('did not answer')")
        assert page.url.endswith(reverse("web:diagnose"))  # swapped in place, not a reload

    assert not problems
