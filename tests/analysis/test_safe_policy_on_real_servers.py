"""Under the safe policy every unsent verb is observed on a phantom id, inferred right, or
unknown with the reason: never inferred wrong. Real frameworks on 127.0.0.1; what they
answer is recorded in tests/servers/OBSERVED.md."""

from collections.abc import Iterator

import pytest

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Basis, MethodCell, MethodMatrix, Verdict
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import UNSAFE_METHODS, ProbeKind, ProbePolicy, ProbeReport, Target
from tests.analysis import phantom_app
from tests.servers.fixtures import Server, serving_in_thread

UNSENT = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def records_server() -> Iterator[Server]:
    with serving_in_thread("records", phantom_app.build_server()) as server:
        yield server


def _probe(
    engine: ProbeEngine, server: Server, template: str, sample: str | None = None
) -> ProbeReport:
    samples = (("id", sample),) if sample is not None else ()
    url = server.url(template.replace("{id}", sample) if sample is not None else template)
    target = Target(
        url=url,
        policy=ProbePolicy.SAFE,
        template=server.url(template) if sample is not None else None,
        samples=samples,
    )
    return engine.probe(target)


def _cell(matrix: MethodMatrix, method: str) -> MethodCell:
    cell = matrix.cell(method)
    assert cell is not None
    return cell


def test_fastapi_split_routes_leave_verbs_outside_allow_unknown_and_say_why(
    loopback_engine: ProbeEngine, fastapi_server: Server
) -> None:
    matrix = diagnose(_probe(loopback_engine, fastapi_server, "/items")).matrix

    for method in UNSENT:  # POST is served by a second route; Allow says only GET
        cell = _cell(matrix, method)
        assert cell.verdict is Verdict.UNKNOWN, method
        assert cell.basis is Basis.INFERRED
        assert "FastAPI" in cell.source
        assert "first route" in cell.source


def test_fastapi_phantom_id_shows_patch_refused_and_delete_served(
    loopback_engine: ProbeEngine, fastapi_server: Server
) -> None:
    report = _probe(loopback_engine, fastapi_server, "/items/{id}", "1")
    matrix = diagnose(report).matrix

    patch, delete, put = (_cell(matrix, m) for m in ("PATCH", "DELETE", "PUT"))
    assert (patch.verdict, patch.status, patch.basis) == (Verdict.REJECTED, 405, Basis.PHANTOM)
    assert (delete.verdict, delete.basis) == (Verdict.ACCEPTED, Basis.PHANTOM)
    assert put.verdict is Verdict.UNKNOWN
    assert "FastAPI" in put.source


def test_express_patch_is_observed_on_a_phantom_id_as_the_routers_404(
    loopback_engine: ProbeEngine, express_server: Server
) -> None:
    safe = diagnose(_probe(loopback_engine, express_server, "/items/{id}", "1")).matrix
    full = diagnose(loopback_engine.probe(Target(url=express_server.url("/items/1")))).matrix

    patch = _cell(safe, "PATCH")
    assert (patch.verdict, patch.basis) == (Verdict.NOT_FOUND, Basis.PHANTOM)
    assert "Cannot PATCH" in patch.source
    delete = _cell(safe, "DELETE")
    assert (delete.verdict, delete.basis) == (Verdict.ACCEPTED, Basis.PHANTOM)
    # What the phantom showed is what sending the verbs to the real URL shows.
    assert patch.verdict is _cell(full, "PATCH").verdict
    assert delete.verdict is _cell(full, "DELETE").verdict


def test_express_without_a_template_infers_its_404_not_405_for_verbs_outside_allow(
    loopback_engine: ProbeEngine, express_server: Server
) -> None:
    safe = diagnose(_probe(loopback_engine, express_server, "/items")).matrix
    full = diagnose(loopback_engine.probe(Target(url=express_server.url("/items")))).matrix

    for method in ("PUT", "PATCH", "DELETE"):
        cell = _cell(safe, method)
        assert (cell.verdict, cell.basis) == (Verdict.NOT_FOUND, Basis.INFERRED), method
        assert "Express answers 404" in cell.source
        assert cell.verdict is _cell(full, method).verdict
    assert _cell(safe, "POST").verdict is Verdict.ACCEPTED  # Allow lists it


def test_flask_patch_route_is_served_when_its_handler_404s_the_phantom_id(
    loopback_engine: ProbeEngine, records_server: Server
) -> None:
    matrix = diagnose(_probe(loopback_engine, records_server, "/records/{id}", "1")).matrix

    patch = _cell(matrix, "PATCH")
    assert (patch.verdict, patch.status, patch.basis) == (Verdict.ACCEPTED, 404, Basis.PHANTOM)
    assert "made-up verb got 405" in patch.source
    assert _cell(matrix, "DELETE").verdict is Verdict.ACCEPTED
    put = _cell(matrix, "PUT")  # Flask's Allow is complete, and the made-up verb got 405
    assert (put.verdict, put.basis) == (Verdict.REJECTED, Basis.INFERRED)


