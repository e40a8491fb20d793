"""Acceptance 1: publish → proposals (a late one refused) → panel (a conflicted expert refused) →
blind scoring → the ranking, computed by hand here → award by a second supervisor → a deal in
`matched` with the winning proposal and the support money → every proposer told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from challenges.models import ChallengeStatus, Proposal, ProposalOutcome
from deals.models import Deal, DealState
from tests.challenges.conftest import CRITERIA, PROPOSALS, expert_user, pdf_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Each expert's 1–5 scores per criterion (技术先进性 50, 可行性 30, 报价合理性 20), per proposal.
SCORES = {
    "zhouming": [(5, 4, 3), (3, 3, 5), (4, 5, 5)],
    "wufang": [(4, 4, 4), (4, 3, 3), (5, 4, 4)],
    "zhengtao": [(5, 5, 4), (3, 4, 4), (4, 4, 5)],
}
# By hand: weighted = (50a + 30b + 20c) / 100 for each expert, then the mean of the three.
#   浙大宁波院: 4.30, 4.00, 4.80 → 13.10 / 3 = 4.3667 → 4.37, spread 4.80 − 4.00 = 0.80
#   宁波工程学院: 3.40, 3.50, 3.50 → 10.40 / 3 = 3.4667 → 3.47, spread 0.10
#   中科院宁波材料所: 4.50, 4.50, 4.20 → 13.20 / 3 = 4.40, spread 4.50 − 4.20 = 0.30
EXPECTED = [
    ("中国科学院宁波材料技术与工程研究所", "4.40", "0.30"),
    ("浙江大学宁波研究院", "4.37", "0.80"),
    ("宁波工程学院", "3.47", "0.10"),
]


def test_a_challenge_from_publication_to_award(
    api, supervisor, second_supervisor, broker, demand, experts, django_capture_on_commit_callbacks
):
    boss = api(supervisor)
    deadline = timezone.now() + dt.timedelta(days=2)
    response = boss.post(
        "/api/v1/challenges/",
        {
            "demand": demand.pk,
            "title": "铝合金压铸件气孔缺陷揭榜挂帅",
            "description": "压铸件内部气孔导致气密性不合格，寻求工艺或材料解决方案。",
            "support_amount": "500000.00",
            "deadline": deadline.isoformat(),
            "criteria": CRITERIA,
            "panel_size": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "open"
    assert [c["weight"] for c in response.json()["criteria"]] == ["50", "30", "20"]
    challenge_id = response.json()["id"]

    public = client_for(None)
    listed = public.get("/api/v1/public/challenges/").json()["results"]
    assert [c["id"] for c in listed] == [challenge_id]
    assert listed[0]["enterprise"] != demand.enterprise  # anonymous unless chosen otherwise

    references = []
    for i, fields in enumerate(PROPOSALS):
        payload = dict(fields)
        if i == 0:
            payload["attachments"] = pdf_file()
            response = public.post(f"/api/v1/public/challenges/{challenge_id}/proposals/", payload)
        else:
            response = public.post(
                f"/api/v1/public/challenges/{challenge_id}/proposals/", payload, format="json"
            )
        assert response.status_code == 201, response.json()
        references.append(response.json()["reference"])
    proposals = list(Proposal.objects.order_by("id"))
    assert [p.reference for p in proposals] == references
    assert proposals[0].attachments.count() == 1

    # The panel: the expert from 浙江大学 works for a proposer's parent → refused, with the reason.
    zhou, wu, zheng, qian = experts
    refused = boss.post(
        f"/api/v1/challenges/{challenge_id}/panel/", {"experts": [qian.pk]}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict_of_interest"
    assert (
        "浙江大学" in refused.json()["detail"] and "浙江大学宁波研究院" in refused.json()["detail"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invited = boss.post(
            f"/api/v1/challenges/{challenge_id}/panel/",
            {"experts": [zhou.pk, wu.pk, zheng.pk]},
            format="json",
        )
    assert invited.status_code == 201
    assert sorted(invited.json()["panel"]) == sorted([zhou.pk, wu.pk, zheng.pk])
    from notifications.models import Notification

    told = Notification.objects.filter(kind="review_invited")
    assert sorted(n.user.username for n in told) == ["wufang", "zhengtao", "zhouming"]

    # Before the deadline: no scoring yet.
    early = client_for(expert_user("zhouming")).post(
        "/api/v1/reviews/",
        {
            "proposal": proposals[0].pk,
            "scores": {"技术先进性": 5, "可行性": 5, "报价合理性": 5},
            "opinion": "好",
        },
        format="json",
    )
    assert early.status_code in (404, 409)

    with time_machine.travel(deadline + dt.timedelta(minutes=1)):
        late = public.post(
            f"/api/v1/public/challenges/{challenge_id}/proposals/",
            {**PROPOSALS[1], "institution": "迟到的大学"},
            format="json",
        )
        assert late.status_code == 409
        assert late.json()["code"] == "challenge_closed"
        assert "截止" in late.json()["detail"]
        assert Proposal.objects.count() == 3

        for n, username in enumerate(["zhouming", "wufang", "zhengtao"]):
            judge = client_for(expert_user(username))
            assigned = judge.get("/api/v1/reviews/").json()["results"]
            assert sorted(a["proposal"] for a in assigned) == sorted(p.pk for p in proposals)
            for proposal, (a, b, c) in zip(proposals, SCORES[username], strict=True):
                response = judge.post(
                    "/api/v1/reviews/",
                    {
                        "proposal": proposal.pk,
                        "scores": {"技术先进性": a, "可行性": b, "报价合理性": c},
                        "opinion": "方案可行，建议中试验证。",
                    },
                    format="json",
                )
                assert response.status_code == 201, response.json()
            if n < 2:
                # Blind: until every score is in, an expert sees no ranking.
                assert judge.get(f"/api/v1/challenges/{challenge_id}/ranking/").status_code == 409
                # And never the others' scores in their own list.
                mine = judge.get("/api/v1/reviews/").json()["results"]
                assert all(item["review"]["opinion"] for item in mine)

        ranking = boss.get(f"/api/v1/challenges/{challenge_id}/ranking/").json()
        assert [(r["institution"], r["score"], r["spread"]) for r in ranking] == EXPECTED
        assert all(r["reviews"] == 3 for r in ranking)
        winner = Proposal.objects.get(pk=ranking[0]["proposal"])

        # Four eyes: the publisher may not award.
        own = boss.post(
            f"/api/v1/challenges/{challenge_id}/award/", {"proposal": winner.pk}, format="json"
        )
        assert own.status_code == 403
        with django_capture_on_commit_callbacks(execute=True):
            awarded = api(second_supervisor).post(
                f"/api/v1/challenges/{challenge_id}/award/", {"proposal": winner.pk}, format="json"
            )
        assert awarded.status_code == 200, awarded.json()

    deal = Deal.objects.get(pk=awarded.json()["deal"])
    assert deal.state == DealState.MATCHED
    assert deal.demand == demand
    assert deal.lead_broker == broker
    winner.refresh_from_db()
    assert [a.pk for a in deal.achievements.all()] == [winner.achievement_id]
    assert winner.achievement.owner == winner.institution
    body = api(second_supervisor).get(f"/api/v1/deals/{deal.pk}/").json()
    assert body["state"] == "matched"
    assert body["support_amount"] == "500000.00"
    events = [
        e["event"] for e in api(second_supervisor).get(f"/api/v1/deals/{deal.pk}/history/").json()
    ]
    assert {"created", "achievement_linked", "moved", "challenge_awarded"} <= set(events)

    assert (
        boss.get(f"/api/v1/challenges/{challenge_id}/").json()["status"] == ChallengeStatus.AWARDED
    )
    outcomes = {p.institution: p.outcome for p in Proposal.objects.all()}
    assert outcomes[winner.institution] == ProposalOutcome.WON
    assert sorted(outcomes.values()).count(ProposalOutcome.NOT_WON) == 2

    # Every proposer told, once: the winner that they won, the others that they did not.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p["email"] for p in PROPOSALS)
    told = {m.to[0]: m.body for m in mail.outbox}
    assert "已被授予" in told[winner.email]
    assert all("未入选" in b for e, b in told.items() if e != winner.email)
    assert not Proposal.objects.filter(notified_at__isnull=True).exists()

    history = [e["event"] for e in boss.get(f"/api/v1/challenges/{challenge_id}/history/").json()]
    assert history[0] == "published"
    assert history.count("proposal_submitted") == 3
    assert history.count("expert_invited") == 3
    assert history.count("reviewed") == 9
    assert "awarded" in history and history.count("proposer_notified") == 3


def test_the_award_waits_for_every_score_and_the_deadline(
    api, supervisor, second_supervisor, broker, challenge, experts
):
    from challenges import services

    for fields in PROPOSALS[1:]:
        services.proposal_submit(challenge=challenge, **fields)
    services.panel_invite(actor=supervisor, challenge=challenge, experts=experts[:3])
    proposal = challenge.proposals.first()
    url = f"/api/v1/challenges/{challenge.pk}/award/"
    before = api(second_supervisor).post(url, {"proposal": proposal.pk}, format="json")
    assert before.status_code == 409 and before.json()["code"] == "judging_not_started"
    with time_machine.travel(challenge.deadline + dt.timedelta(hours=1)):
        pending = api(second_supervisor).post(url, {"proposal": proposal.pk}, format="json")
        assert pending.status_code == 409
        assert pending.json()["code"] == "reviews_pending"
        assert len(pending.json()["blockers"]) == 3  # each expert, with what they still owe
    assert not Deal.objects.exists()


def test_closing_without_award_tells_every_proposer_the_reason(
    api, supervisor, challenge, django_capture_on_commit_callbacks
):
    from challenges import services

    for fields in PROPOSALS:
        services.proposal_submit(challenge=challenge, **fields)
    url = f"/api/v1/challenges/{challenge.pk}/close/"
    assert api(supervisor).post(url, {"reason": ""}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        closed = api(supervisor).post(
            url, {"reason": "企业需求已变更，本榜单终止。"}, format="json"
        )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert len(mail.outbox) == 3
    assert all("企业需求已变更" in m.body for m in mail.outbox)
    again = api(supervisor).post(url, {"reason": "再关一次"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert not Deal.objects.exists()
    assert Decimal(challenge.support_amount) == Decimal("500000.00")
