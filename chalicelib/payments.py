"""Payments gateway: the only module that talks to Stripe.

Stripe is the system of record for money; this service never sees card data
(customers pay on Stripe-hosted Checkout).  Every amount is an ``int`` in the
currency's minor unit plus an ISO 4217 code (lower-cased, as Stripe returns).

The gateway is called from Step Functions tasks, never inside an HTTP request,
except :func:`verify_webhook`, which the webhook endpoint calls before
enqueueing the event.  ``stripe`` is imported lazily inside the functions, so
importing this module (e.g. for its exception classes) costs nothing at cold
start; storefront code must not import it at all.

One code path for production and offline: requests always go through the
official ``stripe`` library's ``StripeClient``.  Offline, ``STRIPE_API_BASE``
points the client's base addresses at ``infra/local/stripe_emulator.py``;
nothing global in ``stripe`` is mutated.

Environment:

``STRIPE_SECRET_KEY``            secret key (``sk_test_local`` offline).  Required.
``STRIPE_WEBHOOK_SECRET``        webhook signing secret(s), ``whsec_...``.  Several may
                                 be given comma-separated (the platform endpoint and
                                 the Connect endpoint have different secrets, and a
                                 rotation has two at once); any one must match.
``STRIPE_API_BASE``              unset in production (api.stripe.com); the emulator's
                                 base URL offline.  A live key is refused with it.
``STRIPE_TIMEOUT_SECONDS``       per-request timeout, default 10.
``STRIPE_MAX_NETWORK_RETRIES``   retries of connection errors/409/5xx inside the
                                 library (same idempotency key), default 2.

Errors (matched by class name in Step Functions ``Retry``/``Catch``):

``PaymentsUnavailable``  transient: connection error, timeout, 429, 409, 5xx.  Retry.
``PaymentFailed``        permanent: card declined, invalid request, amount too
                         large, permission/authentication problems.  Do not retry.
``InvalidWebhook``       bad signature, stale timestamp or malformed payload (HTTP 400).
``PaymentsMisconfigured`` missing/unsafe configuration (a deployment bug).

Webhook event types the service handles (see ``WEBHOOK_FIELDS`` for the fields
it reads; they are checked against Stripe's published fixtures in the tests):

``checkout.session.completed``      the customer finished Checkout.  Fulfil only
                                     when ``payment_status == "paid"``; ``"unpaid"``
                                     means a delayed method is still pending.
``checkout.session.async_payment_succeeded`` / ``..._failed``  outcome of that.
``checkout.session.expired``        the session can no longer be paid.
``payment_intent.payment_failed``   a declined attempt; the session stays open
                                     and the customer may retry until it expires.
                                     Match it to the order through the
                                     PaymentIntent's ``metadata`` (copied from the
                                     session's metadata at creation).
``account.updated``                  a connected account's onboarding progressed.
Connect events carry ``account`` (the merchant's connected account id).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only, never imported at run time here
    from stripe import StripeClient

__all__ = [
    "PaymentsError",
    "PaymentsUnavailable",
    "PaymentFailed",
    "InvalidWebhook",
    "PaymentsMisconfigured",
    "WEBHOOK_FIELDS",
    "build_line_items",
    "create_checkout_session",
    "get_checkout_session",
    "expire_checkout_session",
    "refund",
    "create_connected_account",
    "create_account_link",
    "account_status",
    "verify_webhook",
]

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_NETWORK_RETRIES = 2
WEBHOOK_TOLERANCE_SECONDS = 300
MAX_LINE_ITEMS = 100
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")

# The fields of Stripe objects this service reads, by object type.  The
# contract tests assert each exists in Stripe's published example objects and
# in what the offline emulator sends.
WEBHOOK_FIELDS: dict[str, tuple[str, ...]] = {
    "event": ("id", "object", "type", "created", "data", "livemode", "api_version"),
    "checkout.session": (
        "id",
        "object",
        "metadata",
        "payment_intent",
        "amount_total",
        "currency",
        "payment_status",
        "status",
        "customer_details",
        "expires_at",
        "url",
    ),
    "payment_intent": (
        "id",
        "object",
        "metadata",
        "amount",
        "amount_received",
        "currency",
        "status",
        "last_payment_error",
        "latest_charge",
        "application_fee_amount",
    ),
    "refund": ("id", "object", "amount", "currency", "payment_intent", "status", "reason"),
    "account": ("id", "object", "charges_enabled", "payouts_enabled", "details_submitted"),
    "account_link": ("url", "expires_at"),
}


# --------------------------------------------------------------------------
# errors


class PaymentsError(Exception):
    """Base class.  ``code``/``decline_code``/``http_status`` come from Stripe when known."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        decline_code: str | None = None,
        param: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.decline_code = decline_code
        self.param = param
        self.http_status = http_status
        self.request_id = request_id

    def __str__(self) -> str:
        bits = [self.message]
        if self.code:
            bits.append(f"code={self.code}")
        if self.http_status:
            bits.append(f"http_status={self.http_status}")
        if self.request_id:
            bits.append(f"request_id={self.request_id}")
        return " ".join(bits)


