"""Every spreadsheet the product hands out, checked as a class: no cell is ever a formula.

The exports are found, not listed: every API operation whose schema answers CSV or XLSX, and
every page route whose name says it downloads one (`….csv`, `….xlsx`), with each dashboard chart.
Before downloading, every free-text column of every row of the route matrix's world (a registered
deal with its contract, payment, reward, people and organisations) is made to begin with a
formula trigger (= + - @ tab, carriage return). Then: no XLSX cell is a formula, no text cell
(XLSX or CSV) begins with a trigger unless it is a number (a negative amount), and each export
that shows user text shows the seeded text, made inert (`common.spreadsheet.safe_text`).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from common.spreadsheet import FORMULA_TRIGGERS, XLSX_CONTENT_TYPE
from tests.ops.test_route_matrix import build_world, routes

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example/","点我")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
# Text columns that are codes the product looks up, not text anybody typed.
CODES = {"password", "username", "region", "industry", "lost_reason_code", "language", "email"}
LOCAL_APPS = {
    "brokers",
    "deals",
    "contracts",
    "payments",
    "followup",
    "rewards",
    "intake",
    "challenges",
    "notifications",
    "records",
    "matching",
}


def seed_formulas() -> int:
    """Every free-text column of every row starts with a trigger; the number of values changed."""
    changed = 0
    for model in apps.get_models():
        if model._meta.app_label not in LOCAL_APPS or model.__name__.startswith("Historical"):
            continue
        columns = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and f.name not in CODES
            and not f.primary_key
        ]
        if not columns:
            continue
        for row in model.objects.all():
            for i, column in enumerate(columns):
                value = getattr(row, column.attname) or ""
                hostile = PAYLOADS[(row.pk + i) % len(PAYLOADS)] + value
                try:
                    # A column whose format the database checks (a hash) keeps its value.
                    with transaction.atomic():
                        changed += model.objects.filter(pk=row.pk).update(
                            **{column.attname: hostile[: column.max_length or None]}
                        )
                except IntegrityError:
                    pass
    return changed


def spreadsheet_urls() -> list[tuple[str, str]]:
    """(who downloads it, url) of every export: from the API schema and the page routes."""
    schema = Client().get("/api/schema/?format=json").json()
    found: list[tuple[str, str]] = []
    wide = "page_size=100"  # the default period: this year to today
    for path, operations in schema["paths"].items():
        get = operations.get("get", {})
        kinds = {
            k for answer in get.get("responses", {}).values() for k in answer.get("content", {})
        }
        if "{" in path or not kinds & {"text/csv", XLSX_CONTENT_TYPE}:
            continue  # an export of one object: none yet
        if "format" not in {p["name"] for p in get.get("parameters", [])}:
            found += [(who, f"{path}?{wide}") for who in ("finance", "supervisor")]
            continue
        if "text/csv" in kinds:
            found.append(("finance", f"{path}?format=csv&{wide}"))
        if XLSX_CONTENT_TYPE in kinds:
            found += [(who, f"{path}?format=xlsx&{wide}") for who in ("finance", "supervisor")]
    from stats.dashboard import FINANCE, SUPERVISOR

    for name, pattern, _methods in routes():
        if name.startswith("api:") or not name.endswith(("csv", "xlsx")):
            continue
        keys = list(SUPERVISOR) + list(FINANCE) if "key" in pattern.pattern.regex.groupindex else []
        for key in keys or [None]:
            url = reverse(name, kwargs={"key": key} if key else {})
            found.append(("finance" if key in FINANCE else "supervisor", f"{url}?{wide}"))
    return found


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def cells(response: Any) -> list[tuple[str, Any]]:
    """(type, value) of every cell: "f" for an XLSX formula, "s" for text, "n" for the rest."""
    kind = response["Content-Type"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("text/csv"):
        text = body.decode("utf-8-sig")
        return [("s", cell) for row in csv.reader(io.StringIO(text)) for cell in row]
    assert kind.startswith(XLSX_CONTENT_TYPE), kind
    found = []
    for sheet in load_workbook(io.BytesIO(body)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                found.append(("f" if cell.data_type == "f" else cell.data_type, cell.value))
    return found


def test_no_export_holds_a_cell_a_spreadsheet_would_evaluate(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    users, _ids = build_world()
    assert seed_formulas() > 50
    exports = spreadsheet_urls()
    assert len(exports) >= 5, exports
    clients: dict[str, Client] = {}
    problems: list[str] = []
    shown: dict[str, int] = {}
    for persona, url in exports:
        if persona not in clients:
            clients[persona] = Client()
            clients[persona].force_login(users[persona])
        response = clients[persona].get(url)
        assert response.status_code == 200, (persona, url, response.status_code)
        shown[url] = 0
        for kind, value in cells(response):
            if kind == "f":
                problems.append(f"{url}: formula {value!r}")
            elif isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
                if not _number(value):
                    problems.append(f"{url}: live text {value!r}")
            elif isinstance(value, str) and value.startswith("'") and value[1:2] in "=+-@\t\r":
                shown[url] += 1
    assert problems == []
    # The seeded text did reach the exports that show people's text (else this proves nothing).
    for url, count in shown.items():
        if "ledger" in url or "rewards/export" in url or "payments" in url or "milestones" in url:
            assert count > 0, url
