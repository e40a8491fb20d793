"""After the signature, at a province's scale: the registration-deadline sweep over 10^4 signed,
unregistered contracts (every one overdue, so each is announced; then a re-run that finds nothing
new), and the follow-up list over 10^4 registered deals with their milestones and payments
(targets ≤ 2 s each)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

N = 10_000


def _deals(org, brokers, demand, state, offset):  # type: ignore[no-untyped-def]
    from common.workdays import TZ
    from deals.models import Deal, DealBroker

    entered = dt.datetime(2026, 9, 1, 9, tzinfo=TZ)
    deals = Deal.objects.bulk_create(
        Deal(
            title=f"项目 {offset + i}",
            demand=demand,
            organisation=org,
            lead_broker=brokers[i % 20],
            state=state,
            state_entered_at=entered,
        )
        for i in range(N)
    )
    DealBroker.objects.bulk_create(
        DealBroker(deal=d, user_id=d.lead_broker_id, share=100) for d in deals
    )
    return deals


def _contracts(deals, status, offset):  # type: ignore[no-untyped-def]
    from contracts.models import Contract

    signed = dt.date(2026, 9, 18)
    return Contract.objects.bulk_create(
        Contract(
            deal=d,
            number=f"BENCH{offset + i:08d}",
            contract_type="transfer",
            subtype="patent_right",
            title=d.title,
            amount=Decimal("300000.00"),
            technology_amount=Decimal("300000.00"),
            payment_mode="instalments",
            payment_schedule=[
                {"due_on": "2026-10-01", "amount": "100000.00", "note": ""},
                {"due_on": "2027-03-01", "amount": "200000.00", "note": ""},
            ],
            sign_place="宁波",
            signed_on=signed,
            valid_from=signed,
            valid_to=signed + dt.timedelta(days=365),
            status=status,
        )
        for i, d in enumerate(deals)
    )


def measure() -> bool:
    from django.db import transaction

    from bench.support import load_note, verdict
    from common.workdays import TZ
    from contracts.models import ExchangeRegistration
    from deals.models import DealState
    from followup.models import Milestone
    from followup.selectors import follow_up_items
    from followup.services import registrations_sweep_overdue
    from notifications.models import Notification
    from payments.models import Payment
    from tests.factories import BrokerFactory, DemandFactory, OrganisationFactory, SupervisorFactory

    org = OrganisationFactory()
    brokers = [BrokerFactory(organisation=org) for _ in range(20)]
    supervisor = SupervisorFactory(organisation=org)
    demand = DemandFactory()
    with transaction.atomic():
        waiting = _deals(org, brokers, demand, DealState.AGREEMENT, 0)
        _contracts(waiting, "signed", 0)
        registered = _deals(org, brokers, demand, DealState.REGISTERED, N)
        contracts = _contracts(registered, "registered", N)
        ExchangeRegistration.objects.bulk_create(
            ExchangeRegistration(
                contract=c,
                exchange="宁波市技术市场",
                registration_number=f"{33021120260000 + i}",
                registered_on=dt.date(2026, 10, 9),
            )
            for i, c in enumerate(contracts)
        )
        Milestone.objects.bulk_create(
            Milestone(
                deal=d,
                kind=kind,
                planned_on=dt.date(2026, 10, 20) + dt.timedelta(days=(i % 2) * 60),
                actual_on=dt.date(2026, 10, 15) if kind == "documents_delivered" else None,
            )
            for i, d in enumerate(registered)
            for kind in ("documents_delivered", "acceptance")
        )
        Payment.objects.bulk_create(
            Payment(
                deal=c.deal,
                contract=c,
                received_on=dt.date(2026, 10, 1),
                amount=Decimal("100000.00"),
                payer="甲方",
                reference=f"B{i}",
            )
            for i, c in enumerate(contracts)
            if i % 2
        )
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- the URLconf import is start-up, not the sweep
    import time_machine

    ok = True
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=TZ), tick=False):
        for label in ("first run", "second run (nothing new)"):
            started = time.perf_counter()
            with transaction.atomic():
                announced = registrations_sweep_overdue()
            seconds = time.perf_counter() - started
            ok &= seconds <= 2
            print(
                f"registration-deadline sweep over {N:,} overdue contracts, {label}: "
                f"{seconds:.2f} s  target ≤ 2 s  {verdict(seconds, 2)}  ({announced:,} announced, "
                f"{Notification.objects.count():,} notifications; {load_note()})"
            )
        started = time.perf_counter()
        items = follow_up_items(supervisor)  # type: ignore[arg-type]  # factory_boy returns the User
        seconds = time.perf_counter() - started
        ok &= seconds <= 2
        late_milestones = sum(i.milestone_overdue for i in items)
        print(
            f"follow-up list over {N:,} registered deals: {seconds:.2f} s  target ≤ 2 s  "
            f"{verdict(seconds, 2)}  ({len(items):,} listed, {late_milestones:,} with a late "
            f"milestone; {load_note()})"
        )
    return ok


def main() -> bool:
    from bench.support import scratch_database, setup_django

    setup_django()
    with scratch_database():
        return measure()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
