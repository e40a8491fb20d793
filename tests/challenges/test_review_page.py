"""Issue 15, forms that keep what was typed: an expert's scores and opinion refused by the service
come back on the review page as typed, with the refusal above them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from challenges import services
from challenges.models import Review
from tests.challenges.conftest import PROPOSALS, expert_user

pytestmark = pytest.mark.django_db


def test_a_refused_review_comes_back_with_its_scores_and_opinion(supervisor, challenge, experts):
    for fields in PROPOSALS[1:]:
        services.proposal_submit(challenge=challenge, **fields)
    services.panel_invite(actor=supervisor, challenge=challenge, experts=experts[:3])
    proposal = challenge.proposals.order_by("id").first()
    client = Client()
    data = {f"score-{i}": str(4 - i % 2) for i in range(len(challenge.criteria))}
    data["opinion"] = "排气槽方案可行<script>x</script>"
    page = f"/reviews/challenges/{challenge.pk}/"
    with time_machine.travel(challenge.deadline + dt.timedelta(hours=1)):
        client.force_login(expert_user("zhouming"))
        response = client.post(f"/reviews/proposals/{proposal.pk}/", data)
        assert response.status_code == 302, response.status_code
        assert response["Location"] == f"{page}#p-{proposal.pk}"
        html = client.get(page).content.decode()
    block = html.split(f'id="p-{proposal.pk}"')[1].split('class="panel proposal"')[0]
    assert '<ul class="errorlist nonfield"><li>评审意见中含有 HTML 标签' in block
    assert "未完成：请按表单中的提示修改。" in block
    assert "排气槽方案可行&lt;script&gt;x&lt;/script&gt;</textarea>" in block
    assert block.count('value="4" selected') + block.count('value="3" selected') == len(
        challenge.criteria
    )
    assert not Review.objects.exists()
