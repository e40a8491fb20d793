"""Matching tests: each test starts with no in-memory index (the database is rolled back under
it) and with the save/delete signals connected, as DealsConfig.ready() does."""

from __future__ import annotations

import pytest

from deals.matching import index, wiring


@pytest.fixture(autouse=True)
def fresh_index():  # type: ignore[no-untyped-def]
    wiring.connect()
    index.forget()
    yield
    index.forget()
