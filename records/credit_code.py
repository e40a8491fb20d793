"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a
check character computed from the first 17 (weights 3^i mod 31 over a 31-letter alphabet)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.exceptions import ValidationFailed

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, …


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """Upper case, no spaces; "" stays "". Raises ValidationFailed for anything not a valid code."""
    code = "".join((value or "").split()).upper()
    if not code:
        return ""
    if len(code) != 18:
        raise ValidationFailed(
            _("统一社会信用代码应为 18 位（现为 %(n)d 位），请核对营业执照。") % {"n": len(code)}
        )
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise ValidationFailed(
            _("统一社会信用代码含有不允许的字符“%(chars)s”（不使用 I、O、S、V、Z），请核对。")
            % {"chars": "".join(bad)[:10]}
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationFailed(
            _("统一社会信用代码 %(code)s 的校验位不正确，请核对是否抄错。") % {"code": code}
        )
    return code
