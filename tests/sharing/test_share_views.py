"""Members make, list and revoke links; outsiders get 404, anonymous visitors the login."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from diagnoser.monitoring.services.runs import run_request
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create
from tests.sharing.conftest import anonymous
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _run_share(run):
    return reverse("sharing:run_share", args=[run.id])


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_create_a_run_link_and_see_its_url_once(run, trio, who):
    client = trio.client_for(getattr(trio, who))

    response = client.post(_run_share(run), {"expires_in": 7})

    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert link.created_by == getattr(trio, who)
    assert link.run == run
    assert b"http://testserver/s/" in response.content
    assert response["Cache-Control"] == "private, no-store"
    assert b"<html" in response.content  # the no-JS page, in the layout


def test_an_htmx_request_gets_the_panel_alone(run, trio):
    response = trio.client_for(trio.alice).post(_run_share(run), {"expires_in": 1}, **HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'class="share-panel"' in response.content
    assert b"Revoke" in response.content
    assert "HX-Request" in response["Vary"]


def test_the_share_form_offers_the_three_lifetimes(run, trio):
    response = trio.client_for(trio.bob).get(_run_share(run))

    assert response.status_code == 200
    for label in (b"1 day", b"7 days", b"30 days"):
        assert label in response.content
    assert not ShareLink.objects.exists()


def test_an_outsider_gets_404_for_sharing_a_run(run, trio):
    client = trio.client_for(trio.charlie)

    assert client.get(_run_share(run)).status_code == 404
    assert client.post(_run_share(run), {"expires_in": 7}).status_code == 404
    assert not ShareLink.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in_before_sharing(run):
    response = anonymous().post(_run_share(run), {"expires_in": 7})

    assert_sent_to_login(response)
    assert not ShareLink.objects.exists()


def test_a_run_still_queued_answers_the_form_with_what_to_do(api, trio):
    queued = run_request(endpoint=api.endpoint, environment=api.prod)

    response = trio.client_for(trio.alice).post(_run_share(queued), {"expires_in": 7})

    assert response.status_code == 409
    assert b"has no result to share" in response.content
    assert not ShareLink.objects.exists()


def test_an_unknown_lifetime_is_refused(run, trio):
    response = trio.client_for(trio.alice).post(_run_share(run), {"expires_in": 365})

    assert response.status_code == 400
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_share_a_drift_report(report, trio, who):
    url = reverse("sharing:drift_report_share", args=[report.id])

    response = trio.client_for(getattr(trio, who)).post(url, {"expires_in": 30}, **HTMX)

    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert link.kind == ShareLink.Kind.DRIFT_REPORT
    assert link.drift_report == report


def test_an_outsider_gets_404_for_sharing_a_drift_report(report, trio):
    url = reverse("sharing:drift_report_share", args=[report.id])

    assert trio.client_for(trio.charlie).post(url, {"expires_in": 7}).status_code == 404
    assert anonymous().post(url, {"expires_in": 7}).status_code == 302


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_list_the_workspaces_active_links(shared_run, trio, who):
    link, token = shared_run

    response = trio.client_for(getattr(trio, who)).get(reverse("sharing:list"))

    assert response.status_code == 200
    assert link.title.encode() in response.content
    assert token.encode() not in response.content


def _section(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_revoked_and_expired_links_are_listed_apart_from_active_ones(run, trio):
    active, _ = share_link_create(run=run, user=trio.alice)
    revoked, _ = share_link_create(run=run, user=trio.alice)
    ShareLink.objects.filter(id=revoked.id).update(revoked_at=revoked.created_at)
    expired, _ = share_link_create(run=run, user=trio.alice)
    ShareLink.objects.filter(id=expired.id).update(expires_at=expired.created_at)

    html = trio.client_for(trio.alice).get(reverse("sharing:list")).text

    working = _section(html, "shares-active")
    ended = _section(html, "shares-ended")
    assert f"share-row-{active.id}" in working
    assert f"share-row-{revoked.id}" not in working
    assert f"share-row-{expired.id}" not in working
    revoked_row = ended[ended.index(f"share-row-{revoked.id}") :].split("</tr>")[0]
    expired_row = ended[ended.index(f"share-row-{expired.id}") :].split("</tr>")[0]
    for link, row in ((revoked, revoked_row), (expired, expired_row)):
        assert "sev-ok" not in row  # not green
        assert " left" not in row  # no time left on a link that no longer works
        assert reverse("sharing:revoke", args=[link.id]) not in row
    assert ">revoked<" in revoked_row
    assert ">expired<" in expired_row


def test_with_only_ended_links_the_list_says_none_is_active(run, trio):
    revoked, _ = share_link_create(run=run, user=trio.alice)
    ShareLink.objects.filter(id=revoked.id).update(revoked_at=revoked.created_at)

    html = trio.client_for(trio.alice).get(reverse("sharing:list")).text

    assert "No active links" in html
    assert f"share-row-{revoked.id}" in _section(html, "shares-ended")


def test_revoke_asks_first_without_javascript(shared_run, trio):
    link, _ = shared_run

    html = trio.client_for(trio.alice).get(reverse("sharing:list")).text

    row = html[html.index(f"share-row-{link.id}") :].split("</tr>")[0]
    # The button that revokes sits inside a closed disclosure: opening it is the question.
    disclosure = row[row.index('<details class="revoke">') : row.index("</details>")]
    assert "<summary" in disclosure
    assert f'action="{reverse("sharing:revoke", args=[link.id])}"' in disclosure
    assert "not found" in disclosure
    assert "hx-confirm" not in row  # a CSP-proof question, not a script dialog


def test_an_outsider_sees_none_of_another_workspaces_links(shared_run, trio):
    link, _ = shared_run

    response = trio.client_for(trio.charlie).get(reverse("sharing:list"))

    assert response.status_code == 200
    assert link.title.encode() not in response.content


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_list():
    response = anonymous().get(reverse("sharing:list"))

    assert_sent_to_login(response)


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_revoke_a_link_and_return_to_the_list(shared_run, trio, who):
    link, _ = shared_run

    response = trio.client_for(getattr(trio, who)).post(
        reverse("sharing:revoke", args=[link.id]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("sharing:list")
    assert "Revoked the link" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.revoked_by == getattr(trio, who)


def test_revoking_from_the_panel_answers_the_revoked_panel(shared_run, trio):
    link, _ = shared_run

    response = trio.client_for(trio.alice).post(
        reverse("sharing:revoke", args=[link.id]), {"then": "panel"}, **HTMX
    )

    assert response.status_code == 200
    assert f'id="share-panel-{link.id}"'.encode() in response.content
    assert b"revoked" in response.content


def test_revoking_from_the_list_answers_the_revoked_row(shared_run, trio):
    link, _ = shared_run

    response = trio.client_for(trio.bob).post(
        reverse("sharing:revoke", args=[link.id]), {"then": "row"}, **HTMX
    )

    assert response.content.decode().startswith(f'<tr id="share-row-{link.id}">')
    assert b"revoked" in response.content


def test_an_outsider_gets_404_for_revoking(shared_run, trio):
    link, _ = shared_run

    response = trio.client_for(trio.charlie).post(reverse("sharing:revoke", args=[link.id]))

    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_anonymous_visitor_is_sent_to_log_in_before_revoking(shared_run):
    link, _ = shared_run

    response = anonymous().post(reverse("sharing:revoke", args=[link.id]))

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_htmx_request_for_the_form_gets_the_form_alone(report, trio):
    url = reverse("sharing:drift_report_share", args=[report.id])

    response = trio.client_for(trio.alice).get(url, **HTMX)

    assert response.status_code == 200
    assert response.content.decode().startswith('<form class="share-form"')
    assert f'hx-post="{url}"'.encode() in response.content


def test_the_action_buttons_for_other_pages_link_share_and_exports(run, report):
    run_buttons = render_to_string("sharing/_run_actions.html", {"run": run})
    report_buttons = render_to_string("sharing/_drift_report_actions.html", {"report": report})

    for name in ("run_share", "run_export_md", "run_export_json"):
        assert reverse(f"sharing:{name}", args=[run.id]) in run_buttons
    for name in ("drift_report_share", "drift_report_export_md", "drift_report_export_json"):
        assert reverse(f"sharing:{name}", args=[report.id]) in report_buttons


def test_the_list_links_each_snapshot_to_the_page_members_see(run, report, trio):
    share_link_create(run=run, user=trio.alice)
    share_link_create(report=report, user=trio.alice)

    page = trio.client_for(trio.bob).get(reverse("sharing:list")).content.decode()

    assert f'href="{reverse("web:run", args=[run.id])}"' in page
    assert f'href="{reverse("web:drift_report", args=[report.id])}"' in page
