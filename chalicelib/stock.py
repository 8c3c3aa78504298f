"""Stock: every write that moves a variant's available units, and nothing else writes them.

- A reservation takes a checkout's (or an exchange's replacement's) units out,
  with its discount use, until it is paid (`convert_in`: the units are the
  order's) or released (the units and the discount use go back).
- `restock_in` puts units back inside an order's change: a cancellation's
  units, a received return's resellable units.

A variant deleted meanwhile gets nothing back: an update would recreate it as
a husk (`live_variants`).

Reserving is ONE DynamoDB transaction: a conditional decrement per variant
(`inventory_quantity >= q`), a conditional increment of the discount's use
count (`times_used < usage_limit` when limited), the once-per-customer claim,
and the reservation record itself (`attribute_not_exists`). Either all of it
happens or none: no oversell, no discount used past its limit, whatever the
race. The record's condition makes a retried reserve a no-op, and releasing
is the mirror transaction, conditional on the record still being `held`.

Lifecycle (one table): held -> released | converted (into an order).
"""

import time

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import clock, keys, lifecycle
from .db import DiscountRecord, DiscountUse, ReservationRecord, VariantRecord, connection, failed_conditions
from .workflows import TransientError

TRANSITIONS = {"held": {"released", "converted"}, "released": set(), "converted": set()}
LIFECYCLE = lifecycle.Lifecycle("reservation", TRANSITIONS)


# Leaving `held` takes the reservation off the sweeper's index.
_NO_LONGER_HELD = (ReservationRecord.gsi2pk.remove(), ReservationRecord.gsi2sk.remove())


class OutOfStock(Exception):
    """Another checkout took the last units first (the workflow's Catch names this class)."""


class DiscountUnavailable(Exception):
    """The discount reached its usage limit, or this customer already used it."""


def _codes(e: TransactWriteError) -> list[str | None]:
    return [r.code if r is not None else None for r in (e.cancellation_reasons or [])]


def live_variants(tenant_id: str, variant_ids: list[str]) -> set[str]:
    """The variants of `variant_ids` that still exist."""
    if not variant_ids:
        return set()
    wanted = [(tenant_id, keys.variant_sk(v)) for v in variant_ids]
    return {v.variant_id for v in VariantRecord.batch_get(wanted, consistent_read=True)}


def _add_in(tx: TransactWrite, tenant_id: str, counts: dict[str, int]) -> None:
    for variant_id in sorted(counts):
        tx.update(
            VariantRecord(tenant_id, keys.variant_sk(variant_id)),
            actions=[VariantRecord.inventory_quantity.add(counts[variant_id])],
            condition=VariantRecord.pk.exists(),
        )


def restock_in(tenant_id: str, counts: dict[str, int]):
    """Adds to an order change's transaction (orders.Change.also): `counts` units back on each variant's
    available stock (the caller keeps to `live_variants`)."""
    return lambda tx: _add_in(tx, tenant_id, counts)


def count_in(tx: TransactWrite, variant: VariantRecord, before: int, after: int) -> None:
    """Adds to `tx` the merchant's new count of a variant's available units, written only if they are still
    `before` (a checkout that reserved units since makes the transaction fail, to be decided again)."""
    tx.update(
        variant,
        actions=[VariantRecord.inventory_quantity.set(after)],
        condition=VariantRecord.inventory_quantity == before,
    )


def get(tenant_id: str, checkout_id: str) -> ReservationRecord | None:
    try:
        return ReservationRecord.get(tenant_id, keys.reservation_sk(checkout_id), consistent_read=True)
    except DoesNotExist:
        return None


