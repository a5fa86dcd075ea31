"""Making and revoking links: the token, its hash, the frozen snapshot, expiry."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from diagnoser.monitoring.models import ProbeRun
from diagnoser.monitoring.services.runs import run_request
from diagnoser.sharing.models import Expiry, ShareLink
from diagnoser.sharing.selectors import share_link_resolve
from diagnoser.sharing.services import share_link_create, share_link_revoke

pytestmark = pytest.mark.django_db


def test_the_token_is_43_or_more_url_safe_characters(shared_run):
    _, token = shared_run

    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)


def test_only_the_tokens_sha256_is_stored(shared_run):
    link, token = shared_run

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sharing_sharelink WHERE id = %s", [link.id])
        row = cursor.fetchone()

    assert hashlib.sha256(token.encode()).hexdigest() in row
    assert not any(token in str(value) for value in row)


def test_a_link_expires_after_seven_days_by_default(shared_run):
    link, _ = shared_run

    assert link.expires_at - link.created_at == timedelta(days=7)


def test_a_link_may_expire_after_one_or_thirty_days(run, trio):
    day, _ = share_link_create(run=run, user=trio.alice, expires_in=Expiry.DAY)
    month, _ = share_link_create(run=run, user=trio.alice, expires_in=Expiry.MONTH)

    assert day.expires_at - day.created_at == timedelta(days=1)
    assert month.expires_at - month.created_at == timedelta(days=30)


def test_other_lifetimes_are_refused(run, trio):
    with pytest.raises(ValidationError):
        share_link_create(run=run, user=trio.alice, expires_in=3)  # type: ignore[arg-type]


def test_a_run_without_a_result_cannot_be_shared(api, trio):
    queued = run_request(endpoint=api.endpoint, environment=api.prod)

    with pytest.raises(ValidationError, match="has no result to share"):
        share_link_create(run=queued, user=trio.alice)


def test_the_token_resolves_to_its_link_until_revoked(shared_run, trio):
    link, token = shared_run
    assert share_link_resolve(token=token) == link

    share_link_revoke(link=link, user=trio.bob)

    assert share_link_resolve(token=token) is None


def test_revoking_twice_keeps_the_first_revocation(shared_run, trio):
    link, _ = shared_run
    first = share_link_revoke(link=link, user=trio.bob).revoked_at

    again = share_link_revoke(link=link, user=trio.alice)

    assert again.revoked_at == first
    assert again.revoked_by == trio.bob


def test_an_expired_link_does_not_resolve(shared_run):
    link, token = shared_run
    ShareLink.objects.filter(id=link.id).update(expires_at=link.created_at - timedelta(seconds=1))

    assert share_link_resolve(token=token) is None


def test_the_snapshot_does_not_change_when_new_runs_are_stored(shared_run, api, record):
    link, _ = shared_run
    before = ShareLink.objects.get(id=link.id).snapshot
    api.prod.base_url = api.staging.base_url  # prod now answers like staging: PATCH works
    api.prod.save()

    newer = record(api.prod)

    assert newer.changed
    assert ProbeRun.objects.filter(endpoint=api.endpoint, environment=api.prod).count() == 2
    assert ShareLink.objects.get(id=link.id).snapshot == before


def test_pruning_the_shared_run_keeps_the_link_working(shared_run):
    link, token = shared_run

    ProbeRun.objects.filter(id=link.run_id).delete()

    resolved = share_link_resolve(token=token)
    assert resolved is not None
    assert resolved.run_id is None
    assert resolved.snapshot == link.snapshot
