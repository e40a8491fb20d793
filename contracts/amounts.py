"""Amounts in Chinese capitals (大写金额), as written on contracts and invoices.

Our own implementation, checked against cn2an and hand-written values in the tests: contracts
need the accounting conventions exactly (a zero between digits is read once as 零, 壹拾 keeps its
壹, an amount without jiao/fen ends in 整, jiao without fen does not take 整).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]
CENT = Decimal("0.01")


def _four(n: int) -> str:
    """0 < n < 10000, with inner zeros read once and no leading/trailing 零."""
    out = ""
    zero = False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL_UNITS[pos]
    return out


def _integer(n: int) -> str:
    if n == 0:
        return ""
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(BIG_UNITS):
        raise ValueError("amount too large for Chinese capitals")
    out = ""
    pending_zero = False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        if g == 0:
            pending_zero = bool(out)
            continue
        # A group below 1000 after a higher group needs a 零 (壹万零伍佰); so does a skipped group.
        if out and (pending_zero or g < 1000):
            out += "零"
        out += _four(g) + BIG_UNITS[idx]
        pending_zero = False
    return out


def amount_in_words(value: Decimal) -> str:
    """1234567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分; 100000 → 壹拾万元整; 0 → 零元整."""
    value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        return "负" + amount_in_words(-value)
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = _integer(yuan)
    if words:
        words += "元"
    if jiao == 0 and fen == 0:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif words:
        words += "零"  # 壹拾元零伍分
    if fen:
        words += DIGITS[fen] + "分"
    return words


def amount_in_figures(value: Decimal) -> str:
    """1234567.89 → ¥1,234,567.89"""
    return f"¥{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
