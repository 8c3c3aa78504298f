"""Offline stand-in for the parts of the Stripe API this project uses.

It is served over real HTTP on 127.0.0.1 so that the *official* ``stripe``
library talks to it exactly as it talks to api.stripe.com; only the API base
URL differs (``STRIPE_API_BASE``).  It deliberately does not import ``stripe``.

What it answers (form-encoded requests, JSON responses, Stripe's error shape):

    POST /v1/checkout/sessions                    GET /v1/checkout/sessions/{id}
    GET  /v1/checkout/sessions/{id}/line_items    POST /v1/checkout/sessions/{id}/expire
    GET  /v1/payment_intents/{id}
    POST /v1/refunds                              GET /v1/refunds/{id}
    GET  /v1/refunds?payment_intent=...           (a list, newest first, paged by starting_after)
    POST /v1/accounts                             GET /v1/accounts/{id}
    POST /v1/account_links
    GET  /v1/events/{id}

and two browser pages that replace Stripe-hosted pages:

    GET/POST /pay/{session_id}       hosted-checkout look-alike (Pay / Decline)
    GET/POST /connect/{account_id}   Connect onboarding look-alike

Behaviour kept faithful to Stripe because the service depends on it:

* ``Idempotency-Key`` (scoped per ``Stripe-Account``): a replay returns the
  stored response with ``Idempotent-Replayed: true``; reusing a key with other
  parameters is a 400 ``idempotency_error``.  Validation failures are not
  stored, as on Stripe.  A key is forgotten 24 hours after its first use (on
  the emulator's clock): the same request then runs again.
* Amounts are in Stripe's units, which are not always ISO 4217 minor units:
  the emulator reads the gateway's own table (``chalicelib.payments.STRIPE_UNITS``:
  ISK two-decimal in whole krónur, three-decimal amounts ending in 0, ...) and
  refuses an amount Stripe would refuse.
* A refund answers ``succeeded`` unless told otherwise (``plan_refunds``): it may
  answer ``pending`` and settle later (``settle_refund``: ``refund.updated`` and
  ``charge.refund.updated``, plus ``refund.failed`` when it fails; a failed or
  canceled refund gives its amount back to the charge).
* Objects created with a ``Stripe-Account`` header belong to that connected
  account and are invisible (404 ``resource_missing``) without the same header.
* As on current API versions, a Checkout Session has ``payment_intent: null``
  until the customer attempts to pay; the PaymentIntent carries
  ``payment_intent_data[metadata]``.
* Webhooks are ``event`` objects signed as Stripe signs them
  (``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``),
  with ``account`` set for events that happen on a connected account.  They
  are delivered in order from a background thread (Stripe never delivers
  inside the customer's request) and retried a few times on failure.

Events generated:

* Pay            -> ``checkout.session.completed`` (``payment_status: "paid"``)
                    (preceded by ``payment_intent.succeeded``)
* Decline        -> ``payment_intent.payment_failed``.  A declined card never
                    produces a ``checkout.session.*`` event on real Checkout:
                    the customer stays on the page and may retry, and
                    ``checkout.session.async_payment_failed`` is only for
                    delayed-notification methods (bank debits) after
                    ``completed``.  The session therefore stays ``open``; the
                    emulator then sends the browser to ``cancel_url``, as if the
                    customer gave up and pressed "back".
* Expire (API call or ``expires_at`` passing) -> ``checkout.session.expired``
* Refund         -> ``refund.created``; settling a pending one -> ``refund.updated``,
                    ``charge.refund.updated`` (and ``refund.failed``)
* Onboarding     -> ``account.updated``

Run standalone for local development::

    python -m infra.local.stripe_emulator --port 12111 \
        --webhook-url http://127.0.0.1:8000/webhooks/stripe --webhook-secret whsec_local
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import html
import json
import queue
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from chalicelib.payments import stripe_unit  # the gateway's table of Stripe's units: one truth for both

__all__ = [
    "Emulator",
    "StripeEmulatorError",
    "parse_form",
    "sign_payload",
    "start",
]

Deliver = Callable[[str, dict[str, str], bytes], Any]

WEBHOOK_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
CHECKOUT_MIN_SECONDS = 30 * 60
CHECKOUT_MAX_SECONDS = 24 * 60 * 60
CHECKOUT_DEFAULT_SECONDS = 24 * 60 * 60
IDEMPOTENCY_KEY_SECONDS = 24 * 60 * 60
REFUND_STATUSES = ("pending", "requires_action", "succeeded", "failed", "canceled")
ACCOUNT_LINK_SECONDS = 300
MAX_AMOUNT = 99_999_999
# Stripe's minimum charge amounts for a few common currencies (minor units).
MIN_CHARGE = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "chf": 50, "jpy": 50}
SYMBOLS = {"usd": "$", "eur": "\u20ac", "gbp": "\u00a3", "jpy": "\u00a5", "cad": "CA$", "aud": "A$"}
COUNTRY_CURRENCY = {
    "US": "usd",
    "GB": "gbp",
    "CA": "cad",
    "AU": "aud",
    "JP": "jpy",
    "CH": "chf",
    "DE": "eur",
    "FR": "eur",
    "ES": "eur",
    "IT": "eur",
    "NL": "eur",
    "IE": "eur",
    "BE": "eur",
    "AT": "eur",
    "PT": "eur",
    "FI": "eur",
}
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
METADATA_MAX_KEYS, METADATA_KEY_LEN, METADATA_VALUE_LEN = 50, 40, 500
_ALNUM = string.ascii_letters + string.digits


# --------------------------------------------------------------------------
# helpers


class StripeEmulatorError(Exception):
    """An API error, rendered as Stripe renders it: ``{"error": {...}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "type": type}
        if code:
            self.body["code"] = code
            self.body["doc_url"] = "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
        if param:
            self.body["param"] = param
        self.body.update(extra)


