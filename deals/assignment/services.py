"""Writes of lead assignment and the double-brokering guard. Shares always go through
`deals.services.deal_set_brokers` (sum to 100, caseload, frozen deals)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import User
from common.exceptions import Conflict, TransitionNotAllowed, ValidationFailed
from common.history import stamp
from deals import permissions
from deals.assignment.models import BrokeringConflict, ConflictStatus, LeadChange
from deals.models import ACTIVE_STATES, Deal, DealBroker
from deals.services import deal_set_brokers


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请说明更换主办经纪人的原因，例如“原主办休假，由李娜接手”。"),
            code="reason_required",
        )
    return reason[:500]


@transaction.atomic
def deal_reassign_lead(*, deal: Deal, actor: User, lead_broker: User, reason: str) -> LeadChange:
    """Hand the deal to another broker of its organisation.

    The shares rule: the new lead takes the old lead's share (added to any share they already
    held as a co-broker) and the old lead leaves the deal; the other co-brokers keep theirs. A
    new lead who was not on the deal must have room in their caseload (409 `caseload_full`).
    """
    reason = _reason(reason)
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    permissions.may_reassign_lead.require(actor, deal)
    if deal.state not in ACTIVE_STATES:
        raise TransitionNotAllowed(_("项目已结束，不能再更换主办经纪人。"), code="deal_closed")
    if lead_broker.pk == deal.lead_broker_id:
        raise ValidationFailed(
            _("%(name)s 已是本项目的主办经纪人。") % {"name": lead_broker}, code="same_lead"
        )
    if not lead_broker.is_broker or not lead_broker.is_active:
        raise ValidationFailed(_("新的主办经纪人必须是在职的经纪人。"))
    if lead_broker.organisation_id != deal.organisation_id:
        raise ValidationFailed(_("新的主办经纪人必须是本项目所属机构的经纪人。"))
    links = {link.user_id: link for link in DealBroker.objects.filter(deal=deal)}
    old_lead = deal.lead_broker
    moved = links[old_lead.pk].share if old_lead.pk in links else Decimal(0)
    new_share = moved + (links[lead_broker.pk].share if lead_broker.pk in links else Decimal(0))
    shares: list[tuple[User, Any]] = [(lead_broker, new_share)]
    shares += [
        (link.user, link.share)
        for user_id, link in links.items()
        if user_id not in (old_lead.pk, lead_broker.pk)
    ]
    deal.lead_broker = lead_broker
    stamp(deal, actor, _("更换主办经纪人：%(reason)s") % {"reason": reason})
    deal.save(update_fields=["lead_broker", "updated_at"])
    # Checks the sum, the caseload of a newcomer and a frozen deal; rolls the lead back with it.
    deal_set_brokers(
        deal=deal,
        actor=actor,
        shares=shares,
        reason=_("更换主办经纪人：%(reason)s") % {"reason": reason},
    )
    change = LeadChange(
        deal=deal,
        from_lead=old_lead,
        to_lead=lead_broker,
        share=new_share,
        reason=reason,
        changed_by=actor,
    )
    change.save()
    return change


@transaction.atomic
def conflict_resolve(
    *,
    conflict: BrokeringConflict,
    deal: Deal,
    actor: User,
    shares: Iterable[tuple[User, Any]],
    note: str = "",
) -> BrokeringConflict:
    """Record the agreed split of credit: `shares` become `deal`'s broker shares (through
    deal_set_brokers) and the warning is closed for both deals.

    Within one organisation the shares may name the brokers of both deals (one deal carries both
    teams; the other is then closed through the usual request, "并入项目 #id"). Across
    organisations each deal's credit stays within its organisation: the supervisors agree which
    deal carries the work, and the resolving side sets its own deal's shares.
    """
    conflict = BrokeringConflict.objects.select_for_update().get(pk=conflict.pk)
    if deal.pk not in (conflict.deal_a_id, conflict.deal_b_id):
        raise ValidationFailed(_("该预警不属于本项目。"))
    permissions.may_resolve_conflict.require(actor, deal)
    if conflict.status != ConflictStatus.OPEN:
        raise Conflict(
            _("该预警已于 %(at)s 协调完毕，无需重复处理。")
            % {"at": timezone.localtime(conflict.resolved_at).strftime("%Y-%m-%d %H:%M")},
            code="already_resolved",
        )
    pair = Deal.objects.filter(pk__in=[conflict.deal_a_id, conflict.deal_b_id])
    if pair.exclude(state__in=ACTIVE_STATES).exists():
        raise Conflict(
            _("两个项目中已有一个结束，该预警已失效，无需再协调。"), code="conflict_lapsed"
        )
    note = (note or "").strip()[:500]
    reason = _("重复撮合协调：%(note)s") % {"note": note} if note else _("重复撮合协调")
    links = deal_set_brokers(deal=deal, actor=actor, shares=shares, reason=reason)
    conflict.status = ConflictStatus.RESOLVED
    conflict.resolved_at = timezone.now()
    conflict.resolved_by = actor
    conflict.resolved_deal = deal
    conflict.shares = [{"user": link.user_id, "share": f"{link.share:.2f}"} for link in links]
    conflict.note = note
    stamp(conflict, actor, reason)
    conflict.save()
    return conflict
