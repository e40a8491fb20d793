"""Another organisation's ids, handed to every route: in the query string of every list, export,
statistic and dashboard (`?deal=`, `?broker=`, `?organisation=` …), and in the path of every
route that names one object (attachments and downloads included).

The routes come from the URL resolver. The deal's organisation's private text (the deal's title,
its contract's, the payer of its payment) carries a marker; another organisation's broker,
supervisor and finance must never get a page, JSON answer, CSV or XLSX holding it, and never a
5xx. A route naming one of its objects answers them 404 (or 403), unless the route matrix lets
them read it (the shared needs pool, public pages).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from tests.ops.route_matrix import EXPECTED
from tests.ops.test_route_matrix import build_world, routes

pytestmark = pytest.mark.django_db

MARK = "机密标记QX7"
# The names the views and filters read ids from (grep `GET.get(`, `query_params`, filtersets).
PARAMS = ["deal", "broker", "organisation", "contract", "user"]


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):  # an XLSX: its strings live in the zipped XML
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            body = b"".join(book.read(n) for n in book.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", errors="replace")


@pytest.fixture
def marked(settings, tmp_path):  # type: ignore[no-untyped-def]
    from contracts.models import Contract
    from deals.models import Deal
    from payments.models import Payment
    from tests.factories import FinanceFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    users, ids = build_world()
    Deal.objects.filter(pk=ids["deal"]).update(title=f"{MARK}·注塑模具随形冷却")
    Contract.objects.filter(pk=ids["contract"]).update(title=f"{MARK}·技术转让合同")
    Payment.objects.filter(pk=ids["payment"]).update(payer=f"{MARK}·付款单位")
    users["other_finance"] = FinanceFactory(organisation=users["other_broker"].organisation)
    ids["organisation"] = users["broker_on_deal"].organisation_id
    ids["broker"] = ids["lead_broker"] = ids["user"] = users["broker_on_deal"].pk
    ids["deal_id"] = ids["deal"]
    return users, ids


FOREIGN = ["other_broker", "other_supervisor", "other_finance"]


def test_no_query_string_id_shows_another_organisations_data(marked):  # type: ignore[no-untyped-def]
    users, ids = marked
    # The marker is there to be found: the deal's own people see it on the deal page.
    own = Client()
    own.force_login(users["broker_on_deal"])
    assert MARK in text_of(own.get(f"/deals/{ids['deal']}/"))

    clients = {}
    for persona in FOREIGN:
        clients[persona] = Client()
        clients[persona].force_login(users[persona])
    leaks: list[str] = []
    asked = 0
    for name, pattern, methods in routes():
        if pattern.pattern.regex.groupindex or not ({"get", "get?"} & set(methods)):
            continue  # routes naming an object: the test below
        if name in ("healthz", "readyz", "set_language", "sign-out", "api:schema", "api:docs"):
            continue
        url = reverse(name)
        for persona in FOREIGN:
            for param in PARAMS:
                response = clients[persona].get(url, {param: ids[param]})
                asked += 1
                where = f"{persona} {url}?{param}={ids[param]}: {response.status_code}"
                if response.status_code >= 500:
                    leaks.append(f"5xx {where}")
                elif response.status_code == 200 and MARK in text_of(response):
                    leaks.append(f"shows the other organisation's data {where}")
    assert asked > 100
    assert leaks == []


def test_no_route_hands_one_object_of_another_organisation(marked):  # type: ignore[no-untyped-def]
    from tests.hostile.test_page_forms import URL_IDS

    users, ids = marked
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.models import Contract
    from contracts.services import attachment_add

    ids["attachment"] = attachment_add(
        contract=Contract.objects.get(pk=ids["contract"]),
        actor=users["broker_on_deal"],
        kind="other",
        file=SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n"),
    ).pk
    clients = {}
    for persona in FOREIGN:
        clients[persona] = Client()
        clients[persona].force_login(users[persona])
    wrong: list[str] = []
    for name, pattern, methods in routes():
        keys = set(pattern.pattern.regex.groupindex)
        if not keys or not ({"get", "get?"} & set(methods)):
            continue
        kwargs = {}
        for key in keys:
            if key in URL_IDS and URL_IDS[key] in ids:
                kwargs[key] = ids[URL_IDS[key]]
            elif key == "attachment_id" and "contract" in name:
                kwargs[key] = ids["attachment"]
            elif key in ("pk", "id") and name.startswith("api:"):
                kind = next((k for k in ("deal", "contract", "payment", "reward") if k in name), "")
                if not kind:
                    break
                kwargs[key] = ids[kind]
            else:
                break
        else:
            url = reverse(name, kwargs=kwargs)
            for persona in FOREIGN:
                if EXPECTED.get(name, {}).get(persona.replace("other_finance", "other_broker")) in (
                    "200",
                ):
                    continue
                response = clients[persona].get(url)
                if response.status_code not in (403, 404, 405) or (
                    response.status_code == 200 and MARK in text_of(response)
                ):
                    wrong.append(f"{persona} {name} {url}: {response.status_code}")
    assert wrong == []
