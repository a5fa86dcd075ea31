"""curl command lines that reproduce a probe, with secret header values redacted."""

from __future__ import annotations

import shlex

from diagnoser.probing.model import ProbeKind, ProbeReport
from diagnoser.probing.scrub import REDACTED

# Header names whose values are not secrets and help a reader reproduce the answer.
_SHOWN_HEADERS = frozenset({"accept", "content-type", "accept-language", "origin"})
_PRECONDITION = '"diagnoser-probe-precondition"'


def curl_for(report: ProbeReport, probe: str) -> str:
    """A curl line sending what the probe sent (minus secrets)."""
    target = report.target
    kind, _, method = probe.partition(":") if ":" in probe else ("", "", probe)
    # A phantom probe went to the route template filled with an id that cannot exist.
    sent = report.get(probe) if kind == ProbeKind.PHANTOM.value else None
    url = (sent.url if sent is not None else "") or target.url
    parts = ["curl", "-sS", "-i"]
    if kind == ProbeKind.PREFLIGHT.value:
        origin = target.origin or "https://diagnoser.invalid"
        extra = sorted({name.lower() for name, _ in target.headers} | {"content-type"})
        parts += ["-X", "OPTIONS", "-H", f"Origin: {origin}"]
        parts += ["-H", f"Access-Control-Request-Method: {method}"]
        parts += ["-H", f"Access-Control-Request-Headers: {','.join(extra)}"]
    else:
        parts += ["-I"] if method == "HEAD" else ["-X", method]
        if method != "TRACE":
            for name, value in target.headers:
                shown = value if name.lower() in _SHOWN_HEADERS else REDACTED
                parts += ["-H", f"{name}: {shown}"]
            if target.origin:
                parts += ["-H", f"Origin: {target.origin}"]
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            parts += ["-H", f"If-Match: {_PRECONDITION}", "-H", "Content-Length: 0"]
    parts.append(url)
    command = " ".join(shlex.quote(p) for p in parts)
    # "-I" already means HEAD; drop the "-i" it would duplicate.
    return command.replace("curl -sS -i -I", "curl -sS -I")


def curls_for(report: ProbeReport, probes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(curl_for(report, probe) for probe in probes)
