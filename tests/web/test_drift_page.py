"""The drift page and the drift report permalink, from real probes of the specimen API."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diagnoser.celery import app as celery_app
from diagnoser.inventory.models import Service
from diagnoser.inventory.services import environment_create
from diagnoser.monitoring.beat import SlotEntry
from diagnoser.monitoring.models import DriftReport, ProbeRun, Trigger
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_targets
from diagnoser.monitoring.services.drift_reports import drift_report_finish
from diagnoser.monitoring.services.runs import run_claim, run_fail, run_record
from diagnoser.web.drift.schedule import next_run
from tests.web.conftest import assert_sent_to_login
from tests.web.pages_data import probe, probed_specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio, specimens, settings):
    """staging and prod of the specimen, probed; /items/{id} drifts (prod lacks PATCH)."""
    paths = ("/items/{id}", "/health")
    return probed_specimen(specimens, settings, workspace=trio.acme, paths=paths)


def finished_report(check) -> DriftReport:
    """A report made the way the worker makes one, minus the queue: a run per target
    probed and recorded, then compared."""
    report = DriftReport.objects.create(
        drift_check=check, trigger=Trigger.MANUAL, state=DriftReport.State.FINISHING
    )
    for endpoint, environment in drift_check_targets(check=check):
        run = ProbeRun.objects.create(
            endpoint=endpoint,
            environment=environment,
            trigger=Trigger.DRIFT_CHECK,
        )
        report.runs.add(run)
        assert run_claim(run_id=run.id, worker="test")
        run_record(run=run, report=probe(endpoint, environment))
    finished = drift_report_finish(report_id=report.id)
    assert finished is not None
    return finished


def _drift_url(service) -> str:
    return reverse("web:drift", args=[service.id])


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_owner_and_member_see_the_drift_page(trio, shop, who):
    response = trio.client_for(getattr(trio, who)).get(_drift_url(shop))

    assert response.status_code == 200
    assert "Drift between the environments of shop" in response.text


def test_an_outsider_gets_404(trio, shop):
    assert trio.client_for(trio.charlie).get(_drift_url(shop)).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, shop):
    response = client.get(_drift_url(shop))

    assert_sent_to_login(response)


def test_environments_stand_side_by_side_with_the_difference_highlighted(trio, shop):
    html = trio.client_for(trio.alice).get(_drift_url(shop)).text

    items = html[html.index("<code>/items/{id}</code>") : html.index("Drift checks</h2>")]
    assert "env_allow_drift" in items
    assert items.count('<td class="drift">') == 2
    assert re.search(r'class="chip differs"[^>]*>PATCH<', items)  # staging accepts it
    assert re.search(
        r'class="chip refused v-rejected differs"[^>]*>PATCH 405<', items
    )  # prod refuses
    assert "Allow: " in items
    assert "AC-Allow-Methods: " in items
    assert "1 of 2 endpoints drift" in html


def test_an_endpoint_without_drift_is_not_highlighted(trio, shop):
    html = trio.client_for(trio.alice).get(_drift_url(shop)).text

    health = html[html.index("<code>/health</code>") : html.index("<code>/items/{id}</code>")]
    assert 'class="drift"' not in health
    assert "env_allow_drift" not in health


def test_an_environment_not_yet_probed_says_so(trio, shop):
    environment_create(service=shop, name="qa", base_url="https://qa.shop.test")

    html = trio.client_for(trio.bob).get(_drift_url(shop)).text

    assert "not probed yet" in html


def test_drift_checks_are_listed_with_last_report_and_next_run(trio, shop):
    check = drift_check_create(service=shop, name="hourly", every="1h")
    finished_report(check)

    html = trio.client_for(trio.bob).get(_drift_url(shop)).text

    row = html[html.index('id="check-') :]
    assert "hourly" in row
    assert "every 1h" in row
    assert "drift present" in row
    assert re.search(r"in (\d+ min|1\.0 h)", row)
    assert "start of the next 1h slot" in row  # how the next run was computed, on hover


def _five_minute_task(*, last_run_at):
    check = drift_check_create(service=Service.objects.get(), name="often", every="5m")
    task = check.periodic_task
    assert task is not None
    task.last_run_at = last_run_at
    return task


@pytest.mark.parametrize(
    ("last_run", "now", "expected"),
    [
        ("08:10:00.4", "08:12:30", "08:15:00"),  # not an interval after 08:10:00.4
        ("08:10:00.4", "08:15:00.2", "08:15:00"),  # beat is starting it now
        ("08:03:41", "08:04:59", "08:05:00"),
    ],
)
def test_the_next_run_of_an_interval_check_is_the_slot_beat_runs_it_in(
    shop, last_run, now, expected
):
    def at(clock: str) -> datetime:
        return datetime.fromisoformat(f"2026-12-04T{clock}+00:00")

    task = _five_minute_task(last_run_at=at(last_run))

    shown = next_run(task=task, now=at(now))

    assert shown.at == at(expected)


@pytest.mark.parametrize("ran_ago", [timedelta(0), timedelta(minutes=10)])
def test_the_page_and_beat_agree_on_when_an_interval_check_runs(shop, ran_ago):
    now = timezone.now()
    task = _five_minute_task(last_run_at=now - ran_ago)

    shown = next_run(task=task, now=now)
    due, remaining = SlotEntry(task, app=celery_app).is_due()

    assert (shown.text == "due now") == due
    if not due:
        assert shown.at is not None
        assert abs((shown.at - now).total_seconds() - remaining) < 2


def test_a_check_without_a_schedule_runs_by_hand(trio, shop):
    drift_check_create(service=shop, name="release-gate")

    html = trio.client_for(trio.alice).get(_drift_url(shop)).text

    assert "by hand only" in html
    assert "never run" in html


def test_the_report_permalink_lists_the_runs_it_compared(trio, shop):
    report = finished_report(drift_check_create(service=shop, name="hourly", every="1h"))

    html = trio.client_for(trio.bob).get(reverse("web:drift_report", args=[report.id])).text

    compared = html[html.index("Runs compared") :]
    for run in report.runs.all():
        assert f'href="{reverse("web:run", args=[run.id])}"' in compared
    assert compared.count("drift_check</td>") == 4  # 2 endpoints x 2 environments


def test_the_report_permalink_shows_the_frozen_findings(trio, shop):
    report = finished_report(drift_check_create(service=shop, name="nightly", crontab="0 3 * * *"))

    response = trio.client_for(trio.bob).get(reverse("web:drift_report", args=[report.id]))

    assert response.status_code == 200
    assert "drift present" in response.text
    assert "<code>/items/{id}</code>" in response.text
    assert "env_allow_drift" in response.text
    assert "first report: nothing to compare with" in response.text


def test_a_second_report_shows_what_regressed(trio, shop, specimens):
    check = drift_check_create(service=shop, name="nightly")
    first = finished_report(check)
    specimens.apps["prod"].env = "staging"  # prod starts accepting PATCH
    try:
        second = finished_report(check)
    finally:
        specimens.reset()

    html = trio.client_for(trio.alice).get(reverse("web:drift_report", args=[second.id])).text

    assert f"report {first.id}" in html
    assert "method_regression" in html
    assert "None: every environment compared accepts the same methods." in html


def test_the_report_permalink_is_404_for_an_outsider(trio, shop):
    report = finished_report(drift_check_create(service=shop, name="nightly"))

    response = trio.client_for(trio.charlie).get(reverse("web:drift_report", args=[report.id]))

    assert response.status_code == 404


def test_the_report_permalink_needs_a_login(client, shop):
    report = finished_report(drift_check_create(service=shop, name="nightly"))

    response = client.get(reverse("web:drift_report", args=[report.id]))

    assert response.status_code == 302


def test_breadcrumbs_separate_with_the_same_chevron_as_the_other_pages(trio, shop):
    html = trio.client_for(trio.alice).get(_drift_url(shop)).content.decode()

    crumbs = html.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert crumbs.count('<span class="sep" aria-hidden="true">\u203a</span>') == 2
    assert ">/<" not in crumbs


def test_a_target_that_could_not_be_probed_says_why_in_words_with_the_raw_text_behind(trio, shop):
    check = drift_check_create(service=shop, name="nightly", crontab="0 3 * * *")
    report = DriftReport.objects.create(
        drift_check=check, trigger=Trigger.MANUAL, state=DriftReport.State.FINISHING
    )
    endpoint, environment = drift_check_targets(check=check)[0]
    run = ProbeRun.objects.create(
        endpoint=endpoint, environment=environment, trigger=Trigger.DRIFT_CHECK
    )
    report.runs.add(run)
    raw = "broker unavailable: Error 111 connecting to 127.0.0.1:6379. Connection refused."
    run_fail(run_id=run.id, reason=raw)
    drift_report_finish(report_id=report.id)

    html = trio.client_for(trio.bob).get(reverse("web:drift_report", args=[report.id])).text

    assert "the task broker at 127.0.0.1:6379 did not take the run — is Redis running?" in html
    assert f"<summary>Details</summary><code>{raw}</code>" in html
