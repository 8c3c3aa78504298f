"""Orders: the order record, every change to it after the sale, and how it is shown.

Making an order (from a paid checkout, or an exchange's replacement) is
order_creation's.

Lifecycles, one table each (other actions move them: refunds, fulfilments).
`fulfillment_status` is not a lifecycle of its own: it is read off the
order's fulfilments every time (`fulfillment_status_of`), so it can never
disagree with them. After the sale, every change to an order (a fulfilment,
a refund, a return's claim, a cancellation) goes through `change`: the order
is read, the change decided on what it holds, and written on the condition
that no other change landed meanwhile (its `revision`), else decided again.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from . import (
    checkout,
    clock,
    cursors,
    keys,
    lifecycle,
    tenants,
)
from .db import (
    OrderCounter,
    OrderNumber,
    OrderRecord,
    condition_failed,
    connection,
    plain,
)
from .errors import Conflict, Invalid, NotFound
from .workflows import TransientError

FINANCIAL_TRANSITIONS = {
    "pending": {"paid"},
    "paid": {"partially_refunded", "refunded"},
    "partially_refunded": {"partially_refunded", "refunded"},
    "refunded": set(),
}
# Written with the rest of an after-sale change (orders.change, refunds), so only its table is used here.
FINANCIAL = lifecycle.Lifecycle("order", FINANCIAL_TRANSITIONS, attribute="financial_status")
FINANCIAL_STATUSES = FINANCIAL.statuses
FULFILLMENT_STATUSES = ("unfulfilled", "partial", "fulfilled")
# A fulfilment in one of these no longer counts (fulfilment.TRANSITIONS has the whole lifecycle).
VOID_FULFILMENT_STATUSES = ("cancelled",)
# A search for an order number: "1001" or "#1001" (anything else searches the buyer's email).
ORDER_NUMBER = re.compile(r"#?\d{1,12}")
SEARCH_MAX = 200


def _load(tenant_id: str, order_id: str) -> OrderRecord:
    return OrderRecord.by_id(tenant_id, order_id, keys.order_sk, "order")


def _entry(kind: str, message: str) -> dict:
    return {"at": clock.now_iso(), "type": kind, "message": message}


def entry(kind: str, message: str) -> dict:
    """A timeline entry (other modules add theirs through `change`)."""
    return _entry(kind, message)


def load(tenant_id: str, order_id: str) -> OrderRecord:
    return _load(tenant_id, order_id)


# Changing an order after the sale -------------------------------------------


@dataclass
class Change:
    """What one after-sale action does to an order: attribute values to set (None removes one), timeline entries, and
    other items written in the same transaction (`also(tx)`); `result` is handed back to the caller."""

    values: dict = field(default_factory=dict)
    timeline: list = field(default_factory=list)
    also: Callable | None = None
    result: object = None


def change(tenant_id: str, order_id: str, decide: Callable[[OrderRecord], "Change | None"], *, attempts: int = 12):
    """Applies `decide(order)` (a Change, or None for nothing to do) as one write conditional on the
    order's revision; when another change landed first (or an item of `also` moved), decides again on
    what is there now. Returns (the order as written, the change or None)."""
    for _ in range(attempts):
        order = _load(tenant_id, order_id)
        decided = decide(order)
        if decided is None:
            return order, None
        decided = _counting_to_fulfil(order, decided)
        revision = int(order.revision or 0)
        condition = OrderRecord.revision == revision
        if revision == 0:  # orders made before after-sale changes existed carry no revision yet
            condition = OrderRecord.revision.does_not_exist() | condition
        actions = [  # None removes the attribute (an index key leaves its sparse index)
            getattr(OrderRecord, name).remove() if value is None else getattr(OrderRecord, name).set(value)
            for name, value in decided.values.items()
        ]
        actions.append(OrderRecord.revision.set(revision + 1))
        if decided.timeline:
            actions.append(OrderRecord.timeline.set(OrderRecord.timeline.append(decided.timeline)))
        try:
            if decided.also is None:  # one item: a plain conditional update (a transaction costs twice)
                order.update(actions=actions, condition=condition)  # reads the item back as written
                return order, decided
            else:
                with TransactWrite(connection=connection()) as tx:
                    tx.update(order, actions=actions, condition=condition)
                    decided.also(tx)
        except UpdateError as e:
            if condition_failed(e):
                continue
            raise
        except TransactWriteError as e:
            codes = [r.code if r is not None else None for r in (e.cancellation_reasons or [])]
            if condition_failed(e) or "TransactionConflict" in codes:
                continue
            raise TransientError(f"Order change cancelled: {codes}") from None
        return _load(tenant_id, order_id), decided
    raise TransientError("Too much contention on the order")


def awaits_fulfilment(order: OrderRecord, values: dict | None = None) -> bool:
    """Is something of this order (with `values` of a change applied) still to be fulfilled? Not once it is
    cancelled or refunded in full: nothing is owed to ship."""
    now = {name: getattr(order, name) for name in ("cancelled_at", "financial_status", "fulfilments")}
    now.update({k: v for k, v in (values or {}).items() if k in now})
    if now["cancelled_at"] or now["financial_status"] == "refunded":
        return False
    held = _units_held(plain(now["fulfilments"]) or [])
    return any(held.get(v, 0) < q for v, q in units_of(order).items())


def count_to_fulfil_in(tx, tenant_id: str, delta: int) -> None:
    """Moves the shop's count of orders to fulfil (on its order counter, which the first order makes)."""
    tx.update(
        OrderCounter(tenant_id, keys.ORDER_COUNTER_SK),
        actions=[OrderCounter.to_fulfil.add(delta)],
        condition=OrderCounter.pk.exists(),
    )


