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

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from simple_history.utils import bulk_create_with_history

from brokers.models import User
from brokers.regions import region_name, resolve_region
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
    COUNTING_STATUSES,
    Basis,
    Clawback,
    Reward,
    RewardPolicy,
    RewardShare,
    RewardStatus,
    TierMode,
)
from rewards.selectors import DealFacts, deal_facts, pick_policy

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 1000


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


def policy_update(
    *, policy_id: int, actor: User | None, changes: dict[str, Any], reason: str = ""
) -> RewardPolicy:
    _require_finance(actor)
    with transaction.atomic():
        policy = RewardPolicy.objects.select_for_update().get(pk=policy_id)
        used = policy.rewards.exclude(status=RewardStatus.VOID)
        locked = set(changes) - POLICY_FIELDS_ALWAYS_EDITABLE
        if locked and used.exists():
            raise PolicyInUse(
                _("已有奖励按此政策核算，不能修改 %(fields)s；请设置失效日期并新增一条政策。")
                % {"fields": "、".join(sorted(locked))}
            )
        current = {
            "name": policy.name,
            "region": policy.region,
            "basis": policy.basis,
            "tier_mode": policy.tier_mode,
            "rate": policy.rate,
            "tiers": policy.tiers,
            "cap_per_project": policy.cap_per_project,
            "cap_per_person_year": policy.cap_per_person_year,
            "effective_from": policy.effective_from,
            "effective_to": policy.effective_to,
        }
        unknown = set(changes) - set(current)
        if unknown:
            raise ValidationFailed(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))})
        merged = {**current, **changes}
        if merged["tier_mode"] != TierMode.FLAT and "tiers" in changes and "rate" not in changes:
            merged["rate"] = None  # taken from the new first tier
        data = _clean_policy(**merged)
        if "effective_to" in changes and data.effective_to is not None:
            last = used.order_by("-registered_on").values_list("registered_on", flat=True).first()
            if last is not None and data.effective_to < last:
                raise PolicyInUse(
                    _("已有 %(date)s 登记的项目按此政策核算，失效日期不能早于该日。")
                    % {"date": last}
                )
        _check_overlap(data, exclude_id=policy.pk)
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
    return {
        "id": policy.pk,
        "name": policy.name,
        "region": policy.region,
        "region_name": region_name(policy.region),
        "basis": policy.basis,
        "tier_mode": policy.tier_mode,
        "rate": engine.fmt(policy.rate),
        "tiers": policy.tiers,
        "cap_per_project": engine.fmt(policy.cap_per_project),
        "cap_per_person_year": engine.fmt(policy.cap_per_person_year),
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
    }


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _exact(value: Decimal) -> str:
    """An unrounded figure as it is (18,518.51835), whole fen shown with two places."""
    if value == engine.money(value):
        return _yuan(value)
    return f"{value.normalize():,f}"


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


YearKey = tuple[int, int, str]  # user, year, policy region


