"""Refunds: money back to the shopper through the payment gateway, never more than was paid.

A refund is first recorded on the order as `pending` (what is pending counts
against what is left to refund, so two refunds racing for the last dollars
cannot both pass the check), then sent to Stripe on the shop's connected
account with `refund_application_fee` (the platform's fee comes back in
proportion), under a Stripe idempotency key made of the refund's id, and
then marked `succeeded`; only then do `refunded_total` and
`financial_status` move. Stripe refusing it marks it `failed` (nothing was
refunded). Stripe out of reach leaves it `pending`: the next refund call on
the order (or the same one again) sends it again with the same Stripe key,
so it is never paid twice.

Each refund carries a `key` naming what it is for (`cancel`, `return:<id>`,
`request:<Idempotency-Key digest>`): asking twice for the same thing returns
the first refund.

The amounts come from `pricing` (per-unit discount and tax allocations the
order kept from its quote); nothing here does arithmetic on money beyond
adding and comparing.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from . import clock, keys, lifecycle, money, orders, payments, pricing, refund_math, stripe_charges
from .db import OrderRecord
from .errors import Conflict, Invalid, Unavailable
from .observability import logger

# A refund's status lives in its order's `refunds` and moves with the order (orders.change).
TRANSITIONS = {"pending": {"succeeded", "failed"}, "succeeded": set(), "failed": set()}
LIFECYCLE = lifecycle.Lifecycle("refund", TRANSITIONS)


def _refunds(order: OrderRecord) -> list[dict]:
    return orders.plain(order.refunds) or []


def paid(order: OrderRecord) -> int:
    payment = orders.plain(order.payment)
    return int(payment["amount"]) if payment else 0


def refundable(order: OrderRecord) -> int:
    """What can still be refunded: paid, less what is refunded or on its way."""
    pending = sum(int(r["amount"]) for r in _refunds(order) if r["status"] == "pending")
    return paid(order) - int(order.refunded_total or 0) - pending


def refunded_units(order: OrderRecord) -> dict[str, int]:
    """Units refunded (or being refunded) so far, by variant id: the next refund takes the next units."""
    out: dict[str, int] = {}
    for r in _refunds(order):
        if r["status"] == "failed":
            continue
        for line in r.get("lines") or []:
            out[line["variant_id"]] = out.get(line["variant_id"], 0) + int(line["quantity"])
    return out


def refunded_shipping(order: OrderRecord) -> int:
    return sum(int(r.get("shipping") or 0) for r in _refunds(order) if r["status"] != "failed")


def _by_key(order: OrderRecord, key: str) -> dict | None:
    return next((r for r in _refunds(order) if r.get("key") == key), None)


def _financial_status(order: OrderRecord, refunded_total: int) -> str:
    current = order.financial_status
    if refunded_total <= 0:
        return current
    new = "refunded" if refunded_total >= paid(order) else "partially_refunded"
    if new != current:
        orders.FINANCIAL.require(current, new)
    return new


def request_key(idempotency_key: str | None) -> str:
    """The refund key of a merchant's request: its Idempotency-Key, else a new one (a new refund)."""
    if not idempotency_key:
        return f"request:{keys.new_id()}"
    return "request:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


# Issuing --------------------------------------------------------------------


def issue(tenant_id: str, order_id: str, *, key: str, plan: Callable[[OrderRecord], dict | None]) -> dict | None:
    """The refund for `key`: made once from `plan(order)` ({amount, lines: {variant: units}, shipping,
    reason, return_id}; None for nothing to refund), then sent. Returns the refund (orders.refund_view),
    or None when there was nothing to refund. Invalid when it would refund more than is left; Conflict
    when Stripe refuses it; payments.PaymentsUnavailable when Stripe is out of reach (left pending)."""
    resume_pending(tenant_id, order_id, except_key=key)

    def decide(order: OrderRecord) -> orders.Change | None:
        if _by_key(order, key) is not None:
            return None
        wanted = plan(order)
        if wanted is None:
            return None
        amount, left = int(wanted["amount"]), refundable(order)
        if amount < 0 or amount > left:
            raise Invalid(
                f"This would refund {money.format_money(amount, order.currency)}, more than the "
                f"{money.format_money(max(left, 0), order.currency)} left of what was paid",
                {wanted.get("field", "amount"): f"at most {max(left, 0)} can be refunded"},
            )
        entry = {
            "id": keys.new_id(),
            "key": key,
            "amount": amount,
            "lines": [{"variant_id": v, "quantity": n} for v, n in (wanted.get("lines") or {}).items() if n],
            "shipping": int(wanted.get("shipping") or 0),
            "reason": wanted.get("reason"),
            "return_id": wanted.get("return_id"),
            "status": "pending" if amount else "succeeded",
            "stripe_refund_id": None,
            "created_at": clock.now_iso(),
        }
        timeline = [] if amount else [orders.entry("refunded", "Refund of nothing recorded (the units cost 0)")]
        return orders.Change(values={"refunds": _refunds(order) + [entry]}, timeline=timeline, result=entry)

    order, _ = orders.change(tenant_id, order_id, decide)
    entry = _by_key(order, key)
    if entry is None:
        return None
    if entry["status"] == "failed":  # asked again for what Stripe refused: the merchant must step in
        raise Conflict("The payment provider refused this refund earlier; refund it another way", {"refund": "refused"})
    if entry["status"] == "pending":
        entry = _send(tenant_id, order, entry)
    return orders.refund_view(entry)


