"""Bulk approval in the supervisor's queue (API and page): each request is approved on its own,
through the same checks as one approval, and the answer splits approved from refused."""

from __future__ import annotations

import pytest
from django.test import Client

from deals import services
from deals.models import Deal, DealState, RequestStatus, TransitionRequest
from tests.factories import DealFactory
from tests.helpers import satisfy

pytestmark = pytest.mark.django_db

URL = "/api/v1/transition-requests/bulk-approve/"


def pending_move(deal: Deal, actor) -> TransitionRequest:  # type: ignore[no-untyped-def]
    satisfy(deal, DealState.MATCHED)
    return services.deal_request_transition(
        deal=deal, actor=actor, target=DealState.MATCHED, comment="已找到候选成果"
    )


@pytest.fixture
def mixed(broker, supervisor, other_broker):  # type: ignore[no-untyped-def]
    """One approvable request, the supervisor's own, one whose conditions no longer hold, and
    one of another organisation."""
    ok = pending_move(DealFactory(lead_broker=broker, title="可批准"), broker)
    own = pending_move(DealFactory(lead_broker=supervisor, title="主管自己的"), supervisor)
    unmet_deal = DealFactory(lead_broker=broker, title="候选被撤下的项目")
    unmet = pending_move(unmet_deal, broker)
    unmet_deal.achievement_links.all().delete()
    foreign = pending_move(DealFactory(lead_broker=other_broker, title="外机构"), other_broker)
    return {"ok": ok, "own": own, "unmet": unmet, "foreign": foreign}


def approved_history(request: TransitionRequest) -> int:
    return request.history.filter(status=RequestStatus.APPROVED).count()


def test_a_mixed_batch_approves_only_what_passes_and_explains_each_refusal(api, supervisor, mixed):
    ids = [mixed[k].pk for k in ("ok", "own", "unmet", "foreign")]
    response = api(supervisor).post(URL, {"ids": ids, "comment": "批量同意"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["id"] for r in body["approved"]] == [mixed["ok"].pk]
    assert body["approved"][0]["status"] == "approved"
    failures = {f["id"]: f for f in body["failures"]}
    assert set(failures) == {mixed["own"].pk, mixed["unmet"].pk, mixed["foreign"].pk}
    assert failures[mixed["own"].pk]["code"] == "permission_denied"
    assert "四眼" in failures[mixed["own"].pk]["message"]
    assert failures[mixed["unmet"].pk]["code"] == "conditions_unmet"
    assert failures[mixed["unmet"].pk]["blockers"]
    foreign = failures[mixed["foreign"].pk]
    assert foreign["code"] == "not_found"
    assert "外机构" not in str(foreign) and foreign["blockers"] == []

    for key, state in (("ok", "matched"), ("own", "intake"), ("unmet", "intake")):
        mixed[key].deal.refresh_from_db()
        assert mixed[key].deal.state == state
    mixed["foreign"].refresh_from_db()
    assert mixed["foreign"].status == RequestStatus.PENDING
    assert approved_history(mixed["ok"]) == 1
    assert [approved_history(mixed[k]) for k in ("own", "unmet", "foreign")] == [0, 0, 0]
    assert mixed["ok"].deal.history.filter(state="matched").count() == 1
    assert not mixed["unmet"].deal.history.filter(state="matched").exists()


def test_another_organisations_request_reads_exactly_like_a_missing_one(api, supervisor, mixed):
    missing = TransitionRequest.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    body = api(supervisor).post(URL, {"ids": [mixed["foreign"].pk, missing]}, format="json").json()
    first, second = body["failures"]
    assert {k: v for k, v in first.items() if k != "id"} == {
        k: v for k, v in second.items() if k != "id"
    }


def test_a_broker_is_refused_before_the_body_is_read(api, broker, mixed):
    response = api(broker).post(URL, {"ids": "nonsense"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    mixed["ok"].refresh_from_db()
    assert mixed["ok"].status == RequestStatus.PENDING


@pytest.mark.parametrize(
    "body",
    [
        {"ids": ["1"]},
        {"ids": [1.5]},
        {"ids": [True]},
        {"ids": [None]},
        {"ids": "1,2"},
        {"ids": []},
        {},
        {"ids": [0]},
        {"ids": [2**70]},
        {"ids": list(range(1, 102))},
    ],
    ids=[
        "string",
        "float",
        "bool",
        "null",
        "not-a-list",
        "empty",
        "missing",
        "zero",
        "huge",
        "101",
    ],
)
def test_bad_id_lists_are_400_and_approve_nothing(api, supervisor, mixed, body):
    response = api(supervisor).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    mixed["ok"].refresh_from_db()
    assert mixed["ok"].status == RequestStatus.PENDING


def test_a_hundred_ids_are_accepted(api, supervisor, mixed):
    ids = [mixed["ok"].pk, *range(10**9, 10**9 + 99)]
    response = api(supervisor).post(URL, {"ids": ids}, format="json")
    assert response.status_code == 200
    assert len(response.json()["approved"]) == 1
    assert len(response.json()["failures"]) == 99


def test_the_queue_page_approves_the_ticked_requests_and_shows_refusals_by_their_rows(
    supervisor, mixed
):
    client = Client()
    client.force_login(supervisor)
    html = client.get("/queue/").content.decode()
    assert "批准所选" in html
    assert f'name="ids" value="{mixed["ok"].pk}"' in html
    assert f'name="ids" value="{mixed["unmet"].pk}"' in html
    # Four eyes: the supervisor's own request offers no box to tick.
    assert f'name="ids" value="{mixed["own"].pk}"' not in html

    ids = [mixed[k].pk for k in ("ok", "own", "unmet", "foreign")]
    response = client.post("/queue/bulk-approve/", {"ids": ids, "comment": "同意"}, follow=True)
    html = response.content.decode()

    assert "已批准 1 条申请" in html
    assert "3 条未能批准" in html
    assert "外机构" not in html
    row = html.split(f'id="request-{mixed["unmet"].pk}"')[1].split("</tr>")[0]
    assert "未能批准" in row and "条件已不满足，暂不能批准" in row
    own_row = html.split(f'id="request-{mixed["own"].pk}"')[1].split("</tr>")[0]
    assert "四眼" in own_row
    assert f'id="request-{mixed["ok"].pk}"' not in html
    mixed["ok"].refresh_from_db()
    assert mixed["ok"].status == RequestStatus.APPROVED
    assert approved_history(mixed["unmet"]) == 0

    # The refusals are shown once: the next visit shows the plain queue.
    again = client.get("/queue/").content.decode()
    assert "未能批准" not in again


def test_the_page_refuses_ids_that_are_not_numbers(supervisor, mixed):
    client = Client()
    client.force_login(supervisor)
    response = client.post("/queue/bulk-approve/", {"ids": [mixed["ok"].pk, "x"]}, follow=True)
    assert response.status_code == 200
    assert "编号无效" in response.content.decode()
    mixed["ok"].refresh_from_db()
    assert mixed["ok"].status == RequestStatus.PENDING


def test_a_broker_cannot_use_the_page_door(broker, mixed):
    client = Client()
    client.force_login(broker)
    response = client.post("/queue/bulk-approve/", {"ids": [mixed["ok"].pk]})
    assert response.status_code == 302
    mixed["ok"].refresh_from_db()
    assert mixed["ok"].status == RequestStatus.PENDING
