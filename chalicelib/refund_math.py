"""Refunds of returned units: what a unit cost the customer, by the quote that charged it; pure functions.

The quote (``pricing``) keeps each unit's share of the discount and of the
tax, so refunding any k of n units is exact: units go back in a fixed order
(last first), each refunds its price minus its discount share plus its tax
when tax was added on top, and a restocking fee is rounded once per refund
(``money.percent_of``). With no fee, refunding every unit in any number of
refunds, shipping with the last, gives back exactly the quote total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from . import money
from .pricing import Quote, QuoteLine


def units_to_refund(quote_line: QuoteLine, count: int, already_returned: int = 0) -> tuple[int, ...]:
    """Indices of the next ``count`` units to refund: last units first.

    A fixed order means successive partial refunds never pick the same unit
    twice, and together they cover every unit exactly once.
    """
    money.require_non_negative("count", count)
    money.require_non_negative("already_returned", already_returned)
    remaining = quote_line.quantity - already_returned
    if count > remaining:
        raise ValueError(f"only {max(remaining, 0)} units left to refund")
    return tuple(range(remaining - 1, remaining - 1 - count, -1))


def _check_fee_percent(percent: int | Fraction) -> None:
    if isinstance(percent, bool) or not isinstance(percent, (int, Fraction)):
        raise ValueError("restocking_fee_percent must be an int or Fraction")
    if not 0 <= percent <= 100:
        raise ValueError("restocking_fee_percent must be between 0 and 100")


def _explicit_units(quote_line: QuoteLine, indices: Iterable[int]) -> tuple[int, ...]:
    indices = tuple(money.require_int("unit index", i) for i in indices)
    if len(set(indices)) != len(indices):
        raise ValueError("a unit cannot be refunded twice in one refund")
    if any(not 0 <= i < quote_line.quantity for i in indices):
        raise ValueError("unit index out of range")
    return indices


def refund_for_units(
    quote_line: QuoteLine,
    unit_indices_or_count: int | Iterable[int],
    *,
    already_returned: int = 0,
    restocking_fee_percent: int | Fraction = 0,
) -> int:
    """Money to give back for returned units of one line.

    Pass a count to refund the next units in the fixed order (see
    ``units_to_refund``; ``already_returned`` says how many went back in
    earlier refunds), or explicit unit indices. Each unit refunds its price
    minus its share of the discount, plus its tax when tax was added on top.
    The restocking fee is ``restocking_fee_percent`` of that sum, rounded
    half up once per refund.
    """
    _check_fee_percent(restocking_fee_percent)
    if isinstance(unit_indices_or_count, bool):
        raise ValueError("pass a unit count or unit indices, not a bool")
    if isinstance(unit_indices_or_count, int):
        indices = units_to_refund(quote_line, unit_indices_or_count, already_returned)
    else:
        if already_returned:
            raise ValueError("already_returned only applies to a count")
        indices = _explicit_units(quote_line, unit_indices_or_count)
    amount = sum(quote_line.unit_total(i) for i in indices)
    return amount - money.percent_of(amount, restocking_fee_percent)


def refund_shipping(quote: Quote, already_refunded_shipping: int) -> int:
    """Shipping still refundable after ``already_refunded_shipping``."""
    money.require_non_negative("already_refunded_shipping", already_refunded_shipping)
    if already_refunded_shipping > quote.shipping_total:
        raise ValueError("more shipping refunded than was charged")
    return quote.shipping_total - already_refunded_shipping


@dataclass(frozen=True)
class Refund:
    """What one refund of returned units gives back, and how it is made up."""

    merchandise: int  # the units' prices minus their discount shares, plus their tax when added on top
    restocking_fee: int  # kept back: a percentage of ``merchandise``, rounded once per refund
    shipping: int  # original shipping given back (all that is left of it, or nothing)

    @property
    def total(self) -> int:
        return self.merchandise - self.restocking_fee + self.shipping


def refund_for_lines(
    quote: Quote,
    counts: dict[str, int],
    *,
    already_returned: dict[str, int] | None = None,
    restocking_fee_percent: int | Fraction = 0,
    refund_shipping_left: bool = False,
    already_refunded_shipping: int = 0,
) -> Refund:
    """Money to give back for ``counts`` units (variant id -> units) of an
    order, in one refund.

    Each line's units go back in the fixed order of ``units_to_refund``
    (``already_returned`` counts each line's units refunded before). The
    restocking fee is taken once on the sum of the units, rounded half up, so
    one refund never rounds twice. With ``refund_shipping_left`` the shipping
    not yet refunded comes back too. With no fee, refunding every unit in any
    number of refunds, shipping with the last, gives back exactly the quote
    total.
    """
    _check_fee_percent(restocking_fee_percent)
    already_returned = already_returned or {}
    by_variant: dict[str, QuoteLine] = {}
    for line in quote.lines:
        if line.variant_id in by_variant:
            raise ValueError(f"variant {line.variant_id!r} is on two lines")
        by_variant[line.variant_id] = line
    merchandise = 0
    for variant_id, count in counts.items():
        if variant_id not in by_variant:
            raise ValueError(f"variant {variant_id!r} is not in the quote")
        merchandise += refund_for_units(
            by_variant[variant_id], count, already_returned=already_returned.get(variant_id, 0)
        )
    shipping = refund_shipping(quote, already_refunded_shipping) if refund_shipping_left else 0
    return Refund(
        merchandise=merchandise, restocking_fee=money.percent_of(merchandise, restocking_fee_percent), shipping=shipping
    )
