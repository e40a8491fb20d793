"""`manage.py load_demo`: the demo data set is complete, walked through the real pipeline, and a
second run changes nothing.

One test, one load (it takes seconds on a shared machine): a transactional database, because the
rewards are produced by callbacks that run when each deal's transaction commits.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.utils import timezone

from brokers.models import BrokerProfile, Organisation, Role, User
from contracts.models import ContractDocument, ExchangeRegistration
from deals.matching import index
from deals.matching.selectors import achievement_matches_for_demand
from deals.models import (
    ACTIVE_STATES,
    Achievement,
    Activity,
    Deal,
    DealState,
    Demand,
    Escalation,
    EscalationKind,
    RequestStatus,
    TransitionRequest,
)
from demo.data.deals import DEALS
from demo.loader import DEMO_PASSWORD
from intake.models import Submission
from rewards.models import Reward

pytestmark = pytest.mark.django_db(transaction=True)


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "profiles": BrokerProfile.objects.count(),
        "achievements": Achievement.objects.count(),
        "needs": Demand.objects.count(),
        "deals": Deal.objects.count(),
        "requests": TransitionRequest.objects.count(),
        "activities": Activity.objects.count(),
        "documents": ContractDocument.objects.count(),
        "rewards": Reward.objects.count(),
        "rewards_approved": Reward.objects.filter(status="approved").count(),
        "rewards_paid": Reward.objects.filter(status="paid").count(),
        "escalations": Escalation.objects.count(),
        "achievement_history": Achievement.history.count(),
        "deal_history": Deal.history.count(),
        "submissions": Submission.objects.count(),
    }


def assert_needs_find_their_achievements() -> None:
    """The data hangs together: the matching engine ranks the achievement each demo deal was
    built on among the first five candidates for its need (what a broker clicks first)."""
    index.forget()  # this process may hold an index of a previous test's (flushed) rows
    found = 0
    served = [spec for spec in DEALS if spec["achievements"]]
    for spec in served:
        demand = Demand.objects.get(external_id=f"demo-{spec['need']}")
        top = achievement_matches_for_demand(demand=demand, limit=5)
        keys = {Achievement.objects.get(pk=hit["achievement"]["id"]).external_id for hit in top}
        found += f"demo-{spec['achievements'][0]}" in keys
    assert found >= 0.9 * len(served)


def test_load_demo_builds_the_whole_data_set_and_a_second_run_changes_nothing() -> None:
    check_load_demo()


@pytest.mark.integration
def test_load_demo_works_the_same_on_postgresql(postgres: None) -> None:
    """Row locks, real decimal rounding and a real transaction per deal: PostgreSQL semantics."""
    check_load_demo()


def check_load_demo() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    loaded = out.getvalue()

    # People: three organisations, brokers with profiles, supervisors, finance, an admin.
    assert Organisation.objects.count() >= 3
    brokers = User.objects.filter(role=Role.BROKER)
    assert brokers.count() >= 10
    assert BrokerProfile.objects.filter(user__in=brokers).exclude(
        certificate_number=""
    ).count() == (brokers.count())
    assert User.objects.filter(role=Role.SUPERVISOR).count() >= 2
    assert User.objects.filter(role=Role.FINANCE).count() >= 1
    assert User.objects.filter(is_superuser=True, username="admin").exists()
    # The main organisation has two supervisors, so four eyes can be shown there.
    main = Organisation.objects.get(name="宁波市镇海区科技成果转移转化中心")
    assert main.members.filter(role=Role.SUPERVISOR).count() >= 2
    assert User.objects.get(username="zhangwei").check_password(DEMO_PASSWORD)

    # The library.
    assert Achievement.objects.count() >= 200
    assert Demand.objects.count() >= 50
    assert Achievement.history.count() >= Achievement.objects.count()
    assert Demand.history.count() >= Demand.objects.count()
    # No placeholders ("测试数据1", "成果 3", lorem ipsum); "检测试纸" is a real product.
    placeholder = r"测试数据|测试\s*\d|^(成果|需求)\s*\d+$|lorem"
    assert not Achievement.objects.filter(title__iregex=placeholder).exists()
    assert not Demand.objects.filter(title__iregex=placeholder).exists()
    assert not Demand.objects.filter(description__icontains="lorem").exists()
    assert not Achievement.objects.filter(description__icontains="lorem").exists()
    # Every sector the library used before the catalogue, under its catalogue code.
    assert set(Achievement.objects.values_list("industry", flat=True)) >= {
        "1", "2", "3", "3.3", "4.1", "4.3", "6", "7", "9",
    }  # fmt: skip

    # Deals in every state, walked through the services.
    assert Deal.objects.count() >= 30
    present = set(Deal.objects.values_list("state", flat=True))
    # Every lost deal says why, with one of the configured reasons.
    assert set(Deal.objects.filter(state="lost").values_list("lost_reason_code", flat=True)) <= {
        "no_budget",
        "other_channel",
        "demand_cancelled",
    }
    assert not Deal.objects.filter(state="lost", lost_reason_code="").exists()
    assert present == set(DealState.values)
    # Four eyes: every decision was made by a supervisor of the deal's organisation, never the
    # requester.
    decided = TransitionRequest.objects.exclude(status=RequestStatus.PENDING).exclude(
        status=RequestStatus.WITHDRAWN
    )
    assert decided.exists()
    assert not decided.filter(decided_by=F("requested_by")).exists()
    assert not decided.exclude(decided_by__role=Role.SUPERVISOR).exists()
    assert not decided.exclude(decided_by__organisation=F("deal__organisation")).exists()
    assert TransitionRequest.objects.filter(status=RequestStatus.REJECTED).exists()
    assert TransitionRequest.objects.filter(status=RequestStatus.PENDING).count() >= 3
    # Some deals stalled past their stage's budget.
    now = timezone.now()
    assert Deal.objects.filter(state__in=ACTIVE_STATES, due_at__lt=now).count() >= 3
    # ... and the supervisors have been alerted to them and to the requests left unanswered.
    assert Escalation.objects.filter(kind=EscalationKind.STAGE_OVERDUE).count() >= 3
    assert Escalation.objects.filter(kind=EscalationKind.REQUEST_UNANSWERED).count() >= 1
    # Co-brokered deals, with shares summing to 100.
    shared = Deal.objects.annotate(n=Count("broker_links")).filter(n__gte=2)
    assert shared.count() >= 3
    for deal in Deal.objects.annotate(total=Sum("broker_links__share")):
        assert deal.total == Decimal("100.00")
    # Every deal that reached talks or beyond has its minutes.
    for deal in Deal.objects.filter(state__in=["offline_meeting", "agreement", "registered"]):
        assert deal.activities.filter(kind="online_talk").exists()

    # Registered deals: signed contract, PDF, registration and a computed reward.
    registered = Deal.objects.filter(state=DealState.REGISTERED)
    assert registered.count() >= 3
    assert ExchangeRegistration.objects.filter(contract__deal__in=registered).count() == (
        registered.count()
    )
    assert Reward.objects.filter(deal__in=registered).count() == registered.count()
    # The founding case's cap: 1.5% of 22,000,000 is 330,000, capped at 300,000 per project.
    magnets = Reward.objects.get(deal__demand__external_id="demo-N04")
    assert magnets.amount == Decimal("300000.00")
    assert sum(s.amount for s in magnets.shares.all()) == magnets.amount
    # Finance has approved and paid some of them; the rest wait in the ledger.
    assert set(Reward.objects.values_list("status", flat=True)) == {
        "calculated",
        "approved",
        "paid",
    }

    # After registration: milestones planned (some done), and a late acceptance to chase.
    from followup.models import Milestone

    planned = Milestone.objects.filter(deal__in=registered, planned_on__isnull=False)
    assert planned.values("deal").distinct().count() >= 3
    assert Milestone.objects.filter(actual_on__isnull=False).exists()
    assert Milestone.history.filter(history_user__isnull=False).count() == Milestone.history.count()

    # Talks and meetings planned this week, so 本周会谈 is not empty (zhangwei, the demo login,
    # among their brokers); none of them counts for a stage condition.
    from deals.selectors import meetings_ahead

    admin = User.objects.get(username="admin")
    ahead = list(meetings_ahead(admin))
    assert len(ahead) >= 3 and all(a.occurred_at > now for a in ahead)
    assert meetings_ahead(User.objects.get(username="zhangwei")).count() >= 2

    assert_needs_find_their_achievements()

    # The command prints the demo logins.
    assert "zhangwei" in loaded and "chenjing" in loaded and DEMO_PASSWORD in loaded

    # Public submissions wait in the triage queues of the organisations covering their regions.
    pending = Submission.objects.filter(status="pending")
    assert pending.count() >= 4
    assert set(pending.values_list("organisation__region", flat=True)) >= {"330211", "320100"}

    # Idempotence: a second run creates nothing and writes no history.
    before = counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == before
    assert "新建 0" in out.getvalue()
