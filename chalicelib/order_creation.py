"""Making an order, exactly once: from a paid (or free) checkout, or as an exchange's replacement.

CreateOrder is one transaction: the shop's order counter (conditional on the
number we read, so two orders never share a number and none is skipped), the
order (conditional on not existing: its id was chosen when the checkout
started, so a retried step finds it), the number's lookup item, the day's
sales (kpis), the reservation turning into the order's stock, the checkout turning `paid`, the
cart turning `completed`. Then the confirmation email and the `order.created`
event, each once however often the step is retried.
"""

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import (
    carts,
    checkout,
    clock,
    emails,
    events,
    keys,
    kpis,
    lifecycle,
    money,
    notifications,
    orders,
    pricing,
    stock,
    tenants,
    workflows,
)
from .db import (
    OrderCounter,
    OrderNumber,
    OrderRecord,
    conditionally,
    connection,
    failed_conditions,
    plain,
)
from .errors import Conflict, NotFound
from .workflows import TransientError


class ReservationLost(Exception):
    """The checkout's stock was released before its order could be made (its payment is refunded)."""


def _counter(tenant_id: str) -> OrderCounter:
    try:
        return OrderCounter.get(tenant_id, keys.ORDER_COUNTER_SK, consistent_read=True)
    except DoesNotExist:
        conditionally(  # the shop's first order (or a race to make it: the loser reads the winner's)
            OrderCounter(tenant_id, keys.ORDER_COUNTER_SK, last_number=0).save,
            condition=OrderCounter.pk.does_not_exist(),
        )
        return OrderCounter.get(tenant_id, keys.ORDER_COUNTER_SK, consistent_read=True)


def _save_numbered_in(tx: TransactWrite, order: OrderRecord, counter: OrderCounter) -> None:
    """The new order, under the shop's next number: the counter moves only from the number before it,
    and the number's lookup item is new, so two orders never share a number and none is skipped. The
    order is one more to fulfil (its count lives on the counter: orders.awaits_fulfilment)."""
    tx.save(order, condition=OrderRecord.pk.does_not_exist())
    tx.update(
        counter,
        actions=[OrderCounter.last_number.set(order.number), OrderCounter.to_fulfil.add(1)],
        condition=OrderCounter.last_number == order.number - 1,
    )
    tx.save(
        OrderNumber(order.pk, keys.order_number_sk(int(order.number)), order_id=order.order_id, email=order.email),
        condition=OrderNumber.pk.does_not_exist(),
    )


def _priced(lines: list[dict], quote: pricing.Quote) -> dict:
    """An order's lines (the shopper's snapshot of each variant, with its quote line's amounts) and totals."""
    snapshots = {l["variant_id"]: l for l in lines}
    out = []
    for ql in quote.lines:
        snap = snapshots[ql.variant_id]
        out.append(
            {
                "variant_id": ql.variant_id,
                "product_id": snap["product_id"],
                "sku": snap["sku"],
                "title": snap["title"],
                "variant_title": snap["variant_title"],
                "quantity": ql.quantity,
                "price": ql.unit_price,
                "line_subtotal": ql.line_subtotal,
                "discount": ql.discount,
                "tax": ql.tax,
                "total": ql.total,
                "unit_discounts": list(ql.unit_discounts),
                "unit_taxes": list(ql.unit_taxes),
            }
        )
    return {
        "lines": out,
        "currency": quote.currency,
        "quote": quote.to_dict(),
        "subtotal": quote.subtotal,
        "discount_total": quote.discount_total,
        "shipping_total": quote.shipping_total,
        "tax_total": quote.tax_total,
        "total": quote.total,
    }


