"""The contracts API as clients use it (api.md, "Contracts")."""

import datetime as dt

import pytest
from django.utils import timezone

from contracts.models import Contract, ContractStatus, ExchangeRegistration
from contracts.pdf import TEMPLATE_VERSION
from contracts.signals import registration_cancelled
from tests.factories import DealFactory
from tests.factories_contracts import (
    ContractFactory,
    contract_payload,
    record_registration,
    sign_contract,
)

pytestmark = pytest.mark.django_db


def create(api, user, deal, **overrides):
    return api(user).post(
        f"/api/v1/deals/{deal.pk}/contract/", contract_payload(**overrides), format="json"
    )


def test_broker_drafts_the_contract_of_their_deal(api, broker, deal):
    response = create(api, broker, deal)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["amount"] == "2800000.00"
    assert body["technology_amount"] == "2500000.00"
    assert body["party_a"]["name"] == "宁波某汽车零部件有限公司"
    assert body["intermediary"]["organisation"] == deal.organisation.name
    assert body["intermediary"]["broker"] == "张伟"
    assert body["intermediary"]["region"] == "宁波市镇海区"
    assert body["intermediary"]["certificate_number"] == broker.broker_profile.certificate_number
    assert body["number"].startswith("JSHT")
    assert api(broker).get(f"/api/v1/contracts/{body['id']}/").json()["id"] == body["id"]
    assert api(broker).get(f"/api/v1/deals/{deal.pk}/").json()["contract"] == body["id"]


def test_a_deal_has_one_current_contract(api, broker, deal):
    assert create(api, broker, deal).status_code == 201
    second = create(api, broker, deal)
    assert second.status_code == 409
    assert second.json()["code"] == "contract_exists"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"technology_amount": "3000000.00"}, "technology_amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"technology_amount": "-5"}, "technology_amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"valid_from": "2026-02-30"}, "valid_from"),
        ({"valid_to": "not a date"}, "valid_to"),
        ({"valid_from": "2027-01-01", "valid_to": "2026-01-01"}, "valid_to"),
        ({"contract_type": "sale"}, "contract_type"),
        ({"subtype": "exclusive_patent"}, "subtype"),
        ({"clauses": {"no_such_clause": "x"}}, "clauses"),
        ({"party_a": {"name": "某公司"}}, "party_a"),
        ({"payment_mode": "instalments"}, "payment_schedule"),
        (
            {
                "payment_mode": "instalments",
                "payment_schedule": [{"due_on": "2026-05-01", "amount": "100.00"}],
            },
            "payment_schedule",
        ),
    ],
)
def test_bad_input_gets_400_with_a_message_naming_the_field(api, broker, deal, overrides, field):
    response = create(api, broker, deal, **overrides)
    assert response.status_code == 400, response.content
    body = response.json()
    # Either DRF's field form {"field": [...]} or a domain error whose message names the field.
    assert field in body or field in body.get("detail", ""), body
    assert not Contract.objects.exists()


def test_technology_amount_above_amount_says_what_is_wrong(api, broker, deal):
    response = create(api, broker, deal, amount="100.00", technology_amount="100.01")
    assert response.status_code == 400
    assert response.json()["code"] == "technology_amount_exceeds_amount"
    assert "不能大于成交额" in response.json()["detail"]


def test_the_database_enforces_technology_amount_at_most_amount(deal):
    from django.db import IntegrityError, transaction

    contract = ContractFactory(deal=deal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(technology_amount=contract.amount + 1)


def test_draft_is_edited_with_patch(api, broker, deal):
    contract = ContractFactory(deal=deal)
    response = api(broker).patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"technology_amount": "2000000.00", "clauses": {"breach": "违约金 5%。"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["technology_amount"] == "2000000.00"
    clauses = response.json()["clauses"]
    assert clauses["breach"] == "违约金 5%。"
    # The other articles keep their model text (PATCH edits the articles it names).
    assert "保密义务" in clauses["confidentiality"]
    contract.refresh_from_db()
    assert contract.revision == 2
    assert contract.history.first().history_user == broker


def test_sign_then_edits_are_refused_with_409(api, broker, deal):
    contract = ContractFactory(deal=deal)
    today = timezone.localdate().isoformat()
    signed = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": today}, format="json"
    )
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "signed"
    assert signed.json()["signed_on"] == today
    for body in ({"title": "改名"}, {"amount": "-1"}, {}):
        response = api(broker).patch(f"/api/v1/contracts/{contract.pk}/", body, format="json")
        assert response.status_code == 409, body
        assert response.json()["code"] == "contract_signed"
    again = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": today}, format="json"
    )
    assert again.status_code == 409
    contract.refresh_from_db()
    assert contract.title == "注塑模具随形冷却流道专利权转让"


