"""A return asked for and decided: the shopper's request (storefront), the merchant's approve, reject and receive.

The request checks every unit against the order and the shop's policy
(fulfilled, inside the window, not final sale, not in another return), holds
an exchange's replacement like a checkout's stock, and claims the units on
the order in the same transaction that writes the return. The merchant's
`receive` inspects and settles at once (restock, refund), so its answer
already shows the refund; the workflow's later steps find that done (each is
idempotent) and go on to tell the shopper and close the return, or finish
what Stripe could not do at the time (their Retry).
"""

from typing import Any

from . import (
    catalog,
    clock,
    exchange_payment,
    fulfilment,
    keys,
    orders,
    payment_accounts,
    payments,
    pricing,
    refund_math,
    refunds,
    return_policy,
    return_settlement,
    returns,
    settings,
    stock,
    taxes,
    tenants,
    workflows,
)
from .db import OrderRecord, ReturnRecord, ShopRecord
from .db import plain as _plain
from .errors import Conflict, Invalid, NotFound
from .observability import logger


def _order_for_shopper(tenant_id: str, order_id: str, email: str) -> OrderRecord:
    """The order, if `email` is its email (the same 404 as an unknown order otherwise)."""
    try:
        order = orders.load(tenant_id, order_id)
    except NotFound:
        raise NotFound("No order with that email") from None
    if order.email != tenants.normalize_email(email):
        raise NotFound("No order with that email")
    return order


def _category(tenant_id: str, product_id: str) -> str | None:
    try:
        return catalog.get_product(tenant_id, product_id).get("category")
    except NotFound:
        return None


def _returnable(order: OrderRecord, policy: dict, items: list[dict]) -> dict[str, int]:
    """The units asked for, by variant, if every one of them may come back; Invalid naming the item otherwise."""
    bought = orders.units_of(order)
    product_of = {l["variant_id"]: l["product_id"] for l in _plain(order.lines)}
    claimed = {k: int(v) for k, v in (_plain(order.return_claims) or {}).items()}
    fulfilled = orders.fulfilled_units(order)
    now = clock.now()
    in_window: dict[str, int] = {}
    for f in _plain(order.fulfilments) or []:
        if f["status"] in orders.VOID_FULFILMENT_STATUSES:
            continue
        started = clock.parse_iso(fulfilment.window_start(f))
        if (now - started).total_seconds() < policy["window_days"] * settings.return_day_seconds():
            for item in f["items"]:
                in_window[item["variant_id"]] = in_window.get(item["variant_id"], 0) + int(item["quantity"])
    counts: dict[str, int] = {}
    categories_matter = bool(policy["final_sale_categories"])
    for i, item in enumerate(items):
        variant_id, field = item["variant_id"], f"items[{i}]"
        if variant_id not in bought:
            raise Invalid(f"{field}.variant_id: not in this order", {f"{field}.variant_id": "not in this order"})
        counts[variant_id] = counts.get(variant_id, 0) + item["quantity"]
        wanted, left = counts[variant_id], bought[variant_id] - claimed.get(variant_id, 0)
        if wanted > bought[variant_id]:
            raise Invalid(
                f"{field}.quantity: only {bought[variant_id]} bought",
                {f"{field}.quantity": f"more than the {bought[variant_id]} bought"},
            )
        if wanted > left:
            raise Invalid(
                f"{field}.quantity: only {left} left to return (the rest is in another return)",
                {f"{field}.quantity": f"only {left} left to return"},
            )
        product_id = product_of[variant_id]
        if return_policy.is_final_sale(
            policy, product_id, _category(order.pk, product_id) if categories_matter else None
        ):
            raise Invalid(f"{field}.variant_id: final sale, not returnable", {f"{field}.variant_id": "final sale"})
        fulfilled_left = fulfilled.get(variant_id, 0) - claimed.get(variant_id, 0)
        if wanted > fulfilled_left:
            raise Invalid(
                f"{field}.variant_id: not fulfilled yet"
                if fulfilled_left <= 0
                else f"{field}.quantity: only {fulfilled_left} fulfilled so far",
                {f"{field}.variant_id" if fulfilled_left <= 0 else f"{field}.quantity": "not fulfilled"},
            )
        if wanted > min(fulfilled_left, in_window.get(variant_id, 0)):
            raise Invalid(
                f"{field}.variant_id: outside the {policy['window_days']}-day return window",
                {f"{field}.variant_id": "outside the return window"},
            )
    return counts


def _expected_refund(order: OrderRecord, counts: dict[str, int], fee_percent: int) -> int:
    quote = pricing.Quote.from_dict(_plain(order.quote))
    done = refunds.refunded_units(order)
    counts = {v: min(n, orders.units_of(order)[v] - done.get(v, 0)) for v, n in counts.items()}
    return refund_math.refund_for_lines(quote, counts, already_returned=done, restocking_fee_percent=fee_percent).total


