"""Schemathesis fuzzes every operation of /api/schema/ as a broker, a supervisor and a finance
user, through the WSGI app: no answer is a 5xx, and every documented answer matches its schema.

Bounded so it stays in `make test` (a fixed seed, a few examples per operation, no coverage or
stateful phase); `SCHEMATHESIS_EXAMPLES` raises the count for a longer local run."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from tests.factories import DealFactory, FinanceFactory, SupervisorFactory

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261202,
        "generation": {"max-examples": EXAMPLES},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
ROLES = ["broker", "supervisor", "finance"]


@pytest.fixture(params=ROLES)
def role_token(request, db, broker, org):  # type: ignore[no-untyped-def]
    supervisor = SupervisorFactory(organisation=org)
    users = {
        "broker": broker,
        "supervisor": supervisor,
        "finance": FinanceFactory(organisation=org),
    }
    # Something to find: a deal, a need, an achievement, so ids in the low range exist.
    DealFactory(lead_broker=broker)
    return Token.objects.create(user=users[request.param]).key


# Loaded at collection (the schema needs no database). Not `schemathesis.pytest.from_fixture`:
# its lazy runner sets `Node._nodeid`, which pytest 9.2 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_operation_answers_5xx_or_outside_its_schema(case, role_token):  # type: ignore[no-untyped-def]
    case.call_and_validate(
        headers={"Authorization": f"Token {role_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
