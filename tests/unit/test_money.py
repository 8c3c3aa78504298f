import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import money
from chalicelib.money import (
    CURRENCIES,
    allocate,
    format_money,
    is_currency,
    percent_of,
    round_half_up,
    tax_in,
    tax_on,
)

amounts = st.integers(min_value=-(10**12), max_value=10**12)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)
rates_bp = st.integers(min_value=0, max_value=10_000)


def decimal_half_up(value: Fraction) -> int:
    """Reference rounding via Decimal, to cross-check round_half_up."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- currencies ---------------------------------------------------------------


def test_currency_table_covers_the_active_iso_list():
    assert len(CURRENCIES) >= 150
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in CURRENCIES)
    assert set(CURRENCIES.values()) <= {0, 2, 3, 4}


@pytest.mark.parametrize(
    "code, places",
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("ISK", 0),
        ("VND", 0),
        ("XOF", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("CLF", 4),
    ],
)
def test_minor_unit_exponents_match_iso_4217(code, places):
    assert CURRENCIES[code] == places
    assert money.exponent(code) == places


@pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "BHD", "XCD"])
def test_is_currency_accepts_active_upper_case_codes(code):
    assert is_currency(code)


@pytest.mark.parametrize(
    "code",
    [
        "usd",
        "Usd",
        "US",
        "USDX",
        "",
        "XAU",
        "XXX",
        "HRK",
        "ZZZ",
        None,
        840,
    ],
)
def test_is_currency_rejects_lower_case_unknown_withdrawn_and_non_strings(code):
    assert not is_currency(code)


def test_exponent_of_an_unknown_currency_is_a_programmer_error():
    with pytest.raises(ValueError):
        money.exponent("ABC")


# --- rounding -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),
        (Fraction(3, 2), 2),
        (Fraction(-3, 2), -2),
        (Fraction(249, 100), 2),
        (Fraction(251, 100), 3),
        (Fraction(-249, 100), -2),
        (Fraction(1, 3), 0),
        (Fraction(0), 0),
        (7, 7),
        (-7, -7),
    ],
)
def test_round_half_up_rounds_ties_away_from_zero(value, expected):
    assert round_half_up(value) == expected


@pytest.mark.parametrize("value", [2.5, Decimal("2.5"), "2", True])
def test_round_half_up_refuses_anything_but_int_and_fraction(value):
    with pytest.raises(ValueError):
        round_half_up(value)


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**9))
def test_round_half_up_agrees_with_decimal_round_half_up(value):
    assert round_half_up(value) == decimal_half_up(value)


# --- formatting ---------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, currency, shown",
    [
        (1999, "USD", "$19.99"),
        (500, "JPY", "¥500"),
        (123456, "EUR", "€1,234.56"),
        (-500, "USD", "-$5.00"),
        (-5, "USD", "-$0.05"),
        (0, "USD", "$0.00"),
        (7, "GBP", "£0.07"),
        (123456789, "USD", "$1,234,567.89"),
        (1234567, "JPY", "¥1,234,567"),
        (-1000, "JPY", "-¥1,000"),
        (123456, "CHF", "CHF\u00a01,234.56"),
        (-123456, "CHF", "-CHF\u00a01,234.56"),
        (1234, "BHD", "BHD\u00a01.234"),
        (5, "KWD", "KWD\u00a00.005"),
        (1234567, "BHD", "BHD\u00a01,234.567"),
        (10000, "ISK", "ISK\u00a010,000"),
        (12345, "CLF", "CLF\u00a01.2345"),
        (1999, "CAD", "CA$19.99"),
        (50000, "KRW", "₩50,000"),
    ],
)
def test_format_money_for_the_storefront(amount, currency, shown):
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize(
    "amount, currency, shown",
    [
        (1999, "CNY", "¥19.99"),
        (1999, "USD", "US$19.99"),
        (500, "JPY", "JP¥500"),
        (-123456, "EUR", "-€1,234.56"),
        (1234, "BHD", "BHD\u00a01.234"),
    ],
)
def test_format_money_in_simplified_chinese(amount, currency, shown):
    assert format_money(amount, currency, "zh_Hans_CN") == shown


@given(amounts, st.sampled_from(sorted(CURRENCIES)), st.sampled_from(["en", "zh_Hans_CN"]))
def test_format_money_shows_exactly_the_currencys_minor_unit_digits(amount, currency, locale):
    shown = format_money(amount, currency, locale)  # both languages put the symbol first and write a point
    fraction = re.search(r"[0-9]\.([0-9]+)$", shown)
    assert (len(fraction[1]) if fraction else 0) == CURRENCIES[currency]


@pytest.mark.parametrize(
    "amount, currency",
    [
        (19.99, "USD"),
        (Decimal("1999"), "USD"),
        (True, "USD"),
        (100, "usd"),
        (100, "XYZ"),
    ],
)
def test_format_money_refuses_non_int_amounts_and_unknown_currencies(amount, currency):
    with pytest.raises(ValueError):
        format_money(amount, currency)


# --- allocate -----------------------------------------------------------------


def test_allocate_gives_the_odd_cent_of_an_even_split_to_the_first_part():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]


@pytest.mark.parametrize(
    "total, expected",
    [
        (1, [1, 0, 0]),
        (2, [1, 1, 0]),
        (3, [1, 1, 1]),
        (4, [2, 1, 1]),
    ],
)
def test_allocate_breaks_remainder_ties_by_lowest_index(total, expected):
    assert allocate(total, [5, 5, 5]) == expected


def test_allocate_gives_left_over_units_to_the_largest_remainders():
    # Exact shares 1.67, 3.33, 5: floors 1, 3, 5; the one left over goes to
    # the 2/3 remainder.
    assert allocate(10, [1, 2, 3]) == [2, 3, 5]


def test_allocate_prefers_a_larger_remainder_over_a_lower_index():
    # Exact shares 100.17, 100.17, 100.67: the cent goes to the last part.
    assert allocate(301, [1000, 1000, 1005]) == [100, 100, 101]


def test_allocate_gives_nothing_to_a_zero_weight_beside_non_zero_weights():
    assert allocate(7, [0, 1, 0]) == [0, 7, 0]


def test_allocate_spreads_all_zero_weights_like_equal_weights():
    assert allocate(100, [0, 0, 0]) == allocate(100, [1, 1, 1]) == [34, 33, 33]


def test_allocate_negative_total_mirrors_the_positive_split():
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(-10, [1, 2, 3]) == [-2, -3, -5]


def test_allocate_zero_total_gives_zeros():
    assert allocate(0, [3, 0, 9]) == [0, 0, 0]


def test_allocate_to_no_parts_only_works_for_zero():
    assert allocate(0, []) == []
    with pytest.raises(ValueError):
        allocate(1, [])


@pytest.mark.parametrize(
    "total, weights",
    [
        (10, [1, -1]),
        (10.0, [1, 1]),
        (10, [1.5, 1]),
        (10, [True, 1]),
        (Decimal(10), [1]),
    ],
)
def test_allocate_refuses_negative_or_non_int_input(total, weights):
    with pytest.raises(ValueError):
        allocate(total, weights)


@given(amounts, weight_lists)
def test_allocate_sums_exactly_to_the_total(total, weights):
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(type(p) is int for p in parts)


@given(amounts, weight_lists)
def test_allocate_keeps_each_part_within_one_unit_of_its_exact_share(total, weights):
    effective = weights if any(weights) else [1] * len(weights)
    for part, weight in zip(allocate(total, weights), effective, strict=False):
        exact = Fraction(total * weight, sum(effective))
        assert abs(part - exact) < 1


@given(st.integers(min_value=0, max_value=10**12), weight_lists)
def test_allocate_never_gives_a_heavier_weight_less(total, weights):
    parts = allocate(total, weights)
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert parts[i] >= parts[j]


@given(amounts, weight_lists)
def test_allocate_is_sign_symmetric(total, weights):
    assert allocate(-total, weights) == [-p for p in allocate(total, weights)]


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=50))
def test_allocate_equal_weights_differ_by_at_most_one_larger_first(total, n):
    parts = allocate(total, [1] * n)
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


# --- percent_of ---------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, percent, expected",
    [
        (1999, 10, 200),  # 199.9
        (1994, 10, 199),  # 199.4
        (1995, 10, 200),  # 199.5, tie rounds up
        (1, 50, 1),  # 0.5
        (-1, 50, -1),  # -0.5, tie away from zero
        (-1995, 10, -200),
        (100, Fraction(25, 2), 13),  # 12.5 %
        (1000, Decimal("7.5"), 75),
        (3000, 100, 3000),
        (3000, 0, 0),
        (333, 5, 17),  # JPY: 16.65
    ],
)
def test_percent_of_rounds_half_up_to_the_minor_unit(amount, percent, expected):
    assert percent_of(amount, percent) == expected


@pytest.mark.parametrize("percent", [10.0, "10", True, Decimal("NaN")])
def test_percent_of_refuses_float_and_other_rate_types(percent):
    with pytest.raises(ValueError):
        percent_of(1000, percent)


def test_percent_of_refuses_a_float_amount():
    with pytest.raises(ValueError):
        percent_of(10.0, 10)


@given(amounts, st.integers(min_value=0, max_value=100))
def test_percent_of_matches_decimal_half_up(amount, percent):
    assert percent_of(amount, percent) == decimal_half_up(Fraction(amount * percent, 100))


# --- tax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, rate_bp, expected",
    [
        (1000, 825, 83),  # 82.5 -> 83
        (1999, 825, 165),  # 164.9175
        (10000, 825, 825),
        (500, 1000, 50),  # JPY 10 %
        (1005, 1000, 101),  # BHD fils: 100.5 -> 101
        (-1000, 825, -83),
        (1000, 0, 0),
    ],
)
def test_tax_on_adds_the_rate_in_basis_points(amount, rate_bp, expected):
    assert tax_on(amount, rate_bp) == expected


@pytest.mark.parametrize(
    "gross, rate_bp, expected",
    [
        (1200, 2000, 200),  # 20 % VAT contained in 12.00
        (1083, 825, 83),  # 82.54
        (1100, 1000, 100),  # JPY 10 % consumption tax
        (1999, 1900, 319),  # 319.17, German VAT
        (-1200, 2000, -200),
        (1000, 0, 0),
    ],
)
def test_tax_in_extracts_the_tax_contained_in_a_gross_amount(gross, rate_bp, expected):
    assert tax_in(gross, rate_bp) == expected


@pytest.mark.parametrize("fn", [tax_on, tax_in])
def test_tax_refuses_a_negative_or_non_int_rate(fn):
    with pytest.raises(ValueError):
        fn(1000, -1)
    with pytest.raises(ValueError):
        fn(1000, 8.25)


@given(amounts, rates_bp)
def test_tax_on_matches_decimal_half_up(amount, rate_bp):
    assert tax_on(amount, rate_bp) == decimal_half_up(Fraction(amount * rate_bp, 10_000))


@given(amounts, rates_bp)
def test_tax_in_recovers_exactly_the_tax_that_tax_on_added(net, rate_bp):
    added = tax_on(net, rate_bp)
    assert tax_in(net + added, rate_bp) == added


@given(st.integers(min_value=0, max_value=10**12), rates_bp)
def test_tax_in_never_exceeds_the_gross_amount(gross, rate_bp):
    assert 0 <= tax_in(gross, rate_bp) <= gross
