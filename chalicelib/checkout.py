"""Checkout: from a cart to a paid order, as the Step Functions saga in infra/workflows/checkout.asl.json.

The HTTP call only validates, prices (pricing.quote), checks stock with a
consistent read, locks the cart and starts the workflow. Everything slow or
racy happens in the workflow's tasks below, each idempotent so a retried or
duplicated step changes nothing twice:

    ReserveStock -> PaymentDue? -> CreatePayment -> WaitForPayment -> CreateOrder
        -> SendConfirmation -> EmitOrderCreated -> OrderPlaced
    on decline / expiry:  CancelPayment -> PaidAfterAll? -> ReleaseReservation -> MarkFailed
    on any other failure: (RefundPayment ->) ReleaseReservation -> MarkFailed

The payment steps (CreatePayment, WaitForPayment, CancelPayment,
RefundPayment) and what Stripe says about the payment are checkout_payment's;
this module starts the checkout, holds its lifecycle and compensates: a
payment that lands after the stock went back is refunded (`record_late`).
"""

from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import (
    carts,
    catalog,
    clock,
    discounts,
    keys,
    languages,
    lifecycle,
    payment_accounts,
    payment_sessions,
    pricing,
    settings,
    shipping,
    stock,
    taxes,
    tenants,
    workflows,
)
from .db import CartRecord, CheckoutRecord, ShopRecord, conditionally, connection
from .db import plain as _plain
from .errors import Conflict, Invalid, NotFound

WORKFLOW = "checkout"

# The checkout's lifecycle, in one table; every status change below is a move along it (lifecycle.py).
TRANSITIONS = {
    "processing": {"awaiting_payment", "payment_received", "cancelling", "paid", "failed"},
    "awaiting_payment": {"payment_received", "cancelling"},
    "payment_received": {"paid", "failed"},  # failed: the order could not be made and the payment went back
    "cancelling": {"payment_received", "failed", "expired"},  # payment_received: it was paid after all
    "paid": set(),
    "failed": set(),
    "expired": set(),
}
LIFECYCLE = lifecycle.Lifecycle(
    "checkout", TRANSITIONS, stamp=lambda record, new: [type(record).updated_at.set(clock.now_iso())]
)
PUBLIC_STATUS = {
    "processing": "processing",
    "awaiting_payment": "awaiting_payment",
    "payment_received": "processing",
    "cancelling": "processing",
    "paid": "paid",
    "failed": "failed",
    "expired": "expired",
}

# Why a checkout failed, from the error name that sent the workflow to compensation.
FAILURE_REASONS = {
    "OutOfStock": "out_of_stock",
    "DiscountUnavailable": "invalid_discount",
    "PaymentDeclined": "payment_declined",
    "PaymentExpired": "expired",
    "States.Timeout": "expired",
    "PaymentFailed": "payment_failed",
    "PaymentsMisconfigured": "payment_failed",
    "PaymentsUnavailable": "payment_failed",
    "ShopCannotTakePayments": "payment_failed",
}


class PaymentMissing(Exception):
    """CreateOrder found no recorded payment for a checkout that costs money (a bug, never a race)."""


def execution_arn(checkout_id: str) -> str:
    return workflows.execution_arn(WORKFLOW, checkout_id)


def load(tenant_id: str, checkout_id: str) -> CheckoutRecord:
    return CheckoutRecord.by_id(tenant_id, checkout_id, keys.checkout_sk, "checkout")


# Starting: the storefront's POST /api/store/carts/{id}/checkout ----------------

_ADDRESS_FIELDS = ("name", "line1", "city", "postal_code")


def _check_address(address: dict) -> dict:
    cleaned = {k: v.strip() for k, v in address.items() if isinstance(v, str)}
    for field in _ADDRESS_FIELDS:
        if not cleaned.get(field):
            raise Invalid(
                f"shipping_address.{field}: must not be blank", {f"shipping_address.{field}": "must not be blank"}
            )
    return cleaned


