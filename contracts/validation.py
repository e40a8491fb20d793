"""Checks of contract input that the services share. Each failure is a ValidationFailed (400)
whose message names the field and says what to write instead."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from common.dates import check_plausible
from common.exceptions import ValidationFailed
from contracts.clauses import PATENT_FIELDS, clause_keys
from contracts.models import SUBTYPES, ContractType, PaymentMode

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")
PARTY_FIELDS = (
    "name",
    "credit_code",
    "address",
    "representative",
    "contact",
    "phone",
    "bank_account",
)
PARTY_REQUIRED = ("name", "address", "representative")
# GB 32100-2015 unified social credit code: 18 characters, no I, O, S, V, Z.
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MAX_CLAUSE_CHARS = 8000


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", code="invalid_" + field.split(".")[0])


def money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise _fail(field, _('金额应为数字（元），例如 "1234567.89"。')) from exc
    if not amount.is_finite():
        raise _fail(field, _('金额应为数字（元），例如 "1234567.89"。'))
    if amount < 0:
        raise _fail(field, _("金额不能为负数。"))
    if amount != amount.quantize(CENT):
        raise _fail(field, _("金额最多两位小数（精确到分）。"))
    if amount > MAX_AMOUNT:
        raise _fail(field, _("金额过大。"))
    return amount.quantize(CENT)


def date(value: Any, field: str) -> dt.date:
    """An ISO date within the plausible range (1949–2100)."""
    if isinstance(value, dt.datetime):
        return check_plausible(value.date(), field)
    if isinstance(value, dt.date):
        return check_plausible(value, field)
    try:
        parsed = dt.date.fromisoformat(str(value).strip())
    except (ValueError, TypeError) as exc:
        raise _fail(field, _("日期格式应为 YYYY-MM-DD，例如 2026-03-01。")) from exc
    return check_plausible(parsed, field)


def text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(field, _("应为文本。"))
    value = value.strip()
    if required and not value:
        raise _fail(field, _("不能为空。"))
    if len(value) > max_length:
        raise _fail(field, _("最多 %(n)d 个字符。") % {"n": max_length})
    return value


def party(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(field, _("应为对象：name、credit_code、address、representative 等。"))
    unknown = sorted(set(value) - set(PARTY_FIELDS))
    if unknown:
        raise _fail(
            field,
            _("未知字段 %(unknown)s；可用字段：%(known)s。")
            % {"unknown": _("、").join(unknown)[:200], "known": _("、").join(PARTY_FIELDS)},
        )
    out: dict[str, str] = {}
    for key in PARTY_FIELDS:
        out[key] = text(
            value.get(key), f"{field}.{key}", max_length=200, required=key in PARTY_REQUIRED
        )
    if out["credit_code"]:
        out["credit_code"] = out["credit_code"].upper()
        if not CREDIT_CODE.match(out["credit_code"]):
            raise _fail(
                f"{field}.credit_code",
                _("统一社会信用代码应为 18 位（数字和大写字母，不含 I、O、S、V、Z）。"),
            )
    return out


def type_and_subtype(contract_type: Any, subtype: Any) -> tuple[str, str]:
    if contract_type not in ContractType.values:
        raise _fail(
            "contract_type",
            _("合同类型应为：%(types)s。") % {"types": _("、").join(ContractType.values)},
        )
    kinds = SUBTYPES[contract_type]
    if subtype not in kinds:
        raise _fail(
            "subtype",
            _("%(type)s合同的子类应为：%(kinds)s。")
            % {
                "type": ContractType(contract_type).label,
                "kinds": _("、").join(f"{k}（{v}）" for k, v in kinds.items()),
            },
        )
    return contract_type, subtype


def clauses(value: Any, contract_type: str) -> dict[str, str | None]:
    """The articles given ({key: text}); a None text means "back to the model text"."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise _fail("clauses", _("应为对象：{条款键: 条款文本}。"))
    known = clause_keys(contract_type)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise _fail(
            "clauses",
            _("该类型合同没有条款 %(unknown)s；可用条款：%(known)s。")
            % {"unknown": _("、").join(map(str, unknown))[:200], "known": _("、").join(known)},
        )
    return {
        key: None
        if value[key] is None
        else text(value[key], f"clauses.{key}", max_length=MAX_CLAUSE_CHARS, required=False)
        for key in known
        if key in value
    }


