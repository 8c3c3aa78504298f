"""Stripe webhooks: the only way a payment result enters the service (POST /api/webhooks/stripe).

Verified with `stripe.Webhook.construct_event` (stripe_webhooks.verify_webhook), taken
once per event id with a conditional put in the platform table (Stripe
delivers at least once), then handed to the checkout or the payment account
it is about. Each handler only moves state forward with conditional writes,
so duplicates and events out of order change nothing twice and never undo a
later state. If handling fails the claim is dropped and we answer 500:
Stripe delivers the event again.
"""

from . import checkout, clock, exchange_payment, keys, lifecycle, payment_accounts, payments, stripe_webhooks
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
    kind, obj, account = event["type"], event["data"]["object"], event.get("account")
    meta = obj.get("metadata") or {}
    ids = {"tenant_id": meta.get("tenant_id"), "checkout_id": meta.get("checkout_id"), "account_id": account}
    if meta.get("return_id") and kind in (
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.expired",
    ):  # an exchange's price difference
        return exchange_payment.payment_event(
            "expired" if kind.endswith("expired") else "completed",
            tenant_id=meta.get("tenant_id"),
            return_id=meta["return_id"],
            session=obj,
            account_id=account,
        )
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("payment_status") != "paid":
            return "awaiting_async_payment"  # a delayed method: async_payment_succeeded/failed follows
        return checkout.payment_succeeded(
            **ids,
            session_id=obj["id"],
            payment_intent=obj.get("payment_intent"),
            amount=obj.get("amount_total"),
            currency=obj.get("currency"),
            event_id=event["id"],
        )
    if kind in ("checkout.session.async_payment_failed", "payment_intent.payment_failed"):
        return checkout.payment_declined(**ids, event_id=event["id"])
    if kind == "checkout.session.expired":
        return checkout.payment_expired(**ids, session_id=obj["id"], event_id=event["id"])
    if kind == "account.updated":
        found = payment_accounts.on_account_updated(account or obj["id"], obj, int(event.get("created") or 0))
        return "account_updated" if found else "ignored"
    return "ignored"
