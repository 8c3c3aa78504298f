import json
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.pricing import (
    Discount,
    DiscountNotApplicable,
    Line,
    Quote,
    ShippingRate,
    ShippingUnavailable,
    TaxRate,
    charge_lines,
    check_discount,
    choose_shipping_rate,
    quote,
)
from chalicelib.refund_math import refund_for_units, refund_shipping, units_to_refund
from tests.support.pricing import (
    COUNTRIES,
    FREE_SHIPPING,
    NOW,
    lines_strategy,
    partitions,
    percent_off,
    quotes,
    shipping_strategy,
)


def price(lines, currency="USD", **kwargs):
    kwargs.setdefault("country", "US")
    kwargs.setdefault("now", NOW)
    return quote(lines, currency, **kwargs)


def amount_off(value, **kwargs):
    return Discount(code="FLAT", type="fixed_amount", value=value, **kwargs)


STANDARD = ShippingRate("Standard", 500)


# --- subtotal and discounts -------------------------------------------------


def test_a_cart_without_discount_shipping_or_tax_costs_its_subtotal():
    q = price([Line("a", 1999, 2), Line("b", 500, 1)])
    assert (q.subtotal, q.discount_total, q.shipping_total, q.tax_total, q.total) == (4498, 0, 0, 0, 4498)
    assert [ql.line_subtotal for ql in q.lines] == [3998, 500]
    assert q.discount_code is None and q.shipping_rate is None


def test_ten_percent_off_three_lines_allocates_the_odd_cent_to_the_largest_remainder():
    # 10 % of 30.05 is 3.005 -> 3.01. Exact shares 1.0017, 1.0017, 1.0067:
    # the odd cent goes to the third line, not the first.
    q = price([Line("a", 1000, 1), Line("b", 1000, 1), Line("c", 335, 3)], discount=percent_off(10))
    assert q.discount_total == 301
    assert [ql.discount for ql in q.lines] == [100, 100, 101]
    assert q.lines[2].unit_discounts == (34, 34, 33)
    assert q.total == 3005 - 301


def test_fixed_discount_over_equal_lines_gives_the_odd_cent_to_the_first_line():
    q = price([Line("a", 1000, 1), Line("b", 1000, 1), Line("c", 1000, 1)], discount=amount_off(100))
    assert [ql.discount for ql in q.lines] == [34, 33, 33]


def test_a_lines_discount_is_split_across_its_units_first_units_first():
    q = price([Line("a", 1000, 3)], discount=amount_off(100))
    assert q.lines[0].unit_discounts == (34, 33, 33)


def test_percentage_discount_rounds_half_up():
    # 10 % of 19.95 is 1.995 -> 2.00
    assert price([Line("a", 1995, 1)], discount=percent_off(10)).discount_total == 200
    # 10 % of 19.94 is 1.994 -> 1.99
    assert price([Line("a", 1994, 1)], discount=percent_off(10)).discount_total == 199


def test_fixed_discount_larger_than_the_subtotal_only_takes_the_subtotal():
    q = price([Line("a", 1200, 1), Line("b", 300, 2)], discount=amount_off(5000), shipping_rates=[STANDARD])
    assert q.discount_total == 1800
    assert [ql.discount for ql in q.lines] == [1200, 600]
    assert q.total == 500  # shipping is still charged


def test_hundred_percent_off_leaves_only_shipping():
    q = price(
        [Line("a", 4999, 3)], discount=percent_off(100), shipping_rates=[STANDARD], tax_rates=[TaxRate("US", 825)]
    )
    assert (q.discount_total, q.tax_total, q.total) == (14997, 0, 500)


def test_free_shipping_discount_zeroes_shipping_and_leaves_goods_alone():
    q = price([Line("a", 2000, 1)], discount=FREE_SHIPPING, shipping_rates=[STANDARD])
    assert (q.discount_total, q.shipping_total, q.total) == (0, 0, 2000)
    assert q.shipping_rate == "Standard"
    assert q.discount_code == "SHIPFREE"


def test_zero_priced_lines_take_no_discount():
    q = price([Line("gift", 0, 2), Line("a", 1000, 1)], discount=percent_off(50))
    assert [ql.discount for ql in q.lines] == [0, 500]
    assert q.lines[0].unit_discounts == (0, 0)


