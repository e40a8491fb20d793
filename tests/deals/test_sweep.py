"""The stalled-deal sweep: overdue stages and unanswered requests are escalated once each."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from common import workdays
from deals import services
from deals.models import DealState, Escalation
from deals.tasks import sweep_stalled_deals
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db


def test_overdue_deals_and_stale_requests_are_escalated_once(
    api, deal, broker, supervisor, other_supervisor
):
    satisfy(deal, DealState.MATCHED)
    services.deal_request_transition(deal=deal, actor=broker, target=DealState.MATCHED)
    on_time = DealFactory(lead_broker=broker)
    assert sweep_stalled_deals.delay().get() == 0

    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert sweep_stalled_deals.delay().get() == 3  # two overdue deals, one stale request
        assert sweep_stalled_deals.delay().get() == 0
        alerts = api(supervisor).get("/api/v1/escalations/").json()["results"]
    assert {(a["deal"], a["kind"]) for a in alerts} == {
        (deal.pk, "stage_overdue"),
        (deal.pk, "request_unanswered"),
        (on_time.pk, "stage_overdue"),
    }
    assert api(other_supervisor).get("/api/v1/escalations/").json()["count"] == 0
    assert Escalation.objects.count() == 3


def test_terminal_deals_are_never_escalated(deal, supervisor):
    from tests.helpers import move

    move(deal, DealState.LOST, supervisor, comment="企业转产，需求取消")
    # A year later, but within the holiday calendar (past it the sweep fails loudly).
    last = workdays.covered_range()[1]
    with time_machine.travel(dt.datetime.combine(last, dt.time(12), workdays.TZ)):
        assert services.deals_sweep_stalled() == 0


def test_a_resolved_escalation_is_not_raised_again_for_the_same_stage_visit(broker):
    overdue_deal = DealFactory(lead_broker=broker)
    later = timezone.now() + dt.timedelta(days=8)
    assert services.deals_sweep_stalled(now=later) == 1
    Escalation.objects.update(resolved_at=timezone.now())  # e.g. a supervisor dealt with it
    assert services.deals_sweep_stalled(now=later + dt.timedelta(hours=1)) == 0
    escalation = Escalation.objects.get()
    assert escalation.deal == overdue_deal and escalation.resolved_at is not None


def test_the_sweep_costs_the_same_queries_for_thirty_overdue_deals_as_for_three(broker, supervisor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    later = timezone.now() + dt.timedelta(days=8)
    counts = []
    for n in (3, 30):
        DealFactory.create_batch(n, lead_broker=broker)
        with CaptureQueriesContext(connection) as queries:
            created = services.deals_sweep_stalled(now=later)
        assert created == n  # only the new ones: the first three are escalated already
        counts.append(len(queries))
    assert counts[0] == counts[1]
