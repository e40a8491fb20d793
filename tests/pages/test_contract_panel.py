"""The deal page's contract panel: draft, sign, PDF, registration, then the move to registered."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from contracts.models import Contract, ContractStatus, DocumentStatus
from deals.models import DealState, RequestStatus, TransitionRequest
from tests.factories import DealFactory
from tests.helpers import walk_to

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def draft_data(**overrides: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "kind": "transfer:patent_right",
        "title": "注塑模具随形冷却流道专利权转让",
        "a_name": "宁波某汽车零部件有限公司",
        "a_address": "宁波市镇海区民和路 100 号",
        "a_representative": "王建国",
        "b_name": "浙江大学宁波研究院",
        "b_address": "宁波市鄞州区首南街道 888 号",
        "b_representative": "李教授",
        "amount": "2800000",
        "technology_amount": "2500000",
        "payment_terms": "合同生效后 30 日内一次性支付。",
        "patent_number": "ZL202110000001.X",
        "patent_title": "一种注塑模具随形冷却流道设计方法",
        "sign_place": "宁波市镇海区",
        "valid_from": today.isoformat(),
        "valid_to": today.replace(year=today.year + 1).isoformat(),
    }
    data.update(overrides)
    return data


def test_broker_drafts_signs_and_registers_the_contract_from_the_deal_page(
    broker, supervisor, django_capture_on_commit_callbacks
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    client = signed_in(broker)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "起草技术合同" in html
    assert f'value="{deal.demand.enterprise}"' in html  # party A prefilled from the need

    response = client.post(f"/deals/{deal.pk}/contract/", draft_data(), follow=True)
    assert "合同草稿已保存" in response.content.decode()
    contract = Contract.objects.get(deal=deal)
    assert contract.status == ContractStatus.DRAFT
    assert contract.party_a["name"] == "宁波某汽车零部件有限公司"
    assert contract.patent["number"] == "ZL202110000001.X"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/contracts/{contract.pk}/sign/",
            {"signed_on": timezone.localdate().isoformat()},
            follow=True,
        )
    html = response.content.decode()
    assert "合同已签署" in html
    assert "PDF 生成中" in html  # the page came back before the render task ran (after commit)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert contract.documents.filter(status=DocumentStatus.READY, final=True).exists()
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f"/api/v1/contracts/{contract.pk}/pdf/" in html
    assert "录入技术合同认定登记" in html

    response = client.post(
        f"/contracts/{contract.pk}/registration/",
        {
            "exchange": "宁波科技大市场",
            "registration_number": "20263302110001",
            "registered_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert "已录入合同登记" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED

    client.post(f"/deals/{deal.pk}/request/", {"target": "registered", "comment": "登记完成"})
    assert TransitionRequest.objects.get(deal=deal, target="registered").status == (
        RequestStatus.PENDING
    )


def test_a_contract_the_service_refuses_comes_back_with_the_reason_and_the_input(
    broker, supervisor
):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/contract/",
        draft_data(amount="100000", technology_amount="250000", title="金额有误的合同"),
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "技术交易额" in html and "messages" in html
    assert 'value="金额有误的合同"' in html
    assert not Contract.objects.filter(deal=deal).exists()


def test_only_the_deals_people_see_the_contract_forms(broker, supervisor, finance, other_broker):
    deal = walk_to(DealFactory(lead_broker=broker), DealState.AGREEMENT, supervisor)
    html = signed_in(finance).get(f"/deals/{deal.pk}/").content.decode()
    assert f'action="/deals/{deal.pk}/contract/"' not in html
    assert "待本项目的经纪人起草" in html
    response = signed_in(other_broker).post(f"/deals/{deal.pk}/contract/", draft_data())
    assert response.status_code == 404
    assert not Contract.objects.exists()
