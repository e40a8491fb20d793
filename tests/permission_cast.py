"""The cast for table-driven permission tests: one deal and a user in every position around it.

Positions: role × same or other organisation × on the deal or not (and the lead). Each
predicate's test states, per position, whether the rule holds.
"""

from __future__ import annotations

from decimal import Decimal

from brokers.models import Role, User
from deals.models import Deal, DealBroker
from tests.factories import (
    AdminFactory,
    BrokerFactory,
    DealFactory,
    FinanceFactory,
    OrganisationFactory,
    SupervisorFactory,
    UserFactory,
)

POSITIONS = [
    "lead",  # broker of the deal's organisation, its lead broker
    "co_broker",  # broker of the deal's organisation, on the deal
    "org_broker",  # broker of the deal's organisation, not on the deal
    "other_broker",  # broker of another organisation
    "supervisor",  # supervisor of the deal's organisation
    "other_supervisor",  # supervisor of another organisation
    "orgless_supervisor",  # supervisor without an organisation
    "finance",  # finance of the deal's organisation
    "other_finance",  # finance of another organisation
    "admin",  # admin (no organisation)
    "superuser",  # createsuperuser account: role left at broker, acts as admin
    "expert",  # an outside reviewer: no part in any deal
]


def build_cast() -> tuple[Deal, dict[str, User]]:
    org = OrganisationFactory(name="宁波市镇海区科技成果转移中心")
    other = OrganisationFactory(name="南京技术转移服务中心")
    lead = BrokerFactory(organisation=org)
    deal = DealFactory(lead_broker=lead)
    co = BrokerFactory(organisation=org)
    DealBroker.objects.filter(deal=deal).update(share=Decimal("60.00"))
    DealBroker.objects.create(deal=deal, user=co, share=Decimal("40.00"))
    users = {
        "lead": lead,
        "co_broker": co,
        "org_broker": BrokerFactory(organisation=org),
        "other_broker": BrokerFactory(organisation=other),
        "supervisor": SupervisorFactory(organisation=org),
        "other_supervisor": SupervisorFactory(organisation=other),
        "orgless_supervisor": SupervisorFactory(organisation=None),
        "finance": FinanceFactory(organisation=org),
        "other_finance": FinanceFactory(organisation=other),
        "admin": AdminFactory(organisation=None),
        "superuser": BrokerFactory(organisation=None, is_superuser=True, is_staff=True),
        "expert": UserFactory(role=Role.EXPERT, organisation=None),
    }
    return deal, users


def deal_as(deal: Deal, source: str) -> Deal:
    """The same deal as the services see it (fresh, no prefetch) or as pages and API do."""
    if source == "prefetched":
        return Deal.objects.prefetch_related("broker_links").get(pk=deal.pk)
    return Deal.objects.get(pk=deal.pk)


def table(holds_for: set[str]) -> list[tuple[str, bool]]:
    """Every position, with whether the rule holds for it."""
    unknown = holds_for - set(POSITIONS)
    assert not unknown, unknown
    return [(position, position in holds_for) for position in POSITIONS]
