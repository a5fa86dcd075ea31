"""Archive, restore and delete from the UI: a confirmation page that counts what goes,
action only on its confirmed POST (with a CSRF token), 404 for outsiders, and share
links that stop working when their run is deleted."""

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import (
    DriftCheck,
    DriftReport,
    ProbeRun,
    StoredObservation,
    Trigger,
)
from diagnoser.monitoring.services.archive import drift_check_archive
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create
from tests.web.conftest import assert_sent_to_login
from tests.web.pages_data import probed_specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio, specimens, settings) -> Service:
    """The specimen's staging and prod with /items probed once in each."""
    return probed_specimen(specimens, settings, workspace=trio.acme, paths=("/items",))


def _endpoint_url(shop: Service, action: str) -> str:
    return reverse(f"web:endpoint_{action}", args=[shop.id, shop.endpoints.get().id])


def _pages(shop: Service) -> list[tuple[str, str]]:
    """(method, url) of every archive, restore and delete page of the service."""
    environment = shop.environments.get(name="staging")
    check = drift_check_create(service=shop, name="hourly")
    pages = [("get", reverse(f"web:service_{a}", args=[shop.id])) for a in ("archive", "delete")]
    pages += [
        ("get", reverse(f"web:environment_{a}", args=[shop.id, environment.id]))
        for a in ("archive", "delete")
    ]
    pages += [("get", _endpoint_url(shop, a)) for a in ("archive", "delete")]
    pages += [
        ("get", reverse(f"web:drift_check_{a}", args=[shop.id, check.id]))
        for a in ("archive", "remove")
    ]
    pages += [("post", reverse("web:drift_check_restore", args=[shop.id, check.id]))]
    pages += [("post", reverse("web:service_restore", args=[shop.id]))]
    pages += [("post", reverse("web:environment_restore", args=[shop.id, environment.id]))]
    pages += [("post", _endpoint_url(shop, "restore"))]
    return pages


def test_an_outsider_gets_404_for_every_archive_restore_and_delete_page(trio, shop):
    charlie = trio.client_for(trio.charlie)

    answers = {url: getattr(charlie, method)(url).status_code for method, url in _pages(shop)}

    assert set(answers.values()) == {404}
    assert Endpoint.all_objects.filter(archived_at__isnull=True).count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(shop):
    for method, url in _pages(shop):
        assert_sent_to_login(getattr(Client(), method)(url))


def test_the_delete_page_counts_the_history_and_working_links_that_go(trio, shop):
    share_link_create(run=ProbeRun.objects.first(), user=trio.alice)

    page = trio.client_for(trio.bob).get(_endpoint_url(shop, "delete")).content.decode()

    assert "Delete endpoint shop /items?" in page
    assert '<td class="num">2</td><td class="muted">every probe' in page
    assert '<td class="num">1</td><td class="muted">links to those runs' in page
    assert "share links to it stop working" in page


def test_a_post_without_the_confirmation_deletes_nothing_and_says_how(trio, shop):
    response = trio.client_for(trio.alice).post(_endpoint_url(shop, "delete"))

    assert response.status_code == 400
    assert "Nothing was deleted: use the Delete button to confirm." in response.content.decode()
    assert Endpoint.objects.count() == 1


def test_a_post_without_a_csrf_token_is_refused(trio, shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trio.alice)

    response = client.post(_endpoint_url(shop, "delete"), {"confirm": "delete"})

    assert response.status_code == 403
    assert Endpoint.objects.count() == 1


def test_deleting_an_endpoint_removes_its_history_and_its_share_links_stop_working(trio, shop):
    _, token = share_link_create(run=ProbeRun.objects.first(), user=trio.alice)
    public = reverse("sharing:public", args=[token])
    assert Client().get(public).status_code == 200

    response = trio.client_for(trio.alice).post(
        _endpoint_url(shop, "delete"), {"confirm": "delete"}
    )

    assert response["Location"] == reverse("web:service", args=[shop.id])
    assert not Endpoint.all_objects.exists()
    assert not ProbeRun.objects.exists()
    assert not StoredObservation.objects.exists()
    assert not ShareLink.objects.exists()
    gone = Client().get(public)
    assert gone.status_code == 404
    assert "sharing/public_missing.html" in [t.name for t in gone.templates]


def test_archiving_an_endpoint_keeps_its_history_and_links_and_restore_brings_it_back(trio, shop):
    _, token = share_link_create(run=ProbeRun.objects.first(), user=trio.alice)
    alice = trio.client_for(trio.alice)
    service_page = reverse("web:service", args=[shop.id])
    restore = _endpoint_url(shop, "restore")

    alice.post(_endpoint_url(shop, "archive"), {"confirm": "archive"})
    archived = alice.get(service_page).content.decode()
    overview = alice.get(reverse("web:overview")).content.decode()
    link_works = Client().get(reverse("sharing:public", args=[token])).status_code

    assert ProbeRun.objects.count() == 2
    assert link_works == 200
    assert 'Endpoint <span class="mono">/items</span>' in archived
    assert "/items" not in overview
    alice.post(restore)
    assert Endpoint.objects.count() == 1


