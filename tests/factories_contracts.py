"""Contract factories and helpers for tests (stable names: other apps' tests use them).

- `party_data(name=..., **overrides)` → a valid party block (dict) for the API or the services.
- `contract_data(**overrides)` → the keyword arguments of `contracts.services.contract_create`
  (also a valid POST body for /api/v1/deals/{id}/contract/ once dates are `.isoformat()`-ed:
  use `contract_payload(**overrides)` for that).
- `ContractFactory(deal=..., **overrides)` → a *draft* contract with valid parties, made through
  `contract_create` (so it obeys every rule the API does). Defaults: technology transfer of a
  patent right, amount 2,800,000.00, technology amount 2,500,000.00.
- `sign_contract(contract, actor=None, signed_on=None)` → the signed contract, its final PDF
  rendered in-process (no on_commit needed).
- `render_pdf(contract, actor=None)` → the ready ContractDocument (raises if it failed).
- `record_registration(contract, actor=None, number=None, registered_on=None)` → the registration
  (a fresh 14-digit number each call).
- `complete_agreement(deal, supervisor, **contract_overrides)` → walks the deal to `agreement`
  (tests.helpers.walk_to), drafts, signs, renders and registers its contract; returns the contract.
- `register_deal(deal, supervisor, **contract_overrides)` → `complete_agreement`, then the lead
  broker requests `registered` and the supervisor approves it. Returns the deal (state
  `registered`). The deal_state_changed signal fires only after commit: wrap the call in
  `django_capture_on_commit_callbacks(execute=True)` when a test listens to it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from brokers.models import User
from contracts import services
from contracts.models import Contract, ContractDocument, DocumentStatus, ExchangeRegistration
from deals.models import Deal, DealState
from tests.helpers import move, walk_to

_numbers = itertools.count(1)


def party_data(name: str = "宁波某汽车零部件有限公司", **overrides: str) -> dict[str, str]:
    data = {
        "name": name,
        "credit_code": "91330211MA2GXXXX1K",
        "address": "浙江省宁波市镇海区骆驼街道民和路 100 号",
        "representative": "王建国",
        "contact": "王经理",
        "phone": "0574-86000000",
        "bank_account": "中国银行宁波镇海支行 3512 5800 0000 1234",
    }
    data.update(overrides)
    return data


def contract_data(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "contract_type": "transfer",
        "subtype": "patent_right",
        "title": "注塑模具随形冷却流道专利权转让",
        "party_a": party_data(),
        "party_b": party_data(
            "浙江大学宁波研究院",
            credit_code="12330200MB1234567X",
            address="浙江省宁波市鄞州区首南街道 888 号",
            representative="李教授",
            contact="赵老师",
            bank_account="工商银行宁波分行 3901 1100 0000 5678",
        ),
        "amount": Decimal("2800000.00"),
        "technology_amount": Decimal("2500000.00"),
        "payment_mode": "lump_sum",
        "payment_terms": "合同生效后 30 日内一次性支付。",
        "clauses": {"breach": "任何一方违约，应向守约方支付合同成交额 10% 的违约金。"},
        "patent": {
            "title": "一种注塑模具随形冷却流道设计方法",
            "number": "ZL202110000001.X",
            "kind": "发明专利",
            "holder": "浙江大学宁波研究院",
        },
        "sign_place": "浙江省宁波市镇海区",
        "valid_from": today - dt.timedelta(days=1),
        "valid_to": today + dt.timedelta(days=365),
    }
    data.update(overrides)
    return data


def contract_payload(**overrides: Any) -> dict[str, Any]:
    """contract_data as JSON for the API (decimals and dates as strings)."""
    data = contract_data(**overrides)
    for key in ("amount", "technology_amount"):
        data[key] = str(data[key])
    for key in ("valid_from", "valid_to"):
        if isinstance(data[key], dt.date):
            data[key] = data[key].isoformat()
    return data


class ContractFactory:
    """`ContractFactory(deal=deal, **overrides)` → a draft Contract made by contract_create.

    Not a factory_boy factory on purpose: contracts are only ever made through the service (number,
    intermediary block, validation), and a factory that bypassed it would test a different object.
    """

    def __new__(  # type: ignore[misc]
        cls, *, deal: Deal | None = None, actor: User | None = None, **overrides: Any
    ) -> Contract:
        if deal is None:
            from tests.factories import DealFactory

            deal = DealFactory.create()
        return services.contract_create(
            deal=deal, actor=actor or deal.lead_broker, **contract_data(**overrides)
        )


def render_pdf(contract: Contract, actor: User | None = None) -> ContractDocument:
    document = services.document_request(
        contract=contract, actor=actor or contract.deal.lead_broker
    )
    document = services.document_render(document_id=document.pk)
    if document.status != DocumentStatus.READY:
        raise AssertionError(f"contract PDF failed: {document.error}")
    return document


def sign_contract(
    contract: Contract, actor: User | None = None, signed_on: dt.date | None = None
) -> Contract:
    actor = actor or contract.deal.lead_broker
    contract = services.contract_sign(
        contract=contract, actor=actor, signed_on=signed_on or timezone.localdate()
    )
    render_pdf(contract, actor)
    contract.refresh_from_db()
    return contract


def record_registration(
    contract: Contract,
    actor: User | None = None,
    number: str | None = None,
    registered_on: dt.date | None = None,
) -> ExchangeRegistration:
    return services.registration_record(
        contract=contract,
        actor=actor or contract.deal.lead_broker,
        exchange="宁波市技术市场（浙江知识产权交易中心宁波分中心）",
        registration_number=number or f"3302112026{next(_numbers):04d}",
        registered_on=registered_on or timezone.localdate(),
        certificate_number="JYZM-2026-0001",
    )


def complete_agreement(deal: Deal, supervisor: User, **contract_overrides: Any) -> Contract:
    if deal.state != DealState.AGREEMENT:
        deal = walk_to(deal, DealState.AGREEMENT, supervisor)
    contract = ContractFactory(deal=deal, **contract_overrides)
    contract = sign_contract(contract)
    record_registration(contract)
    contract.refresh_from_db()
    return contract


def register_deal(deal: Deal, supervisor: User, **contract_overrides: Any) -> Deal:
    complete_agreement(deal, supervisor, **contract_overrides)
    deal.refresh_from_db()
    return move(deal, DealState.REGISTERED, supervisor)


__all__ = [
    "ContractFactory",
    "complete_agreement",
    "contract_data",
    "contract_payload",
    "party_data",
    "record_registration",
    "register_deal",
    "render_pdf",
    "sign_contract",
]
