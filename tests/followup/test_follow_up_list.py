"""GET /api/v1/follow-up/ and the /follow-up/ page list exactly the registered deals, visible to
the user, whose next milestone is past its planned date or with an instalment due and not
covered by the money received (payments not reversed)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from common.workdays import TZ
from tests.followup.support import registered_deal, signed_deal

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
LATER = [("2026-09-01", "300000.00")]
SPLIT = [("2026-05-01", "100000.00"), ("2026-09-01", "200000.00")]


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), TZ), tick=False):
        yield


def milestone(api, user, deal, **body):  # type: ignore[no-untyped-def]
    r = api(user).post(reverse("api:deal-milestones", args=[deal.pk]), body, format="json")
    assert r.status_code in (200, 201), r.json()


def pay(api, user, contract, amount, reference):  # type: ignore[no-untyped-def]
    r = api(user).post(
        reverse("api:contract-payments", args=[contract.pk]),
        {"received_on": "2026-05-02", "amount": amount, "payer": "甲方", "reference": reference},
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()["id"]


@pytest.fixture
def cast(api, broker, co_broker, finance, other_broker):  # type: ignore[no-untyped-def]
    deals = {}
    # A: delivered, acceptance planned for 1 June and not done → listed (milestone).
    deals["A"], _c = registered_deal(broker, schedule=LATER)
    milestone(api, broker, deals["A"], kind="documents_delivered", actual_on="2026-04-10")
    milestone(api, broker, deals["A"], kind="acceptance", planned_on="2026-06-01")
    # B: next milestone planned for later → not listed.
    deals["B"], _c = registered_deal(broker, schedule=LATER)
    milestone(api, broker, deals["B"], kind="documents_delivered", planned_on="2026-06-20")
    # B2: planned for today: not late yet.
    deals["B2"], _c = registered_deal(broker, schedule=LATER)
    milestone(api, broker, deals["B2"], kind="documents_delivered", planned_on="2026-06-15")
    # C: first instalment due 1 May, 60,000 of 100,000 received → listed (instalment).
    deals["C"], c = registered_deal(broker, schedule=SPLIT)
    pay(api, broker, c, "60000.00", "C-1")
    # D: first instalment paid in full → not listed.
    deals["D"], c = registered_deal(broker, schedule=SPLIT)
    pay(api, broker, c, "100000.00", "D-1")
    # E: paid, then the payment reversed (bounced) → listed again.
    deals["E"], c = registered_deal(broker, schedule=SPLIT)
    payment = pay(api, broker, c, "100000.00", "E-1")
    r = api(finance).post(
        reverse("api:payment-reverse", args=[payment]), {"reason": "退票"}, format="json"
    )
    assert r.status_code == 200, r.json()
    # F: late milestone, but the outcome says it failed: nothing left to chase → not listed.
    deals["F"], _c = registered_deal(broker, schedule=LATER)
    milestone(api, broker, deals["F"], kind="documents_delivered", planned_on="2026-05-01")
    r = api(broker).post(
        reverse("api:deal-outcome", args=[deals["F"].pk]),
        {"result": "failed", "reason": "企业转产"},
        format="json",
    )
    assert r.status_code == 201
    # G: another organisation's deal, late → only its own people see it.
    deals["G"], _c = registered_deal(other_broker, schedule=LATER)
    milestone(api, other_broker, deals["G"], kind="documents_delivered", planned_on="2026-05-01")
    # H: signed, an instalment overdue, but not registered → not in the follow-up.
    deals["H"], _c = signed_deal(broker, dt.date(2026, 3, 2), schedule=SPLIT)
    # I: the co-broker's own deal with an overdue instalment → listed for the co-broker only.
    deals["I"], _c = registered_deal(co_broker, schedule=SPLIT)
    return deals


def listed(api, user) -> list[int]:  # type: ignore[no-untyped-def]
    body = api(user).get(reverse("api:follow-up")).json()
    return [row["deal"] for row in body["results"]]


def test_the_follow_up_lists_exactly_the_deals_with_a_late_milestone_or_instalment(
    api, cast, broker, co_broker, supervisor, finance, other_supervisor
):
    ids = {name: deal.pk for name, deal in cast.items()}
    # Oldest lapse first: instalments due 1 May, then the acceptance planned for 1 June.
    assert listed(api, supervisor) == [ids["C"], ids["E"], ids["I"], ids["A"]]
    assert listed(api, finance) == [ids["C"], ids["E"], ids["I"], ids["A"]]
    assert listed(api, broker) == [ids["C"], ids["E"], ids["A"]]
    assert listed(api, co_broker) == [ids["I"]]
    assert listed(api, other_supervisor) == [ids["G"]]


def test_each_row_says_what_is_late(api, cast, supervisor):
    rows = {r["deal"]: r for r in api(supervisor).get(reverse("api:follow-up")).json()["results"]}
    a = rows[cast["A"].pk]
    assert a["milestone_overdue"] is True
    assert a["next_milestone"]["kind"] == "acceptance"
    assert a["next_milestone"]["planned_on"] == "2026-06-01"
    assert a["overdue_instalments"] == []
    c = rows[cast["C"].pk]
    assert c["milestone_overdue"] is False
    assert [(i["due_on"], i["amount"], i["outstanding"]) for i in c["overdue_instalments"]] == [
        ("2026-05-01", "100000.00", "40000.00")
    ]
    assert c["outstanding"] == "40000.00"


def test_the_follow_up_page_shows_the_same_deals(client, cast, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("follow-up")).content.decode()
    for name in ("A", "C", "E", "I"):
        assert f'data-deal="{cast[name].pk}"' in page
    for name in ("B", "B2", "D", "F", "G", "H"):
        assert f'data-deal="{cast[name].pk}"' not in page
    assert "40,000.00" in page or "40000.00" in page