def resume_pending(tenant_id: str, order_id: str, *, except_key: str | None = None) -> None:
    """Sends again the refunds Stripe did not answer before (a retry under their own Stripe key)."""
    order = orders.load(tenant_id, order_id)
    for entry in _refunds(order):
        if entry["status"] == "pending" and entry.get("key") != except_key:
            try:
                _send(tenant_id, order, entry)
            except (payments.PaymentsUnavailable, Conflict):
                logger.warning("pending refund still not through", order_id=order_id, refund_id=entry["id"])


def _send(tenant_id: str, order: OrderRecord, entry: dict) -> dict:
    payment = orders.plain(order.payment)
    try:
        sent = stripe_charges.refund(
            payment_intent=payment["payment_intent"],
            amount=int(entry["amount"]),
            account_id=payment.get("account_id"),
            idempotency_key=f"refund-{tenant_id}-{entry['id']}",
            reason="requested_by_customer" if entry.get("return_id") or entry.get("key") == "cancel" else None,
            metadata={"tenant_id": tenant_id, "order_id": order.order_id, "refund_id": entry["id"]},
        )
    except payments.PaymentFailed as e:
        _settle(tenant_id, order.order_id, entry["id"], "failed", message=e.message)
        raise Conflict(
            f"The payment provider refused the refund: {e.message}", {"refund": e.code or "refused"}
        ) from None
    return _settle(tenant_id, order.order_id, entry["id"], "succeeded", stripe_refund_id=sent["id"])


def _settle(
    tenant_id: str,
    order_id: str,
    refund_id: str,
    status: str,
    *,
    stripe_refund_id: str | None = None,
    message: str = "",
) -> dict:
    def decide(order: OrderRecord) -> orders.Change | None:
        entry = next(r for r in _refunds(order) if r["id"] == refund_id)
        if entry["status"] == status:
            return None
        LIFECYCLE.require(entry["status"], status)
        updated = {**entry, "status": status, "stripe_refund_id": stripe_refund_id, "settled_at": clock.now_iso()}
        amount = money.format_money(int(entry["amount"]), order.currency)
        values: dict[str, Any] = {"refunds": [updated if r["id"] == refund_id else r for r in _refunds(order)]}
        if status == "succeeded":
            total = int(order.refunded_total or 0) + int(entry["amount"])
            values.update(refunded_total=total, financial_status=_financial_status(order, total))
            what = (
                f" for return {entry['return_id']}"
                if entry.get("return_id")
                else (f": {entry['reason']}" if entry.get("reason") else "")
            )
            timeline = [orders.entry("refunded", f"Refunded {amount} to the shopper{what} (Stripe {stripe_refund_id})")]
        else:
            timeline = [orders.entry("refund_failed", f"Refund of {amount} refused by Stripe: {message}")]
        return orders.Change(values=values, timeline=timeline)

    order, _ = orders.change(tenant_id, order_id, decide)
    return next(r for r in _refunds(order) if r["id"] == refund_id)


# The merchant's refund (POST /api/admin/orders/{id}/refunds) -------------------


def _line_counts(order: OrderRecord, lines: list[dict]) -> dict[str, int]:
    bought, done = orders.units_of(order), refunded_units(order)
    left = {v: q - done.get(v, 0) for v, q in bought.items()}
    return orders.units_asked(lines, "lines", left, "refund")


def manual(tenant_id: str, order_id: str, data: dict, idempotency_key: str | None) -> dict:
    """Refunds an amount, or lines (each unit its price less its discount share, plus its tax), or lines
    for a given amount; 400 (and nothing recorded) when it would refund more than is left of the payment."""
    if "amount" not in data and not data.get("lines"):
        raise Invalid("Give an amount or lines to refund", {"amount": "amount or lines required"})
    if data.get("amount") == 0:
        raise Invalid("amount: must be more than 0", {"amount": "must be more than 0"})

    def plan(order: OrderRecord) -> dict:
        if not orders.plain(order.payment):
            raise Conflict("Nothing was paid for this order", {"order": "not paid"})
        counts = _line_counts(order, data.get("lines") or [])
        if "amount" in data:
            amount, field = data["amount"], "amount"
        else:
            quote = pricing.Quote.from_dict(orders.plain(order.quote))
            amount = refund_math.refund_for_lines(quote, counts, already_returned=refunded_units(order)).total
            field = "lines"
        return {"amount": amount, "lines": counts, "reason": data.get("reason"), "field": field}

    try:
        refund = issue(tenant_id, order_id, key=request_key(idempotency_key), plan=plan)
    except payments.PaymentsUnavailable:
        raise Unavailable(
            "Stripe could not be reached; the refund is pending and goes through on the next "
            "try (send the same request again)"
        ) from None
    assert refund is not None, "the plan always asks for a refund"
    return refund
