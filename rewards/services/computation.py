"""Reward computation: one registered deal, or a batch of them in a fixed number of queries.

A reward is computed once (re-running changes nothing) under the policy in force for the deal's
region on its registration date, or waits as `needs_policy` until one exists. The pure figures
come from `rewards.engine`; the explanation stored with each reward holds them, and
`rewards.explain` words them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import User
from common.history import stamp
from rewards import engine
from rewards.exceptions import DealNotRegistered, NotFinance
from rewards.models import (
    Basis,
    Reward,
    RewardPolicy,
    RewardShare,
    RewardStatus,
    RewardYearTotal,
)
from rewards.permissions import may_recompute_reward
from rewards.selectors import (
    DealFacts,
    ReceivedFacts,
    deal_facts,
    pick_policy,
    policy_index,
    received_facts,
)
from rewards.services import bulk
from rewards.services.bulk import ShareRow, YearKey

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 2000


def policy_terms(policy: RewardPolicy) -> engine.Terms:
    return engine.Terms(
        mode=policy.tier_mode,
        rate=policy.rate,
        tiers=engine.tiers_from_json(policy.tiers),
        cap_per_project=policy.cap_per_project,
    )


def _policy_json(policy: RewardPolicy) -> dict[str, Any]:
    # The terms themselves are in the steps and caps below, and a policy's terms never change
    # once a reward used them (policy_update refuses): name and period identify it for readers.
    return {
        "id": policy.pk,
        "name": policy.name,
        "region": policy.region,
        "tier_mode": policy.tier_mode,
        "effective_from": policy.effective_from.isoformat(),
    }


@dataclass
class _Policy:
    """A policy prepared once per batch (parsed tiers, its explanation block)."""

    policy: RewardPolicy
    terms: engine.Terms
    as_json: dict[str, Any]

    @classmethod
    def of(cls, policy: RewardPolicy) -> _Policy:
        return cls(policy=policy, terms=policy_terms(policy), as_json=_policy_json(policy))


def _split_shares(
    facts: DealFacts,
    policy: RewardPolicy,
    project_amount: Decimal,
    year: int,
    already: dict[YearKey, Decimal],
) -> tuple[list[ShareRow], list[dict[str, Any]], Decimal]:
    """The project amount split by the brokers' shares, each part cut to what the person's
    yearly cap still allows: (share rows, their explanation, the total after the caps).
    Consumes `already`."""
    parts = [
        engine.Part(key=user_id, share=share, lead=user_id == facts.lead_broker_id)
        for user_id, share, _name in facts.brokers
    ]
    allocated = engine.split(project_amount, parts) if parts else []
    year_cap = policy.cap_per_person_year
    rooms: list[Decimal | None] = [
        None if year_cap is None else year_cap - already.get((u, year, policy.region), engine.ZERO)
        for u, _s, _n in facts.brokers
    ]
    amounts = engine.cap_to_headroom(allocated, rooms)
    shares: list[ShareRow] = []
    share_json = []
    for (user_id, share, name), alloc, room, amount in zip(
        facts.brokers, allocated, rooms, amounts, strict=True
    ):
        lead = user_id == facts.lead_broker_id
        shares.append((user_id, share, lead, alloc, amount))
        entry: dict[str, Any] = {
            "user": user_id,
            "name": name,
            "share": engine.fmt(share),
            "lead": lead,
            "allocated": engine.fmt(alloc),
            "amount": engine.fmt(amount),
        }
        key = (user_id, year, policy.region)
        if room is not None and year_cap is not None:
            entry["year_cap"] = {
                "limit": engine.fmt(year_cap),
                "already": engine.fmt(already.get(key, engine.ZERO)),
                "applied": amount != alloc,
            }
        already[key] = already.get(key, engine.ZERO) + amount
        share_json.append(entry)
    return shares, share_json, sum(amounts, engine.ZERO)


def _plan(
    facts: DealFacts, prepared: _Policy, already: dict[YearKey, Decimal]
) -> tuple[dict[str, Any], Decimal, Decimal, list[ShareRow]]:
    """One deal's reward: (explanation, basis amount, total, shares). Consumes `already`.

    The explanation holds the figures; `rewards.explain.explanation_text` words them.
    """
    if facts.registered_on is None:
        raise RuntimeError("invariant: facts.registered_on is not None")
    policy = prepared.policy
    basis_amount = facts.amounts[policy.basis]
    result = engine.compute(prepared.terms, basis_amount)
    shares, share_json, total = _split_shares(
        facts, policy, result.amount, facts.registered_on.year, already
    )
    explanation = {
        "policy": prepared.as_json,
        "region": facts.region,
        "registered_on": facts.registered_on.isoformat(),
        "contract": {"id": facts.contract_id, "number": facts.contract_number},
        "registration_number": facts.registration_number,
        "basis": {"kind": policy.basis, "amount": engine.fmt(basis_amount)},
        "computation": result.as_json(),
        "cap_per_project": {
            "limit": engine.fmt(policy.cap_per_project),
            "applied": result.project_cap_applied,
        },
        "shares": share_json,
        "odd_fen_rule": "largest_remainder",
        "total": engine.fmt(total),
    }
    return explanation, basis_amount, total, shares


@dataclass
class _Partial:
    """One payment's partial reward, planned."""

    payment: ReceivedFacts
    year: int
    project_amount: Decimal  # the project's part: reward(cumulative) - already granted
    total: Decimal  # after the yearly caps
    shares: list[ShareRow]
    explanation: dict[str, Any]


