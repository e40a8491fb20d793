"""Who sees which figures. Admins see every organisation's; everyone else only their own
organisation's (`stats.scope` answers 404 for another one). Brokers see the platform figures of
their organisation but not the supervisor dashboard (other brokers' caseloads and overdue deals)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brokers.models import User
from common.permissions import predicate


@predicate(_("统计数据仅向机构人员开放：您的账号没有所属机构，请联系管理员。"))
def may_see_stats(user: User) -> bool:
    if not user.is_authenticated or user.is_expert:
        return False
    return user.is_admin or user.organisation_id is not None


@predicate(_("主管看板仅向主管、财务和管理员开放。"))
def may_see_dashboard(user: User) -> bool:
    if not may_see_stats(user):
        return False
    return user.is_admin or user.is_supervisor or user.is_finance


@predicate(_("奖励资金视图仅向财务、主管和管理员开放。"))
def may_see_finance_view(user: User) -> bool:
    return may_see_dashboard(user)
