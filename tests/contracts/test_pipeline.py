"""Acceptance: a deal reaches `registered` only with a signed contract, its final PDF and an
exchange registration — checked through the API the way a broker and a supervisor use it."""

import pytest
from django.utils import timezone

from deals.models import DealState
from tests.factories_contracts import ContractFactory, contract_payload
from tests.helpers import walk_to

pytestmark = pytest.mark.django_db


def request_registered(api, broker, deal):
    return api(broker).post(
        f"/api/v1/deals/{deal.pk}/transition-requests/",
        {"target": "registered", "comment": "合同已登记"},
        format="json",
    )


def test_deal_moves_to_registered_only_when_contract_pdf_and_registration_hold(
    api, broker, supervisor, deal, django_capture_on_commit_callbacks
):
    deal = walk_to(deal, DealState.AGREEMENT, supervisor)

    # nothing yet: three blockers
    response = request_registered(api, broker, deal)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conditions_unmet"
    assert len(body["blockers"]) == 3
    assert any("没有已签署的技术合同" in b for b in body["blockers"])

    # a draft with technology amount 0: still no signed contract
    created = api(broker).post(
        f"/api/v1/deals/{deal.pk}/contract/",
        contract_payload(technology_amount="0.00"),
        format="json",
    )
    assert created.status_code == 201
    contract_id = created.json()["id"]
    assert any("没有已签署" in b for b in request_registered(api, broker, deal).json()["blockers"])

    # signed, but its PDF is not rendered yet (the task waits for the commit) and no registration
    with django_capture_on_commit_callbacks(execute=False) as pending_render:
        signed = api(broker).post(
            f"/api/v1/contracts/{contract_id}/sign/",
            {"signed_on": timezone.localdate().isoformat()},
            format="json",
        )
    assert signed.status_code == 200
    blockers = request_registered(api, broker, deal).json()["blockers"]
    assert any("技术交易额必须大于 0" in b for b in blockers)
    assert any("PDF" in b for b in blockers)
    assert any("登记" in b for b in blockers)

    # the technology amount is fixed by a new version, which is signed again
    new = api(broker).post(
        f"/api/v1/contracts/{contract_id}/new-version/",
        {"reason": "补正技术交易额", "technology_amount": "2500000.00"},
        format="json",
    )
    assert new.status_code == 201, new.json()
    contract_id = new.json()["id"]
    with django_capture_on_commit_callbacks(execute=False) as pending_render:
        api(broker).post(
            f"/api/v1/contracts/{contract_id}/sign/",
            {"signed_on": timezone.localdate().isoformat()},
            format="json",
        )
    blockers = request_registered(api, broker, deal).json()["blockers"]
    assert len(blockers) == 2 and any("PDF" in b for b in blockers)

    # the PDF is rendered: only the registration is missing
    for callback in pending_render:
        callback()
    assert api(broker).get(f"/api/v1/contracts/{contract_id}/pdf/").status_code == 200
    blockers = request_registered(api, broker, deal).json()["blockers"]
    assert len(blockers) == 1 and "登记" in blockers[0]

    # registered at the exchange: the request goes through, and approval moves the deal
    registered = api(broker).post(
        f"/api/v1/contracts/{contract_id}/registration/",
        {
            "exchange": "宁波市技术市场",
            "registration_number": "33021120260007",
            "registered_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    response = request_registered(api, broker, deal)
    assert response.status_code == 201, response.json()
    with django_capture_on_commit_callbacks(execute=True):
        approved = api(supervisor).post(
            f"/api/v1/transition-requests/{response.json()['id']}/approve/", format="json"
        )
    assert approved.status_code == 200, approved.json()
    deal_body = api(broker).get(f"/api/v1/deals/{deal.pk}/").json()
    assert deal_body["state"] == "registered"
    assert deal_body["contract"] == contract_id


def test_approval_is_refused_when_the_registration_was_cancelled_meanwhile(
    api, broker, supervisor, deal
):
    from contracts import services
    from tests.factories_contracts import record_registration, sign_contract

    deal = walk_to(deal, DealState.AGREEMENT, supervisor)
    contract = sign_contract(ContractFactory(deal=deal))
    record_registration(contract)
    request = request_registered(api, broker, deal)
    assert request.status_code == 201
    services.registration_cancel(contract=contract, actor=supervisor, reason="登记有误")
    approved = api(supervisor).post(
        f"/api/v1/transition-requests/{request.json()['id']}/approve/", format="json"
    )
    assert approved.status_code == 409
    assert approved.json()["code"] == "conditions_unmet"
    assert any("登记" in b for b in approved.json()["blockers"])
