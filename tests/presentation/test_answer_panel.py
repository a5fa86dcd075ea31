"""The answer panel's words: every code explained for hover, the cause linked only to a
finding the page shows."""

from diagnoser.analysis.model import Answer
from diagnoser.presentation.answer import answer_panel

PATCH_405 = Answer(
    "PATCH",
    "rejected",
    405,
    "missing_allow_on_405",
    "nginx (Server: nginx)",
    "PATCH gets 405 without Allow.",
    "Add `Allow` to the 405.",
    "curl -sS -i -X PATCH https://api.example/items/1",
)


def test_it_explains_the_status_verdict_and_rule_for_hover():
    panel = answer_panel(PATCH_405)

    assert panel.question == "Why does PATCH get 405?"
    assert panel.status_hint == "405 Method Not Allowed"
    assert panel.verdict == "rejected"
    assert panel.verdict_css == "sev-error"
    assert panel.cause_hint.startswith("Rule missing_allow_on_405: ")


def test_it_links_the_cause_only_to_a_finding_on_the_page():
    shown = answer_panel(PATCH_405, finding_rules=["missing_allow_on_405"], anchor="finding-3")
    absent = answer_panel(PATCH_405, finding_rules=["trace_enabled"])

    assert shown.cause_href == "#finding-3-missing_allow_on_405"
    assert absent.cause_href == ""


def test_a_method_not_supported_is_calm_and_a_working_method_is_ok():
    unsupported = answer_panel({**PATCH_405.__dict__, "cause": "method_not_supported"})
    works = answer_panel(
        {**PATCH_405.__dict__, "verdict": "accepted", "status": 200, "cause": None}
    )

    assert unsupported.verdict_css == "sev-todo"
    assert "says so correctly" in unsupported.cause_hint
    assert works.verdict_css == "sev-ok"


def test_the_overall_answer_says_it_is_the_most_severe_cause():
    overall = answer_panel(PATCH_405, overall=True)
    nothing = answer_panel(
        Answer(None, "ok", None, None, None, "No problem found.", "", ""), overall=True
    )

    assert overall.question == "The most severe cause: why does PATCH get 405?"
    assert nothing.question == "The answer"
    assert nothing.verdict_css == "sev-ok"


def test_a_status_rfc_9110_does_not_define_says_so():
    panel = answer_panel({**PATCH_405.__dict__, "status": 599})

    assert panel.status_hint == "599: a status code RFC 9110 does not define"
