"""Who may record and reverse the payments received under a deal's contract.

Seeing them is seeing the deal (`deals.selectors.deal_get_for_user`: 404 for a stranger). Money
received is finance's fact, or the lead broker's, who hears from the enterprise first; a
co-broker or a supervisor reads it. A recorded payment feeds rewards only through finance's
four-eyes approval, so the lead broker recording it pays nobody by that alone.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brokers.models import User
from common.permissions import predicate
from deals.models import Deal


def _finance_or_lead(user: User, deal: Deal) -> bool:
    if user.is_admin:
        return True
    if user.is_finance:
        return user.organisation_id is not None and user.organisation_id == deal.organisation_id
    return user.is_broker and deal.lead_broker_id == user.pk


@predicate(_("只有本机构的财务人员、本项目的主办经纪人或管理员可以录入到账。"))
def may_record_payment(user: User, deal: Deal) -> bool:
    return _finance_or_lead(user, deal)


@predicate(_("只有本机构的财务人员、本项目的主办经纪人或管理员可以冲销到账。"))
def may_reverse_payment(user: User, deal: Deal) -> bool:
    return _finance_or_lead(user, deal)
