"""Shared personas: a broker, a co-broker, another organisation's broker, a supervisor, finance."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    AdminFactory,
    BrokerFactory,
    DealFactory,
    FinanceFactory,
    OrganisationFactory,
    SupervisorFactory,
)


@pytest.fixture(autouse=True)
def fresh_match_index(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test's database is new (rolled back or flushed): start and end every test without
    the matching index of another, in memory or on disk (its snapshots go to the test's folder)."""
    from deals.matching import index

    settings.MATCH_INDEX_DIR = tmp_path / "match-index"
    index.forget()
    yield
    index.forget()


@pytest.fixture(autouse=True)
def fresh_cache():  # type: ignore[no-untyped-def]
    """Throttle counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def org():
    return OrganisationFactory(name="宁波市镇海区科技成果转移中心", region="330211")


@pytest.fixture
def other_org():
    return OrganisationFactory(name="南京技术转移服务中心", region="320100")


@pytest.fixture
def broker(org):
    return BrokerFactory(username="zhangwei", display_name="张伟", organisation=org)


@pytest.fixture
def co_broker(org):
    return BrokerFactory(username="lina", display_name="李娜", organisation=org)


@pytest.fixture
def other_broker(other_org):
    return BrokerFactory(username="wangfang", display_name="王芳", organisation=other_org)


@pytest.fixture
def supervisor(org):
    return SupervisorFactory(username="chenjing", display_name="陈静", organisation=org)


@pytest.fixture
def second_supervisor(org):
    return SupervisorFactory(username="liuyang", display_name="刘洋", organisation=org)


@pytest.fixture
def other_supervisor(other_org):
    return SupervisorFactory(username="zhaolei", display_name="赵磊", organisation=other_org)


@pytest.fixture
def finance(org):
    return FinanceFactory(username="sunli", display_name="孙丽", organisation=org)


@pytest.fixture
def admin_user():
    return AdminFactory(username="admin", display_name="系统管理员", organisation=None)


@pytest.fixture
def deal(broker):
    return DealFactory(lead_broker=broker)


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def api():
    """`api(user)` → an APIClient signed in as that user."""
    return client_for


# --- integration gating -------------------------------------------------------------------------
# Tests marked `integration` need the machine's PostgreSQL (and, some, Redis and a real worker).
# `make test` runs them in a second pass with DATABASE_URL pointing at PostgreSQL. Locally they
# skip with a clear message when the services are absent; with CI=true they fail instead.


def _ci() -> bool:
    import os

    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(ok: bool, message: str) -> None:
    if ok:
        return
    if _ci():
        pytest.fail(f"{message} (CI=true: integration tests must run)")
    pytest.skip(message)


@pytest.fixture
def postgres(django_db_blocker):  # type: ignore[no-untyped-def]
    """Use in tests that need PostgreSQL's semantics (row locks, real parallel connections)."""
    from django.db import connection

    require_service(
        connection.vendor == "postgresql",
        "needs PostgreSQL: run `make test` (its second pass sets DATABASE_URL) "
        "or DATABASE_URL=postgresql://postgres@127.0.0.1:5432/dealdesk pytest -m integration",
    )


@pytest.fixture
def redis_url():  # type: ignore[no-untyped-def]
    """The machine's Redis URL, or skip/fail when Redis does not answer."""
    import os

    import redis as redis_lib

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis_lib.Redis.from_url(url, socket_connect_timeout=2).ping()
        reachable = True
    except Exception:
        reachable = False
    require_service(reachable, f"needs Redis at {url}")
    return url


def _forget_cached_celery_state(celery_app) -> None:  # type: ignore[no-untyped-def]
    """Celery caches, from the configuration it first saw: the connection pool, the result
    backend (per thread) and the queues and router (app.amqp). Drop them so new settings (and,
    afterwards, the previous ones) take effect."""
    celery_app._pool = None
    celery_app._local.__dict__.pop("backend", None)
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def real_worker(postgres, redis_url, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A real Celery worker (a thread of this process) on the machine's Redis, on a queue of its
    own: other test runs on this machine share the Redis database, and their workers (on their
    own databases) must not take our tasks. Use with django_db(transaction=True)."""
    import uuid

    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping task start_worker checks)
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.MEDIA_ROOT = tmp_path
    keys = (
        "broker_url",
        "result_backend",
        "task_always_eager",
        "task_eager_propagates",
        "task_default_queue",
    )
    previous = {key: app.conf[key] for key in keys}
    queue = f"test-{uuid.uuid4().hex[:12]}"
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        task_eager_propagates=False,
        task_default_queue=queue,
    )
    _forget_cached_celery_state(app)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=True, shutdown_timeout=20, queues=[queue]
        ) as worker:
            yield worker
    finally:
        app.conf.update(previous)
        _forget_cached_celery_state(app)
