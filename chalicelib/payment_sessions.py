"""The hosted Stripe payment session a shopper pays on, for whatever owns it: a checkout, or an exchange's
price difference. One module opens it, stops it, gives its money back, routes Stripe's news about it to
its owner, and holds the one policy for a payment that lands too late.

An owner registers under a name (`checkout`, `exchange`) with the metadata key that carries its id
(`checkout_id`, `return_id`); every Stripe call about its session uses an idempotency key made of that
name and id, so a retried workflow step sends the same request and gets the same answer.

A payment that lands after its owner gave up (the stock went back, the return expired) is never kept
and never refunded inside the webhook's request: the owner records it once on its own item, then
`refund_late` starts the `late_payment` workflow, whose task refunds it and tells the owner the refund's
id (`late_refunded`) once Stripe reports it succeeded; while Stripe has it pending the task raises
RefundPending and the workflow asks again later.
"""

from collections.abc import Callable
from dataclasses import dataclass

from . import billing, clock, payment_accounts, payments, stripe_charges, tenants, workflows
from .observability import logger

LATE_PAYMENT_WORKFLOW = "late_payment"


class ShopCannotTakePayments(Exception):
    """The shop's Stripe account stopped being able to charge between the shopper's order and the payment."""


@dataclass(frozen=True)
class News:
    """What a Stripe event says about a session: `paid`, `declined` (the shopper may try again until it
    expires) or `expired`. `session_id` is None for news about the PaymentIntent (a declined attempt)."""

    kind: str
    tenant_id: str | None
    owner_id: str | None
    session_id: str | None
    account_id: str | None
    event_id: str
    payment_intent: str | None = None
    amount: int | None = None
    currency: str | None = None

    def payment(self) -> dict:
        """The payment as its owner records it."""
        return {
            "payment_intent": self.payment_intent,
            "amount": self.amount,
            "currency": (self.currency or "").upper(),
            "session_id": self.session_id,
            "account_id": self.account_id,
            "event_id": self.event_id,
        }


@dataclass(frozen=True)
class Owner:
    name: str
    id_key: str  # the session's metadata key that holds the owner's id
    on_news: Callable[[News], str]  # what the owner did with the news (for the log)
    late_refunded: Callable[[str, str, str], None]  # (tenant_id, owner_id, refund_id): record the refund


_OWNERS: dict[str, Owner] = {}


def owner(name: str, *, id_key: str, late_refunded: Callable[[str, str, str], None]):
    """Registers the decorated `on_news(news)` as the owner `name` of the sessions whose metadata carry
    `id_key`."""

    def register(on_news: Callable[[News], str]):
        _OWNERS[name] = Owner(name, id_key, on_news, late_refunded)
        return on_news

    return register


def _owner_id(name: str, owner_id: str) -> dict:
    return {_OWNERS[name].id_key: owner_id}


# Stripe calls -----------------------------------------------------------------------------------


def open_session(
    tenant_id: str,
    owner_name: str,
    owner_id: str,
    *,
    currency: str,
    lines: list[dict],
    amount: int,
    email: str,
    return_urls: tuple[str, str],
    created_at: str,
    lifetime: int,
    metadata: dict | None = None,
) -> dict:
    """Opens the session: a direct charge of `amount` on the shop's account with the platform's fee,
    listing `lines` (they add up to `amount`). It expires `lifetime` seconds after `created_at` (the
    owner's creation, not now: a retried call must send identical parameters; Stripe wants 30 min to
    24 h ahead). `return_urls` is (success, cancel). Returns what the owner stores:
    {id, url, account_id, expires_at}."""
    account = payment_accounts.ready(tenant_id)
    if account is None:
        raise ShopCannotTakePayments("The shop's Stripe account cannot take charges")
    shop = tenants.get_shop(tenant_id)
    success_url, cancel_url = return_urls
    session = stripe_charges.create_checkout_session(
        account_id=account.account_id,
        currency=currency,
        lines=lines,
        amount_total=amount,
        application_fee_amount=billing.application_fee(shop.plan, amount),
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=f"{owner_name}-{owner_id}",
        customer_email=email,
        metadata={
            "tenant_id": tenant_id,
            **_owner_id(owner_name, owner_id),
            "shop_name": shop.name,
            **(metadata or {}),
        },
        expires_at=int(clock.parse_iso(created_at).timestamp()) + lifetime,
    )
    return {
        "id": session["id"],
        "url": session["url"],
        "account_id": account.account_id,
        "expires_at": session["expires_at"],
    }