def _plan(
    facts: DealFacts, policy: RewardPolicy, already: dict[YearKey, Decimal]
) -> tuple[dict[str, Any], Decimal, Decimal, list[RewardShare]]:
    """The reward of one deal: (explanation, basis amount, total, shares). Consumes `already`."""
    assert facts.registered_on is not None
    basis_amount = facts.amounts[policy.basis]
    result = engine.compute(policy_terms(policy), basis_amount)
    text = []
    basis_label = Basis(policy.basis).label
    if policy.tier_mode == TierMode.FLAT:
        assert policy.rate is not None
        text.append(
            f"{basis_label} {_yuan(basis_amount)} 元 × {_pct(policy.rate)} = "
            f"{_exact(result.exact)} 元"
        )
    else:
        for step in result.steps:
            rate = Decimal(step["rate"])
            product = _exact(Decimal(step["amount"]))
            line = f"{Decimal(step['base']):,.2f} 元 × {_pct(rate)} = {product} 元"
            if step["kind"] == "slice":
                line = f"{Decimal(step['from']):,.2f}–{Decimal(step['to']):,.2f} 元部分：" + line
            else:
                upper = step["bracket_up_to"]
                bracket = f"≤ {Decimal(upper):,.2f} 元档" if upper else "最高档"
                line = f"{basis_label}全额适用{bracket}：" + line
            if step.get("tier_cap_applied"):
                line += f"，超过本档上限，按 {Decimal(step['tier_cap']):,.2f} 元"
            text.append(line)
    if result.project_cap_applied:
        assert policy.cap_per_project is not None
        text.append(f"超过单个项目上限，按 {_yuan(policy.cap_per_project)} 元计")
    text.append(f"四舍五入到分：{_yuan(result.amount)} 元")

    parts = [
        engine.Part(key=user_id, share=share, lead=user_id == facts.lead_broker_id)
        for user_id, share, _name in facts.brokers
    ]
    allocated = engine.split(result.amount, parts) if parts else []
    year = facts.registered_on.year
    rooms: list[Decimal | None] = []
    for user_id, _share, _name in facts.brokers:
        if policy.cap_per_person_year is None:
            rooms.append(None)
        else:
            rooms.append(
                policy.cap_per_person_year
                - already.get((user_id, year, policy.region), engine.ZERO)
            )
    amounts = engine.cap_to_headroom(allocated, rooms)
    shares: list[RewardShare] = []
    share_json = []
    for (user_id, share, name), alloc, room, amount in zip(
        facts.brokers, allocated, rooms, amounts, strict=True
    ):
        key = (user_id, year, policy.region)
        if policy.cap_per_person_year is not None:
            already[key] = already.get(key, engine.ZERO) + amount
        lead = user_id == facts.lead_broker_id
        shares.append(
            RewardShare(user_id=user_id, share=share, is_lead=lead, allocated=alloc, amount=amount)
        )
        entry: dict[str, Any] = {
            "user": user_id,
            "name": name,
            "share": engine.fmt(share),
            "lead": lead,
            "allocated": engine.fmt(alloc),
            "amount": engine.fmt(amount),
        }
        line = f"{name}（{share}%{'，主办' if lead else ''}）：{_yuan(alloc)} 元"
        if room is not None:
            assert policy.cap_per_person_year is not None
            entry["year_cap"] = {
                "limit": engine.fmt(policy.cap_per_person_year),
                "already": engine.fmt(policy.cap_per_person_year - room),
                "applied": amount != alloc,
            }
            if amount != alloc:
                line += (
                    f"，{year} 年已得 {_yuan(policy.cap_per_person_year - room)} 元，"
                    f"受每人每年 {_yuan(policy.cap_per_person_year)} 元上限限制，"
                    f"实发 {_yuan(amount)} 元"
                )
        share_json.append(entry)
        text.append(line)
    total = sum(amounts, engine.ZERO)
    if total != result.amount:
        text.append(f"合计应发 {_yuan(total)} 元")
    explanation = {
        "policy": _policy_json(policy),
        "region": facts.region,
        "registered_on": facts.registered_on.isoformat(),
        "contract": {"id": facts.contract_id, "number": facts.contract_number},
        "registration_number": facts.registration_number,
        "basis": {
            "kind": policy.basis,
            "label": str(basis_label),
            "amount": engine.fmt(basis_amount),
        },
        "computation": result.as_json(),
        "cap_per_project": {
            "limit": engine.fmt(policy.cap_per_project),
            "applied": result.project_cap_applied,
        },
        "shares": share_json,
        "odd_fen_rule": engine.ODD_FEN_RULE,
        "total": engine.fmt(total),
        "text": text,
    }
    return explanation, basis_amount, total, shares


