"""The checks on follow-up input, as pure functions: the services call them (API and pages alike)
and the page forms call them too, so an error shows next to its field with what the user typed."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from common.dates import check_plausible
from common.exceptions import ValidationFailed
from followup.exceptions import FollowUpInvalid
from followup.models import MILESTONE_ORDER, MilestoneKind, OutcomeResult


def plausible(value: dt.date | None, field: str, label: str) -> None:
    if value is None:
        return
    try:
        check_plausible(value, label)
    except ValidationFailed as exc:
        raise FollowUpInvalid(exc.message, code=exc.code, field=field) from exc


def not_before_signing(value: dt.date | None, signed_on: dt.date | None, field: str) -> None:
    if value is not None and signed_on is not None and value < signed_on:
        raise FollowUpInvalid(
            _("日期不能早于合同签订日期 %(signed)s。") % {"signed": signed_on},
            code="invalid_date",
            field=field,
        )


def not_in_future(value: dt.date | None, today: dt.date, field: str) -> None:
    if value is not None and value > today:
        raise FollowUpInvalid(
            _(
                "%(value)s 还没有到：实际发生的日期不能晚于今天（%(today)s）；计划日期请填在“计划日期”。"
            )
            % {"value": value, "today": today},
            code="date_in_future",
            field=field,
        )


def check_kind(kind: str) -> None:
    if kind not in MILESTONE_ORDER:
        choices = _("、").join(f"{value}（{label}）" for value, label in MilestoneKind.choices)
        raise FollowUpInvalid(
            _("未知的里程碑：%(kind)s。可选：%(choices)s。") % {"kind": kind, "choices": choices},
            code="invalid",
            field="kind",
        )


def check_milestone(
    *,
    kind: str,
    planned_on: dt.date | None,
    actual_on: dt.date | None,
    signed_on: dt.date | None,
    today: dt.date,
    actual_by_kind: dict[str, dt.date | None],
) -> None:
    """A milestone's dates: plausible, not before signing, actual not in the future, and the
    actual dates in the order the milestones happen (acceptance never before delivery)."""
    check_kind(kind)
    plausible(planned_on, "planned_on", _("计划日期"))
    plausible(actual_on, "actual_on", _("实际日期"))
    not_before_signing(planned_on, signed_on, "planned_on")
    not_before_signing(actual_on, signed_on, "actual_on")
    not_in_future(actual_on, today, "actual_on")
    if actual_on is None:
        return
    position = MILESTONE_ORDER.index(kind)
    for other, other_on in actual_by_kind.items():
        if other == kind or other_on is None:
            continue
        earlier = MILESTONE_ORDER.index(other) < position
        if (earlier and other_on > actual_on) or (not earlier and other_on < actual_on):
            raise FollowUpInvalid(
                _("里程碑应按顺序发生：“%(other)s”的实际日期是 %(on)s，“%(kind)s”不能%(rel)s它。")
                % {
                    "other": MilestoneKind(other).label,
                    "on": other_on,
                    "kind": MilestoneKind(kind).label,
                    "rel": _("早于") if earlier else _("晚于"),
                },
                code="milestone_order",
                field="actual_on",
            )


def not_empty(*, recorded: bool, planned_on: object, actual_on: object, note: str) -> None:
    """A milestone not recorded yet needs something to record (an empty row says nothing)."""
    if not recorded and planned_on is None and actual_on is None and not note.strip():
        raise FollowUpInvalid(
            _("请至少填写计划日期、实际日期或说明之一。"), code="invalid", field=""
        )


def require_reason(reason: str, what: str) -> None:
    if not reason.strip():
        raise FollowUpInvalid(
            _("修改已记录的%(what)s请说明原因。") % {"what": what},
            code="reason_required",
            field="reason",
        )


def check_visit(
    *, visited_on: dt.date, visitors: str, notes: str, signed_on: dt.date | None, today: dt.date
) -> None:
    plausible(visited_on, "visited_on", _("回访日期"))
    not_before_signing(visited_on, signed_on, "visited_on")
    not_in_future(visited_on, today, "visited_on")
    if not visitors.strip():
        raise FollowUpInvalid(_("请填写回访人员。"), code="invalid", field="visitors")
    if not notes.strip():
        raise FollowUpInvalid(_("请填写回访记录。"), code="invalid", field="notes")


def check_outcome(
    *, result: str, reason: str, decided_on: dt.date, signed_on: dt.date | None, today: dt.date
) -> None:
    if result not in OutcomeResult.values:
        raise FollowUpInvalid(
            _("实施结果应为 completed（实施完成）、partly（部分实施）或 failed（实施失败）。"),
            code="invalid",
            field="result",
        )
    if result != OutcomeResult.COMPLETED and not reason.strip():
        raise FollowUpInvalid(
            _("部分实施或实施失败必须说明原因。"), code="reason_required", field="reason"
        )
    plausible(decided_on, "decided_on", _("认定日期"))
    not_before_signing(decided_on, signed_on, "decided_on")
    not_in_future(decided_on, today, "decided_on")
