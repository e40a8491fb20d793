"""Sign-in protection: lockout per user name and per address on the sign-in page and the token
endpoint (a clear Chinese message, the right password refused while locked, an admin unlocks),
throttling (429), password validators, session expiry, the security headers."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "Ningbo-Zhenhai-2026"


@pytest.fixture
def user(broker):
    broker.set_password(PASSWORD)
    broker.save()
    return broker


def page_sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/", {"username": username, "password": password}, REMOTE_ADDR=address)


def token(username, password, address="10.0.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_page(user, settings):
    client = Client()
    statuses = {page_sign_in(client, user.username, f"wrong-{i}").status_code for i in range(30)}
    assert 429 in statuses
    response = page_sign_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body and "管理员" in body
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_locks_out_too(user, settings):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert token(user.username, f"wrong-{i}").status_code == 400
    assert token(user.username, "wrong-last").status_code == 429  # the failure that locks
    response = token(user.username, PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out" and "锁定" in response.json()["detail"]


def test_lockout_is_per_user_name_across_addresses(user, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        token(user.username, f"wrong-{i}", address=f"10.0.1.{i}")
    assert token(user.username, PASSWORD, address="10.9.9.9").status_code == 429


def test_lockout_is_per_address_across_user_names(user, co_broker, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        token(f"nobody{i}", "wrong", address="10.0.2.1")
    co_broker.set_password(PASSWORD)
    co_broker.save()
    assert token(co_broker.username, PASSWORD, address="10.0.2.1").status_code == 429
    assert token(co_broker.username, PASSWORD, address="10.0.2.2").status_code == 200


def test_a_forwarded_for_header_from_a_client_does_not_dodge_the_lockout(user, settings):
    settings.TRUSTED_PROXIES = ["10.99.0.0/16"]
    for i in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(
            "/api/v1/auth/token/",
            {"username": f"x{i}", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.3.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    assert token(user.username, PASSWORD, address="10.0.3.1").status_code == 429


def test_a_trusted_proxy_passes_the_client_address(user, settings):
    settings.TRUSTED_PROXIES = ["10.99.0.0/16"]
    for i in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(
            "/api/v1/auth/token/",
            {"username": f"y{i}", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.99.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    locked = APIClient().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.99.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    other = APIClient().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.99.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert other.status_code == 200


def test_an_admin_unlocks_in_the_admin(user, admin_user, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        token(user.username, f"wrong-{i}")
    assert token(user.username, PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert token(user.username, PASSWORD).status_code == 200


def test_the_token_endpoint_is_throttled_per_address(settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/min"}
    settings.AXES_FAILURE_LIMIT = 100  # the throttle, not the lockout, answers here
    try:
        responses = [token(f"z{i}", "x", address="10.0.4.1") for i in range(4)]
        elsewhere = token("z9", "x", address="10.0.4.2")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert [r.status_code for r in responses] == [400, 400, 400, 429]
    assert responses[-1].json().get("code") != "locked_out"
    assert elsewhere.status_code == 400


def _api_views():
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.callback

    for route, callback in walk(get_resolver().url_patterns):
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if route.startswith("api/v1/") and view is not None and hasattr(view, "throttle_classes"):
            yield route, view


def test_every_api_view_open_to_anonymous_callers_is_throttled():
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

    open_views = []
    for route, view in _api_views():
        permissions = [cls for cls in view.permission_classes]
        if any(issubclass(cls, IsAuthenticated) for cls in permissions):
            continue
        open_views.append(route)
        classes = list(view.throttle_classes)
        assert any(issubclass(c, AnonRateThrottle | ScopedRateThrottle) for c in classes), route
    assert "api/v1/auth/token/" in open_views


@pytest.mark.parametrize(
    "password", ["short1A!", "12345678901234", "password1234", "zhangwei2026x"]
)
def test_weak_passwords_are_refused(broker, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=broker)


def test_a_strong_password_passes(broker):
    validate_password("Ningbo-Zhenhai-2026", user=broker)


def test_sessions_expire(settings, broker):
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 3600
    client = Client()
    client.force_login(broker)
    assert client.session.get_expire_at_browser_close()


def test_pages_carry_a_content_security_policy_without_inline_script(broker):
    client = Client()
    for url in ["/", "/needs/submit/"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert (
            "<script>" not in response.content.decode()
            or "<script src" in response.content.decode()
        )


def test_the_api_docs_load_their_script_from_this_site(broker):
    import re

    client = Client()
    client.force_login(broker)
    page = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", page), "inline script"
    assert "cdn." not in page
    assert client.get("/api/docs/?script=").status_code == 200
