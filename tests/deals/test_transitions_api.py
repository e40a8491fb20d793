"""Every transition through the API: allowed sources, forbidden sources, unmet conditions,
the wrong user, four eyes, and the history rows written."""

from __future__ import annotations

import pytest

from deals.models import Deal, DealState, RequestStatus
from tests.helpers import move, satisfy, walk_to

pytestmark = pytest.mark.django_db

S = DealState
# (source, target, kind): the whole pipeline as users see it.
TRANSITIONS = [
    (S.INTAKE, S.MATCHED, "forward"),
    (S.MATCHED, S.ONLINE_TALKS, "forward"),
    (S.ONLINE_TALKS, S.OFFLINE_MEETING, "forward"),
    (S.OFFLINE_MEETING, S.AGREEMENT, "forward"),
    (S.MATCHED, S.INTAKE, "back"),
    (S.ONLINE_TALKS, S.MATCHED, "back"),
    (S.OFFLINE_MEETING, S.ONLINE_TALKS, "back"),
    (S.AGREEMENT, S.OFFLINE_MEETING, "back"),
    *[
        (state, S.LOST, "lost")
        for state in (S.INTAKE, S.MATCHED, S.ONLINE_TALKS, S.OFFLINE_MEETING, S.AGREEMENT)
    ],
]
# For each target, a source from which no transition leads there.
FORBIDDEN = [
    (S.INTAKE, S.ONLINE_TALKS),
    (S.INTAKE, S.AGREEMENT),
    (S.MATCHED, S.OFFLINE_MEETING),
    (S.ONLINE_TALKS, S.AGREEMENT),
    (S.MATCHED, S.REGISTERED),
    (S.OFFLINE_MEETING, S.INTAKE),
    (S.AGREEMENT, S.MATCHED),
    (S.INTAKE, S.MATCHED),  # allowed target, but tested below from a wrong source:
]
CONDITIONED = [
    (S.INTAKE, S.MATCHED, "候选成果"),
    (S.ONLINE_TALKS, S.OFFLINE_MEETING, "线上洽谈"),
    (S.OFFLINE_MEETING, S.AGREEMENT, "线下对接"),
    (S.AGREEMENT, S.REGISTERED, "合同"),
]


def request_move(client, deal: Deal, target: str, comment: str = "材料已齐，申请推进"):
    return client.post(
        f"/api/v1/deals/{deal.pk}/transition-requests/",
        {
            "target": target,
            "comment": comment,
            "lost_reason_code": "other" if target == S.LOST else "",
        },
        format="json",
    )


