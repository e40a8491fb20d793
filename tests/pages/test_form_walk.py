"""Issue 15, "every form on every page shows errors next to the fields": each page form is posted
with bad input, and the page it comes back on (after its redirect, when it redirects) must mark
each bad field with its own error (templates/_field.html's markup), in Chinese, keep what was
typed, and land where the form is (the redirect's anchor exists on the page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from deals.models import DealState
from intake.models import Submission
from payments.services import payment_record
from rewards.services import policy_create, reward_approve, reward_compute
from tests.challenges.conftest import publish
from tests.factories import AdminFactory, DealFactory, DemandFactory
from tests.factories_contracts import ContractFactory, register_deal, sign_contract
from tests.followup.support import registered_deal
from tests.helpers import walk_to
from tests.intake.conftest import good_need
from tests.pages.test_contract_panel import draft_data
from tests.pages.test_deal_forms import field_errors

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    """Who posts what where; the fields that must carry an error; values that must come back."""

    user: str
    setup: Callable[[dict[str, Any]], tuple[str, dict[str, str]]]
    fields: set[str]
    kept: list[str]


def _deal(people: dict[str, Any]) -> Any:
    return DealFactory(lead_broker=people["broker"])


def _agreement(people: dict[str, Any]) -> Any:
    return walk_to(_deal(people), DealState.AGREEMENT, people["supervisor"])


def _signed(people: dict[str, Any]) -> Any:
    return sign_contract(ContractFactory(deal=_agreement(people)))


def activity(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    deal = _deal(people)
    return f"/deals/{deal.pk}/activities/", {
        "kind": "offline_meeting",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "minutes": "对方关心模具寿命",
    }


def move_request(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    deal = _deal(people)
    return f"/deals/{deal.pk}/request/", {"target": "lost", "comment": "企业暂停"}


def contract_draft(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    deal = _agreement(people)
    data = draft_data(a_name="", technology_amount="2900000", s1_note="首付款")
    return f"/deals/{deal.pk}/contract/", data


def contract_sign(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    contract = ContractFactory(deal=_agreement(people))
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    return f"/contracts/{contract.pk}/sign/", {"signed_on": future}


def registration(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    contract = _signed(people)
    return f"/contracts/{contract.pk}/registration/", {
        "exchange": "宁波科技大市场",
        "registration_number": "12345",
        "registered_on": timezone.localdate().isoformat(),
    }


def payment(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    contract = _signed(people)
    return f"/contracts/{contract.pk}/payments/", {
        "received_on": timezone.localdate().isoformat(),
        "amount": "一百万",
        "payer": "宁波某汽车零部件有限公司",
        "reference": "",
    }


def visit(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    deal, _contract = registered_deal(people["broker"])
    return f"/deals/{deal.pk}/visits/", {
        "visited_on": timezone.localdate().isoformat(),
        "visitors": "",
        "notes": "产线已改造完成",
    }


def need_new(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return "/needs/new/", {"title": "", "enterprise": "宁波某模具厂", "region": "火星"}


def challenge_publish(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    demand = DemandFactory()
    return "/challenges/manage/new/", {
        "demand": str(demand.pk),
        "title": "注塑模具冷却难题揭榜",
        "panel_size": "1",
    }


def reward_pay(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    policy_create(
        actor=AdminFactory(),
        name="镇海区技术经纪人奖励办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    deal = register_deal(_deal(people), people["supervisor"])
    reward = reward_compute(deal_id=deal.pk)
    reward_approve(reward_id=reward.pk, actor=people["finance"])
    return f"/ledger/{reward.pk}/pay/", {"paid_on": "2026-02-30", "reference": "PZ-0001"}


def payment_reverse(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    contract = _signed(people)
    received = payment_record(
        contract=contract,
        actor=people["broker"],
        received_on=timezone.localdate(),
        amount=Decimal("1000.00"),
        payer="宁波某汽车零部件有限公司",
        reference="ICBC-1",
    )
    return f"/payments/{received.pk}/reverse/", {"reason": ""}


def public_need(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return "/needs/submit/", {
        "title": "",
        "party": "宁波某模具厂",
        "contact": "王经理",
        "phone": "abc",
        "description": "模具冷却不均",
    }


def _submission() -> int:
    response = APIClient().post("/api/v1/public/needs/", good_need(), format="json")
    assert response.status_code == 201, response.content
    return Submission.objects.latest("id").pk


def triage_decline(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return f"/triage/{_submission()}/decline/", {"reason": "   "}


def triage_merge(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return f"/triage/{_submission()}/merge/", {"into": "987654"}


def triage_accept(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return f"/triage/{_submission()}/accept/", {"open_deal": "on", "lead_broker": ""}


def challenge_close(people: dict[str, Any]) -> tuple[str, dict[str, str]]:
    challenge = publish(people["supervisor"], DemandFactory())
    return f"/challenges/manage/{challenge.pk}/close/", {"reason": "  "}


CASES = {
    "activity": Case("broker", activity, {"location", "participants"}, ["对方关心模具寿命"]),
    "move request": Case("broker", move_request, {"lost_reason_code"}, ["企业暂停"]),
    "contract draft": Case(
        "broker", contract_draft, {"a_name", "technology_amount", "s1_due_on"}, ["首付款"]
    ),
    "contract sign": Case("broker", contract_sign, {"signed_on"}, []),
    "registration": Case("broker", registration, {"registration_number"}, ["宁波科技大市场"]),
    "payment record": Case("broker", payment, {"amount", "reference"}, ["一百万"]),
    "follow-up visit": Case("broker", visit, {"visitors"}, ["产线已改造完成"]),
    "library need": Case("broker", need_new, {"title", "region"}, ["宁波某模具厂"]),
    "challenge publish": Case(
        "supervisor", challenge_publish, {"panel_size"}, ["注塑模具冷却难题揭榜"]
    ),
    "reward pay": Case("finance", reward_pay, {"paid_on"}, ["PZ-0001"]),
    "payment reverse": Case("broker", payment_reverse, {"reason"}, []),
    "public need": Case("", public_need, {"title", "phone", "consent"}, ["模具冷却不均"]),
    "challenge close": Case("supervisor", challenge_close, {"reason"}, []),
    "triage decline": Case("supervisor", triage_decline, {"reason"}, []),
    "triage merge": Case("supervisor", triage_merge, {"into"}, ['value="987654"']),
    "triage accept": Case("supervisor", triage_accept, {"lead_broker"}, ['id="open_deal" checked']),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_page_form_with_bad_input_shows_each_error_at_its_field_with_the_input_kept(
    name, broker, supervisor, finance
):
    case = CASES[name]
    people = {"broker": broker, "supervisor": supervisor, "finance": finance}
    url, data = case.setup(people)
    client = Client()
    if case.user:
        client.force_login(people[case.user])
    response = client.post(url, data)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        target, _hash, anchor = response["Location"].partition("#")
        response = client.get(target)
        html = response.content.decode()
        assert anchor and f'id="{anchor}"' in html, response["Location"]
    html = response.content.decode()
    errors = field_errors(html)
    assert case.fields <= set(errors), errors
    for texts in errors.values():
        for text in texts:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text  # in Chinese
            assert ": " not in text  # no raw field name in front
    for value in case.kept:
        assert value in html, value
