"""Returns: the shopper asks on the storefront, the merchant decides and inspects, the money and stock go back.

Each return is its own item (ReturnRecord) followed by the workflow in
infra/workflows/returns.asl.json:

    awaiting_payment -> requested | expired (an exchange for a dearer variant: the difference is paid first)
    requested -> approved (the shop's policy approves it, or the merchant) | rejected
    approved  -> in_transit (the shopper sent the parcel) | received | expired (not sent in time)
    in_transit -> received (each item inspected: resellable goes back to stock, damaged does not)
    received  -> refunded | credited (store credit) | exchanged (another variant, difference settled)
    refunded / credited / exchanged -> closed

This module is the return itself: its table, loading, moving and showing
it. The rest is one module per concept, each importing only this one and
those below it:

    return_requests.py    the shopper's request and the merchant's actions (approve, reject, receive)
    return_settlement.py  back to stock, then refund, store credit or exchange
    exchange_payment.py   an exchange for a dearer variant: paying the difference
    return_tasks.py       the workflow's tasks and the shopper's emails

The units a return asks for are claimed on the order (`return_claims`) in the
same transaction that writes the return, so two returns can never take back
more than was bought; a rejected or expired return gives its claim back in
the transaction that moves it (`void`). Actions repeated on a return already
in (or past) their resulting status answer 200 and change nothing; any other
move the table does not list is a 409 (`act`).
"""

from . import attention, clock, cursors, keys, lifecycle, orders, stock, workflows
from .db import OrderRecord, ReturnRecord
from .db import plain as _plain
from .errors import Conflict, Invalid

WORKFLOW = "returns"

TRANSITIONS = {
    "awaiting_payment": {"requested", "expired"},
    "requested": {"approved", "rejected"},
    "approved": {"in_transit", "received", "expired"},
    "in_transit": {"received"},
    "received": {"refunded", "credited", "exchanged"},
    "refunded": {"closed"},
    "credited": {"closed"},
    "exchanged": {"closed"},
    "rejected": set(),
    "expired": set(),
    "closed": set(),
}


# The statuses in which a return waits for the merchant: to approve or reject, then to receive.
TO_HANDLE = ("requested", "approved", "in_transit")


def _stamp(record: ReturnRecord, status: str) -> list:
    """Every move is dated and kept in the return's history (the status page shows the steps), and puts
    the return in, or takes it out of, the merchant's returns to handle (the home page counts them)."""
    model, now = type(record), clock.now_iso()
    actions = [model.updated_at.set(now), model.history.set(model.history.append([{"at": now, "status": status}]))]
    return actions + to_handle(record, status)


def to_handle(record: ReturnRecord, status: str) -> list:
    """The actions that keep a return in `<tid>#RETURNS_TO_HANDLE` (gsi2) while its status is one of TO_HANDLE.
    A return is flagged for attention (attention.py, gsi2 too) only in later statuses, after it left."""
    model, partition = type(record), keys.returns_to_handle_gsi(record.pk)
    if status in TO_HANDLE:
        return [model.gsi2pk.set(partition), model.gsi2sk.set(record.sk)]
    if record.gsi2pk == partition:
        return [model.gsi2pk.remove(), model.gsi2sk.remove()]
    return []


LIFECYCLE = lifecycle.Lifecycle("return", TRANSITIONS, stamp=_stamp)
RESOLVED = {"refund": "refunded", "store_credit": "credited", "exchange": "exchanged"}
SETTLED = ("refunded", "credited", "exchanged", "closed")
# action -> (the status it leads to, the statuses in which it is already done: repeating it changes nothing)
ACTIONS = {
    "approve": ("approved", {"approved", "in_transit", "received", *SETTLED}),
    "reject": ("rejected", {"rejected"}),
    "ship": ("in_transit", {"in_transit", "received", *SETTLED}),
    "receive": ("received", {"received", *SETTLED}),
}
# Statuses that no longer hold the order's units (their claim went back).
VOID = ("rejected", "expired")


def execution_arn(return_id: str) -> str:
    return workflows.execution_arn(WORKFLOW, f"return-{return_id}")


def load(tenant_id: str, return_id: str) -> ReturnRecord:
    return ReturnRecord.by_id(tenant_id, return_id, keys.return_sk, "return")


