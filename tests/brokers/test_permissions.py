"""brokers.permissions: the organisation facts and who may create users."""

from __future__ import annotations

import pytest

from brokers import permissions
from tests.permission_cast import build_cast, table

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("position", "holds"), table({"admin", "superuser"}))
def test_only_admins_may_create_users(position, holds):
    _deal, users = build_cast()
    assert permissions.may_create_user(users[position]) is holds


@pytest.mark.parametrize(
    ("position", "holds"),
    table({"supervisor"}),
)
def test_supervises_means_a_supervisor_of_that_very_organisation(position, holds):
    deal, users = build_cast()
    assert permissions.supervises(users[position], deal.organisation_id) is holds


@pytest.mark.parametrize(
    ("position", "holds"),
    table({"lead", "co_broker", "org_broker", "supervisor", "finance"}),
)
def test_in_organisation_is_membership_and_nobody_belongs_to_no_organisation(position, holds):
    deal, users = build_cast()
    assert permissions.in_organisation(users[position], deal.organisation_id) is holds
    assert permissions.in_organisation(users[position], None) is False
