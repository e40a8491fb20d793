"""The computation engine, by hand and by property. No database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rewards.engine import (
    BRACKET,
    FLAT,
    MARGINAL,
    Part,
    Terms,
    Tier,
    cap_to_headroom,
    compute,
    split,
    terms_errors,
)

ZHENHAI = Terms(mode=FLAT, rate=D("0.015"), cap_per_project=D("300000.00"))
FUQING = Terms(mode=MARGINAL, tiers=(Tier(D("30000000.00"), D("0.005")), Tier(None, D("0.003"))))


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("2500000.00", "37500.00"),
        ("20000000.00", "300000.00"),
        ("30000000.00", "300000.00"),
        ("1234567.89", "18518.52"),  # 18518.51835 rounds up at the third decimal
        ("19999999.00", "299999.99"),  # 299999.985: just under the cap, rounded once, half up
        ("0.00", "0.00"),
    ],
)
def test_zhenhai_flat_rate_with_project_cap(basis, expected):
    assert compute(ZHENHAI, D(basis)).amount == D(expected)


def test_project_cap_is_reported_only_when_it_binds():
    assert compute(ZHENHAI, D("2500000.00")).project_cap_applied is False
    assert compute(ZHENHAI, D("30000000.00")).project_cap_applied is True


def test_exact_half_fen_rounds_up_not_to_even():
    deqing = Terms(mode=FLAT, rate=D("0.01"), cap_per_project=D("30000.00"))
    assert compute(deqing, D("2.50")).amount == D("0.03")  # 0.025: HALF_EVEN would give 0.02
    assert compute(deqing, D("3500000.00")).amount == D("30000.00")


def test_marginal_tiers_tax_each_slice_at_its_own_rate():
    assert compute(FUQING, D("10000000.00")).amount == D("50000.00")
    # 30M × 0.5% + 20M × 0.3% = 150,000 + 60,000
    result = compute(FUQING, D("50000000.00"))
    assert result.amount == D("210000.00")
    assert [s["base"] for s in result.steps] == ["30000000.00", "20000000.00"]


def test_marginal_slice_cap_limits_only_its_slice():
    terms = Terms(
        mode=MARGINAL,
        tiers=(Tier(D("1000000"), D("0.02"), cap=D("15000")), Tier(None, D("0.01"))),
    )
    # first slice 20,000 capped to 15,000; second slice 1,000,000 × 1% = 10,000
    assert compute(terms, D("2000000.00")).amount == D("25000.00")


BRACKETS = Terms(
    mode=BRACKET,
    tiers=(
        Tier(D("1000000"), D("0.01")),
        Tier(D("10000000"), D("0.012"), cap=D("100000")),
        Tier(None, D("0.015")),
    ),
    cap_per_project=D("300000"),
)


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("1000000.00", "10000.00"),  # the boundary belongs to the lower bracket
        ("1000000.01", "12000.00"),  # whole amount at 1.2%: 12000.00012
        ("5000000.00", "60000.00"),
        ("10000000.00", "100000.00"),  # 120,000 capped by the bracket's own cap
        ("12000000.00", "180000.00"),
        ("25000000.00", "300000.00"),  # the project cap
    ],
)
def test_bracket_tiers_pay_the_whole_amount_at_the_brackets_rate(basis, expected):
    assert not terms_errors(BRACKETS)
    assert compute(BRACKETS, D(basis)).amount == D(expected)


def test_bracket_policy_that_pays_less_above_a_boundary_is_refused():
    falling = Terms(mode=BRACKET, tiers=(Tier(D("30000000"), D("0.005")), Tier(None, D("0.003"))))
    errors = terms_errors(falling)
    assert errors and "marginal" in errors[0]


@pytest.mark.parametrize(
    ("terms", "fragment"),
    [
        (Terms(mode=FLAT), "rate"),
        (Terms(mode=FLAT, rate=D("1.5")), "0 到 1"),
        (Terms(mode=MARGINAL), "tiers"),
        (Terms(mode=MARGINAL, tiers=(Tier(D("10"), D("0.1")),)), "最后一档"),
        (
            Terms(
                mode=MARGINAL,
                tiers=(Tier(D("10"), D("0.1")), Tier(D("5"), D("0.1")), Tier(None, D("0.1"))),
            ),
            "递增",
        ),
        (Terms(mode="weird"), "flat"),
    ],
)
def test_invalid_terms_are_explained(terms, fragment):
    assert any(fragment in e for e in terms_errors(terms))


def test_three_way_split_gives_the_odd_fen_to_the_largest_remainder():
    parts = [Part(1, D("50.00"), lead=True), Part(2, D("30.00")), Part(3, D("20.00"))]
    # 1,851,852 fen: exact 925926, 555555.6, 370370.4 → the 0.6 remainder takes the odd fen
    assert split(D("18518.52"), parts) == [D("9259.26"), D("5555.56"), D("3703.70")]


def test_three_equal_thirds_of_an_odd_amount():
    parts = [Part(7, D("33.33")), Part(3, D("33.34"), lead=True), Part(5, D("33.33"))]
    # 1000.01 = 100001 fen: 33330.33.., 33340.33.., 33330.33.. → floors leave 1 fen; all three
    # remainders equal (1/3) → the larger share (the lead's 33.34) gets it
    assert split(D("1000.01"), parts) == [D("333.30"), D("333.41"), D("333.30")]


def test_ties_go_to_the_lead_broker_then_the_smaller_key():
    assert split(D("0.01"), [Part(1, D("50")), Part(2, D("50"), lead=True)]) == [D("0"), D("0.01")]
    assert split(D("0.01"), [Part(9, D("50")), Part(4, D("50"))]) == [D("0"), D("0.01")]


def test_split_refuses_fractions_of_a_fen():
    with pytest.raises(ValueError):
        split(D("1.005"), [Part(1, D("100"))])


def test_yearly_headroom_cuts_only_the_person_who_reached_it():
    assert cap_to_headroom([D("30000.00"), D("20000.00")], [D("12000.00"), None]) == [
        D("12000.00"),
        D("20000.00"),
    ]
    assert cap_to_headroom([D("5.00")], [D("-3.00")]) == [D("0")]


# --- properties ---------------------------------------------------------------------------------

money_st = st.decimals(
    min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False
)
rate_st = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
cap_st = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**7, places=2))


@st.composite
def terms_st(draw):
    mode = draw(st.sampled_from([FLAT, BRACKET, MARGINAL]))
    project_cap = draw(cap_st)
    if mode == FLAT:
        return Terms(mode=FLAT, rate=draw(rate_st), cap_per_project=project_cap)
    bounds = sorted(set(draw(st.lists(st.integers(1, 10**9), min_size=0, max_size=4))))
    uppers = [D(b) for b in bounds] + [None]
    tiers = tuple(Tier(u, draw(rate_st), draw(cap_st)) for u in uppers)
    terms = Terms(mode=mode, tiers=tiers, cap_per_project=project_cap)
    assume(not terms_errors(terms))
    return terms


@st.composite
def shares_st(draw):
    """2–5 percentages with two decimals summing to exactly 100.00."""
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 10000]
    return [D(bounds[i + 1] - bounds[i]) / 100 for i in range(n)]


def _caps(terms: Terms, basis: D) -> list[D]:
    caps = [terms.cap_per_project] if terms.cap_per_project is not None else []
    if terms.mode == BRACKET:
        tier = next(t for t in terms.tiers if t.up_to is None or basis <= t.up_to)
        if tier.cap is not None:
            caps.append(tier.cap)
    return caps


@settings(max_examples=300, deadline=None)
@given(terms=terms_st(), basis=money_st)
def test_amount_is_never_negative_and_never_above_any_cap(terms, basis):
    amount = compute(terms, basis).amount
    assert amount >= 0
    assert amount == amount.quantize(D("0.01"))
    for cap in _caps(terms, basis):
        assert amount <= cap


@settings(max_examples=300, deadline=None)
@given(terms=terms_st(), basis=money_st, more=money_st)
def test_amount_never_decreases_when_the_basis_grows(terms, basis, more):
    assert compute(terms, basis + more).amount >= compute(terms, basis).amount


@settings(max_examples=300, deadline=None)
@given(total=money_st, shares=shares_st(), lead=st.integers(0, 4))
def test_shares_sum_exactly_to_the_total_and_are_never_negative(total, shares, lead):
    parts = [Part(i + 1, s, lead=(i == lead)) for i, s in enumerate(shares)]
    amounts = split(total, parts)
    assert sum(amounts) == total
    assert all(a >= 0 and a == a.quantize(D("0.01")) for a in amounts)
    # nobody is more than one fen away from their exact share
    for a, s in zip(amounts, shares, strict=True):
        assert abs(a - total * s / 100) < D("0.01")


@settings(max_examples=200, deadline=None)
@given(
    total=money_st,
    shares=shares_st(),
    rooms=st.lists(st.one_of(st.none(), money_st), min_size=5, max_size=5),
)
def test_yearly_cap_never_raises_a_part_and_never_exceeds_the_room(total, shares, rooms):
    parts = [Part(i + 1, s) for i, s in enumerate(shares)]
    amounts = split(total, parts)
    capped = cap_to_headroom(amounts, rooms[: len(amounts)])
    for before, after, room in zip(amounts, capped, rooms, strict=False):
        assert 0 <= after <= before
        if room is not None:
            assert after <= room
