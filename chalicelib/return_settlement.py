"""Settling a received return, once each: resellable units back to stock, then the money by its resolution
(a refund, store credit as a single-use code, or an exchange: the replacement becomes an order of its own).
Called by the merchant's receive and again by the workflow's steps; a repeat changes nothing."""

from . import clock, discounts, money, order_creation, orders, pricing, refund_math, refunds, returns, stock
from .db import OrderRecord, ReturnRecord
from .db import plain as _plain
from .errors import Conflict


def inspect(tenant_id: str, return_id: str) -> None:
    """Resellable units back to stock; the claim of units that never came back goes back to the order.
    Once: the return's `restocked_at` is set in the same transaction."""
    record = returns.load(tenant_id, return_id)
    if record.restocked_at or record.status not in ("received", *returns.SETTLED):
        return
    received = _plain(record.received) or []
    resellable = returns.unit_counts([i for i in received if i["condition"] == "resellable"])
    missing = {
        v: n - returns.unit_counts(received).get(v, 0) for v, n in returns.unit_counts(_plain(record.items)).items()
    }

    def decide(order: OrderRecord) -> orders.Change | None:
        current = returns.load(tenant_id, return_id)
        if current.restocked_at:
            return None
        live = stock.live_variants(tenant_id, list(resellable))
        back = {v: n for v, n in resellable.items() if v in live}
        restocked = {k: int(v) for k, v in (_plain(order.restocked) or {}).items()}
        claims = {k: int(v) for k, v in (_plain(order.return_claims) or {}).items()}
        for variant_id, n in missing.items():
            claims[variant_id] = max(claims.get(variant_id, 0) - n, 0)

        def also(tx):
            stock.restock_in(tenant_id, back)(tx)
            tx.update(
                current,
                actions=[ReturnRecord.restocked_at.set(clock.now_iso())],
                condition=ReturnRecord.restocked_at.does_not_exist(),
            )

        units = sum(back.values())
        return orders.Change(
            values={
                "restocked": {**restocked, **{v: restocked.get(v, 0) + n for v, n in back.items()}},
                "return_claims": claims,
            },
            also=also,
            timeline=[
                orders.entry(
                    "restocked",
                    f"Return {return_id}: {units} unit{'s' if units != 1 else ''} "
                    f"back in stock" + (f" ({returns.describe(order, back)})" if units else ""),
                )
            ],
        )

    orders.change(tenant_id, record.order_id, decide)


def _refund_plan(record: ReturnRecord, *, amount_of=None):
    """How much a return refunds: its received units at what they cost (refund_math.refund_for_lines), less the
    restocking fee of its policy, plus the shipping left when the policy gives it back and this return
    brings back the order's last units; never more than is left of what was paid."""
    terms = _plain(record.policy)
    received = returns.unit_counts(_plain(record.received))

    def plan(order: OrderRecord) -> dict | None:
        bought, done = orders.units_of(order), refunds.refunded_units(order)
        counts = {v: min(n, bought[v] - done.get(v, 0)) for v, n in received.items()}
        everything_back = all(done.get(v, 0) + counts.get(v, 0) >= q for v, q in bought.items())
        quote = pricing.Quote.from_dict(_plain(order.quote))
        refund = refund_math.refund_for_lines(
            quote,
            counts,
            already_returned=done,
            restocking_fee_percent=int(terms["restocking_fee_percent"]),
            refund_shipping_left=bool(terms["refund_original_shipping"]) and everything_back,
            already_refunded_shipping=refunds.refunded_shipping(order),
        )
        amount = refund.total if amount_of is None else amount_of(refund)
        return {
            "amount": min(amount, refunds.refundable(order)),
            "lines": counts,
            "shipping": refund.shipping,
            "reason": f"return {record.return_id}",
            "return_id": record.return_id,
        }

    return plan


def settle(tenant_id: str, return_id: str) -> None:
    """Refund, store credit or exchange, once, by the return's resolution."""
    record = returns.load(tenant_id, return_id)
    if record.status != "received":
        return
    {"refund": _refund, "store_credit": _store_credit, "exchange": _exchange}[record.resolution](record)


def _refund(record: ReturnRecord) -> None:
    refund = refunds.issue(record.pk, record.order_id, key=f"return:{record.return_id}", plan=_refund_plan(record))
    returns.LIFECYCLE.move(
        record,
        "refunded",
        ReturnRecord.outcome.set(
            {"refund_id": refund["id"], "amount": refund["amount"]} if refund else {"refund_id": None, "amount": 0}
        ),
    )


def _store_credit(record: ReturnRecord) -> None:
    """A single-use code worth what the refund would have been (a fixed-amount discount at checkout)."""
    order = orders.load(record.pk, record.order_id)
    amount = _refund_plan(record)(order)["amount"]
    code = f"CREDIT-{record.return_id[-10:]}"
    if amount > 0:
        try:
            discounts.create(record.pk, {"code": code, "type": "fixed_amount", "value": amount, "usage_limit": 1})
        except Conflict:
            pass  # made by an earlier try of this step
    returns.LIFECYCLE.move(
        record, "credited", ReturnRecord.outcome.set({"code": code if amount > 0 else None, "amount": amount})
    )
    returns.note(
        record,
        "store_credit_issued",
        f"Return {record.return_id}: store credit of {money.format_money(amount, order.currency)} ({code})",
    )


def _exchange(record: ReturnRecord) -> None:
    """The replacement becomes an order of its own (paid by the returned units' value); what the return
    was worth beyond it is refunded."""
    exchange = _plain(record.exchange)
    order = orders.load(record.pk, record.order_id)
    paid = exchange.get("payment") or {}
    payment = (
        {
            "provider": "stripe",
            "payment_intent": paid["payment_intent"],
            "session_id": paid["session_id"],
            "account_id": paid["account_id"],
            "amount": int(paid["amount"]),
        }
        if paid.get("status") == "paid"
        else None
    )
    replacement = order_creation.create_exchange(
        record.pk,
        order,
        exchange["new_order_id"],
        record.return_id,
        exchange["items"],
        pricing.Quote.from_dict(exchange["quote"]),
        payment,
    )
    back = -int(exchange["difference"])
    refund = None
    if back > 0:
        refund = refunds.issue(
            record.pk,
            record.order_id,
            key=f"return:{record.return_id}",
            plan=_refund_plan(record, amount_of=lambda r: min(back, r.total)),
        )
    returns.LIFECYCLE.move(
        record,
        "exchanged",
        ReturnRecord.exchange["order_id"].set(replacement.order_id),
        ReturnRecord.outcome.set(
            {
                "order_id": replacement.order_id,
                "order_number": int(replacement.number),
                "refund_id": refund["id"] if refund else None,
                "amount": refund["amount"] if refund else 0,
            }
        ),
    )
