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


def _needs_q(scope: Scope) -> Q:
    """The needs of the scope: recorded in the period (an organisation's: entered by its people
    or served by one of its deals), in the region."""
    needs = Q(created_at__gte=scope.since, created_at__lt=scope.until)
    if scope.organisation is not None:
        served = Deal.objects.filter(demand=OuterRef("pk"), organisation=scope.organisation)
        needs &= Q(created_by__organisation=scope.organisation) | Q(Exists(served))
    if scope.region_prefix:
        needs &= Q(region__startswith=scope.region_prefix)
    return needs


def _needs(scope: Scope) -> QuerySet[Demand]:
    return Demand.objects.filter(_needs_q(scope))


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
    """People who asked for a move or logged a talk or meeting on a deal in scope during the
    period: each person is asked once, through an index (`request_org_asker_idx`, the
    activities' `created_by`), instead of gathering every request of the period and removing
    the duplicates."""
    asked = TransitionRequest.objects.filter(
        requested_by=OuterRef("pk"), requested_at__gte=scope.since, requested_at__lt=scope.until
    )
    logged = Activity.objects.filter(
        created_by=OuterRef("pk"), created_at__gte=scope.since, created_at__lt=scope.until
    )
    if scope.organisation is not None:
        asked = asked.filter(organisation=scope.organisation)
        logged = logged.filter(deal__organisation=scope.organisation)
    if scope.region_prefix:
        asked = asked.filter(deal__demand__region__startswith=scope.region_prefix)
        logged = logged.filter(deal__demand__region__startswith=scope.region_prefix)
    return User.objects.filter(Q(Exists(asked)) | Q(Exists(logged))).count()


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


FIGURES = (
    "needs",
    "achievements",
    "deals_opened",
    "deals_registered",
    "contract_amount",
    "technology_amount",
    "rewards_paid",
    "rewards_paid_count",
)


def _blank() -> dict[str, Any]:
    return dict.fromkeys(FIGURES, 0)


def _money(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: yuan(row[k]) if k in MONEY_KEYS else row[k] for k in keys}


def platform_stats(scope: Scope) -> dict[str, Any]:
    """Each source is read once, grouped by (month, region, sector) at once; the three
    breakdowns are folded from those groups (at most months × regions × sectors rows, however
    many deals)."""
    months = scope.months()
    by_month: dict[str, dict[str, Any]] = {m.label: _blank() for m in months}
    by_region: dict[str, dict[str, Any]] = defaultdict(_blank)
    by_industry: dict[str, dict[str, Any]] = defaultdict(_blank)

    def add(
        queryset: QuerySet[Any],
        field: str,
        names: tuple[str, ...],
        region: str | None,
        industry: str | None,
        **aggregates: Any,
    ) -> None:
        keys = ["month", *(k for k in (region, industry) if k)]
        rows = (
            queryset.annotate(month=month_bucket(field, months, dates=field == "paid_on"))
            .values_list(*keys)
            .annotate(**aggregates)
            .order_by()
        )
        for row in rows:
            month, rest = row[0], list(row[1:])
            where = rest.pop(0) if region else None
            sector = rest.pop(0) if industry else None
            for name, value in zip(names, rest, strict=True):
                if month in by_month:
                    by_month[month][name] += value
                if region:
                    by_region[_fold_region(where or "", scope)][name] += value
                if industry:
                    by_industry[_sector(sector or "")][name] += value

    add(_needs(scope), "created_at", ("needs",), "region", "industry", n=Count("id"))
    add(_achievements(scope), "created_at", ("achievements",), None, None, n=Count("id"))
    add(
        deals_opened(scope),
        "created_at",
        ("deals_opened",),
        "demand__region",
        "demand__industry",
        n=Count("id"),
    )
    add(
        deals_registered(scope),
        "state_entered_at",
        ("deals_registered", "contract_amount", "technology_amount"),
        "demand__region",
        "demand__industry",
        n=Count("id"),
        contract=fen_sum("current__amount"),
        technology=fen_sum("current__technology_amount"),
    )
    paid = _rewards(scope).filter(
        status=RewardStatus.PAID, paid_on__gte=scope.start, paid_on__lte=scope.end
    )
    add(
        paid,
        "paid_on",
        ("rewards_paid", "rewards_paid_count"),
        None,
        None,
        total=fen_sum("amount"),
        n=Count("id"),
    )
    clawbacks = Clawback.objects.filter(created_at__gte=scope.since, created_at__lt=scope.until)
    if scope.organisation is not None:
        clawbacks = clawbacks.filter(reward__deal__organisation=scope.organisation)
    if scope.region_prefix:
        clawbacks = clawbacks.filter(reward__region__startswith=scope.region_prefix)
    clawed = clawbacks.aggregate(total=fen_sum("amount"))["total"]

    # Distinct enterprises of the needs recorded in scope or served by a deal opened in scope:
    # each need is read once (its deals asked through their index, not every deal opened joined
    # to its need), and the database counts the distinct records.
    opened = deals_opened(scope).filter(demand=OuterRef("pk"))
    enterprises_served = (
        Demand.objects.filter(enterprise_record__isnull=False)
        .filter(_needs_q(scope) | Q(Exists(opened)))
        .values("enterprise_record")
        .distinct()
        .count()
    )

    totals = {name: sum(row[name] for row in by_month.values()) for name in FIGURES}
    breakdown_keys = (
        "needs",
        "deals_opened",
        "deals_registered",
        "contract_amount",
        "technology_amount",
    )
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
        "rewards_paid_count": totals["rewards_paid_count"],
        "rewards_clawed_back": yuan(clawed),
        "brokers_active": _brokers_active(scope),
        "by_month": [{"month": label, **_money(row, FIGURES)} for label, row in by_month.items()],
        "by_region": [
            {
                "code": code,
                "name": region_name(code) if code else _("未填地区"),
                **_money(row, breakdown_keys),
            }
            for code, row in sorted(by_region.items())
        ],
        "by_industry": [
            {
                "code": code,
                "name": industry_label(code) if code else _("未分类"),
                **_money(row, breakdown_keys),
            }
            for code, row in sorted(by_industry.items(), key=lambda kv: (kv[0] == "", kv[0]))
        ],
    }


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"
