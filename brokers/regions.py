"""Administrative region codes (GB/T 2260, 6 digits: province 2, city 2, district 2).

Only the hierarchy rule is needed to match reward policies (a city or province code covers the
districts below it); the name table serves `region` given as a name in the API and the demo data.
It holds the regions DealDesk's users work in today; extend it as organisations join.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from common.exceptions import ValidationFailed

REGION_NAMES: dict[str, str] = {
    "110000": "北京市",
    "110108": "北京市海淀区",
    "310000": "上海市",
    "310115": "上海市浦东新区",
    "320000": "江苏省",
    "320100": "南京市",
    "320102": "南京市玄武区",
    "320113": "南京市栖霞区",
    "320500": "苏州市",
    "320505": "苏州市虎丘区",
    "330000": "浙江省",
    "330100": "杭州市",
    "330106": "杭州市西湖区",
    "330110": "杭州市余杭区",
    "330200": "宁波市",
    "330211": "宁波市镇海区",
    "330212": "宁波市鄞州区",
    "330213": "宁波市奉化区",
    "330500": "湖州市",
    "330521": "湖州市德清县",
    "350000": "福建省",
    "350100": "福州市",
    "350181": "福州市福清市",
    "440000": "广东省",
    "440300": "深圳市",
    "440305": "深圳市南山区",
    "620000": "甘肃省",
    "620100": "兰州市",
    "620102": "兰州市城关区",
}

_CODE = re.compile(r"^\d{6}$")


def resolve_region(value: str) -> str:
    """A 6-digit code as given, or the code of a known region name ("镇海区", "宁波市镇海区")."""
    value = (value or "").strip()
    if _CODE.match(value):
        return value
    for code, name in REGION_NAMES.items():
        if value and (name == value or name.endswith(value)):
            return code
    raise ValidationFailed(
        _("无法识别地区“%(value)s”：请填写 6 位行政区划代码，例如 330211。") % {"value": value[:50]}
    )


def region_name(code: str) -> str:
    return REGION_NAMES.get(code, code)


def region_ancestors(code: str) -> list[str]:
    """The code itself, then its city and province codes: most specific first, no duplicates."""
    if not _CODE.match(code or ""):
        return []
    chain = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(chain))
