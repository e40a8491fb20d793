"""Issue 15 left-over: a wrong attachment can be taken off a draft contract (or off a cancelled
registration), with who and why in the deal's history; a signed contract's files stay."""

from __future__ import annotations

import pytest
from django.test import Client

from contracts import services
from contracts.models import Contract, ContractAttachment
from deals.models import DealState
from tests.factories import DealFactory
from tests.factories_contracts import ContractFactory, sign_contract
from tests.helpers import walk_to
from tests.pages.test_contract_desk import png_file
from tests.pages.test_deal_forms import field_errors, section

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def draft(broker, supervisor) -> Contract:  # type: ignore[no-untyped-def]
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    return ContractFactory(deal=deal)


def test_a_broker_removes_a_wrong_file_from_a_draft_and_the_history_says_who_and_why(
    broker, supervisor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    contract = draft(broker, supervisor)
    attachment = services.attachment_add(
        contract=contract, actor=broker, kind="other", file=png_file("别的项目的图.png")
    )
    stored = attachment.file.name
    assert attachment.file.storage.exists(stored)
    client = signed_in(broker)
    page = f"/deals/{contract.deal_id}/"
    remove = f"/contracts/attachments/{attachment.pk}/remove/"
    assert f'action="{remove}"' in client.get(page).content.decode()

    # Without a reason: the error at the reason field of that file's form, nothing removed.
    response = client.post(remove, {"attachment": attachment.pk, "reason": " "})
    assert response["Location"] == f"{page}#contract-attachments"
    html = client.get(page).content.decode()
    assert field_errors(html) == {"reason": ["该字段是必填项。"]}
    assert f'<details id="remove-attachment-{attachment.pk}" open' in html
    assert ContractAttachment.objects.filter(pk=attachment.pk).exists()

    client.post(remove, {"attachment": attachment.pk, "reason": "传错了文件"})
    html = client.get(page).content.decode()
    assert "已删除附件“别的项目的图.png”" in section(html, "contract-attachments")
    assert not ContractAttachment.objects.filter(pk=attachment.pk).exists()
    history = section(html, "history")
    assert "删除附件：传错了文件" in history and "别的项目的图.png" in history
    row = ContractAttachment.history.filter(id=attachment.pk, history_type="-").get()
    assert row.history_user == broker and row.history_change_reason == "删除附件：传错了文件"


def test_a_signed_contracts_files_stay_and_the_page_offers_no_removal(broker, supervisor):
    contract = sign_contract(draft(broker, supervisor))
    scan = services.attachment_add(
        contract=contract, actor=broker, kind="signed_scan", file=png_file()
    )
    client = signed_in(broker)
    html = client.get(f"/deals/{contract.deal_id}/").content.decode()
    assert "/remove/" not in section(html, "contract-attachments")
    response = client.post(
        f"/contracts/attachments/{scan.pk}/remove/", {"attachment": scan.pk, "reason": "想换"}
    )
    html = client.get(response["Location"]).content.decode()
    assert "不能删除" in section(html, "contract")
    assert ContractAttachment.objects.filter(pk=scan.pk).exists()


def test_another_organisation_cannot_remove_a_file(broker, supervisor, other_broker):
    contract = draft(broker, supervisor)
    attachment = services.attachment_add(
        contract=contract, actor=broker, kind="other", file=png_file()
    )
    response = signed_in(other_broker).post(
        f"/contracts/attachments/{attachment.pk}/remove/",
        {"attachment": attachment.pk, "reason": "x"},
    )
    assert response.status_code == 404
    assert ContractAttachment.objects.filter(pk=attachment.pk).exists()
