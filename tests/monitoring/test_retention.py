from datetime import timedelta

import pytest
from django.utils import timezone

from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)
from diagnoser.monitoring.models import AlertDelivery, ProbeRun, StoredObservation
from diagnoser.monitoring.services.alert_channels import alert_channel_create
from diagnoser.monitoring.services.retention import history_prune

pytestmark = pytest.mark.django_db


def _observation(endpoint, environment, *, age_days: int) -> StoredObservation:
    observation = StoredObservation.objects.create(
        endpoint=endpoint,
        environment=environment,
        content_hash=str(age_days),
        observations=[],
        matrix={"cells": [], "allow": None, "allow_methods": None},
        url="http://x",
        policy="full",
    )
    when = timezone.now() - timedelta(days=age_days)
    StoredObservation.objects.filter(id=observation.id).update(created_at=when)
    run = ProbeRun.objects.create(
        endpoint=endpoint,
        environment=environment,
        trigger="manual",
        state="done",
        observation=observation,
    )
    ProbeRun.objects.filter(id=run.id).update(queued_at=when, finished_at=when)
    return observation


def test_it_prunes_old_runs_and_their_observations_but_keeps_each_targets_latest():
    service = service_create(workspace=workspace_create(name="w"), name="s")
    environment = environment_create(service=service, name="e", base_url="http://a.example")
    endpoint = endpoint_create(service=service, path="/x")
    old = _observation(endpoint, environment, age_days=200)
    older_latest = _observation(endpoint, environment, age_days=150)
    recent = _observation(endpoint, environment, age_days=1)
    other = endpoint_create(service=service, path="/y")
    only = _observation(other, environment, age_days=300)

    pruned = history_prune(days=90)

    assert pruned.runs == 3
    assert pruned.observations == 2
    remaining = set(StoredObservation.objects.values_list("id", flat=True))
    assert remaining == {recent.id, only.id}
    assert old.id not in remaining
    assert older_latest.id not in remaining


def test_it_prunes_old_finished_alert_deliveries_but_not_a_pending_retry():
    service = service_create(workspace=workspace_create(name="w"), name="s")
    channel = alert_channel_create(
        service=service, name="chat", url="slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazk", events=[]
    )
    for key, state, age_days in [
        ("old", "sent", 100),
        ("retry", "pending", 100),
        ("new", "sent", 1),
    ]:
        delivery = AlertDelivery.objects.create(
            channel=channel, event_key=key, event="drift", title="t", body="b", state=state
        )
        when = timezone.now() - timedelta(days=age_days)
        AlertDelivery.objects.filter(id=delivery.id).update(created_at=when)

    history_prune(days=90)

    assert sorted(AlertDelivery.objects.values_list("event_key", flat=True)) == ["new", "retry"]