def test_all_free_cart_with_a_fixed_discount_costs_nothing():
    q = price([Line("gift", 0, 2)], discount=amount_off(500))
    assert (q.discount_total, q.total) == (0, 0)


# --- discount applicability -------------------------------------------------


@pytest.mark.parametrize(
    "discount, reason",
    [
        (percent_off(10, starts_at=NOW + timedelta(seconds=1)), "not_started"),
        (percent_off(10, ends_at=NOW), "expired"),
        (percent_off(10, ends_at=NOW - timedelta(days=1)), "expired"),
        (percent_off(10, usage_limit=5, times_used=5), "usage_limit_reached"),
        (percent_off(10, usage_limit=0), "usage_limit_reached"),
        (percent_off(10, once_per_customer=True, customer_has_used=True), "already_used"),
        (percent_off(10, minimum_subtotal=5001), "minimum_subtotal"),
        (Discount("SHIPFREE", "free_shipping", minimum_subtotal=10_000), "minimum_subtotal"),
    ],
)
def test_unusable_discount_raises_with_its_reason(discount, reason):
    with pytest.raises(DiscountNotApplicable) as caught:
        price([Line("a", 2500, 2)], discount=discount)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)  # a message the API can show


@pytest.mark.parametrize(
    "discount",
    [
        percent_off(10, starts_at=NOW),
        percent_off(10, ends_at=NOW + timedelta(microseconds=1)),
        percent_off(10, starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=1)),
        percent_off(10, usage_limit=5, times_used=4),
        percent_off(10, customer_has_used=True),  # not once-per-customer
        percent_off(10, once_per_customer=True, customer_has_used=False),
        percent_off(10, minimum_subtotal=5000),
    ],
)
def test_discount_at_the_edge_of_its_limits_still_applies(discount):
    assert price([Line("a", 2500, 2)], discount=discount).discount_total == 500


def test_minimum_subtotal_is_checked_before_the_discount_comes_off():
    # 50.00 reaches a 50.00 minimum even though 10 % off leaves 45.00.
    q = price([Line("a", 5000, 1)], discount=percent_off(10, minimum_subtotal=5000))
    assert q.total == 4500


def test_the_time_window_is_reported_before_the_other_reasons():
    discount = percent_off(10, ends_at=NOW, usage_limit=1, times_used=1, minimum_subtotal=10**9)
    with pytest.raises(DiscountNotApplicable) as caught:
        check_discount(discount, 100, NOW)
    assert caught.value.reason == "expired"


def test_discount_not_applicable_only_knows_the_listed_reasons():
    assert DiscountNotApplicable.REASONS == (
        "not_started",
        "expired",
        "usage_limit_reached",
        "already_used",
        "minimum_subtotal",
    )
    with pytest.raises(ValueError):
        DiscountNotApplicable("because")


# --- shipping ---------------------------------------------------------------


def test_a_zone_rate_wins_over_a_cheaper_everywhere_rate():
    rates = [ShippingRate("World", 300), ShippingRate("US", 800, ("US",))]
    q = price([Line("a", 1000, 1)], shipping_rates=rates)
    assert (q.shipping_rate, q.shipping_total) == ("US", 800)


def test_an_everywhere_rate_serves_countries_without_a_zone():
    rates = [ShippingRate("World", 1500), ShippingRate("US", 800, ("US",))]
    q = price([Line("a", 1000, 1)], country="DE", shipping_rates=rates)
    assert (q.shipping_rate, q.shipping_total) == ("World", 1500)


def test_the_cheapest_of_several_matching_rates_is_charged():
    rates = [
        ShippingRate("Express", 1500, ("US", "CA")),
        ShippingRate("Ground", 700, ("US",)),
        ShippingRate("Courier", 900, ("US",)),
    ]
    q = price([Line("a", 1000, 1)], shipping_rates=rates)
    assert (q.shipping_rate, q.shipping_total) == ("Ground", 700)


def test_equally_cheap_rates_pick_the_first_listed():
    rates = [ShippingRate("A", 700), ShippingRate("B", 700)]
    assert choose_shipping_rate(rates, "US", 0).name == "A"


