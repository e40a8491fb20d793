import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import services
from tests.factories_contracts import ContractFactory, record_registration, sign_contract

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_contracts_documents_registrations_and_history(
    client, admin_user, deal
):
    contract = sign_contract(ContractFactory(deal=deal))
    registration = record_registration(contract)
    document = contract.documents.get()
    attachment = services.attachment_add(
        contract=contract,
        actor=deal.lead_broker,
        kind="signed_scan",
        file=SimpleUploadedFile("盖章页.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    client.force_login(admin_user)
    for url in (
        "/admin/contracts/contract/",
        f"/admin/contracts/contract/{contract.pk}/change/",
        f"/admin/contracts/contract/{contract.pk}/history/",
        "/admin/contracts/contractdocument/",
        f"/admin/contracts/contractdocument/{document.pk}/change/",
        "/admin/contracts/exchangeregistration/",
        f"/admin/contracts/exchangeregistration/{registration.pk}/change/",
        f"/admin/contracts/exchangeregistration/{registration.pk}/history/",
        "/admin/contracts/contractattachment/",
        f"/admin/contracts/contractattachment/{attachment.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert contract.number in client.get("/admin/contracts/contract/").content.decode()


def test_admin_cannot_delete_or_edit_a_contract(client, admin_user, deal):
    contract = sign_contract(ContractFactory(deal=deal))
    history_rows = contract.history.count()
    client.force_login(admin_user)
    response = client.post(f"/admin/contracts/contract/{contract.pk}/change/", {"title": "x"})
    contract.refresh_from_db()
    assert contract.title != "x"
    assert response.status_code == 403
    assert contract.history.count() == history_rows
    assert client.get(f"/admin/contracts/contract/{contract.pk}/delete/").status_code == 403
