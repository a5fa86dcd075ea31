"""The overview, service, endpoint and history pages make the same number of SQL queries
whatever the data size: latest runs come from one read of LatestRun, each page of history
from one statement, matrices are parsed in Python, nothing is loaded per endpoint or per
environment."""

import pytest
from django.urls import reverse

from diagnoser.inventory.models import Service
from diagnoser.inventory.services import endpoint_create
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web.pages_data import probe, record

pytestmark = pytest.mark.django_db
# Session, user, workspace (view and switcher), workspace list, then the page's own reads.
# The overview: verdicts, counts by (service, environment, severity, drift), counts by
# rule, the page, service and environment names, the shown targets' worst findings and
# the Archived services. The service page also reads its alert channels with their last
# delivery (one query), its environments with their secret headers and its Archived lists;
# the endpoint page its status strips (three) and its contract changes (one).
QUERIES = {"overview": 13, "service": 14, "endpoint": 13, "history": 7}


@pytest.fixture
def grow(trio, specimens, settings):
    """Grows one service to n endpoints, each with two stored observations per
    environment, and the first endpoint's history by two observations per endpoint
    added (real specimen reports, so findings grow too)."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",))
    first = service.endpoints.get()
    environments = list(service.environments.all())
    reports = {env.id: probe(first, env) for env in environments}
    swapped = dict(zip(reports, reversed(list(reports.values())), strict=True))

    def to(count: int) -> Service:
        for i in range(service.endpoints.count(), count + 1):
            endpoint = endpoint_create(service=service, path=f"/items/{{id}}/v{i}", samples={})
            for env in environments:
                for target in (endpoint, first):
                    record(target, env, reports[env.id])
                    record(target, env, swapped[env.id])
        return service

    return to


def _url(page: str, service: Service) -> str:
    if page == "overview":
        return reverse("web:overview")
    if page == "service":
        return reverse("web:service", args=[service.id])
    endpoint = service.endpoints.order_by("id").first()
    assert endpoint is not None
    if page == "history":
        environment = service.environments.get(name="prod")
        return reverse("web:endpoint_history", args=[service.id, endpoint.id, environment.id])
    return reverse("web:endpoint", args=[service.id, endpoint.id])


@pytest.mark.parametrize("page", list(QUERIES))
def test_the_page_makes_the_same_number_of_queries_for_2_and_12_endpoints(
    trio, grow, page, django_assert_num_queries
):
    client = trio.client_for(trio.alice)
    small = _url(page, grow(2))

    with django_assert_num_queries(QUERIES[page]):
        assert client.get(small).status_code == 200
    large = _url(page, grow(12))
    with django_assert_num_queries(QUERIES[page]):
        assert client.get(large).status_code == 200


FILTERS = {"q": "items", "env": "prod", "severity": "error", "rule": "trace_enabled"}


@pytest.mark.parametrize("params", [{}, FILTERS, {**FILTERS, "drifting": "1", "sort": "probed"}])
def test_the_overview_makes_the_same_number_of_queries_whatever_the_filters(
    trio, grow, params, django_assert_max_num_queries
):
    client = trio.client_for(trio.alice)
    grow(12)

    # At most: a page without rows skips reading their worst findings.
    with django_assert_max_num_queries(QUERIES["overview"]):
        assert client.get(reverse("web:overview"), params).status_code == 200
