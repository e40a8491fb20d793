"""Every route × every persona: the answer each one gets, from one table.

The routes are enumerated from the URL resolver (not a hand list): a route missing from
`EXPECTED` fails the test, so a new route must be classified here. Personas: the deal's broker,
a broker of the same organisation not on the deal, another organisation's broker and supervisor,
the deal's supervisor, finance, an admin, anonymous. Routes that answer GET are asked with GET on
the objects of one registered deal (its contract, document, registration, payment, reward, a
pending request); routes that only take writes are sent an empty POST by anonymous only (nobody
signed in may change anything; the apps' own tests cover who may write).

`MATRIX_RECORD=1 pytest tests/ops/test_route_matrix.py -s` prints the observed table.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.ops.route_matrix import EXPECTED, PERSONAS

pytestmark = pytest.mark.django_db

MISSING = 987654  # an id no object has


def routes() -> Iterator[tuple[str, Any, list[str]]]:
    """(name, pattern, methods) of every route but the Django admin's (staff only, its own)."""

    def walk(patterns: list[Any], namespace: str | None) -> Iterator[tuple[str, Any, list[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                yield from walk(p.url_patterns, p.namespace or namespace)
                continue
            assert isinstance(p, URLPattern)
            callback = p.callback
            actions = getattr(callback, "actions", None)
            view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            if actions:
                methods = sorted(actions)
            elif view_class is not None:
                methods = [
                    m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)
                ]
            else:
                methods = ["get?"]  # a function view: asked with GET
            name = f"{namespace}:{p.name}" if namespace else str(p.name)
            yield name, p, methods

    yield from walk(get_resolver().url_patterns, None)


@pytest.fixture
def world(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world()


def build_world() -> tuple[dict[str, Any], dict[str, int]]:
    """The people around one registered deal, and the ids of its objects (tests/hostile builds
    it once for a module of tests)."""
    from challenges.models import Challenge
    from contracts.models import ContractDocument
    from deals.matching import services as matching
    from deals.models import DealState
    from notifications.models import Notification
    from payments import services as payments
    from rewards.models import RewardPolicy
    from tests.factories import (
        AchievementFactory,
        AdminFactory,
        BrokerFactory,
        DealFactory,
        DemandFactory,
        FinanceFactory,
        OrganisationFactory,
        SupervisorFactory,
    )
    from tests.factories_contracts import register_deal
    from tests.helpers import satisfy

    org = OrganisationFactory(name="宁波市镇海区科技成果转移中心")
    other = OrganisationFactory(name="南京技术转移服务中心")
    lead = BrokerFactory(organisation=org)
    users = {
        "broker_on_deal": lead,
        "org_broker": BrokerFactory(organisation=org),
        "other_broker": BrokerFactory(organisation=other),
        "other_supervisor": SupervisorFactory(organisation=other),
        "supervisor": SupervisorFactory(organisation=org),
        "finance": FinanceFactory(organisation=org),
        "admin": AdminFactory(organisation=None),
    }
    from rewards.services import policy_create
    from tests.challenges.conftest import publish

    policy_create(
        actor=users["admin"],
        name="镇海区技术经纪人奖励办法",
        region=org.region,
        rate="0.015",
        cap_per_project="300000.00",
        effective_from=dt.date(2020, 1, 1),
    )
    deal = register_deal(DealFactory(lead_broker=lead), users["supervisor"])
    publish(users["supervisor"], DemandFactory())
    contract = deal.contracts.order_by("-pk").first()
    document = ContractDocument.objects.filter(contract=contract).order_by("-pk").first()
    payment = payments.payment_record(
        contract=contract,
        actor=lead,
        received_on=timezone.localdate(),
        amount=Decimal("1000.00"),
        payer="宁波某汽车零部件有限公司",
        reference="BANK-0001",
    )
    pending = DealFactory(lead_broker=lead)
    satisfy(pending, DealState.MATCHED)
    from deals import services as deal_services

    request = deal_services.deal_request_transition(
        deal=pending, actor=lead, target=DealState.MATCHED, comment=""
    )
    demand = DemandFactory()
    achievement = AchievementFactory()
    job = matching.import_job_create(
        actor=lead,
        kind="achievement",
        upload=SimpleUploadedFile(
            "a.csv", "成果名称,成果简介,权利人\n测试成果,简介,浙江大学\n".encode()
        ),
    )
    # The registered signal's reward task runs on commit, which a rolled-back test never reaches.
    from rewards.services import reward_compute

    reward = reward_compute(deal_id=deal.pk, actor=None)
    from tests.factories import ActivityFactory

    # A talk planned on the open deal (the registered one's brokers are the same people).
    planned = ActivityFactory(
        deal=pending,
        status="planned",
        occurred_at=timezone.now() + dt.timedelta(days=1),
        minutes="",
        created_by=lead,
    )
    ids = {
        "deal": deal.pk,
        "activity": planned.pk,
        "contract": contract.pk,
        "document": document.pk if document else MISSING,
        "payment": payment.pk,
        "request": request.pk,
        "demand": demand.pk,
        "achievement": achievement.pk,
        "job": job.pk,
        "reward": reward.pk if reward else MISSING,
        "policy": getattr(RewardPolicy.objects.first(), "pk", MISSING),
        "user": lead.pk,
        "notification": getattr(Notification.objects.filter(user=lead).first(), "pk", MISSING),
        "challenge": getattr(Challenge.objects.first(), "pk", MISSING),
    }
    return users, ids


# Which object a route's id stands for, by its name's prefix (the first that matches).
OBJECT_OF = [
    (
        r"^api:(deal|deal-\w+|deal-transition-requests)$|^(deal-\w+|contract-draft|review-deal)$",
        "deal",
    ),
    (r"contract-document", "document"),
    (r"contract|payment-summary", "contract"),
    (r"payment", "payment"),
    (r"transition-request|^request-", "request"),
    (r"^api:demand|^need-|^demand-", "demand"),
    (r"^api:achievement|^achievement-", "achievement"),
    (r"import-job", "job"),
    (r"reward-policy", "policy"),
    (r"reward", "reward"),
    (r"^api:(user|broker)", "user"),
    (r"notification", "notification"),
    (r"challenge", "challenge"),
    (r"^api:activity|^activity-", "activity"),
    (r"^broker-page$", "user"),
]


def _object_for(name: str) -> str | None:
    for pattern, kind in OBJECT_OF:
        if re.search(pattern, name):
            return kind
    return None


def _url(name: str, pattern: Any, ids: dict[str, int]) -> str:
    kwargs: dict[str, Any] = {}
    for key in pattern.pattern.regex.groupindex:
        if key == "contract_id":
            kwargs[key] = ids["contract"]
        elif key == "document_id":
            kwargs[key] = ids["document"]
        elif key == "payment_id":
            kwargs[key] = ids["payment"]
        elif key == "deal_id":
            kwargs[key] = ids["deal"]
        elif key == "reference":
            kwargs[key] = "NOPE"
        elif key == "key":  # a dashboard chart's CSV
            kwargs[key] = "funnel"
        else:
            kind = _object_for(name)
            kwargs[key] = ids[kind] if kind else MISSING
    return reverse(name, kwargs=kwargs)


def _answer(client: Client, method: str, url: str) -> str:
    if method == "post":
        response = client.post(url, data="{}", content_type="application/json")
    else:
        response = client.get(url)
    code = response.status_code
    if code == 302:
        return (
            "login"
            if "next=" in response.get("Location", "") or response["Location"] in ("/", "/?")
            else "302"
        )
    return str(code)


def observe(users: dict[str, Any], ids: dict[str, int]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for name, pattern, methods in routes():
        if name in table:
            continue
        url = _url(name, pattern, ids)
        reads = "get" in methods or "get?" in methods
        row: dict[str, str] = {}
        for persona in PERSONAS:
            client = Client()
            if persona != "anonymous":
                client.force_login(users[persona])
            elif not reads:
                row[persona] = _answer(client, "post", url)
                continue
            if not reads:
                continue
            row[persona] = _answer(client, "get", url)
        table[name] = row
    return table


def test_every_route_answers_every_persona_as_the_table_says(world):  # type: ignore[no-untyped-def]
    users, ids = world
    observed = observe(users, ids)
    if os.environ.get("MATRIX_RECORD"):
        for name, row in observed.items():
            print(f"    {name!r}: {row!r},")
    unclassified = sorted(set(observed) - set(EXPECTED))
    assert unclassified == [], f"routes not in tests/ops/route_matrix.py: {unclassified}"
    gone = sorted(set(EXPECTED) - set(observed))
    assert gone == [], f"routes in the table that no longer exist: {gone}"
    wrong = {
        name: {
            p: (EXPECTED[name].get(p), got)
            for p, got in row.items()
            if EXPECTED[name].get(p) != got
        }
        for name, row in observed.items()
    }
    assert {n: w for n, w in wrong.items() if w} == {}
