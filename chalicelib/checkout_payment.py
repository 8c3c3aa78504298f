"""A checkout's payment: its hosted Stripe session (payment_sessions) from opening to what Stripe says.

The checkout workflow's payment steps (CreatePayment, WaitForPayment, CancelPayment, RefundPayment) and
the checkout's side of Stripe's news. WaitForPayment is a `.waitForTaskToken` step whose timeout is the
reservation lifetime; only a signed Stripe webhook completes it. The checkout's status is where the
webhook and the workflow's timer meet: both move it along `checkout.TRANSITIONS` with conditional
writes, so a payment that lands as the reservation expires either becomes the order or is refunded
(`checkout.record_late`), never both and never neither.
"""

from . import checkout, payment_sessions, pricing, workflows
from .checkout import load
from .db import CheckoutRecord, conditionally
from .db import plain as _plain
from .errors import NotFound
from .observability import logger

OWNER = "checkout"


def _ids(payload: dict) -> tuple[str, str]:
    return payload["tenant_id"], payload["checkout_id"]


def _payment_lines(record: CheckoutRecord, quote: pricing.Quote) -> list[dict]:
    names = {
        l["variant_id"]: " - ".join(p for p in (l["title"], l["variant_title"]) if p) for l in _plain(record.lines)
    }
    return pricing.charge_lines(quote, names)


@workflows.task("checkout_payment.create_payment")
def create_payment(payload: dict) -> dict:
    """Opens the Stripe Checkout Session (a direct charge on the shop's account, with the platform's fee)."""
    tenant_id, checkout_id = _ids(payload)
    record = load(tenant_id, checkout_id)
    if record.payment_session or record.status != "processing":
        return payload
    quote = pricing.Quote.from_dict(_plain(record.quote))
    base = record.storefront_base
    session = payment_sessions.open_session(
        tenant_id,
        OWNER,
        checkout_id,
        currency=quote.currency,
        lines=_payment_lines(record, quote),
        amount=quote.total,
        email=record.email,
        return_urls=(f"{base}/orders/{record.order_id}?checkout={checkout_id}", f"{base}/cart"),
        created_at=record.created_at,
        # Stripe wants 30 min to 24 h; our own timer expires it sooner.
        lifetime=min(max(int(record.reservation_seconds) + 3600, 2 * 3600), 23 * 3600),
        metadata={"order_id": record.order_id},
    )
    conditionally(  # a retried step keeps the session it stored first
        record.update,
        actions=[CheckoutRecord.payment_session.set(session)],
        condition=CheckoutRecord.payment_session.does_not_exist(),
    )
    return payload


def _payment_outcome(record: CheckoutRecord) -> dict:
    payment = _plain(record.payment) or {}
    return {"payment_intent": payment.get("payment_intent"), "amount": payment.get("amount")}


def _deliver_outcome(record: CheckoutRecord) -> None:
    """Hands what Stripe said to the waiting WaitForPayment state (webhook or the task itself, whichever
    sees both the token and the news: each is one atomic write on the record, so at least one does)."""
    if not record.task_token or not record.payment_event:
        return
    if record.payment_event == "succeeded":
        workflows.succeed_task(record.task_token, _payment_outcome(record))
    elif record.payment_event == "declined":
        workflows.fail_task(record.task_token, "PaymentDeclined", "The card was declined")
    elif record.payment_event == "expired":
        workflows.fail_task(record.task_token, "PaymentExpired", "The payment session expired")


@workflows.task("checkout_payment.await_payment")
def await_payment(payload: dict) -> dict:
    """The `.waitForTaskToken` step: publishes the payment URL with the token to complete; returns at once."""
    tenant_id, checkout_id = _ids(payload)
    record = load(tenant_id, checkout_id)
    token = CheckoutRecord.task_token.set(payload["task_token"])
    if not checkout.LIFECYCLE.move(record, "awaiting_payment", token) and record.status == "awaiting_payment":
        # A retried step: the checkout waits already, on the token this attempt replaces.
        if not conditionally(record.update, actions=[token], condition=CheckoutRecord.status == "awaiting_payment"):
            record.refresh(consistent_read=True)
    if record.status == "payment_received":
        workflows.succeed_task(payload["task_token"], _payment_outcome(record))
    else:
        _deliver_outcome(record)
    return {}