def reserve(
    tenant_id: str,
    checkout_id: str,
    *,
    items: list[tuple[str, int]],
    discount: dict | None,
    email: str,
    seconds: int,
    execution_arn: str,
) -> ReservationRecord:
    """Takes the units and the discount use for a checkout, all or nothing; a repeat changes nothing."""
    expires_at = int(time.time()) + seconds
    record = ReservationRecord(
        tenant_id,
        keys.reservation_sk(checkout_id),
        checkout_id=checkout_id,
        status="held",
        items=[{"variant_id": v, "quantity": q} for v, q in items],
        discount_code=discount["code"] if discount else None,
        discount_limited=bool(discount and discount["limited"]),
        discount_use_email=email if discount and discount["once_per_customer"] else None,
        expires_at=expires_at,
        execution_arn=execution_arn,
        created_at=clock.now_iso(),
        gsi2pk=keys.HELD_RESERVATIONS,
        gsi2sk=keys.held_reservation_gsi(expires_at, tenant_id, checkout_id),
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(record, condition=ReservationRecord.pk.does_not_exist())
            for variant_id, quantity in items:
                tx.update(
                    VariantRecord(tenant_id, keys.variant_sk(variant_id)),
                    actions=[VariantRecord.inventory_quantity.add(-quantity)],
                    condition=VariantRecord.inventory_quantity >= quantity,
                )
            if discount:
                limit_ok = (
                    DiscountRecord.times_used < DiscountRecord.usage_limit
                    if discount["limited"]
                    else DiscountRecord.pk.exists()
                )
                tx.update(
                    DiscountRecord(tenant_id, keys.discount_sk(discount["code"])),
                    actions=[DiscountRecord.times_used.add(1)],
                    condition=limit_ok,
                )
                if discount["once_per_customer"]:
                    tx.save(
                        DiscountUse(tenant_id, keys.discount_use_sk(discount["code"], email), checkout_id=checkout_id),
                        condition=DiscountUse.pk.does_not_exist(),
                    )
    except TransactWriteError as e:
        failed = failed_conditions(tx, e)
        if (tenant_id, record.sk) in failed:
            existing = get(tenant_id, checkout_id)
            if existing is not None and existing.status in ("held", "converted"):
                return existing  # this checkout reserved already: a retried step
            raise OutOfStock("This checkout's reservation was already released") from None
        if any((tenant_id, keys.variant_sk(v)) in failed for v, _ in items):
            raise OutOfStock("Not enough stock left for this order") from None
        if failed:
            raise DiscountUnavailable("This discount code has been used up or was used by this customer") from None
        raise TransientError(f"Reservation transaction cancelled: {_codes(e)}") from None
    return record


def release(tenant_id: str, checkout_id: str) -> bool:
    """Puts the units and the discount use back; True if this call released them, False if nothing was held."""
    record = get(tenant_id, checkout_id)
    if record is None or record.status != "held":
        return False
    quantities = {i["variant_id"]: int(i["quantity"]) for i in record.items}
    # A variant or discount deleted meanwhile gets nothing back (an update would recreate it as a husk).
    live = live_variants(tenant_id, list(quantities))
    discount_live = False
    if record.discount_code:
        try:
            DiscountRecord.get(tenant_id, keys.discount_sk(record.discount_code), consistent_read=True)
            discount_live = True
        except DoesNotExist:
            pass
    try:
        with TransactWrite(connection=connection()) as tx:
            LIFECYCLE.move_in(tx, record, "released", *_NO_LONGER_HELD)
            _add_in(tx, tenant_id, {v: n for v, n in quantities.items() if v in live})
            if discount_live:
                tx.update(
                    DiscountRecord(tenant_id, keys.discount_sk(record.discount_code)),
                    actions=[DiscountRecord.times_used.add(-1)],
                    condition=DiscountRecord.pk.exists(),
                )
            if record.discount_use_email:
                tx.delete(DiscountUse(tenant_id, keys.discount_use_sk(record.discount_code, record.discount_use_email)))
    except TransactWriteError as e:
        if (tenant_id, record.sk) in failed_conditions(tx, e):
            return False  # released (or converted) by someone else first
        raise TransientError(f"Release transaction cancelled: {_codes(e)}") from None
    return True


def convert_in(tx: TransactWrite, tenant_id: str, checkout_id: str) -> None:
    """Adds to an order's transaction: the held units are now the order's (fails if no longer held)."""
    LIFECYCLE.move_in(
        tx, ReservationRecord(tenant_id, keys.reservation_sk(checkout_id)), "converted", *_NO_LONGER_HELD, read=False
    )


def held() -> list[ReservationRecord]:
    """Every reservation still holding stock, in every shop (the sweeper's worklist), oldest expiry first."""
    return list(ReservationRecord.held.query(keys.HELD_RESERVATIONS))
