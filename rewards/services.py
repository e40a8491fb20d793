"""Writes of the rewards app: policies, computation, the finance workflow, clawbacks.

Every write is one action with an acting user (None = the system: a task, a command, the demo
loader) and a reason, recorded on the history row it produces.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from brokers.models import User
from brokers.regions import resolve_region
from common.dates import check_plausible
from common.exceptions import ConcurrentUpdate, ValidationFailed
from rewards import engine
from rewards.exceptions import (
    BeneficiaryCannotDecide,
    DealNotRegistered,
    NotFinance,
    PolicyInUse,
    PolicyInvalid,
    PolicyOverlap,
    RewardImmutable,
    RewardStateConflict,
)
from rewards.models import (
    Basis,
    Clawback,
    Reward,
    RewardPolicy,
    RewardShare,
    RewardStatus,
    RewardYearTotal,
    TierMode,
)
from rewards.selectors import DealFacts, deal_facts, id_filter, pick_policy, policy_index

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 2000


def _stamp(obj: Any, actor: User | None, reason: str) -> None:
    """Who and why, on the history row the next save() writes (tasks have no middleware)."""
    obj._history_user = actor
    obj._change_reason = reason[:100]


def _require_finance(actor: User | None, organisation_id: int | None = None) -> None:
    if actor is None or actor.is_admin:
        return
    if actor.is_finance and (organisation_id is None or actor.organisation_id == organisation_id):
        return
    raise NotFinance(_("只有本机构的财务人员或管理员可以执行此操作。"))


# --- policies --------------------------------------------------------------------------------


def _decimal(value: Any, label: str, *, places: int | None = None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise PolicyInvalid(_("%(label)s 不是有效的数字。") % {"label": label}) from exc
    if not number.is_finite():
        raise PolicyInvalid(_("%(label)s 不是有效的数字。") % {"label": label})
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise PolicyInvalid(_("%(label)s 最多保留 %(n)s 位小数。") % {"label": label, "n": places})
    return number


@dataclass
class PolicyInput:
    name: str
    region: str
    basis: str
    tier_mode: str
    rate: Decimal | None
    tiers: list[dict[str, str | None]]
    cap_per_project: Decimal | None
    cap_per_person_year: Decimal | None
    effective_from: dt.date
    effective_to: dt.date | None


def _clean_policy(
    *,
    name: str,
    region: str,
    basis: str,
    tier_mode: str,
    rate: Any,
    tiers: Any,
    cap_per_project: Any,
    cap_per_person_year: Any,
    effective_from: dt.date,
    effective_to: dt.date | None,
) -> PolicyInput:
    name = (name or "").strip()
    if not name:
        raise PolicyInvalid(_("请填写政策名称。"))
    if basis not in Basis.values:
        raise PolicyInvalid(_("计奖基数应为 technology_amount 或 contract_amount。"))
    if basis == Basis.RECEIVED_AMOUNT:
        raise PolicyInvalid(
            _(
                "系统尚未记录合同实际到账金额，暂不能按到账金额计奖；请先选择技术交易额或合同成交额。"
            )
        )
    check_plausible(effective_from, "effective_from")
    if effective_to is not None:
        check_plausible(effective_to, "effective_to")
    if effective_to is not None and effective_to < effective_from:
        raise PolicyInvalid(_("失效日期不能早于生效日期。"))
    try:
        parsed_tiers = engine.tiers_from_json(tiers)
    except ValueError as exc:
        raise PolicyInvalid(
            _('tiers 格式应为 [{"up_to": "30000000.00" 或 null, "rate": "0.005", "cap"?: "..."}]。')
        ) from exc
    terms = engine.Terms(
        mode=tier_mode,
        rate=_decimal(rate, "rate", places=6),
        tiers=parsed_tiers,
        cap_per_project=_decimal(cap_per_project, "cap_per_project", places=2),
    )
    if tier_mode != TierMode.FLAT and parsed_tiers:
        first = parsed_tiers[0].rate
        if terms.rate is not None and terms.rate != first:
            raise PolicyInvalid(_("分档方式下 rate 应等于第一档的比例（或不填）。"))
        terms = engine.Terms(
            mode=tier_mode, rate=first, tiers=parsed_tiers, cap_per_project=terms.cap_per_project
        )
    for tier in parsed_tiers:
        for value in (tier.up_to, tier.cap):
            if value is not None and value != engine.money(value):
                raise PolicyInvalid(_("分档金额（up_to、cap）最多保留 2 位小数。"))
        if tier.rate != tier.rate.quantize(Decimal("0.000001")):
            raise PolicyInvalid(_("分档比例最多保留 6 位小数。"))
    errors = engine.terms_errors(terms)
    if errors:
        raise PolicyInvalid(errors[0], blockers=errors)
    year_cap = _decimal(cap_per_person_year, "cap_per_person_year", places=2)
    if year_cap is not None and year_cap < 0:
        raise PolicyInvalid(_("每人每年上限不能为负数。"))
    return PolicyInput(
        name=name[:200],
        region=resolve_region(region),
        basis=basis,
        tier_mode=tier_mode,
        rate=terms.rate,
        tiers=[t.as_json() for t in parsed_tiers],
        cap_per_project=terms.cap_per_project,
        cap_per_person_year=year_cap,
        effective_from=effective_from,
        effective_to=effective_to,
    )


def _check_overlap(data: PolicyInput, *, exclude_id: int | None = None) -> None:
    # Two policies for one region on one day would make the choice arbitrary: refuse.
    qs = RewardPolicy.objects.filter(region=data.region)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    if data.effective_to is not None:
        qs = qs.filter(effective_from__lte=data.effective_to)
    for other in qs:
        if other.effective_to is None or other.effective_to >= data.effective_from:
            raise PolicyOverlap(
                _(
                    "地区 %(region)s 在该期间已有政策“%(name)s”（%(start)s 起）："
                    "请先为旧政策设置失效日期，再添加新政策。"
                )
                % {"region": data.region, "name": other.name, "start": other.effective_from},
                blockers=[str(other.pk)],
            )


def policy_create(
    *,
    actor: User | None,
    name: str,
    region: str,
    effective_from: dt.date,
    rate: Any = None,
    cap_per_project: Any = None,
    cap_per_person_year: Any = None,
    basis: str = Basis.TECHNOLOGY_AMOUNT,
    tier_mode: str = TierMode.FLAT,
    tiers: Any = None,
    effective_to: dt.date | None = None,
    reason: str = "",
) -> RewardPolicy:
    """Add a region's policy; rewards waiting for a policy are recomputed after commit."""
    _require_finance(actor)
    data = _clean_policy(
        name=name,
        region=region,
        basis=basis,
        tier_mode=tier_mode,
        rate=rate,
        tiers=tiers,
        cap_per_project=cap_per_project,
        cap_per_person_year=cap_per_person_year,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    with transaction.atomic():
        _check_overlap(data)
        policy = RewardPolicy(**data.__dict__, created_by=actor)
        _stamp(policy, actor, reason or "新增奖励政策")
        policy.save()
        _schedule_pending_recompute(actor)
    return policy


# Changing the terms of a policy some reward was computed under would make that reward
# unexplainable; closing its period or renaming it does not.
POLICY_FIELDS_ALWAYS_EDITABLE = {"name", "effective_to"}


POLICY_FIELDS = [
    "name",
    "region",
    "basis",
    "tier_mode",
    "rate",
    "tiers",
    "cap_per_project",
    "cap_per_person_year",
    "effective_from",
    "effective_to",
]


def _update_input(policy: RewardPolicy, changes: dict[str, Any]) -> PolicyInput:
    """The policy as it would be after `changes`, checked against every rule (no write)."""
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    used = policy.rewards.exclude(status=RewardStatus.VOID)
    current = {name: getattr(policy, name) for name in POLICY_FIELDS}
    changed = {k for k, v in changes.items() if v != current[k]}
    locked = changed - POLICY_FIELDS_ALWAYS_EDITABLE
    if locked and used.exists():
        raise PolicyInUse(
            _("已有奖励按此政策核算，不能修改 %(fields)s；请设置失效日期并新增一条政策。")
            % {"fields": "、".join(sorted(locked))}
        )
    merged = {**current, **changes}
    if merged["tier_mode"] != TierMode.FLAT and "tiers" in changes and "rate" not in changes:
        merged["rate"] = None  # taken from the new first tier
    data = _clean_policy(**merged)
    if "effective_to" in changed and data.effective_to is not None:
        last = used.order_by("-registered_on").values_list("registered_on", flat=True).first()
        if last is not None and data.effective_to < last:
            raise PolicyInUse(
                _("已有 %(date)s 登记的项目按此政策核算，失效日期不能早于该日。") % {"date": last}
            )
    _check_overlap(data, exclude_id=policy.pk)
    return data


def policy_validate(*, policy_id: int | None, fields: dict[str, Any]) -> None:
    """Raise the DomainError policy_create / policy_update would raise (for the admin's form)."""
    if policy_id is None:
        values: dict[str, Any] = {name: fields.get(name) for name in POLICY_FIELDS}
        _check_overlap(_clean_policy(**values))
    else:
        _update_input(RewardPolicy.objects.get(pk=policy_id), fields)


def policy_update(
    *, policy_id: int, actor: User | None, changes: dict[str, Any], reason: str = ""
) -> RewardPolicy:
    _require_finance(actor)
    with transaction.atomic():
        policy = RewardPolicy.objects.select_for_update().get(pk=policy_id)
        data = _update_input(policy, changes)
        for key, value in data.__dict__.items():
            setattr(policy, key, value)
        _stamp(policy, actor, reason or "修改奖励政策")
        policy.save()
        _schedule_pending_recompute(actor)
    return policy


def _schedule_pending_recompute(actor: User | None) -> None:
    from rewards.tasks import recompute_pending_rewards

    actor_id = actor.pk if actor else None
    transaction.on_commit(lambda: recompute_pending_rewards.delay(actor_id=actor_id))


# --- computation -----------------------------------------------------------------------------


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


YearKey = tuple[int, int, str]  # user, year, policy region
ShareRow = tuple[int, Decimal, bool, Decimal, Decimal]  # user, share, lead, allocated, amount


def _plan(
    facts: DealFacts, prepared: _Policy, already: dict[YearKey, Decimal]
) -> tuple[dict[str, Any], Decimal, Decimal, list[ShareRow]]:
    """One deal's reward: (explanation, basis amount, total, shares). Consumes `already`.

    The explanation holds the figures; `rewards.explain.explanation_text` words them.
    """
    assert facts.registered_on is not None
    policy = prepared.policy
    basis_amount = facts.amounts[policy.basis]
    result = engine.compute(prepared.terms, basis_amount)
    parts = [
        engine.Part(key=user_id, share=share, lead=user_id == facts.lead_broker_id)
        for user_id, share, _name in facts.brokers
    ]
    allocated = engine.split(result.amount, parts) if parts else []
    year = facts.registered_on.year
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
    total = sum(amounts, engine.ZERO)
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


def _needs_policy_explanation(facts: DealFacts) -> dict[str, Any]:
    assert facts.registered_on is not None
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
    recomputed: int = 0
    unchanged: int = 0
    skipped: int = 0

    def add(self, other: BatchResult) -> None:
        for key in self.__dict__:
            setattr(self, key, getattr(self, key) + getattr(other, key))


def _seed_year_totals(keys: set[YearKey]) -> dict[YearKey, Decimal]:
    """What each person already has in the year under the region's policies (two queries,
    whatever the length of their history: the running totals, not a sum over shares)."""
    if not keys:
        return {}
    users = {k[0] for k in keys}
    # Lock the beneficiaries' rows: two computations for the same person serialise here, so
    # both cannot see the same headroom (PostgreSQL; SQLite serialises writers anyway).
    list(User.objects.select_for_update().filter(pk__in=users).order_by("pk").values_list("pk"))
    rows = RewardYearTotal.objects.filter(
        user_id__in=users, year__in={k[1] for k in keys}, region__in={k[2] for k in keys}
    ).values_list("user_id", "year", "region", "amount")
    return {(u, y, r): amount for u, y, r, amount in rows if (u, y, r) in keys}


def _add_year_totals(deltas: dict[YearKey, Decimal]) -> None:
    """Add to the running totals, one statement. Increments, not absolute values, so a void or
    clawback committed meanwhile (which takes its amounts off) is never overwritten."""
    if not deltas:
        return
    quote = connection.ops.quote_name
    table = quote(RewardYearTotal._meta.db_table)
    user, year, region, amount = (quote(c) for c in ("user_id", "year", "region", "amount"))
    # ON CONFLICT … DO UPDATE: the same statement on SQLite (≥ 3.24) and PostgreSQL.
    sql = (
        f"INSERT INTO {table} ({user}, {year}, {region}, {amount}) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT ({user}, {year}, {region}) "
        f"DO UPDATE SET {amount} = {table}.{amount} + excluded.{amount}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(u, y, r, delta) for (u, y, r), delta in deltas.items()])


def _take_off_year_totals(reward: Reward) -> None:
    """A voided or clawed-back reward no longer counts towards its people's yearly caps."""
    if reward.policy_id is None:
        return
    region = reward.policy.region if reward.policy else ""
    for share in reward.shares.all():
        RewardYearTotal.objects.filter(
            user_id=share.user_id, year=reward.year, region=region
        ).update(amount=F("amount") - share.amount)


def _executemany(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """One INSERT statement run for all rows.

    Deliberately not bulk_create: Django's insert compiler costs ~20 µs per value and simple
    history's bulk path doubles it, which puts a province's 10^5 registered deals at minutes.
    The values here are already what the database stores (quantized Decimals, dates, adapted
    datetimes and JSON), so the driver's executemany writes them directly, one statement.
    """
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_rewards(
    new: list[tuple[DealFacts, dict[str, Any], list[ShareRow]]],
    *,
    actor: User | None,
    reason: str,
    now: dt.datetime,
) -> None:
    """Insert new rewards, their history rows ("+", with actor and reason) and their shares."""
    when = connection.ops.adapt_datetimefield_value(now)
    to_json = Reward._meta.get_field("explanation").get_db_prep_save
    actor_id = actor.pk if actor else None
    reward_columns = [
        "deal_id", "policy_id", "contract_id", "status", "region", "registered_on", "year",
        "basis", "basis_amount", "amount", "explanation", "computed_at", "payment_reference",
        "void_reason",
    ]  # fmt: skip
    rows = []
    for f, fields, _shares in new:
        policy = fields.get("policy")
        rows.append(
            (
                f.deal_id, policy.pk if policy else None, f.contract_id, fields["status"].value,
                f.region, f.registered_on, f.year, fields.get("basis", ""),
                fields.get("basis_amount"), fields.get("amount", engine.ZERO),
                to_json(fields["explanation"], connection), when, "", "",
            )
        )  # fmt: skip
    _executemany(Reward, reward_columns, rows)
    ids = dict(
        Reward.objects.filter(id_filter("deal_id", [f.deal_id for f, _x, _s in new])).values_list(
            "deal_id", "id"
        )
    )
    history_columns = [
        "id", "deal_id", "policy_id", "contract_id", "status", "region", "registered_on", "year",
        "basis", "basis_amount", "amount", "computed_at", "payment_reference", "void_reason",
        "history_date", "history_change_reason", "history_type", "history_user_id",
    ]  # fmt: skip
    history = [
        (ids[row[0]], *row[:10], when, "", "", when, reason[:100], "+", actor_id) for row in rows
    ]
    _executemany(Reward.history.model, history_columns, history)
    share_rows = [
        (ids[f.deal_id], user, share, lead, allocated, amount)
        for f, _fields, shares in new
        for user, share, lead, allocated, amount in shares
    ]
    if share_rows:
        _executemany(
            RewardShare,
            ["reward_id", "user_id", "share", "is_lead", "allocated", "amount"],
            share_rows,
        )


def _compute_chunk(
    deal_ids: list[int], policies: list[_Policy], actor: User | None, reason: str
) -> BatchResult:
    """Compute the rewards of these deals in a fixed number of queries (one transaction)."""
    out = BatchResult()
    facts = deal_facts(deal_ids)
    existing = dict(Reward.objects.filter(deal_id__in=list(facts)).values_list("deal_id", "status"))
    by_pk = {p.policy.pk: p for p in policies}
    index = policy_index(p.policy for p in policies)
    todo: list[tuple[DealFacts, _Policy | None]] = []
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
        if chosen is None and status == RewardStatus.NEEDS_POLICY:
            out.unchanged += 1
            continue
        todo.append((f, by_pk[chosen.pk] if chosen else None))
    out.skipped += len(set(deal_ids) - set(facts))
    if not todo:
        return out
    # Earlier registrations consume a person's yearly cap first.
    todo.sort(key=lambda item: (item[0].registered_on, item[0].deal_id))
    # Every computed share adds to its person's running total (a capped policy of the same
    # region may follow an uncapped one within the year).
    keys: set[YearKey] = set()
    for f, prepared in todo:
        if prepared is not None:
            keys.update((u, f.year, prepared.policy.region) for u, _s, _n in f.brokers)
    already = _seed_year_totals(keys)
    seeded = dict(already)

    now = timezone.now()
    reason = reason or "登记完成，自动核算"
    new: list[tuple[DealFacts, dict[str, Any], list[ShareRow]]] = []
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
            new.append((f, fields, shares))
            out.computed += prepared is not None
            continue
        # Rare (a policy was added after registration): the ORM path, with its history row.
        reward = Reward.objects.select_for_update().get(deal_id=f.deal_id)
        fields.pop("status")
        for key, value in fields.items():
            setattr(reward, key, value)
        reward.contract_id = f.contract_id
        reward.computed_at = now
        reward.calculate()
        _stamp(reward, actor, reason)
        reward.save()
        recomputed.append((reward, shares))
        out.recomputed += 1
    _add_year_totals(
        {k: v - seeded.get(k, engine.ZERO) for k, v in already.items() if v != seeded.get(k)}
    )
    if new:
        _insert_rewards(new, actor=actor, reason=reason, now=now)
    if recomputed:
        RewardShare.objects.bulk_create(
            RewardShare(reward=r, user_id=u, share=s, is_lead=lead, allocated=a, amount=m)
            for r, shares in recomputed
            for u, s, lead, a, m in shares
        )
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
    reward = Reward.objects.filter(deal_id=deal_id).first()
    if reward is None:
        raise DealNotRegistered(
            _("项目尚未完成合同登记（或登记已撤销），暂不核算奖励。"), blockers=[]
        )
    return reward


def reward_recompute(*, reward_id: int, actor: User) -> Reward:
    """Finance retries one reward waiting for a policy; a computed reward stays as it is."""
    reward = Reward.objects.select_related("deal").get(pk=reward_id)
    _require_finance(actor, reward.deal.organisation_id)
    return reward_compute(deal_id=reward.deal_id, actor=actor, reason="财务手动重新核算")


def rewards_recompute_pending(*, actor: User | None = None) -> BatchResult:
    """Retry every reward still waiting for a policy (after a policy was added or changed)."""
    ids = list(
        Reward.objects.filter(status=RewardStatus.NEEDS_POLICY).values_list("deal_id", flat=True)
    )
    return rewards_compute_batch(deal_ids=ids, actor=actor, reason="补充政策后重新核算")


# --- finance workflow ------------------------------------------------------------------------


def _lock(reward_id: int) -> Reward:
    try:
        return Reward.objects.select_for_update().select_related("deal").get(pk=reward_id)
    except Reward.DoesNotExist as exc:
        from django.http import Http404

        raise Http404 from exc


def _check_decider(reward: Reward, actor: User) -> None:
    _require_finance(actor, reward.deal.organisation_id)
    if reward.shares.filter(user_id=actor.pk).exists():
        raise BeneficiaryCannotDecide(
            _("您是该奖励的受益人，不能审核或发放自己的奖励（四眼原则），请由其他财务人员处理。")
        )


def _refuse_paid(reward: Reward) -> None:
    if reward.status == RewardStatus.PAID:
        raise RewardImmutable(_("奖励已发放，不能再修改。"), blockers=[])


def reward_approve(*, reward_id: int, actor: User, comment: str = "") -> Reward:
    """Finance approves a calculated reward; never one they share in."""
    try:
        with transaction.atomic():
            reward = _lock(reward_id)
            _check_decider(reward, actor)
            _refuse_paid(reward)
            if reward.status != RewardStatus.CALCULATED:
                raise RewardStateConflict(
                    _("只有“已核算”的奖励可以审核，当前为“%(s)s”。")
                    % {"s": RewardStatus(reward.status).label},
                    blockers=[],
                )
            reward.approve()
            reward.approved_by = actor
            reward.approved_at = timezone.now()
            _stamp(reward, actor, comment.strip() or "财务审核通过")
            reward.save()
    except ConcurrentTransition as exc:
        raise ConcurrentUpdate(_("奖励刚被别人处理过，请刷新后重试。")) from exc
    return reward


def reward_pay(
    *, reward_id: int, actor: User, paid_on: dt.date, reference: str, comment: str = ""
) -> Reward:
    """Record the payment of an approved reward (date, reference); from then on it never changes."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed(_("请填写付款凭证号（reference）。"), code="reference_required")
    if len(reference) > 100:
        raise ValidationFailed(_("付款凭证号不能超过 100 个字符。"), code="invalid")
    check_plausible(paid_on, "paid_on")
    if paid_on > timezone.localdate():
        raise ValidationFailed(_("发放日期不能晚于今天。"), code="invalid")
    try:
        with transaction.atomic():
            reward = _lock(reward_id)
            _check_decider(reward, actor)
            _refuse_paid(reward)
            if reward.status != RewardStatus.APPROVED:
                raise RewardStateConflict(
                    _("只有“已审核”的奖励可以发放，当前为“%(s)s”。")
                    % {"s": RewardStatus(reward.status).label},
                    blockers=[],
                )
            if reward.approved_at and paid_on < timezone.localdate(reward.approved_at):
                raise ValidationFailed(_("发放日期不能早于审核日期。"), code="invalid")
            reward.pay()
            reward.paid_by = actor
            reward.paid_on = paid_on
            reward.payment_reference = reference
            _stamp(reward, actor, comment.strip() or f"已发放，凭证 {reference}")
            reward.save()
    except ConcurrentTransition as exc:
        raise ConcurrentUpdate(_("奖励刚被别人处理过，请刷新后重试。")) from exc
    return reward


def reward_registration_cancelled(
    *, deal_id: int, actor: User | None, reason: str
) -> Reward | None:
    """A cancelled registration: an unpaid reward is voided, a paid one gets a clawback (the
    paid row itself stays as it was). Idempotent."""
    reason = (reason or "").strip() or "合同登记已撤销"
    with transaction.atomic():
        reward = Reward.objects.select_for_update().filter(deal_id=deal_id).first()
        if reward is None or reward.status == RewardStatus.VOID:
            return reward
        if reward.status == RewardStatus.PAID:
            if not Clawback.objects.filter(reward=reward).exists():
                _take_off_year_totals(reward)
                clawback = Clawback(
                    reward=reward, amount=reward.amount, reason=reason, created_by=actor
                )
                _stamp(clawback, actor, reason)
                clawback.save()
            return reward
        if reward.status != RewardStatus.NEEDS_POLICY:
            _take_off_year_totals(reward)
        reward.void()
        reward.voided_at = timezone.now()
        reward.void_reason = reason
        _stamp(reward, actor, reason)
        reward.save()
    return reward