@workflows.task("checkout_payment.cancel_payment")
def cancel_payment(payload: dict) -> dict:
    """Declined, expired or stuck: stops the Stripe session from being paid. Returns `paid: true` when it
    turns out the shopper paid before we could stop it (the workflow then makes the order after all)."""
    tenant_id, checkout_id = _ids(payload)
    record = load(tenant_id, checkout_id)
    if not checkout.LIFECYCLE.move(record, "cancelling") and record.status != "cancelling":
        return {**payload, "paid": record.status in ("payment_received", "paid")}
    session = _plain(record.payment_session)
    paid = payment_sessions.stop(session, OWNER, checkout_id) if session else None
    if paid is None:
        return {**payload, "paid": False}
    checkout.LIFECYCLE.move(
        record, "payment_received", CheckoutRecord.payment.set(paid), CheckoutRecord.payment_event.set("succeeded")
    )
    return {**payload, "paid": record.status in ("payment_received", "paid")}


@workflows.task("checkout_payment.refund_payment")
def refund_payment(payload: dict) -> dict:
    """The order could not be made after the shopper paid: give the money back."""
    tenant_id, checkout_id = _ids(payload)
    record = load(tenant_id, checkout_id)
    payment = _plain(record.payment)
    if payment and payment.get("payment_intent"):
        try:
            refunded = payment_sessions.refund(tenant_id, OWNER, checkout_id, payment)
        except payment_sessions.RefundPending as e:  # Stripe has it and sends it; the stock need not wait
            refunded = e.refund
        # Kept on the checkout: what Stripe gave back (or has pending) is always found in our own records too.
        record.update(
            actions=[
                CheckoutRecord.refund.set(
                    {"refund_id": refunded["id"], "amount": int(payment["amount"]), "status": refunded["status"]}
                )
            ]
        )
    return {**payload, "refunded": True}


# What Stripe tells us (the webhook, through payment_sessions) --------------------------------


def _late_refunded(tenant_id: str, checkout_id: str, refund_id: str) -> None:
    load(tenant_id, checkout_id).update(actions=[CheckoutRecord.late_payment["refund_id"].set(refund_id)])


@payment_sessions.owner(OWNER, id_key="checkout_id", late_refunded=_late_refunded)
def on_news(news: payment_sessions.News) -> str:
    """A payment makes the order (or, if the stock already went back, is refunded); a decline or an
    expiry fails the checkout and its stock goes back, unless it was paid already. Returns what
    happened (for the log)."""
    try:
        record = load(news.tenant_id or "", news.owner_id or "") if news.tenant_id else None
    except NotFound:
        record = None
    if record is None or not payment_sessions.matches(_plain(record.payment_session), news):
        logger.warning("Stripe event does not match the checkout's session", checkout_id=news.owner_id)
        return "ignored"
    if news.kind == "paid":
        return _paid(record, news)
    # Only while still waiting: news of a failure never overrides a success (events come out of order).
    if not conditionally(
        record.update,
        actions=[CheckoutRecord.payment_event.set(news.kind)],
        condition=CheckoutRecord.status.is_in("processing", "awaiting_payment")
        & (CheckoutRecord.payment_event.does_not_exist() | (CheckoutRecord.payment_event != "succeeded")),
    ):
        return "ignored"
    _deliver_outcome(record)
    return news.kind


def _paid(record: CheckoutRecord, news: payment_sessions.News) -> str:
    quote = _plain(record.quote)
    paid = news.payment()
    if paid["amount"] != int(quote["total"]) or paid["currency"] != quote["currency"]:
        logger.error("Paid amount differs from the checkout's total", checkout_id=record.checkout_id)
        return "ignored"
    if checkout.LIFECYCLE.move(
        record,
        "payment_received",
        CheckoutRecord.payment.set(paid),
        CheckoutRecord.payment_event.set("succeeded"),
        condition=CheckoutRecord.payment.does_not_exist(),
    ):
        _deliver_outcome(record)
        return "payment_received"
    if record.status == "cancelling":
        # The workflow is stopping the session right now; Stripe will tell it the session was paid.
        return "cancelling"
    if record.status in ("failed", "expired"):
        checkout.record_late(record, paid)
        return "refunding"
    _deliver_outcome(record)  # a duplicate: nudge the waiting step again, harmlessly
    return "duplicate"
