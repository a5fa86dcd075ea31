"""The newest finished run of many targets at once, for the overview, service and
endpoint pages.

run_record keeps a LatestRun row per (endpoint, environment) with the run's finish time,
observation, method verdicts and worst finding, so what the overview and service pages
show of any set of endpoints is one read of that table: a page's query count does not
grow with endpoints or environments, and no statement reads a target's history.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from diagnoser.analysis.model import Severity
from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import LatestRun

# Lower is worse.
RANK = {severity.value: severity.rank for severity in Severity}


def latest_of(*, endpoints: QuerySet[Endpoint]) -> QuerySet[LatestRun]:
    """The latest done run of every target of these endpoints (not yet evaluated)."""
    return LatestRun.objects.filter(endpoint_id__in=endpoints.order_by().values("id"))


@dataclass(frozen=True)
class FindingBrief:
    severity: Severity
    rule: str
    title: str


def brief(severity: str, rule: str, title: str) -> FindingBrief | None:
    """A LatestRun's worst finding; None when its run found nothing."""
    return FindingBrief(Severity(severity), rule, title) if severity else None
