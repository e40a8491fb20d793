"""Finance's reward ledger and the deal page's contract and reward panels."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from deals.services import deal_set_brokers
from rewards.models import Reward, RewardStatus
from rewards.services import policy_create, reward_compute
from tests.factories import BrokerFactory, DealFactory, FinanceFactory, OrganisationFactory
from tests.factories_contracts import register_deal

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reward(admin_user, broker, supervisor) -> Reward:
    policy_create(
        actor=admin_user,
        name="镇海区技术经纪人奖励办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    deal = register_deal(DealFactory(lead_broker=broker, title="随形冷却专利转让"), supervisor)
    return reward_compute(deal_id=deal.pk)


def test_finance_ledger_lists_rewards_with_amount_shares_and_explanation(finance, reward):
    html = signed_in(finance).get("/").content.decode()
    assert "经纪人奖励台账" in html
    assert "随形冷却专利转让" in html
    assert "37,500.00" in html  # 1.5% of a technology amount of 2,500,000.00
    assert "2,500,000.00" in html
    assert "张伟" in html
    assert "计算说明" in html
    assert f"/ledger/{reward.pk}/approve/" in html
    assert "/api/v1/rewards/export/?year=" in html


def test_finance_approves_then_records_payment_through_the_ledger(finance, reward):
    client = signed_in(finance)
    response = client.post(f"/ledger/{reward.pk}/approve/", follow=True)
    assert "已审核奖励" in response.content.decode()
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED and reward.approved_by == finance

    response = client.post(
        f"/ledger/{reward.pk}/pay/", {"paid_on": "", "reference": ""}, follow=True
    )
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED  # a payment needs a date and a reference

    today = timezone.localdate().isoformat()
    form = {"paid_on": today, "reference": "ZH-2026-0088"}
    # The first submit only asks for confirmation, showing the amount: nothing is paid yet.
    response = client.post(f"/ledger/{reward.pk}/pay/", form)
    html = response.content.decode()
    assert response.status_code == 200 and "确认发放 37,500.00 元" in html
    assert 'name="confirmed" value="1"' in html and "ZH-2026-0088" in html
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
    response = client.post(f"/ledger/{reward.pk}/pay/", {**form, "confirmed": "1"}, follow=True)
    assert "已登记发放" in response.content.decode()
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID and reward.payment_reference == "ZH-2026-0088"


def test_a_broker_cannot_approve_a_reward_and_sees_only_their_own(broker, reward):
    client = signed_in(broker)
    response = client.post(f"/ledger/{reward.pk}/approve/", follow=True)
    assert "只有本机构的财务人员或管理员" in response.content.decode()
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED
    html = client.get("/ledger/").content.decode()
    assert "我的奖励" in html and "随形冷却专利转让" in html
    assert f"/ledger/{reward.pk}/approve/" not in html


def test_another_organisations_finance_neither_sees_nor_decides_the_reward(reward):
    outsider = FinanceFactory(username="qianyu", organisation=OrganisationFactory(name="南京中心"))
    client = signed_in(outsider)
    assert "随形冷却专利转让" not in client.get("/ledger/").content.decode()
    assert client.post(f"/ledger/{reward.pk}/approve/").status_code == 404
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED


def test_deal_page_shows_the_contract_with_its_pdf_and_the_reward(broker, reward):
    html = signed_in(broker).get(f"/deals/{reward.deal_id}/").content.decode()
    assert "技术合同" in html
    assert f"/api/v1/contracts/{reward.contract_id}/pdf/" in html
    assert "登记编号" in html
    assert "经纪人奖励" in html and "37,500.00" in html


def test_the_deal_pages_pdf_link_serves_the_contract_to_a_signed_in_broker(broker, reward):
    response = signed_in(broker).get(f"/api/v1/contracts/{reward.contract_id}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_ledgers_export_link_serves_csv_to_signed_in_finance(finance, reward):
    year = reward.year
    html = signed_in(finance).get(f"/ledger/?year={year}").content.decode()
    assert f"/api/v1/rewards/export/?year={year}" in html
    response = signed_in(finance).get(f"/api/v1/rewards/export/?year={year}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "37500.00" in response.content.decode("utf-8-sig")


def test_a_finance_beneficiary_sees_the_four_eyes_note_instead_of_the_buttons(broker, reward):
    from brokers.models import Role

    broker.role = Role.FINANCE  # moved to the finance team, still paid by this reward
    broker.save()
    html = signed_in(broker).get("/ledger/").content.decode()
    assert "随形冷却专利转让" in html
    assert f"/ledger/{reward.pk}/approve/" not in html
    assert "您是受益人，需由其他财务人员处理" in html


def test_a_colleague_in_finance_sees_the_approve_button_and_no_four_eyes_note(finance, reward):
    html = signed_in(finance).get("/ledger/").content.decode()
    assert f"/ledger/{reward.pk}/approve/" in html
    assert "您是受益人" not in html


def test_a_broker_paying_with_an_empty_form_is_told_only_finance_may(broker, reward):
    response = signed_in(broker).post(f"/ledger/{reward.pk}/pay/", {}, follow=True)
    assert "只有本机构的财务人员或管理员" in response.content.decode()
    reward.refresh_from_db()
    assert reward.status == RewardStatus.CALCULATED


@pytest.fixture
def shared_reward(admin_user, broker, co_broker, supervisor) -> Reward:
    """A 37,500.00 reward split 70 / 30 between 张伟 (lead) and 李娜."""
    policy_create(
        actor=admin_user,
        name="镇海区技术经纪人奖励办法",
        region="330211",
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2024, 1, 1),
    )
    deal = DealFactory(lead_broker=broker, title="随形冷却专利转让")
    deal_set_brokers(deal=deal, actor=broker, shares=[(broker, "70.00"), (co_broker, "30.00")])
    deal = register_deal(deal, supervisor)
    return reward_compute(deal_id=deal.pk)


def stat_figures(html: str) -> list[str]:
    import re

    return re.findall(r'<div class="stat"><b>([^<]*)</b>', html)


@pytest.mark.parametrize(("who", "share"), [("broker", "26,250.00"), ("co_broker", "11,250.00")])
def test_a_brokers_cards_add_up_their_share_not_the_whole_reward(
    request, shared_reward, who, share
):
    html = signed_in(request.getfixturevalue(who)).get("/ledger/").content.decode()
    figures = stat_figures(html)
    assert share in figures  # the calculated card
    assert "37,500.00" not in figures
    assert "以下合计为您本人的分成金额" in html


def test_finance_cards_add_up_whole_rewards_until_a_broker_is_chosen(
    finance, co_broker, shared_reward
):
    client = signed_in(finance)
    html = client.get("/ledger/").content.decode()
    assert "37,500.00" in stat_figures(html)
    assert f'<option value="{co_broker.pk}">李娜</option>' in html  # the broker filter

    html = client.get(f"/ledger/?broker={co_broker.pk}").content.decode()
    assert "11,250.00" in stat_figures(html) and "37,500.00" not in stat_figures(html)
    assert f'<option value="{co_broker.pk}" selected>李娜</option>' in html
    assert "随形冷却专利转让" in html


def test_the_broker_filter_leaves_out_rewards_the_broker_has_no_share_in(
    finance, shared_reward, org
):
    stranger = BrokerFactory(username="zhaolei", display_name="赵磊", organisation=org)
    html = signed_in(finance).get(f"/ledger/?broker={stranger.pk}").content.decode()
    assert "随形冷却专利转让" not in html
    assert "没有奖励记录" in html


def test_the_ledger_shows_each_brokers_yearly_total_of_their_shares(
    finance, broker, co_broker, shared_reward
):
    html = signed_in(finance).get("/ledger/").content.decode()
    section = html.split('id="broker-totals"', 1)[1]
    year = shared_reward.year
    assert f"?broker={broker.pk}&amp;year={year}" in section
    assert "26,250.00" in section and "11,250.00" in section
    assert "37,500.00" not in section


def test_a_broker_does_not_get_the_broker_filter_or_the_others_totals(broker, shared_reward):
    html = signed_in(broker).get("/ledger/").content.decode()
    assert 'name="broker"' not in html
    assert 'id="broker-totals"' not in html


def test_a_forged_confirmation_still_needs_a_valid_payment_form(finance, shared_reward):
    client = signed_in(finance)
    client.post(f"/ledger/{shared_reward.pk}/approve/")
    client.post(
        f"/ledger/{shared_reward.pk}/pay/", {"confirmed": "1", "paid_on": "", "reference": ""}
    )
    shared_reward.refresh_from_db()
    assert shared_reward.status == RewardStatus.APPROVED


def test_the_ledger_links_the_xlsx_export_and_each_brokers_annual_statement(
    finance, broker, co_broker, shared_reward
):
    import html as html_lib
    import re

    client = signed_in(finance)
    page = client.get("/ledger/").content.decode()
    year = shared_reward.year
    xlsx = re.search(r'id="export-xlsx" href="([^"]+)"', page)
    assert xlsx is not None
    exported = client.get(html_lib.unescape(xlsx.group(1)))
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    section = page.split('id="broker-totals"', 1)[1]
    links = [
        html_lib.unescape(h) for h in re.findall(r'class="statement-link" href="([^"]+)"', section)
    ]
    assert sorted(links) == sorted(
        f"/api/v1/rewards/statement/?year={year}&broker={b.pk}" for b in (broker, co_broker)
    )
    statement = client.get(links[0])
    assert statement.status_code == 200 and statement["Content-Type"] == "application/pdf"

    own = signed_in(broker).get("/ledger/").content.decode()
    mine = re.search(r'id="my-statement" href="([^"]+)"', own)
    assert mine is not None
    assert signed_in(broker).get(html_lib.unescape(mine.group(1)))["Content-Type"] == (
        "application/pdf"
    )
