"""Amounts as merchants type them in the admin's forms, and back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import money


@pytest.mark.parametrize(
    "text, currency, minor",
    [
        ("19.99", "USD", 1999),
        ("19.9", "USD", 1990),
        ("19", "USD", 1900),
        (" 1,250.5 ", "USD", 125050),
        ("0", "EUR", 0),
        ("500", "JPY", 500),
        ("1.234", "KWD", 1234),
    ],
)
def test_a_typed_amount_is_read_in_minor_units(text, currency, minor):
    assert money.parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "text, currency",
    [
        ("19.999", "USD"),
        ("5.5", "JPY"),
        ("-1", "USD"),
        ("1e3", "USD"),
        ("", "USD"),
        ("12,34", "USD"),
        ("$5", "USD"),
        ("٣", "USD"),
    ],
)
def test_what_is_not_an_amount_of_the_currency_is_refused(text, currency):
    assert money.parse_amount(text, currency) is None


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["USD", "JPY", "KWD", "EUR"]))
def test_an_amount_shown_for_editing_reads_back_the_same(amount, currency):
    assert money.parse_amount(money.amount_input(amount, currency), currency) == amount