def create_from_checkout(tenant_id: str, checkout_id: str) -> OrderRecord:
    """The order of a paid (or free) checkout, made once; a repeat returns the same order."""
    record = checkout.load(tenant_id, checkout_id)
    try:
        return orders.load(tenant_id, record.order_id)
    except NotFound:
        pass
    quote = pricing.Quote.from_dict(plain(record.quote))
    payment = plain(record.payment)
    if quote.total > 0 and not payment:
        raise checkout.PaymentMissing(f"Checkout {checkout_id} has no payment")
    now = clock.now_iso()
    timeline = [orders.entry("placed", "Order placed")]
    if payment:
        timeline.append(
            orders.entry(
                "paid",
                f"Payment of {money.format_money(quote.total, quote.currency)} received "
                f"(Stripe {payment['payment_intent']})",
            )
        )
    for _attempt in range(20):
        counter = _counter(tenant_id)
        number = int(counter.last_number) + 1
        order = OrderRecord(
            tenant_id,
            keys.order_sk(record.order_id),
            order_id=record.order_id,
            number=number,
            checkout_id=checkout_id,
            cart_id=record.cart_id,
            email=record.email,
            language=record.language,
            shipping_address=plain(record.shipping_address),
            **_priced(plain(record.lines), quote),
            discount_code=quote.discount_code,
            financial_status="paid",
            refunded_total=0,
            revision=0,
            payment=(
                {
                    "provider": "stripe",
                    "payment_intent": payment["payment_intent"],
                    "session_id": payment.get("session_id"),
                    "account_id": payment.get("account_id"),
                    "amount": int(payment["amount"]),
                }
                if payment
                else None
            ),
            timeline=timeline,
            created_at=now,
            gsi1pk=keys.orders_gsi(tenant_id),
            gsi1sk=record.order_id,
        )
        try:
            with TransactWrite(connection=connection()) as tx:
                _save_numbered_in(tx, order, counter)
                kpis.count_sale_in(tx, order)
                stock.convert_in(tx, tenant_id, checkout_id)
                checkout.LIFECYCLE.move_in(tx, record, "paid")
                carts.complete_in(tx, tenant_id, record.cart_id, checkout_id)
        except TransactWriteError as e:
            failed = failed_conditions(tx, e)
            if (tenant_id, order.sk) in failed:
                return orders.load(tenant_id, record.order_id)
            if (tenant_id, keys.reservation_sk(checkout_id)) in failed:
                raise ReservationLost(f"Checkout {checkout_id} no longer holds its stock") from None
            codes = [r.code if r is not None else None for r in (e.cancellation_reasons or [])]
            if {
                (tenant_id, counter.sk),
                (tenant_id, keys.order_number_sk(number)),
            } & failed or "TransactionConflict" in codes:
                continue  # another order took that number first: take the next one
            raise TransientError(f"Order transaction cancelled: {codes}") from None
        return order
    raise TransientError("Too much contention on the order counter")