def _exchange_quote(shop: ShopRecord, order: OrderRecord, items: list[dict]) -> tuple[list[dict], pricing.Quote]:
    """The replacement units priced as a checkout would price them today (no discount, no shipping)."""
    wanted: dict[str, int] = {}
    for item in items:
        if item.get("exchange_for"):
            wanted[item["exchange_for"]] = wanted.get(item["exchange_for"], 0) + item["quantity"]
    found = catalog.purchasable(shop.tenant_id, list(wanted), consistent=True)
    lines = []
    for i, item in enumerate(items):
        target = item.get("exchange_for")
        if not target:
            raise Invalid(
                f"items[{i}].exchange_for: an exchange names the variant wanted instead",
                {f"items[{i}].exchange_for": "is required for an exchange"},
            )
        variant = found.get(target)
        if variant is None or variant["product_status"] != "active" or variant["currency"] != order.currency:
            raise Invalid(
                f"items[{i}].exchange_for: not a variant this shop sells",
                {f"items[{i}].exchange_for": "unknown variant"},
            )
    for variant_id, quantity in wanted.items():
        v = found[variant_id]
        lines.append(
            {
                "variant_id": variant_id,
                "product_id": v["product_id"],
                "sku": v["sku"],
                "title": v["product_title"],
                "variant_title": v["title"] if v["options"] else "",
                "quantity": quantity,
                "price": int(v["price"]),
            }
        )
    address = _plain(order.shipping_address) or {}
    quote = pricing.quote(
        [
            pricing.Line(
                variant_id=l["variant_id"], unit_price=l["price"], quantity=l["quantity"], product_id=l["product_id"]
            )
            for l in lines
        ],
        order.currency,
        country=address.get("country", ""),
        tax_rates=taxes.rates(shop),
        prices_include_tax=taxes.prices_include_tax(shop),
        now=clock.now(),
    )
    return lines, quote


def request(shop: ShopRecord, order_id: str, data: dict, storefront_base: str) -> dict:
    """The shopper's return (POST /api/store/orders/{id}/returns): 201 `requested`, or 404 (not their order)
    or 400 naming the item (not fulfilled, more than bought, outside the window, final sale)."""
    tenant_id = shop.tenant_id
    order = _order_for_shopper(tenant_id, order_id, data["email"])
    shop = tenants.get_shop(tenant_id)  # the storefront's copy may be a few seconds old: the policy is not
    policy = return_policy.of_shop(shop)
    resolution = data.get("resolution", "refund")
    if resolution == "exchange" and not policy["exchanges_allowed"]:
        raise Invalid("resolution: this shop does not take exchanges", {"resolution": "exchanges not allowed"})
    if resolution == "store_credit" and not policy["store_credit_allowed"]:
        raise Invalid("resolution: this shop does not give store credit", {"resolution": "store credit not allowed"})
    reason = data["reason"].strip()
    if not reason:
        raise Invalid("reason: must not be blank", {"reason": "must not be blank"})
    counts = _returnable(order, policy, data["items"])
    return_id, now = keys.new_id(), clock.now_iso()
    terms = {
        k: policy[k]
        for k in (
            "restocking_fee_percent",
            "refund_original_shipping",
            "return_shipping_paid_by",
            "parcel_days",
            "window_days",
        )
    }
    expected = _expected_refund(order, counts, policy["restocking_fee_percent"])
    exchange: dict[str, Any] | None = None
    if resolution == "exchange":
        lines, quote = _exchange_quote(shop, order, data["items"])
        exchange = {
            "items": lines,
            "quote": quote.to_dict(),
            "cost": quote.total,
            "credit": expected,
            "difference": quote.total - expected,
            "order_id": None,
            "new_order_id": keys.new_id(),
            "payment": None,
        }
        if exchange["difference"] > 0:  # the shopper pays the difference before anything else happens
            if payment_accounts.ready(tenant_id) is None:
                raise Conflict(
                    "This shop cannot take payments: pick a replacement of the same price or less",
                    {"items": "replacement costs more"},
                )
            exchange["payment"] = {"status": "due", "amount": exchange["difference"]}
    initial = "awaiting_payment" if exchange and exchange["payment"] else "requested"
    record = ReturnRecord(
        tenant_id,
        keys.return_sk(return_id),
        return_id=return_id,
        order_id=order.order_id,
        order_number=int(order.number),
        email=order.email,
        status=initial,
        reason=reason,
        resolution=resolution,
        policy=terms,
        expected_refund=expected,
        exchange=exchange,
        items=[
            {
                "variant_id": i["variant_id"],
                "quantity": i["quantity"],
                "reason": (i.get("reason") or reason).strip(),
                "exchange_for": i.get("exchange_for"),
            }
            for i in data["items"]
        ],
        status_url=f"{storefront_base}/returns/{return_id}",
        history=[{"at": now, "status": initial}],
        created_at=now,
        updated_at=now,
        gsi1pk=keys.returns_gsi(tenant_id),
        gsi1sk=return_id,
    )
    if initial in returns.TO_HANDLE:  # the merchant's to approve or reject (an exchange's once paid)
        record.gsi2pk, record.gsi2sk = keys.returns_to_handle_gsi(tenant_id), record.sk
    parcel_seconds = policy["parcel_days"] * settings.return_day_seconds()
    if exchange:
        try:  # the replacement is held like a checkout's stock, for as long as the return may take
            stock.reserve(
                tenant_id,
                return_id,
                items=[(l["variant_id"], l["quantity"]) for l in exchange["items"]],
                discount=None,
                email=order.email,
                seconds=parcel_seconds + 30 * 86400,
                execution_arn=returns.execution_arn(return_id),
            )
        except stock.OutOfStock:
            raise Conflict("The replacement is out of stock", {"items": "replacement out of stock"}) from None

    def decide(current: OrderRecord) -> orders.Change:
        again = _returnable(current, policy, data["items"])  # on the order as it is now
        claims = {k: int(v) for k, v in (_plain(current.return_claims) or {}).items()}
        for variant_id, n in again.items():
            claims[variant_id] = claims.get(variant_id, 0) + n

        def also(tx):
            tx.save(record, condition=ReturnRecord.pk.does_not_exist())

        return orders.Change(
            values={"return_claims": claims},
            also=also,
            timeline=[
                orders.entry(
                    "return_requested", f"Return {return_id} requested: {returns.describe(current, again)} ({reason})"
                )
            ],
        )

    try:
        orders.change(tenant_id, order.order_id, decide)
    except Exception:
        if exchange:
            stock.release(tenant_id, return_id)
        raise
    workflows.start(
        returns.WORKFLOW,
        name=f"return-{return_id}",
        payload={
            "tenant_id": tenant_id,
            "return_id": return_id,
            "resolution": resolution,
            "parcel_seconds": parcel_seconds,
            "payment_due": exchange["difference"] if exchange and exchange["payment"] else 0,
            "payment_seconds": exchange_payment.PAYMENT_SECONDS + 300,
        },
    )
    return returns.to_dict(record)


