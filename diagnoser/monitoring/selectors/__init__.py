"""Reads of monitoring state, shaped for the dashboard and the commands: the newest run
of each target (latest), a target's method history (history), drift checks and their
reports (reports), the targets due a scheduled probe (schedule), the overview as a
list of targets (status) and the overview page's searched, filtered page of targets
(overview). Importers may name the package or a module."""

from diagnoser.monitoring.selectors.history import (
    HISTORY_CHANGES,
    HISTORY_OBSERVATIONS,
    STRIP_RUNS,
    HistoryPage,
    MethodChange,
    RunMatrix,
    method_histories,
    method_history,
    method_timeline,
    recent_runs,
)
from diagnoser.monitoring.selectors.latest import (
    LatestResult,
    endpoint_latest_runs,
    endpoint_page,
    latest_of,
    latest_results,
    latest_runs,
    latest_worst,
    service_endpoints,
    service_environments,
)
from diagnoser.monitoring.selectors.reports import (
    ComparedRun,
    EndpointRow,
    EnvironmentColumn,
    archived_drift_checks,
    drift_checks_with_last_report,
    newest_report,
    report_as_dict,
    report_runs_compared,
    report_side_by_side,
)
from diagnoser.monitoring.selectors.schedule import (
    ScheduledEnvironment,
    environments_scheduled,
    targets_due,
)
from diagnoser.monitoring.selectors.status import TargetStatus, target_statuses

__all__ = [
    "HISTORY_CHANGES",
    "HISTORY_OBSERVATIONS",
    "STRIP_RUNS",
    "ComparedRun",
    "EndpointRow",
    "EnvironmentColumn",
    "HistoryPage",
    "LatestResult",
    "MethodChange",
    "RunMatrix",
    "ScheduledEnvironment",
    "TargetStatus",
    "archived_drift_checks",
    "drift_checks_with_last_report",
    "endpoint_latest_runs",
    "endpoint_page",
    "environments_scheduled",
    "latest_of",
    "latest_results",
    "latest_runs",
    "latest_worst",
    "method_histories",
    "method_history",
    "method_timeline",
    "newest_report",
    "recent_runs",
    "report_as_dict",
    "report_runs_compared",
    "report_side_by_side",
    "service_endpoints",
    "service_environments",
    "target_statuses",
    "targets_due",
]
