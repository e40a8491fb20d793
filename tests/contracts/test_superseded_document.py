"""A PDF requested before an edit of the contract is never rendered from the edited text: it is
marked superseded (failed, with the revisions and what to do); a new request renders the new
text. Tasks arrive late after an outage, so this is what the document sweep relies on."""

from __future__ import annotations

import pytest

from contracts import services
from contracts.models import DocumentStatus
from tests.factories_contracts import ContractFactory

pytestmark = pytest.mark.django_db


def test_a_document_requested_before_an_edit_is_marked_superseded_not_rendered(
    api, broker, deal, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    contract = ContractFactory(deal=deal)
    requested = services.document_request(contract=contract, actor=broker)  # task not run yet
    edited = api(broker).patch(
        f"/api/v1/contracts/{contract.pk}/", {"technology_amount": "2000000.00"}, format="json"
    )
    assert edited.status_code == 200, edited.json()

    document = services.document_render(document_id=requested.pk)

    assert document.status == DocumentStatus.FAILED
    assert "已作废" in document.error and "1 → 2" in document.error
    assert not document.file
    fresh = services.document_request(contract=contract, actor=broker)
    assert fresh.pk != requested.pk and fresh.contract_revision == 2
    assert services.document_render(document_id=fresh.pk).status == DocumentStatus.READY


def test_a_document_of_an_unchanged_contract_renders(broker, deal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contract = ContractFactory(deal=deal)
    requested = services.document_request(contract=contract, actor=broker)
    assert services.document_render(document_id=requested.pk).status == DocumentStatus.READY
