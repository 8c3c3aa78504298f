"""Orders: made exactly once from a paid checkout, numbered per shop without gaps, then shown.

CreateOrder is one transaction: the shop's order counter (conditional on the
number we read, so two orders never share a number and none is skipped), the
order (conditional on not existing: its id was chosen when the checkout
started, so a retried step finds it), the number's lookup item, the
reservation turning into the order's stock, the checkout turning `paid`, the
cart turning `completed`.

Lifecycles, one table each (other actions move them: refunds, fulfilments).
"""
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from . import checkout, clock, cursors, events, keys, money, notifications, pricing, reservations, tenants, \
    workflows
from .db import CartRecord, CheckoutRecord, OrderCounter, OrderNumber, OrderRecord, connection
from .errors import Conflict, Invalid, NotFound
from .workflows import TransientError

FINANCIAL_TRANSITIONS = {
    "pending": {"paid"},
    "paid": {"partially_refunded", "refunded"},
    "partially_refunded": {"partially_refunded", "refunded"},
    "refunded": set(),
}
FULFILLMENT_TRANSITIONS = {
    "unfulfilled": {"partial", "fulfilled"},
    "partial": {"partial", "fulfilled"},
    "fulfilled": set(),
}
FINANCIAL_STATUSES = tuple(FINANCIAL_TRANSITIONS)
FULFILLMENT_STATUSES = tuple(FULFILLMENT_TRANSITIONS)


class ReservationLost(Exception):
    """The checkout's stock was released before its order could be made (its payment is refunded)."""


def check_transition(table: dict, current: str, new: str) -> None:
    """A move the table does not list is a 409 (repeating the current state is left to the caller)."""
    if new not in table.get(current, set()):
        raise Conflict(f"An order that is {current} cannot become {new}")


def _plain(value):
    return checkout._plain(value)


