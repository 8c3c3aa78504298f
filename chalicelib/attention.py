"""Records a person must look at: a compensation that failed for good (stock not given back, a payment not
refunded, a checkout that could not say how it ended).

A workflow's compensation step retries what may pass; when it still fails, its Catch sends the execution
to the `NeedsAttention` state, whose task flags the record it was working for: the checkout (or, for a
late payment, the checkout or return that owns it) or the return. A flagged record says why and since
when (`needs_attention`) and carries the keys of the sparse gsi2 partition `<tid>#ATTENTION`, so the
merchant lists what needs them (`GET /api/admin/attention`) and the operator counts it per shop. The
merchant clears a flag once they have dealt with it.
"""

from collections.abc import Callable

from . import clock, keys, workflows
from .db import CheckoutRecord, ReturnRecord, TenantItem, conditionally
from .db import plain as _plain
from .errors import NotFound

# The records a workflow may flag, by the name its input gives the owner.
KINDS: dict[str, tuple[type[CheckoutRecord] | type[ReturnRecord], Callable[[str], str], str]] = {
    "checkout": (CheckoutRecord, keys.checkout_sk, "checkout_id"),
    "return": (ReturnRecord, keys.return_sk, "return_id"),
}
# The owner a late payment names (payment_sessions' owner names) -> the kind of record it is.
OWNERS = {"checkout": "checkout", "exchange": "return"}
# What failed, said for a person, by the workflow that flags.
REASONS = {
    "checkout": "The checkout could not finish undoing itself (stock, cart or status)",
    "return": "The refund of the exchange difference could not be sent",
    "late_payment": "A payment that came too late could not be refunded",
}
LIMIT = 100


def _load(tenant_id: str, kind: str, record_id: str):
    model, sk_of, _ = KINDS[kind]
    return model.by_id(tenant_id, record_id, sk_of, kind)


def flag(tenant_id: str, kind: str, record_id: str, reason: str, error: str = "") -> None:
    """Marks the record as needing a person, once (a second failure keeps the first reason and time)."""
    record = _load(tenant_id, kind, record_id)
    model = type(record)
    conditionally(
        record.update,
        actions=[
            model.needs_attention.set({"reason": reason, "error": error[:500], "since": clock.now_iso()}),
            model.gsi2pk.set(keys.attention_gsi(tenant_id)),
            model.gsi2sk.set(keys.attention_gsi_sort(kind, record_id)),
        ],
        condition=model.needs_attention.does_not_exist(),
    )


def view(record) -> dict | None:
    """What the merchant reads on the record: why and since when, or None."""
    flagged = _plain(record.needs_attention)
    return (
        {"reason": flagged["reason"], "error": flagged.get("error") or "", "since": flagged["since"]}
        if flagged
        else None
    )


def listing(tenant_id: str) -> dict:
    """Everything of the shop that needs attention, newest first (the oldest are dealt with, or a bug)."""
    found = TenantItem.needing_attention.query(keys.attention_gsi(tenant_id), scan_index_forward=False, limit=LIMIT)
    items = []
    for record in found:
        kind = "checkout" if isinstance(record, CheckoutRecord) else "return"
        flagged = view(record) or {}
        items.append(
            {
                "kind": kind,
                "id": record.checkout_id if kind == "checkout" else record.return_id,
                "order_id": record.order_id,
                "email": record.email,
                "status": record.status,
                **flagged,
            }
        )
    return {"items": items}


def count(tenant_id: str) -> int:
    return TenantItem.needing_attention.count(keys.attention_gsi(tenant_id))


def state(tenant_id: str, kind: str, record_id: str) -> dict:
    """Whether this checkout or return needs attention (what `resolve` changes)."""
    if kind not in KINDS:
        raise NotFound("No such record")
    return {"kind": kind, "id": record_id, "needs_attention": view(_load(tenant_id, kind, record_id))}


def resolve(tenant_id: str, kind: str, record_id: str) -> dict:
    """The merchant dealt with it: the record leaves the list (resolving twice is harmless)."""
    if kind not in KINDS:
        raise NotFound("No such record")
    record = _load(tenant_id, kind, record_id)
    model = type(record)
    record.update(actions=[model.needs_attention.remove(), model.gsi2pk.remove(), model.gsi2sk.remove()])
    return {"kind": kind, "id": record_id, "needs_attention": None}


@workflows.task("attention.flag")
def flag_task(payload: dict) -> dict:
    """The NeedsAttention state: flags the record the workflow was working for. The late payment
    workflow names its owner (`owner`, `owner_id`); the others carry their record's id."""
    workflow = payload["workflow"]
    if workflow == "late_payment":
        kind, record_id = OWNERS[payload["owner"]], payload["owner_id"]
    else:
        kind = workflow
        record_id = payload[KINDS[kind][2]]
    error = payload.get("error") or {}
    flag(
        payload["tenant_id"], kind, record_id, REASONS[workflow], f"{error.get('Error', '')}: {error.get('Cause', '')}"
    )
    return payload
