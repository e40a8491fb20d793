"""The words of a reward's explanation, derived from the figures stored with it.

The computation stores the figures (basis, each tier's base × rate, caps, shares); the sentences
finance reads are made from them on display, so a batch of 10^5 rewards does not format 10^5
paragraphs and every explanation reads the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brokers.regions import region_name
from rewards.engine import ODD_FEN_RULE

BASIS_LABELS = {
    "technology_amount": gettext_noop("技术交易额"),
    "contract_amount": gettext_noop("合同成交额"),
    "received_amount": gettext_noop("实际到账金额"),
}


def _yuan(value: str | Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def _exact(value: str | Decimal) -> str:
    """An unrounded figure as it is (18,518.51835); whole fen with two places."""
    number = Decimal(value)
    if number == number.quantize(Decimal("0.01")):
        return f"{number:,.2f}"
    return f"{number.normalize():,f}"


def _pct(rate: str | Decimal) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


def explanation_text(explanation: dict[str, Any]) -> list[str]:
    """The explanation as sentences in the active language (the statement PDF asks for Chinese),
    in the order of the computation."""
    if not explanation:
        return []
    if explanation.get("needs_policy"):
        region = explanation.get("region", "")
        return [
            _(
                "%(region)s（%(code)s）在登记日 %(date)s 没有生效的奖励政策："
                "请财务或管理员添加政策，添加后将自动重新核算。"
            )
            % {
                "region": region_name(region),
                "code": region,
                "date": explanation.get("registered_on"),
            }
        ]
    lines: list[str] = []
    policy = explanation.get("policy", {})
    basis = explanation.get("basis", {})
    kind = basis.get("kind", "")
    label = _(BASIS_LABELS[kind]) if kind in BASIS_LABELS else kind
    lines.append(
        _("政策：%(name)s（%(region)s，%(start)s 起），登记日 %(date)s")
        % {
            "name": policy.get("name"),
            "region": region_name(policy.get("region", "")),
            "start": policy.get("effective_from"),
            "date": explanation.get("registered_on"),
        }
    )
    received = explanation.get("received")
    payment = explanation.get("payment")
    if received and payment:
        ids = _("、").join(f"#{i}" for i in received.get("payments", []))
        lines.append(
            _(
                "本笔到账 #%(id)s：%(date)s 到账 %(amount)s 元（银行流水号 %(reference)s）；"
                "按到账累计计奖，累计到账 %(cumulative)s 元（到账 %(ids)s）"
            )
            % {
                "id": payment["id"],
                "date": payment["received_on"],
                "amount": _yuan(payment["amount"]),
                "reference": payment["reference"],
                "cumulative": _yuan(received["cumulative"]),
                "ids": ids,
            }
        )
    computation = explanation.get("computation", {})
    for step in computation.get("steps", []):
        product = _("%(base)s 元 × %(rate)s = %(amount)s 元") % {
            "base": _yuan(step["base"]),
            "rate": _pct(step["rate"]),
            "amount": _exact(step["amount"]),
        }
        if step["kind"] == "flat":
            line = f"{label} {product}"
        elif step["kind"] == "slice":
            line = _("%(label)s %(low)s–%(high)s 元部分：%(product)s") % {
                "label": label,
                "low": _yuan(step["from"]),
                "high": _yuan(step["to"]),
                "product": product,
            }
        else:
            upper = step.get("bracket_up_to")
            bracket = _("≤ %(up_to)s 元档") % {"up_to": _yuan(upper)} if upper else _("最高档")
            line = _("%(label)s全额适用%(bracket)s：%(product)s") % {
                "label": label,
                "bracket": bracket,
                "product": product,
            }
        if step.get("tier_cap_applied"):
            line += _("，超过本档上限，按 %(cap)s 元") % {"cap": _yuan(step["tier_cap"])}
        lines.append(line)
    cap = explanation.get("cap_per_project", {})
    if cap.get("applied"):
        lines.append(_("超过单个项目上限，按 %(limit)s 元计") % {"limit": _yuan(cap.get("limit"))})
    lines.append(_("四舍五入到分：%(amount)s 元") % {"amount": _yuan(computation.get("amount"))})
    if received and payment:
        line = _(
            "累计到账应得 %(due)s 元，此前各笔已核算 %(granted)s 元，本笔奖励 %(partial)s 元"
        ) % {
            "due": _yuan(received["reward_on_cumulative"]),
            "granted": _yuan(received["already_granted"]),
            "partial": _yuan(received["partial"]),
        }
        if received.get("shortfall"):
            line += _("（已核算部分超出累计应得 %(shortfall)s 元，本笔记 0）") % {
                "shortfall": _yuan(received["shortfall"])
            }
        lines.append(line)
    for share in explanation.get("shares", []):
        template = (
            _("%(name)s（%(share)s%%，主办）：%(amount)s 元")
            if share.get("lead")
            else _("%(name)s（%(share)s%%）：%(amount)s 元")
        )
        line = template % {
            "name": share["name"],
            "share": share["share"],
            "amount": _yuan(share["allocated"]),
        }
        year_cap = share.get("year_cap")
        if year_cap and year_cap.get("applied"):
            line += _(
                "，本年度已得 %(already)s 元，受每人每年 %(limit)s 元上限限制，实发 %(paid)s 元"
            ) % {
                "already": _yuan(year_cap["already"]),
                "limit": _yuan(year_cap["limit"]),
                "paid": _yuan(share["amount"]),
            }
        lines.append(line)
    if len(explanation.get("shares", [])) > 1:
        lines.append(_(ODD_FEN_RULE))
    if explanation.get("total") != computation.get("amount"):
        lines.append(_("合计应发 %(total)s 元") % {"total": _yuan(explanation.get("total"))})
    return lines