def _plan_partials(
    facts: DealFacts,
    prepared: _Policy,
    received: list[ReceivedFacts],
    granted: dict[int, Decimal],
    already: dict[YearKey, Decimal],
) -> list[_Partial]:
    """The partial rewards of a deal's payments that have none yet, in the order the payments
    were recorded. Each is the reward on the cumulative amount received up to and including its
    payment, less what the deal's active partial rewards already grant:

        partial_k = reward(received_1 + … + received_k) - (partial_1 + … + partial_{k-1})

    which is reward(cum_k) - reward(cum_{k-1}) while nothing was reversed, so the partials add
    up, to the fen, to the reward on the total received (rates, brackets and the project cap
    apply to the cumulative amount). After a reversal (its partial voided or clawed back) the
    next payment trues the deal up again. Never negative: under a policy whose rate rises with
    the amount, a reversal can leave more granted than the smaller total earns; that payment
    then earns 0, and the explanation says so. Consumes `already`."""
    if facts.registered_on is None:
        raise RuntimeError("invariant: facts.registered_on is not None")
    policy = prepared.policy
    out: list[_Partial] = []
    so_far = sum(granted.values(), engine.ZERO)
    cumulative = engine.ZERO
    covered: list[int] = []  # the payments the cumulative amount adds up
    for payment in received:
        cumulative += payment.amount
        covered.append(payment.payment_id)
        if payment.payment_id in granted:
            continue
        result = engine.compute(prepared.terms, cumulative)
        owed = result.amount - so_far
        project_amount = max(owed, engine.ZERO)
        # Due when both the money and the registration are there: the later of the two dates
        # is the year whose cap per person it counts against.
        due_on = max(payment.received_on, facts.registered_on)
        shares, share_json, total = _split_shares(
            facts, policy, project_amount, due_on.year, already
        )
        explanation = {
            "policy": prepared.as_json,
            "region": facts.region,
            "registered_on": facts.registered_on.isoformat(),
            "contract": {"id": facts.contract_id, "number": facts.contract_number},
            "registration_number": facts.registration_number,
            "basis": {"kind": policy.basis, "amount": engine.fmt(cumulative)},
            "payment": {
                "id": payment.payment_id,
                "received_on": payment.received_on.isoformat(),
                "amount": engine.fmt(payment.amount),
                "reference": payment.reference,
            },
            "received": {
                "cumulative": engine.fmt(cumulative),
                "payments": list(covered),
                "reward_on_cumulative": engine.fmt(result.amount),
                "already_granted": engine.fmt(so_far),
                "partial": engine.fmt(project_amount),
                "shortfall": engine.fmt(-owed) if owed < 0 else None,
            },
            "computation": result.as_json(),
            "cap_per_project": {
                "limit": engine.fmt(policy.cap_per_project),
                "applied": result.project_cap_applied,
            },
            "shares": share_json,
            "odd_fen_rule": "largest_remainder",
            "total": engine.fmt(total),
        }
        so_far += project_amount
        out.append(
            _Partial(
                payment=payment,
                year=due_on.year,
                project_amount=project_amount,
                total=total,
                shares=shares,
                explanation=explanation,
            )
        )
    return out