def test_free_over_compares_with_the_discounted_subtotal():
    rate = ShippingRate("Standard", 500, free_over=5000)
    # 50.00 - 10 % = 45.00 is below the 50.00 threshold.
    q = price([Line("a", 5000, 1)], shipping_rates=[rate], discount=percent_off(10))
    assert q.shipping_total == 500
    # Exactly at the threshold ships free.
    q = price([Line("a", 5000, 1)], shipping_rates=[rate])
    assert q.shipping_total == 0


def test_a_rate_that_is_free_over_the_threshold_counts_as_cheapest():
    rates = [ShippingRate("Cheap", 300), ShippingRate("Standard", 500, free_over=4000)]
    q = price([Line("a", 4000, 1)], shipping_rates=rates)
    assert (q.shipping_rate, q.shipping_total) == ("Standard", 0)


def test_no_shipping_rates_means_no_shipping_charge():
    q = price([Line("ebook", 999, 1)], shipping_rates=())
    assert (q.shipping_total, q.shipping_rate) == (0, None)


def test_rates_that_do_not_cover_the_country_make_shipping_unavailable():
    with pytest.raises(ShippingUnavailable) as caught:
        price([Line("a", 1000, 1)], country="JP", shipping_rates=[ShippingRate("US", 800, ("US",))])
    assert caught.value.country == "JP"
    assert isinstance(caught.value, ValueError)


# --- tax --------------------------------------------------------------------


def test_exclusive_tax_is_added_per_line_and_shipping_is_not_taxed():
    q = price([Line("a", 1999, 1), Line("b", 1000, 1)], shipping_rates=[STANDARD], tax_rates=[TaxRate("US", 825)])
    # 19.99 * 8.25 % = 1.649 -> 1.65; 10.00 * 8.25 % = 0.825 -> 0.83
    assert [ql.tax for ql in q.lines] == [165, 83]
    assert q.tax_total == 248
    assert q.total == 2999 + 500 + 248
    assert all(ql.tax_added for ql in q.lines)


def test_exclusive_tax_is_charged_on_the_discounted_line_amount():
    q = price([Line("a", 1000, 3)], discount=amount_off(100), tax_rates=[TaxRate("US", 825)])
    # 29.00 * 8.25 % = 2.3925 -> 2.39, split by each unit's net price
    # (9.66, 9.67, 9.67).
    line = q.lines[0]
    assert (line.discount, line.tax, line.total) == (100, 239, 3139)
    assert line.unit_taxes == (79, 80, 80)
    assert q.total == 3139


def test_a_country_without_a_tax_rate_pays_no_tax():
    q = price([Line("a", 1000, 1)], country="DE", tax_rates=[TaxRate("US", 825)], shipping_rates=[STANDARD])
    assert (q.tax_total, q.tax_rate_bp, q.total) == (0, 0, 1500)


def test_two_tax_rates_for_one_country_is_a_configuration_error():
    with pytest.raises(ValueError):
        price([Line("a", 1000, 1)], tax_rates=[TaxRate("US", 825), TaxRate("US", 700)])


def _two_at_12_in_france(**terms):
    """2 x 12.00 EUR shipped to France, the prices including its 20 % VAT."""
    return price(
        [Line("a", 1200, 2)],
        currency="EUR",
        country="FR",
        prices_include_tax=True,
        tax_rates=[TaxRate("FR", 2000)],
        **terms,
    )


def test_inclusive_tax_is_reported_but_not_added():
    q = _two_at_12_in_france(shipping_rates=[STANDARD])
    assert (q.subtotal, q.tax_total, q.total) == (2400, 400, 2900)
    line = q.lines[0]
    assert (line.tax, line.total, line.tax_added) == (400, 2400, False)
    assert line.unit_taxes == (200, 200)
    assert q.prices_include_tax


def test_inclusive_tax_is_extracted_from_the_discounted_amount():
    # 10 % off 2 x 12.00 leaves 21.60, of which 20 % VAT is 3.60.
    q = _two_at_12_in_france(discount=percent_off(10))
    assert (q.discount_total, q.tax_total, q.total) == (240, 360, 2160)


# --- zero- and three-decimal currencies -------------------------------------


def test_jpy_percentage_discount_and_tax_round_to_whole_yen():
    # 5 % of ¥333 is 16.65 -> ¥17; 10 % tax on ¥316 is 31.6 -> ¥32.
    q = price(
        [Line("a", 333, 1)], currency="JPY", country="JP", discount=percent_off(5), tax_rates=[TaxRate("JP", 1000)]
    )
    assert (q.discount_total, q.tax_total, q.total) == (17, 32, 348)


