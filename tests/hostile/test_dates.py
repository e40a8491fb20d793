"""Signatures, registrations, policies and payments take dates within 1949–2100 only (400 naming
the field otherwise): year 1 or 9999 is a slip of the keyboard, not a business date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from contracts.models import Contract
from tests.contracts.test_api import create, registration_body
from tests.factories_contracts import ContractFactory, sign_contract
from tests.rewards.test_policy_api import ZHENHAI

pytestmark = pytest.mark.django_db

IMPLAUSIBLE = ["0001-01-01", "1900-05-04", "1948-12-31"]
FAR_FUTURE = ["2101-01-01", "9999-12-31"]


@pytest.mark.parametrize("signed_on", IMPLAUSIBLE)
def test_a_signature_dated_before_1949_is_a_400(api, broker, deal, signed_on):
    contract = ContractFactory(deal=deal)
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": signed_on}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "implausible_date"
    contract.refresh_from_db()
    assert contract.signed_on is None


@pytest.mark.parametrize("signed_on", IMPLAUSIBLE)
def test_the_sign_page_refuses_it_too(broker, deal, signed_on):
    contract = ContractFactory(deal=deal)
    client = Client()
    client.force_login(broker)
    client.post(f"/contracts/{contract.pk}/sign/", {"signed_on": signed_on})
    contract.refresh_from_db()
    assert contract.signed_on is None


@pytest.mark.parametrize("registered_on", IMPLAUSIBLE + FAR_FUTURE)
def test_a_registration_outside_the_range_is_a_400(api, broker, deal, registered_on):
    contract = sign_contract(ContractFactory(deal=deal))
    response = api(broker).post(
        f"/api/v1/contracts/{contract.pk}/registration/",
        registration_body(registered_on=registered_on),
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["valid_from", "valid_to"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_a_contract_validity_outside_the_range_is_a_400(api, broker, deal, field, value):
    response = create(api, broker, deal, **{field: value})
    assert response.status_code == 400
    assert not Contract.objects.filter(deal=deal).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"effective_from": "0001-01-01"},
        {"effective_from": "1948-12-31"},
        {"effective_to": "9999-12-31"},
        {"effective_to": "2101-01-01"},
    ],
)
def test_a_policy_outside_the_range_is_a_400(api, finance, change):
    response = api(finance).post("/api/v1/reward-policies/", {**ZHENHAI, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "implausible_date"


def test_the_edges_of_the_range_are_accepted(api, finance):
    response = api(finance).post(
        "/api/v1/reward-policies/",
        {**ZHENHAI, "effective_from": "1949-01-01", "effective_to": "2100-12-31"},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_the_helper_keeps_datetimes(deal):
    from common.dates import check_plausible

    now = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    assert check_plausible(now, "x") is now
