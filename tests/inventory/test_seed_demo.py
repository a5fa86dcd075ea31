import io

import pytest
from django.core.management import CommandError, call_command

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck
from diagnoser.specimen.app import SPECIMEN_ENDPOINTS

pytestmark = pytest.mark.django_db


def test_it_registers_the_specimen_with_a_drift_check_once():
    out = io.StringIO()
    call_command("seed_demo", "--staging-url", "http://127.0.0.1:9001", stdout=out)
    call_command("seed_demo", "--staging-url", "http://127.0.0.1:9001", stdout=out)

    service = Service.objects.get(workspace__name="demo")
    assert Endpoint.objects.filter(service=service).count() == len(SPECIMEN_ENDPOINTS)
    assert Environment.objects.get(name="staging").base_url == "http://127.0.0.1:9001"
    assert DriftCheck.objects.get(service=service).every_seconds == 3600
    assert "The demo is already registered." in out.getvalue()


def test_it_refuses_loopback_targets_the_guard_would_refuse_and_says_what_to_admit(settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = []
    with pytest.raises(CommandError, match="add it to DIAGNOSER_ALLOW_NETWORKS"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Service.objects.filter(workspace__name="demo").exists()