def test_jpy_tax_inclusive_cart_splits_discount_and_tax_per_unit():
    q = price(
        [Line("a", 1100, 2)],
        currency="JPY",
        country="JP",
        discount=percent_off(5),
        prices_include_tax=True,
        tax_rates=[TaxRate("JP", 1000)],
    )
    line = q.lines[0]
    assert (q.discount_total, q.tax_total, q.total) == (110, 190, 2090)
    assert line.unit_discounts == (55, 55)
    assert line.unit_taxes == (95, 95)
    assert refund_for_units(line, 1) == 1045


def test_bhd_tax_rounds_to_the_fils_and_splits_across_units():
    # 3 x 1.005 BHD = 3.015; 10 % VAT = 0.3015 -> 0.302 BHD.
    q = price(
        [Line("a", 1005, 3)],
        currency="BHD",
        country="BH",
        tax_rates=[TaxRate("BH", 1000)],
        shipping_rates=[ShippingRate("Local", 1500, ("BH",))],
    )
    line = q.lines[0]
    assert (line.tax, line.unit_taxes) == (302, (101, 101, 100))
    assert q.total == 3015 + 302 + 1500
    assert [refund_for_units(line, 1, already_returned=n) for n in range(3)] == [1105, 1106, 1106]


# --- malformed input (programmer errors) ------------------------------------


@pytest.mark.parametrize(
    "lines, currency, kwargs",
    [
        ([Line("a", 1000, 1)], "usd", {}),
        ([Line("a", 1000, 1)], "XYZ", {}),
        ([], "USD", {}),
        ([Line("a", 1000, 0)], "USD", {}),
        ([Line("a", -1, 1)], "USD", {}),
        ([Line("a", 10.0, 1)], "USD", {}),
        ([Line("a", 1000, 1.0)], "USD", {}),
        ([Line("a", 1000, 1)], "USD", {"discount": percent_off(101)}),
        ([Line("a", 1000, 1)], "USD", {"discount": amount_off(-1)}),
        ([Line("a", 1000, 1)], "USD", {"discount": Discount("X", "bogo", 1)}),
        ([Line("a", 1000, 1)], "USD", {"shipping_rates": [ShippingRate("S", -5)]}),
        ([Line("a", 1000, 1)], "USD", {"shipping_rates": [ShippingRate("S", 5.0)]}),
        ([Line("a", 1000, 1)], "USD", {"tax_rates": [TaxRate("US", -1)]}),
        ([Line("a", 1000, 1)], "USD", {"tax_rates": [TaxRate("US", 8.25)]}),
    ],
)
def test_malformed_input_is_a_value_error(lines, currency, kwargs):
    with pytest.raises(ValueError):
        price(lines, currency, **kwargs)


# --- storage ----------------------------------------------------------------


def sample_quote():
    return price(
        [Line("a", 1000, 3), Line("b", 250, 1)],
        discount=percent_off(10),
        shipping_rates=[STANDARD],
        tax_rates=[TaxRate("US", 825)],
    )


def test_to_dict_holds_plain_json_values():
    data = sample_quote().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["lines"][0]["unit_discounts"] == [100, 100, 100]
    assert data["total"] == 3667


def test_a_stored_quote_reads_back_equal_even_with_decimal_numbers():
    q = sample_quote()
    assert Quote.from_dict(q.to_dict()) == q
    # DynamoDB hands numbers back as Decimal.
    stored = json.loads(json.dumps(q.to_dict()), parse_int=Decimal)
    restored = Quote.from_dict(stored)
    assert restored == q
    assert type(restored.total) is int
    assert type(restored.lines[0].unit_taxes[0]) is int


def test_quotes_are_immutable():
    q = sample_quote()
    with pytest.raises(AttributeError):
        q.total = 0


# --- refunds ----------------------------------------------------------------


def refund_line():
    # unit totals: 10.45, 10.47, 10.47 (see the exclusive tax test above)
    return price([Line("a", 1000, 3)], discount=amount_off(100), tax_rates=[TaxRate("US", 825)]).lines[0]