def _priced_lines(tenant_id: str, currency: str, cart: CartRecord) -> list[dict]:
    """The cart's lines at today's prices, each checked against the stock there is right now."""
    lines = carts.lines_of(cart)
    if not lines:
        raise Invalid("The cart is empty", {"lines": "the cart is empty"})
    variants = catalog.purchasable(tenant_id, [line["variant_id"] for line in lines], consistent=True)
    for i, line in enumerate(lines):
        carts.check_sellable(variants.get(line["variant_id"]), f"lines[{i}].variant_id")
    short = [
        (i, line, variants[line["variant_id"]])
        for i, line in enumerate(lines)
        if int(line["quantity"]) > int(variants[line["variant_id"]]["inventory_quantity"])
    ]
    if short:
        i, line, variant = short[0]
        left = max(int(variant["inventory_quantity"]), 0)
        raise Conflict(
            f"Only {left} of {variant['product_title']} left; update your cart",
            {f"lines[{j}].quantity": f"only {max(int(v['inventory_quantity']), 0)} available" for j, _, v in short},
        )
    out = []
    for line in lines:
        v = variants[line["variant_id"]]
        if v["currency"] != currency:
            raise Invalid(f"lines: {v['sku']} is not priced in {currency}", {"lines": "currency mismatch"})
        out.append(
            {
                "variant_id": v["id"],
                "product_id": v["product_id"],
                "sku": v["sku"],
                "title": v["product_title"],
                "variant_title": v["title"] if v["options"] else "",
                "quantity": int(line["quantity"]),
                "price": int(v["price"]),
            }
        )
    return out


def _quote(shop: ShopRecord, lines: list[dict], country: str, discount: pricing.Discount | None) -> pricing.Quote:
    try:
        return pricing.quote(
            [
                pricing.Line(
                    variant_id=l["variant_id"],
                    unit_price=l["price"],
                    quantity=l["quantity"],
                    product_id=l["product_id"],
                )
                for l in lines
            ],
            shop.currency,
            country=country,
            discount=discount,
            shipping_rates=shipping.rates(shop),
            tax_rates=taxes.rates(shop),
            prices_include_tax=taxes.prices_include_tax(shop),
            now=clock.now(),
        )
    except pricing.DiscountNotApplicable as e:
        raise Invalid(f"discount_code: {e}", {"discount_code": str(e)}) from None
    except pricing.ShippingUnavailable as e:
        raise Invalid(f"shipping_address.country: {e}", {"shipping_address.country": str(e)}) from None


