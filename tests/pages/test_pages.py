"""The web pages through Django's test client: each role's home, the deal page, the forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from deals import services
from deals.models import (
    Achievement,
    Activity,
    Deal,
    DealBroker,
    DealState,
    Demand,
    RequestStatus,
    TransitionRequest,
)
from tests.factories import AchievementFactory, DealFactory, DemandFactory
from tests.helpers import satisfy, walk_to

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


# --- sign-in ------------------------------------------------------------------------------------


def test_signed_out_home_shows_the_sign_in_form(client):
    html = page(client, "/")
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'lang="zh-CN"' in html


def test_broker_signs_in_with_username_and_password_and_lands_on_the_board(client, deal, broker):
    response = client.post("/", {"username": "zhangwei", "password": "pass12345"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = page(client, "/")
    assert "我的项目看板" in html
    assert deal.title in html


def test_wrong_password_shows_the_form_again_with_an_error(client, broker):
    response = client.post("/", {"username": "zhangwei", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html
    assert "errorlist" in html


def test_sign_out_is_a_post_and_returns_to_sign_in(broker):
    client = signed_in(broker)
    assert client.post("/signout/").status_code == 302
    assert 'name="password"' in page(client, "/")


def test_pages_behind_sign_in_redirect_to_it(client, deal):
    response = client.get(f"/deals/{deal.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/?next=")


# --- each role's home -----------------------------------------------------------------------------


def test_broker_board_shows_their_deals_by_stage_with_overdue_and_pending_flags(
    broker, other_broker, supervisor
):
    late = DealFactory(lead_broker=broker, title="超期的项目")
    Deal.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    asking = DealFactory(lead_broker=broker, title="等待审批的项目")
    satisfy(asking, DealState.MATCHED)
    services.deal_request_transition(deal=asking, actor=broker, target=DealState.MATCHED)
    talking = walk_to(
        DealFactory(lead_broker=broker, title="洽谈中的项目"), "online_talks", supervisor
    )
    DealFactory(lead_broker=other_broker, title="别人的项目")

    html = page(signed_in(broker), "/")

    for column in ["需求受理", "成果匹配", "线上洽谈", "线下对接", "签约", "登记/交易完成"]:
        assert column in html
    assert "超期的项目" in html and "等待审批的项目" in html and talking.title in html
    assert "别人的项目" not in html
    assert "is-overdue" in html
    assert "待审批：成果匹配" in html


def test_board_table_view_filters_by_state(broker, supervisor):
    DealFactory(lead_broker=broker, title="受理中的项目")
    walk_to(DealFactory(lead_broker=broker, title="已匹配的项目"), "matched", supervisor)
    html = page(signed_in(broker), "/board/?view=table&state=matched")
    assert "已匹配的项目" in html
    assert "受理中的项目" not in html


def test_board_for_a_broker_with_50_deals_costs_a_constant_number_of_queries(
    broker, co_broker, django_assert_max_num_queries
):
    co_broker.broker_profile.caseload_limit = 60  # on all 50 deals
    co_broker.broker_profile.save()
    for i in range(50):
        deal = DealFactory(lead_broker=broker, title=f"项目{i}")
        services.deal_set_brokers(
            deal=deal, actor=broker, shares=[(broker, "60.00"), (co_broker, "40.00")]
        )
    client = signed_in(broker)
    with django_assert_max_num_queries(12):
        html = page(client, "/")
    assert html.count('class="card') == 50
    assert "李娜" in html  # co-broker names come from the prefetch, not a query per card


def test_supervisor_home_is_the_approval_queue_with_pending_requests_and_stalled_deals(
    broker, supervisor, other_broker
):
    deal = DealFactory(lead_broker=broker, title="待批准的项目")
    satisfy(deal, DealState.MATCHED)
    services.deal_request_transition(
        deal=deal, actor=broker, target="matched", comment="已找到成果"
    )
    stalled = DealFactory(lead_broker=broker, title="停滞的项目")
    Deal.objects.filter(pk=stalled.pk).update(due_at=timezone.now() - dt.timedelta(days=10))
    elsewhere = DealFactory(lead_broker=other_broker, title="外机构项目")
    satisfy(elsewhere, DealState.MATCHED)
    services.deal_request_transition(deal=elsewhere, actor=other_broker, target="matched")

    html = page(signed_in(supervisor), "/")

    assert "审批队列" in html
    assert "待批准的项目" in html and "已找到成果" in html
    assert "/approve/" in html and "/reject/" in html
    assert "停滞的项目" in html
    assert "外机构项目" not in html


def test_finance_home_is_the_reward_ledger(finance):
    html = page(signed_in(finance), "/")
    assert "奖励台账" in html


def test_admin_home_links_to_django_admin_and_shows_every_organisations_queue(
    admin_user, broker, other_broker
):
    for b in (broker, other_broker):
        deal = DealFactory(lead_broker=b, title=f"{b.display_name}的项目")
        satisfy(deal, DealState.MATCHED)
        services.deal_request_transition(deal=deal, actor=b, target="matched")
    html = page(signed_in(admin_user), "/")
    assert 'href="/admin/"' in html
    assert "张伟的项目" in html and "王芳的项目" in html


# --- the deal page --------------------------------------------------------------------------------


def test_deal_page_shows_need_achievements_brokers_activities_transitions_and_history(
    broker, supervisor
):
    deal = walk_to(DealFactory(lead_broker=broker), "online_talks", supervisor)
    Activity.objects.create(
        deal=deal,
        kind="online_talk",
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        participants="企业总工、课题组",
        minutes="确认了试制方案",
        created_by=broker,
    )
    html = page(signed_in(broker), f"/deals/{deal.pk}/")
    assert deal.demand.enterprise in html and deal.demand.description in html
    assert deal.achievement_links.first().achievement.title in html
    assert "张伟" in html and "100.00" in html
    assert "确认了试制方案" in html
    assert "进入线下对接" in html  # the forward option
    assert "退回成果匹配" in html  # the back option
    assert "批准" in html  # history shows the approvals
    assert 'name="target"' in html  # the request form


def test_deal_page_lists_blockers_of_an_unmet_move(broker):
    deal = DealFactory(lead_broker=broker)
    html = page(signed_in(broker), f"/deals/{deal.pk}/")
    assert "至少关联一项候选成果" in html


def test_deal_page_is_404_for_another_organisations_broker(deal, other_broker):
    html = page(signed_in(other_broker), f"/deals/{deal.pk}/", status=404)
    assert deal.title not in html
    assert "未找到" in html


def test_deal_page_is_404_for_an_unknown_deal(broker):
    page(signed_in(broker), "/deals/999999/", status=404)


def test_deal_actions_are_404_for_another_organisations_broker(deal, other_broker):
    client = signed_in(other_broker)
    response = client.post(f"/deals/{deal.pk}/request/", {"target": "lost", "comment": "x"})
    assert response.status_code == 404
    assert not TransitionRequest.objects.exists()


# --- moves through the pages ----------------------------------------------------------------------


def test_broker_requests_a_move_and_supervisor_approves_it_through_the_pages(broker, supervisor):
    deal = DealFactory(lead_broker=broker)
    satisfy(deal, DealState.MATCHED)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/request/", {"target": "matched", "comment": "已选定成果"}, follow=True
    )
    assert "申请已提交" in response.content.decode()
    request = TransitionRequest.objects.get(deal=deal)
    assert request.status == RequestStatus.PENDING

    response = signed_in(supervisor).post(
        f"/requests/{request.pk}/approve/", {"comment": "同意"}, follow=True
    )
    assert "已批准" in response.content.decode()
    deal.refresh_from_db()
    assert deal.state == DealState.MATCHED


def test_a_refused_request_shows_the_blockers_as_a_message_not_an_error_page(broker):
    deal = DealFactory(lead_broker=broker)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/request/", {"target": "matched"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "还不能进入下一阶段" in html
    assert "至少关联一项候选成果" in html
    assert not TransitionRequest.objects.exists()


def test_going_back_without_a_reason_is_refused_and_the_form_is_shown_again(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), "matched", supervisor)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/request/", {"target": "intake", "comment": ""}, follow=True
    )
    assert "退回项目必须说明原因" in response.content.decode()
    assert not TransitionRequest.objects.filter(status=RequestStatus.PENDING).exists()


def test_supervisor_rejects_with_a_reason_and_the_deal_stays(broker, supervisor):
    deal = DealFactory(lead_broker=broker)
    satisfy(deal, DealState.MATCHED)
    request = services.deal_request_transition(deal=deal, actor=broker, target="matched")
    client = signed_in(supervisor)

    response = client.post(f"/requests/{request.pk}/reject/", {"reason": ""}, follow=True)
    assert "驳回必须说明理由" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING

    response = client.post(
        f"/requests/{request.pk}/reject/", {"reason": "成果成熟度不够", "next": "/queue/"}
    )
    assert response["Location"] == "/queue/"
    request.refresh_from_db()
    deal.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert request.decision_comment == "成果成熟度不够"
    assert deal.state == DealState.INTAKE


def test_requester_cannot_approve_their_own_request_through_the_page(
    broker, supervisor, second_supervisor
):
    deal = DealFactory(lead_broker=broker)
    satisfy(deal, DealState.MATCHED)
    # A supervisor who is also on the deal (e.g. promoted after joining it) asks for the move.
    DealBroker.objects.create(deal=deal, user=supervisor, share=Decimal("0.00"))
    signed_in(supervisor).post(f"/deals/{deal.pk}/request/", {"target": "matched"})
    request = TransitionRequest.objects.get(deal=deal, requested_by=supervisor)

    html = page(signed_in(supervisor), f"/deals/{deal.pk}/")
    assert f"/requests/{request.pk}/approve/" not in html  # no button for the requester
    response = signed_in(supervisor).post(f"/requests/{request.pk}/approve/", follow=True)
    assert "四眼原则" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING

    signed_in(second_supervisor).post(f"/requests/{request.pk}/approve/")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.decided_by == second_supervisor


def test_a_broker_cannot_approve_and_another_organisations_supervisor_gets_404(
    broker, co_broker, supervisor, other_supervisor
):
    deal = DealFactory(lead_broker=broker)
    services.deal_set_brokers(
        deal=deal, actor=broker, shares=[(broker, "50.00"), (co_broker, "50.00")]
    )
    satisfy(deal, DealState.MATCHED)
    request = services.deal_request_transition(deal=deal, actor=broker, target="matched")

    response = signed_in(co_broker).post(f"/requests/{request.pk}/approve/", follow=True)
    assert "只有本机构的主管可以审批" in response.content.decode()
    assert signed_in(other_supervisor).post(f"/requests/{request.pk}/approve/").status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_requester_withdraws_a_pending_request(broker):
    deal = DealFactory(lead_broker=broker)
    request = services.deal_request_transition(
        deal=deal, actor=broker, target="lost", comment="企业撤回需求", lost_reason_code="other"
    )
    signed_in(broker).post(f"/requests/{request.pk}/withdraw/")
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN


# --- work on the deal page ------------------------------------------------------------------------


def test_broker_logs_an_activity_through_the_page(broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), "online_talks", supervisor)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/activities/",
        {
            "kind": "online_talk",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "location": "腾讯会议",
            "participants": "企业技术总监、课题组",
            "minutes": "确认技术指标与报价区间",
        },
        follow=True,
    )
    assert "已记录" in response.content.decode()
    assert deal.activities.filter(minutes="确认技术指标与报价区间").exists()


def test_an_invalid_activity_comes_back_with_errors_and_what_was_typed(broker):
    deal = DealFactory(lead_broker=broker)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/activities/",
        {"kind": "offline_meeting", "occurred_at": "不是时间", "minutes": "写了一半的纪要"},
        follow=True,
    )
    html = response.content.decode()
    assert "未保存：有 3 处需要修改" in html
    assert "写了一半的纪要" in html
    assert not deal.activities.exists()


def test_an_offline_meeting_without_a_place_is_refused_with_a_message(broker):
    deal = DealFactory(lead_broker=broker)
    response = signed_in(broker).post(
        f"/deals/{deal.pk}/activities/",
        {
            "kind": "offline_meeting",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "participants": "双方",
            "minutes": "现场考察",
        },
        follow=True,
    )
    assert "线下对接请填写地点" in response.content.decode()
    assert not deal.activities.exists()


def test_broker_finds_and_links_an_achievement_from_the_deal_page(broker):
    deal = DealFactory(lead_broker=broker)
    achievement = AchievementFactory(title="激光熔覆修复技术")
    client = signed_in(broker)
    html = page(client, f"/deals/{deal.pk}/?aq=激光熔覆")
    assert "激光熔覆修复技术" in html
    response = client.post(
        f"/deals/{deal.pk}/achievements/", {"achievement": achievement.pk}, follow=True
    )
    assert "已关联成果" in response.content.decode()
    assert deal.achievement_links.filter(achievement=achievement).exists()
    response = client.post(
        f"/deals/{deal.pk}/achievements/", {"achievement": achievement.pk}, follow=True
    )
    assert "该成果已关联到本项目" in response.content.decode()


# --- the needs pool ------------------------------------------------------------------------------


def test_broker_takes_a_need_from_the_pool_and_gets_a_deal(broker):
    demand = DemandFactory(title="高盐废水零排放处理")
    client = signed_in(broker)
    assert "高盐废水零排放处理" in page(client, "/needs/")
    response = client.post(f"/needs/{demand.pk}/take/")
    deal = Deal.objects.get(demand=demand)
    assert response["Location"] == f"/deals/{deal.pk}/"
    assert deal.lead_broker == broker
    assert "已受理" in page(client, "/needs/")


def test_finance_cannot_open_a_deal_from_the_pool(finance):
    demand = DemandFactory()
    response = signed_in(finance).post(f"/needs/{demand.pk}/take/", follow=True)
    assert "只有经纪人、主管或管理员可以创建项目" in response.content.decode()
    assert not Deal.objects.exists()


# --- public submission forms (the intake app: tests/intake covers them in depth) -----------------

GOOD_NEED = {
    "title": "锂电池极片涂布厚度不均",
    "party": "宁波某新能源科技有限公司",
    "industry": "6",
    "region": "镇海区",
    "description": "涂布面密度波动超过 3%，希望引进在线测厚与闭环控制技术。",
    "budget": "800000",
    "deadline": "",
    "contact": "李工",
    "phone": "13900000000",
    "email": "li@example.cn",
    "consent": "on",
}


def test_public_need_form_needs_no_sign_in_and_creates_a_submission_not_a_demand(client):
    from intake.models import Submission

    html = page(client, "/needs/submit/")
    assert 'name="title"' in html and "csrfmiddlewaretoken" in html
    response = client.post("/needs/submit/", GOOD_NEED, follow=True)
    submission = Submission.objects.get()
    assert submission.region == "330211" and submission.budget == Decimal("800000.00")
    assert "感谢您的提交" in response.content.decode()
    assert submission.reference in response.content.decode()
    assert not Demand.objects.exists()


def test_public_need_form_rejects_bad_input_with_messages(client):
    bad = {**GOOD_NEED, "title": "", "region": "火星", "budget": "-5"}
    response = client.post("/needs/submit/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "提交未成功" in html
    assert "无法识别地区" in html
    assert "这个字段是必填项" in html or "必填" in html
    assert not Demand.objects.exists()


def test_public_achievement_form_rejects_bad_maturity(client):
    response = client.post(
        "/achievements/submit/",
        {
            "title": "重复的专利",
            "party": "某大学",
            "kind": "patent",
            "patent_number": "ZL202310000001.2",
            "maturity": "12",
            "region": "330211",
            "description": "……",
            "contact": "王老师",
            "email": "wang@example.cn",
            "consent": "on",
        },
    )
    assert response.status_code == 400
    assert "9" in response.content.decode()
    assert not Achievement.objects.exists()


def test_public_forms_enforce_csrf():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/needs/submit/", GOOD_NEED)
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
    assert not Demand.objects.exists()


def test_deal_page_offers_ranked_candidates_with_reasons_and_a_link_button(broker):
    demand = DemandFactory(title="注塑件缩痕与翘曲控制", description="汽车内饰注塑件缩痕、翘曲严重")
    deal = DealFactory(lead_broker=broker, demand=demand)
    fit = AchievementFactory(title="注塑模具随形冷却流道", description="随形冷却减少注塑缩痕与翘曲")
    html = page(signed_in(broker), f"/deals/{deal.pk}/")
    assert "候选成果" in html
    assert "注塑模具随形冷却流道" in html
    assert 'class="score"' in html
    assert f'name="achievement" value="{fit.pk}"' in html


def test_supervisor_sees_what_a_deal_lacks_once_not_a_permission_note_per_option(
    broker, supervisor
):
    deal = DealFactory(lead_broker=broker)
    html = page(signed_in(supervisor), f"/deals/{deal.pk}/")
    assert "至少关联一项候选成果" in html
    assert html.count("只有本项目的经纪人可以申请阶段变更") == 0
    assert "由本项目的经纪人申请、主管审批" in html
    assert f'action="/deals/{deal.pk}/request/"' not in html


def test_deal_page_queries_do_not_grow_with_activities_and_links(broker, supervisor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ActivityFactory

    def count(deal: Deal) -> int:
        client = signed_in(broker)
        client.get(f"/deals/{deal.pk}/")  # warm the matching index
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/deals/{deal.pk}/").status_code == 200
        return len(ctx.captured_queries)

    AchievementFactory.create_batch(3)  # both deals have candidates to rank
    quiet = walk_to(DealFactory(lead_broker=broker), "online_talks", supervisor)
    busy = walk_to(DealFactory(lead_broker=broker), "online_talks", supervisor)
    for _ in range(8):
        ActivityFactory(deal=busy, created_by=broker)
        services.deal_link_achievement(deal=busy, achievement=AchievementFactory(), actor=broker)
    assert count(busy) == count(quiet)


def test_supervisor_board_shows_the_organisations_deals_filtered_by_broker(
    broker, co_broker, supervisor, other_broker
):
    DealFactory(lead_broker=broker, title="张伟的项目")
    DealFactory(lead_broker=co_broker, title="李娜的项目")
    DealFactory(lead_broker=other_broker, title="外机构的项目")
    client = signed_in(supervisor)
    html = page(client, "/board/")
    assert "张伟的项目" in html and "李娜的项目" in html
    assert "外机构的项目" not in html
    assert 'name="broker"' in html
    html = page(client, f"/board/?broker={co_broker.pk}")
    assert "李娜的项目" in html and "张伟的项目" not in html


def test_supervisor_opens_a_deal_from_the_pool_naming_the_lead_broker(broker, supervisor):
    demand = DemandFactory(title="光伏背板耐候性改进")
    client = signed_in(supervisor)
    assert f'href="/needs/{demand.pk}/open/"' in page(client, "/needs/")
    assert f'name="lead_broker" value="{broker.pk}"' in page(client, f"/needs/{demand.pk}/open/")
    client.post(f"/needs/{demand.pk}/take/", {"lead_broker": broker.pk})
    deal = Deal.objects.get(demand=demand)
    assert deal.lead_broker == broker


@pytest.mark.parametrize(
    "persona", ["broker", "co_broker", "supervisor", "finance", "admin_user", "other_broker"]
)
def test_every_page_renders_for_every_role(request, persona, broker, supervisor):
    deal = walk_to(DealFactory(lead_broker=broker), "matched", supervisor)
    client = signed_in(request.getfixturevalue(persona))
    for url in [
        "/",
        "/board/",
        "/board/?view=table",
        "/queue/",
        "/needs/",
        "/achievements/",
        "/ledger/",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (persona, url)
    sees_deal = persona in ("broker", "supervisor", "finance", "admin_user")
    assert client.get(f"/deals/{deal.pk}/").status_code == (200 if sees_deal else 404)


def test_lead_broker_adds_a_co_broker_and_splits_the_shares_on_the_deal_page(broker, co_broker):
    deal = DealFactory(lead_broker=broker)
    client = signed_in(broker)
    html = page(client, f"/deals/{deal.pk}/")
    assert f'name="share_{broker.pk}"' in html and "李娜" in html

    response = client.post(
        f"/deals/{deal.pk}/brokers/",
        {f"share_{broker.pk}": "70", "new_broker": co_broker.pk, "new_share": "20"},
        follow=True,
    )
    assert "分成比例合计应为 100" in response.content.decode()
    assert list(deal.broker_links.values_list("user_id", flat=True)) == [broker.pk]

    response = client.post(
        f"/deals/{deal.pk}/brokers/",
        {f"share_{broker.pk}": "60", "new_broker": co_broker.pk, "new_share": "40"},
        follow=True,
    )
    assert "经纪人及分成已更新" in response.content.decode()
    shares = dict(deal.broker_links.values_list("user_id", "share"))
    assert shares == {broker.pk: Decimal("60.00"), co_broker.pk: Decimal("40.00")}


def test_a_co_broker_cannot_change_the_shares(broker, co_broker):
    deal = DealFactory(lead_broker=broker)
    services.deal_set_brokers(
        deal=deal, actor=broker, shares=[(broker, "50.00"), (co_broker, "50.00")]
    )
    client = signed_in(co_broker)
    assert f'action="/deals/{deal.pk}/brokers/"' not in page(client, f"/deals/{deal.pk}/")
    response = client.post(
        f"/deals/{deal.pk}/brokers/",
        {f"share_{broker.pk}": "10", f"share_{co_broker.pk}": "90"},
        follow=True,
    )
    assert "只有主办经纪人、本机构主管或管理员可以调整" in response.content.decode()
    assert deal.broker_links.get(user=co_broker).share == Decimal("50.00")


def test_achievement_library_searches_and_ranks_the_needs_an_achievement_could_serve(broker):
    fit = AchievementFactory(title="注塑模具随形冷却流道", description="随形冷却减少注塑缩痕与翘曲")
    AchievementFactory(title="高盐废水膜浓缩工艺", description="膜浓缩替代蒸发结晶")
    DemandFactory(title="注塑件缩痕与翘曲控制", description="汽车内饰注塑件缩痕、翘曲严重")
    client = signed_in(broker)
    html = page(client, "/achievements/?q=随形冷却")
    assert "注塑模具随形冷却流道" in html and "高盐废水膜浓缩工艺" not in html
    html = page(client, f"/achievements/?match={fit.pk}")
    assert "可能解决的需求" in html
    assert "注塑件缩痕与翘曲控制" in html
    assert 'class="score"' in html
    page(client, "/achievements/?match=999999", status=404)
