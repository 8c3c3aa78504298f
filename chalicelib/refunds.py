"""Refunds: money back to the shopper through the payment gateway, never more than was paid, paid once.

A refund is first recorded on the order as `pending` (what is pending counts
against what is left to refund, so two refunds racing for the last dollars
cannot both pass the check), then sent to Stripe on the shop's connected
account with `refund_application_fee` (the platform's fee comes back in
proportion), under a Stripe idempotency key made of the refund's id and with
that id in its metadata. It counts (`refunded_total`, `financial_status`)
only once Stripe reports it `succeeded`: in the create call's answer, or
later in a `refund.*` / `charge.refund.updated` webhook (`on_event`). Stripe
answering `pending` (or `requires_action`) leaves it pending; `failed` or
`canceled` marks it `failed`, and the amount is free to refund again.

A refund whose answer never came (Stripe out of reach, a reply lost after
Stripe made it) stays pending too. The scheduled reconciler (`reconcile`)
asks Stripe about every refund pending for a while: by its Stripe id when we
have one, else by its metadata among the payment's refunds, and only when
Stripe holds none is it sent (again). Stripe forgets idempotency keys after 24
hours; looking first is what keeps a refund from being paid twice after that.

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

from . import clock, isolation, keys, kpis, lifecycle, money, orders, payments, pricing, refund_math, stripe_charges
from .db import OrderRecord
from .errors import Conflict, Invalid, NotFound, Unavailable
from .observability import logger

# A refund's status lives in its order's `refunds` and moves with the order (orders.change).
TRANSITIONS = {"pending": {"succeeded", "failed"}, "succeeded": set(), "failed": set()}
LIFECYCLE = lifecycle.Lifecycle("refund", TRANSITIONS)
# What Stripe's refund statuses mean here; any other (pending, requires_action) waits.
_SETTLED_BY_STRIPE = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}
# Webhook events that carry a refund object (charge.refund.updated is the charge-side twin of refund.updated).
EVENT_TYPES = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
# The reconciler asks Stripe about a refund still pending this long after it was made.
RECONCILE_AFTER_SECONDS = 15 * 60


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


def _with_refunds(order: OrderRecord, refunds: list[dict]) -> dict[str, Any]:
    """The order's values for this list of refunds: the list, and its place on the reconciler's index
    (the oldest pending refund's time) while any is pending, else none."""
    pending = sorted(r["created_at"] for r in refunds if r["status"] == "pending")
    if not pending:
        return {"refunds": refunds, "gsi2pk": None, "gsi2sk": None}
    return {
        "refunds": refunds,
        "gsi2pk": keys.PENDING_REFUNDS,
        "gsi2sk": keys.pending_refund_gsi(pending[0], order.pk, order.order_id),
    }


def request_key(idempotency_key: str | None) -> str:
    """The refund key of a merchant's request: its Idempotency-Key, else a new one (a new refund)."""
    if not idempotency_key:
        return f"request:{keys.new_id()}"
    return "request:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


# Issuing --------------------------------------------------------------------


def issue(tenant_id: str, order_id: str, *, key: str, plan: Callable[[OrderRecord], dict | None]) -> dict | None:
    """The refund for `key`: made once from `plan(order)` ({amount, lines: {variant: units}, shipping,
    reason, return_id}; None for nothing to refund), then sent. Returns the refund (orders.refund_view)
    as known now: `succeeded`, or `pending` until Stripe says more; None when there was nothing to
    refund. Invalid when it would refund more than is left (or an amount Stripe cannot take); Conflict
    when Stripe refuses it; payments.PaymentsUnavailable when Stripe is out of reach (left pending)."""
    resume_pending(tenant_id, order_id, except_key=key)

    def decide(order: OrderRecord) -> orders.Change | None:
        if _by_key(order, key) is not None:
            return None
        wanted = plan(order)
        if wanted is None:
            return None
        amount, left = int(wanted["amount"]), refundable(order)
        field = wanted.get("field", "amount")
        if amount < 0 or amount > left:
            raise Invalid(
                f"This would refund {money.format_money(amount, order.currency)}, more than the "
                f"{money.format_money(max(left, 0), order.currency)} left of what was paid",
                {field: f"at most {money.format_money(max(left, 0), order.currency)} can be refunded"},
            )
        if amount and not payments.representable(amount, order.currency):
            raise Invalid(
                f"Stripe cannot refund {money.format_money(amount, order.currency)} in {order.currency}",
                {field: f"Stripe takes {order.currency} only in steps of its own unit"},
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
            "stripe_status": None,
            "created_at": clock.now_iso(),
        }
        timeline = [] if amount else [orders.entry("refunded", "Refund of nothing recorded (the units cost 0)")]
        return orders.Change(values=_with_refunds(order, _refunds(order) + [entry]), timeline=timeline, result=entry)

    order, made = orders.change(tenant_id, order_id, decide)
    entry = _by_key(order, key)
    if entry is None:
        return None
    if entry["status"] == "pending":
        entry = _send(tenant_id, order, entry, first=made is not None)
    if entry["status"] == "failed":  # refused, now or earlier: the merchant must step in
        raise Conflict("The payment provider refused this refund; refund it another way", {"refund": "refused"})
    return orders.refund_view(entry)


def resume_pending(tenant_id: str, order_id: str, *, except_key: str | None = None) -> None:
    """Settles what can be settled of the order's other pending refunds (asking Stripe first)."""
    order = orders.load(tenant_id, order_id)
    for entry in _refunds(order):
        if entry["status"] == "pending" and entry.get("key") != except_key:
            _try_send(tenant_id, order, entry)


def _try_send(tenant_id: str, order: OrderRecord, entry: dict) -> dict:
    try:
        return _send(tenant_id, order, entry, first=False)
    except (payments.PaymentsError, Conflict):
        logger.warning("pending refund still not through", order_id=order.order_id, refund_id=entry["id"])
        return entry


def _send(tenant_id: str, order: OrderRecord, entry: dict, *, first: bool) -> dict:
    """Stripe's word on a pending refund, applied: what Stripe holds for it (by its Stripe id, or unless
    it was made just now, by its metadata), else it is sent under its own idempotency key."""
    payment = orders.plain(order.payment)
    account = payment.get("account_id")
    if entry.get("stripe_refund_id"):
        return _apply(
            tenant_id,
            order.order_id,
            entry["id"],
            stripe_charges.get_refund(entry["stripe_refund_id"], account_id=account),
        )
    found = None
    if not first:
        found = stripe_charges.find_refund(
            payment["payment_intent"], account_id=account, key="refund_id", value=entry["id"]
        )
    if found is None:
        try:
            found = stripe_charges.refund(
                payment_intent=payment["payment_intent"],
                amount=int(entry["amount"]),
                currency=order.currency,
                account_id=account,
                idempotency_key=f"refund-{tenant_id}-{entry['id']}",
                reason="requested_by_customer" if entry.get("return_id") or entry.get("key") == "cancel" else None,
                metadata={"tenant_id": tenant_id, "order_id": order.order_id, "refund_id": entry["id"]},
            )
        except payments.PaymentFailed as e:
            _apply(tenant_id, order.order_id, entry["id"], {"id": None, "status": "failed"}, message=e.message)
            raise Conflict(
                f"The payment provider refused the refund: {e.message}", {"refund": e.code or "refused"}
            ) from None
    return _apply(tenant_id, order.order_id, entry["id"], found)


def _apply(tenant_id: str, order_id: str, refund_id: str, stripe: dict, *, message: str = "") -> dict:
    """Records what Stripe says of a refund ({id, status}): `succeeded` counts it, `failed`/`canceled` frees
    its amount, anything else keeps it pending with its Stripe id. Only a pending refund moves, so events
    late or twice change nothing twice. Returns the refund as recorded."""
    status = _SETTLED_BY_STRIPE.get(stripe["status"] or "", "pending")

    def decide(order: OrderRecord) -> orders.Change | None:
        entry = next(r for r in _refunds(order) if r["id"] == refund_id)
        if entry["status"] != "pending":
            return None
        stripe_id = stripe["id"] or entry.get("stripe_refund_id")
        if status == "pending" and (entry.get("stripe_refund_id"), entry.get("stripe_status")) == (
            stripe_id,
            stripe["status"],
        ):
            return None
        updated = {**entry, "status": status, "stripe_refund_id": stripe_id, "stripe_status": stripe["status"]}
        amount = money.format_money(int(entry["amount"]), order.currency)
        if status != "pending":
            LIFECYCLE.require(entry["status"], status)
            updated["settled_at"] = clock.now_iso()
        values = _with_refunds(order, [updated if r["id"] == refund_id else r for r in _refunds(order)])
        counted = None
        if status == "succeeded":
            total = int(order.refunded_total or 0) + int(entry["amount"])
            values.update(refunded_total=total, financial_status=_financial_status(order, total))
            what = (
                f" for return {entry['return_id']}"
                if entry.get("return_id")
                else (f": {entry['reason']}" if entry.get("reason") else "")
            )
            timeline = [orders.entry("refunded", f"Refunded {amount} to the shopper{what} (Stripe {stripe_id})")]
            if kpis.counts_as_sale(order):  # today's sales less what went back today
                counted = kpis.count_refund(tenant_id, int(entry["amount"]))
        elif status == "failed":
            why = message or f"Stripe reports it {stripe['status']}"
            timeline = [orders.entry("refund_failed", f"Refund of {amount} refused by Stripe: {why}")]
        elif entry.get("stripe_refund_id") is None:
            timeline = [orders.entry("refund_pending", f"Refund of {amount} pending at Stripe ({stripe_id})")]
        else:
            timeline = []
        return orders.Change(values=values, timeline=timeline, also=counted)

    order, _ = orders.change(tenant_id, order_id, decide)
    return next(r for r in _refunds(order) if r["id"] == refund_id)


# Stripe's news of a refund (webhook) and the reconciler ---------------------------


def on_event(event: dict) -> str:
    """A verified refund event: settles the refund it names (its metadata) when it is about that order's
    payment on that shop's account (metadata alone could be written by anyone with a Stripe account).
    What happened, for the log."""
    refund = event["data"]["object"]
    meta = refund.get("metadata") or {}
    tenant_id, order_id, refund_id = (str(meta.get(k) or "") for k in ("tenant_id", "order_id", "refund_id"))
    if not (keys.is_id(tenant_id) and keys.is_id(order_id) and refund_id):
        return "ignored"
    with isolation.tenant(tenant_id):
        try:
            order = orders.load(tenant_id, order_id)
        except NotFound:
            return "ignored"
        payment = orders.plain(order.payment) or {}
        entry = next((r for r in _refunds(order) if r["id"] == refund_id), None)
        if (
            entry is None
            or event.get("account") != payment.get("account_id")
            or refund.get("payment_intent") != payment.get("payment_intent")
            or entry.get("stripe_refund_id") not in (None, refund["id"])
        ):
            logger.warning("Stripe refund event does not match the order's refund", order_id=order_id)
            return "ignored"
        return (
            "refund_"
            + _apply(tenant_id, order_id, refund_id, {"id": refund["id"], "status": refund.get("status")})["status"]
        )


def reconcile() -> dict:
    """The schedule's task: every refund pending longer than RECONCILE_AFTER_SECONDS, in every shop, is
    settled by what Stripe holds for it (sent only when Stripe holds none). Returns the refunds' ids by
    what they are now."""
    cutoff = clock.now_iso(seconds_ago=RECONCILE_AFTER_SECONDS)
    seen: dict[str, list[str]] = {"succeeded": [], "failed": [], "pending": []}
    for listed in OrderRecord.pending_refunds.query(keys.PENDING_REFUNDS, OrderRecord.gsi2sk < cutoff):
        tenant_id = listed.pk
        with isolation.tenant(tenant_id):
            order = orders.load(tenant_id, listed.order_id)
            for entry in _refunds(order):
                if entry["status"] == "pending" and entry["created_at"] < cutoff:
                    seen[_try_send(tenant_id, order, entry)["status"]].append(entry["id"])
    return seen


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