class PaymentsUnavailable(PaymentsError):
    """Transient: Stripe could not be reached or asked us to back off.  Safe to retry."""


class PaymentFailed(PaymentsError):
    """Permanent: the request or payment was refused.  Retrying will not help."""


class InvalidWebhook(PaymentsError):
    """The webhook's signature, timestamp or payload is not acceptable (answer 400)."""


class PaymentsMisconfigured(PaymentsError):
    """Required configuration is missing or unsafe."""


# --------------------------------------------------------------------------
# configuration and client


def _config() -> dict[str, Any]:
    key = os.environ.get("STRIPE_SECRET_KEY", "").strip()
    if not key:
        raise PaymentsMisconfigured("STRIPE_SECRET_KEY is not set")
    api_base = os.environ.get("STRIPE_API_BASE", "").strip().rstrip("/") or None
    if api_base and not key.startswith(("sk_test_", "rk_test_")):
        raise PaymentsMisconfigured("STRIPE_API_BASE points away from Stripe; refusing to send a non-test key there")
    try:
        timeout = float(os.environ.get("STRIPE_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS)
        retries = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES") or DEFAULT_MAX_NETWORK_RETRIES)
    except ValueError as exc:
        raise PaymentsMisconfigured(f"bad STRIPE_TIMEOUT_SECONDS/STRIPE_MAX_NETWORK_RETRIES: {exc}")
    return {"key": key, "api_base": api_base, "timeout": timeout, "retries": retries}


_clients: dict[tuple[Any, ...], StripeClient] = {}
_clients_lock = threading.Lock()


def _client() -> StripeClient:
    """A ``StripeClient`` for the current environment, reused across warm invocations."""
    cfg = _config()
    cache_key = (cfg["key"], cfg["api_base"], cfg["timeout"], cfg["retries"])
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            import stripe

            base_addresses = None
            if cfg["api_base"]:
                base = cfg["api_base"]
                # Every base address, so nothing can reach the real Stripe offline.
                base_addresses = {"api": base, "connect": base, "files": base, "meter_events": base}
            client = stripe.StripeClient(
                cfg["key"],
                base_addresses=base_addresses,
                max_network_retries=cfg["retries"],
                http_client=stripe.RequestsClient(timeout=cfg["timeout"]),
            )
            _clients[cache_key] = client
        return client


def _options(idempotency_key: str | None = None, account_id: str | None = None) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if idempotency_key:
        opts["idempotency_key"] = idempotency_key
    if account_id:
        opts["stripe_account"] = account_id
    return opts


def _to_dict(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return dict(obj)


@contextmanager
def _translate_errors() -> Iterator[None]:
    """Map ``stripe`` exceptions onto this module's retryable/permanent errors."""
    import stripe

    try:
        yield
    except stripe.StripeError as exc:
        status = getattr(exc, "http_status", None)
        err = getattr(exc, "error", None)
        fields = dict(
            code=getattr(exc, "code", None) or (getattr(err, "code", None) if err else None),
            decline_code=getattr(err, "decline_code", None) if err else None,
            param=getattr(err, "param", None) if err else None,
            http_status=status,
            request_id=getattr(exc, "request_id", None),
        )
        message = getattr(exc, "user_message", None) or exc.__class__.__name__
        transient = (
            isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError))
            or (status is not None and (status >= 500 or status in (409, 429)))
            or (status is None and isinstance(exc, stripe.APIError))
        )
        if transient:
            raise PaymentsUnavailable(message, **fields) from exc
        raise PaymentFailed(message, **fields) from exc


# --------------------------------------------------------------------------
# validation helpers


def _check_int(name: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int in minor units, got {value!r}")
    if value < minimum:
        raise ValueError("%s must be >= %d, got %d" % (name, minimum, value))
    return value


def _check_currency(currency: Any) -> str:
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"currency must be a 3-letter ISO code, got {currency!r}")
    return currency.lower()


def _check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (metadata or {}).items():
        if value is None:
            continue
        key, value = str(key), str(value)
        if len(key) > 40 or len(value) > 500 or "[" in key or "]" in key:
            raise ValueError(f"metadata {key!r} does not fit Stripe's limits (key <= 40, value <= 500)")
        out[key] = value
    if len(out) > 50:
        raise ValueError("Stripe allows at most 50 metadata keys")
    return out


# --------------------------------------------------------------------------
# Checkout


_LINE_KEYS = {"name", "unit_amount", "quantity", "discountable"}


def build_line_items(lines: Sequence[Mapping[str, Any]], amount_total: int) -> list[tuple[str, int, int]]:
    """Turn order lines into ``(name, unit_amount, quantity)`` that sum to exactly ``amount_total``.

    ``lines`` are every charge of the order, each ``{"name", "unit_amount",
    "quantity"}`` (shipping and tax are lines too).  Stripe Checkout rejects
    negative amounts, so an order-level discount cannot be its own line.
    Instead, when the lines add up to more than ``amount_total`` the
    difference is spread over the lines whose ``discountable`` is true (the
    default; mark shipping/tax ``"discountable": False`` to keep them whole)
    in proportion to their value, by the largest-remainder method, so no line
    gets more than it costs.  A line whose discounted total ``T`` does not
    divide by its quantity ``q`` is split in two items with the same name:
    ``T % q`` units at ``T // q + 1`` and the rest at ``T // q``.  The result
    always sums to ``amount_total`` exactly.

    Lines adding up to *less* than ``amount_total`` are an error: the gateway
    never invents a charge.
    """
    if not lines:
        raise ValueError("at least one line is required")
    parsed: list[tuple[str, int, int, bool]] = []
    for i, line in enumerate(lines):
        unknown = set(line) - _LINE_KEYS
        if unknown:
            raise ValueError("line %d has unknown keys %s" % (i, sorted(unknown)))
        name = line.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("line %d needs a non-empty name" % i)
        unit = _check_int("lines[%d].unit_amount" % i, line.get("unit_amount"))
        qty = _check_int("lines[%d].quantity" % i, line.get("quantity"), minimum=1)
        parsed.append((name.strip(), unit, qty, bool(line.get("discountable", True))))

    gross = sum(unit * qty for _, unit, qty, _ in parsed)
    if amount_total > gross:
        raise ValueError(
            "lines add up to %d but amount_total is %d: add the missing charge (shipping, tax) as a line"
            % (gross, amount_total)
        )
    discount = gross - amount_total
    eligible = [i for i, (_, unit, qty, disc) in enumerate(parsed) if disc and unit * qty > 0]
    base = sum(parsed[i][1] * parsed[i][2] for i in eligible)
    if discount > base:
        raise ValueError("discount %d exceeds the discountable lines' value %d" % (discount, base))

    share = [0] * len(parsed)
    if discount:
        remainders = []
        for i in eligible:
            value = parsed[i][1] * parsed[i][2]
            share[i], rem = divmod(discount * value, base)
            remainders.append((rem, i))
        left = discount - sum(share)
        # Largest remainder first; ties go to the earlier line.  Every line picked
        # has a non-zero remainder, so its share stays <= its value.
        for _, i in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
            share[i] += 1

    items: list[tuple[str, int, int]] = []
    for i, (name, unit, qty, _) in enumerate(parsed):
        total = unit * qty - share[i]
        low, extra = divmod(total, qty)
        if extra:
            items.append((name, low + 1, extra))
        if qty - extra:
            items.append((name, low, qty - extra))
    if sum(u * q for _, u, q in items) != amount_total:  # pragma: no cover - arithmetic guard
        raise AssertionError("line items do not add up to amount_total")
    if len(items) > MAX_LINE_ITEMS:
        raise ValueError("Checkout accepts at most %d line items, this order needs %d" % (MAX_LINE_ITEMS, len(items)))
    return items


def _session_summary(session: Mapping[str, Any], account_id: str | None) -> dict[str, Any]:
    return {
        "id": session["id"],
        "url": session.get("url"),
        "payment_intent": session.get("payment_intent"),  # None until the customer pays
        "status": session.get("status"),
        "payment_status": session.get("payment_status"),
        "amount_total": session.get("amount_total"),
        "currency": session.get("currency"),
        "expires_at": session.get("expires_at"),
        "metadata": dict(session.get("metadata") or {}),
        "account_id": account_id,
    }


def create_checkout_session(
    *,
    account_id: str | None,
    currency: str,
    lines: Sequence[Mapping[str, Any]],
    amount_total: int,
    application_fee_amount: int,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
    customer_email: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    expires_at: int | None = None,
) -> dict[str, Any]:
    """Create a hosted Checkout Session (``mode=payment``) charging exactly ``amount_total``.

    A *direct charge* on the merchant's connected account ``account_id``
    (``Stripe-Account`` header), with ``application_fee_amount`` going to the
    platform.  ``account_id=None`` charges the platform itself (then the fee
    must be 0).  Line items are built by :func:`build_line_items`; the total
    Stripe reports is checked against ``amount_total``.  ``metadata`` is put on
    the session *and* its PaymentIntent, so payment_intent.* events and refunds
    can be traced to the order.  ``expires_at`` must be 30 min to 24 h ahead
    (Stripe's rule; default 24 h).  ``success_url`` may contain
    ``{CHECKOUT_SESSION_ID}``.

    Returns ``{"id", "url", "payment_intent", "status", "payment_status",
    "amount_total", "currency", "expires_at", "metadata", "account_id"}``;
    ``payment_intent`` is None until the customer attempts to pay.  The same
    ``idempotency_key`` (within 24 h) returns the same session, provided every
    argument is identical: derive ``expires_at`` from the order (not from
    "now" at retry time), or Stripe refuses the replay (``PaymentFailed``,
    ``http_status`` 400, an ``idempotency_error``).
    """
    currency = _check_currency(currency)
    _check_int("amount_total", amount_total, minimum=1)
    _check_int("application_fee_amount", application_fee_amount)
    if application_fee_amount > amount_total:
        raise ValueError("application_fee_amount exceeds amount_total")
    if application_fee_amount and not account_id:
        raise ValueError("an application fee needs a connected account (account_id)")
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    meta = _check_metadata(metadata)
    items = build_line_items(lines, amount_total)

    payment_intent_data: dict[str, Any] = {"metadata": meta}
    if account_id:
        payment_intent_data["application_fee_amount"] = application_fee_amount
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": qty,
                "price_data": {"currency": currency, "unit_amount": unit, "product_data": {"name": name}},
            }
            for name, unit, qty in items
        ],
        "payment_intent_data": payment_intent_data,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": meta,
    }
    if customer_email:
        params["customer_email"] = customer_email
    if expires_at is not None:
        params["expires_at"] = _check_int("expires_at", expires_at, minimum=1)
    if not meta:
        del params["metadata"]
        del payment_intent_data["metadata"]

    client = _client()
    with _translate_errors():
        session = _to_dict(client.v1.checkout.sessions.create(params, _options(idempotency_key, account_id)))
    if session.get("amount_total") != amount_total or session.get("currency") != currency:
        # Should be impossible (no automatic tax/discounts are enabled); never
        # leave a payable session with a wrong amount behind.
        try:
            expire_checkout_session(session["id"], account_id=account_id)
        except PaymentsError:
            pass
        raise PaymentFailed(
            "Stripe computed %s %s for a %d %s order"
            % (session.get("amount_total"), session.get("currency"), amount_total, currency),
            code="amount_mismatch",
        )
    return _session_summary(session, account_id)


