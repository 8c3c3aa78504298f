"""Stripe webhooks: the only way a payment result enters the service (POST /api/webhooks/stripe).

Verified with `stripe.Webhook.construct_event` (stripe_webhooks.verify_webhook), taken
once per event id with a conditional put in the platform table (Stripe
delivers at least once), then handed to the payment session's owner
(payment_sessions: a checkout or an exchange) or the payment account it is
about, or the order's refund it settles (refunds: refund.* and charge.refund.updated). Each handler
only moves state forward with conditional writes,
so duplicates and events out of order change nothing twice and never undo a
later state. If handling fails the claim is dropped and we answer 500:
Stripe delivers the event again.
"""

from . import (  # checkout_payment and exchange_payment own payment sessions: importing them registers them
    checkout_payment,  # noqa: F401
    clock,
    exchange_payment,  # noqa: F401
    keys,
    lifecycle,
    payment_accounts,
    payment_sessions,
    payments,
    refunds,
    stripe_webhooks,
)
from .db import StripeEventRecord, conditionally
from .errors import Invalid
from .observability import logger


def _claim(event: dict) -> bool:
    return conditionally(
        StripeEventRecord(
            keys.stripe_event(event["id"]), keys.STRIPE_EVENT_SK, type=event["type"], received_at=clock.now_iso()
        ).save,
        condition=StripeEventRecord.pk.does_not_exist(),
    )


def _unclaim(event: dict) -> None:
    StripeEventRecord(keys.stripe_event(event["id"]), keys.STRIPE_EVENT_SK).delete()


def receive(payload: bytes | str, signature: str | None) -> dict:
    try:
        event = stripe_webhooks.verify_webhook(payload, signature)
    except payments.InvalidWebhook as e:
        raise Invalid(f"Webhook refused: {e.message}", {"Stripe-Signature": e.message}) from None

    def handle():
        logger.info("stripe event", event_id=event["id"], type=event["type"], outcome=_dispatch(event))

    if not lifecycle.once(handle, claim=lambda: _claim(event), release=lambda: _unclaim(event)):
        return {"received": True, "duplicate": True}
    return {"received": True}


def _dispatch(event: dict) -> str:
    if event["type"] in payment_sessions.EVENT_TYPES:  # a checkout's or an exchange's payment session
        return payment_sessions.on_event(event)
    if event["type"] in refunds.EVENT_TYPES:
        return refunds.on_event(event)
    if event["type"] == "account.updated":
        obj, account = event["data"]["object"], event.get("account")
        found = payment_accounts.on_account_updated(account or obj["id"], obj, int(event.get("created") or 0))
        return "account_updated" if found else "ignored"
    return "ignored"
