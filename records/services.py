"""Writes of enterprises and institutions. Typing a known name or credit code finds the record
instead of creating a second one."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from brokers.models import User
from brokers.regions import resolve_region
from common.exceptions import ValidationFailed
from records import selectors
from records.credit_code import normalise_credit_code
from records.models import Enterprise, Institution


def _stamp(obj: Any, actor: User | None, reason: str) -> None:
    obj._history_user = actor if actor and actor.pk else None
    obj._change_reason = reason


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if "name" in out:
        out["name"] = selectors.normalise_name(out["name"])
        if not out["name"]:
            raise ValidationFailed(_("请填写单位名称。"))
    if "credit_code" in out:
        out["credit_code"] = normalise_credit_code(out["credit_code"])
    if out.get("region"):
        out["region"] = resolve_region(out["region"])
    return out


def _find_or_create(
    model: type[Enterprise] | type[Institution],
    find: Any,
    *,
    actor: User | None,
    name: str,
    credit_code: str = "",
    reason: str,
    **fields: Any,
) -> tuple[Any, bool]:
    cleaned = _clean({"name": name, "credit_code": credit_code, **fields})
    found = find(name=cleaned["name"], credit_code=cleaned["credit_code"])
    if found is not None:
        if cleaned["credit_code"] and found.credit_code not in ("", cleaned["credit_code"]):
            raise ValidationFailed(
                _("“%(name)s”已登记，统一社会信用代码为 %(code)s，与所填不一致，请核对。")
                % {"name": found.name, "code": found.credit_code}
            )
        # A credit code learnt later completes the record; nothing else is overwritten.
        if cleaned["credit_code"] and not found.credit_code:
            found.credit_code = cleaned["credit_code"]
            found.full_clean()
            _stamp(found, actor, _("补充统一社会信用代码"))
            found.save()
        return found, False
    record = model(created_by=actor if actor and actor.pk else None, **cleaned)
    record.full_clean(validate_constraints=False)
    _stamp(record, actor, reason)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # created by a parallel request a moment ago
        found = find(name=cleaned["name"], credit_code=cleaned["credit_code"])
        if found is None:
            raise
        return found, False
    return record, True


def enterprise_find_or_create(
    *, actor: User | None, name: str, credit_code: str = "", reason: str = "新建企业", **fields: Any
) -> Enterprise:
    record, _created = _find_or_create(
        Enterprise,
        selectors.enterprise_by_code_or_name,
        actor=actor,
        name=name,
        credit_code=credit_code,
        reason=reason,
        **fields,
    )
    return record


def institution_find_or_create(
    *, actor: User | None, name: str, credit_code: str = "", reason: str = "新建单位", **fields: Any
) -> Institution:
    record, _created = _find_or_create(
        Institution,
        selectors.institution_by_code_or_name,
        actor=actor,
        name=name,
        credit_code=credit_code,
        reason=reason,
        **fields,
    )
    return record


def enterprise_update(
    *, enterprise: Enterprise, actor: User, reason: str = "修改企业信息", **fields: Any
) -> Enterprise:
    cleaned = _clean(fields)
    for key, value in cleaned.items():
        setattr(enterprise, key, value)
    enterprise.full_clean()
    _stamp(enterprise, actor, reason)
    enterprise.save()
    return enterprise