def _needs_policy_explanation(facts: DealFacts) -> dict[str, Any]:
    if facts.registered_on is None:
        raise RuntimeError("invariant: facts.registered_on is not None")
    return {
        "needs_policy": True,
        "region": facts.region,
        "registered_on": facts.registered_on.isoformat(),
        "contract": {"id": facts.contract_id, "number": facts.contract_number},
        "registration_number": facts.registration_number,
    }


@dataclass
class BatchResult:
    computed: int = 0
    needs_policy: int = 0
    partials: int = 0  # partial rewards, one per payment received
    recomputed: int = 0
    unchanged: int = 0
    skipped: int = 0

    def add(self, other: BatchResult) -> None:
        for key in self.__dict__:
            setattr(self, key, getattr(self, key) + getattr(other, key))


def _lock_people(users: set[int]) -> None:
    """Lock the beneficiaries' rows: two computations for the same person serialise here, so
    both cannot see the same headroom (PostgreSQL; SQLite serialises writers anyway). A payment's
    reversal takes the same locks before it looks for the payment's reward, so a reward being
    computed for a payment being reversed is either seen and clawed back, or not computed."""
    if users:
        list(User.objects.select_for_update().filter(pk__in=users).order_by("pk").values_list("pk"))


def _seed_year_totals(keys: set[YearKey]) -> dict[YearKey, Decimal]:
    """What each person already has in the year under the region's policies (one query,
    whatever the length of their history: the running totals, not a sum over shares). The
    caller holds the people's locks (`_lock_people`)."""
    if not keys:
        return {}
    rows = RewardYearTotal.objects.filter(
        user_id__in={k[0] for k in keys},
        year__in={k[1] for k in keys},
        region__in={k[2] for k in keys},
    ).values_list("user_id", "year", "region", "amount")
    return {(u, y, r): amount for u, y, r, amount in rows if (u, y, r) in keys}


def _void_placeholder(deal_id: int, actor: User | None) -> None:
    """A reward that waited for a policy, when the policy that arrived pays on money received:
    the deal's rewards will be partial ones, the placeholder stops being active (never deleted)."""
    reward = Reward.objects.select_for_update().get(
        deal_id=deal_id, active=True, payment__isnull=True
    )
    reward.active = False
    reward.void()
    reward.voided_at = timezone.now()
    reward.void_reason = "政策按实际到账金额计奖：改为按每笔到账分别核算"
    stamp(reward, actor, reward.void_reason)
    reward.save()


