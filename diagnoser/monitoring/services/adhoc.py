"""Diagnose one URL now, without storing anything: probe, refuse, diagnose.

The Diagnose page and ``manage.py diagnose`` both ask this one question; they differ only
in how they word a refusal and whether an unanswered URL is an error (the page says what
to do) or a finding (the command prints probe_failed and exits 1).
"""

import dataclasses
import ipaddress
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Diagnosis
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.probing.config import EngineConfig
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.guard import ALLOW_SETTING
from diagnoser.probing.model import ErrorKind, ProbeReport, Target

# Admitting private addresses admits every address the guard would refuse, except cloud
# metadata addresses, which the guard refuses whatever the allowlist says.
_EVERYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


class ProbeRefused(Exception):
    """The address guard refused every probe: nothing was sent to the target."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error

    @property
    def allowlist_would_admit(self) -> bool:
        """The refusal names the allowlist setting: an operator could admit the network."""
        return ALLOW_SETTING in self.error


@dataclass(frozen=True)
class AdhocDiagnosis:
    report: ProbeReport
    diagnosis: Diagnosis

    @property
    def answered(self) -> bool:
        return any(o.ok for o in self.report.observations)

    def unanswered_reason(self) -> str:
        """Why nothing answered, with probe_failed's first fix step when there is one."""
        failed = next((f for f in self.diagnosis.findings if f.rule == "probe_failed"), None)
        fix = f" {failed.fix[0]}" if failed and failed.fix else ""
        first = self.report.observations[0] if self.report.observations else None
        error = first.error if first else "nothing was sent"
        return f"{self.report.target.url} did not answer: {error}.{fix}"


def adhoc_diagnose(
    *, target: Target, allow_private: bool = False, method: str | None = None
) -> AdhocDiagnosis:
    """Probe target with every method its policy sends and diagnose the answers (for
    `method`, the one that failed for the user, when given); ProbeRefused when the address
    guard refused them all."""
    [outcome] = adhoc_diagnose_many(targets=[target], allow_private=allow_private, method=method)
    if isinstance(outcome, ProbeRefused):
        raise outcome
    return outcome


def adhoc_diagnose_many(
    *,
    targets: Sequence[Target],
    allow_private: bool = False,
    method: str | None = None,
    declared: Sequence[Collection[str]] = (),
) -> list[AdhocDiagnosis | ProbeRefused]:
    """Every target probed at once by one engine (its per-host limits hold across them),
    each diagnosed; in the order of `targets`, a ProbeRefused for each the guard refused.

    The CI gate's seam: whatever lists the targets (URLs on the command line, an OpenAPI
    document's operations) hands them here. `declared`, when given, is each target's
    contract (in the order of `targets`), which the conformance rules check."""
    if declared and len(declared) != len(targets):
        raise ValueError("declared needs one method set per target")
    config = adhoc_engine_config(allow_private=allow_private)
    with ProbeEngine(config) as engine:
        # Diagnosing one report while later targets are still being probed.
        return [
            _diagnosed(report, method, declared[index] if declared else ())
            for index, report in enumerate(engine.probe_each(targets))
        ]


def adhoc_engine_config(*, allow_private: bool) -> EngineConfig:
    """The engine's configuration for a run someone asked for by hand: allow_private admits
    every address but the cloud metadata ones."""
    config = engine_config()
    if allow_private:
        config = dataclasses.replace(config, allow_networks=_EVERYWHERE)
    return config


def _diagnosed(
    report: ProbeReport, method: str | None, declared: Collection[str]
) -> AdhocDiagnosis | ProbeRefused:
    observations = report.observations
    blocked = [o for o in observations if o.error_kind is ErrorKind.BLOCKED]
    if observations and len(blocked) == len(observations):
        return ProbeRefused(blocked[0].error or "the address guard refused the target")
    return AdhocDiagnosis(report, diagnose(report, method=method, declared=declared))
