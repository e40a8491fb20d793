"""The supervisor dashboard and the finance view: each chart is a table (what the page shows
beside the chart and what its CSV holds) plus how to draw it. Every table is one or two
aggregate queries: the count of queries does not depend on the number of deals.

- funnel: deals per stage now; overdue by broker and caseload against limits: now;
- conversion and median days per stage: the approved moves decided in the period (time in a
  stage runs from entering it — kept on the move when it is approved — to the approved move
  out, in calendar days, to a tenth of a day);
- registered technology-contract amount by month, lost reasons: in the period;
- finance: rewards computed (by registration month) and paid (by payment month) in the period,
  shares by broker, and what is outstanding now (computed or approved, not paid).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from brokers.models import Role, User
from deals.models import (
    ACTIVE_STATES,
    DealBroker,
    DealState,
    RequestStatus,
    TransitionRequest,
    overdue_q,
)
from rewards.models import COUNTING_STATUSES, Reward, RewardShare, RewardStatus
from stats.exports import Table
from stats.queries import fen_sum, month_bucket, yuan
from stats.scope import Scope
from stats.selectors import deals_registered, scoped_deals

PIPELINE = [*ACTIVE_STATES, DealState.REGISTERED]
RANK = {str(state): rank for rank, state in enumerate(PIPELINE)}  # a stage's place, by its value
OUTSTANDING = [RewardStatus.CALCULATED, RewardStatus.APPROVED]
Memo = dict[str, Any]  # what one page's charts share (the moves are read once for two charts)
TOP = 30  # bars a chart can show legibly; its table and CSV say when more were left out


@dataclass
class Chart:
    """A table and how to draw it: `kind` (bar, line, funnel, pie), the column holding the
    categories and the columns drawn as series."""

    table: Table
    kind: str
    series: list[int] = field(default_factory=lambda: [1])
    category: int = 0
    stacked: bool = False
    horizontal: bool = False

    def spec(self) -> dict[str, Any]:
        """What the page's script draws (numbers as numbers: money in yuan, two places)."""
        rows = self.table.rows
        return {
            "key": self.table.key,
            "kind": self.kind,
            "title": self.table.title,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "categories": [str(row[self.category]) for row in rows],
            "series": [
                {
                    "name": self.table.columns[index],
                    "data": [_number(row[index]) for row in rows],
                }
                for index in self.series
            ],
        }


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)  # drawing only: the table and the CSV keep the exact amount
    return value  # type: ignore[no-any-return]


def _label(state: str) -> str:
    return str(DealState(state).label)


def _person(display_name: str, username: str) -> str:
    return display_name or username


# --- supervisor ---------------------------------------------------------------------------------


