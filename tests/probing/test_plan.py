from diagnoser.probing.model import UNSAFE_METHODS, ProbeKind, ProbePolicy
from diagnoser.probing.plan import plan_probes


def test_full_policy_plans_every_verb_then_the_preflights() -> None:
    assert [spec.name for spec in plan_probes(ProbePolicy.FULL)] == [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip


def test_safe_policy_plans_no_unsafe_verb_and_no_trace() -> None:
    assert [spec.name for spec in plan_probes(ProbePolicy.SAFE)] == [
        "GET", "HEAD", "OPTIONS", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip


def test_preflights_go_out_as_options() -> None:
    preflights = [s for s in plan_probes(ProbePolicy.SAFE) if s.kind is ProbeKind.PREFLIGHT]

    assert {s.http_method for s in preflights} == {"OPTIONS"}
    assert {s.method for s in preflights} == UNSAFE_METHODS
