"""SARIF 2.1.0: findings as code-scanning results, the rule catalog as rule metadata.

GitHub code scanning and GitLab list a result by its rule (name, help, level) and follow
it across runs by partialFingerprints, so those come from the catalog and from the
subject's stable key (diagnoser.analysis.gate.fingerprint), never from volatile values.
"""

import json
from typing import Any
from urllib.parse import quote, urlsplit

from diagnoser.analysis.catalog import RULES, Rule
from diagnoser.analysis.fixes import fix_steps
from diagnoser.analysis.gate import GateResult, Judged, fingerprint
from diagnoser.analysis.layers import Stack
from diagnoser.analysis.model import Severity

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT = "diagnoserFinding/v1"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_text(result: GateResult, *, version: str) -> str:
    rules = [rule for rule in RULES.values() if not rule.note]
    index = {rule.id: position for position, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "diagnoser",
                        "version": version,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(j, index, result.with_baseline) for j in result.judged],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    fixes = fix_steps(rule.id, Stack.UNKNOWN)
    help_text = rule.explanation + ("\n\nFix: " + " ".join(fixes) if fixes else "")
    return {
        "id": rule.id,
        "name": "".join(word.title() for word in rule.id.split("_")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["http", "api"]},
    }


def _result(judged: Judged, index: dict[str, int], with_baseline: bool) -> dict[str, Any]:
    subject, finding = judged.subject, judged.finding
    fix = f" Fix: {finding.fix[0]}" if finding.fix else ""
    methods = finding.evidence.methods
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{subject.name}: {finding.title}.{fix}"},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": artifact_path(subject.uri)}},
                "logicalLocations": [
                    {"name": m, "fullyQualifiedName": f"{m} {subject.name}", "kind": "member"}
                    for m in methods
                ]
                or [{"name": subject.name, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(subject, finding)},
        "properties": {"url": subject.uri, "methods": list(methods), "fix": list(finding.fix)},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if with_baseline:
        result["baselineState"] = "unchanged" if judged.baselined else "new"
    return result


def artifact_path(uri: str) -> str:
    """Where a result lives, as a relative path: code scanning (GitHub) refuses a location
    whose scheme is not the checkout's ("SARIF URI scheme "https" did not match the
    checkout URI scheme "file""), so https://api.example:8443/items/{id} becomes
    api.example_8443/items/%7Bid%7D; the URL itself is in the result's properties."""
    parts = urlsplit(uri)
    path = parts.netloc.replace(":", "_") + parts.path if parts.scheme else uri
    return quote(path.lstrip("/"), safe="/!$&'()*+,;=@-._~") or "."
