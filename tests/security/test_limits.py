"""Abuse limits: on-demand probes per user and per target host, charged per request they
send; public share lookups per client address; failed logins per user name and address.
Each refusal says when to try again, and whoever did not use the limit up is still
served. (Run now and test alerts: test_limits_drift.py.)"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Endpoint
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.models import ProbeRun
from diagnoser.security.limits import (
    PROBES_PER_USER,
    Charge,
    Refusal,
    charges_take,
    rate_text,
    wait_text,
)
from tests.security.roomy_limits import roomy_limits
from tests.servers.fixtures import free_port
from tests.web.conftest import PASSWORD, Trio

pytestmark = pytest.mark.django_db

DIAGNOSE = reverse("web:diagnose")


@pytest.fixture
def limits(settings):
    """Roomy limits that each test narrows to the one it exercises."""
    return roomy_limits(settings)


def closed_url(host: str) -> str:
    """A loopback URL where nothing listens: the probe is sent and fails at once."""
    return f"http://{host}:{free_port()}/items"


def diagnose(client: Client, url: str, *, htmx: bool = False, policy: str = "safe") -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(DIAGNOSE, {"url": url, "policy": policy}, headers=headers).text


def probed(html: str) -> bool:
    return "did not answer" in html and "Limit reached" not in html


# --- Diagnose a URL (the safe policy sends 9 requests, full 13) ---


def test_diagnose_past_the_per_user_limit_says_when_to_retry(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "18/h"
    alice = trio.client_for(trio.alice)
    assert all(probed(diagnose(alice, closed_url("127.0.0.2"))) for _ in range(2))

    html = diagnose(alice, closed_url("127.0.0.3"))

    assert (
        "Limit reached: 18 requests per hour for on-demand probes by one user; "
        "this needs 9 and 0 are left." in html
    )
    assert "Try again in " in html
    assert "did not answer" not in html  # nothing was sent


def test_diagnose_is_charged_what_its_policy_sends(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "20/h"
    alice = trio.client_for(trio.alice)
    assert probed(diagnose(alice, closed_url("127.0.0.2"), policy="full"))  # 13 requests

    html = diagnose(alice, closed_url("127.0.0.2"))

    assert "this needs 9 and 7 are left" in html


def test_a_diagnosis_bigger_than_the_limit_is_refused_saying_so(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "5/h"

    html = diagnose(trio.client_for(trio.alice), closed_url("127.0.0.2"))

    assert "Too much at once: this sends 9 requests, more than the limit of 5 requests" in html
    assert "did not answer" not in html


def test_diagnose_limit_of_one_user_leaves_another_user_free(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "9/h"
    alice = trio.client_for(trio.alice)
    diagnose(alice, closed_url("127.0.0.2"))
    assert "Limit reached" in diagnose(alice, closed_url("127.0.0.2"))

    assert probed(diagnose(trio.client_for(trio.bob), closed_url("127.0.0.2")))


def test_diagnose_past_the_per_host_limit_refuses_everyone_for_that_host_only(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_HOST = "18/h"
    diagnose(trio.client_for(trio.alice), closed_url("127.0.0.2"))
    diagnose(trio.client_for(trio.charlie), closed_url("127.0.0.2"))
    bob = trio.client_for(trio.bob)

    refused = diagnose(bob, closed_url("127.0.0.2"))

    assert "for on-demand probes of 127.0.0.2, whoever asks" in refused
    assert probed(diagnose(bob, closed_url("127.0.0.3")))


def test_a_refused_diagnosis_counts_against_no_limit(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "18/h"
    limits.DIAGNOSER_LIMIT_PROBES_PER_HOST = "9/h"
    alice = trio.client_for(trio.alice)
    diagnose(alice, closed_url("127.0.0.2"))
    assert "whoever asks" in diagnose(alice, closed_url("127.0.0.2"))

    assert probed(diagnose(alice, closed_url("127.0.0.3")))  # the 2nd 9 of alice's 18


def test_htmx_gets_the_refusal_inline_in_the_region(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "9/h"
    alice = trio.client_for(trio.alice)
    diagnose(alice, closed_url("127.0.0.2"), htmx=True)

    html = diagnose(alice, closed_url("127.0.0.2"), htmx=True)

    assert html.startswith('<div id="diagnose-region">')
    assert 'role="alert"' in html
    assert "Limit reached" in html


# --- Probe now (each environment a target; "prod" here is not production: full, 13) ---


def probe_now_urls(trio: Trio, *hosts: str, environments: int = 1) -> list[str]:
    """One endpoint per host, each in a service of acme with `environments` there, probed
    `full` (13 requests each)."""
    urls = []
    for host in hosts:
        service = service_create(workspace=trio.acme, name=f"api {host}")
        for n in range(environments):
            environment_create(
                service=service,
                name=f"prod{n}",
                base_url=f"https://{host}/{n}",
                probe_policy="full",
            )
        endpoint = endpoint_create(service=service, path="/items")
        urls.append(reverse("web:endpoint_probe", args=[service.id, endpoint.id]))
    return urls


def runs_of(url: str) -> int:
    endpoint_id = int(url.rstrip("/").split("/")[-2])
    return ProbeRun.objects.filter(endpoint=Endpoint.objects.get(id=endpoint_id)).count()


def test_probe_now_past_the_per_user_limit_queues_nothing_and_says_when(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "26/10m"
    [url] = probe_now_urls(trio, "a.example")
    bob = trio.client_for(trio.bob)
    for _ in range(2):
        bob.post(url, HTTP_HX_REQUEST="true")

    refused = bob.post(url, HTTP_HX_REQUEST="true")

    assert "Limit reached: 26 requests per 10 minutes for on-demand probes by one user" in (
        refused.text
    )
    assert "Try again in " in refused.text
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert runs_of(url) == 2


def test_probe_now_charges_every_environment(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "50/10m"
    [url] = probe_now_urls(trio, "a.example", environments=3)
    bob = trio.client_for(trio.bob)
    bob.post(url, HTTP_HX_REQUEST="true")

    html = bob.post(url, HTTP_HX_REQUEST="true").text

    assert "this needs 39 and 11 are left" in html
    assert runs_of(url) == 3


def test_probe_now_without_htmx_shows_the_refusal_on_the_endpoint_page(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "13/10m"
    [url] = probe_now_urls(trio, "a.example")
    bob = trio.client_for(trio.bob)
    bob.post(url)

    page = bob.post(url, follow=True)

    assert page.redirect_chain[-1][0] == url.removesuffix("probe/")
    assert "Limit reached" in page.text


def test_probe_now_limit_of_one_user_leaves_another_user_free(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "13/10m"
    [url] = probe_now_urls(trio, "a.example")
    trio.client_for(trio.bob).post(url, HTTP_HX_REQUEST="true")

    trio.client_for(trio.alice).post(url, HTTP_HX_REQUEST="true")

    assert runs_of(url) == 2


def test_probe_now_past_the_per_host_limit_refuses_that_host_only(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_HOST = "13/10m"
    busy, quiet = probe_now_urls(trio, "a.example", "b.example")
    trio.client_for(trio.bob).post(busy, HTTP_HX_REQUEST="true")
    alice = trio.client_for(trio.alice)

    refused = alice.post(busy, HTTP_HX_REQUEST="true").text
    alice.post(quiet, HTTP_HX_REQUEST="true")

    assert "for on-demand probes of a.example, whoever asks" in refused
    assert (runs_of(busy), runs_of(quiet)) == (1, 1)


def test_diagnose_and_probe_now_share_the_per_host_budget(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_HOST = "13/10m"
    [url] = probe_now_urls(trio, "127.0.0.2")
    diagnose(trio.client_for(trio.alice), closed_url("127.0.0.2"))  # 9 of 13

    html = trio.client_for(trio.bob).post(url, HTTP_HX_REQUEST="true").text

    assert "whoever asks" in html
    assert "this needs 13 and 4 are left" in html
    assert runs_of(url) == 0


# --- Public share links ---


def public_get(token: str, view: str = "sharing:public", *, address: str = "127.0.0.1", **kw):
    return Client(REMOTE_ADDR=address).get(reverse(view, args=[token]), **kw)


def test_share_lookups_past_the_per_address_limit_get_429_with_retry_after(shared_run, limits):
    limits.DIAGNOSER_LIMIT_SHARES_PER_IP = "3/m"
    _, token = shared_run
    assert [public_get(token).status_code for _ in range(3)] == [200, 200, 200]

    refused = public_get(token, "sharing:public_export_json")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"].startswith("text/plain")
    assert "Limit reached: 3 per minute for shared-link requests from one address." in refused.text


def test_a_browser_refused_a_shared_page_gets_a_page_saying_when(shared_run, limits):
    limits.DIAGNOSER_LIMIT_SHARES_PER_IP = "1/m"
    _, token = shared_run
    public_get(token)

    refused = public_get(token, HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert "Try again in " in refused.text
    assert "<html" in refused.text


def test_guessed_tokens_use_up_the_limit_before_any_lookup(shared_run, limits):
    limits.DIAGNOSER_LIMIT_SHARES_PER_IP = "3/m"
    _, token = shared_run
    assert [public_get(f"guess-{n}").status_code for n in range(3)] == [404, 404, 404]

    assert public_get(token).status_code == 429


def test_another_address_still_opens_the_shared_page(shared_run, limits):
    limits.DIAGNOSER_LIMIT_SHARES_PER_IP = "1/m"
    _, token = shared_run
    public_get(token)
    assert public_get(token).status_code == 429

    assert public_get(token, address="192.0.2.7").status_code == 200


# --- Login ---


def log_in(username: str, password: str, *, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        reverse("web:login"), {"username": username, "password": password}
    )


def test_failed_logins_past_the_limit_lock_out_even_the_right_password(trio, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert [log_in("alice", "wrong").status_code for _ in range(2)] == [200, 200]
    assert log_in("alice", "wrong").status_code == 429

    locked = log_in("alice", PASSWORD)

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Too many failed logins" in locked.text
    assert "15 minutes" in locked.text


def test_a_lockout_leaves_other_users_and_other_addresses_free(trio, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        log_in("alice", "wrong")

    assert log_in("bob", PASSWORD).status_code == 302
    assert log_in("alice", PASSWORD, address="192.0.2.7").status_code == 302


def test_a_successful_login_forgives_earlier_failures(trio, settings):
    settings.AXES_FAILURE_LIMIT = 2
    log_in("alice", "wrong")
    assert log_in("alice", PASSWORD).status_code == 302

    assert log_in("alice", "wrong").status_code == 200


# --- What a refusal reads like ---


@pytest.mark.parametrize(
    ("rate", "text"),
    [("30/10m", "30 per 10 minutes"), ("120/m", "120 per minute"), ("5/h", "5 per hour")],
)
def test_rates_read_as_words(rate, text):
    assert rate_text(rate) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 second"), (45, "45 seconds"), (119, "119 seconds"), (121, "3 minutes"),
     (900, "15 minutes"), (7200, "2 hours")],
)  # fmt: skip
def test_waits_round_up_to_a_unit_read_at_a_glance(seconds, text):
    assert wait_text(seconds) == text


# --- Charging many requests at once ---


def test_charges_from_many_threads_never_pass_the_limit_on_redis(settings, redis_server):
    """Redis adds atomically: 12 threads each charging 13 against 40 fit exactly 3."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server,
            "KEY_PREFIX": f"limits-test-{uuid.uuid4()}",
        }
    }
    settings.DIAGNOSER_LIMIT_PROBES_PER_USER = "40/h"
    start = threading.Barrier(12)

    def charge() -> bool:
        start.wait()
        return charges_take([Charge(PROBES_PER_USER, "user:1", 13)]) is None

    with ThreadPoolExecutor(12) as pool:
        taken = list(pool.map(lambda _: charge(), range(12)))

    assert taken.count(True) == 3
    refused = charges_take([Charge(PROBES_PER_USER, "user:1", 2)])
    assert isinstance(refused, Refusal)
    assert "this needs 2 and 1 is left" in refused.message  # the refusals took nothing
    assert charges_take([Charge(PROBES_PER_USER, "user:1", 1)]) is None  # the 40th of 40
