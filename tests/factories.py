"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from brokers.models import BrokerProfile, Organisation, Role, User
from deals.models import Achievement, Activity, Deal, DealBroker, DealState, Demand


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"宁波市镇海区技术转移中心{n}")
    region = "330211"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.BROKER
    organisation = factory.SubFactory(OrganisationFactory)
    region = "330211"
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.save()


class BrokerFactory(UserFactory):
    role = Role.BROKER
    profile = factory.RelatedFactory(
        "tests.factories.BrokerProfileFactory", factory_related_name="user"
    )


class BrokerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrokerProfile

    certificate_number = factory.Sequence(lambda n: f"JSJJ2024{n:05d}")
    region_code = "330211"
    specialties = "高端装备、新材料"


class SupervisorFactory(UserFactory):
    role = Role.SUPERVISOR


class FinanceFactory(UserFactory):
    role = Role.FINANCE


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    title = factory.Sequence(lambda n: f"注塑件表面缩痕问题攻关{n}")
    description = (
        "公司汽车内饰件注塑后表面出现缩痕和熔接线，良品率只有 82%，希望引进工艺优化或模具改进技术。"
    )
    enterprise = "宁波某汽车零部件有限公司"
    industry = "2"
    region = "330211"
    budget = Decimal("500000.00")
    contact = "王经理 13800000000"


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    title = factory.Sequence(lambda n: f"一种注塑模具随形冷却流道设计方法{n}")
    description = "通过3D打印随形冷却水路，缩短冷却时间 30%，显著减少缩痕与翘曲。"
    owner = "浙江大学宁波研究院"
    kind = "patent"
    patent_number = factory.Sequence(lambda n: f"ZL2021{n:07d}.X")
    industry = "2"
    maturity = 6
    asking_price = Decimal("300000.00")
    region = "330100"


class DealFactory(factory.django.DjangoModelFactory):
    """A deal in `intake` led by a broker with 100%. Move it with `walk_to` in tests/helpers.py."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    title = factory.LazyAttribute(lambda o: o.demand.title)
    demand = factory.SubFactory(DemandFactory)
    lead_broker = factory.SubFactory(BrokerFactory)
    organisation = factory.LazyAttribute(lambda o: o.lead_broker.organisation)
    state_entered_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))

    @factory.post_generation
    def lead_link(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            DealBroker.objects.create(deal=self, user=self.lead_broker, share=Decimal("100.00"))


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = "online_talk"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    location = "腾讯会议"
    participants = "企业技术总监、课题组负责人、经纪人"
    minutes = "双方介绍了技术指标，约定下周赴现场考察。"


__all__ = [
    "AchievementFactory",
    "ActivityFactory",
    "AdminFactory",
    "BrokerFactory",
    "DealFactory",
    "DealState",
    "DemandFactory",
    "FinanceFactory",
    "OrganisationFactory",
    "SupervisorFactory",
    "UserFactory",
]
