"""Verifying Stripe's webhooks: the signature, its age and the shape of the event.

Part of the payments gateway (``payments`` has the configuration and the
errors); ``webhooks`` decides what each verified event means.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .payments import InvalidWebhook, PaymentsMisconfigured

WEBHOOK_TOLERANCE_SECONDS = 300


def _webhook_secrets() -> list[str]:
    secrets = [s.strip() for s in os.environ.get("STRIPE_WEBHOOK_SECRET", "").split(",") if s.strip()]
    if not secrets:
        raise PaymentsMisconfigured("STRIPE_WEBHOOK_SECRET is not set")
    return secrets


def verify_webhook(payload: bytes | str, sig_header: str | None) -> dict[str, Any]:
    """Verify a Stripe webhook and return the event as a plain dict.

    ``payload`` must be the raw request body, byte for byte.  Raises
    :class:`InvalidWebhook` for a missing/wrong signature, a timestamp older
    than 5 minutes, or a body that is not a Stripe event.  Processing must
    still be idempotent on ``event["id"]``: Stripe delivers at least once.
    """
    import stripe

    secrets = _webhook_secrets()
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidWebhook("payload is not UTF-8") from None
    event = None
    for secret in secrets:
        try:
            event = stripe.Webhook.construct_event(payload, sig_header, secret, WEBHOOK_TOLERANCE_SECONDS)
            break
        except stripe.SignatureVerificationError:
            continue
        except (ValueError, TypeError, AttributeError):  # signature fine, body not a JSON event
            raise InvalidWebhook("payload is not a Stripe event") from None
    if event is None:
        raise InvalidWebhook("signature verification failed")
    del event  # verified; return the body exactly as Stripe sent it, as plain JSON types
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise InvalidWebhook("payload is not a Stripe event")
    obj = (data.get("data") or {}).get("object")
    if data.get("object") != "event" or not data.get("id") or not data.get("type") or not isinstance(obj, dict):
        raise InvalidWebhook("payload is not a Stripe event")
    return data
