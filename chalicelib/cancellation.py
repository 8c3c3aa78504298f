"""Cancelling an order before anything left the shop (POST /api/admin/orders/{id}/cancel).

One order change (orders.change) marks it cancelled, cancels its fulfilments
still in the shop and puts every unit back in stock (the variants' counters
in the same transaction); then what was paid goes back (refunds.issue under
the key `cancel`, so a repeat never refunds twice and finishes a refund
Stripe did not answer before), the waiting fulfilment workflows learn of the
cancellation, and the shopper gets an email. Cancelling a cancelled order
changes nothing; once anything shipped (or was picked up) it is a 409.
"""

from . import clock, emails, fulfilment, notifications, orders, payments, refunds, stock, tenants
from .db import OrderRecord
from .errors import Conflict, Unavailable


def cancel(tenant_id: str, order_id: str, reason: str | None) -> dict:
    def decide(order: OrderRecord) -> orders.Change | None:
        if order.cancelled_at:
            return None
        shipped = [f for f in orders.plain(order.fulfilments) or [] if f["status"] in fulfilment.HANDED_OVER]
        if shipped:
            raise Conflict(
                "Part of this order has shipped already; refund it instead of cancelling", {"order": "shipped"}
            )
        if any(int(n) for n in (orders.plain(order.return_claims) or {}).values()):
            raise Conflict("This order has returns under way; settle them first", {"order": "returns open"})
        restocked = {k: int(v) for k, v in (orders.plain(order.restocked) or {}).items()}
        back = {v: q - restocked.get(v, 0) for v, q in orders.units_of(order).items()}
        live = stock.live_variants(tenant_id, [v for v, n in back.items() if n > 0])
        back = {v: n for v, n in back.items() if n > 0 and v in live}
        now = clock.now_iso()
        units = sum(back.values())
        return orders.Change(
            values={
                "cancelled_at": now,
                "cancel_reason": reason,
                "fulfilments": fulfilment.cancel_open(order, now),
                "restocked": {**restocked, **{v: restocked.get(v, 0) + n for v, n in back.items()}},
            },
            timeline=[
                orders.entry("cancelled", "Order cancelled" + (f": {reason}" if reason else "")),
                orders.entry("restocked", f"{units} unit{'s' if units != 1 else ''} back in stock"),
            ],
            also=stock.restock_in(tenant_id, back),
            result=True,
        )

    order, changed = orders.change(tenant_id, order_id, decide)
    try:
        refund = refunds.issue(
            tenant_id,
            order_id,
            key="cancel",
            plan=lambda o: (
                {"amount": refunds.refundable(o), "reason": reason or "order cancelled"}
                if refunds.refundable(o) > 0
                else None
            ),
        )
    except payments.PaymentsUnavailable:
        raise Unavailable(
            "The order is cancelled but Stripe could not be reached for the refund; cancel again to finish it"
        ) from None
    order = orders.load(tenant_id, order_id)
    fulfilment.resume_waiting(order)
    if changed is not None:
        email = emails.render(
            "order_cancelled",
            tenants.get_shop(tenant_id),
            order.language,
            order={"number": int(order.number), "currency": order.currency},
            refunded=refund["amount"] if refund else None,
        )
        notifications.send_email(to=order.email, email=email)
        orders.change(
            tenant_id,
            order_id,
            lambda o: orders.Change(timeline=[orders.entry("email_sent", f"Emailed {o.email}: order cancelled")]),
        )
    return orders.get(tenant_id, order_id)