def _rand(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def _new_id(prefix: str) -> str:
    if prefix == "cs":
        return "cs_test_a1" + _rand(56)
    if prefix == "acct":
        return "acct_1" + _rand(15)
    return f"{prefix}_1{_rand(23)}"


def _missing(param: str) -> StripeEmulatorError:
    return StripeEmulatorError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def _no_such(kind: str, ident: str, param: str = "id") -> StripeEmulatorError:
    return StripeEmulatorError(404, f"No such {kind}: '{ident}'", code="resource_missing", param=param)


def _int_param(
    params: Mapping[str, Any], name: str, label: str | None = None, *, required=False, minimum: int | None = None
) -> int | None:
    label = label or name
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise _missing(label)
        return None
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise StripeEmulatorError(400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=label)
    value = int(raw)
    if minimum is not None and value < minimum:
        raise StripeEmulatorError(
            400,
            "This value must be greater than or equal to %d." % minimum,
            code="parameter_invalid_integer",
            param=label,
        )
    return value


def _bool_param(params: Mapping[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise StripeEmulatorError(400, f"Invalid boolean: {raw}", code="parameter_invalid_boolean", param=name)


def _metadata(params: Mapping[str, Any], name: str = "metadata", label: str | None = None) -> dict[str, str]:
    raw = params.get(name)
    name = label or name
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise StripeEmulatorError(400, "Invalid object", code="parameter_invalid_string", param=name)
    if len(raw) > METADATA_MAX_KEYS:
        raise StripeEmulatorError(
            400, "You can specify up to 50 keys in metadata.", code="parameter_invalid_string", param=name
        )
    out: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise StripeEmulatorError(
                400,
                f"Invalid metadata value for {key}",
                code="parameter_invalid_string",
                param=f"{name}[{key}]",
            )
        if len(key) > METADATA_KEY_LEN or len(value) > METADATA_VALUE_LEN:
            raise StripeEmulatorError(
                400,
                "Metadata keys can be up to 40 characters and values up to 500 characters.",
                code="parameter_invalid_string",
                param=f"{name}[{key}]",
            )
        if value != "":  # an empty value unsets the key on Stripe
            out[key] = value
    return out


def _currency(raw: Any, param: str) -> str:
    if not isinstance(raw, str) or not re.fullmatch(r"[A-Za-z]{3}", raw):
        raise StripeEmulatorError(400, f"Invalid currency: {raw}", code="parameter_invalid_string", param=param)
    return raw.lower()


def format_amount(amount: int, currency: str) -> str:
    """``1234, "usd"`` -> ``"$12.34"`` (in Stripe's units: ``500, "isk"`` is 5 krónur)."""
    cur = currency.lower()
    digits = stripe_unit(cur).decimals
    sign = "-" if amount < 0 else ""
    major = abs(amount) / (10**digits)
    number = "{:,.{d}f}".format(major, d=digits)
    if cur in SYMBOLS:
        return f"{sign}{SYMBOLS[cur]}{number}"
    return f"{sign}{number} {cur.upper()}"


def _check_amount(amount: int, currency: str, param: str) -> None:
    """Stripe refuses an amount its unit for the currency cannot hold (ISK in whole krónur, 5.124 KWD)."""
    step = stripe_unit(currency).step
    if amount % step:
        raise StripeEmulatorError(
            400,
            f"Invalid amount: {currency.upper()} amounts must be evenly divisible by {step}.",
            code="parameter_invalid_integer",
            param=param,
        )


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value Stripe would send for ``payload``."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    signed = b"%d." % t + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (t, digest)


_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_form(body: str) -> dict[str, Any]:
    """Parse Stripe's form encoding (``a[b][0][c]=v``) into nested dicts/lists.

    Objects whose keys are all decimal indices become lists (ordered by index);
    ``a[]=x`` appends.  Leaves stay strings, as on the wire.
    """
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True, strict_parsing=False):
        m = _KEY_RE.match(raw_key)
        if not m:
            raise StripeEmulatorError(400, f"Invalid parameter name: {raw_key}", param=raw_key)
        parts = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        node: dict[str, Any] = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                if isinstance(node.get(part), dict):
                    raise StripeEmulatorError(400, f"Invalid parameter: {raw_key}", param=raw_key)
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeEmulatorError(400, f"Invalid parameter: {raw_key}", param=raw_key)
                node = child
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


# --------------------------------------------------------------------------
# state


@dataclass
class _Record:
    obj: dict[str, Any]
    account: str | None  # Stripe-Account the object lives on (None = platform)
    api_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class _Request:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())  # header names are stored lower-cased


def _json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Response:
    body = json.dumps(payload, indent=2).encode("utf-8")
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return _Response(status, body, h)


def _html_response(status: int, page: str, headers: dict[str, str] | None = None) -> _Response:
    h = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": _PAGE_POLICY,
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cache-Control": "no-store",
    }
    h.update(headers or {})
    return _Response(status, page.encode("utf-8"), h)


def _redirect(location: str) -> _Response:
    return _Response(303, b"", {"Location": location, "Cache-Control": "no-store"})


def _default_deliver(url: str, headers: dict[str, str], body: bytes) -> int:
    import requests  # local import: only needed when delivering over HTTP

    resp = requests.post(url, data=body, headers=headers, timeout=10)
    return resp.status_code


# --------------------------------------------------------------------------
# the emulator


