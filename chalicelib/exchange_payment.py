"""An exchange for a dearer variant: the shopper pays the difference before the return goes on.

A Stripe Checkout Session on the shop's account (like a checkout's), opened
by the workflow; Stripe's webhook says it was paid (the return moves from
`awaiting_payment` to `requested`) or expired (the return expires). A payment
that comes after the return expired, or for a return rejected later, is
refunded.
"""

from . import (
    billing,
    checkout,
    clock,
    keys,
    money,
    orders,
    payment_accounts,
    payments,
    pricing,
    returns,
    stripe_charges,
    tenants,
    workflows,
)
from .db import ReturnRecord, conditionally
from .db import plain as _plain
from .errors import NotFound
from .observability import logger

PAYMENT_SECONDS = 3600  # how long the shopper has to pay an exchange's difference (Stripe wants 30 min to 24 h)


def payment_of(record: ReturnRecord) -> dict:
    return (_plain(record.exchange) or {}).get("payment") or {}


def _epoch(iso: str) -> int:
    return int(clock.parse_iso(iso).timestamp())


@workflows.task("exchange_payment.create_payment")
def create_payment(payload: dict) -> dict:
    """A Stripe Checkout Session for the difference: a direct charge on the shop's account, with the
    platform's fee, like a checkout's (its id names the return, so a retried step gets the same session)."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    payment = payment_of(record)
    if record.status != "awaiting_payment" or payment.get("session_id"):
        return payload
    account = payment_accounts.ready(tenant_id)
    if account is None:
        raise checkout.ShopCannotTakePayments("The shop's Stripe account cannot take charges")
    shop = tenants.get_shop(tenant_id)
    order = orders.load(tenant_id, record.order_id)
    amount = int(payment["amount"])
    session = stripe_charges.create_checkout_session(
        account_id=account.account_id,
        currency=order.currency,
        lines=[
            {"name": f"Exchange for order #{int(order.number)}: price difference", "unit_amount": amount, "quantity": 1}
        ],
        amount_total=amount,
        application_fee_amount=billing.application_fee(shop.plan, amount),
        success_url=record.status_url,
        cancel_url=record.status_url,
        idempotency_key=f"exchange-{return_id}",
        customer_email=record.email,
        metadata={"tenant_id": tenant_id, "return_id": return_id},
        expires_at=_epoch(record.created_at) + PAYMENT_SECONDS,
    )
    conditionally(  # a retried step keeps the session it stored first
        record.update,
        actions=[
            ReturnRecord.exchange["payment"].set(
                {**payment, "session_id": session["id"], "url": session["url"], "account_id": account.account_id}
            )
        ],
        condition=ReturnRecord.exchange["payment"]["session_id"].does_not_exist(),
    )
    return payload


def _mark_paid(record: ReturnRecord, payment_intent: str) -> bool:
    paid = {**payment_of(record), "status": "paid", "payment_intent": payment_intent}
    if returns.LIFECYCLE.move(record, "requested", ReturnRecord.exchange["payment"].set(paid)):
        returns.note(
            record,
            "exchange_paid",
            f"Return {record.return_id}: exchange difference of "
            f"{money.format_money(int(paid['amount']), _currency(record))} paid",
        )
        return True
    return False


def _currency(record: ReturnRecord) -> str:
    return pricing.Quote.from_dict(_plain(record.exchange)["quote"]).currency


def paid_after_all(record: ReturnRecord) -> bool:
    """Stops the session from being paid; True if the shopper paid it first (then the return goes on)."""
    payment = payment_of(record)
    if not payment.get("session_id"):
        return False
    try:
        stripe_charges.expire_checkout_session(
            payment["session_id"],
            account_id=payment["account_id"],
            idempotency_key=f"exchange-expire-{record.return_id}",
        )
        return False
    except payments.PaymentFailed:  # not open any more: was it paid?
        session = stripe_charges.get_checkout_session(payment["session_id"], account_id=payment["account_id"])
        return session["payment_status"] == "paid" and _mark_paid(record, session["payment_intent"])


def payment_event(
    kind: str, *, tenant_id: str | None, return_id: str | None, session: dict, account_id: str | None
) -> str:
    """What Stripe says about an exchange's payment (webhook): paid, the return goes on; a payment that
    comes after the return expired is refunded; an expired session expires the return."""
    try:
        record = returns.load(tenant_id or "", return_id or "") if tenant_id and keys.is_id(tenant_id) else None
    except NotFound:
        record = None
    payment = payment_of(record) if record is not None else {}
    if record is None or payment.get("session_id") != session.get("id") or payment.get("account_id") != account_id:
        logger.warning("Stripe event does not match the return's session", return_id=return_id)
        return "ignored"
    if kind == "expired":
        if record.status == "awaiting_payment":
            returns.void(record, "expired")
            record.refresh(consistent_read=True)
            returns.deliver(record)
            return "expired"
        return "ignored"
    if session.get("payment_status") != "paid" or session.get("amount_total") != int(payment["amount"]):
        return "ignored"
    if payment.get("status") == "paid":
        return "duplicate"
    if record.status == "awaiting_payment" and _mark_paid(record, session["payment_intent"]):
        record.refresh(consistent_read=True)
        returns.deliver(record)
        return "paid"
    if record.status == "expired":  # too late: no exchange, the money goes back (Stripe retries us on failure)
        stripe_charges.refund(
            payment_intent=session["payment_intent"],
            amount=int(payment["amount"]),
            account_id=account_id,
            idempotency_key=f"exchange-late-{return_id}",
            reason="requested_by_customer",
            metadata={"tenant_id": tenant_id, "return_id": return_id},
        )
        return "refunded"
    return "ignored"


@workflows.task("exchange_payment.refund_difference")
def refund_difference(payload: dict) -> dict:
    """A rejected or expired exchange whose difference was paid: the payment goes back."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    payment = payment_of(record)
    if record.status not in returns.VOID or payment.get("status") != "paid" or payment.get("refund_id"):
        return payload
    refund = stripe_charges.refund(
        payment_intent=payment["payment_intent"],
        amount=int(payment["amount"]),
        account_id=payment["account_id"],
        idempotency_key=f"exchange-refund-{return_id}",
        reason="requested_by_customer",
        metadata={"tenant_id": tenant_id, "return_id": return_id},
    )
    record.update(actions=[ReturnRecord.exchange["payment"]["refund_id"].set(refund["id"])])
    returns.note(
        record,
        "refunded",
        f"Return {return_id}: exchange difference of "
        f"{money.format_money(int(payment['amount']), _currency(record))} refunded",
    )
    return payload
