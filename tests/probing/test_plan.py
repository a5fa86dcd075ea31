import re
import uuid

import pytest

from diagnoser.probing.model import UNSAFE_METHODS, ProbeKind, ProbePolicy, Target
from diagnoser.probing.plan import (
    describe_policy,
    phantom_url,
    phantom_value,
    plan_for,
    plan_probes,
    send_method_risk,
)


def test_full_policy_plans_every_verb_then_the_preflights() -> None:
    assert [spec.name for spec in plan_probes(ProbePolicy.FULL)] == [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip


def test_safe_policy_plans_no_unsafe_verb_and_trace_which_rfc_9110_calls_safe() -> None:
    assert [spec.name for spec in plan_probes(ProbePolicy.SAFE)] == [
        "GET", "HEAD", "OPTIONS", "TRACE", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip


def test_preflights_go_out_as_options() -> None:
    preflights = [s for s in plan_probes(ProbePolicy.SAFE) if s.kind is ProbeKind.PREFLIGHT]

    assert {s.http_method for s in preflights} == {"OPTIONS"}
    assert {s.method for s in preflights} == UNSAFE_METHODS


TEMPLATE = "https://api.example/items/{id}"


def _safe(url: str, template: str | None = None, **samples: str) -> Target:
    return Target(
        url=url, policy=ProbePolicy.SAFE, template=template, samples=tuple(samples.items())
    )


def test_strict_policy_plans_what_safe_planned_before_phantoms() -> None:
    assert [spec.name for spec in plan_probes(ProbePolicy.STRICT, phantom=True)] == [
        "GET", "HEAD", "OPTIONS", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip


def test_safe_policy_on_a_template_adds_patch_delete_get_and_the_made_up_verb_on_a_phantom() -> (
    None
):
    target = _safe("https://api.example/items/1", TEMPLATE, id="1")

    phantoms = [s for s in plan_for(target) if s.kind is ProbeKind.PHANTOM]

    assert [s.name for s in phantoms] == [
        "phantom:GET", "phantom:PATCH", "phantom:DELETE", "phantom:XDIAGNOSE",
    ]  # fmt: skip
    assert [s.http_method for s in phantoms] == ["GET", "PATCH", "DELETE", "XDIAGNOSE"]


def test_no_policy_ever_plans_put_or_post_outside_full() -> None:
    for policy in (ProbePolicy.SAFE, ProbePolicy.STRICT):
        specs = plan_probes(policy, phantom=True)
        sent = {s.method for s in specs if s.kind is not ProbeKind.PREFLIGHT}
        assert not sent & {"PUT", "POST"}, policy


def test_the_phantom_url_never_carries_the_sample_id() -> None:
    target = _safe("https://api.example/items/42", TEMPLATE, id="42")

    url = phantom_url(target)

    assert url is not None
    assert url.startswith("https://api.example/items/")
    assert url != target.url
    assert url.rsplit("/", 1)[1] != "42"


def test_the_phantom_id_has_the_samples_type() -> None:
    digits = phantom_value(TEMPLATE, "id", "42")
    uuid_value = phantom_value(TEMPLATE, "id", "3f2b8a4e-6c1d-4e8f-9a7b-2c5d1e0f4a6b")
    hex_value = phantom_value(TEMPLATE, "id", "507f1f77bcf86cd799439011")
    slug = phantom_value(TEMPLATE, "slug", "hello-world")

    assert digits.isdigit()
    assert len(digits) == 15
    assert int(digits) < 2**53  # exact in JavaScript, no 64-bit overflow
    assert uuid.UUID(uuid_value).version == 4
    assert re.fullmatch(r"[0-9a-f]{24}", hex_value)
    assert re.fullmatch(r"[0-9a-z]{16,}", slug)


def test_the_phantom_id_is_stable_between_runs_and_differs_between_templates() -> None:
    first = phantom_value(TEMPLATE, "id", "1")

    assert phantom_value(TEMPLATE, "id", "1") == first
    assert phantom_value("https://api.example/orders/{id}", "id", "1") != first


def test_a_placeholder_without_sample_gets_a_phantom_of_its_default_type() -> None:
    url = phantom_url(_safe("https://api.example/users/{user_uuid}"))

    assert url is not None
    assert uuid.UUID(url.rsplit("/", 1)[1]).int != 0  # not the nil UUID the URL is filled with


def test_no_phantom_for_a_url_that_is_no_template_or_a_policy_that_sends_none() -> None:
    assert phantom_url(_safe("https://api.example/items")) is None
    full = Target(url="https://api.example/items/1", template=TEMPLATE, samples=(("id", "1"),))
    assert phantom_url(full) is None
    assert not [s for s in plan_for(full) if s.kind is ProbeKind.PHANTOM]


def test_send_method_adds_that_one_unsafe_verb_to_the_safe_plan() -> None:
    target = Target(url="https://api.example/items", policy=ProbePolicy.SAFE, send_method="PATCH")

    names = [spec.name for spec in plan_for(target)]

    assert names.count("PATCH") == 1
    assert "PUT" not in names
    with pytest.raises(ValueError, match="unsafe"):
        plan_probes(ProbePolicy.SAFE, send_method="GET")


def test_each_policy_description_lists_what_it_sends() -> None:
    assert "PATCH, DELETE" not in describe_policy(ProbePolicy.STRICT)
    assert "PATCH and DELETE" in describe_policy(ProbePolicy.SAFE)
    assert "never the sample id" in describe_policy(ProbePolicy.SAFE)
    assert "Never PUT" in describe_policy(ProbePolicy.SAFE)
    assert "TRACE" in describe_policy(ProbePolicy.FULL)
    assert "create, change or delete data" in describe_policy(ProbePolicy.FULL)
    assert "create, change or delete data" in send_method_risk("PATCH")
