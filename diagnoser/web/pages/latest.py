"""A target's worst finding as the overview and service pages show it, from the LatestRun
columns the selectors read (monitoring.selectors.latest)."""

from dataclasses import dataclass

from diagnoser.analysis.model import Severity

# Lower is worse.
RANK = {severity.value: severity.rank for severity in Severity}


@dataclass(frozen=True)
class FindingBrief:
    severity: Severity
    rule: str
    title: str


def brief(severity: str, rule: str, title: str) -> FindingBrief | None:
    """A LatestRun's worst finding; None when its run found nothing."""
    return FindingBrief(Severity(severity), rule, title) if severity else None
