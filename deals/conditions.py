"""Conditions of the deal's transitions. Each is a pure function of the deal that also explains
itself: `blockers(deal)` lists what is missing in words a broker can act on; the condition holds
when that list is empty. django-fsm calls the condition object; the API shows the blockers.

Higher apps complete a condition without `deals` importing them: `contracts` registers what the
agreement stage needs with `register_check("agreement_complete", fn)` in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from deals.models import Deal

BlockerFn = Callable[["Deal"], list[str]]

_registry: dict[str, list[BlockerFn]] = {}

# Where an evaluation's verdicts wait for the transition call that follows it (one use each).
VERDICTS_ATTR = "_condition_verdicts"


def register_check(name: str, fn: BlockerFn) -> None:
    """Add a check to the named condition (idempotent: registering the same function twice is a no-op)."""
    checks = _registry.setdefault(name, [])
    if fn not in checks:
        checks.append(fn)


def record_verdicts(deal: Deal, verdicts: dict[str, bool]) -> None:
    """Hand the verdicts just evaluated to django-fsm's guard of the next transition call, so a
    move evaluates each condition once. Only for a deal row locked in the current transaction,
    with the transition called right after."""
    deal.__dict__[VERDICTS_ATTR] = dict(verdicts)


class Condition:
    def __init__(self, name: str, own: BlockerFn | None = None, *, needs_registered: object = ""):
        self.name = name
        self.own = own
        # Said while no app has registered a check for this condition yet.
        self.needs_registered = needs_registered
        self.__name__ = name

    def blockers(self, deal: Deal) -> list[str]:
        found: list[str] = list(self.own(deal)) if self.own else []
        registered = _registry.get(self.name, [])
        if self.needs_registered and not registered:
            found.append(str(self.needs_registered))
        for check in registered:
            found.extend(check(deal))
        return found

    def __call__(self, instance: Any) -> bool:
        # django-fsm's own guard. When the approval has just evaluated this condition under the
        # deal's row lock (`record_verdicts`), use that verdict instead of running it again.
        verdicts = instance.__dict__.get(VERDICTS_ATTR)
        if verdicts and self.name in verdicts:
            return bool(verdicts.pop(self.name))
        return not self.blockers(instance)

    def __repr__(self) -> str:
        return f"<Condition {self.name}>"


def _candidates(deal: Deal) -> list[str]:
    if deal.pk and deal.achievement_links.exists():
        return []
    return [_("至少关联一项候选成果（在“成果匹配”中挑选并关联）。")]


# ActivityStatus values (deals.models imports this module, so not the other way round).
PLANNED, HELD = "planned", "held"
# The activities the stage conditions count: held, with minutes (the services store minutes
# stripped, so "" is the only empty value). `Activity.counts` says the same of one row.
COUNTING = Q(status=HELD) & ~Q(minutes="")


def _held_activity(deal: Deal, kind: str, missing: str) -> list[str]:
    """A held talk or meeting with its minutes counts; a planned one does not (it may never take
    place), nor a held one whose minutes are still to be written (the blocker says which). One
    query, whatever the answer: per status, how many there are and how many have minutes."""
    if not deal.pk:
        return [missing]
    found = {
        row["status"]: row["counting"]
        for row in deal.activities.filter(kind=kind)
        .order_by()
        .values("status")
        .annotate(counting=Count("id", filter=COUNTING))
    }
    if found.get(HELD):
        return []
    if HELD in found:
        return [missing + _("已举行的还没有纪要：请在项目页“补充纪要”。")]
    if PLANNED in found:
        return [missing + _("已安排的要举行后（标记“已举行”并填写纪要）才计入。")]
    return [missing]


def _online_talk(deal: Deal) -> list[str]:
    return _held_activity(deal, "online_talk", _("至少记录一次线上洽谈（时间、参与人员、纪要）。"))


def _offline_meeting(deal: Deal) -> list[str]:
    return _held_activity(
        deal, "offline_meeting", _("至少记录一次线下对接（时间、地点、参与人员、纪要）。")
    )


has_candidate_achievement = Condition("has_candidate_achievement", _candidates)
has_online_talk = Condition("has_online_talk", _online_talk)
has_offline_meeting = Condition("has_offline_meeting", _offline_meeting)
agreement_complete = Condition(
    "agreement_complete",
    needs_registered=gettext_lazy(
        "合同模块尚未启用：需要已签署的技术合同（技术交易额 > 0）、已生成的合同 PDF 和交易登记记录。"
    ),
)
