"""Everything the endpoint page shows, read with a fixed number of queries: the
environments, each one's latest run with its stored observation and findings, and
the per-method history of every environment."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace

from django.db.models import Subquery

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.drift import environment_drift
from diagnoser.analysis.model import Finding, Severity
from diagnoser.inventory.models import ContractChange, Endpoint, Environment
from diagnoser.inventory.selectors import contract_changes
from diagnoser.monitoring.diagnosis_selectors import StoredDiagnosis, stored_diagnosis
from diagnoser.monitoring.models import ProbeRun, StoredFinding, StoredObservation
from diagnoser.monitoring.selectors import HistoryPage, latest_of, method_histories, recent_runs
from diagnoser.presentation.answer import AnswerPanel, answer_panel
from diagnoser.presentation.build import build_matrix
from diagnoser.presentation.strips import SetChangeLine, Strip, set_change_lines, strip_for
from diagnoser.presentation.tables import Column, Table
from diagnoser.probing.model import PLAIN_METHODS

# The newest moments the accepted methods changed that the page lists: a flapping target
# changes at every run, and the strips above already show each one.
SET_CHANGES_SHOWN = 20


@dataclass(frozen=True)
class SeverityGroup:
    severity: Severity
    findings: list[Finding]


@dataclass(frozen=True)
class Side:
    """One environment's findings, checklist and history."""

    environment: Environment
    run: ProbeRun | None
    diagnosis: StoredDiagnosis | None
    groups: list[SeverityGroup]
    history: HistoryPage  # the newest method changes; older ones are a link away
    strip: Strip  # the newest runs, a cell per run and method
    answer: AnswerPanel | None = None

    @property
    def anchor(self) -> str:
        """The prefix of this environment's finding ids, which its answer links to."""
        return f"finding-{self.environment.id}"


@dataclass(frozen=True)
class EndpointView:
    endpoint: Endpoint
    matrix: Table
    sides: list[Side]
    method: str | None  # the method whose answer is shown, None for the worst cause
    drift: tuple[Finding, ...] = ()  # env_allow_drift between the latest runs, at most one
    set_changes: tuple[SetChangeLine, ...] = ()  # newest first, within the strips' runs
    earlier_set_changes: int = 0  # left off the list; the History below has every change
    methods: tuple[str, ...] = PLAIN_METHODS  # the methods a visitor can ask about
    # The newest changes of the endpoint's declared methods (re-imported documents).
    contract_changes: tuple[ContractChange, ...] = ()

    @property
    def drift_groups(self) -> list[SeverityGroup]:
        return group_by_severity(self.drift)


def asked_method(value: str | None) -> str | None:
    """The ?method= a visitor asked about, when it is one the matrix has."""
    method = (value or "").upper()
    return method if method in PLAIN_METHODS else None


def group_by_severity(findings: tuple[Finding, ...]) -> list[SeverityGroup]:
    return [
        SeverityGroup(severity, [f for f in findings if f.severity is severity])
        for severity in Severity
        if any(f.severity is severity for f in findings)
    ]


def diagnoses(
    runs: list[ProbeRun],
    findings: list[StoredFinding],
    *,
    method: str | None = None,
    declared: Collection[str] = (),
) -> dict[int, StoredDiagnosis]:
    """Stored diagnosis per run id, for the asked method; each observation parsed once."""
    by_observation: dict[int, list[StoredFinding]] = defaultdict(list)
    for finding in findings:
        by_observation[finding.observation_id].append(finding)
    result: dict[int, StoredDiagnosis] = {}
    for run in runs:
        observation: StoredObservation | None = run.observation
        if observation is not None:
            result[run.id] = stored_diagnosis(
                observation=observation,
                findings=by_observation[observation.id],
                method=method,
                declared=declared,
            )
    return result


def side_for(
    environment: Environment,
    run: ProbeRun | None,
    diagnosis: StoredDiagnosis | None,
    history: HistoryPage,
    strip: Strip,
    *,
    method: str | None = None,
) -> Side:
    side = Side(
        environment=environment,
        run=run,
        diagnosis=diagnosis,
        groups=group_by_severity(diagnosis.findings) if diagnosis else [],
        history=history,
        strip=strip,
    )
    if diagnosis is None:
        return side
    return replace(side, answer=panel_for(diagnosis, method=method, anchor=side.anchor))


def panel_for(diagnosis: StoredDiagnosis, *, method: str | None, anchor: str) -> AnswerPanel:
    """The stored diagnosis' answer for `method` (else its worst cause), linked to the
    finding ids under `anchor`."""
    return answer_panel(
        answer_for(diagnosis.diagnosis, method),
        finding_rules=(f.rule for f in diagnosis.findings),
        anchor=anchor,
        overall=method is None,
    )


def column_for(
    environment: Environment, run: ProbeRun | None, diagnosis: StoredDiagnosis | None
) -> Column:
    return Column(
        environment=environment,
        report=diagnosis.report if diagnosis else None,
        matrix=diagnosis.matrix if diagnosis else None,
        probed_at=run.finished_at if run else None,
        run_id=run.id if run else None,
    )


def endpoint_view(*, endpoint: Endpoint, method: str | None = None) -> EndpointView:
    """Seven queries whatever the history holds and however many runs the strips show;
    method: the one the visitor asks about."""
    environments = list(Environment.objects.filter(service_id=endpoint.service_id))
    latest = latest_of(endpoints=Endpoint.objects.filter(id=endpoint.id))
    runs = list(
        ProbeRun.objects.filter(id__in=Subquery(latest.values("run_id"))).select_related(
            "observation"
        )
    )
    findings = list(
        StoredFinding.objects.filter(
            observation_id__in=Subquery(latest.values("observation_id"))
        ).order_by("id")
    )
    histories = method_histories(endpoint=endpoint)
    runs_of = recent_runs(endpoint=endpoint)
    parsed = diagnoses(runs, findings, method=method, declared=endpoint.declared_methods)
    run_of = {run.environment_id: run for run in runs}
    sides, columns = [], []
    for environment in environments:
        run = run_of.get(environment.id)
        diagnosis = parsed.get(run.id) if run else None
        history = histories.get(environment.id, HistoryPage([], None, None))
        strip = strip_for(environment, runs_of.get(environment.id, []))
        sides.append(side_for(environment, run, diagnosis, history, strip, method=method))
        columns.append(column_for(environment, run, diagnosis))
    changes = set_change_lines(environments, runs_of)
    drift = environment_drift({c.name: c.matrix for c in columns if c.matrix is not None})
    drifting = {method for finding in drift for method in finding.evidence.methods}
    return EndpointView(
        endpoint=endpoint,
        matrix=build_matrix(
            columns,
            path=endpoint.path,
            drifting=drifting,
            declared=endpoint.declared_methods,
            contract_source=endpoint.contract_source,
        ),
        sides=sides,
        method=method,
        drift=drift,
        set_changes=tuple(changes[:SET_CHANGES_SHOWN]),
        earlier_set_changes=max(0, len(changes) - SET_CHANGES_SHOWN),
        contract_changes=contract_changes(endpoint=endpoint),
    )
