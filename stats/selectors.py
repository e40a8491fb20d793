"""The platform statistics: what the technology-transfer platforms publish, for one scope.

Every figure is an aggregate computed by the database: the number of queries is the same for
ten deals or 10^5, and money is summed exactly in fen (`stats.queries.fen_sum`).

Definitions (docs/api.md repeats them):
- needs: needs recorded in the period (an organisation's: entered by its people or served by
  one of its deals); achievements: the same for achievements;
- enterprises_served: distinct enterprise records with a need recorded or a deal opened in the
  period;
- deals_opened: deals created in the period; deals_registered: deals whose current stage is
  `registered` and was entered in the period (a cancelled registration no longer counts);
- contract_amount / technology_amount: the current contract version of those registered deals;
- rewards_paid: rewards marked paid with a payment date in the period (clawbacks shown apart);
- brokers_active: distinct people who requested a stage move or logged a talk or meeting on a
  deal in scope during the period.
Months are calendar months in Asia/Shanghai; regions are the need's region (where the
technology lands), folded to cities (or to districts when a city or district is chosen);
industries are the need's sector of the national catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from brokers.industries import industry_label
from brokers.models import User
from brokers.regions import region_name
from deals.models import (
    Achievement,
    Activity,
    Deal,
    DealAchievement,
    DealState,
    Demand,
    TransitionRequest,
)
from rewards.models import Clawback, Reward, RewardStatus
from stats.queries import fen_sum, month_bucket, yuan
from stats.scope import Scope

MONEY_KEYS = ("contract_amount", "technology_amount", "rewards_paid", "rewards_clawed_back")


# --- scoped querysets ----------------------------------------------------------------------------


def scoped_deals(scope: Scope) -> QuerySet[Deal]:
    deals = Deal.objects.all()
    if scope.organisation is not None:
        deals = deals.filter(organisation=scope.organisation)
    if scope.region_prefix:
        deals = deals.filter(demand__region__startswith=scope.region_prefix)
    return deals


def _needs(scope: Scope) -> QuerySet[Demand]:
    needs = Demand.objects.filter(created_at__gte=scope.since, created_at__lt=scope.until)
    if scope.organisation is not None:
        served = Deal.objects.filter(demand=OuterRef("pk"), organisation=scope.organisation)
        needs = needs.filter(Q(created_by__organisation=scope.organisation) | Exists(served))
    if scope.region_prefix:
        needs = needs.filter(region__startswith=scope.region_prefix)
    return needs


def _achievements(scope: Scope) -> QuerySet[Achievement]:
    found = Achievement.objects.filter(created_at__gte=scope.since, created_at__lt=scope.until)
    if scope.organisation is not None:
        linked = DealAchievement.objects.filter(
            achievement=OuterRef("pk"), deal__organisation=scope.organisation
        )
        found = found.filter(Q(created_by__organisation=scope.organisation) | Exists(linked))
    if scope.region_prefix:
        found = found.filter(region__startswith=scope.region_prefix)
    return found


def deals_opened(scope: Scope) -> QuerySet[Deal]:
    return scoped_deals(scope).filter(created_at__gte=scope.since, created_at__lt=scope.until)


def deals_registered(scope: Scope) -> QuerySet[Deal]:
    """Registered deals (stage entered in the period) with `current` = their current contract."""
    return (
        scoped_deals(scope)
        .filter(
            state=DealState.REGISTERED,
            state_entered_at__gte=scope.since,
            state_entered_at__lt=scope.until,
        )
        .alias(current=FilteredRelation("contracts", condition=Q(contracts__is_current=True)))
    )


def _rewards(scope: Scope) -> QuerySet[Reward]:
    rewards = Reward.objects.all()
    if scope.organisation is not None:
        rewards = rewards.filter(deal__organisation=scope.organisation)
    if scope.region_prefix:
        rewards = rewards.filter(region__startswith=scope.region_prefix)
    return rewards


def _brokers_active(scope: Scope) -> int:
    in_scope = scoped_deals(scope).values("pk")
    period = {"gte": scope.since, "lt": scope.until}
    asked = TransitionRequest.objects.filter(
        requested_by=OuterRef("pk"),
        requested_at__gte=period["gte"],
        requested_at__lt=period["lt"],
        deal__in=in_scope,
    )
    logged = Activity.objects.filter(
        created_by=OuterRef("pk"),
        created_at__gte=period["gte"],
        created_at__lt=period["lt"],
        deal__in=in_scope,
    )
    return User.objects.filter(Exists(asked) | Exists(logged)).count()


# --- folding groups -------------------------------------------------------------------------------


def _fold_region(code: str, scope: Scope) -> str:
    """Group districts under their city, or keep districts when a city or district is chosen."""
    if not code:
        return ""
    if len(scope.region_prefix) >= 4:
        return code
    return code[:4] + "00"


def _sector(code: str) -> str:
    return (code or "").split(".")[0]


def _blank_row() -> dict[str, Any]:
    return {
        "needs": 0,
        "deals_opened": 0,
        "deals_registered": 0,
        "contract_amount": 0,
        "technology_amount": 0,
    }


def _breakdown(scope: Scope, key: str, fold: Any) -> dict[str, dict[str, Any]]:
    """needs, deals opened and registered (with amounts, in fen) grouped by a need column."""
    rows: dict[str, dict[str, Any]] = defaultdict(_blank_row)
    for value, n in _needs(scope).values_list(key).annotate(n=Count("id")).order_by():
        rows[fold(value)]["needs"] += n
    demand_key = f"demand__{key}"
    for value, n in deals_opened(scope).values_list(demand_key).annotate(n=Count("id")).order_by():
        rows[fold(value)]["deals_opened"] += n
    registered = (
        deals_registered(scope)
        .values_list(demand_key)
        .annotate(
            n=Count("id"),
            contract=fen_sum("current__amount"),
            technology=fen_sum("current__technology_amount"),
        )
        .order_by()
    )
    for value, n, contract, technology in registered:
        row = rows[fold(value)]
        row["deals_registered"] += n
        row["contract_amount"] += contract
        row["technology_amount"] += technology
    return rows


def _money(row: dict[str, Any]) -> dict[str, Any]:
    return {k: yuan(v) if k in MONEY_KEYS else v for k, v in row.items()}


# --- the figures ----------------------------------------------------------------------------------


def platform_stats(scope: Scope) -> dict[str, Any]:
    months = scope.months()
    by_month: dict[str, dict[str, Any]] = {
        m.label: {
            "needs": 0,
            "achievements": 0,
            "deals_opened": 0,
            "deals_registered": 0,
            "contract_amount": 0,
            "technology_amount": 0,
            "rewards_paid": 0,
        }
        for m in months
    }

    def add(queryset: QuerySet[Any], field: str, names: tuple[str, ...], **aggregates: Any) -> None:
        rows = (
            queryset.annotate(month=month_bucket(field, months, dates=field == "paid_on"))
            .values_list("month")
            .annotate(**aggregates)
            .order_by()
        )
        for month, *values in rows:
            if month in by_month:
                for name, value in zip(names, values, strict=True):
                    by_month[month][name] += value

    add(_needs(scope), "created_at", ("needs",), n=Count("id"))
    add(_achievements(scope), "created_at", ("achievements",), n=Count("id"))
    add(deals_opened(scope), "created_at", ("deals_opened",), n=Count("id"))
    add(
        deals_registered(scope),
        "state_entered_at",
        ("deals_registered", "contract_amount", "technology_amount"),
        n=Count("id"),
        contract=fen_sum("current__amount"),
        technology=fen_sum("current__technology_amount"),
    )
    paid = _rewards(scope).filter(
        status=RewardStatus.PAID, paid_on__gte=scope.start, paid_on__lte=scope.end
    )
    add(paid, "paid_on", ("rewards_paid",), total=fen_sum("amount"))
    paid_count = paid.count()
    clawed = Clawback.objects.filter(
        reward__in=_rewards(scope).values("pk"),
        created_at__gte=scope.since,
        created_at__lt=scope.until,
    ).aggregate(total=fen_sum("amount"))["total"]

    # Distinct enterprises: a UNION removes the duplicates, the database counts what is left.
    with_need = (
        _needs(scope)
        .filter(enterprise_record__isnull=False)
        .values_list("enterprise_record_id")
        .order_by()
    )
    with_deal = (
        deals_opened(scope)
        .filter(demand__enterprise_record__isnull=False)
        .values_list("demand__enterprise_record_id")
        .order_by()
    )
    enterprises_served = with_need.union(with_deal).count()

    totals = {
        name: sum(row[name] for row in by_month.values()) for name in next(iter(by_month.values()))
    }
    by_region = _breakdown(scope, "region", lambda code: _fold_region(code, scope))
    by_industry = _breakdown(scope, "industry", _sector)
    return {
        "from": scope.start,
        "to": scope.end,
        "organisation": (
            {"id": scope.organisation.pk, "name": scope.organisation.name}
            if scope.organisation
            else None
        ),
        "region": {"code": scope.region, "name": region_name(scope.region)}
        if scope.region
        else None,
        "needs": totals["needs"],
        "achievements": totals["achievements"],
        "enterprises_served": enterprises_served,
        "deals_opened": totals["deals_opened"],
        "deals_registered": totals["deals_registered"],
        "contract_amount": yuan(totals["contract_amount"]),
        "technology_amount": yuan(totals["technology_amount"]),
        "rewards_paid": yuan(totals["rewards_paid"]),
        "rewards_paid_count": paid_count,
        "rewards_clawed_back": yuan(clawed),
        "brokers_active": _brokers_active(scope),
        "by_month": [{"month": label, **_money(row)} for label, row in by_month.items()],
        "by_region": [
            {
                "code": code,
                "name": region_name(code) if code else _("未填地区"),
                **_money(row),
            }
            for code, row in sorted(by_region.items())
        ],
        "by_industry": [
            {
                "code": code,
                "name": industry_label(code) if code else _("未分类"),
                **_money(row),
            }
            for code, row in sorted(by_industry.items(), key=lambda kv: (kv[0] == "", kv[0]))
        ],
    }


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"