class Emulator:
    """In-memory Stripe look-alike served on ``base_url``; see module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        deliver: Deliver | None = None,
        api_version: str | None = None,
        enabled_events: list[str] | None = None,
        delivery_attempts: int = 3,
        retry_delays: tuple[float, ...] = (0.5, 2.0),
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or ("whsec_" + _rand(32))
        self.deliver: Deliver = deliver or _default_deliver
        self.api_version = api_version
        self.enabled_events = list(enabled_events) if enabled_events else ["*"]
        self.delivery_attempts = max(1, int(delivery_attempts))
        self.retry_delays = tuple(retry_delays)
        self.time_offset = 0.0  # seconds added to the wall clock (tests: fast-forward expiry)

        self.events: list[dict[str, Any]] = []  # every event generated, in order
        self.deliveries: list[dict[str, Any]] = []  # every delivery attempt
        self._objects: dict[str, _Record] = {}
        self._line_items: dict[str, list[dict[str, Any]]] = {}
        self._idempotency: dict[tuple[str | None, str], dict[str, Any]] = {}
        self._link_tokens: dict[str, dict[str, Any]] = {}
        self._faults: list[dict[str, Any]] = []
        self._refund_plan: list[str] = []  # statuses the next refunds answer (plan_refunds)
        self._lock = threading.RLock()
        self._cond = threading.Condition()
        self._pending = 0  # events queued or being delivered
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stopping = threading.Event()

        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        self._server = _Server((host, port), Handler)
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self.base_url = "http://%s:%d" % (self.host, self.port)
        self._server_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="stripe-emulator-http",
            daemon=True,
        )
        self._delivery_thread = threading.Thread(
            target=self._delivery_loop, name="stripe-emulator-webhooks", daemon=True
        )

    # ---- lifecycle -------------------------------------------------------

    def _start(self) -> Emulator:
        self._server_thread.start()
        self._delivery_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and delivering (pending deliveries are dropped)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._queue.put(None)
        self._server.shutdown()
        self._server.server_close()
        self._server_thread.join(timeout=5)
        self._delivery_thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- test / local-dev helpers ---------------------------------------

    def now(self) -> int:
        return int(time.time() + self.time_offset)

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward (sessions past ``expires_at`` expire)."""
        with self._lock:
            self.time_offset += seconds
            self._expire_due()

    def get_object(self, object_id: str) -> dict[str, Any] | None:
        """A copy of any stored object (session, payment intent, refund, account...)."""
        with self._lock:
            rec = self._objects.get(object_id)
            return copy.deepcopy(rec.obj) if rec else None

    def account_of(self, object_id: str) -> str | None:
        """The ``Stripe-Account`` the object was created on (None = the platform)."""
        with self._lock:
            rec = self._objects.get(object_id)
            return rec.account if rec else None

    def inject_error(
        self,
        status: int = 500,
        *,
        count: int = 1,
        method: str | None = None,
        path_prefix: str = "/v1/",
        error_type: str | None = None,
        code: str | None = None,
        after: bool = False,
    ) -> None:
        """Make the next ``count`` matching API requests fail with ``status``.

        Injected failures are not stored for idempotency, so a retry with the
        same key succeeds once the faults are used up (as after a Stripe 500).
        With ``after`` the request is carried out (and stored for its key) and
        only its answer is lost: the caller sees ``status``, Stripe did it.
        """
        etype = error_type or ("api_error" if status >= 500 else "invalid_request_error")
        with self._lock:
            self._faults.append(
                {
                    "status": status,
                    "count": count,
                    "method": method and method.upper(),
                    "path_prefix": path_prefix,
                    "type": etype,
                    "code": code or ("rate_limit" if status == 429 else None),
                    "after": after,
                }
            )

    def plan_refunds(self, *statuses: str) -> None:
        """The next refunds created answer these statuses, in order (``pending``, ``requires_action``,
        ``failed``, ``canceled``); after them, refunds succeed again."""
        if any(status not in REFUND_STATUSES for status in statuses):
            raise ValueError(f"a refund's status is one of {REFUND_STATUSES}")
        with self._lock:
            self._refund_plan.extend(statuses)

    def settle_refund(self, refund_id: str, status: str = "succeeded") -> dict[str, Any]:
        """A pending refund settles as Stripe would later: ``refund.updated`` and ``charge.refund.updated``
        (and ``refund.failed``); a failed or canceled one gives its amount back to the charge."""
        if status not in ("succeeded", "failed", "canceled"):
            raise ValueError("a refund settles as succeeded, failed or canceled")
        with self._lock:
            rec = self._objects[refund_id]
            previous = rec.obj["status"]
            if previous not in ("pending", "requires_action"):
                raise LookupError(f"refund {refund_id} is {previous}, not pending")
            rec.obj["status"] = status
            if status != "succeeded":
                pi_rec = self._objects[rec.obj["payment_intent"]]
                pi_rec.extra["amount_refunded"] -= rec.obj["amount"]
                pi_rec.extra["application_fee_refunded"] = pi_rec.extra.get("application_fee_refunded", 0) - (
                    rec.extra.get("application_fee_refunded", 0)
                )
            for event_type in ("refund.updated", "charge.refund.updated") + (
                ("refund.failed",) if status == "failed" else ()
            ):
                self._emit(event_type, rec, previous_attributes={"status": previous})
            return copy.deepcopy(rec.obj)

    def pay(self, session_id: str, outcome: str = "succeed", email: str | None = None) -> str:
        """Programmatic equivalent of pressing Pay/Decline; returns the redirect URL."""
        with self._lock:
            return self._submit_payment(session_id, outcome, email)

    def complete_onboarding(self, account_id: str) -> None:
        with self._lock:
            self._activate_account(account_id)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every generated event has been delivered (or given up on)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)

    def wait_for_event(
        self, type: str, timeout: float = 5.0, predicate: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """Wait until an event of ``type`` (matching ``predicate``) has had a delivery attempt."""

        def find() -> dict[str, Any] | None:
            delivered = {d["event_id"] for d in self.deliveries}
            for ev in self.events:
                if ev["type"] == type and ev["id"] in delivered and (predicate is None or predicate(ev)):
                    return ev
            return None

        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                event = find()
                if event is not None:
                    return copy.deepcopy(event)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {type} event delivered within {timeout:.1f}s")
                self._cond.wait(remaining)

    def redeliver(self, event_id: str) -> None:
        """Queue another delivery of an event (like "Resend" in the dashboard)."""
        with self._lock:
            event = next((e for e in self.events if e["id"] == event_id), None)
            if event is None:
                raise KeyError(event_id)
            self._enqueue(event)

    # ---- events and delivery --------------------------------------------

    def _enabled(self, event_type: str) -> bool:
        for pattern in self.enabled_events:
            if pattern == "*" or pattern == event_type:
                return True
            if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
                return True
        return False

    def _emit(
        self,
        event_type: str,
        rec: _Record,
        *,
        previous_attributes: dict[str, Any] | None = None,
        request: _Request | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"object": copy.deepcopy(rec.obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event: dict[str, Any] = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": self.api_version or rec.api_version,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1 if self._has_endpoint() and self._enabled(event_type) else 0,
            "request": {
                "id": request.header("X-Request-Id-Assigned") if request else None,
                "idempotency_key": request.header("Idempotency-Key") if request else None,
            },
            "type": event_type,
        }
        acct = account if account is not None else rec.account
        if acct:
            event["account"] = acct
        self.events.append(event)
        self._objects[event["id"]] = _Record(event, None)
        if event["pending_webhooks"]:
            self._enqueue(event)
        return event

    def _has_endpoint(self) -> bool:
        return bool(self.webhook_url) or self.deliver is not _default_deliver

    def _enqueue(self, event: dict[str, Any]) -> None:
        with self._cond:
            self._pending += 1
        self._queue.put(copy.deepcopy(event))

    def _delivery_loop(self) -> None:
        while True:
            event = self._queue.get()
            if event is None or self._stopping.is_set():
                return
            try:
                self._deliver_with_retries(event)
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _deliver_with_retries(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, indent=2).encode("utf-8")
        url = self.webhook_url or ""
        for attempt in range(1, self.delivery_attempts + 1):
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": WEBHOOK_USER_AGENT,
                "Accept": "*/*; q=0.5, application/xml",
                "Cache-Control": "no-cache",
                # signed with the wall clock (not the emulated one): receivers check recency
                "Stripe-Signature": sign_payload(body, self.webhook_secret),
            }
            record: dict[str, Any] = {
                "event_id": event["id"],
                "type": event["type"],
                "attempt": attempt,
                "url": url,
                "ok": False,
                "status": None,
                "error": None,
            }
            try:
                result = self.deliver(url, headers, body)
                status = result if isinstance(result, int) else getattr(result, "status_code", None)
                record["status"] = status
                record["ok"] = status is None or 200 <= status < 300
            except Exception as exc:  # a failed delivery must not kill the worker
                record["error"] = f"{type(exc).__name__}: {exc}"
            with self._cond:
                self.deliveries.append(record)
                self._cond.notify_all()
            if record["ok"] or attempt == self.delivery_attempts:
                return
            delay = self.retry_delays[min(attempt - 1, len(self.retry_delays) - 1)] if self.retry_delays else 0
            if self._stopping.wait(delay):
                return

    # ---- HTTP entry point -------------------------------------------------

    def handle(self, req: _Request) -> _Response:
        request_id = "req_" + _rand(14)
        try:
            if req.path.startswith("/v1/"):
                resp = self._handle_api(req, request_id)
            else:
                resp = self._handle_page(req)
        except StripeEmulatorError as err:
            resp = _json_response(err.status, {"error": err.body}, {"Stripe-Should-Retry": "false"})
        except Exception as exc:  # an emulator bug: answer like a Stripe 500
            resp = _json_response(
                500, {"error": {"type": "api_error", "message": f"Emulator error: {type(exc).__name__}: {exc}"}}
            )
        resp.headers.setdefault("Request-Id", request_id)
        return resp

    def _handle_api(self, req: _Request, request_id: str) -> _Response:
        auth = req.header("Authorization") or ""
        key = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not key:
            raise StripeEmulatorError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not re.match(r"^(sk|rk)_test_", key):
            raise StripeEmulatorError(
                401,
                "Invalid API Key provided: the offline emulator accepts only test-mode keys "
                "(sk_test_...); never point a live key at it.",
            )
        account = req.header("Stripe-Account") or None
        version = req.header("Stripe-Version") or None
        headers = {"Stripe-Version": version or "", "Request-Id": request_id}
        with self._lock:
            self._expire_due()
            fault = self._take_fault(req)
            if fault is not None and not fault["after"]:
                return self._fault_response(fault, headers)
            params = parse_form(req.body.decode("utf-8") if req.method == "POST" else req.query)
            req_headers = dict(req.headers)
            req_headers["x-request-id-assigned"] = request_id
            ctx = _Request(req.method, req.path, req.query, req_headers, req.body)

            idem_key = req.header("Idempotency-Key") if req.method == "POST" else None
            if idem_key:
                headers["Idempotency-Key"] = idem_key
                stored = self._idempotency.get((account, idem_key))
                if stored is not None and stored["at"] + IDEMPOTENCY_KEY_SECONDS <= self.now():
                    stored = None  # Stripe has forgotten the key: the request runs as a new one
                if stored is not None:
                    if stored["path"] != req.path or stored["params"] != params:
                        raise StripeEmulatorError(
                            400,
                            "Keys for idempotent requests can only be used with the same parameters "
                            f"they were first used with. Try using a key other than '{idem_key}' if you meant "
                            "to execute a different request.",
                            type="idempotency_error",
                        )
                    h = dict(headers, **{"Idempotent-Replayed": "true"})
                    return _json_response(stored["status"], stored["payload"], h)
            try:
                status, payload = self._route_api(ctx, params, account, version)
                executed = True
            except StripeEmulatorError as err:
                status, payload = err.status, {"error": err.body}
                headers["Stripe-Should-Retry"] = "false"
                # Stripe keeps the result of requests that started executing;
                # parameter validation failures (400/404) are not stored.
                executed = err.status == 402
            if idem_key and executed:
                self._idempotency[(account, idem_key)] = {
                    "at": self.now(),
                    "path": req.path,
                    "params": params,
                    "status": status,
                    "payload": payload,
                }
            if fault is not None:  # done, but the answer is lost on its way back
                return self._fault_response(fault, headers)
            return _json_response(status, payload, headers)

    @staticmethod
    def _fault_response(fault: dict[str, Any], headers: dict[str, str]) -> _Response:
        err = {"type": fault["type"], "message": "Injected failure (HTTP %d)." % fault["status"]}
        if fault["code"]:
            err["code"] = fault["code"]
        return _json_response(fault["status"], {"error": err}, headers)

    def _take_fault(self, req: _Request) -> dict[str, Any] | None:
        for fault in self._faults:
            if fault["count"] <= 0:
                continue
            if fault["method"] and fault["method"] != req.method:
                continue
            if not req.path.startswith(fault["path_prefix"]):
                continue
            fault["count"] -= 1
            return fault
        return None

    def _route_api(
        self, req: _Request, params: dict[str, Any], account: str | None, version: str | None
    ) -> tuple[int, dict[str, Any]]:
        m, p = req.method, req.path.rstrip("/")
        if m == "POST" and p == "/v1/checkout/sessions":
            return 200, self._create_session(params, account, version)
        match = re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/line_items|/expire)?", p)
        if match:
            sid, sub = match.groups()
            rec = self._get(sid, account, "checkout.session", "Checkout Session")
            if m == "GET" and sub is None:
                return 200, rec.obj
            if m == "GET" and sub == "/line_items":
                data = self._line_items.get(sid, [])
                return 200, {
                    "object": "list",
                    "data": data,
                    "has_more": False,
                    "url": f"/v1/checkout/sessions/{sid}/line_items",
                }
            if m == "POST" and sub == "/expire":
                return 200, self._expire_session(rec, req)
        match = re.fullmatch(r"/v1/payment_intents/([^/]+)", p)
        if match and m == "GET":
            return 200, self._get(match.group(1), account, "payment_intent", "payment_intent").obj
        if m == "POST" and p == "/v1/refunds":
            return 200, self._create_refund(params, account, version, req)
        if m == "GET" and p == "/v1/refunds":
            return 200, self._list_refunds(params, account)
        match = re.fullmatch(r"/v1/refunds/([^/]+)", p)
        if match and m == "GET":
            return 200, self._get(match.group(1), account, "refund", "refund").obj
        if m == "POST" and p == "/v1/accounts":
            return 200, self._create_account(params, version)
        match = re.fullmatch(r"/v1/accounts/([^/]+)", p)
        if match and m == "GET":
            aid = match.group(1)
            rec = self._objects.get(aid)
            if rec is None or rec.obj.get("object") != "account" or (account and account != aid):
                raise _no_such("account", aid, "account")
            return 200, rec.obj
        if m == "POST" and p == "/v1/account_links":
            return 200, self._create_account_link(params)
        match = re.fullmatch(r"/v1/events/([^/]+)", p)
        if match and m == "GET":
            rec = self._objects.get(match.group(1))
            if rec is None or rec.obj.get("object") != "event" or rec.obj.get("account") != account:
                raise _no_such("event", match.group(1))
            return 200, rec.obj
        raise StripeEmulatorError(
            404,
            f"Unrecognized request URL ({m}: {req.path}). Please see https://stripe.com/docs or we can help at "
            "https://support.stripe.com/.",
        )

    def _get(self, ident: str, account: str | None, object_type: str, label: str) -> _Record:
        rec = self._objects.get(ident)
        if rec is None or rec.obj.get("object") != object_type or rec.account != account:
            raise _no_such(label, ident)
        return rec

    # ---- checkout sessions -------------------------------------------------

    def _create_session(self, params: dict[str, Any], account: str | None, version: str | None) -> dict[str, Any]:
        now = self.now()
        mode = params.get("mode")
        if not mode:
            raise _missing("mode")
        if mode != "payment":
            raise StripeEmulatorError(
                400, "The emulator supports only mode=payment.", code="parameter_invalid_string", param="mode"
            )
        raw_items = params.get("line_items")
        if not raw_items:
            raise StripeEmulatorError(
                400, "`line_items` is required in `payment` mode.", code="parameter_missing", param="line_items"
            )
        if not isinstance(raw_items, list) or len(raw_items) > 100:
            raise StripeEmulatorError(400, "line_items must be a list of at most 100 items.", param="line_items")
        currency: str | None = None
        items: list[dict[str, Any]] = []
        total = 0
        for i, item in enumerate(raw_items):
            prefix = "line_items[%d]" % i
            if not isinstance(item, dict):
                raise StripeEmulatorError(400, "Invalid line item.", param=prefix)
            if item.get("price"):
                raise _no_such("price", str(item["price"]), prefix + "[price]")
            price_data = item.get("price_data")
            if not isinstance(price_data, dict):
                raise StripeEmulatorError(
                    400,
                    "You must specify either `price` or `price_data` for each line item.",
                    code="parameter_missing",
                    param=prefix + "[price_data]",
                )
            cur = _currency(price_data.get("currency"), prefix + "[price_data][currency]")
            if currency is None:
                currency = cur
            elif cur != currency:
                raise StripeEmulatorError(
                    400,
                    "All line items must use the same currency.",
                    code="parameter_invalid_string",
                    param=prefix + "[price_data][currency]",
                )
            unit = _int_param(price_data, "unit_amount", prefix + "[price_data][unit_amount]", required=True, minimum=0)
            qty = _int_param(item, "quantity", prefix + "[quantity]", required=True, minimum=1)
            product = price_data.get("product_data")
            name = product.get("name") if isinstance(product, dict) else None
            if not name:
                raise _missing(prefix + "[price_data][product_data][name]")
            assert unit is not None and qty is not None
            _check_amount(unit, cur, prefix + "[price_data][unit_amount]")
            amount = unit * qty
            total += amount
            items.append(
                {
                    "id": _new_id("li"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": cur,
                    "description": name,
                    "metadata": None,
                    "quantity": qty,
                    "price": {
                        "id": _new_id("price"),
                        "object": "price",
                        "active": False,
                        "billing_scheme": "per_unit",
                        "created": now,
                        "currency": cur,
                        "livemode": False,
                        "lookup_key": None,
                        "metadata": {},
                        "nickname": None,
                        "product": _new_id("prod"),
                        "recurring": None,
                        "tax_behavior": "unspecified",
                        "tiers_mode": None,
                        "transform_quantity": None,
                        "type": "one_time",
                        "unit_amount": unit,
                        "unit_amount_decimal": str(unit),
                    },
                }
            )
        assert currency is not None
        if total > MAX_AMOUNT:
            raise StripeEmulatorError(
                400,
                f"The Checkout Session's total amount due must be no more than {format_amount(MAX_AMOUNT, currency)}.",
                code="amount_too_large",
                param="line_items",
            )
        minimum = MIN_CHARGE.get(currency)
        if minimum and total < minimum:
            raise StripeEmulatorError(
                400,
                f"The Checkout Session's total amount due must add up to at least {format_amount(minimum, currency)}.",
                code="amount_too_small",
                param="line_items",
            )
        pi_data = params.get("payment_intent_data") or {}
        if not isinstance(pi_data, dict):
            raise StripeEmulatorError(400, "Invalid payment_intent_data.", param="payment_intent_data")
        fee = _int_param(pi_data, "application_fee_amount", "payment_intent_data[application_fee_amount]", minimum=0)
        if fee is not None:
            if not account and not (isinstance(pi_data.get("transfer_data"), dict)):
                raise StripeEmulatorError(
                    400,
                    "Can only apply an application_fee_amount when the PaymentIntent is attempting a "
                    "direct payment (using an OAuth key or Stripe-Account header) or destination payment "
                    "(using `transfer_data[destination]`).",
                    param="payment_intent_data[application_fee_amount]",
                )
            if fee > total:
                raise StripeEmulatorError(
                    400,
                    "The application fee cannot be greater than the amount of the payment.",
                    param="payment_intent_data[application_fee_amount]",
                )
        if account:
            acct = self._objects.get(account)
            if acct is None or acct.obj.get("object") != "account":
                raise StripeEmulatorError(
                    403,
                    f"The provided key does not have access to account '{account}' (or that account does not "
                    "exist). Application access may have been revoked.",
                    type="invalid_request_error",
                    code="account_invalid",
                )
            if not acct.obj.get("charges_enabled"):
                raise StripeEmulatorError(
                    400,
                    "Your destination account needs to have at least one of the following capabilities "
                    "enabled: transfers, card_payments.",
                    code="account_invalid",
                )
        expires_at = _int_param(params, "expires_at")
        if expires_at is None:
            expires_at = now + CHECKOUT_DEFAULT_SECONDS
        elif not (now + CHECKOUT_MIN_SECONDS - 5 <= expires_at <= now + CHECKOUT_MAX_SECONDS + 5):
            raise StripeEmulatorError(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                code="parameter_invalid_integer",
                param="expires_at",
            )
        email = params.get("customer_email") or None
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise StripeEmulatorError(
                400, f"Invalid email address: {email}", code="email_invalid", param="customer_email"
            )
        sid = _new_id("cs")
        session = {
            "id": sid,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None, "provider": None},
            "billing_address_collection": None,
            "cancel_url": params.get("cancel_url") or None,
            "client_reference_id": params.get("client_reference_id") or None,
            "client_secret": None,
            "consent": None,
            "consent_collection": None,
            "created": now,
            "currency": currency,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": email,
            "expires_at": expires_at,
            "invoice": None,
            "invoice_creation": {
                "enabled": False,
                "invoice_data": {
                    "account_tax_ids": None,
                    "custom_fields": None,
                    "description": None,
                    "footer": None,
                    "issuer": None,
                    "metadata": {},
                    "rendering_options": None,
                },
            },
            "livemode": False,
            "locale": params.get("locale") or None,
            "metadata": _metadata(params),
            "mode": "payment",
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": "if_required",
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "phone_number_collection": {"enabled": False},
            "recovered_from": None,
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": params.get("success_url") or None,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{sid}",
        }
        rec = _Record(
            session,
            account,
            version,
            {
                "application_fee_amount": fee,
                "pi_metadata": _metadata(pi_data, "metadata", "payment_intent_data[metadata]"),
                "pi_description": pi_data.get("description") or None,
            },
        )
        self._objects[sid] = rec
        self._line_items[sid] = items
        return session

    def _expire_session(self, rec: _Record, req: _Request | None) -> dict[str, Any]:
        session = rec.obj
        if session["status"] != "open":
            raise StripeEmulatorError(
                400,
                'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                'Session has a status of "{}".'.format(session["status"]),
                param="session",
            )
        session["status"] = "expired"
        session["url"] = None
        pi_id = session.get("payment_intent")
        if pi_id and pi_id in self._objects:
            pi = self._objects[pi_id].obj
            if pi["status"] != "succeeded":
                pi.update(status="canceled", canceled_at=self.now(), cancellation_reason="abandoned")
        self._emit("checkout.session.expired", rec, request=req)
        return session

    def _expire_due(self) -> None:
        now = self.now()
        for rec in list(self._objects.values()):
            obj = rec.obj
            if obj.get("object") == "checkout.session" and obj["status"] == "open" and obj["expires_at"] <= now:
                self._expire_session(rec, None)

    def _payment_intent_for(self, rec: _Record) -> _Record:
        session = rec.obj
        pi_id = session.get("payment_intent")
        if pi_id:
            return self._objects[pi_id]
        pi_id = _new_id("pi")
        pi = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": rec.extra.get("application_fee_amount"),
            "automatic_payment_methods": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": f"{pi_id}_secret_{_rand(25)}",
            "confirmation_method": "automatic",
            "created": self.now(),
            "currency": session["currency"],
            "customer": None,
            "description": rec.extra.get("pi_description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(rec.extra.get("pi_metadata") or {}),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        pi_rec = _Record(pi, rec.account, rec.api_version, {"amount_refunded": 0, "session": session["id"]})
        self._objects[pi_id] = pi_rec
        session["payment_intent"] = pi_id
        return pi_rec

    def _submit_payment(self, session_id: str, outcome: str, email: str | None) -> str:
        self._expire_due()
        rec = self._objects.get(session_id)
        if rec is None or rec.obj.get("object") != "checkout.session":
            raise KeyError(session_id)
        session = rec.obj
        if outcome not in ("succeed", "decline"):
            raise ValueError("outcome must be 'succeed' or 'decline'")
        if session["status"] == "complete":  # a double submit: just send the browser on
            return self._success_url(session)
        if session["status"] != "open":
            raise LookupError("Checkout Session {} is {}".format(session_id, session["status"]))
        email = (email or "").strip() or session.get("customer_email")
        pi_rec = self._payment_intent_for(rec)
        pi = pi_rec.obj
        pm_id = _new_id("pm")
        if outcome == "succeed":
            charge_id = _new_id("ch")
            pi.update(
                status="succeeded",
                amount_received=pi["amount"],
                latest_charge=charge_id,
                payment_method=pm_id,
                last_payment_error=None,
                receipt_email=email,
            )
            pi_rec.extra["charge"] = charge_id
            session.update(
                status="complete",
                payment_status="paid",
                url=None,
                customer_details={
                    "address": {
                        "city": None,
                        "country": None,
                        "line1": None,
                        "line2": None,
                        "postal_code": None,
                        "state": None,
                    },
                    "email": email,
                    "name": None,
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            self._emit("payment_intent.succeeded", pi_rec)
            self._emit("checkout.session.completed", rec)
            return self._success_url(session)
        pi.update(
            status="requires_payment_method",
            payment_method=None,
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "payment_method": {"id": pm_id, "object": "payment_method", "type": "card"},
            },
        )
        self._emit("payment_intent.payment_failed", pi_rec)
        return session.get("cancel_url") or "{}/pay/{}?declined=1".format(self.base_url, session["id"])

    @staticmethod
    def _success_url(session: dict[str, Any]) -> str:
        url = session.get("success_url")
        if not url:
            return "/pay/{}?done=1".format(session["id"])
        return url.replace("{CHECKOUT_SESSION_ID}", session["id"])

    # ---- refunds -------------------------------------------------------------

    def _create_refund(
        self, params: dict[str, Any], account: str | None, version: str | None, req: _Request
    ) -> dict[str, Any]:
        pi_id = params.get("payment_intent")
        charge_id = params.get("charge")
        if not pi_id and not charge_id:
            raise StripeEmulatorError(
                400,
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
                param="payment_intent",
            )
        if not pi_id:
            pi_rec = next(
                (
                    r
                    for r in self._objects.values()
                    if r.obj.get("object") == "payment_intent"
                    and r.obj.get("latest_charge") == charge_id
                    and r.account == account
                ),
                None,
            )
            if pi_rec is None:
                raise _no_such("charge", charge_id, "charge")
        else:
            pi_rec = self._objects.get(pi_id)
            if pi_rec is None or pi_rec.obj.get("object") != "payment_intent" or pi_rec.account != account:
                raise _no_such("payment_intent", pi_id, "payment_intent")
        pi = pi_rec.obj
        if pi["status"] != "succeeded":
            raise StripeEmulatorError(
                400,
                "This PaymentIntent ({}) does not have a successful charge to refund.".format(pi["id"]),
                code="charge_not_refundable",
                param="payment_intent",
            )
        refunded = pi_rec.extra.get("amount_refunded", 0)
        remaining = pi["amount_received"] - refunded
        if remaining <= 0:
            raise StripeEmulatorError(
                400,
                "Charge {} has already been refunded.".format(pi["latest_charge"]),
                code="charge_already_refunded",
                param="payment_intent",
            )
        amount = _int_param(params, "amount", minimum=1)
        if amount is None:
            amount = remaining
        _check_amount(amount, pi["currency"], "amount")
        if amount > remaining:
            raise StripeEmulatorError(
                400,
                "Refund amount ({}) is greater than unrefunded amount on charge ({})".format(
                    format_amount(amount, pi["currency"]), format_amount(remaining, pi["currency"])
                ),
                code="amount_too_large",
                param="amount",
            )
        reason = params.get("reason") or None
        if reason is not None and reason not in REFUND_REASONS:
            raise StripeEmulatorError(
                400,
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                code="parameter_invalid_string",
                param="reason",
            )
        refund_fee = bool(_bool_param(params, "refund_application_fee"))
        if refund_fee and not pi.get("application_fee_amount"):
            refund_fee = False
        rid = _new_id("re")
        refund = {
            "id": rid,
            "object": "refund",
            "amount": amount,
            "balance_transaction": _new_id("txn"),
            "charge": pi["latest_charge"],
            "created": self.now(),
            "currency": pi["currency"],
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": _metadata(params),
            "payment_intent": pi["id"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": self._refund_plan.pop(0) if self._refund_plan else "succeeded",
            "transfer_reversal": None,
        }
        pi_rec.extra["amount_refunded"] = refunded + amount
        fee_refunded = 0
        if refund_fee:
            fee_refunded = pi["application_fee_amount"] * amount // pi["amount_received"]
            pi_rec.extra["application_fee_refunded"] = pi_rec.extra.get("application_fee_refunded", 0) + fee_refunded
        rec = _Record(refund, account, version, {"application_fee_refunded": fee_refunded})
        self._objects[rid] = rec
        self._emit("refund.created", rec, request=req)
        return refund

    def _list_refunds(self, params: dict[str, Any], account: str | None) -> dict[str, Any]:
        """Refunds on this account, newest first, of one payment intent or charge when given."""
        limit = _int_param(params, "limit", minimum=1) or 10
        refunds = [
            r.obj
            for r in self._objects.values()
            if r.obj.get("object") == "refund"
            and r.account == account
            and params.get("payment_intent") in (None, r.obj["payment_intent"])
            and params.get("charge") in (None, r.obj["charge"])
        ]
        refunds.reverse()  # stored as made: newest first
        after = params.get("starting_after")
        if after:
            ids = [r["id"] for r in refunds]
            refunds = refunds[ids.index(after) + 1 :] if after in ids else []
        return {"object": "list", "data": refunds[:limit], "has_more": len(refunds) > limit, "url": "/v1/refunds"}

    # ---- Connect -------------------------------------------------------------

    def _create_account(self, params: dict[str, Any], version: str | None) -> dict[str, Any]:
        now = self.now()
        acct_type = params.get("type") or "standard"
        if acct_type not in ("standard", "express", "custom"):
            raise StripeEmulatorError(400, f"Invalid type: {acct_type}", code="parameter_invalid_string", param="type")
        country = (params.get("country") or "US").upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise StripeEmulatorError(400, f"Invalid country: {country}", param="country")
        aid = _new_id("acct")
        due = ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
        requested = params.get("capabilities") or {}
        capabilities = {
            name: "inactive" for name, v in requested.items() if isinstance(v, dict) and v.get("requested") == "true"
        }
        account = {
            "id": aid,
            "object": "account",
            "business_profile": {
                "mcc": None,
                "name": None,
                "product_description": None,
                "support_email": None,
                "support_phone": None,
                "support_url": None,
                "url": None,
            },
            "business_type": params.get("business_type") or None,
            "capabilities": capabilities,
            "charges_enabled": False,
            "controller": {"type": "application", "is_controller": True}
            if acct_type != "standard"
            else {"type": "account"},
            "country": country,
            "created": now,
            "default_currency": COUNTRY_CURRENCY.get(country, "usd"),
            "details_submitted": False,
            "email": params.get("email") or None,
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/accounts/{aid}/external_accounts",
            },
            "future_requirements": {
                "alternatives": [],
                "current_deadline": None,
                "currently_due": [],
                "disabled_reason": None,
                "errors": [],
                "eventually_due": [],
                "past_due": [],
                "pending_verification": [],
            },
            "metadata": _metadata(params),
            "payouts_enabled": False,
            "requirements": {
                "alternatives": [],
                "current_deadline": None,
                "currently_due": list(due),
                "disabled_reason": "requirements.past_due",
                "errors": [],
                "eventually_due": list(due),
                "past_due": list(due),
                "pending_verification": [],
            },
            "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
            "type": acct_type,
        }
        self._objects[aid] = _Record(account, None, version)
        return account

    def _create_account_link(self, params: dict[str, Any]) -> dict[str, Any]:
        aid = params.get("account")
        if not aid:
            raise _missing("account")
        rec = self._objects.get(aid)
        if rec is None or rec.obj.get("object") != "account":
            raise _no_such("account", aid, "account")
        link_type = params.get("type")
        if not link_type:
            raise _missing("type")
        if link_type not in ("account_onboarding", "account_update"):
            raise StripeEmulatorError(400, f"Invalid type: {link_type}", code="parameter_invalid_string", param="type")
        return_url = params.get("return_url")
        if not return_url:
            raise _missing("return_url")
        refresh_url = params.get("refresh_url") or return_url
        now = self.now()
        token = _rand(24)
        self._link_tokens[token] = {
            "account": aid,
            "return_url": return_url,
            "refresh_url": refresh_url,
            "expires_at": now + ACCOUNT_LINK_SECONDS,
            "used": False,
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + ACCOUNT_LINK_SECONDS,
            "url": f"{self.base_url}/connect/{aid}?link={token}",
        }

    def _activate_account(self, aid: str) -> None:
        rec = self._objects.get(aid)
        if rec is None or rec.obj.get("object") != "account":
            raise KeyError(aid)
        acct = rec.obj
        previous = {
            "charges_enabled": acct["charges_enabled"],
            "payouts_enabled": acct["payouts_enabled"],
            "details_submitted": acct["details_submitted"],
        }
        acct.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
        acct["capabilities"] = {"card_payments": "active", "transfers": "active"}
        acct["requirements"].update(currently_due=[], eventually_due=[], past_due=[], disabled_reason=None)
        acct["tos_acceptance"].update(date=self.now(), ip="127.0.0.1")
        # account.updated for a connected account is a Connect event: `account` is that account.
        self._emit("account.updated", rec, previous_attributes=previous, account=aid)

    # ---- browser pages -----------------------------------------------------

    def _handle_page(self, req: _Request) -> _Response:
        path = req.path.rstrip("/") or "/"
        if path == "/health":
            return _Response(200, b"ok", {"Content-Type": "text/plain"})
        match = re.fullmatch(r"/pay/([A-Za-z0-9_]+)", path)
        if match:
            return self._pay_page(req, match.group(1))
        match = re.fullmatch(r"/connect/([A-Za-z0-9_]+)", path)
        if match:
            return self._connect_page(req, match.group(1))
        return _html_response(404, _page("Not found", "<p>There is nothing here.</p>"))

    def _pay_page(self, req: _Request, sid: str) -> _Response:
        with self._lock:
            self._expire_due()
            rec = self._objects.get(sid)
            if rec is None or rec.obj.get("object") != "checkout.session":
                return _html_response(404, _page("Checkout not found", "<p>This checkout session does not exist.</p>"))
            session = rec.obj
            if req.method == "POST":
                form = dict(parse_qsl(req.body.decode("utf-8"), keep_blank_values=True))
                outcome = form.get("outcome", "")
                if outcome not in ("succeed", "decline"):
                    return _html_response(400, _page("Bad request", "<p>Unknown outcome.</p>"))
                if session["status"] == "expired":
                    return _html_response(410, _expired_page(session))
                return _redirect(self._submit_payment(sid, outcome, form.get("email")))
            if req.method != "GET":
                return _html_response(405, _page("Method not allowed", ""))
            query = dict(parse_qsl(req.query))
            if session["status"] == "expired":
                return _html_response(410, _expired_page(session))
            if session["status"] == "complete":
                return _html_response(
                    200,
                    _page(
                        "Payment complete",
                        (
                            "<p>This order has been paid. Thank you!</p>"
                            + (
                                f'<p><a href="{html.escape(self._success_url(session))}">Return to the shop</a></p>'
                                if session.get("success_url")
                                else ""
                            )
                        ),
                    ),
                )
            return _html_response(
                200, _checkout_page(session, self._line_items.get(sid, []), declined=bool(query.get("declined")))
            )

    def _connect_page(self, req: _Request, aid: str) -> _Response:
        with self._lock:
            rec = self._objects.get(aid)
            if req.method == "POST":
                form = dict(parse_qsl(req.body.decode("utf-8"), keep_blank_values=True))
            else:
                form = dict(parse_qsl(req.query))
            token = form.get("link", "")
            link = self._link_tokens.get(token)
            if rec is None or link is None or link["account"] != aid:
                return _html_response(404, _page("Link not found", "<p>This onboarding link is not valid.</p>"))
            if link["used"] or link["expires_at"] < self.now():
                return _redirect(link["refresh_url"])  # as Stripe does with a stale link
            if req.method == "GET":
                return _html_response(200, _onboarding_page(rec.obj, token))
            if req.method != "POST":
                return _html_response(405, _page("Method not allowed", ""))
            link["used"] = True
            if form.get("action", "complete") == "complete":
                self._activate_account(aid)
            return _redirect(link["return_url"])


# --------------------------------------------------------------------------
# HTML (self-contained: one inline stylesheet allowed by its hash, no scripts, no external requests)

_CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1f36;background:#f6f9fc}main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;
border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.08)}.test{background:#fff4e5;border:1px solid #f5a623;
color:#6b3d00;padding:.5rem .75rem;border-radius:4px;font-size:.875rem}h1{font-size:1.25rem;margin:.5rem 0}
table{width:100%;border-collapse:collapse;margin:1rem 0}th,td{text-align:left;padding:.35rem 0;
border-bottom:1px solid #e3e8ee}td.num,th.num{text-align:right}tfoot th,tfoot td{font-weight:700;border:0}
label{display:block;font-weight:600;margin-top:.75rem}input{width:100%;padding:.5rem;font:inherit;
border:1px solid #aab7c4;border-radius:4px}input:disabled{background:#f0f3f7;color:#4f566b}
.hint{font-size:.8125rem;color:#4f566b;margin:.25rem 0 0}.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{flex:1;padding:.65rem;font:inherit;font-weight:600;border-radius:4px;border:1px solid transparent;
cursor:pointer}button.pay{background:#635bff;color:#fff}button.decline{background:#fff;color:#a41c1c;
border-color:#a41c1c}button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #0a66c2;
outline-offset:2px}.alert{background:#fdecea;border:1px solid #a41c1c;color:#7a1212;padding:.5rem .75rem;
border-radius:4px}
"""
# The pages' one stylesheet is allowed by its hash; nothing else loads, no page may frame them. No form-action:
# the payment and onboarding forms post here and are redirected back to the shop, which form-action would block.
_PAGE_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
    "img-src data:; base-uri 'none'; frame-ancestors 'none'"
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{html.escape(title)}</title><style>{_CSS}</style></head>'
        f"<body><main>{body}</main></body></html>"
    )


def _test_banner() -> str:
    return (
        '<p class="test" role="note"><strong>Test mode</strong> &mdash; offline payment emulator. '
        "No real card is charged and no card data is collected.</p>"
    )


def _checkout_page(session: dict[str, Any], items: list[dict[str, Any]], declined: bool) -> str:
    e = html.escape
    meta = session.get("metadata") or {}
    shop = meta.get("shop_name") or meta.get("shop") or "Checkout"
    currency = session["currency"]
    rows = "".join(
        '<tr><td>%s</td><td class="num">%d</td><td class="num">%s</td></tr>'
        % (e(it["description"]), it["quantity"], e(format_amount(it["amount_total"], currency)))
        for it in items
    )
    total = format_amount(session["amount_total"], currency)
    alert = (
        '<p class="alert" role="alert">Your card was declined. Try again or go back to the shop.</p>'
        if declined
        else ""
    )
    body = (
        _test_banner()
        + f"<h1>{e(shop)}</h1>"
        + alert
        + '<table><caption class="hint">Order summary</caption><thead><tr><th scope="col">Item</th>'
        '<th scope="col" class="num">Qty</th><th scope="col" class="num">Amount</th></tr></thead>'
        f'<tbody>{rows}</tbody><tfoot><tr><th scope="row" colspan="2">Total due</th>'
        f'<td class="num" data-testid="total">{e(total)}</td></tr></tfoot></table>'
        + '<form method="post" action="/pay/{}">'.format(e(session["id"]))
        + '<label for="email">Email</label>'
        '<input id="email" name="email" type="email" autocomplete="email" value="{}">'.format(
            e(session.get("customer_email") or "")
        )
        + '<label for="card">Card number (test page: nothing is charged)</label>'
        '<input id="card" type="text" value="4242 4242 4242 4242" disabled aria-describedby="card-hint">'
        '<p id="card-hint" class="hint">This field is not sent anywhere. Choose an outcome below.</p>'
        '<div class="actions">'
        '<button type="submit" class="pay" name="outcome" value="succeed" aria-describedby="pay-total">Pay'
        "</button>"
        '<button type="submit" class="decline" name="outcome" value="decline">Decline</button></div>'
        f'<p id="pay-total" class="hint">Pay {e(total)}</p></form>'
    )
    return _page(f"Pay {total} - {shop}", body)


def _expired_page(session: dict[str, Any]) -> str:
    back = session.get("cancel_url")
    return _page(
        "Checkout expired",
        _test_banner()
        + "<h1>This checkout session has expired</h1>"
        + (f'<p><a href="{html.escape(back)}">Return to the shop</a></p>' if back else ""),
    )


def _onboarding_page(account: dict[str, Any], token: str) -> str:
    e = html.escape
    body = (
        _test_banner()
        + "<h1>Set up payments</h1>"
        + "<p>Connected account <code>{}</code> ({})</p>".format(e(account["id"]), e(account.get("email") or ""))
        + '<form method="post" action="/connect/{}">'.format(e(account["id"]))
        + f'<input type="hidden" name="link" value="{e(token)}">'
        + '<label for="business">Business name</label>'
        '<input id="business" name="business_name" autocomplete="organization">'
        '<div class="actions">'
        '<button type="submit" class="pay" name="action" value="complete">Complete onboarding</button>'
        '<button type="submit" class="decline" name="action" value="exit">Return later</button>'
        "</div></form>"
    )
    return _page("Set up payments", body)


# --------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    """A listen backlog like Stripe's front door: socketserver's 5 resets connections when many shoppers
    pay at once (the checkout race tests send fifty)."""

    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    server_version = "stripe-emulator/1.0"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        req = _Request(self.command, parts.path, parts.query, headers, body)
        resp = self.emulator.handle(req)
        self.send_response(resp.status)
        for name, value in {"X-Content-Type-Options": "nosniff", **resp.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def start(
    port: int = 0,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    deliver: Deliver | None = None,
    *,
    host: str = "127.0.0.1",
    api_version: str | None = None,
    enabled_events: list[str] | None = None,
    delivery_attempts: int = 3,
    retry_delays: tuple[float, ...] = (0.5, 2.0),
) -> Emulator:
    """Start an emulator on ``host:port`` (0 = a free port) in daemon threads.

    ``deliver(url, headers, body)`` sends one signed webhook; the default POSTs
    it to ``webhook_url`` with ``requests`` (10 s timeout).  A delivery counts
    as failed if it raises or returns a non-2xx status (an ``int`` or an object
    with ``status_code``); ``None`` counts as success.  Without a
    ``webhook_url`` and without ``deliver``, events are recorded but not sent.
    """
    return Emulator(
        host=host,
        port=port,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        deliver=deliver,
        api_version=api_version,
        enabled_events=enabled_events,
        delivery_attempts=delivery_attempts,
        retry_delays=retry_delays,
    )._start()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Offline Stripe emulator for local development.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default=None)
    args = parser.parse_args(argv)
    emu = start(args.port, args.webhook_url, args.webhook_secret, host=args.host)
    print(f"Stripe emulator on {emu.base_url}")
    print(f"  STRIPE_API_BASE={emu.base_url}")
    print("  STRIPE_SECRET_KEY=sk_test_local")
    print(f"  STRIPE_WEBHOOK_SECRET={emu.webhook_secret}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emu.stop()


if __name__ == "__main__":
    main()
