"""Share and export an endpoint: every environment's newest run in one snapshot."""

import json

import pytest
from django.urls import reverse

from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create
from tests.sharing.conftest import SECRET, anonymous

pytestmark = pytest.mark.django_db


def _url(name, api):
    return reverse(f"sharing:{name}", args=[api.service.id, api.endpoint.id])


@pytest.fixture
def probed(api, record):
    return record(api.staging), record(api.prod)


def test_the_endpoint_page_offers_share_and_export(api, probed, trio):
    page = reverse("web:endpoint", args=[api.service.id, api.endpoint.id])

    html = trio.client_for(trio.bob).get(page).text

    for name in ("endpoint_share", "endpoint_export_md", "endpoint_export_json"):
        assert f'href="{_url(name, api)}"' in html


def test_a_shared_endpoint_opens_every_environment_without_an_account(api, probed, trio):
    response = trio.client_for(trio.alice).post(_url("endpoint_share", api), {"expires_in": 7})

    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert link.kind == ShareLink.Kind.ENDPOINT
    assert link.endpoint == api.endpoint
    assert [part["environment"] for part in link.snapshot["environments"]] == ["staging", "prod"]
    token = response.text.split("/s/")[1].split("/")[0]
    public = anonymous().get(reverse("sharing:public", args=[token]))
    assert public.status_code == 200
    assert "leaky <code>/items</code> in every environment" in public.text
    assert public.text.count('class="environment"') == 2
    assert SECRET not in public.text
    assert "Response bodies are left out" in public.text  # both probed with secret headers


def test_the_markdown_and_json_exports_hold_both_environments(api, probed, trio):
    client = trio.client_for(trio.bob)

    markdown = client.get(_url("endpoint_export_md", api)).text
    document = json.loads(client.get(_url("endpoint_export_json", api)).text)

    assert "(staging)" in markdown
    assert "(prod)" in markdown
    assert SECRET not in markdown
    assert [part["environment"] for part in document["environments"]] == ["staging", "prod"]
    assert SECRET not in json.dumps(document)


def test_an_endpoint_never_probed_says_what_to_do(api, trio):
    client = trio.client_for(trio.alice)

    shared = client.post(_url("endpoint_share", api), {"expires_in": 7})
    exported = client.get(_url("endpoint_export_json", api))

    assert shared.status_code == 409
    assert "press Probe now" in shared.text
    assert exported.status_code == 404
    assert not ShareLink.objects.exists()


def test_an_outsider_gets_404_for_an_endpoint(api, probed, trio):
    client = trio.client_for(trio.charlie)

    assert client.post(_url("endpoint_share", api), {"expires_in": 7}).status_code == 404
    assert client.get(_url("endpoint_export_md", api)).status_code == 404


def test_the_public_markdown_of_an_endpoint_link_has_both_environments(api, probed, trio):
    _, token = share_link_create(endpoint=api.endpoint, user=trio.alice)

    text = anonymous().get(reverse("sharing:public_export_md", args=[token])).text

    assert "(staging)" in text
    assert "(prod)" in text