def test_units_are_refunded_last_units_first():
    line = refund_line()
    assert units_to_refund(line, 1) == (2,)
    assert units_to_refund(line, 2, already_returned=1) == (1, 0)
    assert units_to_refund(line, 3) == (2, 1, 0)


def test_a_unit_refund_is_its_price_minus_its_discount_plus_its_tax():
    line = refund_line()
    assert [line.unit_total(i) for i in range(3)] == [1045, 1047, 1047]
    assert refund_for_units(line, 1) == 1047


def test_refunding_every_unit_one_at_a_time_returns_the_line_total():
    line = refund_line()
    refunds = [refund_for_units(line, 1, already_returned=n) for n in range(3)]
    assert refunds == [1047, 1047, 1045]
    assert sum(refunds) == line.total == 3139


def test_explicit_unit_indices_refund_those_units():
    line = refund_line()
    assert refund_for_units(line, [0]) == 1045
    assert refund_for_units(line, (0, 2)) == 2092
    assert refund_for_units(line, []) == 0


def test_restocking_fee_comes_off_the_refund_rounded_half_up():
    line = refund_line()
    # 15 % of 10.47 is 1.5705 -> 1.57
    assert refund_for_units(line, 1, restocking_fee_percent=15) == 890
    # 10 % of 20.94 is 2.094 -> 2.09
    assert refund_for_units(line, 2, restocking_fee_percent=10) == 1885
    assert refund_for_units(line, 1, restocking_fee_percent=100) == 0
    assert refund_for_units(line, 1, restocking_fee_percent=Fraction(25, 2)) == 1047 - 131


def test_tax_inclusive_refund_does_not_add_the_tax_again():
    assert refund_for_units(_two_at_12_in_france().lines[0], 2) == 2400


@pytest.mark.parametrize(
    "units, kwargs",
    [
        (4, {}),
        (2, {"already_returned": 2}),
        (-1, {}),
        (True, {}),
        ([3], {}),
        ([-1], {}),
        ([0, 0], {}),
        ([0], {"already_returned": 1}),
        (1, {"restocking_fee_percent": 101}),
        (1, {"restocking_fee_percent": -1}),
        (1, {"restocking_fee_percent": 10.0}),
    ],
)
def test_impossible_refunds_are_value_errors(units, kwargs):
    with pytest.raises(ValueError):
        refund_for_units(refund_line(), units, **kwargs)


def test_refund_shipping_returns_what_is_left_of_the_shipping_charge():
    q = sample_quote()
    assert refund_shipping(q, 0) == 500
    assert refund_shipping(q, 200) == 300
    assert refund_shipping(q, 500) == 0
    with pytest.raises(ValueError):
        refund_shipping(q, 501)
    with pytest.raises(ValueError):
        refund_shipping(q, -1)


# --- properties over random carts -------------------------------------------


def ints_in(value):
    if isinstance(value, dict):
        return [v for item in value.values() for v in ints_in(item)]
    if isinstance(value, list):
        return [v for item in value for v in ints_in(item)]
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return [value] if numeric else []


@given(quotes())
def test_quote_totals_add_up(q):
    taxes_added = 0 if q.prices_include_tax else q.tax_total
    assert q.total == (q.subtotal - q.discount_total + q.shipping_total + taxes_added)
    assert q.total == sum(line.total for line in q.lines) + q.shipping_total
    assert q.subtotal == sum(line.line_subtotal for line in q.lines)
    assert q.discount_total == sum(line.discount for line in q.lines)
    assert q.tax_total == sum(line.tax for line in q.lines)
    assert 0 <= q.discount_total <= q.subtotal


@given(quotes())
def test_quote_lines_split_exactly_into_units(q):
    for line in q.lines:
        assert line.line_subtotal == line.unit_price * line.quantity
        assert len(line.unit_discounts) == len(line.unit_taxes) == line.quantity
        assert sum(line.unit_discounts) == line.discount
        assert sum(line.unit_taxes) == line.tax
        assert all(0 <= d <= line.unit_price for d in line.unit_discounts)
        assert sum(line.unit_total(i) for i in range(line.quantity)) == line.total
        assert line.tax_added is not q.prices_include_tax


@given(quotes())
def test_quote_holds_only_non_negative_ints(q):
    values = ints_in(q.to_dict())
    assert values and all(type(v) is int and v >= 0 for v in values)


