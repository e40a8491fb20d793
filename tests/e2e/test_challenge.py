"""A challenge (揭榜挂帅) in a real browser, from publication to award: a supervisor publishes it,
an institute answers on the public page (no account) with a PDF, the supervisor invites the
panel (a conflicted expert cannot be ticked and the page says why), an expert scores after the
deadline, a second supervisor awards, and the deal page shows the new deal in 成果匹配."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from challenges import services
from challenges.models import Challenge, ChallengeStatus, Proposal
from deals.models import Deal, DealState
from tests.challenges.conftest import PROPOSALS
from tests.e2e.conftest import sign_in
from tests.factories import DemandFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _expert(supervisor, name, employer, username):  # type: ignore[no-untyped-def]
    return services.expert_create(
        actor=supervisor,
        name=name,
        employer=employer,
        title="教授",
        fields=["manufacturing", "new_materials"],
        region="330200",
        username=username,
        password="pass12345",
    )


def test_a_challenge_is_published_answered_judged_and_awarded_in_the_browser(
    new_page, live_server, screens, settings, tmp_path, supervisor, second_supervisor, broker
):
    settings.MEDIA_ROOT = tmp_path / "media"
    demand = DemandFactory(
        title="高强度铝合金压铸件气孔缺陷攻关", enterprise="宁波某汽车零部件有限公司"
    )
    experts = [
        _expert(supervisor, "周明", "上海交通大学", "zhouming"),
        _expert(supervisor, "吴芳", "中国科学院金属研究所", "wufang"),
        _expert(supervisor, "郑涛", "北京科技大学", "zhengtao"),
        _expert(supervisor, "钱伟", "浙江大学", "qianwei"),
    ]
    deadline = timezone.localtime() + dt.timedelta(days=2)

    # 1. The supervisor publishes the challenge from the need.
    boss = new_page()
    sign_in(boss, live_server, "chenjing")
    boss.goto(f"{live_server.url}/challenges/manage/new/?demand={demand.pk}")
    boss.fill("input[name=title]", "铝合金压铸件气孔缺陷揭榜挂帅")
    boss.fill(
        "textarea[name=description]",
        "汽车结构件高压压铸后内部气孔导致气密性不合格（合格率 85%），"
        "征集真空压铸、模具排气或材料改性等解决方案，目标合格率 98% 以上。",
    )
    boss.fill("input[name=support_amount]", "500000")
    boss.fill("input[name=deadline]", deadline.isoformat(timespec="seconds"))
    boss.screenshot(path=str(screens / "challenge-1-publish.png"), full_page=True)
    boss.click("main form button[type=submit]")
    boss.wait_for_load_state("domcontentloaded")
    assert "已发布" in boss.locator(".messages").inner_text()
    challenge = Challenge.objects.get()
    assert challenge.status == ChallengeStatus.OPEN

    # 2. An institute answers on the public page, with a PDF; no account.
    public = new_page()
    public.goto(f"{live_server.url}/challenges/")
    public.click(f"text={challenge.title}")
    public.wait_for_url(f"**/challenges/{challenge.pk}/")
    fields = PROPOSALS[2]
    for name in ("institution", "contact", "email", "price"):
        public.fill(f"input[name={name}]", fields[name])
    for name in ("team", "plan", "schedule"):
        public.fill(f"textarea[name={name}]", fields[name])
    public.set_input_files(
        "input[name=attachments]",
        files=[{"name": "技术方案.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    public.screenshot(path=str(screens / "challenge-2-public.png"), full_page=True)
    public.click("form:not(.lang-switch) button[type=submit]")
    public.wait_for_url("**/challenges/submitted/")
    proposal = Proposal.objects.get()
    assert proposal.reference in public.locator(".reference").inner_text()
    assert proposal.attachments.count() == 1
    for other in PROPOSALS[:2]:
        services.proposal_submit(challenge=challenge, **other)

    # 3. The panel: 钱伟 works for 浙江大学, whose institute answered → cannot be ticked.
    boss.goto(f"{live_server.url}/challenges/manage/{challenge.pk}/")
    conflicted = boss.locator("tr", has_text="钱伟")
    assert conflicted.locator("input[type=checkbox]").is_disabled()
    assert "浙江大学宁波研究院" in conflicted.locator(".conflict-reason").inner_text()
    for name in ("周明", "吴芳", "郑涛"):
        boss.locator("tr", has_text=name).locator("input[type=checkbox]").check()
    boss.screenshot(path=str(screens / "challenge-3-panel.png"), full_page=True)
    boss.click("#panel button[type=submit]")
    boss.wait_for_load_state("domcontentloaded")
    assert "已邀请 3 位专家" in boss.locator(".messages").inner_text()

    with time_machine.travel(deadline + dt.timedelta(minutes=5), tick=True):
        # 4. After the deadline an expert scores every proposal on their review page.
        judge = new_page()
        sign_in(judge, live_server, "zhouming")
        assert judge.locator("h1").first.inner_text() == "我的评审"
        judge.locator("main a.btn", has_text="评审").first.click()
        judge.wait_for_url(f"**/reviews/challenges/{challenge.pk}/")
        for n in range(3):
            form = judge.locator(".proposal form").nth(n)
            for i, score in enumerate((4, 5, 3, 4)):
                form.locator(f"select[name=score-{i}]").select_option(str(score - (n == 1)))
            form.locator("textarea[name=opinion]").fill("技术路线清晰，建议先做小批量验证。")
            form.locator("button[type=submit]").click()
            judge.wait_for_load_state("domcontentloaded")
            assert "已提交" in judge.locator(".messages").inner_text()
        judge.screenshot(path=str(screens / "challenge-4-review.png"), full_page=True)
        for expert, scores in ((experts[1], (5, 4, 4, 4)), (experts[2], (4, 4, 5, 3))):
            for p in Proposal.objects.order_by("id"):
                services.review_submit(
                    actor=expert.user,
                    proposal=p,
                    scores=dict(zip([c["name"] for c in challenge.criteria], scores, strict=False)),
                    opinion="方案可行。",
                )

        # 5. The publisher sees the ranking but may not award (four eyes); a second supervisor does.
        # Days have passed since publication: the 8-hour session is over, so sign in again.
        sign_in(boss, live_server, "chenjing")
        boss.goto(f"{live_server.url}/challenges/manage/{challenge.pk}/")
        assert boss.locator("#ranking button", has_text="授予").count() == 0
        assert "四眼原则" in boss.locator("#ranking").inner_text()
        second = new_page()
        sign_in(second, live_server, "liuyang")
        second.goto(f"{live_server.url}/challenges/manage/{challenge.pk}/")
        first_row = second.locator("#ranking tbody tr").first
        winner_name = first_row.locator("td").nth(1).inner_text()
        second.screenshot(path=str(screens / "challenge-5-ranking.png"), full_page=True)
        first_row.locator("button", has_text="授予").click()
        second.wait_for_load_state("domcontentloaded")
        assert "项目已建立" in second.locator(".messages").inner_text()

        deal = Deal.objects.get()
        assert deal.state == DealState.MATCHED
        assert deal.achievements.get().owner in winner_name
        second.click("text=查看项目")
        second.wait_for_url(f"**/deals/{deal.pk}/")
        assert "成果匹配" in second.locator(".page-head").inner_text()
        assert "500,000.00" in second.locator("#experts").inner_text()
        second.screenshot(path=str(screens / "challenge-6-deal.png"), full_page=True)