def _funnel(scope: Scope, memo: Memo) -> Chart:
    counts = dict(
        scoped_deals(scope)
        .filter(state__in=PIPELINE)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    table = Table(
        "funnel",
        _("各阶段在办项目（当前）"),
        [_("阶段"), _("项目数")],
        [(_label(s), counts.get(s, 0)) for s in PIPELINE],
    )
    return Chart(table, "funnel")


def _moves(scope: Scope, memo: Memo) -> list[tuple[str, str, Decimal, int]]:
    """The approved moves decided in the period, counted by (from, to, days spent in the stage
    left, to a tenth): one query feeds both the conversion and the median days. The days are
    kept on each move when it is approved; the count walks `request_moves_idx` in its order."""
    if "moves" in memo:
        return memo["moves"]  # type: ignore[no-any-return]
    moves = TransitionRequest.objects.filter(
        status=RequestStatus.APPROVED, decided_at__gte=scope.since, decided_at__lt=scope.until
    )
    if scope.organisation is not None:
        moves = moves.filter(organisation=scope.organisation)
    if scope.region_prefix:
        moves = moves.filter(deal__demand__region__startswith=scope.region_prefix)
    memo["moves"] = list(
        moves.values_list("from_state", "target", "days_in_stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    return memo["moves"]  # type: ignore[no-any-return]


def _conversion(scope: Scope, memo: Memo) -> Chart:
    moved: dict[str, dict[str, int]] = defaultdict(lambda: {"forward": 0, "back": 0, "lost": 0})
    for source, target, _days, n in _moves(scope, memo):
        if source not in ACTIVE_STATES:
            continue
        if target == DealState.LOST:
            moved[source]["lost"] += n
        elif RANK[target] > RANK[source]:
            moved[source]["forward"] += n
        else:
            moved[source]["back"] += n
    table_rows = []
    for state in ACTIVE_STATES:
        m = moved[state]
        left = m["forward"] + m["back"] + m["lost"]
        rate = (Decimal(100 * m["forward"]) / left).quantize(Decimal("0.1")) if left else None
        table_rows.append(
            (
                _label(state),
                m["forward"],
                m["back"],
                m["lost"],
                rate,
            )
        )
    table = Table(
        "conversion",
        _("阶段转化（所选期间批准的变更）"),
        [_("离开的阶段"), _("推进到下一阶段"), _("退回"), _("终止"), _("转化率（%）")],
        table_rows,
        note=_(
            "转化率 = 推进 ÷（推进 + 退回 + 终止），按所选期间内批准的阶段变更计；"
            "“签约”推进即登记完成。"
        ),
    )
    return Chart(table, "bar", series=[1, 2, 3], stacked=True)


def _median_days(scope: Scope, memo: Memo) -> Chart:
    buckets: dict[str, dict[Decimal, int]] = defaultdict(lambda: defaultdict(int))
    for state, _target, days, n in _moves(scope, memo):
        buckets[state][days] += n
    rows = []
    for state in ACTIVE_STATES:
        found = sorted(buckets[state].items()) if state in buckets else []
        total = sum(n for _t, n in found)
        median = None
        seen = 0
        for days, n in found:
            seen += n
            if seen * 2 >= total:
                median = days
                break
        rows.append((_label(state), total, median))
    table = Table(
        "median_days",
        _("各阶段停留天数中位数"),
        [_("阶段"), _("离开次数"), _("中位数（天）")],
        rows,
        note=_("自然日，精确到 0.1 天；按所选期间内批准离开该阶段的变更计。"),
    )
    return Chart(table, "bar", series=[2])


def _overdue_by_broker(scope: Scope, memo: Memo) -> Chart:
    # Counted per lead broker id from the deals' index alone, then named: grouping by the names
    # would join every overdue deal to its broker.
    counts = dict(
        scoped_deals(scope)
        .filter(overdue_q())
        .values_list("lead_broker")
        .annotate(n=Count("id"))
        .order_by()
    )
    people = User.objects.filter(pk__in=list(counts)).values_list("pk", "display_name", "username")
    rows = sorted(
        ((counts[pk], username, _person(name, username)) for pk, name, username in people),
        key=lambda row: (-row[0], row[1]),
    )
    table = Table(
        "overdue",
        _("超期项目（按主办经纪人，当前）"),
        [_("经纪人"), _("超期项目")],
        [(person, n) for n, _username, person in rows[:TOP]],
    )
    return Chart(table, "bar", horizontal=True)


def _caseload(scope: Scope, memo: Memo) -> Chart:
    brokers = User.objects.filter(role=Role.BROKER, is_active=True)
    links = DealBroker.objects.filter(deal__state__in=ACTIVE_STATES)
    if scope.organisation is not None:
        brokers = brokers.filter(organisation=scope.organisation)
        links = links.filter(deal__organisation=scope.organisation)
    # Counted from the deals' side (the (organisation, state) index), then matched to the
    # brokers: a join from every broker to all their links costs ten times more at 10^5 deals.
    active = dict(links.values_list("user_id").annotate(n=Count("id")).order_by())
    people = brokers.values_list("pk", "display_name", "username", "broker_profile__caseload_limit")
    rows = sorted(
        (
            (_person(name, username), active.get(pk, 0), limit)
            for pk, name, username, limit in people
        ),
        key=lambda row: (-row[1], row[0]),
    )
    table = Table(
        "caseload",
        _("经纪人在办项目与上限（当前）"),
        [_("经纪人"), _("在办项目"), _("上限")],
        rows[:TOP],
        note=_("在办项目前 %(n)s 位；上限为空表示未建经纪人档案。") % {"n": TOP},
    )
    return Chart(table, "bar", series=[1, 2])


def _registered_by_month(scope: Scope, memo: Memo) -> Chart:
    months = scope.months()
    found = {
        label: (n, technology)
        for label, n, technology in deals_registered(scope)
        .annotate(month=month_bucket("state_entered_at", months))
        .values_list("month")
        .annotate(n=Count("id"), technology=fen_sum("current__technology_amount"))
        .values_list("month", "n", "technology")
        .order_by()
    }
    table = Table(
        "registered_amount",
        _("每月登记技术合同成交额"),
        [_("月份"), _("登记项目"), _("技术交易额（元）")],
        [
            (m.label, found.get(m.label, (0, 0))[0], yuan(found.get(m.label, (0, 0))[1]))
            for m in months
        ],
    )
    return Chart(table, "line", series=[2])


def _lost_reasons(scope: Scope, memo: Memo) -> Chart:
    rows = list(
        scoped_deals(scope)
        .filter(
            state=DealState.LOST,
            state_entered_at__gte=scope.since,
            state_entered_at__lt=scope.until,
        )
        .values_list("lost_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "lost_reason")
    )
    shown = [((reason or _("未填原因"))[:60], n) for reason, n in rows[:10]]
    rest = sum(n for _r, n in rows[10:])
    if rest:
        shown.append((_("其他"), rest))
    table = Table("lost_reasons", _("终止原因（所选期间）"), [_("原因"), _("项目数")], shown)
    return Chart(table, "pie")


SUPERVISOR = {
    "funnel": _funnel,
    "conversion": _conversion,
    "median_days": _median_days,
    "overdue": _overdue_by_broker,
    "caseload": _caseload,
    "registered_amount": _registered_by_month,
    "lost_reasons": _lost_reasons,
}


def supervisor_charts(scope: Scope) -> list[Chart]:
    memo: Memo = {}
    return [build(scope, memo) for build in SUPERVISOR.values()]


# --- finance ------------------------------------------------------------------------------------


def _rewards(scope: Scope) -> Any:
    rewards = Reward.objects.all()
    if scope.organisation is not None:
        rewards = rewards.filter(deal__organisation=scope.organisation)
    if scope.region_prefix:
        rewards = rewards.filter(region__startswith=scope.region_prefix)
    return rewards


def _rewards_by_month(scope: Scope, memo: Memo) -> Chart:
    months = scope.months()
    computed = dict(
        _rewards(scope)
        .filter(
            status__in=COUNTING_STATUSES,
            registered_on__gte=scope.start,
            registered_on__lte=scope.end,
        )
        .annotate(month=month_bucket("registered_on", months, dates=True))
        .values_list("month")
        .annotate(total=fen_sum("amount"))
        .order_by()
    )
    paid = dict(
        _rewards(scope)
        .filter(status=RewardStatus.PAID, paid_on__gte=scope.start, paid_on__lte=scope.end)
        .annotate(month=month_bucket("paid_on", months, dates=True))
        .values_list("month")
        .annotate(total=fen_sum("amount"))
        .order_by()
    )
    table = Table(
        "rewards_by_month",
        _("每月奖励核算与发放"),
        [_("月份"), _("核算（元，按登记月）"), _("发放（元，按发放月）")],
        [(m.label, yuan(computed.get(m.label)), yuan(paid.get(m.label))) for m in months],
    )
    return Chart(table, "bar", series=[1, 2])


def _rewards_by_broker(scope: Scope, memo: Memo) -> Chart:
    shares = RewardShare.objects.filter(
        reward__in=_rewards(scope)
        .filter(
            status__in=COUNTING_STATUSES,
            registered_on__gte=scope.start,
            registered_on__lte=scope.end,
        )
        .values("pk")
    )
    rows = (
        shares.values_list("user__display_name", "user__username")
        .annotate(
            paid=fen_sum("amount", filter=Q(reward__status=RewardStatus.PAID)),
            outstanding=fen_sum("amount", filter=Q(reward__status__in=OUTSTANDING)),
            total=fen_sum("amount"),
        )
        .order_by("-total", "user__username")
    )
    table = Table(
        "rewards_by_broker",
        _("经纪人奖励分成（所选期间登记）"),
        [_("经纪人"), _("已发放（元）"), _("待发放（元）"), _("合计（元）")],
        [
            (_person(name, username), yuan(paid), yuan(outstanding), yuan(total))
            for name, username, paid, outstanding, total in rows[:TOP]
        ],
    )
    return Chart(table, "bar", series=[1, 2], stacked=True, horizontal=True)


def _outstanding(scope: Scope, memo: Memo) -> Chart:
    found = {
        status: (n, total)
        for status, n, total in _rewards(scope)
        .filter(status__in=OUTSTANDING)
        .values_list("status")
        .annotate(n=Count("id"), total=fen_sum("amount"))
        .order_by()
    }
    table = Table(
        "outstanding",
        _("待发放奖励（当前：已核算、已审核未发放）"),
        [_("状态"), _("笔数"), _("金额（元）")],
        [
            (str(RewardStatus(s).label), found.get(s, (0, 0))[0], yuan(found.get(s, (0, 0))[1]))
            for s in OUTSTANDING
        ],
    )
    return Chart(table, "pie", series=[2])


FINANCE = {
    "rewards_by_month": _rewards_by_month,
    "rewards_by_broker": _rewards_by_broker,
    "outstanding": _outstanding,
}


def finance_charts(scope: Scope) -> list[Chart]:
    memo: Memo = {}
    return [build(scope, memo) for build in FINANCE.values()]
