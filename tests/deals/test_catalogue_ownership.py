"""A need or an achievement is edited only by the organisation that entered it (a need's region
decides which reward policy pays): through the API, the service and the admin."""

from __future__ import annotations

import pytest

from deals.permissions import may_edit_catalogue_record
from tests.factories import AchievementFactory, DemandFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    "broker",
    "co_broker",
    "supervisor",
    "finance",
    "other_broker",
    "other_supervisor",
    "admin_user",
]
# Entered by `broker` (organisation A): A's brokers and supervisors edit it; finance, the other
# organisation's people never; admins always.
MAY_EDIT_OWN = {"broker", "co_broker", "supervisor", "admin_user"}
# Entered through the public form (no organisation yet): supervisors triage it, admins too.
MAY_EDIT_PUBLIC = {"supervisor", "other_supervisor", "admin_user"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("factory", [DemandFactory, AchievementFactory])
def test_who_may_edit_a_record_entered_by_an_organisation(request, broker, persona, factory):
    record = factory(created_by=broker)
    user = request.getfixturevalue(persona)
    assert may_edit_catalogue_record(user, record) is (persona in MAY_EDIT_OWN)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_edit_a_record_that_came_through_the_public_form(request, persona):
    record = DemandFactory(created_by=None)
    user = request.getfixturevalue(persona)
    assert may_edit_catalogue_record(user, record) is (persona in MAY_EDIT_PUBLIC)


@pytest.mark.parametrize(
    ("path", "factory", "field"),
    [("demands", DemandFactory, "title"), ("achievements", AchievementFactory, "title")],
)
@pytest.mark.parametrize("persona", ["other_broker", "other_supervisor", "finance"])
def test_another_organisation_cannot_patch_a_record_and_nothing_changes(
    api, request, broker, path, factory, field, persona
):
    record = factory(created_by=broker)
    before = getattr(record, field)
    response = api(request.getfixturevalue(persona)).patch(
        f"/api/v1/{path}/{record.pk}/", {field: "被改掉的标题", "region": "110105"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    record.refresh_from_db()
    assert getattr(record, field) == before


@pytest.mark.parametrize(
    ("path", "factory"), [("demands", DemandFactory), ("achievements", AchievementFactory)]
)
def test_the_organisation_that_entered_it_can_patch_it(api, broker, co_broker, path, factory):
    record = factory(created_by=broker)
    response = api(co_broker).patch(
        f"/api/v1/{path}/{record.pk}/", {"title": "同机构同事修改的标题"}, format="json"
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.title == "同机构同事修改的标题"


def test_the_admin_offers_no_change_to_another_organisations_staff(rf, broker, other_supervisor):
    from django.contrib.admin.sites import site
    from django.contrib.auth.models import Permission

    from brokers.models import User
    from deals.models import Demand

    record = DemandFactory(created_by=broker)
    model_admin = site._registry[Demand]
    # Staff with the model permission: only the ownership rule stands in the way.
    for user in (other_supervisor, broker):
        user.is_staff = True
        user.save()
        user.user_permissions.add(Permission.objects.get(codename="change_demand"))
    http = rf.get("/admin/")
    http.user = User.objects.get(pk=other_supervisor.pk)
    assert not model_admin.has_change_permission(http, record)
    http.user = User.objects.get(pk=broker.pk)
    assert model_admin.has_change_permission(http, record)
