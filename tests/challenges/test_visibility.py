"""Acceptance 2: an expert sees only what they were invited to; a proposer only their own
proposal; another organisation's supervisor gets 404 everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from challenges import services
from tests.challenges.conftest import PROPOSALS, expert_user, make_expert, pdf_file, publish
from tests.conftest import client_for
from tests.factories import DealFactory, DemandFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(supervisor, challenge, experts):
    """Challenge with three proposals (the first with a PDF) and a panel of three; a second
    challenge of the same organisation whose panel is someone else."""
    proposals = [
        services.proposal_submit(
            challenge=challenge, files=[pdf_file()] if i == 0 else [], **fields
        )
        for i, fields in enumerate(PROPOSALS)
    ]
    services.panel_invite(actor=supervisor, challenge=challenge, experts=experts[:3])
    other = publish(
        supervisor, DemandFactory(enterprise="杭州某电机有限公司"), title="电机降噪揭榜"
    )
    outsider = make_expert(supervisor, "冯刚", "华中科技大学", username="fenggang")
    services.panel_invite(actor=supervisor, challenge=other, experts=[outsider])
    foreign = services.proposal_submit(challenge=other, **PROPOSALS[1])
    return {"challenge": challenge, "proposals": proposals, "other": other, "foreign": foreign}


def test_an_expert_sees_only_the_challenges_and_proposals_they_were_invited_to(judged, broker):
    challenge, other = judged["challenge"], judged["other"]
    deal = DealFactory(lead_broker=broker)
    judge = client_for(expert_user("zhouming"))
    with time_machine.travel(challenge.deadline + dt.timedelta(minutes=5)):
        assert [c["id"] for c in judge.get("/api/v1/challenges/").json()["results"]] == [
            challenge.pk
        ]
        assert judge.get(f"/api/v1/challenges/{challenge.pk}/").status_code == 200
        assert judge.get(f"/api/v1/challenges/{other.pk}/").status_code == 404
        assert judge.get(f"/api/v1/challenges/{other.pk}/proposals/").status_code == 404
        items = judge.get("/api/v1/reviews/").json()["results"]
        assert {i["challenge"] for i in items} == {challenge.pk}
        foreign = judged["foreign"]
        scored = judge.post(
            "/api/v1/reviews/",
            {
                "proposal": foreign.pk,
                "scores": {"技术先进性": 5, "可行性": 5, "报价合理性": 5},
                "opinion": "好",
            },
            format="json",
        )
        assert scored.status_code == 404
        # The rest of DealDesk does not exist for an expert.
        for path in [
            "/api/v1/deals/",
            f"/api/v1/deals/{deal.pk}/",
            "/api/v1/demands/",
            "/api/v1/achievements/",
            "/api/v1/experts/",
            "/api/v1/rewards/",
            f"/api/v1/deals/{deal.pk}/reviewers/",
        ]:
            assert judge.get(path).status_code == 404, path
        assert judge.get(f"/api/v1/challenges/{challenge.pk}/history/").status_code == 404
        assert (
            judge.post(f"/api/v1/challenges/{challenge.pk}/close/", {"reason": "x"}).status_code
            == 404
        )
        browser = Client()
        browser.force_login(expert_user("zhouming"))
        for page in [
            "/board/",
            "/needs/",
            "/achievements/",
            "/ledger/",
            f"/deals/{deal.pk}/",
            "/queue/",
        ]:
            assert browser.get(page).status_code == 404, page
        assert browser.get("/reviews/").status_code == 200


def test_before_the_deadline_the_panel_sees_no_proposal(judged):
    judge = client_for(expert_user("zhouming"))
    challenge = judged["challenge"]
    assert judge.get(f"/api/v1/challenges/{challenge.pk}/proposals/").json() == []
    attachment = judged["proposals"][0].attachments.get()
    assert judge.get(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
    with time_machine.travel(challenge.deadline + dt.timedelta(minutes=5)):
        response = judge.get(f"/api/v1/attachments/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert response["Content-Disposition"].startswith("attachment")


def test_a_proposer_sees_their_own_proposal_only(judged):
    mine, theirs = judged["proposals"][0], judged["proposals"][1]
    public = client_for(None)
    own = public.get(f"/api/v1/public/proposals/{mine.reference}/", {"email": mine.email})
    assert own.status_code == 200 and own.json()["institution"] == mine.institution
    assert (
        public.get(
            f"/api/v1/public/proposals/{theirs.reference}/", {"email": mine.email}
        ).status_code
        == 404
    )
    assert public.get(f"/api/v1/public/proposals/{mine.reference}/").status_code == 404
    # Their attachment: through the status page (reference + e-mail), never by guessing ids.
    attachment = mine.attachments.get()
    browser = Client()
    assert browser.get(f"/challenges/attachments/{attachment.pk}/").status_code == 404
    page = browser.get("/challenges/proposal/", {"ref": mine.reference, "email": mine.email})
    assert page.status_code == 200
    assert mine.institution in page.content.decode()
    assert browser.get(f"/challenges/attachments/{attachment.pk}/").status_code == 200
    nosy = Client()
    nosy.get("/challenges/proposal/", {"ref": theirs.reference, "email": theirs.email})
    assert nosy.get(f"/challenges/attachments/{attachment.pk}/").status_code == 404
    # The private files are under MEDIA_ROOT/private, which no URL serves.
    assert "/private/" in attachment.file.path
    assert Client().get("/media/" + attachment.file.name).status_code == 404


def test_another_organisations_supervisor_gets_404_everywhere(
    judged, other_supervisor, supervisor, broker
):
    challenge = judged["challenge"]
    proposal = judged["proposals"][0]
    attachment = proposal.attachments.get()
    expert = judged["challenge"].panel.first().expert
    deal = DealFactory(lead_broker=broker)
    stranger = client_for(other_supervisor)
    assert stranger.get("/api/v1/challenges/").json()["results"] == []
    assert stranger.get("/api/v1/experts/").json()["results"] == []
    assert stranger.get("/api/v1/reviews/").json()["results"] == []
    base = f"/api/v1/challenges/{challenge.pk}"
    for path in [
        f"{base}/",
        f"{base}/proposals/",
        f"{base}/ranking/",
        f"{base}/history/",
        f"/api/v1/experts/{expert.pk}/",
        f"/api/v1/attachments/{attachment.pk}/",
        f"/api/v1/deals/{deal.pk}/reviewers/",
    ]:
        assert stranger.get(path).status_code == 404, path
    for path, body in [
        (f"{base}/panel/", {"experts": [expert.pk]}),
        (f"{base}/award/", {"proposal": proposal.pk}),
        (f"{base}/close/", {"reason": "关闭"}),
        (f"/api/v1/deals/{deal.pk}/reviewers/", {"experts": [expert.pk]}),
    ]:
        assert stranger.post(path, body, format="json").status_code == 404, path
    browser = Client()
    browser.force_login(other_supervisor)
    assert browser.get(f"/challenges/manage/{challenge.pk}/").status_code == 404
    assert browser.get(f"/challenges/attachments/{attachment.pk}/").status_code == 404
    # Their own supervisor sees it all.
    assert client_for(supervisor).get(f"{base}/proposals/").status_code == 200
