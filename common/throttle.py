"""A per-address limit for the public doors (submissions, challenge proposals): at most N posts
per window from one address, counted in the cache (shared by the processes when CACHE_URL names
a Redis) in buckets of a sixtieth of the window: a post is forgotten 59–60 minutes later.

The clock is a parameter (`clock`, seconds since the epoch): tests hand in one they move, and
the default reads `time.time` when called (so time-travel libraries reach it too). Pages and the
API ask the same limiter; over the limit the API answers 429 `rate_limited` with a Chinese message
(`RateLimited`), a page shows the same message with status 429.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from common.exceptions import DomainError
from common.middleware import client_ip

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/hour" → (10, 3600). Raises ValueError on anything else (a settings typo fails loudly)."""
    count, _sep, unit = rate.partition("/")
    number = "".join(ch for ch in unit if ch.isdigit()) or "1"
    name = unit.lstrip("0123456789")
    return int(count), int(number) * _UNITS[name]


def _now() -> float:
    return time.time()


class AddressRateLimit:
    """`scope` names the counter; `rate` is "N/period" or the name of a setting holding one."""

    def __init__(
        self,
        scope: str,
        *,
        rate: str,
        default: str = "10/hour",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.scope = scope
        self.rate = rate
        self.default = default
        self.clock = clock or _now

    def _limit(self) -> tuple[int, int]:
        raw = getattr(settings, self.rate, None) if self.rate.isupper() else self.rate
        return parse_rate(raw or self.default)

    def hit(self, request: HttpRequest) -> bool:
        """Count this request; False when the address has used up its allowance (not counted).

        The window is kept as 60 buckets (one minute each for an hour), each an atomic counter in
        the cache: a request first increments its bucket, then sums the window, so parallel posts
        from one address can never all slip under the limit between a read and a write."""
        allowed, window = self._limit()
        step = max(1, window // 60)
        current = int(self.clock() // step)
        prefix = f"ratelimit:{self.scope}:{client_ip(request) or 'unknown'}:"
        key = f"{prefix}{current}"
        cache.add(key, 0, window + step)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window + step)
        buckets = [f"{prefix}{i}" for i in range(current - window // step + 1, current + 1)]
        if sum(cache.get_many(buckets).values()) > allowed:
            with contextlib.suppress(ValueError):  # the bucket may just have expired
                cache.decr(key)  # a refused post does not use up the allowance
            return False
        return True

    def message(self) -> str:
        allowed, window = self._limit()
        if window % 86400 == 0:
            period = _("%(n)d 天") % {"n": window // 86400}
        elif window % 3600 == 0:
            period = _("%(n)d 小时") % {"n": window // 3600}
        elif window % 60 == 0:
            period = _("%(n)d 分钟") % {"n": window // 60}
        else:
            period = _("%(n)d 秒") % {"n": window}
        return _("提交过于频繁：同一网络地址每 %(period)s最多提交 %(n)d 次，请稍后再试。") % {
            "period": period,
            "n": allowed,
        }

    def check(self, request: HttpRequest) -> None:
        """Raise RateLimited (429) when over the limit."""
        if not self.hit(request):
            raise RateLimited(self.message())
