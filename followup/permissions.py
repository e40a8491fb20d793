"""Who may do what with a deal's follow-up: its brokers and the supervisors of its organisation
(and admins) write; everyone who may see the deal (finance of the organisation included) reads.

Whoever may not see the deal never gets this far: pages and API resolve it first (404).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brokers.models import User
from brokers.permissions import in_organisation, supervises
from common.permissions import predicate
from deals.models import Deal
from deals.permissions import on_deal


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以记录实施跟踪。"))
def may_write_follow_up(user: User, deal: Deal) -> bool:
    return user.is_admin or supervises(user, deal.organisation_id) or on_deal(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管和财务或管理员可以查看实施跟踪。"))
def may_read_follow_up(user: User, deal: Deal) -> bool:
    if user.is_admin or on_deal(user, deal):
        return True
    return (user.is_supervisor or user.is_finance) and in_organisation(user, deal.organisation_id)
