"""The kinds of notification, with what each reads as. An app above registers its own kinds."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REQUEST_WAITING = "request_waiting"
REQUEST_DECIDED = "request_decided"
BUDGET_80 = "budget_80"
DEAL_OVERDUE = "deal_overdue"
REQUEST_UNANSWERED = "request_unanswered"
CONTRACT_PDF_FAILED = "contract_pdf_failed"
REWARD_COMPUTED = "reward_computed"
REWARD_APPROVED = "reward_approved"
REWARD_PAID = "reward_paid"
REWARD_WAITING = "reward_waiting"
SUBMISSION_WAITING = "submission_waiting"
MEETING_TOMORROW = "meeting_tomorrow"

_KINDS: dict[str, str | Promise] = {
    REQUEST_WAITING: _("待审批的阶段变更申请"),
    REQUEST_DECIDED: _("我的申请有了结果"),
    BUDGET_80: _("阶段用时已达 80%"),
    DEAL_OVERDUE: _("项目阶段超期"),
    REQUEST_UNANSWERED: _("申请超过 48 个工作小时未处理"),
    CONTRACT_PDF_FAILED: _("合同 PDF 生成失败"),
    REWARD_COMPUTED: _("奖励已核算"),
    REWARD_APPROVED: _("奖励已审核"),
    REWARD_PAID: _("奖励已发放"),
    REWARD_WAITING: _("奖励待审核"),
    SUBMISSION_WAITING: _("公开征集待分拣"),
    MEETING_TOMORROW: _("明天的洽谈/对接"),
}


def register_kind(code: str, label: str | Promise) -> None:
    """Declare a kind (an app above calls this in its AppConfig.ready)."""
    _KINDS[code] = label


def kind_label(code: str) -> str:
    return str(_KINDS.get(code, code))


def is_known(code: str) -> bool:
    return code in _KINDS
