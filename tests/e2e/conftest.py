"""A real headless Chromium (Debian's, not Playwright's download) against pytest-django's
live_server. Locally the tests skip when Chromium is missing; with CI=true they fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pass12345"  # what tests/factories.py sets


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_service(
        os.path.exists(CHROMIUM), f"needs Chromium at {CHROMIUM} (apt install chromium)"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API drives its asyncio loop from greenlets and leaves that loop marked as
    # running in this thread, so Django's async-safety guard would refuse the test's own ORM
    # calls. Nothing here is really concurrent (the test waits on each browser call), so the
    # guard is lifted while an e2e module runs, and restored after.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screens(tmp_path: Path) -> Path:
    """Where the test's screenshots go: E2E_SCREENSHOTS if set (to keep them), else a temp dir."""
    keep = os.environ.get("E2E_SCREENSHOTS")
    path = Path(keep) if keep else tmp_path / "screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """`new_page()` → a page in a fresh browser context (its own cookies), zh-CN, 1366×900."""
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    # Every page's header has the language switch, a form whose buttons come first.
    page.click("form:not(.lang-switch) button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
