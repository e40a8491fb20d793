"""Test helpers: walk a deal through the pipeline the way users do (request, then approve)."""

from __future__ import annotations

from brokers.models import User
from deals import services
from deals.models import ActivityKind, Deal, DealState
from tests.factories import AchievementFactory, ActivityFactory

FORWARD = [
    DealState.INTAKE,
    DealState.MATCHED,
    DealState.ONLINE_TALKS,
    DealState.OFFLINE_MEETING,
    DealState.AGREEMENT,
    DealState.REGISTERED,
]


def satisfy(deal: Deal, target: str) -> None:
    """Do the work the next stage needs (link a candidate, log a talk or a meeting)."""
    if target == DealState.MATCHED and not deal.achievement_links.exists():
        services.deal_link_achievement(
            deal=deal, achievement=AchievementFactory(), actor=deal.lead_broker
        )
    if target == DealState.OFFLINE_MEETING:
        ActivityFactory(deal=deal, kind=ActivityKind.ONLINE_TALK, created_by=deal.lead_broker)
    if target == DealState.AGREEMENT:
        ActivityFactory(
            deal=deal,
            kind=ActivityKind.OFFLINE_MEETING,
            location="企业会议室",
            created_by=deal.lead_broker,
        )


def move(deal: Deal, target: str, supervisor: User, comment: str = "") -> Deal:
    request = services.deal_request_transition(
        deal=deal,
        actor=deal.lead_broker,
        target=target,
        comment=comment or "推进",
        lost_reason_code="other" if target == DealState.LOST else "",
    )
    services.request_approve(request_id=request.pk, actor=supervisor)
    deal.refresh_from_db()
    return deal


def walk_to(deal: Deal, state: str, supervisor: User) -> Deal:
    """Move a deal forward stage by stage up to `state` (not past `agreement`: that needs a contract)."""
    start = FORWARD.index(DealState(deal.state))
    for target in FORWARD[start + 1 : FORWARD.index(DealState(state)) + 1]:
        satisfy(deal, target)
        deal = move(deal, target, supervisor)
    return deal
