"""A target's latest run as the overview and service pages show it (its worst finding,
when it ran), from the LatestRun columns the selectors read (monitoring.selectors.latest)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from diagnoser.analysis.model import Severity


@dataclass(frozen=True)
class FindingBrief:
    severity: Severity
    rule: str
    title: str


def brief(severity: str, rule: str, title: str) -> FindingBrief | None:
    """A LatestRun's worst finding; None when its run found nothing."""
    return FindingBrief(Severity(severity), rule, title) if severity else None


def exact_time(at: datetime | None) -> str:
    """A probe's exact local time, for the title of its age: the template date filter is
    slow when a page shows hundreds."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S %Z") if at is not None else ""
