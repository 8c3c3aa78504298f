"""The carrier's webhook (POST /api/webhooks/carriers/{shop_id}): a shop's carrier, or a tracking aggregator,
moves a fulfilment by its tracking number. Signed like Stripe's: an HMAC-SHA256 of `<t>.<body>` with the
shop's secret (made the first time the merchant asks for it), and the timestamp is signed with the body,
so an old delivery cannot be replayed later."""

import hashlib
import hmac
import re
import secrets
import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from . import fulfilment, keys, orders, tenants, validation
from .db import ShopRecord, TrackingClaim, conditionally
from .errors import Conflict, Invalid, NotFound
from .observability import logger

SIGNATURE_HEADER = "X-Carrier-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
_UNIX_SECONDS = re.compile("[0-9]{1,10}")  # ASCII digits only: str.isdigit() takes "²", which int() does not
CARRIER_EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tracking_number": {"type": "string", "minLength": 1, "maxLength": 100},
        "status": {"enum": ["in_transit", "delivered"]},
        "carrier": {"type": "string", "maxLength": 50},
    },
    "required": ["tracking_number", "status"],
}


def webhook_settings(tenant_id: str, base_url: str) -> dict:
    """Where a carrier (or a tracking aggregator) posts status updates, and the secret it signs them with;
    the secret is made the first time the merchant asks."""
    shop = tenants.get_shop(tenant_id)
    stored = orders.plain(shop.settings) or {}
    if not stored.get("carrier_webhook_secret"):
        conditionally(  # two first asks at once: both answer with the secret that was stored first
            shop.update,
            actions=[ShopRecord.settings["carrier_webhook_secret"].set("whsec_" + secrets.token_hex(24))],
            condition=ShopRecord.settings["carrier_webhook_secret"].does_not_exist(),
        )
        stored = orders.plain(tenants.get_shop(tenant_id).settings)
    return {
        "url": f"{base_url}/api/webhooks/carriers/{tenant_id}",
        "secret": stored["carrier_webhook_secret"],
        "signature_header": SIGNATURE_HEADER,
        "signature": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' keyed with the secret>",
        "statuses": CARRIER_EVENT["properties"]["status"]["enum"],
    }


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for `body` (carriers compute the same; tests and the demo use this)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_digest(secret, body, t)}"


def _verify(secret: str, body: bytes, header: str | None) -> None:
    """Stripe's scheme: the timestamp is signed with the body, so an old delivery cannot be replayed later."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    t = int(parts["t"]) if _UNIX_SECONDS.fullmatch(parts.get("t", "")) else None
    given = parts.get("v1", "").encode("utf-8", "replace")  # compare_digest refuses non-ASCII str
    if t is None or not hmac.compare_digest(_digest(secret, body, t).encode(), given):
        raise Invalid("Webhook refused: bad signature", {SIGNATURE_HEADER: "bad signature"})
    if abs(time.time() - t) > SIGNATURE_TOLERANCE_SECONDS:
        raise Invalid("Webhook refused: signature too old", {SIGNATURE_HEADER: "timestamp outside tolerance"})


def carrier_event(tenant_id: str, body: bytes | str | None, signature: str | None) -> dict:
    """A signed status update from the shop's carrier: moves the fulfilment with that tracking number.
    News that is old or out of order (delivered already, then in transit) changes nothing."""
    if not keys.is_id(tenant_id):
        raise NotFound("No such shop")
    shop = tenants.get_shop(tenant_id)
    secret = (orders.plain(shop.settings) or {}).get("carrier_webhook_secret")
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if not secret:
        raise Invalid(
            "Webhook refused: this shop has no carrier webhook secret yet", {SIGNATURE_HEADER: "no secret set up"}
        )
    _verify(secret, raw, signature)
    event = validation.check(validation.parse_json(raw), CARRIER_EVENT)
    try:
        claim = TrackingClaim.get(tenant_id, keys.tracking_sk(event["tracking_number"]), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No fulfilment has this tracking number") from None
    try:
        moved = fulfilment.set_status(
            tenant_id, claim.order_id, claim.fulfilment_id, {"status": event["status"], "source": "the carrier"}
        )
    except Conflict:
        logger.info("carrier event out of order", tracking_number=event["tracking_number"], status=event["status"])
        return {"received": True, "applied": False}
    return {"received": True, "applied": True, "fulfilment_id": moved["id"], "status": moved["status"]}
