"""The overview's rows: one per target (endpoint x environment), searched, filtered and
sorted as the URL says (monitoring.selectors.overview does that in SQL), with the
worst finding, the probe age and, for a drifting endpoint, what its environments
disagree on. Titles and probe times are read for the page shown only."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse

from diagnoser.inventory.models import Workspace
from diagnoser.monitoring.selectors import latest_worst
from diagnoser.monitoring.selectors.overview import (
    OverviewPage,
    OverviewQuery,
    TargetRow,
    drifting,
    overview_targets,
    verdicts_matrix,
)
from diagnoser.web.pages.latest import FindingBrief, brief, exact_time
from diagnoser.web.pages.service import answer

TITLE_CHARS = 110


@dataclass(frozen=True)
class OverviewRow:
    target: TargetRow
    url: str  # of the endpoint page, focused on this environment
    worst: FindingBrief | None
    last_probed: datetime | None
    drifting: tuple[str, ...]  # methods the endpoint's environments disagree on
    drift: str  # "PATCH: accepted (200) in staging, rejected (405) in prod; ..." or ""

    @property
    def probed_title(self) -> str:
        return exact_time(self.last_probed)

    @property
    def short_title(self) -> str:
        title = self.worst.title if self.worst else ""
        return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


@dataclass(frozen=True)
class Choice:
    value: str
    text: str
    count: int  # targets this choice would list, the other filters kept
    selected: bool


@dataclass(frozen=True)
class Select:
    """One filter of the form: its GET parameter, label and choices with counts."""

    name: str
    label: str
    blank: str  # the choice that filters nothing
    choices: list[Choice]


@dataclass(frozen=True)
class Overview:
    query: OverviewQuery
    page: OverviewPage
    rows: list[OverviewRow]
    params: str  # the query as GET parameters, without the page

    @property
    def selects(self) -> list[Select]:
        query, page = self.query, self.page
        rules = page.rules
        if query.rule and query.rule not in dict(rules):
            rules = [(query.rule, 0), *rules]  # a shared link's rule no target has now
        return [
            Select(
                "service",
                "Service",
                "all",
                [Choice(str(i), name, n, i == query.service) for i, name, n in page.services],
            ),
            _select("env", "Environment", "all", page.environments, query.environment),
            _select("severity", "Severity", "all", page.severities, query.severity),
            _select("rule", "Rule", "any", rules, query.rule),
        ]

    @property
    def filtered(self) -> bool:
        return self.query != OverviewQuery(sort=self.query.sort, page=self.query.page)

    def page_url(self, number: int) -> str:
        return "?" + "&".join(p for p in (self.params, f"page={number}") if p)

    @property
    def current_url(self) -> str:
        """The link to this view: what the address bar shows and the poll asks for."""
        if self.page.page > 1:
            return self.page_url(self.page.page)
        return f"?{self.params}" if self.params else ""

    @property
    def previous_url(self) -> str:
        return self.page_url(self.page.page - 1) if self.page.page > 1 else ""

    @property
    def next_url(self) -> str:
        return self.page_url(self.page.page + 1) if self.page.page < self.page.pages else ""


def _select(
    name: str, label: str, blank: str, counts: list[tuple[str, int]], chosen: str
) -> Select:
    return Select(name, label, blank, [Choice(v, v, n, v == chosen) for v, n in counts])


def _drift(sides: list[tuple[int, str, str]], methods: tuple[str, ...]) -> str:
    return "; ".join(
        f"{method}: "
        + ", ".join(
            f"{answer(cell.verdict, cell.status)} in {name}"
            for _, name, text in sides
            if (cell := verdicts_matrix(text).cell(method)) is not None
        )
        for method in methods
    )


def query_params(query: OverviewQuery) -> str:
    """The query as GET parameters, defaults left out, so a shared link stays short."""
    pairs = {
        "q": query.search,
        "service": "" if query.service is None else str(query.service),
        "env": query.environment,
        "severity": query.severity,
        "rule": query.rule,
        "drifting": "1" if query.drifting else "",
        "sort": "" if query.sort == "severity" else query.sort,
    }
    return urlencode({k: v for k, v in pairs.items() if v})


def overview_page(*, workspace: Workspace, query: OverviewQuery) -> Overview:
    """A constant number of queries whatever the workspace holds and the filters say."""
    page = overview_targets(workspace=workspace, query=query)
    details = {
        (endpoint_id, environment_id): (finished_at, worst)
        for endpoint_id, environment_id, finished_at, *worst in latest_worst(
            endpoint_ids=sorted({row.endpoint_id for row in page.rows})
        )
    }
    rows = []
    for target in page.rows:
        finished_at, worst = details.get((target.endpoint_id, target.environment_id), (None, None))
        sides = page.verdicts.get(target.endpoint_id, [])
        methods = drifting([text for *_, text in sides]) if target.drifting else ()
        url = reverse("web:endpoint", args=[target.service_id, target.endpoint_id])
        rows.append(
            OverviewRow(
                target=target,
                url=f"{url}?{urlencode({'env': target.environment})}",
                worst=brief(*worst) if worst else None,
                last_probed=finished_at,
                drifting=methods,
                drift=_drift(sides, methods),
            )
        )
    return Overview(query=query, page=page, rows=rows, params=query_params(query))
