"""The returns workflow's tasks (infra/workflows/returns.asl.json) and the shopper's emails at each step.

Each task is idempotent: a retried step finds its work done and changes
nothing twice; an email is claimed on the return before it is sent.
"""

from pynamodb.exceptions import UpdateError

from . import (
    emails,
    exchange_payment,
    lifecycle,
    notifications,
    orders,
    return_policy,
    return_settlement,
    returns,
    stock,
    tenants,
    workflows,
)
from .db import ReturnRecord
from .db import plain as _plain


@workflows.task("return_tasks.review")
def review(payload: dict) -> dict:
    """Approves the return if the shop's policy approves such returns automatically."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    policy = return_policy.of_shop(tenants.get_shop(tenant_id))
    if record.status == "requested" and return_policy.approves_automatically(
        policy, value=int(record.expected_refund), reason=record.reason
    ):
        if returns.LIFECYCLE.move(record, "approved"):
            returns.note(record, "return_approved", f"Return {return_id} approved automatically by the return policy")
    # Anything but approved-or-later waits: a return the merchant rejected meanwhile is failed at once there.
    return {"decision": "approved" if record.status in returns.ACTIONS["approve"][1] else "waiting"}


@workflows.task("return_tasks.await")
def await_change(payload: dict) -> dict:
    """A `.waitForTaskToken` step: keeps its token on the return; completed once the return leaves
    `payload["leaves"]` (at once if it already has)."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    try:
        record.update(
            actions=[ReturnRecord.task_token.set(payload["task_token"]), ReturnRecord.waiting_in.set(payload["leaves"])]
        )
    except UpdateError:
        raise workflows.TransientError("Could not keep the task token") from None
    record.refresh(consistent_read=True)
    returns.deliver(record)
    return {}


@workflows.task("return_tasks.expire")
def expire(payload: dict) -> dict:
    """The parcel was not sent in time: the return expires, unless it moved on meanwhile."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    if record.status == "awaiting_payment" and exchange_payment.paid_after_all(record):
        record.refresh(consistent_read=True)
    if record.status in ("approved", "awaiting_payment"):
        returns.void(record, "expired")
        record.refresh(consistent_read=True)
    elif record.status == "expired" and record.exchange:
        stock.release(tenant_id, return_id)
    return {"expired": record.status == "expired", "status": record.status}


@workflows.task("return_tasks.inspect")
def inspect(payload: dict) -> dict:
    return_settlement.inspect(*returns.task_ids(payload))
    return payload


@workflows.task("return_tasks.settle")
def settle(payload: dict) -> dict:
    """Refund, store credit or exchange (the workflow's Resolution? picks the state, the return the way)."""
    return_settlement.settle(*returns.task_ids(payload))
    return payload


@workflows.task("return_tasks.close")
def close(payload: dict) -> dict:
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    if record.status in ("refunded", "credited", "exchanged") and returns.LIFECYCLE.move(record, "closed"):
        returns.note(record, "return_closed", f"Return {return_id} closed")
    return payload


def _email(record: ReturnRecord, event: str) -> emails.Email:
    """The shopper's email about `event` (templates/emails/return_<event>)."""
    order = orders.load(record.pk, record.order_id)
    terms = _plain(record.policy)
    outcome = _plain(record.outcome) or {}
    payment = exchange_payment.payment_of(record)
    shop = tenants.get_shop(record.pk)
    return emails.render(
        f"return_{event}",
        shop,
        order.language,
        order={"number": int(order.number), "currency": order.currency},
        items=emails.items(order, returns.unit_counts(_plain(record.items))),
        status_url=emails.order_page(shop, order, f"/returns/{record.return_id}"),
        parcel_days=int(terms["parcel_days"]),
        merchant_pays_shipping=terms["return_shipping_paid_by"] == "merchant",
        outcome={
            "amount": int(outcome.get("amount") or 0),
            "code": outcome.get("code"),
            "order_number": outcome.get("order_number"),
        },
        payment={"amount": int(payment.get("amount") or 0), "url": payment.get("url")},
    )


@workflows.task("return_tasks.notify")
def notify(payload: dict) -> dict:
    """Emails the shopper once per event (`resolved` names the outcome: refunded, credited or exchanged)."""
    tenant_id, return_id = returns.task_ids(payload)
    record = returns.load(tenant_id, return_id)
    event = payload["event"]
    if event == "resolved":
        event = (
            record.status
            if record.status in returns.RESOLVED.values()
            else (returns.RESOLVED[record.resolution] if record.status == "closed" else None)
        )
        if event is None:
            return payload
    email = _email(record, event)
    if lifecycle.once_marked(  # claimed before sending, so a retried step never mails twice
        record, ReturnRecord.notified[event], lambda: notifications.send_email(to=record.email, email=email)
    ):
        returns.note(record, "email_sent", f"Emailed {record.email}: {email.subject}")
    return payload