def _compute_chunk(
    deal_ids: list[int], policies: list[_Policy], actor: User | None, reason: str
) -> BatchResult:
    """Compute the rewards of these deals in a fixed number of queries (one transaction): a
    whole reward per deal, or, under a policy on money received, a partial reward for each of
    its payments that has none yet."""
    out = BatchResult()
    facts = deal_facts(deal_ids)
    existing = dict(
        Reward.objects.filter(
            deal_id__in=list(facts), active=True, payment__isnull=True
        ).values_list("deal_id", "status")
    )
    by_pk = {p.policy.pk: p for p in policies}
    index = policy_index(p.policy for p in policies)
    todo: list[tuple[DealFacts, _Policy | None]] = []
    on_received: list[tuple[DealFacts, _Policy]] = []
    placeholders: list[int] = []
    for f in facts.values():
        status = existing.get(f.deal_id)
        if status is not None and status != RewardStatus.NEEDS_POLICY:
            out.unchanged += 1
            continue
        if f.registered_on is None or not f.amounts:
            # Registered deal without an active registration: the registration was just
            # cancelled (the void path handles it) or the data is inconsistent. Nothing is owed.
            logger.warning("deal %s is registered but has no active registration", f.deal_id)
            out.skipped += 1
            continue
        chosen = pick_policy(index, region=f.region, on=f.registered_on)
        if chosen is not None and chosen.basis == Basis.RECEIVED_AMOUNT:
            on_received.append((f, by_pk[chosen.pk]))
            if status == RewardStatus.NEEDS_POLICY:
                placeholders.append(f.deal_id)
            continue
        if chosen is None and status == RewardStatus.NEEDS_POLICY:
            out.unchanged += 1
            continue
        todo.append((f, by_pk[chosen.pk] if chosen else None))
    out.skipped += len(set(deal_ids) - set(facts))
    if not todo and not on_received:
        return out
    # Earlier registrations consume a person's yearly cap first.
    todo.sort(key=lambda item: (item[0].registered_on, item[0].deal_id))
    on_received.sort(key=lambda item: (item[0].registered_on, item[0].deal_id))
    _lock_people(
        {u for f, prepared in (*todo, *on_received) if prepared for u, _s, _n in f.brokers}
    )
    # Read under the people's locks: a reversal committed meanwhile is seen here.
    received, granted = received_facts([f.deal_id for f, _p in on_received])
    partials: list[tuple[DealFacts, _Policy]] = []
    for f, on_policy in on_received:
        done = granted.get(f.deal_id, {})
        if f.deal_id in placeholders or any(
            p.payment_id not in done for p in received.get(f.deal_id, [])
        ):
            partials.append((f, on_policy))
        else:
            out.unchanged += 1
    # Every computed share adds to its person's running total (a capped policy of the same
    # region may follow an uncapped one within the year).
    keys: set[YearKey] = set()
    for f, prepared in todo:
        if prepared is not None:
            keys.update((u, f.year, prepared.policy.region) for u, _s, _n in f.brokers)
    for f, on_policy in partials:
        if f.registered_on is None:
            raise RuntimeError("invariant: f.registered_on is not None")
        years = {max(p.received_on, f.registered_on).year for p in received.get(f.deal_id, [])}
        keys.update((u, y, on_policy.policy.region) for u, _s, _n in f.brokers for y in years)
    already = _seed_year_totals(keys)
    seeded = dict(already)

    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value(now)
    to_json = Reward._meta.get_field("explanation").get_db_prep_save
    reason = reason or "登记完成，自动核算"
    new_rows: list[tuple[Any, ...]] = []
    new_shares: dict[bulk.RewardKey, list[ShareRow]] = {}
    recomputed: list[tuple[Reward, list[ShareRow]]] = []
    for f, prepared in todo:
        shares: list[ShareRow] = []
        fields: dict[str, Any]
        if prepared is None:
            fields = {
                "status": RewardStatus.NEEDS_POLICY,
                "explanation": _needs_policy_explanation(f),
            }
            out.needs_policy += 1
        else:
            explanation, basis_amount, total, shares = _plan(f, prepared, already)
            fields = {
                "status": RewardStatus.CALCULATED,
                "policy": prepared.policy,
                "basis": prepared.policy.basis,
                "basis_amount": basis_amount,
                "amount": total,
                "explanation": explanation,
            }
        if existing.get(f.deal_id) != RewardStatus.NEEDS_POLICY:
            if f.registered_on is None:
                raise RuntimeError("invariant: f.registered_on is not None")
            policy = fields.get("policy")
            new_rows.append(
                bulk.new_reward_row(
                    deal_id=f.deal_id,
                    policy_id=policy.pk if policy else None,
                    contract_id=f.contract_id,
                    status=fields["status"],
                    region=f.region,
                    registered_on=f.registered_on,
                    year=f.year,
                    basis=fields.get("basis", ""),
                    basis_amount=fields.get("basis_amount"),
                    amount=fields.get("amount", engine.ZERO),
                    explanation=to_json(fields["explanation"], connection),
                    computed_at=when,
                )
            )
            if shares:
                new_shares[(f.deal_id, None)] = shares
            out.computed += prepared is not None
            continue
        # Rare (a policy was added after registration): the ORM path, with its history row.
        reward = Reward.objects.select_for_update().get(
            deal_id=f.deal_id, active=True, payment__isnull=True
        )
        fields.pop("status")
        for key, value in fields.items():
            setattr(reward, key, value)
        reward.contract_id = f.contract_id
        reward.computed_at = now
        reward.calculate()
        stamp(reward, actor, reason)
        reward.save()
        recomputed.append((reward, shares))
        out.recomputed += 1
    for f, on_policy in partials:
        if f.registered_on is None:
            raise RuntimeError("invariant: f.registered_on is not None")
        if f.deal_id in placeholders:
            _void_placeholder(f.deal_id, actor)
            out.recomputed += 1
        for partial in _plan_partials(
            f, on_policy, received.get(f.deal_id, []), granted.get(f.deal_id, {}), already
        ):
            new_rows.append(
                bulk.new_reward_row(
                    deal_id=f.deal_id,
                    policy_id=on_policy.policy.pk,
                    contract_id=f.contract_id,
                    payment_id=partial.payment.payment_id,
                    status=RewardStatus.CALCULATED,
                    region=f.region,
                    registered_on=f.registered_on,
                    year=partial.year,
                    basis=Basis.RECEIVED_AMOUNT,
                    basis_amount=partial.payment.amount,
                    amount=partial.total,
                    explanation=to_json(partial.explanation, connection),
                    computed_at=when,
                )
            )
            if partial.shares:
                new_shares[(f.deal_id, partial.payment.payment_id)] = partial.shares
            out.partials += 1
    bulk.add_year_totals(
        {k: v - seeded.get(k, engine.ZERO) for k, v in already.items() if v != seeded.get(k)}
    )
    new_ids: list[int] = []
    if new_rows:
        new_ids = bulk.insert_rewards(
            new_rows, new_shares, actor_id=actor.pk if actor else None, reason=reason, when=when
        )
    if recomputed:
        RewardShare.objects.bulk_create(
            RewardShare(reward=r, user_id=u, share=s, is_lead=lead, allocated=a, amount=m)
            for r, shares in recomputed
            for u, s, lead, a, m in shares
        )
    if new_ids:  # the SQL path writes no post_save: announce the computed rewards here
        from rewards.notify import rewards_computed

        rewards_computed(reward_ids=new_ids)
    return out


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def rewards_compute_batch(
    *,
    deal_ids: Iterable[int],
    actor: User | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    reason: str = "",
) -> BatchResult:
    """Compute the rewards of many registered deals; idempotent (computed ones are left as
    they are). Each chunk is one transaction with a fixed number of queries."""
    ids = sorted(set(deal_ids))
    policies = [_Policy.of(p) for p in RewardPolicy.objects.all()]
    total = BatchResult()
    for chunk in _chunks(ids, max(1, chunk_size)):
        try:
            with transaction.atomic():
                total.add(_compute_chunk(chunk, policies, actor, reason))
        except IntegrityError:
            # Another worker computed some of these deals meanwhile (the one-reward-per-deal
            # constraint): run the chunk again, which now leaves theirs unchanged.
            with transaction.atomic():
                total.add(_compute_chunk(chunk, policies, actor, reason))
    return total


