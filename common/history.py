"""Who and why on the history row a save() writes (django-simple-history).

Services set both explicitly: tasks, commands and the demo loader run without the request
middleware simple-history would otherwise read the user from.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model

# simple-history's `history_change_reason` column.
REASON_LENGTH = 100


def stamp(obj: Model, actor: AbstractBaseUser | None, reason: str) -> None:
    """The next `obj.save()` records `actor` (None: the system) and `reason` on its history row."""
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = reason[:REASON_LENGTH]  # type: ignore[attr-defined]
