"""Reads of rewards and policies. Every list, export and API queryset goes through
`rewards_visible_to(user)` (the pages engineer relies on its name)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from brokers.models import Role, User
from brokers.regions import region_ancestors
from contracts.models import ExchangeRegistration
from deals.models import Deal, DealBroker, DealState
from deals.selectors import on_visible_deal
from payments.models import Payment
from rewards.models import Basis, Reward, RewardPolicy, RewardShare, RewardStatus


def rewards_visible_to(user: User) -> QuerySet[Reward]:
    """A broker sees the rewards they share in; supervisors and finance their organisation's;
    admins all. Fetches what a ledger row shows (deal, policy, shares with users, clawback)."""
    qs = Reward.objects.select_related(
        "deal", "deal__organisation", "policy", "approved_by", "paid_by", "clawback"
    ).prefetch_related(
        Prefetch(
            "shares", queryset=RewardShare.objects.select_related("user").order_by("-share", "id")
        )
    )
    if not user.is_authenticated:
        return qs.none()
    if user.is_admin:
        return qs
    if user.role in (Role.SUPERVISOR, Role.FINANCE):
        return qs.filter(on_visible_deal(user))
    mine = RewardShare.objects.filter(reward_id=OuterRef("pk"), user_id=user.pk)
    return qs.filter(Exists(mine))


def reward_get_for_user(*, user: User, reward_id: int | str) -> Reward:
    try:
        return rewards_visible_to(user).get(pk=int(reward_id))
    except (Reward.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def rewards_filtered(
    qs: QuerySet[Reward],
    *,
    year: int | None = None,
    broker_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Reward]:
    if year is not None:
        qs = qs.filter(year=year)
    if broker_id is not None:
        qs = qs.filter(
            Exists(RewardShare.objects.filter(reward_id=OuterRef("pk"), user_id=broker_id))
        )
    if status:
        qs = qs.filter(status=status)
    return qs


def share_totals_by_status(qs: QuerySet[Reward], *, user_id: int) -> dict[str, dict[str, object]]:
    """One person's part of the rewards in `qs`, by reward status: {status: {n, total}}, where
    total adds up that person's shares (what they are owed), never the whole rewards."""
    rows = (
        RewardShare.objects.filter(reward__in=qs.order_by().values("pk"), user_id=user_id)
        .values("reward__status")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    return {row["reward__status"]: {"n": row["n"], "total": row["total"]} for row in rows}


def shares_of(qs: QuerySet[Reward], *, user_id: int) -> QuerySet[RewardShare]:
    """One person's shares of the rewards in `qs`, newest reward first: their part as computed
    and stored with the reward (never the whole reward), with the reward and its deal."""
    return (
        RewardShare.objects.filter(reward__in=qs.order_by().values("pk"), user_id=user_id)
        .select_related("reward__deal")
        .order_by("-reward__registered_on", "-reward_id")
    )


def share_totals_by_broker_year(
    qs: QuerySet[Reward], *, limit: int = 200
) -> list[dict[str, object]]:
    """Each broker's yearly total over the rewards in `qs` (void ones left out): their shares
    added up per year, largest first. Rows: user_id, name, year, n, total."""
    rows = (
        RewardShare.objects.filter(reward__in=qs.order_by().values("pk"))
        .exclude(reward__status=RewardStatus.VOID)
        .values("user_id", "user__display_name", "user__username", "reward__year")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-reward__year", "-total", "user_id")[:limit]
    )
    return [
        {
            "user_id": row["user_id"],
            "name": row["user__display_name"] or row["user__username"],
            "year": row["reward__year"],
            "n": row["n"],
            "total": row["total"],
        }
        for row in rows
    ]


def brokers_in_rewards(qs: QuerySet[Reward]) -> QuerySet[User]:
    """The people who have a share in one of the rewards in `qs` (the ledger's broker filter)."""
    return (
        User.objects.filter(reward_shares__reward__in=qs.order_by().values("pk"))
        .distinct()
        .order_by("display_name", "username")
    )


def policies_all() -> QuerySet[RewardPolicy]:
    return RewardPolicy.objects.select_related("created_by").order_by("region", "-effective_from")


PolicyIndex = dict[str, list[RewardPolicy]]


def policy_index(policies: Iterable[RewardPolicy]) -> PolicyIndex:
    by_region: PolicyIndex = {}
    for policy in policies:
        by_region.setdefault(policy.region, []).append(policy)
    return by_region


def pick_policy(
    policies: Iterable[RewardPolicy] | PolicyIndex, *, region: str, on: dt.date
) -> RewardPolicy | None:
    """The policy in force on `on` for `region`: the district's own, else its city's, else its
    province's (most specific wins). Policies of one region never overlap (policy_create checks).
    A batch passes a prebuilt `policy_index` so that each deal costs three dict lookups."""
    by_region = policies if isinstance(policies, dict) else policy_index(policies)
    for code in region_ancestors(region):
        for policy in by_region.get(code, ()):
            if policy.effective_from <= on and (
                policy.effective_to is None or on <= policy.effective_to
            ):
                return policy
    return None


def policy_in_force(*, region: str, on: dt.date) -> RewardPolicy | None:
    candidates = RewardPolicy.objects.filter(region__in=region_ancestors(region))
    return pick_policy(candidates, region=region, on=on)


@dataclass
class DealFacts:
    """What the computation needs to know about one registered deal."""

    deal_id: int
    title: str
    region: str
    lead_broker_id: int
    brokers: list[tuple[int, Decimal, str]] = field(default_factory=list)  # user, share, name
    contract_id: int | None = None
    contract_number: str = ""
    registration_number: str = ""
    registered_on: dt.date | None = None
    amounts: dict[str, Decimal] = field(default_factory=dict)

    @property
    def year(self) -> int:
        if self.registered_on is None:
            raise RuntimeError("invariant: self.registered_on is not None")
        return self.registered_on.year


def id_filter(field: str, ids: list[int]) -> Q:
    """`field IN ids`, or a BETWEEN when the ids are (nearly) contiguous, as a batch's chunks are:
    Django prepares each value of an IN list one by one (~6 µs each, five lists per chunk),
    while a range is two parameters. Callers drop the extra rows a range lets through."""
    if ids and max(ids) - min(ids) < 2 * len(ids):
        return Q(**{f"{field}__gte": min(ids), f"{field}__lte": max(ids)})
    return Q(**{f"{field}__in": ids})


def deal_facts(deal_ids: list[int]) -> dict[int, DealFacts]:
    """Facts of the registered deals among `deal_ids`, in three queries whatever their number.

    values_list, not model instances: this feeds batches of 10^5 deals.
    """
    wanted = set(deal_ids)
    facts = {
        deal_id: DealFacts(deal_id=deal_id, title=title, region=region, lead_broker_id=lead)
        for deal_id, title, region, lead in Deal.objects.filter(
            id_filter("id", deal_ids), state=DealState.REGISTERED
        ).values_list("id", "title", "demand__region", "lead_broker_id")
        if deal_id in wanted
    }
    if not facts:
        return facts
    # The active registration of the deal's current contract (contracts.selectors.
    # registration_for_deal, for many deals at once).
    ids = sorted(facts)
    registrations = ExchangeRegistration.objects.filter(
        id_filter("contract__deal_id", ids), contract__is_current=True, cancelled_at__isnull=True
    ).values_list(
        "contract__deal_id",
        "contract_id",
        "contract__number",
        "contract__amount",
        "contract__technology_amount",
        "registration_number",
        "registered_on",
    )
    for deal_id, contract_id, number, amount, technology, reg_number, on in registrations:
        f = facts.get(deal_id)
        if f is None:
            continue
        f.contract_id = contract_id
        f.contract_number = number
        f.registration_number = reg_number
        f.registered_on = on
        f.amounts = {Basis.TECHNOLOGY_AMOUNT: technology, Basis.CONTRACT_AMOUNT: amount}
    links = (
        DealBroker.objects.filter(id_filter("deal_id", ids))
        .order_by("deal_id", "-share", "user_id")
        .values_list("deal_id", "user_id", "share", "user__display_name", "user__username")
    )
    for deal_id, user_id, share, display_name, username in links:
        if deal_id in facts:
            facts[deal_id].brokers.append((user_id, share, display_name or username))
    return facts


@dataclass(frozen=True)
class ReceivedFacts:
    """One payment received that counts (not reversed), for rewards on money received."""

    payment_id: int
    received_on: dt.date
    amount: Decimal
    reference: str


def received_facts(
    deal_ids: list[int],
) -> tuple[dict[int, list[ReceivedFacts]], dict[int, dict[int, Decimal]]]:
    """For rewards on money received, in two queries whatever the number of deals: each deal's
    payments that count, in the order they were recorded; and its active partial rewards as
    {payment id: the project's part granted} (the shares' parts before any yearly cap)."""
    received: dict[int, list[ReceivedFacts]] = {}
    if not deal_ids:
        return received, {}
    wanted = set(deal_ids)
    rows = (
        Payment.objects.filter(id_filter("deal_id", deal_ids), reversed_at__isnull=True)
        .order_by("deal_id", "id")
        .values_list("deal_id", "id", "received_on", "amount", "reference")
    )
    for deal_id, payment_id, on, amount, reference in rows:
        if deal_id in wanted:
            received.setdefault(deal_id, []).append(
                ReceivedFacts(payment_id, on, amount, reference)
            )
    granted: dict[int, dict[int, Decimal]] = {}
    partials = (
        Reward.objects.filter(id_filter("deal_id", deal_ids), active=True, payment__isnull=False)
        .values("deal_id", "payment_id")
        .annotate(granted=Sum("shares__allocated"))
        .values_list("deal_id", "payment_id", "granted")
    )
    for deal_id, payment_id, part in partials:
        if deal_id in wanted:
            granted.setdefault(deal_id, {})[payment_id] = part or Decimal("0")
    return received, granted


def registered_deals_without_reward() -> QuerySet[Deal]:
    """Registered deals no reward was computed for (a lost enqueue): the sweep's work list."""
    return Deal.objects.filter(state=DealState.REGISTERED).filter(
        ~Q(Exists(Reward.objects.filter(deal_id=OuterRef("pk"), active=True)))
    )


def deals_rewarded_after_deregistration() -> QuerySet[Deal]:
    """Deals whose registration was cancelled, with no registration in force, that still have an
    active reward (the void or clawback task was lost: broker down at the cancellation's commit):
    the cancellation sweep's work list."""
    registrations = ExchangeRegistration.objects.filter(contract__deal_id=OuterRef("pk"))
    return Deal.objects.filter(
        Exists(registrations.filter(cancelled_at__isnull=False)),
        ~Q(Exists(registrations.filter(cancelled_at__isnull=True))),
        Exists(Reward.objects.filter(deal_id=OuterRef("pk"), active=True)),
    )


def deals_with_unrewarded_payments() -> QuerySet[Deal]:
    """Registered deals with a payment that counts but has no active reward, and no active whole
    reward (a deal rewarded on its contract amount has one; its payments earn nothing more): the
    payments sweep's work list (a lost enqueue, a worker down)."""
    unrewarded = Payment.objects.filter(deal_id=OuterRef("pk"), reversed_at__isnull=True).filter(
        ~Q(Exists(Reward.objects.filter(payment_id=OuterRef("pk"), active=True)))
    )
    whole = Reward.objects.filter(deal_id=OuterRef("pk"), active=True, payment__isnull=True)
    return Deal.objects.filter(state=DealState.REGISTERED).filter(
        Exists(unrewarded), ~Q(Exists(whole))
    )