@given(quotes())
def test_quote_survives_a_round_trip_through_storage(q):
    assert Quote.from_dict(json.loads(json.dumps(q.to_dict()))) == q


def test_charge_lines_list_each_unit_after_its_discount_then_shipping_and_tax():
    q = sample_quote()  # 10 % off 30.00 + 2.50, 5.00 shipping, 8.25 % tax added
    assert charge_lines(q, {"a": "Mug", "b": "Tea"}) == [
        {"name": "Mug", "unit_amount": 900, "quantity": 3},
        {"name": "Tea", "unit_amount": 225, "quantity": 1},
        {"name": "Shipping", "unit_amount": 500, "quantity": 1},
        {"name": "Tax", "unit_amount": q.tax_total, "quantity": 1},
    ]
    odd = price([Line("a", 1000, 3)], discount=amount_off(100))  # 1.00 off 3 units: 34, 33, 33
    assert charge_lines(odd, {"a": "Mug"}) == [
        {"name": "Mug", "unit_amount": 966, "quantity": 1},
        {"name": "Mug", "unit_amount": 967, "quantity": 2},
    ]
    inclusive = price([Line("a", 1200, 2)], country="FR", prices_include_tax=True, tax_rates=[TaxRate("FR", 2000)])
    assert charge_lines(inclusive, {"a": "Mug"}) == [{"name": "Mug", "unit_amount": 1200, "quantity": 2}]


@given(quotes())
def test_charge_lines_add_up_to_the_quote_total_and_keep_every_unit(q):
    items = charge_lines(q, {line.variant_id: f"item {line.variant_id}" for line in q.lines})
    assert sum(i["unit_amount"] * i["quantity"] for i in items) == q.total
    assert all(i["unit_amount"] >= 0 and i["quantity"] >= 1 for i in items)
    merchandise = [i for i in items if i["name"].startswith("item ")]
    assert sum(i["quantity"] for i in merchandise) == sum(line.quantity for line in q.lines)
    assert len(merchandise) <= 2 * len(q.lines)


@given(quotes())
def test_refunding_every_unit_and_the_shipping_returns_the_quote_total(q):
    refunded = sum(refund_for_units(line, line.quantity) for line in q.lines)
    assert refunded + refund_shipping(q, 0) == q.total


@given(quotes(), st.data())
def test_partial_refunds_in_any_split_add_up_to_the_quote_total(q, data):
    refunded = 0
    for line in q.lines:
        returned = 0
        for count in data.draw(partitions(line.quantity)):
            refunded += refund_for_units(line, count, already_returned=returned)
            returned += count
    shipping_done = data.draw(st.integers(0, q.shipping_total))
    refunded += shipping_done + refund_shipping(q, shipping_done)
    assert refunded == q.total


@given(quotes(), st.data())
def test_refunds_by_unit_index_in_any_order_add_up_to_the_quote_total(q, data):
    refunded = refund_shipping(q, 0)
    for line in q.lines:
        order = data.draw(st.permutations(range(line.quantity)))
        cut = data.draw(st.integers(0, line.quantity))
        refunded += refund_for_units(line, order[:cut])
        refunded += refund_for_units(line, order[cut:])
    assert refunded == q.total


@given(quotes(), st.integers(0, 100))
def test_a_restocking_fee_never_makes_a_refund_negative_or_larger(q, fee):
    for line in q.lines:
        full = refund_for_units(line, line.quantity)
        with_fee = refund_for_units(line, line.quantity, restocking_fee_percent=fee)
        assert 0 <= with_fee <= full


@given(lines_strategy, st.sampled_from(COUNTRIES), shipping_strategy.filter(bool))
def test_shipping_is_unavailable_exactly_when_no_rate_covers_the_country(lines, country, rates):
    covered = any(not r.countries or country in r.countries for r in rates)
    try:
        q = quote(lines, "USD", country=country, shipping_rates=rates, now=NOW)
    except ShippingUnavailable:
        assert not covered
    else:
        assert covered and q.shipping_rate is not None


@given(lines_strategy, st.integers(0, 100))
def test_percentage_discount_follows_the_money_rounding_rule(lines, percent):
    q = quote(lines, "USD", country="US", discount=percent_off(percent), now=NOW)
    exact = Fraction(q.subtotal * percent, 100)
    assert abs(q.discount_total - exact) <= Fraction(1, 2)
