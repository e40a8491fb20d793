"""Who may do what in the deal pipeline. Services, pages, the API and the admin all ask here.

Seeing a deal is a different question, answered by `deals.selectors.deals_visible_to` (a stranger
gets a 404 before any rule here is asked). These rules decide what a user who sees the deal may
do with it. Each is a small function of the user and the object; `.require(...)` raises
NotAllowed (403) with the message below.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brokers.models import User
from brokers.permissions import supervises
from common.permissions import predicate
from deals.models import Achievement, Deal, DealBroker, Demand, TransitionRequest


def on_deal(user: User, deal: Deal) -> bool:
    """The user is one of the deal's brokers. Uses the prefetched broker links when the deal came
    from `deal_list_for_user` (the pages and the API), one query otherwise (the services)."""
    if user.pk is None:
        return False
    prefetched = getattr(deal, "_prefetched_objects_cache", {}).get("broker_links")
    if prefetched is not None:
        return any(link.user_id == user.pk for link in prefetched)
    return DealBroker.objects.filter(deal_id=deal.pk, user_id=user.pk).exists()


# --- the catalogue and opening deals -------------------------------------------------------------


@predicate(gettext_lazy("财务人员不能录入或修改需求与成果。"))
def may_write_catalogue(user: User) -> bool:
    """Needs and achievements are entered by everyone who works deals (the public form aside)."""
    return user.is_admin or user.is_broker or user.is_supervisor


def _record_organisation_id(record: Demand | Achievement) -> int | None:
    creator = record.created_by
    return creator.organisation_id if creator is not None else None


@predicate(gettext_lazy("只能修改本机构录入的需求或成果；如需更正，请联系录入机构或管理员。"))
def may_edit_catalogue_record(user: User, record: Demand | Achievement) -> bool:
    """A need or an achievement belongs to the organisation of whoever entered it: its brokers and
    supervisors edit it (a need's region decides which reward policy pays). One entered through
    the public form belongs to no organisation yet: a supervisor triages it."""
    if user.is_admin:
        return True
    if not may_write_catalogue(user):
        return False
    owner = _record_organisation_id(record)
    if owner is None:
        return user.is_supervisor
    return owner == user.organisation_id


@predicate(gettext_lazy("只有经纪人、主管或管理员可以批量导入。"))
def may_import(user: User) -> bool:
    """Bulk imports of needs or achievements: the same people as the single entry above."""
    return may_write_catalogue(user)


@predicate(gettext_lazy("只有经纪人、主管或管理员可以创建项目。"))
def may_create_deal(user: User) -> bool:
    return user.is_broker or user.is_supervisor or user.is_admin


@predicate(gettext_lazy("经纪人只能以自己为主办经纪人创建项目；指定他人请由主管操作。"))
def may_name_lead(user: User) -> bool:
    """Opening a deal for another broker: a supervisor (within their organisation) or an admin."""
    return user.is_supervisor or user.is_admin


@predicate(gettext_lazy("只有主管可以直接以“成果匹配”阶段建立项目。"))
def may_open_matched_deal(user: User) -> bool:
    """Opening a deal at `matched` (the match decided elsewhere, e.g. by an expert panel)."""
    return user.is_supervisor or user.is_admin


# --- working a deal ------------------------------------------------------------------------------


def _works_on(user: User, deal: Deal) -> bool:
    return user.is_admin or on_deal(user, deal)


@predicate(gettext_lazy("只有本项目的经纪人可以关联候选成果。"))
def may_link_achievement(user: User, deal: Deal) -> bool:
    return _works_on(user, deal)


@predicate(gettext_lazy("只有本项目的经纪人可以记录洽谈和对接。"))
def may_log_activity(user: User, deal: Deal) -> bool:
    return _works_on(user, deal)


@predicate(gettext_lazy("只有本项目的经纪人可以修改项目名称。"))
def may_rename_deal(user: User, deal: Deal) -> bool:
    return _works_on(user, deal)


@predicate(gettext_lazy("只有主办经纪人、本机构主管或管理员可以调整经纪人及分成。"))
def may_set_brokers(user: User, deal: Deal) -> bool:
    """The lead broker, a supervisor of the deal's organisation, or an admin."""
    return user.is_admin or supervises(user, deal.organisation_id) or user.pk == deal.lead_broker_id


@predicate(gettext_lazy("只有本项目的经纪人或本机构的主管可以暂停或恢复计时。"))
def may_pause_clock(user: User, deal: Deal) -> bool:
    """Pause or resume the stage's clock: the deal's brokers, its organisation's supervisors,
    admins."""
    return user.is_admin or supervises(user, deal.organisation_id) or on_deal(user, deal)


# --- the two-step move ---------------------------------------------------------------------------


@predicate(gettext_lazy("只有本项目的经纪人可以申请阶段变更。"))
def may_request_move(user: User, deal: Deal) -> bool:
    """Only the deal's own brokers ask to move it (an admin or supervisor decides instead)."""
    return on_deal(user, deal)


def _decide_denied(user: User, request: TransitionRequest) -> str:
    if request.requested_by_id == user.pk:
        return _("申请人不能审批自己的申请（四眼原则），请由另一位主管处理。")
    return _("只有本机构的主管可以审批阶段变更。")


@predicate(_decide_denied)
def may_decide(user: User, request: TransitionRequest) -> bool:
    """A supervisor of the deal's organisation (or an admin) who is not the requester: four eyes
    first, whatever the requester's role."""
    if request.requested_by_id == user.pk:
        return False
    return user.is_admin or supervises(user, request.deal.organisation_id)


@predicate(gettext_lazy("只有申请人可以撤回申请。"))
def may_withdraw(user: User, request: TransitionRequest) -> bool:
    return request.requested_by_id == user.pk


@predicate(gettext_lazy("审批队列仅对主管开放。"))
def may_see_queue(user: User) -> bool:
    return user.is_supervisor or user.is_admin


# --- who leads a deal, and double brokering ------------------------------------------------------


@predicate(gettext_lazy("只有本机构的主管或管理员可以更换主办经纪人。"))
def may_reassign_lead(user: User, deal: Deal) -> bool:
    """Changing the lead moves the lead's share: a supervisor of the deal's organisation or an
    admin (the lead cannot hand a deal away alone)."""
    return user.is_admin or supervises(user, deal.organisation_id)


@predicate(gettext_lazy("只有本机构的主管或管理员可以查看主办经纪人推荐。"))
def may_see_broker_suggestions(user: User) -> bool:
    """The suggestions serve whoever names a lead when opening a deal (may_name_lead)."""
    return may_name_lead(user)


@predicate(gettext_lazy("只有本项目所属机构的主管或管理员可以协调重复撮合并确定分成。"))
def may_resolve_conflict(user: User, deal: Deal) -> bool:
    """The agreed split becomes this deal's broker shares: its organisation's supervisor decides."""
    return user.is_admin or supervises(user, deal.organisation_id)
