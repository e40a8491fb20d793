"""The shape of a permission rule: a named predicate that also says, in words, why it said no.

Each app's `permissions.py` declares its rules with `@predicate(message)`. Pages and templates
call a rule as a plain function (`may_set_brokers(user, deal)` → bool, to offer a button);
services and the API call `.require(...)`, which raises `NotAllowed` (403) with the rule's own
message. One rule, one place, one message, whichever door the request came through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

from django.utils.functional import Promise

from common.exceptions import NotAllowed

P = ParamSpec("P")

# A fixed message, or one that depends on the arguments (a rule with two ways to fail).
Denial = str | Promise | Callable[..., str]


class Predicate(Generic[P]):
    def __init__(self, fn: Callable[P, bool], denied: Denial) -> None:
        self.fn = fn
        self.denied = denied
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        return self.fn(*args, **kwargs)

    def require(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Raise NotAllowed with this rule's message unless it holds."""
        if not self.fn(*args, **kwargs):
            message = self.denied(*args, **kwargs) if callable(self.denied) else self.denied
            raise NotAllowed(str(message))

    def __repr__(self) -> str:
        return f"<Predicate {self.__name__}>"


def predicate(denied: Denial) -> Callable[[Callable[P, bool]], Predicate[P]]:
    """Declare a permission rule; `denied` is what the user reads when it does not hold."""

    def wrap(fn: Callable[P, bool]) -> Predicate[P]:
        return Predicate(fn, denied)

    return wrap