def _counting_to_fulfil(order: OrderRecord, decided: Change) -> Change:
    """The change, also moving the count of orders to fulfil in the same transaction when it takes the order
    into or out of that state (the order's revision condition makes it count once)."""
    before, after = awaits_fulfilment(order), awaits_fulfilment(order, decided.values)
    if before == after:
        return decided
    also = decided.also

    def count_too(tx):
        count_to_fulfil_in(tx, order.pk, 1 if after else -1)
        if also is not None:
            also(tx)

    return replace(decided, also=count_too)


def units_of(order: OrderRecord) -> dict[str, int]:
    """Units bought, by variant id."""
    return {l["variant_id"]: int(l["quantity"]) for l in plain(order.lines)}


def fulfilled_units(order: OrderRecord) -> dict[str, int]:
    """Units held by fulfilments that are not cancelled, by variant id."""
    return _units_held(plain(order.fulfilments) or [])


def _units_held(fulfilments: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in fulfilments:
        if f["status"] in VOID_FULFILMENT_STATUSES:
            continue
        for item in f["items"]:
            out[item["variant_id"]] = out.get(item["variant_id"], 0) + int(item["quantity"])
    return out


def units_asked(
    asked: list[dict], field: str, left: dict[str, int], doing: str, within: str = "order"
) -> dict[str, int]:
    """The units a request's `field` list ([{variant_id, quantity}]) asks for, summed by variant; Invalid naming
    the item when its variant is not in `left` (every variant of the order, or of the return) or more than
    `left` of it is asked to `doing` ("fulfil")."""
    counts: dict[str, int] = {}
    for i, item in enumerate(asked):
        variant_id = item["variant_id"]
        if variant_id not in left:
            message = f"not in this {within}"
            raise Invalid(f"{field}[{i}].variant_id: {message}", {f"{field}[{i}].variant_id": message})
        counts[variant_id] = counts.get(variant_id, 0) + item["quantity"]
        if counts[variant_id] > left[variant_id]:
            message = f"only {left[variant_id]} left to {doing}"
            raise Invalid(f"{field}[{i}].quantity: {message}", {f"{field}[{i}].quantity": message})
    return counts


def fulfillment_status_of(order: OrderRecord) -> str:
    """unfulfilled / partial / fulfilled, from the order's fulfilments (never stored)."""
    bought, fulfilled = units_of(order), fulfilled_units(order)
    done = sum(min(fulfilled.get(v, 0), q) for v, q in bought.items())
    if done == 0:
        return "unfulfilled"
    return "fulfilled" if done == sum(bought.values()) else "partial"


# Reading ------------------------------------------------------------------


def to_dict(order: OrderRecord) -> dict:
    lines = plain(order.lines)
    return {
        "id": order.order_id,
        "number": int(order.number),
        "email": order.email,
        "currency": order.currency,
        "subtotal": int(order.subtotal),
        "discount_total": int(order.discount_total),
        "shipping_total": int(order.shipping_total),
        "tax_total": int(order.tax_total),
        "total": int(order.total),
        "financial_status": order.financial_status,
        "fulfillment_status": fulfillment_status_of(order),
        "lines": [
            {
                "variant_id": l["variant_id"],
                "product_id": l["product_id"],
                "sku": l["sku"],
                "title": l["title"],
                "variant_title": l["variant_title"],
                "quantity": int(l["quantity"]),
                "price": int(l["price"]),
                "discount": int(l["discount"]),
                "tax": int(l["tax"]),
                "total": int(l["total"]),
                "unit_discounts": [int(x) for x in l["unit_discounts"]],
                "unit_taxes": [int(x) for x in l["unit_taxes"]],
            }
            for l in lines
        ],
        "discount_code": order.discount_code,
        "shipping_address": plain(order.shipping_address),
        "refunded_total": int(order.refunded_total),
        "cancelled_at": order.cancelled_at,
        "created_at": order.created_at,
        "checkout_id": order.checkout_id,
        "payment": plain(order.payment),
        "timeline": plain(order.timeline),
        "cancel_reason": order.cancel_reason,
        "fulfilments": [fulfilment_view(f) for f in plain(order.fulfilments) or []],
        "refunds": [refund_view(r) for r in plain(order.refunds) or []],
    }


def fulfilment_view(f: dict) -> dict:
    """A fulfilment as the merchant API shows it (no workflow internals)."""
    return {
        "id": f["id"],
        "status": f["status"],
        "method": f["method"],
        "items": [{"variant_id": i["variant_id"], "quantity": int(i["quantity"])} for i in f["items"]],
        "carrier": f.get("carrier"),
        "tracking_number": f.get("tracking_number"),
        "tracking_url": f.get("tracking_url"),
        "pickup_location": f.get("pickup_location"),
        "created_at": f["created_at"],
        "updated_at": f["updated_at"],
        "shipped_at": f.get("shipped_at"),
        "delivered_at": f.get("delivered_at"),
        "cancelled_at": f.get("cancelled_at"),
    }


def refund_view(r: dict) -> dict:
    return {
        "id": r["id"],
        "amount": int(r["amount"]),
        "status": r["status"],
        "reason": r.get("reason"),
        "lines": [{"variant_id": l["variant_id"], "quantity": int(l["quantity"])} for l in r.get("lines") or []],
        "shipping": int(r.get("shipping") or 0),
        "return_id": r.get("return_id"),
        "stripe_refund_id": r.get("stripe_refund_id"),
        "created_at": r["created_at"],
    }


def get(tenant_id: str, order_id: str) -> dict:
    return to_dict(_load(tenant_id, order_id))


def list_orders(
    tenant_id: str,
    *,
    limit: int,
    cursor: str | None,
    financial_status: str | None = None,
    fulfillment_status: str | None = None,
    q: str | None = None,
) -> dict:
    """Newest first, optionally filtered by status and searched (`q`: an order number, `#1001` or `1001`, or
    part of the buyer's email); a page may stop short of `limit` only at the end."""
    for name, value, allowed in (
        ("financial_status", financial_status, FINANCIAL_STATUSES),
        ("fulfillment_status", fulfillment_status, FULFILLMENT_STATUSES),
    ):
        if value not in (None, "") and value not in allowed:
            raise Invalid(f"{name}: one of {', '.join(allowed)}", {name: "unknown status"})
    q = (q or "").strip()
    if len(q) > SEARCH_MAX:
        raise Invalid(f"q: at most {SEARCH_MAX} characters", {"q": f"at most {SEARCH_MAX} characters"})
    if ORDER_NUMBER.fullmatch(q):
        return _by_number(tenant_id, int(q.lstrip("#")), financial_status, fulfillment_status)
    condition: Condition | None = OrderRecord.financial_status == financial_status if financial_status else None
    if q:  # emails are stored lowercased (tenants.normalize_email); DynamoDB filters, only matches come back
        matches = OrderRecord.email.contains(q.lower())
        condition = matches if condition is None else condition & matches
    start = cursors.decode(
        cursor, tenant_id, index=(OrderRecord.all_orders.Meta.index_name, keys.orders_gsi(tenant_id))
    )
    if not fulfillment_status:
        page = OrderRecord.all_orders.query(
            keys.orders_gsi(tenant_id),
            scan_index_forward=False,
            limit=limit,
            filter_condition=condition,
            last_evaluated_key=start,
        )
        items = [to_dict(o) for o in page]
        return {"items": items, "next": cursors.encode(page.last_evaluated_key)}
    # Derived, so filtered here: read on until the page is full; the cursor is the last order shown.
    items, last = [], None
    for o in OrderRecord.all_orders.query(
        keys.orders_gsi(tenant_id),
        scan_index_forward=False,
        page_size=limit,
        filter_condition=condition,
        last_evaluated_key=start,
    ):
        if fulfillment_status_of(o) != fulfillment_status:
            continue
        items.append(to_dict(o))
        last = o
        if len(items) == limit:
            break
    next_key = None
    if last is not None and len(items) == limit:
        next_key = {
            "pk": {"S": last.pk},
            "sk": {"S": last.sk},
            "gsi1pk": {"S": last.gsi1pk},
            "gsi1sk": {"S": last.gsi1sk},
        }
    return {"items": items, "next": cursors.encode(next_key)}


def _by_number(tenant_id: str, number: int, financial_status: str | None, fulfillment_status: str | None) -> dict:
    """The one order of that number (its number claim points at it), if it passes the status filters."""
    try:
        claim = OrderNumber.get(tenant_id, keys.order_number_sk(number), consistent_read=True)
    except DoesNotExist:
        return {"items": [], "next": None}
    found = to_dict(_load(tenant_id, claim.order_id))
    wanted = {"financial_status": financial_status, "fulfillment_status": fulfillment_status}
    if any(value and found[name] != value for name, value in wanted.items()):
        return {"items": [], "next": None}
    return {"items": [found], "next": None}


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
        order["lines"] = [
            {**l, "title": " - ".join(p for p in (l["title"], l["variant_title"]) if p)} for l in order["lines"]
        ]
        return {"order": {**order, "cart_id": record.cart_id}}
    if not checkout_id:
        raise NotFound("No such order")
    paying = checkout.load(tenant_id, checkout_id)
    if paying.order_id != order_id:
        raise NotFound("No such order")
    if paying.status in ("failed", "expired"):
        raise Conflict(
            "This order was not placed: the payment did not go through in time. "
            "Nothing was charged, or it has been refunded."
        )
    return {
        "order": None,
        "message": "We are confirming your payment with the bank. Your order will appear here in a moment.",
    }
