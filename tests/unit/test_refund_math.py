"""Refunds of returned units across a whole order (refund_math.refund_for_lines): exact to the minor unit."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import money
from chalicelib.pricing import Line, TaxRate, quote
from chalicelib.refund_math import refund_for_lines
from tests.support.pricing import NOW, partitions, percent_off, quotes


@st.composite
def orders(draw):
    """A quote whose lines are distinct variants, as every order's are."""
    q = draw(quotes())
    lines = tuple(dataclasses.replace(line, variant_id=f"v{i}") for i, line in enumerate(q.lines))
    return dataclasses.replace(q, lines=lines)


@st.composite
def returns_of(draw, q):
    """The order's units split into a random sequence of returns, each a {variant: count}."""
    chunks = []
    for line in q.lines:
        for count in draw(partitions(line.quantity)):
            chunks.append((line.variant_id, count))
    chunks = draw(st.permutations(chunks))
    returns, current = [], {}
    for variant_id, count in chunks:
        if variant_id in current or draw(st.booleans()):
            if current:
                returns.append(current)
            current = {}
        current[variant_id] = count
    if current:
        returns.append(current)
    return returns


def _refund_all(q, returns, fee=0):
    returned, shipping_refunded, total = {}, 0, 0
    for i, counts in enumerate(returns):
        refund = refund_for_lines(
            q,
            counts,
            already_returned=returned,
            restocking_fee_percent=fee,
            refund_shipping_left=i == len(returns) - 1,
            already_refunded_shipping=shipping_refunded,
        )
        total += refund.total
        shipping_refunded += refund.shipping
        for variant_id, count in counts.items():
            returned[variant_id] = returned.get(variant_id, 0) + count
    return total


@given(st.data())
def test_returning_every_unit_in_any_returns_with_shipping_refunds_exactly_what_was_paid(data):
    q = data.draw(orders())
    assert _refund_all(q, data.draw(returns_of(q))) == q.total


@given(st.data(), st.integers(0, 100))
def test_with_a_restocking_fee_refunds_never_add_up_to_more_than_was_paid(data, fee):
    q = data.draw(orders())
    assert 0 <= _refund_all(q, data.draw(returns_of(q)), fee) <= q.total


@given(st.data(), st.integers(0, 100))
def test_the_fee_is_one_rounding_of_the_units_refund(data, fee):
    q = data.draw(orders())
    counts = {line.variant_id: data.draw(st.integers(0, line.quantity)) for line in q.lines}
    refund = refund_for_lines(q, counts, restocking_fee_percent=fee)
    assert refund.restocking_fee == money.percent_of(refund.merchandise, fee)
    assert 0 <= refund.restocking_fee <= refund.merchandise and refund.shipping == 0


def test_one_returned_shirt_of_two_with_ten_percent_off_and_eight_percent_tax():
    # Shirts 2 x 20.00 and a mug 10.00; 10 % off = 5.00, of which the shirts' line takes 4.00 (2.00 a
    # shirt); tax 8 % of the shirts' 36.00 = 2.88 (1.44 a shirt). One shirt: 20.00 - 2.00 + 1.44 = 19.44.
    q = quote(
        [Line("shirt", 2000, 2), Line("mug", 1000, 1)],
        "USD",
        country="US",
        discount=percent_off(10),
        tax_rates=[TaxRate("US", 800)],
        now=NOW,
    )
    refund = refund_for_lines(q, {"shirt": 1})
    assert (refund.merchandise, refund.restocking_fee, refund.shipping, refund.total) == (1944, 0, 0, 1944)


def test_a_ten_percent_restocking_fee_rounds_half_up_once():
    q = quote([Line("a", 1005, 1), Line("b", 1000, 1)], "USD", country="US", now=NOW)
    refund = refund_for_lines(q, {"a": 1, "b": 1}, restocking_fee_percent=10)
    assert (refund.merchandise, refund.restocking_fee, refund.total) == (2005, 201, 1804)  # 200.5 -> 201


def test_shipping_comes_back_only_when_asked_and_only_what_is_left():
    from chalicelib.pricing import ShippingRate

    q = quote([Line("a", 1000, 2)], "USD", country="US", shipping_rates=[ShippingRate("std", 500)], now=NOW)
    assert refund_for_lines(q, {"a": 1}).shipping == 0
    assert (
        refund_for_lines(
            q, {"a": 1}, already_returned={"a": 1}, refund_shipping_left=True, already_refunded_shipping=200
        ).shipping
        == 300
    )


@pytest.mark.parametrize(
    "counts, kwargs",
    [
        ({"zzz": 1}, {}),
        ({"a": 3}, {}),
        ({"a": 1}, {"already_returned": {"a": 2}}),
        ({"a": 1}, {"restocking_fee_percent": 101}),
    ],
)
def test_impossible_refunds_are_value_errors(counts, kwargs):
    q = quote([Line("a", 1000, 2)], "USD", country="US", now=NOW)
    with pytest.raises(ValueError):
        refund_for_lines(q, counts, **kwargs)
