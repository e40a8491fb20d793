"""Who may act on a deal's contract: its brokers, the supervisors of its organisation, admins.

Everyone else never gets this far: the pages and the API resolve the deal or contract for the
user first (404). Deregistering, which claws rewards back, is for supervisors and admins only.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brokers.models import User
from brokers.permissions import supervises
from common.permissions import predicate
from deals.models import Deal
from deals.permissions import on_deal


def _acts_on(user: User, deal: Deal) -> bool:
    return user.is_admin or supervises(user, deal.organisation_id) or on_deal(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以起草合同。"))
def may_draft_contract(user: User, deal: Deal) -> bool:
    return _acts_on(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以修改合同。"))
def may_edit_contract(user: User, deal: Deal) -> bool:
    """Edit a draft, start a new version, cancel a draft."""
    return _acts_on(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以录入合同签署。"))
def may_sign_contract(user: User, deal: Deal) -> bool:
    return _acts_on(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以生成合同 PDF。"))
def may_request_document(user: User, deal: Deal) -> bool:
    return _acts_on(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以录入合同登记。"))
def may_register(user: User, deal: Deal) -> bool:
    return _acts_on(user, deal)


@predicate(_("只有本项目的经纪人、本机构主管或管理员可以上传合同附件。"))
def may_attach(user: User, deal: Deal) -> bool:
    return _acts_on(user, deal)


@predicate(_("只有本机构主管或管理员可以撤销合同登记。"))
def may_cancel_registration(user: User, deal: Deal) -> bool:
    return user.is_admin or supervises(user, deal.organisation_id)
