from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.amounts import amount_in_figures, amount_in_words


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("100000", "壹拾万元整"),
        ("2500000", "贰佰伍拾万元整"),
        ("30000000", "叁仟万元整"),
        ("1000001.05", "壹佰万零壹元零伍分"),
        ("10005", "壹万零伍元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("1010.01", "壹仟零壹拾元零壹分"),
        ("10.50", "壹拾元伍角"),
        ("0.05", "伍分"),
        ("0", "零元整"),
        ("300000.00", "叁拾万元整"),
    ],
)
def test_amount_in_words_matches_known_values(value, words):
    assert amount_in_words(Decimal(value)) == words


def test_amount_in_figures_groups_thousands():
    assert amount_in_figures(Decimal("1234567.8")) == "¥1,234,567.80"


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False))
def test_amount_in_words_agrees_with_cn2an(value):
    assert amount_in_words(value) == cn2an.an2cn(str(value), "rmb")
