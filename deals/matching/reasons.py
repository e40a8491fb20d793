"""Turn a hit's facts into the sentences a broker reads next to a candidate."""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.translation import gettext as _

from brokers.industries import industry_label
from deals.matching.engine import SEMANTIC_FLOOR, Hit

MAX_TERMS = 5


def wan(amount: float | Decimal) -> str:
    """Money as brokers quote it: 万元 with up to two decimals."""
    value = Decimal(str(amount)) / Decimal(10000)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return _("%(n)s 万元") % {"n": text}


def readable_terms(terms: list[str], limit: int = MAX_TERMS) -> list[str]:
    """The search tokenizer also emits the parts of compound words (激光雷达 → 激光, 雷达); a
    broker wants the compound once: drop a term contained in another shared term."""
    pool = terms[: limit * 3]
    kept = [t for t in pool if not any(t != other and t in other for other in pool)]
    return kept[:limit]


def explain(
    hit: Hit, *, industry: str, asking: Decimal | None, budget: Decimal | None
) -> list[str]:
    """`industry` is the ranked document's; `asking` and `budget` come from either side."""
    reasons: list[str] = []
    if hit.shared_terms:
        terms = readable_terms(hit.shared_terms)
        reasons.append(_("共同关键词：%(terms)s") % {"terms": _("、").join(terms)})
    if hit.bridged:
        pairs = [f"{word}→{near}" for word, near in hit.bridged[:MAX_TERMS]]
        reasons.append(_("近义词：%(pairs)s") % {"pairs": _("、").join(pairs)})
    if hit.semantic is not None and hit.meaning >= SEMANTIC_FLOOR:
        reasons.append(
            _("语义相近：高于本库平均 %(z)s 个标准差（句向量余弦 %(score)s）")
            % {"score": f"{hit.semantic:.2f}", "z": f"{hit.meaning_z:.1f}"}
        )
    elif not hit.shared_terms and not hit.bridged:
        reasons.append(_("无共同关键词，仅按行业、价格、地区排序"))
    if hit.industry_same is True:
        reasons.append(_("同一技术领域：%(industry)s") % {"industry": industry_label(industry)})
    elif hit.industry_same is False:
        reasons.append(_("注意：技术领域不同"))
    if hit.price_ratio is not None and asking is not None and budget is not None:
        ratio = hit.price_ratio
        amounts = {"asking": wan(asking), "budget": wan(budget)}
        if ratio <= 1:
            reasons.append(_("报价在预算内（报价 %(asking)s，预算 %(budget)s）") % amounts)
        elif math.isfinite(ratio):
            amounts["pct"] = str(round((ratio - 1) * 100))
            reasons.append(
                _("注意：报价超出预算 %(pct)s%%（报价 %(asking)s，预算 %(budget)s）") % amounts
            )
        else:
            reasons.append(_("注意：预算为零，报价需另行商议"))
    if hit.maturity:
        if hit.maturity >= 7:
            reasons.append(_("技术成熟度 %(m)d 级，已可试生产或产业化") % {"m": hit.maturity})
        elif hit.maturity >= 5:
            reasons.append(_("技术成熟度 %(m)d 级，需中试放大") % {"m": hit.maturity})
        else:
            reasons.append(_("注意：技术成熟度 %(m)d 级，尚处实验室阶段") % {"m": hit.maturity})
    if hit.region_level == "district":
        reasons.append(_("同一区县"))
    elif hit.region_level == "city":
        reasons.append(_("同一城市"))
    elif hit.region_level == "province":
        reasons.append(_("同一省份"))
    return reasons