@pytest.mark.parametrize("signed_on", ["2026-13-01", "", "tomorrow"])
def test_sign_with_a_bad_date_gets_400(api, broker, deal, signed_on):
    contract = ContractFactory(deal=deal)
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": signed_on}, format="json"
    )
    assert response.status_code == 400


def test_sign_in_the_future_gets_400(api, broker, deal):
    contract = ContractFactory(deal=deal)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": future}, format="json"
    )
    assert response.status_code == 400
    assert "将来" in response.json()["detail"]


def test_a_signed_contract_changes_only_by_a_new_version(api, broker, deal):
    contract = sign_contract(ContractFactory(deal=deal))
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/new-version/",
        {"reason": "企业追加设备采购", "amount": "3000000.00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    new = response.json()
    assert new["version"] == 2 and new["status"] == "draft" and new["supersedes"] == contract.pk
    assert new["amount"] == "3000000.00"
    assert new["number"] == f"{contract.number}-V2"
    old = api(broker).get(f"/api/v1/contracts/{contract.pk}/").json()
    assert old["status"] == "signed" and old["is_current"] is False
    assert old["amount"] == "2800000.00"
    assert api(broker).get(f"/api/v1/deals/{deal.pk}/").json()["contract"] == new["id"]
    versions = api(broker).get(f"/api/v1/contracts/{new['id']}/versions/").json()
    assert [v["version"] for v in versions] == [1, 2]


def test_pdf_is_requested_listed_and_downloaded(
    api, broker, deal, django_capture_on_commit_callbacks
):
    contract = ContractFactory(deal=deal)
    assert api(broker).get(f"/api/v1/contracts/{contract.pk}/pdf/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = api(broker).post(f"/api/v1/contracts/{contract.pk}/pdf/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] in ("pending", "ready")
    download = api(broker).get(f"/api/v1/contracts/{contract.pk}/pdf/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF-")
    listing = api(broker).get(f"/api/v1/contracts/{contract.pk}/documents/").json()
    assert listing["count"] == 1
    row = listing["results"][0]
    assert row["id"] == body["document"]
    assert row["status"] == "ready" and len(row["sha256"]) == 64 and row["created_at"]
    assert row["template_version"] == TEMPLATE_VERSION
    import hashlib

    assert hashlib.sha256(data).hexdigest() == row["sha256"]
    # asking again for an unchanged contract does not render the same bytes twice
    with django_capture_on_commit_callbacks(execute=True):
        again = api(broker).post(f"/api/v1/contracts/{contract.pk}/pdf/").json()
    assert again["document"] == body["document"]


def test_pdf_render_waits_for_the_commit(api, broker, deal, django_capture_on_commit_callbacks):
    contract = ContractFactory(deal=deal)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(broker).post(f"/api/v1/contracts/{contract.pk}/pdf/")
    assert response.json()["status"] == "pending"
    assert len(callbacks) == 1
    callbacks[0]()
    assert api(broker).get(f"/api/v1/contracts/{contract.pk}/pdf/").status_code == 200


def test_signing_renders_the_final_text_after_commit(
    api, broker, deal, django_capture_on_commit_callbacks
):
    contract = ContractFactory(deal=deal)
    with django_capture_on_commit_callbacks(execute=True):
        api(broker).post(
            f"/api/v1/contracts/{contract.pk}/sign/",
            {"signed_on": timezone.localdate().isoformat()},
            format="json",
        )
    document = contract.documents.get()
    assert document.status == "ready" and document.final is True


def registration_body(**overrides):
    body = {
        "exchange": "宁波市技术市场",
        "registration_number": "33021120260001",
        "registered_on": timezone.localdate().isoformat(),
        "certificate_number": "JYZM-001",
    }
    body.update(overrides)
    return body


def test_registration_is_recorded_on_a_signed_contract(api, broker, deal):
    contract = sign_contract(ContractFactory(deal=deal))
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/registration/", registration_body(), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["registration_number"] == "33021120260001"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED
    sixteen = sign_contract(ContractFactory(deal=DealFactory(lead_broker=broker)))
    ok = api(broker).post(
        f"/api/v1/contracts/{sixteen.pk}/registration/",
        registration_body(registration_number="3302112026000002"),
        format="json",
    )
    assert ok.status_code == 201


@pytest.mark.parametrize(
    "number",
    ["3302112026000", "330211202600012", "33021120260001X", "３３０２１１２０２６０００１", ""],
)
def test_malformed_registration_number_gets_400(api, broker, deal, number):
    contract = sign_contract(ContractFactory(deal=deal))
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/registration/",
        registration_body(registration_number=number),
        format="json",
    )
    assert response.status_code == 400
    text = str(response.json())
    assert "registration_number" in text
    assert not ExchangeRegistration.objects.exists()


