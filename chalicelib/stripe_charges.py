"""Charging through Stripe's hosted Checkout, and giving that money back (part of the payments gateway).

A charge is a *direct charge* on the merchant's connected account with the
platform's fee; the customer pays on a Stripe-hosted page, so card data never
reaches the service. Every amount here is an int in the currency's ISO minor unit; it is converted to
Stripe's units (``payments.to_stripe``/``from_stripe``) where it is sent or read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

from .payments import (
    PaymentFailed,
    PaymentsError,
    as_dict,
    check_currency,
    check_int,
    check_metadata,
    from_stripe,
    request_options,
    stripe_client,
    to_stripe,
    translate_errors,
)

if TYPE_CHECKING:  # stripe is imported on payment paths only (cold start)
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams, SessionCreateParamsPaymentIntentData

MAX_LINE_ITEMS = 100
RefundReason = Literal["duplicate", "fraudulent", "requested_by_customer"]
REFUND_REASONS: tuple[RefundReason, ...] = get_args(RefundReason)

_LINE_KEYS = {"name", "unit_amount", "quantity"}


def line_items(lines: Sequence[Mapping[str, Any]], amount_total: int) -> list[tuple[str, int, int]]:
    """Checks the lines a session lists, ``{"name", "unit_amount", "quantity"}`` each at its final price
    (shipping and tax are lines too), and returns them as ``(name, unit_amount, quantity)``.

    The lines must add up to exactly ``amount_total``: the caller's quote
    decided every amount (``pricing.charge_lines``), the gateway never splits
    or invents one. Stripe Checkout rejects negative amounts, so a discount
    is in the lines' prices, never a line of its own.
    """
    if not lines:
        raise ValueError("at least one line is required")
    items: list[tuple[str, int, int]] = []
    for i, line in enumerate(lines):
        unknown = set(line) - _LINE_KEYS
        if unknown:
            raise ValueError("line %d has unknown keys %s" % (i, sorted(unknown)))
        name = line.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("line %d needs a non-empty name" % i)
        unit = check_int("lines[%d].unit_amount" % i, line.get("unit_amount"))
        qty = check_int("lines[%d].quantity" % i, line.get("quantity"), minimum=1)
        items.append((name.strip(), unit, qty))
    listed = sum(unit * qty for _, unit, qty in items)
    if listed != amount_total:
        raise ValueError(
            "lines add up to %d but amount_total is %d: list every charge at its final price" % (listed, amount_total)
        )
    if len(items) > MAX_LINE_ITEMS:
        raise ValueError("Checkout accepts at most %d line items, this order needs %d" % (MAX_LINE_ITEMS, len(items)))
    return items


def _session_summary(session: Mapping[str, Any], account_id: str | None) -> dict[str, Any]:
    total, currency = session.get("amount_total"), session.get("currency")
    return {
        "id": session["id"],
        "url": session.get("url"),
        "payment_intent": session.get("payment_intent"),  # None until the customer pays
        "status": session.get("status"),
        "payment_status": session.get("payment_status"),
        "amount_total": from_stripe(total, currency) if total is not None and currency else total,
        "currency": currency,
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
    must be 0).  ``lines`` are listed as given (see :func:`line_items`); the total
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
    currency = check_currency(currency)
    check_int("amount_total", amount_total, minimum=1)
    check_int("application_fee_amount", application_fee_amount)
    if application_fee_amount > amount_total:
        raise ValueError("application_fee_amount exceeds amount_total")
    if application_fee_amount and not account_id:
        raise ValueError("an application fee needs a connected account (account_id)")
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    meta = check_metadata(metadata)
    items = line_items(lines, amount_total)

    payment_intent_data: SessionCreateParamsPaymentIntentData = {"metadata": meta}
    if account_id:
        payment_intent_data["application_fee_amount"] = to_stripe(application_fee_amount, currency, round_down=True)
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": qty,
                "price_data": {
                    "currency": currency,
                    "unit_amount": to_stripe(unit, currency),
                    "product_data": {"name": name},
                },
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
        params["expires_at"] = check_int("expires_at", expires_at, minimum=1)
    if not meta:
        del params["metadata"]
        del payment_intent_data["metadata"]

    client = stripe_client()
    with translate_errors():
        session = as_dict(client.v1.checkout.sessions.create(params, request_options(idempotency_key, account_id)))
    summary = _session_summary(session, account_id)
    if summary["amount_total"] != amount_total or summary["currency"] != currency:
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
    return summary


def get_checkout_session(session_id: str, *, account_id: str | None) -> dict[str, Any]:
    """Current state of a session (reconciliation when a webhook is late)."""
    client = stripe_client()
    with translate_errors():
        session = as_dict(client.v1.checkout.sessions.retrieve(session_id, None, request_options(None, account_id)))
    return _session_summary(session, account_id)


def expire_checkout_session(
    session_id: str, *, account_id: str | None, idempotency_key: str | None = None
) -> dict[str, Any]:
    """Stop a session from being paid (order cancelled or timed out).

    Stripe answers 400 if the session is no longer open; that raises
    ``PaymentFailed`` — call :func:`get_checkout_session` to see why (it may
    have been paid in the meantime).
    """
    client = stripe_client()
    with translate_errors():
        session = as_dict(
            client.v1.checkout.sessions.expire(session_id, None, request_options(idempotency_key, account_id))
        )
    return _session_summary(session, account_id)


# --------------------------------------------------------------------------
# refunds


def _refund_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    currency = result.get("currency")
    amount = result.get("amount")
    return {
        "id": result["id"],
        "status": result.get("status"),  # pending | requires_action | succeeded | failed | canceled
        "amount": from_stripe(amount, currency) if amount is not None and currency else amount,
        "currency": currency,
        "payment_intent": result.get("payment_intent"),
        "metadata": dict(result.get("metadata") or {}),
    }


def refund(
    *,
    payment_intent: str,
    amount: int,
    currency: str,
    account_id: str | None,
    idempotency_key: str,
    reason: RefundReason | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Refund ``amount`` of a (direct) charge in ``currency``, refunding the platform fee pro rata.

    Returns ``{"id", "status", "amount", "currency", "payment_intent", "metadata"}``; the money is back
    only once ``status`` is ``succeeded`` (a ``pending`` one settles later, ``failed``/``canceled``
    never moved any). Refunding more than remains raises ``PaymentFailed`` (``code``
    ``amount_too_large`` / ``charge_already_refunded``). Stripe keeps an idempotency key 24 hours: a
    refund retried later than that must be looked up first (:func:`find_refund`).
    """
    if not payment_intent:
        raise ValueError("payment_intent is required")
    check_int("amount", amount, minimum=1)
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    if reason is not None and reason not in REFUND_REASONS:
        raise ValueError(f"reason must be one of {REFUND_REASONS}")
    params: RefundCreateParams = {
        "payment_intent": payment_intent,
        "amount": to_stripe(amount, check_currency(currency)),
    }
    if account_id:
        params["refund_application_fee"] = True
    if reason:
        params["reason"] = reason
    meta = check_metadata(metadata)
    if meta:
        params["metadata"] = meta
    client = stripe_client()
    with translate_errors():
        result = as_dict(client.v1.refunds.create(params, request_options(idempotency_key, account_id)))
    return _refund_summary(result)


def get_refund(refund_id: str, *, account_id: str | None) -> dict[str, Any]:
    """What Stripe says of a refund now (as :func:`refund` returns it)."""
    client = stripe_client()
    with translate_errors():
        return _refund_summary(as_dict(client.v1.refunds.retrieve(refund_id, None, request_options(None, account_id))))


def find_refund(payment_intent: str, *, account_id: str | None, key: str, value: str) -> dict[str, Any] | None:
    """The refund of ``payment_intent`` whose metadata ``key`` is ``value`` (the id we gave it), or None:
    how a refund whose answer was lost is found again before anything is sent twice."""
    client = stripe_client()
    with translate_errors():
        page = client.v1.refunds.list(
            {"payment_intent": payment_intent, "limit": 100}, request_options(None, account_id)
        )
        for listed in page.auto_paging_iter():
            found = as_dict(listed)
            if (found.get("metadata") or {}).get(key) == value:
                return _refund_summary(found)
    return None
