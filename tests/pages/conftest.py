"""Pages show match candidates from the in-process matching index: start each test without one,
since the database it was built from is rolled back between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deals.matching import index


@pytest.fixture(autouse=True)
def fresh_match_index() -> Iterator[None]:
    index.forget()
    yield
    index.forget()
