"""Writes about people: creating users and organisations."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brokers import permissions
from brokers.models import BrokerProfile, Organisation, Role, User
from brokers.regions import resolve_region
from common.exceptions import ValidationFailed


def organisation_get_or_create(*, name: str, region: str = "") -> Organisation:
    org, _created = Organisation.objects.get_or_create(
        name=name.strip(), defaults={"region": region}
    )
    return org


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    organisation: str = "",
    region: str = "",
    email: str = "",
) -> User:
    if actor is not None:  # None: the command line and the demo loader
        permissions.may_create_user.require(actor)
    if role not in Role.values:
        raise ValidationFailed(_("角色应为 broker、supervisor、finance、expert 或 admin。"))
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("用户名已被占用，请换一个。"))
    region_code = resolve_region(region) if region else ""
    org = (
        organisation_get_or_create(name=organisation, region=region_code) if organisation else None
    )
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        organisation=org,
        region=region_code,
        email=email,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user._history_user = actor  # type: ignore[attr-defined]
    user._change_reason = gettext_noop("用户创建")  # type: ignore[attr-defined]
    user.save()
    if role == Role.BROKER:
        BrokerProfile.objects.create(user=user, region_code=region_code)
    return user