def unit_counts(items: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items or []:
        out[item["variant_id"]] = out.get(item["variant_id"], 0) + int(item["quantity"])
    return out


def to_dict(record: ReturnRecord) -> dict:
    exchange = _plain(record.exchange)
    return {
        "id": record.return_id,
        "order_id": record.order_id,
        "order_number": int(record.order_number),
        "status": record.status,
        "reason": record.reason,
        "resolution": record.resolution,
        "items": [
            {
                "variant_id": i["variant_id"],
                "quantity": int(i["quantity"]),
                "reason": i.get("reason"),
                "exchange_for": i.get("exchange_for"),
            }
            for i in _plain(record.items)
        ],
        "received": [
            {"variant_id": i["variant_id"], "quantity": int(i["quantity"]), "condition": i["condition"]}
            for i in _plain(record.received) or []
        ],
        "expected_refund": int(record.expected_refund),
        "exchange": (
            {
                "items": exchange["items"],
                "cost": int(exchange["cost"]),
                "credit": int(exchange["credit"]),
                "difference": int(exchange["difference"]),
                "order_id": exchange.get("order_id"),
                "payment_status": (exchange.get("payment") or {}).get("status"),
            }
            if exchange
            else None
        ),
        "payment_url": (
            (exchange.get("payment") or {}).get("url") if exchange and record.status == "awaiting_payment" else None
        ),
        "outcome": _plain(record.outcome),
        "return_shipping_paid_by": (_plain(record.policy) or {}).get("return_shipping_paid_by"),
        "status_url": record.status_url,
        "history": _plain(record.history),
        "needs_attention": attention.view(record),
        "rejection_reason": record.rejection_reason,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def describe(order: OrderRecord, counts: dict[str, int]) -> str:
    titles = {
        l["variant_id"]: " - ".join(p for p in (l["title"], l.get("variant_title")) if p) for l in _plain(order.lines)
    }
    return ", ".join(f"{n} x {titles.get(v, v)}" for v, n in counts.items() if n)


def note(record: ReturnRecord, kind: str, message: str) -> None:
    orders.change(record.pk, record.order_id, lambda o: orders.Change(timeline=[orders.entry(kind, message)]))


def deliver(record: ReturnRecord) -> None:
    if not record.task_token or record.status == record.waiting_in:
        return
    if record.status == "rejected":
        workflows.fail_task(record.task_token, "ReturnRejected", "The merchant rejected the return")
    else:
        workflows.succeed_task(record.task_token, {"status": record.status})


def act(record: ReturnRecord, action: str, perform) -> dict:
    """Runs `perform(record)` (True once it moved the return) unless the action is done already (200, no
    change) or the status does not allow it (409); a return that moved meanwhile is judged again."""
    target, done = ACTIONS[action]
    for _ in range(5):
        if record.status in done:
            return to_dict(record)
        LIFECYCLE.require(record.status, target)
        if perform(record):
            record.refresh(consistent_read=True)
            deliver(record)
            return to_dict(record)
        record.refresh(consistent_read=True)
    raise Conflict("The return keeps changing; try again")


def void(record: ReturnRecord, status: str, reason: str | None = None) -> bool:
    """Rejected or expired: the order gets its units' claim back in the same transaction. A rejection's
    `reason` is kept on the return and in the order's timeline."""
    counts = unit_counts(_plain(record.items))
    said = [ReturnRecord.rejection_reason.set(reason)] if reason else []

    def decide(order: OrderRecord) -> orders.Change | None:
        current = load(record.pk, record.return_id)
        if current.status != record.status:
            return None
        claims = {k: int(v) for k, v in (_plain(order.return_claims) or {}).items()}
        for variant_id, n in counts.items():
            claims[variant_id] = max(claims.get(variant_id, 0) - n, 0)
        return orders.Change(
            values={"return_claims": claims},
            result=True,
            also=lambda tx: LIFECYCLE.move_in(tx, current, status, *said),
            timeline=[
                orders.entry(
                    f"return_{status}", f"Return {record.return_id} {status}" + (f": {reason}" if reason else "")
                )
            ],
        )

    _, changed = orders.change(record.pk, record.order_id, decide)
    if record.exchange:
        stock.release(record.pk, record.return_id)
    return changed is not None


def for_shopper(tenant_id: str, return_id: str) -> dict:
    """The storefront's return status (its id is the shopper's link: unguessable, 80 of its bits are random)."""
    return to_dict(load(tenant_id, return_id))


def for_page(tenant_id: str, return_id: str) -> dict:
    """The return status page: the return, its items named, and its order's currency."""
    record = load(tenant_id, return_id)
    order = orders.load(tenant_id, record.order_id)
    titles = {
        l["variant_id"]: " - ".join(p for p in (l["title"], l.get("variant_title")) if p) for l in _plain(order.lines)
    }
    view = to_dict(record)
    view["currency"] = order.currency
    view["items"] = [{**i, "title": titles.get(i["variant_id"], i["variant_id"])} for i in view["items"]]
    view["steps"] = [{"status": h["status"], "at": h["at"]} for h in view["history"]]
    return view


def list_returns(tenant_id: str, *, limit: int, cursor: str | None, status: str | None = None) -> dict:
    if status and status not in LIFECYCLE.statuses:
        raise Invalid(f"status: one of {', '.join(LIFECYCLE.statuses)}", {"status": "unknown status"})
    page = ReturnRecord.all_returns.query(
        keys.returns_gsi(tenant_id),
        scan_index_forward=False,
        limit=limit,
        filter_condition=(ReturnRecord.status == status) if status else None,
        last_evaluated_key=cursors.decode(cursor, tenant_id, index=("gsi1", keys.returns_gsi(tenant_id))),
    )
    return {"items": [to_dict(r) for r in page], "next": cursors.encode(page.last_evaluated_key)}


def get(tenant_id: str, return_id: str) -> dict:
    return to_dict(load(tenant_id, return_id))


def task_ids(payload: dict) -> tuple[str, str]:
    return payload["tenant_id"], payload["return_id"]