def _load(tenant_id: str, order_id: str) -> OrderRecord:
    if not keys.is_id(order_id):
        raise NotFound("No such order")
    try:
        return OrderRecord.get(tenant_id, keys.order_sk(order_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No such order") from None


def _entry(kind: str, message: str) -> dict:
    return {"at": clock.now_iso(), "type": kind, "message": message}


# Making the order (workflow tasks) ------------------------------------------

def _counter(tenant_id: str) -> OrderCounter:
    try:
        return OrderCounter.get(tenant_id, keys.ORDER_COUNTER_SK, consistent_read=True)
    except DoesNotExist:
        try:
            OrderCounter(tenant_id, keys.ORDER_COUNTER_SK, last_number=0).save(
                condition=OrderCounter.pk.does_not_exist())
        except PutError as e:
            if e.cause_response_code != "ConditionalCheckFailedException":
                raise
        return OrderCounter.get(tenant_id, keys.ORDER_COUNTER_SK, consistent_read=True)


def _order_lines(record: CheckoutRecord, quote: pricing.Quote) -> list[dict]:
    snapshots = {l["variant_id"]: l for l in _plain(record.lines)}
    out = []
    for ql in quote.lines:
        snap = snapshots[ql.variant_id]
        out.append({"variant_id": ql.variant_id, "product_id": snap["product_id"], "sku": snap["sku"],
                    "title": snap["title"], "variant_title": snap["variant_title"], "quantity": ql.quantity,
                    "price": ql.unit_price, "line_subtotal": ql.line_subtotal, "discount": ql.discount,
                    "tax": ql.tax, "total": ql.total, "unit_discounts": list(ql.unit_discounts),
                    "unit_taxes": list(ql.unit_taxes)})
    return out


def create_from_checkout(tenant_id: str, checkout_id: str) -> OrderRecord:
    """The order of a paid (or free) checkout, made once; a repeat returns the same order."""
    record = checkout.load(tenant_id, checkout_id)
    try:
        return _load(tenant_id, record.order_id)
    except NotFound:
        pass
    quote = pricing.Quote.from_dict(_plain(record.quote))
    payment = _plain(record.payment)
    if quote.total > 0 and not payment:
        raise checkout.PaymentMissing(f"Checkout {checkout_id} has no payment")
    now = clock.now_iso()
    timeline = [_entry("placed", "Order placed")]
    if payment:
        timeline.append(_entry("paid", f"Payment of {money.format_money(quote.total, quote.currency)} received "
                                       f"(Stripe {payment['payment_intent']})"))
    for _attempt in range(20):
        counter = _counter(tenant_id)
        number = int(counter.last_number) + 1
        order = OrderRecord(
            tenant_id, keys.order_sk(record.order_id), order_id=record.order_id, number=number,
            checkout_id=checkout_id, cart_id=record.cart_id, email=record.email, currency=quote.currency,
            shipping_address=_plain(record.shipping_address), lines=_order_lines(record, quote),
            quote=quote.to_dict(), subtotal=quote.subtotal, discount_total=quote.discount_total,
            shipping_total=quote.shipping_total, tax_total=quote.tax_total, total=quote.total,
            discount_code=quote.discount_code, financial_status="paid", fulfillment_status="unfulfilled",
            refunded_total=0,
            payment=({"provider": "stripe", "payment_intent": payment["payment_intent"],
                      "session_id": payment.get("session_id"), "account_id": payment.get("account_id"),
                      "amount": int(payment["amount"])} if payment else None),
            timeline=timeline, created_at=now, gsi1pk=keys.orders_gsi(tenant_id), gsi1sk=record.order_id)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(order, condition=OrderRecord.pk.does_not_exist())
                tx.update(counter, actions=[OrderCounter.last_number.set(number)],
                          condition=OrderCounter.last_number == number - 1)
                tx.save(OrderNumber(tenant_id, keys.order_number_sk(number), order_id=record.order_id,
                                    email=record.email), condition=OrderNumber.pk.does_not_exist())
                reservations.convert_in(tx, tenant_id, checkout_id)
                tx.update(record, actions=[CheckoutRecord.status.set("paid"), CheckoutRecord.updated_at.set(now)],
                          condition=CheckoutRecord.status.is_in(*checkout.allowed_from("paid")))
                tx.update(CartRecord(tenant_id, keys.cart_sk(record.cart_id)),
                          actions=[CartRecord.status.set("completed"), CartRecord.version.add(1)],
                          condition=CartRecord.checkout_id == checkout_id)
        except TransactWriteError as e:
            codes = [r.code if r is not None else None for r in (e.cancellation_reasons or [])]
            if codes[0] == "ConditionalCheckFailed":
                return _load(tenant_id, record.order_id)
            if "ConditionalCheckFailed" in codes[1:3] or "TransactionConflict" in codes:
                continue  # another order took that number first: take the next one
            if codes[3] == "ConditionalCheckFailed":
                raise ReservationLost(f"Checkout {checkout_id} no longer holds its stock") from None
            raise TransientError(f"Order transaction cancelled: {codes}") from None
        return order
    raise TransientError("Too much contention on the order counter")


@workflows.task("orders.create")
def create_task(payload: dict) -> dict:
    order = create_from_checkout(payload["tenant_id"], payload["checkout_id"])
    return {**payload, "order_id": order.order_id, "order_number": int(order.number)}


def _claim(order: OrderRecord, attribute) -> bool:
    """Marks a side effect as done before doing it, so a retried step never does it twice."""
    try:
        order.update(actions=[attribute.set(clock.now_iso())], condition=attribute.does_not_exist())
        return True
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def _confirmation_text(order: OrderRecord, shop_name: str, status_url: str) -> str:
    fmt = lambda amount: money.format_money(int(amount), order.currency)  # noqa: E731
    rows = [f"  {int(l['quantity'])} x {' - '.join(p for p in (l['title'], l['variant_title']) if p)}"
            f"  {fmt(int(l['price']) * int(l['quantity']))}" for l in _plain(order.lines)]
    totals = [f"Subtotal: {fmt(order.subtotal)}"]
    if order.discount_total:
        totals.append(f"Discount ({order.discount_code}): -{fmt(order.discount_total)}")
    totals.append(f"Shipping: {fmt(order.shipping_total) if order.shipping_total else 'Free'}")
    if order.tax_total:
        totals.append(f"Tax: {fmt(order.tax_total)}")
    totals.append(f"Total: {fmt(order.total)}")
    return "\n".join([f"Thank you for your order from {shop_name}!", "", f"Order #{int(order.number)}", "",
                      *rows, "", *totals, "", f"Follow your order: {status_url}"])


@workflows.task("orders.send_confirmation")
def send_confirmation(payload: dict) -> dict:
    tenant_id = payload["tenant_id"]
    order = _load(tenant_id, payload["order_id"])
    if _claim(order, OrderRecord.confirmation_sent_at):
        record = checkout.load(tenant_id, payload["checkout_id"])
        shop = tenants.get_shop(tenant_id)
        try:
            notifications.send_email(
                to=order.email, subject=f"{shop.name}: order #{int(order.number)} confirmed",
                text=_confirmation_text(order, shop.name, f"{record.storefront_base}/orders/{order.order_id}"))
        except Exception:
            order.update(actions=[OrderRecord.confirmation_sent_at.remove()])
            raise
        order.update(actions=[OrderRecord.timeline.append([_entry("confirmation_sent",
                                                                  f"Confirmation emailed to {order.email}")])])
    return payload


@workflows.task("orders.emit_created")
def emit_created(payload: dict) -> dict:
    tenant_id = payload["tenant_id"]
    order = _load(tenant_id, payload["order_id"])
    if _claim(order, OrderRecord.event_emitted_at):
        try:
            events.publish("order.created", {
                "id": f"order.created:{order.order_id}", "tenant_id": tenant_id, "order_id": order.order_id,
                "number": int(order.number), "total": int(order.total), "currency": order.currency,
                "created_at": order.created_at})
        except Exception:
            order.update(actions=[OrderRecord.event_emitted_at.remove()])
            raise
    return payload


# Reading ------------------------------------------------------------------

def to_dict(order: OrderRecord) -> dict:
    lines = _plain(order.lines)
    return {
        "id": order.order_id, "number": int(order.number), "email": order.email, "currency": order.currency,
        "subtotal": int(order.subtotal), "discount_total": int(order.discount_total),
        "shipping_total": int(order.shipping_total), "tax_total": int(order.tax_total), "total": int(order.total),
        "financial_status": order.financial_status, "fulfillment_status": order.fulfillment_status,
        "lines": [{"variant_id": l["variant_id"], "product_id": l["product_id"], "sku": l["sku"],
                   "title": l["title"], "variant_title": l["variant_title"], "quantity": int(l["quantity"]),
                   "price": int(l["price"]), "discount": int(l["discount"]), "tax": int(l["tax"]),
                   "total": int(l["total"]), "unit_discounts": [int(x) for x in l["unit_discounts"]],
                   "unit_taxes": [int(x) for x in l["unit_taxes"]]} for l in lines],
        "discount_code": order.discount_code, "shipping_address": _plain(order.shipping_address),
        "refunded_total": int(order.refunded_total), "cancelled_at": order.cancelled_at,
        "created_at": order.created_at, "checkout_id": order.checkout_id,
        "payment": _plain(order.payment), "timeline": _plain(order.timeline),
    }


def get(tenant_id: str, order_id: str) -> dict:
    return to_dict(_load(tenant_id, order_id))


def list_orders(tenant_id: str, *, limit: int, cursor: str | None, financial_status: str | None = None,
                fulfillment_status: str | None = None) -> dict:
    """Newest first, optionally filtered by status; a page may stop short of `limit` only at the end."""
    condition = None
    for name, value, allowed in (("financial_status", financial_status, FINANCIAL_STATUSES),
                                 ("fulfillment_status", fulfillment_status, FULFILLMENT_STATUSES)):
        if value in (None, ""):
            continue
        if value not in allowed:
            raise Invalid(f"{name}: one of {', '.join(allowed)}", {name: "unknown status"})
        clause = getattr(OrderRecord, name) == value
        condition = clause if condition is None else condition & clause
    page = OrderRecord.all_orders.query(keys.orders_gsi(tenant_id), scan_index_forward=False, limit=limit,
                                        filter_condition=condition,
                                        last_evaluated_key=cursors.decode(cursor, tenant_id))
    items = [to_dict(o) for o in page]
    return {"items": items, "next": cursors.encode(page.last_evaluated_key)}


def lookup(tenant_id: str, number: int, email: str) -> str:
    """The id of order `number` if `email` is its email (the same 404 for either mismatch)."""
    try:
        claim = OrderNumber.get(tenant_id, keys.order_number_sk(number), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No order with that number and email") from None
    if claim.email != tenants.normalize_email(email):
        raise NotFound("No order with that number and email")
    return claim.order_id


def for_status_page(tenant_id: str, order_id: str, checkout_id: str | None) -> dict:
    """The shopper's order page: {"order": ...}, or {"order": None, "message"} while the payment that
    makes it is being confirmed (Stripe sends the shopper here before its webhook reaches us)."""
    try:
        record = _load(tenant_id, order_id)
    except NotFound:
        record = None
    if record is not None:
        order = to_dict(record)
        order["lines"] = [{**l, "title": " - ".join(p for p in (l["title"], l["variant_title"]) if p)}
                          for l in order["lines"]]
        return {"order": {**order, "cart_id": record.cart_id}}
    if not checkout_id:
        raise NotFound("No such order")
    record = checkout.load(tenant_id, checkout_id)
    if record.order_id != order_id:
        raise NotFound("No such order")
    if record.status in ("failed", "expired"):
        raise Conflict("This order was not placed: the payment did not go through in time. "
                       "Nothing was charged, or it has been refunded.")
    return {"order": None, "message": "We are confirming your payment with the bank. "
                                      "Your order will appear here in a moment."}