def create_exchange(
    tenant_id: str,
    original: OrderRecord,
    order_id: str,
    return_id: str,
    lines: list[dict],
    quote: pricing.Quote,
    payment: dict | None,
) -> OrderRecord:
    """The replacement order of an exchange (id chosen when the return was asked for, so a retried step
    finds it): numbered like any order, its units the ones the return reserved, paid by the returned
    units' value and, when the replacement cost more, the shopper's payment of the difference (`payment`,
    the only part of it that can be refunded)."""
    try:
        return orders.load(tenant_id, order_id)
    except NotFound:
        pass
    timeline = [orders.entry("placed", f"Exchange for return {return_id} of order #{int(original.number)}")]
    for _attempt in range(20):
        counter = _counter(tenant_id)
        number = int(counter.last_number) + 1
        order = OrderRecord(
            tenant_id,
            keys.order_sk(order_id),
            order_id=order_id,
            number=number,
            checkout_id=original.checkout_id,
            cart_id=None,
            email=original.email,
            language=original.language,
            shipping_address=plain(original.shipping_address),
            **_priced(lines, quote),
            discount_code=None,
            financial_status="paid",
            refunded_total=0,
            revision=0,
            payment={
                "provider": "exchange",
                "amount": 0,
                **(payment or {}),
                "return_id": return_id,
                "original_order_id": original.order_id,
                "credit": quote.total - int((payment or {}).get("amount", 0)),
            },
            timeline=timeline,
            created_at=clock.now_iso(),
            gsi1pk=keys.orders_gsi(tenant_id),
            gsi1sk=order_id,
        )
        try:
            with TransactWrite(connection=connection()) as tx:
                _save_numbered_in(tx, order, counter)
                stock.convert_in(tx, tenant_id, return_id)
        except TransactWriteError as e:
            failed = failed_conditions(tx, e)
            if (tenant_id, order.sk) in failed:
                return orders.load(tenant_id, order_id)
            codes = [r.code if r is not None else None for r in (e.cancellation_reasons or [])]
            if {(tenant_id, counter.sk), (tenant_id, keys.order_number_sk(number))} & failed or (
                "TransactionConflict" in codes
            ):
                continue
            if (tenant_id, keys.reservation_sk(return_id)) in failed:
                raise Conflict(
                    "The replacement's reserved stock was released; the exchange cannot be made",
                    {"exchange": "reservation released"},
                ) from None
            raise TransientError(f"Order transaction cancelled: {codes}") from None
        break
    else:
        raise TransientError("Too much contention on the order counter")
    note = orders.entry("exchanged", f"Return {return_id} exchanged: replacement order #{number}")
    orders.change(tenant_id, original.order_id, lambda o: orders.Change(timeline=[note]))
    return order


@workflows.task("order_creation.create")
def create_task(payload: dict) -> dict:
    order = create_from_checkout(payload["tenant_id"], payload["checkout_id"])
    return {**payload, "order_id": order.order_id, "order_number": int(order.number)}


def _confirmation(order: OrderRecord, shop, order_url: str) -> emails.Email:
    lines = [
        {"quantity": int(l["quantity"]), "title": emails.line_title(l), "amount": int(l["price"]) * int(l["quantity"])}
        for l in plain(order.lines)
    ]
    return emails.render(
        "order_confirmed",
        shop,
        order.language,
        order_url=order_url,
        order={
            "number": int(order.number),
            "currency": order.currency,
            "lines": lines,
            "subtotal": int(order.subtotal),
            "discount_total": int(order.discount_total or 0),
            "discount_code": order.discount_code,
            "shipping_total": int(order.shipping_total or 0),
            "tax_total": int(order.tax_total or 0),
            "total": int(order.total),
        },
    )


@workflows.task("order_creation.send_confirmation")
def send_confirmation(payload: dict) -> dict:
    tenant_id = payload["tenant_id"]
    order = orders.load(tenant_id, payload["order_id"])

    def send():
        shop = tenants.get_shop(tenant_id)  # emails link to the shop's primary host, whatever host it was bought on
        notifications.send_email(
            to=order.email,
            email=_confirmation(order, shop, emails.order_page(shop, order, f"/orders/{order.order_id}")),
        )

    if lifecycle.once_marked(order, OrderRecord.confirmation_sent_at, send):
        entry = orders.entry("confirmation_sent", f"Confirmation emailed to {order.email}")
        order.update(actions=[OrderRecord.timeline.set(OrderRecord.timeline.append([entry]))])
    return payload


@workflows.task("order_creation.emit_created")
def emit_created(payload: dict) -> dict:
    tenant_id = payload["tenant_id"]
    order = orders.load(tenant_id, payload["order_id"])
    lifecycle.once_marked(
        order,
        OrderRecord.event_emitted_at,
        lambda: events.publish(
            "order.created",
            {
                "id": f"order.created:{order.order_id}",
                "tenant_id": tenant_id,
                "order_id": order.order_id,
                "number": int(order.number),
                "total": int(order.total),
                "currency": order.currency,
                "created_at": order.created_at,
            },
        ),
    )
    return payload