def get_checkout_session(session_id: str, *, account_id: str | None) -> dict[str, Any]:
    """Current state of a session (reconciliation when a webhook is late)."""
    client = _client()
    with _translate_errors():
        session = _to_dict(client.v1.checkout.sessions.retrieve(session_id, None, _options(None, account_id)))
    return _session_summary(session, account_id)


def expire_checkout_session(
    session_id: str, *, account_id: str | None, idempotency_key: str | None = None
) -> dict[str, Any]:
    """Stop a session from being paid (order cancelled or timed out).

    Stripe answers 400 if the session is no longer open; that raises
    ``PaymentFailed`` — call :func:`get_checkout_session` to see why (it may
    have been paid in the meantime).
    """
    client = _client()
    with _translate_errors():
        session = _to_dict(client.v1.checkout.sessions.expire(session_id, None, _options(idempotency_key, account_id)))
    return _session_summary(session, account_id)


# --------------------------------------------------------------------------
# refunds


def refund(
    *,
    payment_intent: str,
    amount: int,
    account_id: str | None,
    idempotency_key: str,
    reason: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Refund ``amount`` of a (direct) charge, refunding the platform fee pro rata.

    Returns ``{"id", "status", "amount", "currency", "payment_intent"}``.
    Refunding more than remains raises ``PaymentFailed`` (``code``
    ``amount_too_large`` / ``charge_already_refunded``).
    """
    if not payment_intent:
        raise ValueError("payment_intent is required")
    _check_int("amount", amount, minimum=1)
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    if reason is not None and reason not in REFUND_REASONS:
        raise ValueError(f"reason must be one of {REFUND_REASONS}")
    params: dict[str, Any] = {"payment_intent": payment_intent, "amount": amount}
    if account_id:
        params["refund_application_fee"] = True
    if reason:
        params["reason"] = reason
    meta = _check_metadata(metadata)
    if meta:
        params["metadata"] = meta
    client = _client()
    with _translate_errors():
        result = _to_dict(client.v1.refunds.create(params, _options(idempotency_key, account_id)))
    return {
        "id": result["id"],
        "status": result.get("status"),
        "amount": result.get("amount"),
        "currency": result.get("currency"),
        "payment_intent": result.get("payment_intent"),
    }


# --------------------------------------------------------------------------
# Connect onboarding


def create_connected_account(
    *,
    email: str,
    country: str = "US",
    account_type: str = "standard",
    idempotency_key: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Create the merchant's connected account; returns ``{"id"}`` (plus status flags).

    ``standard`` by default: with direct charges the merchant is the merchant
    of record and handles its own disputes and Stripe fees.
    """
    if account_type not in ("standard", "express"):
        raise ValueError("account_type must be 'standard' or 'express'")
    params: dict[str, Any] = {"type": account_type, "country": country.upper(), "email": email}
    if account_type == "express":
        params["capabilities"] = {"card_payments": {"requested": True}, "transfers": {"requested": True}}
    meta = _check_metadata(metadata)
    if meta:
        params["metadata"] = meta
    client = _client()
    with _translate_errors():
        account = _to_dict(client.v1.accounts.create(params, _options(idempotency_key)))
    return {"id": account["id"], **_account_flags(account)}


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> dict[str, Any]:
    """A single-use onboarding URL (valid minutes); returns ``{"url", "expires_at"}``.

    Reaching ``return_url`` does not mean onboarding is complete: check
    :func:`account_status` (or wait for ``account.updated``).
    """
    client = _client()
    params = {"account": account_id, "refresh_url": refresh_url, "return_url": return_url, "type": "account_onboarding"}
    with _translate_errors():
        link = _to_dict(client.v1.account_links.create(params))
    return {"url": link["url"], "expires_at": link["expires_at"]}


def _account_flags(account: Mapping[str, Any]) -> dict[str, bool]:
    return {
        "charges_enabled": bool(account.get("charges_enabled")),
        "payouts_enabled": bool(account.get("payouts_enabled")),
        "details_submitted": bool(account.get("details_submitted")),
    }


def account_status(account_id: str) -> dict[str, Any]:
    """``{"id", "charges_enabled", "payouts_enabled", "details_submitted"}``."""
    client = _client()
    with _translate_errors():
        account = _to_dict(client.v1.accounts.retrieve(account_id))
    return {"id": account["id"], **_account_flags(account)}


# --------------------------------------------------------------------------
# webhooks


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
