"""Policies: validating a region's reward rules and recording them (finance and admins).

A policy's terms are frozen once a reward was computed under them; closing its period or
renaming it stays possible. Adding or changing a policy retries, after commit, every reward
still waiting for one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brokers.models import User
from brokers.regions import resolve_region
from common.dates import check_plausible
from common.history import stamp
from common.tasks import enqueue_on_commit
from rewards import engine
from rewards.exceptions import NotFinance, PolicyInUse, PolicyInvalid, PolicyOverlap
from rewards.models import Basis, RewardPolicy, RewardStatus, TierMode
from rewards.permissions import may_write_policy


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
        raise PolicyInvalid(
            _("计奖基数应为 technology_amount、contract_amount 或 received_amount。")
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


def _require_policy_writer(actor: User | None) -> None:
    # None is the system (the demo loader, a command): no person to check.
    if actor is not None and not may_write_policy(actor):
        raise NotFinance.default()


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
    _require_policy_writer(actor)
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
        stamp(policy, actor, reason or gettext_noop("新增奖励政策"))
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
        raise PolicyInvalid(_("未知字段：%(f)s") % {"f": _("、").join(sorted(unknown))})
    used = policy.rewards.exclude(status=RewardStatus.VOID)
    current = {name: getattr(policy, name) for name in POLICY_FIELDS}
    changed = {k for k, v in changes.items() if v != current[k]}
    locked = changed - POLICY_FIELDS_ALWAYS_EDITABLE
    if locked and used.exists():
        raise PolicyInUse(
            _("已有奖励按此政策核算，不能修改 %(fields)s；请设置失效日期并新增一条政策。")
            % {"fields": _("、").join(sorted(locked))}
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
    _require_policy_writer(actor)
    with transaction.atomic():
        policy = RewardPolicy.objects.select_for_update().get(pk=policy_id)
        data = _update_input(policy, changes)
        for key, value in data.__dict__.items():
            setattr(policy, key, value)
        stamp(policy, actor, reason or gettext_noop("修改奖励政策"))
        policy.save()
        _schedule_pending_recompute(actor)
    return policy


def _schedule_pending_recompute(actor: User | None) -> None:
    # A lost send is recovered by `sweep_registered_deals`, which retries pending rewards too.
    from rewards.tasks import recompute_pending_rewards

    enqueue_on_commit(recompute_pending_rewards, actor_id=actor.pk if actor else None)