def reward_compute(*, deal_id: int, actor: User | None = None, reason: str = "") -> Reward:
    """The reward of a registered deal: computed once; re-running changes nothing."""
    rewards_compute_batch(deal_ids=[deal_id], actor=actor, reason=reason)
    reward = Reward.objects.filter(deal_id=deal_id, active=True).first()
    if reward is None:
        raise DealNotRegistered(
            _("项目尚未完成合同登记（或登记已撤销），暂不核算奖励。"), blockers=[]
        )
    return reward


def reward_recompute(*, reward_id: int, actor: User) -> Reward:
    """Finance retries one reward waiting for a policy; a computed reward stays as it is."""
    reward = Reward.objects.select_related("deal").get(pk=reward_id)
    if not may_recompute_reward(actor, reward):
        raise NotFinance.default()
    rewards_compute_batch(deal_ids=[reward.deal_id], actor=actor, reason="财务手动重新核算")
    # The same row, recomputed in place (or voided, when the policy that arrived pays on money
    # received and the deal's rewards became partial ones).
    return Reward.objects.get(pk=reward.pk)


def rewards_recompute_pending(*, actor: User | None = None) -> BatchResult:
    """Retry every reward still waiting for a policy (after a policy was added or changed)."""
    ids = list(
        Reward.objects.filter(status=RewardStatus.NEEDS_POLICY).values_list("deal_id", flat=True)
    )
    return rewards_compute_batch(deal_ids=ids, actor=actor, reason="补充政策后重新核算")