def test_flask_route_without_patch_is_refused_on_the_phantom_id(
    loopback_engine: ProbeEngine, records_server: Server
) -> None:
    matrix = diagnose(_probe(loopback_engine, records_server, "/readonly/{id}", "1")).matrix

    for method in ("PATCH", "DELETE"):
        cell = _cell(matrix, method)
        assert (cell.verdict, cell.status, cell.basis) == (Verdict.REJECTED, 405, Basis.PHANTOM)


def test_safe_policy_never_sends_an_unsafe_verb_to_the_sample_id(
    loopback_engine: ProbeEngine, records_server: Server
) -> None:
    report = _probe(loopback_engine, records_server, "/records/{id}", "1")

    unsafe = [
        o
        for o in report.observations
        if o.method in UNSAFE_METHODS and o.kind is not ProbeKind.PREFLIGHT
    ]
    assert {o.probe for o in unsafe} == {"phantom:PATCH", "phantom:DELETE"}
    for observation in unsafe:
        assert observation.url.startswith(records_server.url("/records/9"))
        assert observation.url != records_server.url("/records/1")
        assert ("If-Match", '"diagnoser-probe-precondition"') in observation.request_headers
    assert report.get("PUT") is None
    assert report.get("POST") is None


def test_strict_policy_sends_nothing_to_the_phantom_id(
    loopback_engine: ProbeEngine, records_server: Server
) -> None:
    target = Target(
        url=records_server.url("/records/1"),
        policy=ProbePolicy.STRICT,
        template=records_server.url("/records/{id}"),
        samples=(("id", "1"),),
    )
    report = loopback_engine.probe(target)

    assert not list(report.phantoms())
    assert {o.method for o in report.plain()} == {"GET", "HEAD", "OPTIONS", "XDIAGNOSE"}


def test_send_method_sends_the_named_verb_once_guarded(
    loopback_engine: ProbeEngine, records_server: Server
) -> None:
    target = Target(
        url=records_server.url("/readonly/1"), policy=ProbePolicy.SAFE, send_method="PATCH"
    )
    report = loopback_engine.probe(target)
    matrix = diagnose(report).matrix

    sent = [o for o in report.plain() if o.method == "PATCH"]
    assert len(sent) == 1
    assert sent[0].status == 405
    assert ("If-Match", '"diagnoser-probe-precondition"') in sent[0].request_headers
    assert _cell(matrix, "PATCH").basis is Basis.OBSERVED
    assert [o.method for o in report.plain() if o.method in UNSAFE_METHODS] == ["PATCH"]


# Every path OBSERVED.md records ({id} marks a template, filled with 1). /lying-allow is
# left out: its Allow names DELETE, which it refuses, and only sending DELETE shows that.
RECORDED = [
    ("stdlib_server", "/items"),
    ("django_server", "/items/"),
    ("django_server", "/items/{id}/"),
    ("django_server", "/form/"),
    ("flask_server", "/items"),
    ("flask_server", "/items/{id}"),
    ("flask_server", "/cors/items"),
    ("starlette_server", "/items"),
    ("starlette_server", "/items/{id}"),
    ("fastapi_server", "/items"),
    ("fastapi_server", "/items/{id}"),
    ("fastapi_cors_server", "/items/{id}"),
    ("nginx_server", "/static/docs"),
    ("nginx_server", "/api/items"),
    ("express_server", "/items"),
    ("express_server", "/items/{id}"),
    ("broken_gateway", "/broken"),
    ("broken_gateway", "/correct"),
]


@pytest.mark.parametrize(("fixture", "path"), RECORDED, ids=[f + p for f, p in RECORDED])
@pytest.mark.parametrize("origin", [None, "https://app.example"])
def test_no_verb_the_safe_policy_leaves_unsent_is_inferred_wrong(
    request: pytest.FixtureRequest,
    loopback_engine: ProbeEngine,
    fixture: str,
    path: str,
    origin: str | None,
) -> None:
    server: Server = request.getfixturevalue(fixture)
    url = server.url(path.replace("{id}", "1"))
    template = server.url(path) if "{id}" in path else None
    safe = Target(
        url,
        origin=origin,
        policy=ProbePolicy.SAFE,
        template=template,
        samples=(("id", "1"),) if template else (),
    )

    guessed = diagnose(loopback_engine.probe(safe)).matrix
    truth = diagnose(loopback_engine.probe(Target(url, origin=origin))).matrix

    wrong = [
        f"{cell.method}: {cell.verdict} ({cell.source}), really {_cell(truth, cell.method).verdict}"
        for cell in guessed.cells
        if not cell.observed
        and cell.verdict is not Verdict.UNKNOWN
        and cell.verdict is not _cell(truth, cell.method).verdict
    ]
    assert wrong == []
