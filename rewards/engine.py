"""The reward computation, pure: policy terms + basis → amount with its explanation; exact shares.

No Django models here, so the arithmetic can be tested by hand and by hypothesis in isolation.
Rules (domain.md): Decimal throughout; caps applied to the exact amount; ONE rounding to 0.01 元
with ROUND_HALF_UP at the end; shares split so that the parts always sum to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext_noop

FEN = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")

FLAT = "flat"
BRACKET = "bracket"
MARGINAL = "marginal"
MODES = (FLAT, BRACKET, MARGINAL)

# Said in every explanation, so finance can defend the odd fen.
ODD_FEN_RULE = gettext_noop(
    "最大余额法：先按比例向下取整到分，剩余的分依次给小数部分最大的份额；"
    "小数部分相同时给分成比例较大者，再相同时给主办经纪人，再相同时给用户编号较小者。"
)


def money(value: Decimal) -> Decimal:
    """The one rounding: to 0.01 元, half up."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@dataclass(frozen=True)
class Tier:
    """A bracket or a slice: applies to the basis up to `up_to` (inclusive; None = no upper end)."""

    up_to: Decimal | None
    rate: Decimal
    cap: Decimal | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"up_to": fmt(self.up_to), "rate": fmt(self.rate), "cap": fmt(self.cap)}


@dataclass(frozen=True)
class Terms:
    """What a policy says about the amount of one project (the yearly cap is applied per person)."""

    mode: str = FLAT
    rate: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    cap_per_project: Decimal | None = None


def tiers_from_json(raw: Any) -> tuple[Tier, ...]:
    """Parse `[{"up_to": "30000000.00" | null, "rate": "0.005", "cap"?: "..."}]`."""
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise ValueError("tiers must be a list")
    tiers = []
    for item in raw:
        if not isinstance(item, dict) or "rate" not in item:
            raise ValueError("each tier needs a rate")
        up_to = item.get("up_to")
        cap = item.get("cap")
        try:
            tiers.append(
                Tier(
                    up_to=None if up_to in (None, "") else Decimal(str(up_to)),
                    rate=Decimal(str(item["rate"])),
                    cap=None if cap in (None, "") else Decimal(str(cap)),
                )
            )
        except ArithmeticError as exc:
            raise ValueError(f"not a decimal number in tier {item!r}") from exc
    return tuple(tiers)


def terms_errors(terms: Terms) -> list[str]:
    """Why these terms cannot be a policy (empty list: they can). Messages are for finance."""
    errors: list[str] = []
    if terms.mode not in MODES:
        return [f"计算方式应为 flat、bracket 或 marginal，而不是 {terms.mode!r}。"]
    if terms.cap_per_project is not None and terms.cap_per_project < 0:
        errors.append("单个项目上限不能为负数。")
    if terms.mode == FLAT:
        if terms.rate is None:
            errors.append("固定比例方式必须填写 rate（小数，例如 0.015 表示 1.5%）。")
        elif not ZERO <= terms.rate <= ONE:
            errors.append("rate 应在 0 到 1 之间（小数，例如 0.015 表示 1.5%）。")
        if terms.tiers:
            errors.append("固定比例方式不使用 tiers；分档请选择 bracket 或 marginal。")
        return errors
    if not terms.tiers:
        return [*errors, "分档方式必须填写 tiers（每档的上限 up_to 与比例 rate）。"]
    previous: Decimal | None = None
    for i, tier in enumerate(terms.tiers, start=1):
        if not ZERO <= tier.rate <= ONE:
            errors.append(f"第 {i} 档的 rate 应在 0 到 1 之间。")
        if tier.cap is not None and tier.cap < 0:
            errors.append(f"第 {i} 档的上限 cap 不能为负数。")
        last = i == len(terms.tiers)
        if tier.up_to is None and not last:
            errors.append(f"只有最后一档可以不设上限 up_to（第 {i} 档缺少 up_to）。")
        if last and tier.up_to is not None:
            errors.append("最后一档的 up_to 应为空（覆盖以上全部金额）。")
        if tier.up_to is not None:
            if tier.up_to <= 0 or (previous is not None and tier.up_to <= previous):
                errors.append(f"各档 up_to 必须为正且逐档递增（第 {i} 档）。")
            previous = tier.up_to
    if errors or terms.mode != BRACKET:
        return errors
    # A bracket policy pays the whole amount at its bracket's rate, so crossing a boundary can
    # pay less than just below it (0.5% up to 30M, 0.3% above: 30M pays 150,000, 30M + 1 pays
    # 90,000). Such a policy would punish a larger deal; refuse it and point at marginal tiers.
    for i in range(len(terms.tiers) - 1):
        low, high = terms.tiers[i], terms.tiers[i + 1]
        if low.up_to is None:
            raise RuntimeError("invariant: low.up_to is not None")
        top_of_low = _capped(low.up_to * low.rate, low.cap)
        start_of_high = _capped(low.up_to * high.rate, high.cap)
        if start_of_high < top_of_low:
            errors.append(
                f"全额分档在 {fmt(low.up_to)} 元处会使奖励下降（{fmt(money(top_of_low))} → "
                f"{fmt(money(start_of_high))}）：请调整比例或上限，或改用超额累进（marginal）。"
            )
    return errors


def _capped(value: Decimal, cap: Decimal | None) -> Decimal:
    return value if cap is None or value <= cap else cap