def shipped(tenant_id: str, return_id: str, data: dict) -> dict:
    """The shopper sent the parcel: the return stops waiting to expire."""
    record = returns.load(tenant_id, return_id)
    if record.email != tenants.normalize_email(data["email"]):
        raise NotFound("No such return")
    how = " ".join(p for p in (data.get("carrier"), data.get("tracking_number")) if p)

    def perform(r: ReturnRecord) -> bool:
        moved = returns.LIFECYCLE.move(r, "in_transit")
        if moved:
            returns.note(
                r, "return_in_transit", f"Return {return_id} sent back by the shopper" + (f" ({how})" if how else "")
            )
        return moved

    return returns.act(record, "ship", perform)


def approve(tenant_id: str, return_id: str) -> dict:
    record = returns.load(tenant_id, return_id)

    def perform(r: ReturnRecord) -> bool:
        moved = returns.LIFECYCLE.move(r, "approved")
        if moved:
            returns.note(r, "return_approved", f"Return {return_id} approved")
        return moved

    return returns.act(record, "approve", perform)


def reject(tenant_id: str, return_id: str, reason: str | None = None) -> dict:
    record = returns.load(tenant_id, return_id)
    return returns.act(record, "reject", lambda r: returns.void(r, "rejected", (reason or "").strip() or None))


def _received_items(record: ReturnRecord, data: dict | None) -> list[dict]:
    asked = returns.unit_counts(_plain(record.items))
    if not data or not data.get("items"):
        return [{"variant_id": v, "quantity": n, "condition": "resellable"} for v, n in asked.items()]
    orders.units_asked(data["items"], "items", asked, "receive", within="return")
    got: dict[tuple, int] = {}
    for item in data["items"]:
        key = (item["variant_id"], item.get("condition", "resellable"))
        got[key] = got.get(key, 0) + item["quantity"]
    return [{"variant_id": v, "quantity": n, "condition": c} for (v, c), n in got.items() if n]


def receive(tenant_id: str, return_id: str, data: dict | None) -> dict:
    """The parcel arrived: each item's condition is recorded, resellable units go back to stock and the
    return is settled (refund, store credit or exchange) before answering."""
    record = returns.load(tenant_id, return_id)
    target, done = returns.ACTIONS["receive"]
    if record.status in done:
        return returns.to_dict(record)
    received = _received_items(record, data)

    def perform(r: ReturnRecord) -> bool:
        moved = returns.LIFECYCLE.move(r, "received", ReturnRecord.received.set(received))
        if moved:
            order = orders.load(tenant_id, r.order_id)
            what = "; ".join(
                f"{returns.describe(order, {i['variant_id']: i['quantity']})} {i['condition']}" for i in received
            )
            returns.note(r, "return_received", f"Return {return_id} received: {what or 'nothing'}")
        return moved

    returns.act(record, "receive", perform)
    return_settlement.inspect(tenant_id, return_id)
    try:
        return_settlement.settle(tenant_id, return_id)
    except payments.PaymentsUnavailable:
        logger.warning("refund deferred to the returns workflow", return_id=return_id)
    return returns.to_dict(returns.load(tenant_id, return_id))
