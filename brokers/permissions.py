"""Who may do what with people, and the organisation facts every other app's rules build on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brokers.models import User
from common.permissions import predicate


def in_organisation(user: User, organisation_id: int | None) -> bool:
    """The user belongs to this organisation (a user without one belongs to none)."""
    return user.organisation_id is not None and user.organisation_id == organisation_id


def supervises(user: User, organisation_id: int | None) -> bool:
    """A supervisor of this very organisation: another organisation's supervisor is a stranger."""
    return user.is_supervisor and in_organisation(user, organisation_id)


@predicate(_("只有管理员可以创建用户。"))
def may_create_user(user: User) -> bool:
    return user.is_admin