@dataclass
class Computation:
    basis: Decimal
    exact: Decimal  # before any cap, unrounded
    capped: Decimal  # after tier caps and the project cap, unrounded
    amount: Decimal  # rounded once
    steps: list[dict[str, Any]] = field(default_factory=list)
    project_cap_applied: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "basis": fmt(self.basis),
            "steps": self.steps,
            "before_caps": fmt(self.exact),
            "after_caps": fmt(self.capped),
            "amount": fmt(self.amount),
        }


def compute(terms: Terms, basis: Decimal) -> Computation:
    """The project's reward under `terms` for `basis` 元."""
    if basis < 0:
        raise ValueError("basis must not be negative")
    # Enough digits that no product or sum is rounded before the final quantize.
    with localcontext() as ctx:
        ctx.prec = 60
        steps: list[dict[str, Any]] = []
        if terms.mode == FLAT:
            if terms.rate is None:
                raise RuntimeError("invariant: terms.rate is not None")
            exact = basis * terms.rate
            steps.append(
                {"kind": "flat", "base": fmt(basis), "rate": fmt(terms.rate), "amount": fmt(exact)}
            )
            after_tiers = exact
        elif terms.mode == BRACKET:
            tier = next(t for t in terms.tiers if t.up_to is None or basis <= t.up_to)
            exact = basis * tier.rate
            after_tiers = _capped(exact, tier.cap)
            step: dict[str, Any] = {
                "kind": "bracket",
                "bracket_up_to": fmt(tier.up_to),
                "base": fmt(basis),
                "rate": fmt(tier.rate),
                "amount": fmt(exact),
            }
            if tier.cap is not None:
                step.update(tier_cap=fmt(tier.cap), tier_cap_applied=after_tiers != exact)
            steps.append(step)
        elif terms.mode == MARGINAL:
            exact = ZERO
            after_tiers = ZERO
            lower = ZERO
            for tier in terms.tiers:
                if basis <= lower:
                    break
                upper = basis if tier.up_to is None else min(basis, tier.up_to)
                slice_ = upper - lower
                part = slice_ * tier.rate
                capped_part = _capped(part, tier.cap)
                exact += part
                after_tiers += capped_part
                step = {
                    "kind": "slice",
                    "from": fmt(lower),
                    "to": fmt(upper),
                    "base": fmt(slice_),
                    "rate": fmt(tier.rate),
                    "amount": fmt(part),
                }
                if tier.cap is not None:
                    step.update(tier_cap=fmt(tier.cap), tier_cap_applied=capped_part != part)
                steps.append(step)
                if tier.up_to is None:
                    break
                lower = tier.up_to
        else:
            raise ValueError(f"unknown mode {terms.mode!r}")
        capped = _capped(after_tiers, terms.cap_per_project)
    return Computation(
        basis=basis,
        exact=exact,
        capped=capped,
        amount=money(capped),
        steps=steps,
        project_cap_applied=capped != after_tiers,
    )


class Part(NamedTuple):
    """One beneficiary: `share` is the agreed percentage (shares of a deal sum to 100)."""

    key: int
    share: Decimal
    lead: bool = False


@lru_cache(maxsize=1024)
def _weights(shares: tuple[Decimal, ...]) -> tuple[list[int], int]:
    """Integers only (shares scaled to whole units, amounts in fen): exact and fast. Cached: a
    batch splits 10^5 rewards among a handful of share patterns (100; 60/40; …)."""
    places = max(max(-int(share.as_tuple().exponent), 0) for share in shares)
    weights = [int(share.scaleb(places)) for share in shares]
    return weights, sum(weights)


def split(total: Decimal, parts: Sequence[Part]) -> list[Decimal]:
    """Split `total` (a whole number of fen) by the parts' shares; the result sums to `total`.

    Largest remainder: everyone gets the floor of their exact fen, then the fen left over go one
    each to the largest fractional remainders; ties go to the larger share, then to the lead
    broker, then to the smaller key. Deterministic, and no part ever differs from its exact
    value by a whole fen.
    """
    if total != money(total) or total < 0:
        raise ValueError("total must be a non-negative amount in whole fen")
    if not parts:
        raise ValueError("no beneficiaries")
    if any(p.share < 0 for p in parts):
        raise ValueError("shares must not be negative")
    weights, weight = _weights(tuple(p.share for p in parts))
    if weight <= 0:
        raise ValueError("shares must not all be zero")
    total_fen = int(total * 100)
    fen = []
    remainders = []
    for w in weights:
        whole, remainder = divmod(total_fen * w, weight)  # exact share = whole + remainder/weight
        fen.append(whole)
        remainders.append(remainder)
    left = total_fen - sum(fen)
    if left:
        order = sorted(
            range(len(parts)),
            key=lambda i: (-remainders[i], -parts[i].share, not parts[i].lead, parts[i].key),
        )
        for i in order[:left]:
            fen[i] += 1
    return [Decimal(f).scaleb(-2) for f in fen]


def cap_to_headroom(
    amounts: Sequence[Decimal], headroom: Sequence[Decimal | None]
) -> list[Decimal]:
    """Each person's part cut to what their yearly cap still allows (None: no cap).

    What one person cannot receive is not handed to the co-brokers: their shares were agreed, and
    the policy funds each person up to the cap, not the project.
    """
    out = []
    for amount, room in zip(amounts, headroom, strict=True):
        if room is None:
            out.append(amount)
        else:
            out.append(min(amount, max(room, ZERO)))
    return out
