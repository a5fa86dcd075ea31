from datetime import timedelta

import pytest
from django.utils import timezone

from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)
from diagnoser.monitoring.models import ProbeRun, StoredObservation
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