def patent(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise _fail("patent", _("应为对象：number、title、holder 等。"))
    known = [key for key, _label in PATENT_FIELDS]
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise _fail(
            "patent",
            _("未知字段 %(unknown)s；可用字段：%(known)s。")
            % {"unknown": _("、").join(map(str, unknown))[:200], "known": _("、").join(known)},
        )
    out = {}
    for key in known:
        if key not in value:
            continue
        if key.endswith("_on") or key.endswith("_until"):
            out[key] = date(value[key], f"patent.{key}").isoformat() if value[key] else ""
        else:
            out[key] = text(value[key], f"patent.{key}", max_length=300, required=False)
    return out


def payment(mode: Any, schedule: Any, amount: Decimal) -> tuple[str, list[dict[str, str]]]:
    if mode not in PaymentMode.values:
        raise _fail(
            "payment_mode",
            _("支付方式应为：%(modes)s。") % {"modes": _("、").join(PaymentMode.values)},
        )
    if schedule in (None, ""):
        schedule = []
    if not isinstance(schedule, list):
        raise _fail("payment_schedule", _("应为列表：[{due_on, amount, note}]。"))
    rows = []
    total = Decimal(0)
    for i, row in enumerate(schedule, start=1):
        if not isinstance(row, dict):
            raise _fail("payment_schedule", _("第 %(i)d 期应为对象。") % {"i": i})
        row_amount = money(row.get("amount"), f"payment_schedule[{i}].amount")
        due_on = date(row.get("due_on"), f"payment_schedule[{i}].due_on")
        note = text(row.get("note"), f"payment_schedule[{i}].note", max_length=300, required=False)
        total += row_amount
        rows.append({"due_on": due_on.isoformat(), "amount": str(row_amount), "note": note})
    if rows and total != amount:
        raise _fail(
            "payment_schedule",
            _("各期金额合计 %(total)s 元，应等于成交额 %(amount)s 元。")
            % {"total": total, "amount": amount},
        )
    if mode == PaymentMode.INSTALMENTS and not rows:
        raise _fail("payment_schedule", _("分期支付请填写各期的日期和金额。"))
    return mode, rows


def amounts(amount: Decimal, technology_amount: Decimal) -> None:
    if technology_amount > amount:
        raise ValidationFailed(
            _("technology_amount: 技术交易额（%(tech)s 元）不能大于成交额（%(amount)s 元）。")
            % {"tech": technology_amount, "amount": amount},
            code="technology_amount_exceeds_amount",
        )


def validity(valid_from: dt.date, valid_to: dt.date) -> None:
    if valid_to < valid_from:
        raise ValidationFailed(
            _("valid_to: 有效期截止日（%(to)s）不能早于起始日（%(from)s）。")
            % {"to": valid_to, "from": valid_from},
            code="invalid_validity",
        )


def registration_number(value: Any) -> str:
    number = text(value, "registration_number", max_length=20)
    lengths = sorted(settings.CONTRACT_REGISTRATION_NUMBER_LENGTHS)
    if not number.isascii() or not number.isdigit() or len(number) not in lengths:
        raise ValidationFailed(
            _(
                "registration_number: 登记编号应为 %(lengths)s 位数字（由登记机构出具），"
                "收到的是“%(value)s”。"
            )
            % {"lengths": " 或 ".join(map(str, lengths)), "value": number[:30]},
            code="invalid_registration_number",
        )
    return number