@pytest.mark.parametrize(("source", "target", "kind"), TRANSITIONS, ids=lambda v: str(v))
def test_broker_requests_and_supervisor_approves_every_transition(
    api, deal, broker, supervisor, source, target, kind
):
    deal = walk_to(deal, source, supervisor)
    if kind == "forward":
        satisfy(deal, target)
    response = request_move(api(broker), deal, target, comment="双方意向明确，申请变更")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["target"] == target
    assert body["requested_by"] == broker.pk

    detail = api(broker).get(f"/api/v1/deals/{deal.pk}/").json()
    assert detail["pending_request"]["id"] == body["id"]

    approved = api(supervisor).post(
        f"/api/v1/transition-requests/{body['id']}/approve/", {"comment": "同意"}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    deal.refresh_from_db()
    assert deal.state == target
    if target == S.LOST:
        assert deal.lost_reason == "双方意向明确，申请变更"

    history = api(broker).get(f"/api/v1/deals/{deal.pk}/history/").json()
    tail = [
        (e["event"], e["from_state"], e["to_state"], e["actor"]["username"]) for e in history[-3:]
    ]
    assert tail == [
        ("requested", source, target, broker.username),
        ("approved", source, target, supervisor.username),
        ("moved", source, target, supervisor.username),
    ]
    assert history[-3]["comment"] == "双方意向明确，申请变更"
    assert history[-2]["comment"] == "同意"


@pytest.mark.parametrize(("source", "target"), FORBIDDEN[:-1], ids=lambda v: str(v))
def test_request_from_a_forbidden_source_is_409_transition_not_allowed(
    api, deal, broker, supervisor, source, target
):
    deal = walk_to(deal, source, supervisor)
    response = request_move(api(broker), deal, target)
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["blockers"]
    assert not deal.transition_requests.filter(status=RequestStatus.PENDING).exists()


def test_matched_is_not_a_target_from_a_lost_deal(api, deal, broker, supervisor):
    deal = move(deal, S.LOST, supervisor, comment="企业取消立项")
    for target in (S.MATCHED, S.LOST, S.INTAKE):
        response = request_move(api(broker), deal, target)
        assert response.status_code == 409
        assert response.json()["code"] == "transition_not_allowed"


@pytest.mark.parametrize(("source", "target", "needle"), CONDITIONED, ids=lambda v: str(v))
def test_unmet_conditions_are_409_with_blockers(
    api, deal, broker, supervisor, source, target, needle
):
    deal = walk_to(deal, source, supervisor)
    response = request_move(api(broker), deal, target)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conditions_unmet"
    assert any(needle in b for b in body["blockers"]), body["blockers"]
    assert not deal.transition_requests.filter(status=RequestStatus.PENDING).exists()


def test_conditions_are_checked_again_at_approval(api, deal, broker, supervisor):
    deal = walk_to(deal, S.ONLINE_TALKS, supervisor)
    satisfy(deal, S.OFFLINE_MEETING)
    created = request_move(api(broker), deal, S.OFFLINE_MEETING).json()
    deal.activities.all().delete()  # the talk turned out to be logged on the wrong deal
    response = api(supervisor).post(f"/api/v1/transition-requests/{created['id']}/approve/")
    assert response.status_code == 409
    assert response.json()["code"] == "conditions_unmet"
    deal.refresh_from_db()
    assert deal.state == S.ONLINE_TALKS


@pytest.mark.parametrize(("source", "target", "kind"), TRANSITIONS, ids=lambda v: str(v))
def test_only_the_deals_brokers_may_request(
    api, deal, supervisor, co_broker, other_broker, source, target, kind
):
    deal = walk_to(deal, source, supervisor)
    # another organisation's broker does not even see the deal
    assert request_move(api(other_broker), deal, target).status_code == 404
    # a broker of the same organisation who is not on the deal does not see it either
    assert request_move(api(co_broker), deal, target).status_code == 404
    # the supervisor sees it but decides; only the deal's brokers ask
    response = request_move(api(supervisor), deal, target)
    assert response.status_code == 403, response.json()
    assert not deal.transition_requests.filter(status=RequestStatus.PENDING).exists()


@pytest.mark.parametrize(("source", "target", "kind"), TRANSITIONS, ids=lambda v: str(v))
def test_wrong_deciders_are_refused_and_the_deal_stays(
    api, deal, broker, co_broker, supervisor, other_supervisor, finance, source, target, kind
):
    deal = walk_to(deal, source, supervisor)
    if kind == "forward":
        satisfy(deal, target)
    api(broker).put(
        f"/api/v1/deals/{deal.pk}/brokers/",
        [{"user": broker.pk, "share": "70.00"}, {"user": co_broker.pk, "share": "30.00"}],
        format="json",
    )
    created = request_move(api(broker), deal, target).json()
    url = f"/api/v1/transition-requests/{created['id']}/approve/"
    # four eyes: the requester never decides their own request
    own = api(broker).post(url)
    assert own.status_code == 403
    assert "四眼" in own.json()["detail"]
    assert api(co_broker).post(url).status_code == 403  # a broker, not a supervisor
    assert api(finance).post(url).status_code == 403
    assert api(other_supervisor).post(url).status_code == 404  # another organisation
    deal.refresh_from_db()
    assert deal.state == source
    assert deal.transition_requests.get(pk=created["id"]).status == RequestStatus.PENDING


def test_supervisor_rejects_with_a_reason_and_the_deal_stays(api, deal, broker, supervisor):
    satisfy(deal, S.MATCHED)
    created = request_move(api(broker), deal, S.MATCHED).json()
    url = f"/api/v1/transition-requests/{created['id']}/reject/"
    missing = api(supervisor).post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    response = api(supervisor).post(
        url, {"reason": "候选成果价格超出企业预算，请补充备选"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    deal.refresh_from_db()
    assert deal.state == S.INTAKE
    events = api(broker).get(f"/api/v1/deals/{deal.pk}/history/").json()
    assert events[-1]["event"] == "rejected"
    assert events[-1]["comment"] == "候选成果价格超出企业预算，请补充备选"
    assert events[-1]["actor"]["username"] == supervisor.username


def test_a_decided_request_cannot_be_decided_again(
    api, deal, broker, supervisor, second_supervisor
):
    satisfy(deal, S.MATCHED)
    created = request_move(api(broker), deal, S.MATCHED).json()
    assert (
        api(supervisor).post(f"/api/v1/transition-requests/{created['id']}/approve/").status_code
        == 200
    )
    for verb, body in (("approve", {}), ("reject", {"reason": "晚了"})):
        again = api(second_supervisor).post(
            f"/api/v1/transition-requests/{created['id']}/{verb}/", body, format="json"
        )
        assert again.status_code == 409
        assert again.json()["code"] == "already_decided"
    assert [e["event"] for e in api(broker).get(f"/api/v1/deals/{deal.pk}/history/").json()].count(
        "moved"
    ) == 1


def test_one_pending_request_per_deal(api, deal, broker, supervisor):
    satisfy(deal, S.MATCHED)
    assert request_move(api(broker), deal, S.MATCHED).status_code == 201
    second = request_move(api(broker), deal, S.LOST, comment="企业暂停项目")
    assert second.status_code == 409
    assert second.json()["code"] == "request_pending"


@pytest.mark.parametrize("target", [S.INTAKE, S.LOST])
def test_going_back_or_closing_needs_a_reason(api, deal, broker, supervisor, target):
    deal = walk_to(deal, S.MATCHED, supervisor)
    response = request_move(api(broker), deal, target, comment="  ")
    assert response.status_code == 400
    assert response.json()["code"] == "comment_required"


def test_transitions_endpoint_explains_what_this_user_may_do(api, deal, broker, supervisor):
    options = {
        o["target"]: o for o in api(broker).get(f"/api/v1/deals/{deal.pk}/transitions/").json()
    }
    assert set(options) == {S.MATCHED, S.LOST}
    assert options[S.MATCHED]["allowed"] is False
    assert any("候选成果" in b for b in options[S.MATCHED]["blockers"])
    assert options[S.LOST]["allowed"] is True and options[S.LOST]["lost_reason_required"] is True
    satisfy(deal, S.MATCHED)
    options = {
        o["target"]: o for o in api(broker).get(f"/api/v1/deals/{deal.pk}/transitions/").json()
    }
    assert options[S.MATCHED]["allowed"] is True
    as_supervisor = api(supervisor).get(f"/api/v1/deals/{deal.pk}/transitions/").json()
    assert all(not o["allowed"] for o in as_supervisor)


def test_withdrawn_request_frees_the_deal_for_a_new_one(api, deal, broker, supervisor):
    satisfy(deal, S.MATCHED)
    created = request_move(api(broker), deal, S.MATCHED).json()
    assert (
        api(supervisor).post(f"/api/v1/transition-requests/{created['id']}/withdraw/").status_code
        == 403
    )
    assert (
        api(broker).post(f"/api/v1/transition-requests/{created['id']}/withdraw/").status_code
        == 200
    )
    assert request_move(api(broker), deal, S.MATCHED).status_code == 201


def test_supervisor_queue_lists_pending_requests_of_the_organisation_only(
    api, deal, broker, supervisor, other_supervisor
):
    satisfy(deal, S.MATCHED)
    created = request_move(api(broker), deal, S.MATCHED).json()
    queue = api(supervisor).get("/api/v1/transition-requests/?status=pending").json()
    assert [r["id"] for r in queue["results"]] == [created["id"]]
    assert (
        api(other_supervisor).get("/api/v1/transition-requests/?status=pending").json()["count"]
        == 0
    )
