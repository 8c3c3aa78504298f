"""Payments gateway core: the Stripe client, its configuration and its errors.

The gateway is this module and the three that use its client, the only code
that talks to Stripe: ``stripe_charges`` (hosted Checkout Sessions and
refunds), ``stripe_connect`` (merchants' connected accounts) and
``stripe_webhooks`` (verifying what Stripe sends us).

Stripe is the system of record for money; this service never sees card data
(customers pay on Stripe-hosted Checkout).  Every amount is an ``int`` in the
currency's ISO 4217 minor unit (``money``) plus its code (lower-cased, as Stripe
returns); Stripe counts a few currencies otherwise (``STRIPE_UNITS``), so every
amount crosses the gateway through :func:`to_stripe` / :func:`from_stripe`.

The gateway is called from Step Functions tasks, never inside an HTTP request,
except :func:`verify_webhook`, which the webhook endpoint calls before
enqueueing the event.  ``stripe`` is imported lazily inside the functions, so
importing the gateway (e.g. for its exception classes) costs nothing at cold
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
``refund.created`` / ``refund.updated`` / ``refund.failed`` / ``charge.refund.updated``
                                     a refund's status (``pending``, ``requires_action``,
                                     ``succeeded``, ``failed``, ``canceled``); its
                                     ``metadata`` names the order's refund.
``account.updated``                  a connected account's onboarding progressed.
Connect events carry ``account`` (the merchant's connected account id).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from . import money

if TYPE_CHECKING:  # pragma: no cover - typing only, never imported at run time here
    from stripe import RequestOptions, StripeClient

__all__ = [
    "STRIPE_UNITS",
    "to_stripe",
    "from_stripe",
    "PaymentsError",
    "PaymentsUnavailable",
    "PaymentFailed",
    "InvalidWebhook",
    "PaymentsMisconfigured",
    "WEBHOOK_FIELDS",
]

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_NETWORK_RETRIES = 2

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
    "refund": ("id", "object", "amount", "currency", "payment_intent", "status", "reason", "metadata"),
    "account": ("id", "object", "charges_enabled", "payouts_enabled", "details_submitted"),
    "account_link": ("url", "expires_at"),
}


# --------------------------------------------------------------------------
# Stripe's units


class StripeUnit(NamedTuple):
    decimals: int  # the decimal places Stripe counts the currency's amounts in
    step: int = 1  # an amount sent must be a multiple of this many of Stripe's units


# Where Stripe's amounts are not ISO 4217 minor units (https://docs.stripe.com/currencies, "Zero-decimal",
# "Three-decimal" and "Special cases"); every other currency is counted as ISO counts it (money.CURRENCIES).
STRIPE_UNITS: dict[str, StripeUnit] = {
    # ISO 0 decimals; two-decimal at Stripe for backwards compatibility, in whole krónur only (5 ISK is 500).
    "ISK": StripeUnit(2, 100),
    # ISO 2 decimals; zero-decimal at Stripe (whole ariary).
    "MGA": StripeUnit(0),
    # Three-decimal: Stripe's payment partners take only amounts whose last digit is 0.
    "BHD": StripeUnit(3, 10),
    "JOD": StripeUnit(3, 10),
    "KWD": StripeUnit(3, 10),
    "OMR": StripeUnit(3, 10),
    "TND": StripeUnit(3, 10),
    # Two-decimal for charges and refunds, as ISO; only payouts must be whole units (a multiple of 100), and
    # payouts are the connected account's own (automatic), never sent by this service.
    "HUF": StripeUnit(2),
    "TWD": StripeUnit(2),
    # UGX is zero-decimal at Stripe, as in ISO: no exception (listed among Stripe's zero-decimal currencies).
}


def stripe_unit(currency: str) -> StripeUnit:
    """How Stripe counts `currency` (any case): its exception, else ISO's minor unit."""
    code = currency.upper()
    return STRIPE_UNITS.get(code) or StripeUnit(money.exponent(code))


def to_stripe(amount: int, currency: str, *, round_down: bool = False) -> int:
    """An amount in ISO minor units as Stripe counts it. ``PaymentFailed`` (``amount_not_representable``)
    when Stripe cannot take it (a fraction of a whole-unit currency, a three-decimal amount not ending in 0),
    unless ``round_down`` (the platform's fee: what Stripe can take of it, never more)."""
    iso, unit = money.exponent(currency.upper()), stripe_unit(currency)
    scaled, rest = divmod(amount * 10 ** max(unit.decimals - iso, 0), 10 ** max(iso - unit.decimals, 0))
    if round_down:
        return scaled - scaled % unit.step
    if rest or scaled % unit.step:
        raise PaymentFailed(
            f"Stripe cannot take {money.format_money(amount, currency.upper())}: it counts {currency.upper()} "
            f"in steps of {unit.step} at {unit.decimals} decimals",
            code="amount_not_representable",
        )
    return scaled


def from_stripe(amount: int, currency: str) -> int:
    """An amount Stripe reports, in ISO minor units (exact for every amount Stripe can hold)."""
    iso, unit = money.exponent(currency.upper()), stripe_unit(currency)
    return amount * 10 ** max(iso - unit.decimals, 0) // 10 ** max(unit.decimals - iso, 0)


def representable(amount: int, currency: str) -> bool:
    try:
        to_stripe(amount, currency)
    except PaymentFailed:
        return False
    return True


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
        raise PaymentsMisconfigured(f"bad STRIPE_TIMEOUT_SECONDS/STRIPE_MAX_NETWORK_RETRIES: {exc}") from exc
    return {"key": key, "api_base": api_base, "timeout": timeout, "retries": retries}


def onboarding_origin() -> str:
    """Where Stripe's Connect onboarding pages are: connect.stripe.com, or the emulator's own origin."""
    api_base = os.environ.get("STRIPE_API_BASE", "").strip()
    parts = urlsplit(api_base) if api_base else None
    return f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else "https://connect.stripe.com"


_clients: dict[tuple[Any, ...], StripeClient] = {}
_clients_lock = threading.Lock()


def stripe_client() -> StripeClient:
    """A ``StripeClient`` for the current environment, reused across warm invocations."""
    cfg = _config()
    cache_key = (cfg["key"], cfg["api_base"], cfg["timeout"], cfg["retries"])
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            import stripe

            base = cfg["api_base"]
            client = stripe.StripeClient(
                cfg["key"],
                # Every base address, so nothing can reach the real Stripe offline.
                base_addresses={"api": base, "connect": base, "files": base, "meter_events": base} if base else None,
                max_network_retries=cfg["retries"],
                http_client=stripe.RequestsClient(timeout=cfg["timeout"]),
            )
            _clients[cache_key] = client
        return client


def request_options(idempotency_key: str | None = None, account_id: str | None = None) -> RequestOptions:
    opts: RequestOptions = {}
    if idempotency_key:
        opts["idempotency_key"] = idempotency_key
    if account_id:
        opts["stripe_account"] = account_id
    return opts


def as_dict(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return dict(obj)


@contextmanager
def translate_errors() -> Iterator[None]:
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


def check_int(name: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int in minor units, got {value!r}")
    if value < minimum:
        raise ValueError("%s must be >= %d, got %d" % (name, minimum, value))
    return value


def check_currency(currency: Any) -> str:
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"currency must be a 3-letter ISO code, got {currency!r}")
    return currency.lower()


def check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, str]:
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
