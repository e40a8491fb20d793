"""Matches, candidates and the index staying current, through the API and the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from deals import services
from deals.matching import index
from deals.matching.models import MatchChange, MatchIndexState, MatchKind
from tests.factories import AchievementFactory, DealFactory, DemandFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():  # type: ignore[no-untyped-def]
    return {
        "mould": AchievementFactory(
            title="注塑模具随形冷却水路设计",
            description="金属3D打印随形冷却水路，冷却时间缩短 30%，减少注塑件缩痕和翘曲。",
            industry="2",
            asking_price=Decimal("300000.00"),
            maturity=7,
            region="330211",
        ),
        "deburr": AchievementFactory(
            title="注塑件飞边机器人去除",
            description="机器人自动去除注塑件飞边。",
            industry="2",
            asking_price=Decimal("900000.00"),
            maturity=None,
            region="620100",
        ),
        "rice": AchievementFactory(
            title="稻田镉污染钝化修复剂",
            description="降低稻米镉含量。",
            industry="4.3",
            asking_price=None,
            region="",
        ),
    }


@pytest.fixture
def need():  # type: ignore[no-untyped-def]
    return DemandFactory(
        title="空调面板注塑后表面缩痕",
        description="厚壁处注塑后表面缩水凹陷，冷却时间长，成型周期慢。",
        industry="2",
        budget=Decimal("500000.00"),
        region="330211",
    )


def test_need_matches_are_ranked_best_first_with_reasons(api, broker, library, need):
    response = api(broker).get(f"/api/v1/demands/{need.pk}/matches/?limit=10")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["achievement"]["id"] for r in results] == [library["mould"].pk, library["deburr"].pk]
    top = results[0]
    assert top["score"] > results[1]["score"] and 0 <= results[1]["score"] <= top["score"] <= 1
    assert top["achievement"]["asking_price"] == "300000.00"
    assert set(top["achievement"]) >= {
        "id",
        "title",
        "description",
        "owner",
        "kind",
        "patent_number",
        "industry",
        "maturity",
        "asking_price",
        "region",
    }
    reasons = top["reasons"]
    assert reasons[0].startswith("共同关键词：") and "缩痕" in reasons[0]
    assert "同一技术领域：高端装备制造产业" in reasons
    assert any(r.startswith("报价在预算内") and "30 万元" in r and "50 万元" in r for r in reasons)
    assert any("成熟度 7 级" in r for r in reasons)
    assert "同一区县" in reasons
    over = results[1]["reasons"]
    assert any(r.startswith("注意：报价超出预算 80%") for r in over)
    assert not any("成熟度" in r or "区县" in r or "城市" in r for r in over)


def test_a_near_word_match_says_through_the_api_which_words_it_bridged(api, broker):
    """Acceptance 3 of issue 12: the need says 拉稀 (lay), the achievement 腹泻 (technical); they
    meet through the thesaurus and the reason names the pair, not a shared word."""
    cure = AchievementFactory(
        title="仔猪腹泻中草药防治技术", description="黄芪多糖复方，仔猪腹泻发病率降低 60%。"
    )
    AchievementFactory(title="稻田镉污染钝化修复剂", description="降低稻米镉含量。")
    lay = DemandFactory(title="小猪拉稀", description="猪场小猪老是拉稀，死了不少。")
    response = api(broker).get(f"/api/v1/demands/{lay.pk}/matches/")
    assert response.status_code == 200
    top = response.json()["results"][0]
    assert top["achievement"]["id"] == cure.pk
    reasons = top["reasons"]
    assert "近义词：拉稀→腹泻" in reasons, reasons
    assert not any("腹泻" in r for r in reasons if r.startswith("共同关键词")), reasons


def test_limit_is_respected_and_validated(api, broker, library, need):
    client = api(broker)
    assert len(client.get(f"/api/v1/demands/{need.pk}/matches/?limit=1").json()["results"]) == 1
    for bad in ("0", "51", "abc"):
        response = client.get(f"/api/v1/demands/{need.pk}/matches/?limit={bad}")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_limit"


def test_unknown_need_is_404_and_anonymous_is_401(api, broker):
    assert api(broker).get("/api/v1/demands/999999/matches/").status_code == 404
    assert APIClient().get("/api/v1/demands/1/matches/").status_code == 401


def test_achievement_matches_rank_needs(api, broker, library, need):
    DemandFactory(title="光伏板积灰", description="光伏组件积灰发电量下降。", industry="6")
    response = api(broker).get(f"/api/v1/achievements/{library['mould'].pk}/matches/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["demand"]["id"] for r in results] == [need.pk]
    assert results[0]["demand"]["budget"] == "500000.00"
    assert any(r.startswith("报价在预算内") for r in results[0]["reasons"])


def test_more_like_this_ranks_other_achievements_and_leaves_the_one_asked_about_out(
    api, broker, library
):
    response = api(broker).get(f"/api/v1/achievements/{library['mould'].pk}/similar/?limit=5")
    assert response.status_code == 200
    results = response.json()["results"]
    ids = [r["achievement"]["id"] for r in results]
    assert library["mould"].pk not in ids
    assert ids[0] == library["deburr"].pk  # same product (注塑件), same industry
    assert results[0]["reasons"][0].startswith("共同关键词")
    assert not any("报价" in reason for r in results for reason in r["reasons"])
    assert api(broker).get("/api/v1/achievements/999999/similar/").status_code == 404
    assert (
        api(broker)
        .get(f"/api/v1/achievements/{library['mould'].pk}/similar/?limit=0")
        .json()["code"]
        == "invalid_limit"
    )


def test_need_with_empty_description_and_no_fields_still_answers(api, broker, library):
    bare = DemandFactory(title="的", description="", industry="", budget=None, region="330211")
    response = api(broker).get(f"/api/v1/demands/{bare.pk}/matches/")
    assert response.status_code == 200
    reasons = response.json()["results"][0]["reasons"]
    assert reasons[0] == "无共同关键词，仅按行业、价格、地区排序"


def test_deal_candidates_leave_out_linked_achievements(api, broker, library, need):
    deal = DealFactory(lead_broker=broker, demand=need)
    services.deal_link_achievement(deal=deal, achievement=library["mould"], actor=broker)
    response = api(broker).get(f"/api/v1/deals/{deal.pk}/candidates/")
    assert response.status_code == 200
    body = response.json()
    assert body["deal"] == deal.pk and body["demand"] == need.pk
    assert [r["achievement"]["id"] for r in body["results"]] == [library["deburr"].pk]


def test_deal_candidates_are_404_for_another_organisation(api, broker, other_broker, need):
    deal = DealFactory(lead_broker=broker, demand=need)
    assert api(other_broker).get(f"/api/v1/deals/{deal.pk}/candidates/").status_code == 404
    assert api(broker).get(f"/api/v1/deals/{deal.pk}/candidates/").status_code == 200


def _matches(client, need) -> list[int]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/demands/{need.pk}/matches/")
    return [r["achievement"]["id"] for r in response.json()["results"]]


def test_created_edited_and_deleted_achievements_reach_the_next_query_incrementally(
    api, broker, supervisor, need, library, django_capture_on_commit_callbacks
):
    client = api(broker)
    assert _matches(client, need)[0] == library["mould"].pk
    built = index.get_index(MatchKind.ACHIEVEMENT)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.achievement_create(
            actor=broker,
            title="厚壁注塑件缩痕抑制的气辅成型工艺",
            description="气体辅助注塑，消除厚壁部位缩痕凹陷，缩短冷却时间。",
            owner="宁波大学",
            industry="2",
            region="330211",
        )
    assert new.pk in _matches(client, need)
    with django_capture_on_commit_callbacks(execute=True):
        services.achievement_update(
            achievement=library["mould"],
            actor=supervisor,  # the library's records came in with no organisation
            title="光伏组件无水清扫机器人",
            description="光伏板积灰自动清扫。",
        )
    assert library["mould"].pk not in _matches(client, need)
    with django_capture_on_commit_callbacks(execute=True):
        new.delete()
    assert new.pk not in _matches(client, need)
    # caught up from the change log, not rebuilt
    assert index.get_index(MatchKind.ACHIEVEMENT) is built
    state = MatchIndexState.objects.get(kind=MatchKind.ACHIEVEMENT)
    assert state.version == 3
    assert MatchChange.objects.filter(kind=MatchKind.ACHIEVEMENT).count() == 3


def test_the_index_task_runs_only_after_commit(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.demand_create(
            actor=broker, title="需求", description="描述", enterprise="企业", region="330211"
        )
        assert not MatchChange.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert list(MatchChange.objects.values_list("kind", flat=True)) == [MatchKind.DEMAND]


def test_another_worker_catches_up_from_the_change_log(
    supervisor, need, library, django_capture_on_commit_callbacks
):
    before = index.get_index(MatchKind.ACHIEVEMENT)
    # A write handled by another process: only the database knows about it.
    with django_capture_on_commit_callbacks(execute=True):
        services.achievement_update(
            achievement=library["rice"], actor=supervisor, title="注塑件缩痕检测仪"
        )
    from deals.matching.selectors import achievement_matches_for_demand

    ids = [r["achievement"]["id"] for r in achievement_matches_for_demand(demand=need)]
    assert library["rice"].pk in ids
    assert index.get_index(MatchKind.ACHIEVEMENT) is before


def test_rebuild_command_publishes_a_new_snapshot_that_this_process_then_uses(
    library, need, capsys
):
    first = index.get_index(MatchKind.ACHIEVEMENT)
    assert first.source  # the first query built a snapshot and maps it
    call_command("rebuild_match_index")
    out = capsys.readouterr().out
    assert "achievement: 3 documents" in out and "demand: 1 documents" in out
    again = index.get_index(MatchKind.ACHIEVEMENT)
    assert again is not first and again.source != first.source
    assert again.source == str(index.current_snapshot(MatchKind.ACHIEVEMENT).path("achievement"))


def test_sweep_records_saves_whose_index_update_was_lost(broker, library):
    from deals.matching.services import index_sweep_missed

    # the factories saved without on-commit callbacks running: as if the broker was down
    assert not MatchChange.objects.exists()
    assert index_sweep_missed(window_minutes=30) == 3
    assert index_sweep_missed(window_minutes=30) == 0  # idempotent
    logged = set(MatchChange.objects.values_list("obj_id", flat=True))
    assert logged == {a.pk for a in library.values()}
