"""The drift-check services validate what every way in gives them (the web form, inventory
as code, the command line): names, schedules and the webhook's address."""

import pytest
from django.core.exceptions import ValidationError

from diagnoser.inventory.models import Service
from diagnoser.inventory.services import service_create, workspace_create
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_update
from tests.monitoring.fixtures import LOOPBACK

pytestmark = pytest.mark.django_db


@pytest.fixture
def service() -> Service:
    return service_create(workspace=workspace_create(name="acme"), name="shop")


def _field_errors(error: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(error.value.message_dict[field])


def test_a_webhook_inside_is_refused_when_saved(service):
    with pytest.raises(ValidationError) as error:
        drift_check_create(service=service, name="h", webhook_url="http://10.1.2.3/hook")

    assert "alerts could not be sent there: 10.1.2.3 is in a private network" in (
        _field_errors(error, "webhook_url")
    )
    assert not DriftCheck.objects.exists()


def test_a_webhook_that_is_not_http_is_refused_when_saved(service):
    with pytest.raises(ValidationError) as error:
        drift_check_create(service=service, name="h", webhook_url="ftp://hooks.test/x")

    assert "use an http:// or https:// URL" in _field_errors(error, "webhook_url")


def test_a_webhook_on_an_allowlisted_network_is_saved_in_normal_form(service, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK

    check = drift_check_create(service=service, name="h", webhook_url=" HTTP://127.0.0.1:80/h ")

    assert check.webhook_url == "http://127.0.0.1/h"


def test_changing_the_webhook_to_an_address_inside_is_refused(service):
    check = drift_check_create(service=service, name="h")

    with pytest.raises(ValidationError) as error:
        drift_check_update(check=check, webhook_url="http://169.254.169.254/")

    assert "cloud metadata address" in _field_errors(error, "webhook_url")
    check.refresh_from_db()
    assert check.webhook_url == ""


def test_a_stored_webhook_is_not_looked_up_again_when_something_else_changes(service):
    check = drift_check_create(service=service, name="h")
    DriftCheck.objects.filter(id=check.id).update(webhook_url="http://10.1.2.3/hook")
    check.refresh_from_db()

    drift_check_update(check=check, enabled=False, webhook_url="http://10.1.2.3/hook")

    check.refresh_from_db()
    assert not check.enabled


def test_a_crontab_out_of_range_is_refused_by_the_service_not_only_the_form(service):
    with pytest.raises(ValidationError) as error:
        drift_check_create(service=service, name="h", crontab="99 * * * *")

    assert "minute '99'" in _field_errors(error, "crontab")


def test_a_crontab_is_stored_with_single_spaces(service):
    check = drift_check_create(service=service, name="h", crontab="*/5  1 * *   1-5")

    assert check.crontab == "*/5 1 * * 1-5"


def test_a_second_check_with_the_same_name_is_refused_on_the_name(service):
    drift_check_create(service=service, name="nightly")

    with pytest.raises(ValidationError) as error:
        drift_check_create(service=service, name=" nightly ")

    assert "shop already has a drift check named 'nightly'" in _field_errors(error, "name")