def _needs_policy_explanation(facts: DealFacts) -> dict[str, Any]:
    assert facts.registered_on is not None
    message = _(
        "%(region)s（%(code)s）在登记日 %(date)s 没有生效的奖励政策：请财务或管理员添加政策，"
        "添加后将自动重新核算。"
    ) % {
        "region": region_name(facts.region),
        "code": facts.region,
        "date": facts.registered_on.isoformat(),
    }
    return {
        "needs_policy": True,
        "region": facts.region,
        "registered_on": facts.registered_on.isoformat(),
        "contract": {"id": facts.contract_id, "number": facts.contract_number},
        "registration_number": facts.registration_number,
        "text": [message],
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
    """What each person already has in the year under the region's policies (one query)."""
    if not keys:
        return {}
    users = {k[0] for k in keys}
    # Lock the beneficiaries' rows: two computations for the same person serialise here, so
    # both cannot see the same headroom (PostgreSQL; SQLite serialises writers anyway).
    list(User.objects.select_for_update().filter(pk__in=users).order_by("pk").values_list("pk"))
    rows = (
        RewardShare.objects.filter(
            user_id__in=users,
            reward__year__in={k[1] for k in keys},
            reward__policy__region__in={k[2] for k in keys},
            reward__status__in=COUNTING_STATUSES,
            reward__clawback__isnull=True,
        )
        .values_list("user_id", "reward__year", "reward__policy__region")
        .annotate(total=Sum("amount"))
    )
    return {(u, y, r): total for u, y, r, total in rows}


def _compute_chunk(
    deal_ids: list[int], policies: list[RewardPolicy], actor: User | None, reason: str
) -> BatchResult:
    """Compute the rewards of these deals in a constant number of queries (one transaction)."""
    out = BatchResult()
    facts = deal_facts(deal_ids)
    existing = dict(Reward.objects.filter(deal_id__in=list(facts)).values_list("deal_id", "status"))
    todo: list[tuple[DealFacts, RewardPolicy | None]] = []
    for f in facts.values():
        status = existing.get(f.deal_id)
        if status is not None and status != RewardStatus.NEEDS_POLICY:
            out.unchanged += 1
            continue
        if f.registered_on is None or not f.amounts:
            # Registered deal without an active registration: contracts' data is inconsistent
            # (or the registration was just cancelled). Nothing is owed; say so in the log.
            logger.warning("deal %s is registered but has no active registration", f.deal_id)
            out.skipped += 1
            continue
        policy = pick_policy(policies, region=f.region, on=f.registered_on)
        if policy is None and status == RewardStatus.NEEDS_POLICY:
            out.unchanged += 1
            continue
        todo.append((f, policy))
    out.skipped += len(set(deal_ids) - set(facts))
    if not todo:
        return out
    # Earlier registrations consume a person's yearly cap first.
    todo.sort(key=lambda item: (item[0].registered_on, item[0].deal_id))
    keys: set[YearKey] = set()
    for f, policy in todo:
        if policy is not None and policy.cap_per_person_year is not None:
            assert f.registered_on is not None
            keys.update((u, f.registered_on.year, policy.region) for u, _s, _n in f.brokers)
    already = _seed_year_totals(keys)

    now = timezone.now()
    new_rewards: list[Reward] = []
    new_shares: list[list[RewardShare]] = []
    updated: list[tuple[Reward, list[RewardShare]]] = []
    for f, policy in todo:
        assert f.registered_on is not None
        fields: dict[str, Any] = {
            "contract_id": f.contract_id,
            "region": f.region,
            "registered_on": f.registered_on,
            "year": f.registered_on.year,
            "computed_at": now,
        }
        shares: list[RewardShare] = []
        if policy is None:
            fields.update(
                status=RewardStatus.NEEDS_POLICY, explanation=_needs_policy_explanation(f)
            )
            out.needs_policy += 1
        else:
            explanation, basis_amount, total, shares = _plan(f, policy, already)
            fields.update(
                policy=policy,
                basis=policy.basis,
                basis_amount=basis_amount,
                amount=total,
                explanation=explanation,
            )
        if existing.get(f.deal_id) == RewardStatus.NEEDS_POLICY:
            reward = Reward.objects.select_for_update().get(deal_id=f.deal_id)
            for key, value in fields.items():
                setattr(reward, key, value)
            reward.calculate()
            _stamp(reward, actor, reason or "补充政策后重新核算")
            reward.save()
            updated.append((reward, shares))
            out.recomputed += 1
        else:
            fields.setdefault("status", RewardStatus.CALCULATED)
            new_rewards.append(Reward(deal_id=f.deal_id, **fields))
            new_shares.append(shares)
            if policy is not None:
                out.computed += 1
    if new_rewards:
        created = bulk_create_with_history(
            new_rewards,
            Reward,
            default_user=actor,
            default_change_reason=(reason or "登记完成，自动核算")[:100],
        )
        for reward, shares in zip(created, new_shares, strict=True):
            updated.append((reward, shares))
    all_shares = []
    for reward, shares in updated:
        for share in shares:
            share.reward_id = reward.pk
            all_shares.append(share)
    if all_shares:
        RewardShare.objects.bulk_create(all_shares)
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
    policies = list(RewardPolicy.objects.all())
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
                clawback = Clawback(
                    reward=reward, amount=reward.amount, reason=reason, created_by=actor
                )
                _stamp(clawback, actor, reason)
                clawback.save()
            return reward
        reward.void()
        reward.voided_at = timezone.now()
        reward.void_reason = reason
        _stamp(reward, actor, reason)
        reward.save()
    return reward
