"""What a statistics request covers: a period of calendar days in Asia/Shanghai, one
organisation or all (admins only), a region (a province or city code covers the districts
below it). Bad parameters are a 400 that says what to write; another organisation is a 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from brokers.models import Organisation, User
from brokers.regions import CITY, PROVINCE, region_get, resolve_region
from common.dates import check_plausible
from common.exceptions import ValidationFailed
from stats.permissions import may_see_stats

TZ = ZoneInfo("Asia/Shanghai")
MAX_MONTHS = 120  # ten years of monthly columns is plenty for one request


@dataclass(frozen=True)
class Month:
    label: str  # "2026-03"
    start: dt.datetime  # aware, 00:00 Asia/Shanghai on the first (or the period's start)
    end: dt.datetime  # exclusive
    first_day: dt.date
    last_day: dt.date  # inclusive


@dataclass(frozen=True)
class Scope:
    start: dt.date
    end: dt.date  # inclusive
    organisation: Organisation | None  # None: every organisation (admins only)
    region: str  # "" or a 6-digit code
    region_prefix: str  # the code's significant digits: "33", "3302" or "330211"

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, TZ)

    @property
    def until(self) -> dt.datetime:
        """Exclusive: midnight after the last day, Shanghai time."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, TZ)

    def months(self) -> list[Month]:
        found = []
        first = self.start.replace(day=1)
        while first <= self.end:
            following = (first + dt.timedelta(days=32)).replace(day=1)
            lo, hi = max(first, self.start), min(following - dt.timedelta(days=1), self.end)
            found.append(
                Month(
                    label=f"{first:%Y-%m}",
                    start=dt.datetime.combine(lo, dt.time.min, TZ),
                    end=dt.datetime.combine(hi + dt.timedelta(days=1), dt.time.min, TZ),
                    first_day=lo,
                    last_day=hi,
                )
            )
            first = following
        return found

    def as_params(self) -> dict[str, str]:
        """The query string that asks for this scope again (links, exports, CSV downloads)."""
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.region:
            params["region"] = self.region
        if self.organisation is not None:
            params["organisation"] = str(self.organisation.pk)
        return params


def region_prefix(code: str) -> str:
    region = region_get(code)
    if region is None:
        return code
    if region.level == PROVINCE:
        return code[:2]
    if region.level == CITY:
        return code[:4]
    return code


def _date(params: Mapping[str, str], name: str, default: dt.date) -> dt.date:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(
            _("%(name)s 应为日期 YYYY-MM-DD，例如 2026-03-31；收到“%(raw)s”。")
            % {"name": name, "raw": raw[:40]},
            code="invalid_date",
        ) from exc
    check_plausible(value, name)
    return value


def _organisation(user: User, raw: str) -> Organisation | None:
    """Admins: any organisation, or all when none is named. Everyone else: their own; naming
    another one is a 404, as for any object they may not see."""
    raw = raw.strip()
    if not raw:
        return None if user.is_admin else user.organisation
    found = (
        Organisation.objects.filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 12
        else Organisation.objects.filter(name=raw).first()
    )
    if found is None:
        raise Http404
    if not user.is_admin and found.pk != user.organisation_id:
        raise Http404
    return found


class ScopeInvalid(ValidationFailed):
    """A scope parameter that cannot be used; `field` names it (`from`, `to`, `region`), so a page
    can show the message at that input."""

    def __init__(self, field: str, error: ValidationFailed):
        super().__init__(error.message, code=error.code, blockers=error.blockers)
        self.field = field


def scope_from_params(user: User, params: Mapping[str, str]) -> Scope:
    """The scope these parameters ask for. Raises ScopeInvalid (a ValidationFailed) naming the
    parameter at fault."""
    may_see_stats.require(user)
    today = timezone.localdate()
    try:
        start = _date(params, "from", today.replace(month=1, day=1))
    except ValidationFailed as exc:
        raise ScopeInvalid("from", exc) from exc
    try:
        end = _date(params, "to", today)
    except ValidationFailed as exc:
        raise ScopeInvalid("to", exc) from exc
    if start > end:
        raise ScopeInvalid(
            "to",
            ValidationFailed(
                _("from（%(start)s）不能晚于 to（%(end)s）。") % {"start": start, "end": end},
                code="invalid_period",
            ),
        )
    if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
        raise ScopeInvalid(
            "from",
            ValidationFailed(
                _("统计区间最长 %(n)s 个月：请缩短 from 与 to 之间的区间。") % {"n": MAX_MONTHS},
                code="period_too_long",
            ),
        )
    region = ""
    if (params.get("region") or "").strip():
        try:
            region = resolve_region(params["region"])
        except ValidationFailed as exc:
            raise ScopeInvalid("region", exc) from exc
    organisation = _organisation(user, params.get("organisation") or "")
    return Scope(
        start=start,
        end=end,
        organisation=organisation,
        region=region,
        region_prefix=region_prefix(region) if region else "",
    )
