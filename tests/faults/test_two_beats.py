"""Two beat processes started at once: each drift check still runs once per slot."""

import pytest

from tests.faults.conftest import scheduled_check, settled_reports

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EVERY = 2


def test_two_beats_send_every_slot_and_each_slot_makes_one_report(specimens, cluster):
    check = scheduled_check(specimens, every=EVERY, endpoints=2)
    cluster.worker("faults-w")
    cluster.beat("beat-1")
    cluster.beat("beat-2")

    reports = settled_reports(check, at_least=4, targets=4)
    assert len(reports) >= 4
    # Both beats ran the slots: the second to ask for a slot's report found it.
    assert "already has its report" in cluster.log("beat-1") + cluster.log("beat-2")