def start(shop: ShopRecord, cart_id: str, data: dict, storefront_base: str) -> dict:
    """Validates and prices the cart, locks it, and starts the checkout workflow; {checkout_id}."""
    tenant_id = shop.tenant_id
    email = tenants.check_email(data["email"], "email")
    address = _check_address(data["shipping_address"])
    cart = carts.load(tenant_id, cart_id)
    carts.require_open(cart)
    lines = _priced_lines(tenant_id, shop.currency, cart)
    discount_record = discount = None
    if data.get("discount_code"):
        discount_record, discount = discounts.for_checkout(tenant_id, data["discount_code"], email)
    quote = _quote(shop, lines, address["country"], discount)
    if quote.total > 0 and payment_accounts.ready(tenant_id) is None:
        raise Conflict("This shop cannot take payments yet", {"shop": "payments not set up"})
    checkout_id, now = keys.new_id(), clock.now_iso()
    seconds = settings.reservation_seconds()
    language = languages.spoken_by(shop, data.get("language"))
    record = CheckoutRecord(
        tenant_id,
        keys.checkout_sk(checkout_id),
        checkout_id=checkout_id,
        cart_id=cart.cart_id,
        order_id=keys.new_id(),
        status="processing",
        email=email,
        shipping_address=address,
        lines=lines,
        quote=quote.to_dict(),
        discount=(
            {
                "code": discount_record.code,
                "limited": discount_record.usage_limit is not None,
                "once_per_customer": bool(discount_record.once_per_customer),
            }
            if discount_record
            else None
        ),
        storefront_base=storefront_base + languages.prefix(shop, language),
        language=language,
        reservation_seconds=seconds,
        created_at=now,
        updated_at=now,
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            carts.lock_in(tx, cart, checkout_id)
            tx.save(record, condition=CheckoutRecord.pk.does_not_exist())
    except TransactWriteError:
        raise Conflict("The cart changed meanwhile; reload it and try again", {"cart": "changed"}) from None
    try:
        workflows.start(
            WORKFLOW,
            name=checkout_id,
            payload={
                "tenant_id": tenant_id,
                "checkout_id": checkout_id,
                "reservation_seconds": seconds,
                "amount_due": quote.total,
            },
        )
    except Exception:
        # Nothing is reserved yet: hand the cart back so the shopper can try again.
        LIFECYCLE.move(record, "failed", CheckoutRecord.failure_reason.set("error"))
        carts.reopen(tenant_id, cart.cart_id, checkout_id)
        raise
    return {"checkout_id": checkout_id}


def view(tenant_id: str, checkout_id: str) -> dict:
    """The shopper's view (GET /api/store/checkouts/{id})."""
    record = load(tenant_id, checkout_id)
    out: dict[str, Any] = {"id": record.checkout_id, "status": PUBLIC_STATUS[record.status]}
    if record.status == "awaiting_payment" and record.payment_session:
        out["payment_url"] = record.payment_session["url"]
    if record.status == "paid":
        out["order_id"] = record.order_id
        out["order_status_url"] = f"{record.storefront_base}/orders/{record.order_id}"
    if record.status in ("failed", "expired"):
        out["failure_reason"] = record.failure_reason or record.status
    quote = _plain(record.quote)
    out.update({k: int(quote[k]) for k in ("subtotal", "discount_total", "shipping_total", "tax_total", "total")})
    out["currency"] = quote["currency"]
    return out


# Workflow tasks -----------------------------------------------------------


def _ids(payload: dict) -> tuple[str, str]:
    return payload["tenant_id"], payload["checkout_id"]


@workflows.task("checkout.reserve_stock")
def reserve_stock(payload: dict) -> dict:
    tenant_id, checkout_id = _ids(payload)
    record = load(tenant_id, checkout_id)
    if record.status == "processing":
        stock.reserve(
            tenant_id,
            checkout_id,
            items=[(l["variant_id"], int(l["quantity"])) for l in _plain(record.lines)],
            discount=_plain(record.discount) if record.discount else None,
            email=record.email,
            seconds=int(record.reservation_seconds),
            execution_arn=execution_arn(checkout_id),
        )
    return payload


@workflows.task("checkout.release_reservation")
def release_reservation(payload: dict) -> dict:
    stock.release(*_ids(payload))
    return payload


def failure_reason(payload: dict) -> str:
    error = (payload.get("error") or {}).get("Error", "")
    return FAILURE_REASONS.get(error, "error")


@workflows.task("checkout.mark_failed")
def mark_failed(payload: dict) -> dict:
    """The last compensation step: the cart goes back to the shopper, then the checkout says why it ended."""
    tenant_id, checkout_id = _ids(payload)
    record = load(tenant_id, checkout_id)
    reason = failure_reason(payload)
    carts.reopen(tenant_id, record.cart_id, checkout_id)
    _finish(record, reason, refunded=bool(payload.get("refunded")))
    return {**payload, "failure_reason": reason}


def _finish(record: CheckoutRecord, reason: str, *, refunded: bool = False) -> None:
    """Moves a checkout whose stock is already back to failed/expired, by the table's paths. A payment
    that landed meanwhile (the webhook won a race with the release) is refunded: there is no stock for it."""
    target = "expired" if reason == "expired" else "failed"
    for _ in range(5):
        if LIFECYCLE.is_final(record.status):
            break
        if record.status == "payment_received":
            step = "failed"  # paid, but too late: the stock went back
        elif LIFECYCLE.allows(record.status, target):
            step = target
        else:
            step = "cancelling"
        actions = [CheckoutRecord.failure_reason.set(reason)] if step != "cancelling" else []
        LIFECYCLE.move(record, step, *actions)
    if record.status == "failed" and record.payment_event == "succeeded" and record.payment and not refunded:
        record_late(record, _plain(record.payment))


def record_late(record: CheckoutRecord, paid: dict) -> None:
    """A payment for a checkout whose stock already went back: no order; it is recorded once on the
    checkout and refunded by the late_payment workflow (payment_sessions' one policy for late money)."""
    conditionally(
        record.update,
        actions=[CheckoutRecord.late_payment.set({**paid, "refund_id": None})],
        condition=CheckoutRecord.late_payment.does_not_exist(),
    )
    payment_sessions.refund_late(record.pk, "checkout", record.checkout_id, paid)


# The sweeper --------------------------------------------------------------


def sweep() -> dict:
    """Releases reservations whose workflow is no longer running (TTL deletes nothing locally and is late
    in AWS; a workflow that died or was stopped never reaches its compensation)."""
    released = []
    for reservation in stock.held():
        if workflows.status(reservation.execution_arn or execution_arn(reservation.checkout_id)) == "RUNNING":
            continue
        if abandon(reservation.pk, reservation.checkout_id):
            released.append(reservation.checkout_id)
    return {"released": released}


def abandon(tenant_id: str, checkout_id: str) -> bool:
    """Ends a checkout whose workflow is gone: stock and discount back, cart back, money back if paid."""
    released = stock.release(tenant_id, checkout_id)
    try:
        record = load(tenant_id, checkout_id)
    except NotFound:
        return released
    carts.reopen(tenant_id, record.cart_id, checkout_id)
    ends = clock.parse_iso(record.created_at).timestamp() + int(record.reservation_seconds)
    timed_out = clock.now().timestamp() >= ends
    _finish(record, "expired" if timed_out and record.status == "awaiting_payment" else "error")
    return released
