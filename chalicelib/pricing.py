"""The checkout quote; pure functions (``refund_math`` undoes it, unit by unit).

Every amount is an int in the quote currency's minor unit and every rounding
follows ``chalicelib.money`` (ties away from zero; splits by largest
remainder). The quote keeps the discount and tax of each line down to each
unit, so refunding any k of n units later is exact and refunding everything
gives back the quote total to the minor unit.

Rules a reader needs to know:

* A discount is live on ``starts_at <= now < ends_at`` (either end open).
  Checks run in the order of ``DiscountNotApplicable.REASONS``, so a shopper
  hears about the time window before the usage limit or minimum.
* ``minimum_subtotal`` is compared with the subtotal before discount.
* A percentage or fixed discount is split across lines by largest remainder
  on line subtotals, then each line's share across its units equally
  (lowest unit index takes the odd unit).
* Shipping rates for the country's zone win over "everywhere" rates; among
  the winners the cheapest (after ``free_over``, which compares with the
  discounted subtotal, inclusive) is taken, the first one listed on a tie.
  No rates configured means shipping is 0; rates configured but none for the
  country raises ``ShippingUnavailable``.
* Shipping is never taxed. Tax-exclusive: tax is computed per line on the
  discounted line amount and added. Tax-inclusive: prices already contain
  tax; ``tax_total`` reports what they contain and is not added. Either way a
  line's tax is split across its units in proportion to each unit's
  discounted price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib import money

PERCENTAGE = "percentage"
FIXED_AMOUNT = "fixed_amount"
FREE_SHIPPING = "free_shipping"
DISCOUNT_TYPES = (PERCENTAGE, FIXED_AMOUNT, FREE_SHIPPING)


class DiscountNotApplicable(ValueError):
    """The discount exists but cannot be used on this checkout."""

    REASONS = ("not_started", "expired", "usage_limit_reached", "already_used", "minimum_subtotal")
    MESSAGES = {
        "not_started": "This discount code is not active yet.",
        "expired": "This discount code has expired.",
        "usage_limit_reached": "This discount code has been used up.",
        "already_used": "You have already used this discount code.",
        "minimum_subtotal": "Your order does not reach the minimum for this discount code.",
    }

    def __init__(self, reason: str):
        if reason not in self.REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(self.MESSAGES[reason])
        self.reason = reason


class ShippingUnavailable(ValueError):
    """Shipping rates exist, but none covers the destination country."""

    def __init__(self, country: str):
        super().__init__(f"We do not ship to {country}.")
        self.country = country


@dataclass(frozen=True)
class Line:
    variant_id: str
    unit_price: int
    quantity: int
    product_id: str = ""
    category_ids: tuple = ()


@dataclass(frozen=True)
class Discount:
    code: str
    type: str
    value: int = 0
    minimum_subtotal: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    times_used: int = 0
    once_per_customer: bool = False
    customer_has_used: bool = False


@dataclass(frozen=True)
class ShippingRate:
    name: str
    amount: int
    countries: tuple[str, ...] = ()  # empty: ships everywhere
    free_over: int | None = None


@dataclass(frozen=True)
class TaxRate:
    country: str
    rate_bp: int


@dataclass(frozen=True)
class QuoteLine:
    variant_id: str
    quantity: int
    unit_price: int
    line_subtotal: int
    discount: int
    tax: int
    total: int
    unit_discounts: tuple[int, ...]
    unit_taxes: tuple[int, ...]
    tax_added: bool  # False when prices include tax: the tax is in unit_price

    def unit_total(self, index: int) -> int:
        """What unit ``index`` cost the customer."""
        tax = self.unit_taxes[index] if self.tax_added else 0
        return self.unit_price - self.unit_discounts[index] + tax

    def to_dict(self) -> dict:
        return {
            "variant_id": self.variant_id,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "line_subtotal": self.line_subtotal,
            "discount": self.discount,
            "tax": self.tax,
            "total": self.total,
            "unit_discounts": list(self.unit_discounts),
            "unit_taxes": list(self.unit_taxes),
            "tax_added": self.tax_added,
        }

    @classmethod
    def from_dict(cls, data: dict) -> QuoteLine:
        # Stores such as DynamoDB may hand numbers back as Decimal.
        ints = {
            name: int(data[name]) for name in ("quantity", "unit_price", "line_subtotal", "discount", "tax", "total")
        }
        return cls(
            variant_id=data["variant_id"],
            unit_discounts=tuple(int(v) for v in data["unit_discounts"]),
            unit_taxes=tuple(int(v) for v in data["unit_taxes"]),
            tax_added=bool(data["tax_added"]),
            **ints,
        )


@dataclass(frozen=True)
class Quote:
    subtotal: int
    discount_total: int
    shipping_total: int
    tax_total: int
    total: int
    currency: str
    lines: tuple[QuoteLine, ...]
    discount_code: str | None = None
    shipping_rate: str | None = None  # name of the rate charged
    tax_rate_bp: int = 0
    prices_include_tax: bool = False

    def to_dict(self) -> dict:
        return {
            "subtotal": self.subtotal,
            "discount_total": self.discount_total,
            "shipping_total": self.shipping_total,
            "tax_total": self.tax_total,
            "total": self.total,
            "currency": self.currency,
            "lines": [line.to_dict() for line in self.lines],
            "discount_code": self.discount_code,
            "shipping_rate": self.shipping_rate,
            "tax_rate_bp": self.tax_rate_bp,
            "prices_include_tax": self.prices_include_tax,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Quote:
        ints = {
            name: int(data[name])
            for name in ("subtotal", "discount_total", "shipping_total", "tax_total", "total", "tax_rate_bp")
        }
        return cls(
            currency=data["currency"],
            lines=tuple(QuoteLine.from_dict(line) for line in data["lines"]),
            discount_code=data.get("discount_code"),
            shipping_rate=data.get("shipping_rate"),
            prices_include_tax=bool(data["prices_include_tax"]),
            **ints,
        )


# --- input checks (programmer errors: the API layer validates user input) --


def _check_line(line: Line) -> None:
    money.require_non_negative("unit_price", line.unit_price)
    if money.require_int("quantity", line.quantity) < 1:
        raise ValueError("quantity must be at least 1")


def _check_discount_shape(discount: Discount) -> None:
    if discount.type not in DISCOUNT_TYPES:
        raise ValueError(f"unknown discount type {discount.type!r}")
    money.require_non_negative("value", discount.value)
    if discount.type == PERCENTAGE and discount.value > 100:
        raise ValueError("a percentage discount cannot exceed 100")


def _check_shipping_rate(rate: ShippingRate) -> None:
    money.require_non_negative("shipping amount", rate.amount)
    if rate.free_over is not None:
        money.require_non_negative("free_over", rate.free_over)


# --- discount ---------------------------------------------------------------


def check_discount(discount: Discount, subtotal: int, now: datetime) -> None:
    """Raise ``DiscountNotApplicable`` if ``discount`` cannot be used now."""
    if discount.starts_at is not None and now < discount.starts_at:
        raise DiscountNotApplicable("not_started")
    if discount.ends_at is not None and now >= discount.ends_at:
        raise DiscountNotApplicable("expired")
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        raise DiscountNotApplicable("usage_limit_reached")
    if discount.once_per_customer and discount.customer_has_used:
        raise DiscountNotApplicable("already_used")
    if discount.minimum_subtotal is not None and subtotal < discount.minimum_subtotal:
        raise DiscountNotApplicable("minimum_subtotal")


def discount_amount(discount: Discount | None, subtotal: int) -> int:
    """How much of the merchandise subtotal the discount takes off."""
    if discount is None or discount.type == FREE_SHIPPING:
        return 0
    if discount.type == PERCENTAGE:
        return money.percent_of(subtotal, discount.value)
    return min(discount.value, subtotal)


# --- shipping ---------------------------------------------------------------


def shipping_cost(rate: ShippingRate, discounted_subtotal: int) -> int:
    if rate.free_over is not None and discounted_subtotal >= rate.free_over:
        return 0
    return rate.amount


def choose_shipping_rate(rates: Sequence[ShippingRate], country: str, discounted_subtotal: int) -> ShippingRate | None:
    """The rate to charge, or None when the shop has no rates at all."""
    if not rates:
        return None
    zone = [r for r in rates if country in r.countries]
    candidates = zone or [r for r in rates if not r.countries]
    if not candidates:
        raise ShippingUnavailable(country)
    # min() keeps the first of equal costs, so listing order breaks ties.
    return min(candidates, key=lambda r: shipping_cost(r, discounted_subtotal))


# --- tax --------------------------------------------------------------------


def tax_rate_for(country: str, tax_rates: Sequence[TaxRate]) -> int:
    """Basis points charged in ``country``; 0 where no rate is configured."""
    matching = [t.rate_bp for t in tax_rates if t.country == country]
    if len(matching) > 1:
        raise ValueError(f"more than one tax rate for {country}")
    return money.require_non_negative("rate_bp", matching[0]) if matching else 0


# --- the quote --------------------------------------------------------------


def _quote_line(line: Line, discount: int, rate_bp: int, prices_include_tax: bool) -> QuoteLine:
    line_subtotal = line.unit_price * line.quantity
    unit_discounts = money.allocate(discount, [1] * line.quantity)
    net = line_subtotal - discount
    if prices_include_tax:
        tax = money.tax_in(net, rate_bp)
    else:
        tax = money.tax_on(net, rate_bp)
    # Weighting by each unit's discounted price keeps a unit's tax in step
    # with what was actually charged for it.
    unit_nets = [line.unit_price - d for d in unit_discounts]
    unit_taxes = money.allocate(tax, unit_nets)
    return QuoteLine(
        variant_id=line.variant_id,
        quantity=line.quantity,
        unit_price=line.unit_price,
        line_subtotal=line_subtotal,
        discount=discount,
        tax=tax,
        total=net if prices_include_tax else net + tax,
        unit_discounts=tuple(unit_discounts),
        unit_taxes=tuple(unit_taxes),
        tax_added=not prices_include_tax,
    )


def quote(
    lines: Sequence[Line],
    currency: str,
    *,
    country: str,
    discount: Discount | None = None,
    shipping_rates: Sequence[ShippingRate] = (),
    tax_rates: Sequence[TaxRate] = (),
    prices_include_tax: bool = False,
    now: datetime,
) -> Quote:
    """Price a cart. Raises ``DiscountNotApplicable`` / ``ShippingUnavailable``
    for shopper-facing problems and ``ValueError`` for malformed input."""
    if not money.is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    if not lines:
        raise ValueError("a quote needs at least one line")
    for line in lines:
        _check_line(line)
    for offered in shipping_rates:
        _check_shipping_rate(offered)

    line_subtotals = [line.unit_price * line.quantity for line in lines]
    subtotal = sum(line_subtotals)
    if discount is not None:
        _check_discount_shape(discount)
        check_discount(discount, subtotal, now)
    discount_total = discount_amount(discount, subtotal)
    line_discounts = money.allocate(discount_total, line_subtotals)

    rate_bp = tax_rate_for(country, tax_rates)
    quote_lines = tuple(
        _quote_line(line, line_discount, rate_bp, prices_include_tax)
        for line, line_discount in zip(lines, line_discounts, strict=False)
    )
    tax_total = sum(ql.tax for ql in quote_lines)

    discounted = subtotal - discount_total
    rate = choose_shipping_rate(shipping_rates, country, discounted)
    shipping_total = 0 if rate is None else shipping_cost(rate, discounted)
    if discount is not None and discount.type == FREE_SHIPPING:
        shipping_total = 0

    total = discounted + shipping_total
    if not prices_include_tax:
        total += tax_total
    return Quote(
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping_total,
        tax_total=tax_total,
        total=total,
        currency=currency,
        lines=quote_lines,
        discount_code=discount.code if discount is not None else None,
        shipping_rate=rate.name if rate is not None else None,
        tax_rate_bp=rate_bp,
        prices_include_tax=prices_include_tax,
    )


# --- the charge, line by line ---------------------------------------------


def charge_lines(quote: Quote, names: Mapping[str, str]) -> list[dict]:
    """The quote as a payment page lists it: ``{"name", "unit_amount", "quantity"}`` for each line's units
    at their price after their discount share (two groups where the discount did not split evenly), then
    shipping and the tax added on top (tax inside the prices stays there). The quote's own amounts, not a
    second split: the lines add up to ``quote.total`` by construction. ``names`` maps variant id to name.
    """
    items = []
    for line in quote.lines:
        units: dict[int, int] = {}  # price after discount -> units at it, lowest unit index first
        for discount in line.unit_discounts:
            units[line.unit_price - discount] = units.get(line.unit_price - discount, 0) + 1
        items += [{"name": names[line.variant_id], "unit_amount": a, "quantity": n} for a, n in units.items()]
    if quote.shipping_total:
        items.append({"name": "Shipping", "unit_amount": quote.shipping_total, "quantity": 1})
    if quote.tax_total and not quote.prices_include_tax:
        items.append({"name": "Tax", "unit_amount": quote.tax_total, "quantity": 1})
    return items
