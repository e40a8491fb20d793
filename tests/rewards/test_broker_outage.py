"""Redis unreachable when a move into `registered` commits: the approval still answers 200, the
move is in the history, and the periodic sweep later computes the reward the lost send would have."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal

import pytest

from config.celery import app
from deals.models import DealState
from rewards.models import Reward
from rewards.tasks import sweep_registered_deals
from tests.factories import DealFactory, DemandFactory
from tests.factories_contracts import ContractFactory, record_registration, sign_contract
from tests.helpers import walk_to

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def redis_unreachable():
    """Celery as deployed (a real broker, not eager), with REDIS_URL at a port nobody listens on."""
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app._pool = None  # the producer pool keeps the URL it was made with
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved
    app._pool = None


def test_an_approval_into_registered_answers_200_with_redis_down_and_the_sweep_computes_the_reward(
    api, broker, supervisor, zhenhai, django_capture_on_commit_callbacks, request
):
    deal = walk_to(
        DealFactory(lead_broker=broker, demand=DemandFactory(region="330211")),
        DealState.AGREEMENT,
        supervisor,
    )
    contract = ContractFactory(deal=deal, technology_amount=Decimal("2500000.00"))
    contract = sign_contract(contract, signed_on=dt.date(2026, 3, 1))
    record_registration(contract, registered_on=dt.date(2026, 3, 2))
    asked = api(broker).post(
        f"/api/v1/deals/{deal.pk}/transition-requests/",
        {"target": "registered", "comment": "合同已登记"},
        format="json",
    )
    assert asked.status_code == 201

    request.getfixturevalue("redis_unreachable")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approved = api(supervisor).post(
            f"/api/v1/transition-requests/{asked.json()['id']}/approve/", {}, format="json"
        )

    assert approved.status_code == 200
    assert callbacks, "the announcement ran after commit and tried to send the reward task"
    deal.refresh_from_db()
    assert deal.state == DealState.REGISTERED
    history = api(supervisor).get(f"/api/v1/deals/{deal.pk}/history/").json()
    moves = [e for e in history if e["event"] == "moved" and e["to_state"] == "registered"]
    assert len(moves) == 1
    assert not Reward.objects.filter(deal=deal).exists()  # the send was lost

    app.conf.task_always_eager = True  # Redis is back (in-process here); the beat runs the sweep
    assert sweep_registered_deals.delay().get() == 1
    assert Reward.objects.get(deal=deal).amount == Decimal("37500.00")
