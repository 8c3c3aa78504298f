"""Quotes to test money rules with: a fixed clock, discounts, and random carts (Hypothesis strategies)."""

from datetime import UTC, datetime

from hypothesis import strategies as st

from chalicelib.pricing import Discount, Line, ShippingRate, TaxRate, quote

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FREE_SHIPPING = Discount(code="SHIPFREE", type="free_shipping")


def percent_off(value, **kwargs):
    return Discount(code="SAVE", type="percentage", value=value, **kwargs)


COUNTRIES = ("US", "DE", "JP", "FR")

lines_strategy = st.lists(
    st.builds(
        Line,
        variant_id=st.text("abcdef", min_size=1, max_size=3),
        unit_price=st.integers(0, 200_000),
        quantity=st.integers(1, 12),
    ),
    min_size=1,
    max_size=6,
)

discount_strategy = st.one_of(
    st.none(),
    st.builds(Discount, code=st.just("P"), type=st.just("percentage"), value=st.integers(0, 100)),
    st.builds(Discount, code=st.just("F"), type=st.just("fixed_amount"), value=st.integers(0, 2_000_000)),
    st.just(FREE_SHIPPING),
)

shipping_strategy = st.lists(
    st.builds(
        ShippingRate,
        name=st.sampled_from(["std", "exp", "eco"]),
        amount=st.integers(0, 5_000),
        countries=st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True).map(tuple),
        free_over=st.none() | st.integers(0, 500_000),
    ),
    max_size=4,
)

tax_strategy = st.dictionaries(st.sampled_from(COUNTRIES), st.integers(0, 3_000)).map(
    lambda rates: tuple(TaxRate(c, bp) for c, bp in rates.items())
)


@st.composite
def quotes(draw):
    lines = draw(lines_strategy)
    country = draw(st.sampled_from(COUNTRIES))
    rates = draw(shipping_strategy)
    if rates and not any(not r.countries or country in r.countries for r in rates):
        rates.append(ShippingRate("fallback", draw(st.integers(0, 5_000))))
    return quote(
        lines,
        draw(st.sampled_from(["USD", "JPY", "BHD"])),
        country=country,
        discount=draw(discount_strategy),
        shipping_rates=rates,
        tax_rates=draw(tax_strategy),
        prices_include_tax=draw(st.booleans()),
        now=NOW,
    )


@st.composite
def partitions(draw, n):
    """Random positive chunk sizes that add up to ``n``."""
    sizes = []
    while n:
        size = draw(st.integers(1, n))
        sizes.append(size)
        n -= size
    return sizes
