import pytest

from contracts.models import ContractStatus
from contracts.selectors import contract_for_deal, registration_for_deal
from deals.models import DealState
from tests.factories_contracts import register_deal


@pytest.mark.django_db
def test_register_deal_walks_a_deal_to_registered_with_a_registered_contract(deal, supervisor):
    deal = register_deal(deal, supervisor)
    assert deal.state == DealState.REGISTERED
    contract = contract_for_deal(deal.pk)
    assert contract is not None and contract.status == ContractStatus.REGISTERED
    registration = registration_for_deal(deal.pk)
    assert registration is not None and registration.contract_id == contract.pk
    assert contract.documents.filter(status="ready", final=True).count() == 1
