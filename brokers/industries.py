"""Industry classification: the national strategic emerging industries catalogue, two levels.

The table follows 《战略性新兴产业分类（2018）》 (国家统计局令第 23 号): its nine sectors (code
"1" … "9") and their second-level groups ("1.1" … "9.2"), with the catalogue's own codes and
Chinese names. No package on the index ships this catalogue, so it is written here once, from the
published standard, and a test checks its shape (nine sectors, codes nested under their sector,
unique codes and labels). Codes are stable: records keep them when labels are translated.

A need or achievement carries either level; the API takes a code or the exact Chinese label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.exceptions import ValidationFailed

STANDARD = "战略性新兴产业分类（2018）"

# (code, Chinese label), sector first then its groups; labels are translated when shown.
_CATALOGUE: list[tuple[str, str]] = [
    ("1", gettext_noop("新一代信息技术产业")),
    ("1.1", gettext_noop("下一代信息网络产业")),
    ("1.2", gettext_noop("电子核心产业")),
    ("1.3", gettext_noop("新兴软件和新型信息技术服务")),
    ("1.4", gettext_noop("互联网与云计算、大数据服务")),
    ("1.5", gettext_noop("人工智能")),
    ("2", gettext_noop("高端装备制造产业")),
    ("2.1", gettext_noop("智能制造装备产业")),
    ("2.2", gettext_noop("航空装备产业")),
    ("2.3", gettext_noop("卫星及应用产业")),
    ("2.4", gettext_noop("轨道交通装备产业")),
    ("2.5", gettext_noop("海洋工程装备产业")),
    ("3", gettext_noop("新材料产业")),
    ("3.1", gettext_noop("先进钢铁材料")),
    ("3.2", gettext_noop("先进有色金属材料")),
    ("3.3", gettext_noop("先进石化化工新材料")),
    ("3.4", gettext_noop("先进无机非金属材料")),
    ("3.5", gettext_noop("高性能纤维及制品和复合材料")),
    ("3.6", gettext_noop("前沿新材料")),
    ("3.7", gettext_noop("新材料相关服务")),
    ("4", gettext_noop("生物产业")),
    ("4.1", gettext_noop("生物医药产业")),
    ("4.2", gettext_noop("生物医学工程产业")),
    ("4.3", gettext_noop("生物农业及相关产业")),
    ("4.4", gettext_noop("生物质能产业")),
    ("4.5", gettext_noop("其他生物业")),
    ("5", gettext_noop("新能源汽车产业")),
    ("5.1", gettext_noop("新能源汽车整车制造")),
    ("5.2", gettext_noop("新能源汽车装置、配件制造")),
    ("5.3", gettext_noop("新能源汽车相关设施制造")),
    ("5.4", gettext_noop("新能源汽车相关服务")),
    ("6", gettext_noop("新能源产业")),
    ("6.1", gettext_noop("核电产业")),
    ("6.2", gettext_noop("风能产业")),
    ("6.3", gettext_noop("太阳能产业")),
    ("6.4", gettext_noop("生物质能及其他新能源产业")),
    ("6.5", gettext_noop("智能电网产业")),
    ("7", gettext_noop("节能环保产业")),
    ("7.1", gettext_noop("高效节能产业")),
    ("7.2", gettext_noop("先进环保产业")),
    ("7.3", gettext_noop("资源循环利用产业")),
    ("8", gettext_noop("数字创意产业")),
    ("8.1", gettext_noop("数字创意技术设备制造")),
    ("8.2", gettext_noop("数字文化创意活动")),
    ("8.3", gettext_noop("设计服务")),
    ("8.4", gettext_noop("数字创意与融合服务")),
    ("9", gettext_noop("相关服务业")),
    ("9.1", gettext_noop("新技术与创新创业服务")),
    ("9.2", gettext_noop("其他相关服务")),
]

# The nine codes (and their labels) DealDesk used before the catalogue, kept so that old
# spreadsheets still import: each goes to the sector or group that holds it.
LEGACY_CODES: dict[str, str] = {
    "manufacturing": "2",
    "new_materials": "3",
    "electronics": "1",
    "biomedicine": "4.1",
    "new_energy": "6",
    "environment": "7",
    "chemicals": "3.3",
    "agriculture": "4.3",
    "other": "9",
    "高端装备制造": "2",
    "新材料": "3",
    "电子信息": "1",
    "生物医药": "4.1",
    "新能源": "6",
    "节能环保": "7",
    "化工": "3.3",
    "现代农业": "4.3",
    "其他": "9",
}


@dataclass(frozen=True)
class Industry:
    code: str
    label: str
    sector: str  # the first-level code ("2" for "2.5")


@cache
def _by_code() -> dict[str, Industry]:
    return {code: Industry(code, label, code.split(".")[0]) for code, label in _CATALOGUE}


def industry_all() -> list[Industry]:
    return list(_by_code().values())


def industry_get(code: str) -> Industry | None:
    return _by_code().get(code)


def industry_label(code: str) -> str:
    """The label in the active language; the code itself when it is not in the catalogue."""
    industry = _by_code().get(code)
    return _(industry.label) if industry else code


def industry_choices() -> list[tuple[str, str]]:
    """Flat (code, Chinese label) pairs for model fields and filters, sector before its groups."""
    return list(_CATALOGUE)


def industry_grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """For a <select>: one group per sector, the sector itself first ("全部…")."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for code, label in _CATALOGUE:
        if "." not in code:
            whole = _("%(sector)s（整体）") % {"sector": _(label)}
            groups.append((_(label), [(code, f"{code} {whole}")]))
        else:
            groups[-1][1].append((code, f"{code} {_(label)}"))
    return groups


def resolve_industry(value: str) -> str:
    """A catalogue code, its exact Chinese label, or one of the old codes → the catalogue code."""
    value = (value or "").strip()
    if value in _by_code():
        return value
    if value in LEGACY_CODES:
        return LEGACY_CODES[value]
    for code, label in _CATALOGUE:
        if value in (label, _(label)):
            return code
    raise ValidationFailed(
        _(
            "行业“%(value)s”不在《%(standard)s》中：请填写代码（如 2.5）或准确的名称（如“海洋工程装备产业”）。"
        )
        % {"value": value[:50], "standard": STANDARD}
    )
