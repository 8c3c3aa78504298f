"""An exchange for a dearer variant: the shopper pays the difference before the return goes on.

A hosted payment session on the shop's account (payment_sessions, like a
checkout's), opened by the workflow; Stripe's webhook says it was paid (the
return moves from `awaiting_payment` to `requested`) or expired (the return
expires). A payment for a return rejected later is refunded by the returns
workflow; one that comes after the return expired, by the late_payment
workflow (payment_sessions' one policy for late money).
"""

from . import keys, money, orders, payment_sessions, pricing, returns, workflows
from .db import ReturnRecord, conditionally
from .db import plain as _plain
from .errors import NotFound
from .observability import logger

OWNER = "exchange"  # of the difference's payment session (payment_sessions)
PAYMENT_SECONDS = 3600  # how long the shopper has to pay an exchange's difference (Stripe wants 30 min to 24 h)


def payment_of(record: ReturnRecord) -> dict:
    return (_plain(record.exchange) or {}).get("payment") or {}


@workflows.task("exchange_payment.create_payment")
def create_payment(payload: dict) -> dict:
    """A Stripe Checkout Session for the difference (payment_sessions, like a checkout's: its id names the
    return, so a retried step gets the same session)."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    payment = payment_of(record)
    if record.status != "awaiting_payment" or payment.get("session_id"):
        return payload
    order = orders.load(tenant_id, record.order_id)
    amount = int(payment["amount"])
    session = payment_sessions.open_session(
        tenant_id,
        OWNER,
        return_id,
        currency=order.currency,
        lines=[
            {"name": f"Exchange for order #{int(order.number)}: price difference", "unit_amount": amount, "quantity": 1}
        ],
        amount=amount,
        email=record.email,
        return_urls=(record.status_url, record.status_url),
        created_at=record.created_at,
        lifetime=PAYMENT_SECONDS,
    )
    conditionally(  # a retried step keeps the session it stored first
        record.update,
        actions=[
            ReturnRecord.exchange["payment"].set(
                {**payment, "session_id": session["id"], "url": session["url"], "account_id": session["account_id"]}
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


def _session(payment: dict) -> dict | None:
    return {"id": payment["session_id"], "account_id": payment["account_id"]} if payment.get("session_id") else None


def paid_after_all(record: ReturnRecord) -> bool:
    """Stops the session from being paid; True if the shopper paid it first (then the return goes on)."""
    session = _session(payment_of(record))
    paid = payment_sessions.stop(session, OWNER, record.return_id) if session else None
    return paid is not None and _mark_paid(record, paid["payment_intent"])


def _late_refunded(tenant_id: str, return_id: str, refund_id: str) -> None:
    record = returns.load(tenant_id, return_id)
    late = payment_of(record)["late"]
    record.update(actions=[ReturnRecord.exchange["payment"]["late"]["refund_id"].set(refund_id)])
    returns.note(
        record,
        "refunded",
        f"Return {return_id}: exchange difference of "
        f"{money.format_money(int(late['amount']), _currency(record))} paid too late, refunded",
    )


@payment_sessions.owner(OWNER, id_key="return_id", late_refunded=_late_refunded)
def on_news(news: payment_sessions.News) -> str:
    """What Stripe says about an exchange's payment (webhook): paid, the return goes on; a payment that
    comes after the return expired is refunded by the late_payment workflow; an expired session expires
    the return; a declined attempt changes nothing (the shopper may try again until it expires)."""
    try:
        tenant_id = news.tenant_id
        record = returns.load(tenant_id, news.owner_id or "") if tenant_id and keys.is_id(tenant_id) else None
    except NotFound:
        record = None
    payment = payment_of(record) if record is not None else {}
    if record is None or not payment_sessions.matches(_session(payment), news):
        logger.warning("Stripe event does not match the return's session", return_id=news.owner_id)
        return "ignored"
    if news.kind == "expired":
        if record.status == "awaiting_payment":
            returns.void(record, "expired")
            record.refresh(consistent_read=True)
            returns.deliver(record)
            return "expired"
        return "ignored"
    if news.kind != "paid" or news.payment_intent is None or news.amount != int(payment["amount"]):
        return "ignored"
    if payment.get("status") == "paid":
        return "duplicate"
    if record.status == "awaiting_payment" and _mark_paid(record, news.payment_intent):
        record.refresh(consistent_read=True)
        returns.deliver(record)
        return "paid"
    if record.status == "expired":  # too late: no exchange, the money goes back
        paid = news.payment()
        conditionally(
            record.update,
            actions=[ReturnRecord.exchange["payment"]["late"].set({**paid, "refund_id": None})],
            condition=ReturnRecord.exchange["payment"]["late"].does_not_exist(),
        )
        payment_sessions.refund_late(record.pk, OWNER, record.return_id, paid)
        return "refunding"
    return "ignored"


@workflows.task("exchange_payment.refund_difference")
def refund_difference(payload: dict) -> dict:
    """A rejected or expired exchange whose difference was paid: the payment goes back."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    payment = payment_of(record)
    if record.status not in returns.VOID or payment.get("status") != "paid" or payment.get("refund_id"):
        return payload
    # The stored payment names no currency: the exchange's quote holds it.
    refund = payment_sessions.refund(tenant_id, OWNER, return_id, {**payment, "currency": _currency(record)})
    record.update(actions=[ReturnRecord.exchange["payment"]["refund_id"].set(refund["id"])])
    returns.note(
        record,
        "refunded",
        f"Return {return_id}: exchange difference of "
        f"{money.format_money(int(payment['amount']), _currency(record))} refunded",
    )
    return payload