def stop(session: dict, owner_name: str, owner_id: str) -> dict | None:
    """Stops `session` (as `open_session` returned it) from being paid. None once it cannot be paid;
    the payment, as `News.payment` has it, when the shopper paid before it could be stopped."""
    try:
        stripe_charges.expire_checkout_session(
            session["id"], account_id=session["account_id"], idempotency_key=f"{owner_name}-expire-{owner_id}"
        )
        return None
    except payments.PaymentFailed:
        # Stripe refuses to expire a session that is no longer open: find out whether it was paid.
        current = stripe_charges.get_checkout_session(session["id"], account_id=session["account_id"])
    if current["payment_status"] != "paid":
        return None
    return {
        "payment_intent": current["payment_intent"],
        "amount": current["amount_total"],
        "currency": (current["currency"] or "").upper(),
        "session_id": current["id"],
        "account_id": session["account_id"],
        "event_id": None,
    }


class RefundPending(Exception):
    """Stripe holds the refund (`refund`) but has not sent the money yet: the workflow step asks again
    later (its Retry on this name)."""

    def __init__(self, refund: dict):
        super().__init__(f"Refund {refund['id']} is {refund['status']} at Stripe")
        self.refund = refund


def refund(tenant_id: str, owner_name: str, owner_id: str, payment: dict, *, why: str = "refund") -> dict:
    """Gives back all of a session's `payment`, once per `why` whatever the retries: a refund Stripe
    already holds for it (its metadata names it) is answered before anything is sent again, since Stripe
    forgets an idempotency key after 24 hours. Returns the refund once Stripe reports it succeeded;
    RefundPending while Stripe has it pending, PaymentFailed when Stripe failed or canceled it."""
    found = stripe_charges.find_refund(
        payment["payment_intent"], account_id=payment["account_id"], key="refund_for", value=why
    ) or stripe_charges.refund(
        payment_intent=payment["payment_intent"],
        amount=int(payment["amount"]),
        currency=payment["currency"],
        account_id=payment["account_id"],
        idempotency_key=f"{owner_name}-{why}-{owner_id}",
        reason="requested_by_customer",
        metadata={"tenant_id": tenant_id, **_owner_id(owner_name, owner_id), "refund_for": why},
    )
    if found["status"] in ("failed", "canceled"):
        raise payments.PaymentFailed(f"Stripe reports refund {found['id']} {found['status']}", code="refund_failed")
    if found["status"] != "succeeded":
        raise RefundPending(found)
    return found


def matches(session: dict | None, news: News) -> bool:
    """The news is about this stored session on its account (metadata alone could be written by anyone
    with a Stripe account)."""
    session = session or {}
    return session.get("account_id") == news.account_id and news.session_id in (None, session.get("id"))


# Stripe's news (the webhook) --------------------------------------------------------------------

_KINDS = {
    "checkout.session.completed": "paid",
    "checkout.session.async_payment_succeeded": "paid",
    "checkout.session.async_payment_failed": "declined",
    "payment_intent.payment_failed": "declined",
    "checkout.session.expired": "expired",
}
EVENT_TYPES = tuple(_KINDS)


def on_event(event: dict) -> str:
    """Hands a verified session event to the session's owner; what happened, for the log."""
    kind, obj = _KINDS[event["type"]], event["data"]["object"]
    if kind == "paid" and obj.get("payment_status") != "paid":
        return "awaiting_async_payment"  # a delayed method: async_payment_succeeded/failed follows
    meta = obj.get("metadata") or {}
    found = next((o for o in _OWNERS.values() if meta.get(o.id_key)), None)
    if found is None:
        return "ignored"
    on_session = obj.get("object") == "checkout.session"
    news = News(
        kind=kind,
        tenant_id=meta.get("tenant_id"),
        owner_id=meta[found.id_key],
        session_id=obj["id"] if on_session else None,
        account_id=event.get("account"),
        event_id=event["id"],
        payment_intent=obj.get("payment_intent") if on_session else None,
        amount=payments.from_stripe(obj["amount_total"], obj["currency"]) if on_session else None,
        currency=obj.get("currency") if on_session else None,
    )
    return found.on_news(news)


# A payment that landed too late -----------------------------------------------------------------


def refund_late(tenant_id: str, owner_name: str, owner_id: str, payment: dict) -> None:
    """Starts the workflow that refunds a payment its owner recorded as too late (once per owner: the
    execution's name makes a repeat a no-op)."""
    workflows.start(
        LATE_PAYMENT_WORKFLOW,
        name=f"late-{owner_id}",
        payload={
            "tenant_id": tenant_id,
            "owner": owner_name,
            "owner_id": owner_id,
            "payment": {k: payment[k] for k in ("payment_intent", "amount", "currency", "account_id")},
        },
    )


@workflows.task("payment_sessions.refund_late_payment")
def refund_late_payment(payload: dict) -> dict:
    tenant_id, name, owner_id = payload["tenant_id"], payload["owner"], payload["owner_id"]
    refunded = refund(tenant_id, name, owner_id, payload["payment"], why="late-refund")
    _OWNERS[name].late_refunded(tenant_id, owner_id, refunded["id"])
    logger.info("late payment refunded", owner=name, owner_id=owner_id, refund_id=refunded["id"])
    return {**payload, "refund_id": refunded["id"]}
