"""Rules about HEAD, which RFC 9110 9.3.2 ties to GET."""

from __future__ import annotations

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.model import Finding, Verdict
from diagnoser.analysis.rules.common import header_evidence, make_finding


def check(facts: Facts) -> list[Finding]:
    get, head = facts.plain.get("GET"), facts.plain.get("HEAD")
    if get is None or head is None or get.status is None or head.status is None:
        return []
    if not facts.served("GET"):
        return []
    if facts.verdict("HEAD") is Verdict.REJECTED:
        return [
            make_finding(
                facts,
                "head_not_supported",
                title=f"GET is served ({get.status}) but HEAD gets {head.status}",
                probes=["GET", "HEAD"],
                methods=["HEAD"],
                headers=header_evidence(facts, "HEAD", "allow"),
            )
        ]
    differences = []
    if head.status != get.status:
        differences.append(f"status {head.status} where GET has {get.status}")
    head_type, get_type = head.header("content-type"), get.header("content-type")
    if head_type and get_type and _media_type(head_type) != _media_type(get_type):
        differences.append(f"Content-Type '{head_type}' where GET has '{get_type}'")
    if head.body_bytes > 0:
        differences.append(f"{head.body_bytes} bytes of content (HEAD must have none)")
    if not differences:
        return []
    return [
        make_finding(
            facts,
            "head_get_mismatch",
            title="HEAD is answered unlike GET: " + "; ".join(differences),
            probes=["GET", "HEAD"],
            methods=["HEAD"],
            headers=[
                *header_evidence(facts, "GET", "content-type"),
                *header_evidence(facts, "HEAD", "content-type"),
            ],
        )
    ]


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()
