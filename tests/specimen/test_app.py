import pytest
import requests

from diagnoser.specimen.app import SpecimenApp
from diagnoser.specimen.server import make_specimen_server, serve_in_thread


@pytest.fixture(scope="module")
def served():
    app = SpecimenApp("staging")
    server = make_specimen_server(app)
    serve_in_thread(server)
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def specimen(served):
    app, _ = served
    app.env = "staging"
    return served


def test_a_good_endpoint_answers_405_with_allow(specimen):
    _, base = specimen
    response = requests.delete(f"{base}/items", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_unknown_verbs_get_501_on_good_endpoints(specimen):
    _, base = specimen
    assert requests.request("XDIAGNOSE", f"{base}/items", timeout=5).status_code == 501


def test_a_preflight_is_answered_with_cors_headers(specimen):
    _, base = specimen
    response = requests.options(
        f"{base}/items/0",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH"},
        timeout=5,
    )
    assert response.status_code == 204
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_prod_lacks_patch_where_staging_has_it(specimen):
    app, base = specimen
    assert requests.patch(f"{base}/items/0", timeout=5).status_code == 200
    app.env = "prod"
    response = requests.patch(f"{base}/items/0", timeout=5)
    assert response.status_code == 405
    assert "PATCH" not in response.headers["Allow"]


def test_the_legacy_endpoint_answers_405_without_allow(specimen):
    _, base = specimen
    response = requests.post(f"{base}/legacy/orders", timeout=5)
    assert response.status_code == 405
    assert "Allow" not in response.headers
    assert requests.options(f"{base}/legacy/orders", timeout=5).status_code == 405


def test_a_waf_forbids_delete_in_prod_under_its_own_server_header(specimen):
    app, base = specimen
    app.env = "prod"
    response = requests.delete(f"{base}/admin/export", timeout=5)
    assert response.status_code == 403
    assert response.headers["Server"] == "awselb/2.0"
    assert requests.get(f"{base}/admin/export", timeout=5).headers["Server"] == "specimen/1.0"


def test_head_differs_from_get_on_reports(specimen):
    _, base = specimen
    assert requests.get(f"{base}/reports", timeout=5).status_code == 200
    assert requests.head(f"{base}/reports", timeout=5).status_code == 404


def test_trace_is_echoed_on_debug(specimen):
    _, base = specimen
    response = requests.request("TRACE", f"{base}/debug", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "message/http"


def test_post_to_login_is_redirected_with_301(specimen):
    _, base = specimen
    response = requests.post(f"{base}/login", allow_redirects=False, timeout=5)
    assert response.status_code == 301
    assert response.headers["Location"] == "/login/"


def test_search_serves_unknown_verbs_as_get(specimen):
    _, base = specimen
    assert requests.request("XDIAGNOSE", f"{base}/search", timeout=5).status_code == 200
    assert requests.put(f"{base}/search", timeout=5).status_code == 404


def test_the_env_must_be_known():
    with pytest.raises(ValueError, match="staging, prod"):
        SpecimenApp("dev")
