"""The batch computation writes rewards, their history and shares with hand-written SQL: each
column list must name exactly its model's concrete fields, so that a field added to a model (or
to its history) without the SQL following fails here rather than writing rows without it."""

from __future__ import annotations

import pytest

from rewards.models import Reward, RewardShare, RewardYearTotal
from rewards.services import bulk


def _columns(model, *, without_pk: bool = True) -> list[str]:
    return sorted(
        f.column for f in model._meta.concrete_fields if not (without_pk and f.primary_key)
    )


@pytest.mark.parametrize(
    ("columns", "model"),
    [
        (bulk.REWARD_COLUMNS, Reward),
        (bulk.REWARD_HISTORY_COLUMNS, Reward.history.model),
        (bulk.SHARE_COLUMNS, RewardShare),
        (bulk.YEAR_TOTAL_COLUMNS, RewardYearTotal),
    ],
    ids=["reward", "reward history", "share", "year total"],
)
def test_bulk_sql_names_every_concrete_field_of_its_model(columns, model):
    assert len(set(columns)) == len(columns), "a column is named twice"
    assert sorted(columns) == _columns(model)


def test_a_new_reward_row_has_a_value_for_every_column():
    import datetime as dt
    from decimal import Decimal

    from rewards.models import RewardStatus

    row = bulk.new_reward_row(
        deal_id=1,
        policy_id=2,
        contract_id=3,
        status=RewardStatus.CALCULATED,
        region="330211",
        registered_on=dt.date(2026, 3, 2),
        year=2026,
        basis="technology_amount",
        basis_amount=Decimal("1.00"),
        amount=Decimal("0.02"),
        explanation="{}",
        computed_at="2026-03-02 00:00:00",
    )
    assert len(row) == len(bulk.REWARD_COLUMNS)
    named = dict(zip(bulk.REWARD_COLUMNS, row, strict=True))
    assert (named["deal_id"], named["status"], named["amount"]) == (
        1,
        "calculated",
        Decimal("0.02"),
    )
    assert named["approved_by_id"] is None and named["payment_reference"] == ""
