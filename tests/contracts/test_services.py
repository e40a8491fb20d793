"""Rules of the contract services that the API tests do not reach."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.exceptions import Conflict, NotAllowed, ValidationFailed
from contracts import services
from contracts.models import ContractStatus
from contracts.selectors import contract_for_deal, registration_for_deal
from deals.conditions import agreement_complete
from deals.extensions import resolve_deal_fields
from tests.factories import DealFactory
from tests.factories_contracts import ContractFactory, record_registration, sign_contract

pytestmark = pytest.mark.django_db


def test_the_deal_fields_of_many_deals_come_in_a_query_for_the_columns_and_one_per_computed_field(
    broker,
):
    deals = [DealFactory(lead_broker=broker) for _ in range(5)]
    contracts = [ContractFactory(deal=d) for d in deals[:3]]
    with CaptureQueriesContext(connection) as queries:
        fields = resolve_deal_fields([d.pk for d in deals])
    # contract and support_amount are subqueries of one SELECT; the registration deadline (working
    # days, followup) is computed from one query of its own
    assert len(queries) == 2
    assert {pk: f["contract"] for pk, f in fields.items()} == {
        **{d.pk: c.pk for d, c in zip(deals, contracts, strict=False)},
        deals[3].pk: None,
        deals[4].pk: None,
    }


def test_agreement_condition_explains_itself_in_chinese(deal):
    blockers = agreement_complete.blockers(deal)
    assert len(blockers) == 3 and all(any("\u4e00" <= ch <= "\u9fff" for ch in b) for b in blockers)
    contract = sign_contract(ContractFactory(deal=deal))
    assert len(agreement_complete.blockers(deal)) == 1
    record_registration(contract)
    assert agreement_complete(deal) is True


def test_cancelled_contract_frees_the_deal_for_a_new_one(deal, broker):
    contract = ContractFactory(deal=deal)
    with pytest.raises(ValidationFailed):
        services.contract_cancel(contract=contract, actor=broker, reason=" ")
    services.contract_cancel(contract=contract, actor=broker, reason="双方放弃")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CANCELLED and contract.is_current is False
    assert contract_for_deal(deal.pk) is None
    second = ContractFactory(deal=deal)
    assert second.version == 2 and contract_for_deal(deal.pk) == second


def test_a_registered_contract_cannot_be_cancelled_or_versioned(deal, broker):
    contract = sign_contract(ContractFactory(deal=deal))
    record_registration(contract)
    contract.refresh_from_db()
    with pytest.raises(Conflict):
        services.contract_cancel(contract=contract, actor=broker, reason="x")
    with pytest.raises(Conflict):
        services.contract_new_version(contract=contract, actor=broker, reason="x")


def test_deregistered_contract_is_registered_again_through_a_new_version(deal, broker, supervisor):
    contract = sign_contract(ContractFactory(deal=deal))
    record_registration(contract)
    services.registration_cancel(contract=contract, actor=supervisor, reason="认定撤销")
    contract.refresh_from_db()
    assert registration_for_deal(deal.pk) is None
    with pytest.raises(Conflict):
        record_registration(contract)
    new = services.contract_new_version(contract=contract, actor=broker, reason="重新登记")
    new = sign_contract(new)
    record_registration(new)
    assert registration_for_deal(deal.pk).contract_id == new.pk


def test_only_people_of_the_deal_may_act(deal, co_broker, other_supervisor, finance):
    for outsider in (co_broker, other_supervisor, finance):
        with pytest.raises(NotAllowed):
            ContractFactory(deal=deal, actor=outsider)


def test_no_contract_on_a_lost_deal(deal, supervisor):
    from tests.helpers import move

    move(deal, "lost", supervisor, comment="企业放弃")
    with pytest.raises(Conflict):
        ContractFactory(deal=deal)


def test_history_records_who_signed_and_why(deal, broker):
    contract = sign_contract(ContractFactory(deal=deal))
    latest = contract.history.order_by("-history_id").first()
    assert latest.status == "signed"
    assert latest.history_user == broker
    assert latest.history_change_reason == "合同签署"
