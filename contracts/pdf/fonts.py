"""Refuse to render without the CJK fonts: WeasyPrint would silently print empty boxes."""

from __future__ import annotations

import shutil
import subprocess
import time

from django.utils.translation import gettext as _

# fontconfig's answer, per family tuple, for a minute: a font installed while a worker runs is
# picked up, and a render does not pay a subprocess each time.
_CACHE: dict[tuple[str, ...], tuple[float, frozenset[str]]] = {}
_TTL = 60.0


class FontMissing(Exception):
    pass


def _installed_cjk_families() -> frozenset[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontMissing(
            _(
                "找不到 fontconfig（fc-list），无法确认中文字体；"
                "请安装 fontconfig 和 fonts-noto-cjk。"
            )
        )
    out = subprocess.run(  # noqa: S603 -- fc-list found on PATH, fixed arguments
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
    ).stdout
    families: set[str] = set()
    for line in out.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return frozenset(families)


def check_cjk_fonts(families: list[str]) -> None:
    """Raise FontMissing naming the missing families unless fontconfig knows them all for zh."""
    key = tuple(families)
    now = time.monotonic()
    cached = _CACHE.get(key)
    if cached is None or now - cached[0] > _TTL:
        cached = (now, _installed_cjk_families())
        _CACHE[key] = cached
    missing = [family for family in families if family not in cached[1]]
    if missing:
        raise FontMissing(
            _(
                "缺少中文字体 %(fonts)s，无法生成合同 PDF（否则中文会显示为空白方框）。"
                "请在服务器上安装 fonts-noto-cjk 并执行 fc-cache -f，然后重新生成。"
            )
            % {"fonts": _("、").join(missing)}
        )