def test_registration_number_lengths_are_a_setting(api, broker, deal, settings):
    settings.CONTRACT_REGISTRATION_NUMBER_LENGTHS = [16]
    contract = sign_contract(ContractFactory(deal=deal))
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/registration/", registration_body(), format="json"
    )
    assert response.status_code == 400
    assert "16 位数字" in response.json()["detail"]


def test_registration_needs_a_signed_contract_and_a_sensible_date(api, broker, deal):
    contract = ContractFactory(deal=deal)
    draft = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/registration/", registration_body(), format="json"
    )
    assert draft.status_code == 409
    contract = sign_contract(contract)
    before = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/registration/",
        registration_body(registered_on=(contract.signed_on - dt.timedelta(days=1)).isoformat()),
        format="json",
    )
    assert before.status_code == 400
    assert "不能早于合同签订日期" in before.json()["detail"]


def test_a_registration_number_is_used_once(api, broker, deal):
    first = sign_contract(ContractFactory(deal=deal))
    record_registration(first, number="33021120269999")
    second = sign_contract(ContractFactory(deal=DealFactory(lead_broker=broker)))
    response = api(broker).post(
        f"/api/v1/contracts/{second.pk}/registration/",
        registration_body(registration_number="33021120269999"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "registration_number_taken"


def test_supervisor_cancels_a_registration_and_rewards_hear_of_it(
    api, broker, supervisor, deal, django_capture_on_commit_callbacks
):
    contract = sign_contract(ContractFactory(deal=deal))
    record_registration(contract)
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    registration_cancelled.connect(listener)
    try:
        url = f"/api/v1/contracts/{contract.pk}/registration/cancel/"
        assert api(broker).post(url, {"reason": "登记有误"}, format="json").status_code == 403
        assert api(supervisor).post(url, {}, format="json").status_code == 400
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = api(supervisor).post(url, {"reason": "登记机构撤销认定"}, format="json")
        assert response.status_code == 200, response.json()
        assert heard == []  # only after commit
        for callback in callbacks:
            callback()
    finally:
        registration_cancelled.disconnect(listener)
    assert heard == [
        {
            "signal": registration_cancelled,
            "contract_id": contract.pk,
            "deal_id": deal.pk,
            "actor_id": supervisor.pk,
            "reason": "登记机构撤销认定",
        }
    ]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert response.json()["active"] is False
    again = api(supervisor).post(url, {"reason": "再次"}, format="json")
    assert again.status_code == 409


# --- who may see and act ----------------------------------------------------------------------


def test_other_organisations_and_brokers_off_the_deal_get_404(
    api, broker, co_broker, other_broker, other_supervisor, deal
):
    contract = ContractFactory(deal=deal)
    for user in (co_broker, other_broker, other_supervisor):
        client = api(user)
        assert client.get(f"/api/v1/contracts/{contract.pk}/").status_code == 404
        assert (
            client.patch(
                f"/api/v1/contracts/{contract.pk}/", {"title": "x"}, format="json"
            ).status_code
            == 404
        )
        assert client.post(f"/api/v1/contracts/{contract.pk}/pdf/").status_code == 404
        assert client.get(f"/api/v1/contracts/{contract.pk}/documents/").status_code == 404
        assert create(api, user, deal).status_code == 404
    assert api(broker).get("/api/v1/contracts/999999/").status_code == 404


def test_supervisor_and_admin_may_act_finance_only_reads(
    api, supervisor, admin_user, finance, deal
):
    contract = ContractFactory(deal=deal)
    url = f"/api/v1/contracts/{contract.pk}/"
    assert api(supervisor).patch(url, {"title": "主管修改"}, format="json").status_code == 200
    assert api(admin_user).patch(url, {"title": "管理员修改"}, format="json").status_code == 200
    assert api(finance).get(url).status_code == 200
    assert api(finance).patch(url, {"title": "财务修改"}, format="json").status_code == 403


def test_anonymous_gets_401(client, deal):
    contract = ContractFactory(deal=deal)
    assert client.get(f"/api/v1/contracts/{contract.pk}/").status_code == 401


def test_a_co_broker_added_to_the_deal_may_act(api, broker, co_broker, deal):
    from deals.services import deal_set_brokers

    contract = ContractFactory(deal=deal)
    url = f"/api/v1/contracts/{contract.pk}/"
    assert api(co_broker).patch(url, {"title": "合作改名"}, format="json").status_code == 404
    deal_set_brokers(deal=deal, actor=broker, shares=[(broker, "60.00"), (co_broker, "40.00")])
    response = api(co_broker).patch(url, {"title": "合作改名"}, format="json")
    assert response.status_code == 200
    # the intermediary stays the lead broker
    assert response.json()["intermediary"]["broker"] == "张伟"


def test_a_patent_contract_is_signed_only_once_it_names_the_patent(api, broker, deal):
    contract = ContractFactory(deal=deal, subtype="patent_right", patent={"holder": "某研究院"})
    url = f"/api/v1/contracts/{contract.pk}/sign/"
    today = timezone.localdate().isoformat()
    response = api(broker).post(url, {"signed_on": today}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "patent_incomplete"
    assert "专利号" in response.json()["detail"] and "名称" in response.json()["detail"]
    api(broker).patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"patent": {"title": "某专利", "number": "ZL202110000009.1", "holder": "某研究院"}},
        format="json",
    )
    assert api(broker).post(url, {"signed_on": today}, format="json").status_code == 200


def test_history_lists_every_change_of_every_version_oldest_first(api, broker, supervisor, deal):
    contract = ContractFactory(deal=deal)
    api(broker).patch(f"/api/v1/contracts/{contract.pk}/", {"title": "改名"}, format="json")
    contract = sign_contract(contract)
    record_registration(contract)
    from contracts.services import registration_cancel

    registration_cancel(contract=contract, actor=supervisor, reason="登记有误")
    new = (
        api(broker)
        .post(
            f"/api/v1/contracts/{contract.pk}/new-version/", {"reason": "重新登记"}, format="json"
        )
        .json()
    )
    rows = api(broker).get(f"/api/v1/contracts/{new['id']}/history/").json()
    events = [(r["object"], r["event"], r["status"]) for r in rows]
    assert events[0] == ("contract", "起草合同", "draft")
    assert ("contract", "修改合同草稿", "draft") in events
    assert ("contract", "合同签署", "signed") in events
    assert ("registration", "录入合同登记", "active") in events
    assert ("registration", "登记有误", "cancelled") in events
    assert events[-1] == ("contract", "重新登记", "draft")
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert rows[0]["actor"] == "张伟"


@pytest.mark.parametrize(
    "overrides",
    [
        {"party_a": "宁波某公司"},
        {"party_b": None},
        {"clauses": ["breach"]},
        {"payment_schedule": {"due_on": "2026-01-01"}},
        {"payment_schedule": [{"due_on": "x", "amount": "1"}]},
        {"amount": "1e400"},
        {"amount": "NaN"},
        {"amount": 12345678901234567890},
        {"title": "长" * 500},
        {"patent": {"granted_on": "yesterday"}},
        {"patent": {"unknown": "x"}},
        {"patent": ["ZL1"]},
        {"payment_mode": "barter"},
        {
            "party_a": {
                "name": "某公司",
                "address": "宁波",
                "representative": "王",
                "credit_code": "123",
            }
        },
    ],
)
def test_odd_input_is_a_400_never_a_500(api, broker, deal, overrides):
    response = create(api, broker, deal, **overrides)
    assert response.status_code == 400, (overrides, response.content[:300])
    assert response.json()
