"""Probe now: queue runs for every environment, follow their progress, swap in the
new matrix; a broker that is down is reported, not a crash."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diagnoser.monitoring.models import ProbeRun
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK, broker_down, wait_for


@pytest.fixture
def shop(trio, specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    return specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",))


def _urls(service):
    endpoint = service.endpoints.get()
    args = [service.id, endpoint.id]
    return (
        reverse("web:endpoint_probe", args=args),
        reverse("web:endpoint_progress", args=args),
        reverse("web:endpoint", args=args),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_probe_now_queues_runs_a_worker_finishes_and_progress_then_refreshes_the_matrix(trio, shop):
    probe_url, _, page_url = _urls(shop)
    client = trio.client_for(trio.bob)

    started = client.post(probe_url, HTTP_HX_REQUEST="true")

    assert started.status_code == 200
    html = started.content.decode()
    assert 'hx-trigger="every 1s"' in html
    poll = html.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert ProbeRun.objects.filter(endpoint__service=shop).count() == 2
    wait_for(
        lambda: not ProbeRun.objects.exclude(state__in=["done", "failed"]).exists(),
        what="both runs",
    )
    done = client.get(poll, HTTP_HX_REQUEST="true")
    assert done["HX-Trigger"] == "matrix-refresh"
    assert "the matrix below is up to date" in done.content.decode()
    assert "every 1s" not in done.content.decode()
    fresh = client.get(page_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="status v-rejected"' in fresh  # prod's PATCH


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_is_reported_with_what_to_do(trio, shop):
    probe_url, _, _ = _urls(shop)
    client = trio.client_for(trio.alice)

    with broker_down():
        response = client.post(probe_url, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Could not queue the probes" in html
    assert "CELERY_BROKER_URL" in html
    assert set(ProbeRun.objects.values_list("state", flat=True)) == {"failed"}


@pytest.mark.django_db(transaction=True)
def test_without_javascript_a_broker_that_is_down_is_a_message_on_the_page(trio, shop):
    probe_url, _, page_url = _urls(shop)

    with broker_down():
        response = trio.client_for(trio.alice).post(probe_url, follow=True)

    assert response.redirect_chain == [(page_url, 302)]
    assert b"msg-error" in response.content
    assert b"Could not queue the probes" in response.content


@pytest.mark.django_db
def test_without_javascript_probe_now_redirects_back_to_the_page(trio, shop):
    probe_url, _, page_url = _urls(shop)

    response = trio.client_for(trio.alice).post(probe_url, follow=True)

    assert response.redirect_chain == [(page_url, 302)]
    assert b"Queued 2 probe runs" in response.content


@pytest.mark.django_db
def test_progress_keeps_polling_while_runs_are_queued(trio, shop):
    probe_url, progress_url, _ = _urls(shop)
    client = trio.client_for(trio.alice)
    client.post(probe_url)
    ids = ProbeRun.objects.values_list("id", flat=True)

    response = client.get(progress_url + "?" + "&".join(f"run={i}" for i in ids))

    html = response.content.decode()
    assert "Probing: 0 of 2 finished" in html
    assert 'hx-trigger="every 1s"' in html
    assert "HX-Trigger" not in response


@pytest.mark.django_db
def test_progress_says_to_start_a_worker_when_runs_wait_too_long(trio, shop):
    probe_url, progress_url, _ = _urls(shop)
    client = trio.client_for(trio.alice)
    client.post(probe_url)
    ProbeRun.objects.update(queued_at=timezone.now() - timedelta(seconds=60))
    ids = ProbeRun.objects.values_list("id", flat=True)

    html = client.get(progress_url + "?" + "&".join(f"run={i}" for i in ids)).content.decode()

    assert "is a worker running?" in html


@pytest.mark.django_db
def test_progress_ignores_runs_of_other_endpoints(trio, shop, specimens):
    other = specimen_service(specimens, workspace=trio.globex, paths=("/health",), name="other")
    trio.client_for(trio.charlie).post(_urls(other)[0])
    foreign = ProbeRun.objects.filter(endpoint__service=other).values_list("id", flat=True)
    _, progress_url, _ = _urls(shop)

    html = (
        trio.client_for(trio.alice)
        .get(progress_url + "?" + "&".join(f"run={i}" for i in foreign))
        .content.decode()
    )

    assert "staging" not in html
    assert "prod" not in html


@pytest.mark.django_db
def test_an_outsider_can_neither_probe_nor_read_progress(trio, shop):
    probe_url, progress_url, _ = _urls(shop)
    client = trio.client_for(trio.charlie)

    assert client.post(probe_url).status_code == 404
    assert client.get(progress_url).status_code == 404
    assert not ProbeRun.objects.exists()


@pytest.mark.django_db
def test_the_owner_and_a_member_can_read_progress(trio, shop):
    _, progress_url, _ = _urls(shop)
    for user in (trio.alice, trio.bob):
        assert trio.client_for(user).get(progress_url).status_code == 200


@pytest.mark.django_db
def test_probe_now_takes_a_post(trio, shop):
    probe_url, _, _ = _urls(shop)

    assert trio.client_for(trio.alice).get(probe_url).status_code == 405


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(shop):
    probe_url, progress_url, _ = _urls(shop)
    client = Client()

    assert client.post(probe_url)["Location"].startswith(reverse("web:login"))
    assert client.get(progress_url)["Location"].startswith(reverse("web:login"))
    assert not ProbeRun.objects.exists()
