"""The English interface in a real browser, on the Chinese demo data set: a broker and a
supervisor switch to English in the header; the board, the deal pages (and the supervisor's
queue, follow-up list and ledger) then show no Chinese except the data (what people and the demo typed: titles, names, needs, minutes, comments). A new
visitor gets Chinese even from an English browser, and the switch goes back to Chinese.

The data left out of the check is taken from the database rows of the deals on the page, not
from the page: every text field of those deals and of every row that points at them (requests,
activities, links, contracts, payments, milestones, rewards, their history rows), of the rows
those point at (people, organisations, needs, achievements, policies), and the names of the
regions and industries they name. A text the code wrote into such a row that the catalogue
translates (a history reason like 创建项目) is not data: it must be shown in English. What is
left after removing exactly those strings must hold no Chinese character, so a template or a
message that forgot gettext fails here."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import translation

from brokers.industries import industry_get
from brokers.models import User
from brokers.regions import region_get
from deals.models import Deal, DealState, RequestStatus
from tests.e2e.conftest import CHROMIUM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _texts_of(row: models.Model) -> Iterator[str]:
    for field in row._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField | models.JSONField):
            yield from _strings(getattr(row, field.attname))
    yield str(row)


def _pointing_at(targets: dict[type[models.Model], set[Any]]) -> Iterator[models.Model]:
    """Every row of every model (history rows included) with a field that names one of the
    targets: a foreign key to its model, or a plain `<model>_id` number (the apps below
    `deals` keep the deal's id without a foreign key)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            for target, ids in targets.items():
                if not ids:
                    continue
                related = getattr(field, "related_model", None)
                plain = f"{target._meta.model_name}_id"
                if related is target or (related is None and field.attname == plain):
                    yield from model._default_manager.filter(**{f"{field.attname}__in": ids})


def data_strings(deals: Iterable[Deal], people: Iterable[User]) -> list[str]:
    """What the pages may show in Chinese for these deals: the stored texts (see the module's
    docstring), longest first, without those the catalogue translates."""
    rows: list[models.Model] = [*deals, *people]
    first = list(_pointing_at({Deal: {d.pk for d in deals}}))
    rows += first
    by_model: dict[type[models.Model], set[Any]] = {}
    for row in first:
        by_model.setdefault(type(row), set()).add(row.pk)
    by_model.pop(Deal, None)
    rows += list(_pointing_at(by_model))
    for row in list(rows):  # one hop forward: people, organisations, needs, achievements …
        for field in row._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                found = getattr(row, field.name, None) if field.many_to_one else None
                if isinstance(found, models.Model):
                    rows.append(found)
    texts: set[str] = set()
    for row in rows:
        for text in _texts_of(row):
            texts.add(text)
            region = region_get(text) if re.fullmatch(r"\d{6}", text) else None
            if region is not None:
                texts.update((region.short_name, region.full_name))
            industry = industry_get(text) if re.fullmatch(r"\d(\.\d+)?", text) else None
            if industry is not None:
                texts.add(industry.label)
    with translation.override("en"):
        untranslated = {t for t in texts if CJK.search(t) and translation.gettext(t) == t}
    return sorted(untranslated, key=len, reverse=True)


def leftover_chinese(page, data: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines of the page's visible text that still hold Chinese once the data is removed."""
    # Folded parts (a reward's calculation, the milestone forms) are read too.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    switch = page.locator("[data-testid=language-switch]").inner_text().strip()
    assert switch == "简体中文", switch  # the way back, named in its own language
    text = page.evaluate("document.body.innerText").replace(switch, "", 1)
    for item in data:
        text = text.replace(item, "\u2400")
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def check_english(page, data: list[str], what: str) -> None:  # type: ignore[no-untyped-def]
    assert page.locator("html").get_attribute("lang") == "en", what
    left = leftover_chinese(page, data)
    assert not left, (
        f"Chinese interface text on the English {what} (data removed, shown as ␀):\n  "
        + "\n  ".join(left[:30])
        + "\nWrap it in gettext / {% translate %}, `make messages`, write its English."
    )


def switch_to(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid=language-switch] button", has_text=name).click()
    page.wait_for_load_state("domcontentloaded")


def sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    from demo.loader import DEMO_PASSWORD

    page.goto(url + "/")
    page.fill("form:not(.lang-switch) input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form:not(.lang-switch) button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def test_broker_and_supervisor_work_in_english_on_the_demo_data(browser, live_server, screens):
    call_command("load_demo", stdout=io.StringIO())
    broker = User.objects.get(username="zhangwei")
    supervisor = User.objects.get(username="chenjing")
    org_deals = list(Deal.objects.filter(organisation=broker.organisation))
    people = list(User.objects.filter(organisation=broker.organisation))
    # The broker's fullest deal: registered, with its contract, payments, follow-up and reward.
    deal = (
        Deal.objects.filter(lead_broker=broker, state=DealState.REGISTERED).order_by("pk").first()
    )
    assert deal is not None
    # A deal waiting for the supervisor's decision (the approval form on the deal page).
    waiting = Deal.objects.filter(
        organisation=supervisor.organisation,
        transition_requests__status=RequestStatus.PENDING,
    ).first()
    assert waiting is not None

    assert CHROMIUM  # the browser fixture skips (locally) or fails (CI) without it
    # An English-speaking browser: DealDesk still starts in Chinese.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "登录" in page.locator("h1").inner_text()

    switch_to(page, "English")  # before signing in: the choice outlives the sign-in
    assert page.locator("h1").inner_text() == "Log in"
    sign_in(page, live_server.url, broker.username)
    page.goto(f"{live_server.url}/board/")
    check_english(page, data_strings(org_deals, people), "board (broker)")
    page.screenshot(path=str(screens / "board-en.png"), full_page=True)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    check_english(page, data_strings([deal], people), f"deal page #{deal.pk} (broker)")
    page.screenshot(path=str(screens / "deal-en.png"), full_page=True)

    boss = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    sign_in(boss, live_server.url, supervisor.username)
    assert boss.locator("html").get_attribute("lang") == "zh-CN"
    switch_to(boss, "English")  # from the header, signed in: back on the same page
    org_data = data_strings(org_deals, people)
    boss.goto(f"{live_server.url}/board/")
    check_english(boss, org_data, "board (supervisor)")
    for path, what in (
        ("/queue/", "approval queue"),
        ("/follow-up/", "follow-up list"),
        ("/ledger/", "reward ledger"),
    ):
        boss.goto(live_server.url + path)
        check_english(boss, org_data, f"{what} (supervisor)")
    boss.goto(f"{live_server.url}/deals/{waiting.pk}/")
    assert boss.locator("button", has_text="Approve").count() >= 1
    check_english(boss, data_strings([waiting], people), f"deal page #{waiting.pk} (supervisor)")
    boss.goto(f"{live_server.url}/deals/{deal.pk}/")
    check_english(boss, data_strings([deal], people), f"deal page #{deal.pk} (supervisor)")

    # Back to Chinese, on the same page.
    switch_to(boss, "简体中文")
    assert boss.url.endswith(f"/deals/{deal.pk}/")
    assert boss.locator("html").get_attribute("lang") == "zh-CN"
    assert "项目看板" in boss.locator("nav.sidenav").inner_text()
    boss.context.close()
    context.close()
