"""A baseline file: the findings a team accepted, so a CI gate fails only on new ones.

JSON, one entry per (target, rule, method), sorted, so it diffs well in review and a
rerun that finds the same writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from diagnoser.analysis.gate import Entry

SCHEMA = "diagnoser.baseline/1"


class BadBaseline(ValueError):
    """The file is not a baseline this version reads; the message says what to do."""


def baseline_text(entries: Iterable[Entry]) -> str:
    document = {
        "schema": SCHEMA,
        "entries": [
            {"target": e.target, "rule": e.rule, "method": e.method} for e in sorted(set(entries))
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def baseline_entries(text: str) -> frozenset[Entry]:
    redo = "write it again with --write-baseline"
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadBaseline(f"the baseline is not JSON ({error}): {redo}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise BadBaseline(f"the baseline's schema is not {SCHEMA!r}: {redo}")
    entries = set()
    for index, item in enumerate(document.get("entries", [])):
        try:
            entries.add(Entry(str(item["target"]), str(item["rule"]), str(item["method"])))
        except (KeyError, TypeError):
            raise BadBaseline(
                f"baseline entry {index} needs target, rule and method: {redo}"
            ) from None
    return frozenset(entries)
