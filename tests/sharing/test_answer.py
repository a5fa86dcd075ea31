"""A shared snapshot and its exports lead with the answer the run's observations give,
like the CLI's JSON; a snapshot frozen before answers existed still opens."""

import json

import pytest
from django.urls import reverse

from diagnoser.sharing.markdown import run_markdown
from diagnoser.sharing.present import run_view
from diagnoser.sharing.services import share_link_create
from tests.sharing.conftest import anonymous

pytestmark = pytest.mark.django_db

ANSWER_KEYS = {"method", "verdict", "status", "cause", "layer", "sentence", "fix", "reproduce"}


def test_the_json_export_has_the_stored_runs_answer(run, trio):
    response = trio.client_for(trio.alice).get(reverse("sharing:run_export_json", args=[run.id]))

    answer = json.loads(response.content)["answer"]
    assert set(answer) == ANSWER_KEYS
    # prod declares an origin and has no CORS at all: one error, the headline.
    assert answer["cause"] == "cors_not_enabled"
    assert answer["verdict"] != "unknown"
    assert answer["reproduce"].startswith("curl ")


def test_the_shared_page_leads_with_the_answer_linked_to_its_finding(shared_run):
    link, token = shared_run

    page = anonymous().get(reverse("sharing:public", args=[token])).content.decode()

    answer = link.snapshot["answer"]
    assert page.index('<section class="answer"') < page.index("<h2>Methods</h2>")
    assert f'<a href="#finding-{answer["cause"]}">' in page
    assert f'id="finding-{answer["cause"]}"' in page


def test_the_markdown_export_leads_with_the_answer(shared_run):
    _, token = shared_run

    text = anonymous().get(reverse("sharing:public_export_md", args=[token])).content.decode()

    assert text.index("**Cause:** cors\\_not\\_enabled") < text.index("## Methods")
    assert "- **Answered by:**" in text
    assert "```sh\ncurl " in text


def test_a_snapshot_frozen_before_answers_opens_without_one(shared_run):
    link, _ = shared_run
    old = {k: v for k, v in link.snapshot.items() if k not in ("answer", "notes")}

    view = run_view(old)

    assert view.answer is None
    assert view.notes == []
    assert "## Methods" in run_markdown(view)


def test_a_probe_side_effect_is_a_caution_in_the_snapshot_never_counted(api, record, trio):
    staging = record(api.staging)  # staging performs our guarded PATCH: 200
    link, token = share_link_create(run=staging, user=trio.alice)

    page = anonymous().get(reverse("sharing:public", args=[token])).content.decode()
    text = anonymous().get(reverse("sharing:public_export_md", args=[token])).content.decode()

    assert [n["rule"] for n in link.snapshot["notes"]] == ["precondition_ignored"]
    assert all(f["rule"] != "precondition_ignored" for f in link.snapshot["findings"])
    assert sum(link.snapshot["summary"].values()) == len(link.snapshot["findings"])
    caution = page[page.index('class="caution"') : page.index("<h2>Methods</h2>")]
    assert "precondition_ignored" in caution
    assert "precondition_ignored" not in page[page.index("<h2>Findings</h2>") :]
    assert "**Caution about our probes:**" in text


def test_server_text_in_the_answer_is_escaped_on_the_page_and_in_markdown(shared_run):
    link, token = shared_run

    page = anonymous().get(reverse("sharing:public", args=[token])).content.decode()
    text = anonymous().get(reverse("sharing:public_export_md", args=[token])).content.decode()

    assert "<script>" in link.snapshot["answer"]["layer"]  # the hostile Server header
    panel = page[page.index('<section class="answer"') : page.index("<h2>Methods</h2>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert "<script>" not in panel
    answered_by = next(line for line in text.splitlines() if "**Answered by:**" in line)
    assert "&lt;script&gt;" in answered_by
    assert "[click](" not in answered_by
