"""Parsing of method-list headers: Allow and Access-Control-Allow-Methods.

Both are comma-separated lists of method tokens (RFC 9110 10.2.1 and 5.6.1; Fetch
standard for Access-Control-Allow-Methods). Parsing never fails: what is wrong with a
value is reported as problems next to the methods that could be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# RFC 9110 5.6.2: token = 1*tchar
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


@dataclass(frozen=True)
class MethodList:
    raw: str
    methods: frozenset[str]  # methods as sent, exact case (methods are case-sensitive)
    wildcard: bool  # the value is or contains "*"
    problems: tuple[str, ...]

    def lists(self, method: str) -> bool:
        return method in self.methods


def parse_method_list(value: str) -> MethodList:
    """Read a method list, keeping every problem a strict reader would object to."""
    problems: list[str] = []
    methods: list[str] = []
    wildcard = False
    for element in value.split(","):
        item = element.strip(" \t")
        if not item:
            # Empty list elements are legal (RFC 9110 5.6.1) but a lone "," is odd;
            # an entirely empty Allow is legal too: it means "no methods".
            continue
        if item == "*":
            wildcard = True
            continue
        if not _TOKEN.fullmatch(item):
            problems.append(f"{item!r} is not a method token")
            continue
        if item != item.upper():
            problems.append(f"{item!r} is not upper-case (method names are case-sensitive)")
        if item in methods:
            problems.append(f"{item!r} is listed twice")
            continue
        methods.append(item)
    return MethodList(
        raw=value, methods=frozenset(methods), wildcard=wildcard, problems=tuple(problems)
    )


def format_methods(methods: frozenset[str] | set[str], order: tuple[str, ...] = ()) -> str:
    """Methods in the matrix order first, then alphabetically."""
    known = [m for m in order if m in methods]
    rest = sorted(m for m in methods if m not in order)
    return ", ".join(known + rest)
