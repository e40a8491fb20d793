"""The words of a reward's explanation, derived from the figures stored with it.

The computation stores the figures (basis, each tier's base × rate, caps, shares); the sentences
finance reads are made from them on display, so a batch of 10^5 rewards does not format 10^5
paragraphs and every explanation reads the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from brokers.regions import region_name
from rewards.engine import ODD_FEN_RULE

BASIS_LABELS = {
    "technology_amount": "技术交易额",
    "contract_amount": "合同成交额",
    "received_amount": "实际到账金额",
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
    """The explanation as sentences (Chinese), in the order of the computation."""
    if not explanation:
        return []
    if explanation.get("needs_policy"):
        region = explanation.get("region", "")
        return [
            f"{region_name(region)}（{region}）在登记日 {explanation.get('registered_on')} "
            "没有生效的奖励政策：请财务或管理员添加政策，添加后将自动重新核算。"
        ]
    lines: list[str] = []
    policy = explanation.get("policy", {})
    basis = explanation.get("basis", {})
    label = BASIS_LABELS.get(basis.get("kind", ""), basis.get("kind", ""))
    lines.append(
        f"政策：{policy.get('name')}（{region_name(policy.get('region', ''))}，"
        f"{policy.get('effective_from')} 起），登记日 {explanation.get('registered_on')}"
    )
    received = explanation.get("received")
    payment = explanation.get("payment")
    if received and payment:
        ids = "、".join(f"#{i}" for i in received.get("payments", []))
        lines.append(
            f"本笔到账 #{payment['id']}：{payment['received_on']} 到账 {_yuan(payment['amount'])} 元"
            f"（银行流水号 {payment['reference']}）；按到账累计计奖，累计到账 "
            f"{_yuan(received['cumulative'])} 元（到账 {ids}）"
        )
    computation = explanation.get("computation", {})
    for step in computation.get("steps", []):
        product = f"{_yuan(step['base'])} 元 × {_pct(step['rate'])} = {_exact(step['amount'])} 元"
        if step["kind"] == "flat":
            line = f"{label} {product}"
        elif step["kind"] == "slice":
            line = f"{label} {_yuan(step['from'])}–{_yuan(step['to'])} 元部分：{product}"
        else:
            upper = step.get("bracket_up_to")
            bracket = f"≤ {_yuan(upper)} 元档" if upper else "最高档"
            line = f"{label}全额适用{bracket}：{product}"
        if step.get("tier_cap_applied"):
            line += f"，超过本档上限，按 {_yuan(step['tier_cap'])} 元"
        lines.append(line)
    cap = explanation.get("cap_per_project", {})
    if cap.get("applied"):
        lines.append(f"超过单个项目上限，按 {_yuan(cap.get('limit'))} 元计")
    lines.append(f"四舍五入到分：{_yuan(computation.get('amount'))} 元")
    if received and payment:
        line = (
            f"累计到账应得 {_yuan(received['reward_on_cumulative'])} 元，此前各笔已核算 "
            f"{_yuan(received['already_granted'])} 元，本笔奖励 {_yuan(received['partial'])} 元"
        )
        if received.get("shortfall"):
            line += f"（已核算部分超出累计应得 {_yuan(received['shortfall'])} 元，本笔记 0）"
        lines.append(line)
    for share in explanation.get("shares", []):
        line = (
            f"{share['name']}（{share['share']}%{'，主办' if share.get('lead') else ''}）："
            f"{_yuan(share['allocated'])} 元"
        )
        year_cap = share.get("year_cap")
        if year_cap and year_cap.get("applied"):
            line += (
                f"，本年度已得 {_yuan(year_cap['already'])} 元，受每人每年 "
                f"{_yuan(year_cap['limit'])} 元上限限制，实发 {_yuan(share['amount'])} 元"
            )
        lines.append(line)
    if len(explanation.get("shares", [])) > 1:
        lines.append(ODD_FEN_RULE)
    if explanation.get("total") != computation.get("amount"):
        lines.append(f"合计应发 {_yuan(explanation.get('total'))} 元")
    return lines
