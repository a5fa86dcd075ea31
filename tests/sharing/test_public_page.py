"""The shared page: no login, not indexable, no referrer, 404 alike for every dead token."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create, share_link_revoke
from tests.sharing.conftest import anonymous

pytestmark = pytest.mark.django_db

PUBLIC_VIEWS = ["sharing:public", "sharing:public_export_md", "sharing:public_export_json"]


def _public(token: str, view: str = "sharing:public"):
    return anonymous().get(reverse(view, args=[token]))


def test_the_page_opens_in_a_fresh_browser_without_login(shared_run):
    _, token = shared_run

    response = _public(token)

    assert response.status_code == 200
    page = response.content.decode()
    assert "leaky <code>/items</code> in prod" in page
    assert "Shared snapshot of" in page
    assert "expires" in page


@pytest.mark.parametrize("view", PUBLIC_VIEWS)
def test_every_public_answer_keeps_out_of_referrers_indexes_and_caches(shared_run, view):
    _, token = shared_run

    response = _public(token, view)

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"


def test_the_page_asks_robots_not_to_index_it(shared_run):
    _, token = shared_run

    assert b'<meta name="robots" content="noindex,nofollow">' in _public(token).content


def test_the_page_shows_no_workspace_navigation(shared_run):
    _, token = shared_run

    page = _public(token).content.decode()

    assert "Overview" not in page
    assert "Log out" not in page
    assert 'href="/static/css/app.css"' in page


def test_the_snapshot_explains_its_colours_with_the_verdict_legend(shared_run):
    _, token = shared_run

    page = _public(token).content.decode()

    assert '<span class="key v-rejected"></span> rejected' in page
    assert "made-up verb, answered as it should be" in page


def test_the_page_shows_status_codes_as_text_findings_and_curl_lines(shared_run):
    link, token = shared_run

    page = _public(token).content.decode()

    assert (
        '<span class="status v-rejected" title="405 Method Not Allowed: rejected">405</span>'
        in page
    )
    for finding in link.snapshot["findings"]:
        assert finding["rule"] in page
    assert "curl -sS -i -X GET" in page


def test_a_revoked_link_answers_404(shared_run, trio):
    link, token = shared_run
    share_link_revoke(link=link, user=trio.alice)

    for view in PUBLIC_VIEWS:
        assert _public(token, view).status_code == 404


def test_an_expired_link_answers_404(shared_run):
    link, token = shared_run
    ShareLink.objects.filter(id=link.id).update(expires_at=timezone.now() - timedelta(minutes=1))

    for view in PUBLIC_VIEWS:
        assert _public(token, view).status_code == 404


def test_a_wrong_token_gets_the_same_page_as_a_revoked_one(run, trio):
    revoked, token = share_link_create(run=run, user=trio.alice)
    share_link_revoke(link=revoked, user=trio.alice)
    expired, old_token = share_link_create(run=run, user=trio.alice)
    ShareLink.objects.filter(id=expired.id).update(expires_at=expired.created_at)

    wrong = _public("x" * 43)
    dead = _public(token)
    old = _public(old_token)

    assert wrong.status_code == dead.status_code == old.status_code == 404
    assert wrong.content == dead.content == old.content
    assert wrong["X-Robots-Tag"] == "noindex, nofollow"


def test_the_page_keeps_showing_the_snapshot_after_newer_runs(shared_run, api, record):
    _, token = shared_run
    before = _public(token).content
    api.prod.base_url = api.staging.base_url  # prod gains PATCH
    api.prod.save()

    assert record(api.prod).changed

    assert _public(token).content == before


def test_a_shared_drift_report_shows_the_drift(report, trio):
    _, token = share_link_create(report=report, user=trio.bob)

    page = _public(token).content.decode()

    assert "Drift report" in page
    assert "env_allow_drift" in page
    assert "PATCH" in page


def test_the_page_answers_head_like_get_and_refuses_post_with_allow(shared_run):
    _, token = shared_run
    url = reverse("sharing:public", args=[token])

    head = anonymous().head(url)
    post = anonymous().post(url)

    assert head.status_code == 200
    assert head["Referrer-Policy"] == "no-referrer"
    assert post.status_code == 405
    assert post["Allow"] == "GET, HEAD"