def test_an_archived_environment_leaves_the_service_page_and_is_listed_to_restore(trio, shop):
    staging = shop.environments.get(name="staging")
    alice = trio.client_for(trio.alice)

    alice.post(
        reverse("web:environment_archive", args=[shop.id, staging.id]), {"confirm": "archive"}
    )
    page = alice.get(reverse("web:service", args=[shop.id])).content.decode()

    assert list(Environment.objects.values_list("name", flat=True)) == ["prod"]
    assert "Environment <span>staging</span></th>" in page
    assert reverse("web:environment_restore", args=[shop.id, staging.id]) in page


def test_an_archived_service_is_listed_on_the_overview_and_its_page_is_gone_until_restored(
    trio, shop
):
    bob = trio.client_for(trio.bob)

    bob.post(reverse("web:service_archive", args=[shop.id]), {"confirm": "archive"})
    overview = bob.get(reverse("web:overview")).content.decode()
    while_archived = bob.get(reverse("web:service", args=[shop.id])).status_code
    bob.post(reverse("web:service_restore", args=[shop.id]))

    assert "Archived services" in overview
    assert reverse("web:service_restore", args=[shop.id]) in overview
    assert while_archived == 404
    assert bob.get(reverse("web:service", args=[shop.id])).status_code == 200
    assert Endpoint.objects.count() == 1


def test_deleting_a_service_takes_its_drift_checks_and_reports(trio, shop):
    check = drift_check_create(service=shop, name="hourly", every="1h")
    DriftReport.objects.create(drift_check=check, trigger=Trigger.MANUAL)

    page = trio.client_for(trio.alice).get(reverse("web:service_delete", args=[shop.id]))
    trio.client_for(trio.alice).post(
        reverse("web:service_delete", args=[shop.id]), {"confirm": "delete"}
    )

    assert '<th scope="row">Drift check</th><td class="num">1</td>' in page.content.decode()
    assert not Service.all_objects.exists()
    assert not DriftReport.objects.exists()


def test_deleting_a_drift_check_keeps_the_targets_history(trio, shop):
    check = drift_check_create(service=shop, name="hourly")

    trio.client_for(trio.alice).post(
        reverse("web:drift_check_remove", args=[shop.id, check.id]), {"confirm": "delete"}
    )

    assert not shop.drift_checks.exists()
    assert ProbeRun.objects.count() == 2


def test_an_archived_drift_check_leaves_the_check_list_and_is_listed_to_restore(trio, shop):
    check = drift_check_create(service=shop, name="hourly", every="1h")
    DriftReport.objects.create(drift_check=check, trigger=Trigger.MANUAL)
    alice = trio.client_for(trio.alice)
    drift_page = reverse("web:drift", args=[shop.id])
    restore = reverse("web:drift_check_restore", args=[shop.id, check.id])

    confirm = alice.get(reverse("web:drift_check_archive", args=[shop.id, check.id]))
    alice.post(reverse("web:drift_check_archive", args=[shop.id, check.id]), {"confirm": "archive"})
    archived = alice.get(drift_page).content.decode()

    assert "Archiving keeps its reports below" in confirm.content.decode()
    assert f'id="check-{check.id}"' not in archived
    assert "Drift check <span>hourly</span></th>" in archived
    assert restore in archived
    assert DriftReport.objects.filter(drift_check=check).exists()
    assert alice.post(restore)["Location"] == drift_page
    assert f'id="check-{check.id}"' in alice.get(drift_page).content.decode()


def test_an_archived_drift_check_can_be_deleted_from_the_archived_list(trio, shop):
    check = drift_check_create(service=shop, name="hourly")
    alice = trio.client_for(trio.alice)
    alice.post(reverse("web:drift_check_archive", args=[shop.id, check.id]), {"confirm": "archive"})

    alice.post(reverse("web:drift_check_remove", args=[shop.id, check.id]), {"confirm": "delete"})

    assert not DriftCheck.all_objects.exists()


def test_restoring_a_drift_check_without_a_csrf_token_is_refused(trio, shop):
    check = drift_check_create(service=shop, name="hourly")
    drift_check_archive(check=check)
    client = Client(enforce_csrf_checks=True)
    client.force_login(trio.alice)

    response = client.post(reverse("web:drift_check_restore", args=[shop.id, check.id]))

    assert response.status_code == 403
    assert not DriftCheck.objects.exists()
