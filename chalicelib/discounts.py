"""Discount codes: what the merchant creates and what a checkout may use.

A code is unique per shop, case-insensitively (the key holds it upper-cased).
Its uses are counted by the checkout's reservation (one transaction with the
stock), so `usage_limit` holds under any race; `once_per_customer` is a claim
item per email written in that same transaction.
"""

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from . import clock, keys, pricing
from .db import DiscountRecord, DiscountUse, TenantItem, conditionally
from .errors import Conflict, Invalid, NotFound

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def to_dict(d: DiscountRecord) -> dict:
    return {
        "id": d.code.upper(),
        "code": d.code,
        "type": d.type,
        "value": int(d.value),
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "usage_limit": int(d.usage_limit) if d.usage_limit is not None else None,
        "minimum_subtotal": int(d.minimum_subtotal) if d.minimum_subtotal is not None else None,
        "once_per_customer": bool(d.once_per_customer),
        "times_used": int(d.times_used),
        "created_at": d.created_at,
    }


def create(tenant_id: str, data: dict) -> dict:
    code = data["code"].strip()
    if not _CODE.match(code):
        raise Invalid("code: 1-40 letters, digits, '-' or '_'", {"code": "use letters, digits, '-' or '_'"})
    kind = data["type"]
    starts, ends = _window(data.get("starts_at"), data.get("ends_at"))
    record = DiscountRecord(
        tenant_id,
        keys.discount_sk(code),
        code=code,
        type=kind,
        value=_value(kind, data.get("value", 0)),
        starts_at=starts,
        ends_at=ends,
        usage_limit=data.get("usage_limit"),
        minimum_subtotal=data.get("minimum_subtotal"),
        once_per_customer=bool(data.get("once_per_customer", False)),
        times_used=0,
        created_at=clock.now_iso(),
    )
    conditionally(
        record.save,
        condition=DiscountRecord.pk.does_not_exist(),
        otherwise=Conflict("code: this shop already has that code", {"code": "taken"}),
    )
    return to_dict(record)


def _value(kind: str, value: int) -> int:
    if kind == pricing.PERCENTAGE and not 1 <= value <= 100:
        raise Invalid("value: a percentage from 1 to 100", {"value": "must be 1-100 for a percentage"})
    if kind == pricing.FIXED_AMOUNT and value < 1:
        raise Invalid("value: the amount off, in minor units", {"value": "must be at least 1"})
    return 0 if kind == pricing.FREE_SHIPPING else value


def _window(starts_at: str | None, ends_at: str | None) -> tuple[str | None, str | None]:
    """The discount's start and end as stored (UTC, the records' format); the end after the start."""
    starts = clock.parse_instant(starts_at, "starts_at") if starts_at else None
    ends = clock.parse_instant(ends_at, "ends_at") if ends_at else None
    if starts and ends and ends <= starts:
        raise Invalid("ends_at: must be after starts_at", {"ends_at": "must be after starts_at"})
    return (clock.iso(starts) if starts else None), (clock.iso(ends) if ends else None)


def _record(tenant_id: str, code: str) -> DiscountRecord:
    try:
        return DiscountRecord.get(tenant_id, keys.discount_sk(code.strip()), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No such discount code") from None


def get(tenant_id: str, code: str) -> dict:
    return to_dict(_record(tenant_id, code))


def update(tenant_id: str, code: str, data: dict) -> dict:
    """Changes the discount's terms (its code and type stay: shoppers and orders know it by them). A term sent
    as null is cleared: no start or end, no usage limit, no minimum. Its count of uses, which checkouts keep
    meanwhile, is left alone."""
    record = _record(tenant_id, code)
    terms = {**to_dict(record), **data}
    starts, ends = _window(terms["starts_at"], terms["ends_at"])
    value = _value(record.type, terms["value"])
    if terms["usage_limit"] is not None and terms["usage_limit"] < 1:
        raise Invalid("usage_limit: at least 1, or none", {"usage_limit": "must be at least 1"})
    actions = [
        DiscountRecord.value.set(value),
        DiscountRecord.once_per_customer.set(bool(terms["once_per_customer"])),
        _set_or_clear(DiscountRecord.starts_at, starts),
        _set_or_clear(DiscountRecord.ends_at, ends),
        _set_or_clear(DiscountRecord.usage_limit, terms["usage_limit"]),
        _set_or_clear(DiscountRecord.minimum_subtotal, terms["minimum_subtotal"]),
    ]
    conditionally(
        record.update,
        actions=actions,
        condition=DiscountRecord.pk.exists(),
        otherwise=NotFound("No such discount code"),
    )
    return get(tenant_id, code)


def _set_or_clear(attribute: Any, value: object) -> Action:
    return attribute.set(value) if value is not None else attribute.remove()


def deactivate(tenant_id: str, code: str) -> dict:
    """Ends the discount now (as Shopify's "Deactivate" does): checkouts from now on refuse it; uses already
    reserved stand. A discount that has already ended stays as it is."""
    record = _record(tenant_id, code)
    now = clock.now()
    if record.ends_at and clock.parse_iso(record.ends_at) <= now:
        return to_dict(record)
    starts_at = record.starts_at if record.starts_at and clock.parse_iso(record.starts_at) < now else None
    return update(tenant_id, code, {"starts_at": starts_at, "ends_at": clock.iso(now)})


def list_discounts(tenant_id: str) -> dict:
    items = DiscountRecord.query(tenant_id, TenantItem.sk.startswith("DISCOUNT#"), consistent_read=True)
    return {"items": [to_dict(d) for d in items if isinstance(d, DiscountRecord)], "next": None}


def for_checkout(tenant_id: str, code: str, email: str) -> tuple[DiscountRecord, pricing.Discount]:
    """The shop's discount under `code` as pricing takes it; Invalid naming `discount_code` if unknown."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise Invalid("discount_code: no such discount code", {"discount_code": "unknown code"})
    try:
        record = DiscountRecord.get(tenant_id, keys.discount_sk(code), consistent_read=True)
    except DoesNotExist:
        raise Invalid("discount_code: no such discount code", {"discount_code": "unknown code"}) from None
    used = False
    if record.once_per_customer:
        try:
            DiscountUse.get(tenant_id, keys.discount_use_sk(record.code, email), consistent_read=True)
            used = True
        except DoesNotExist:
            pass
    return record, pricing.Discount(
        code=record.code,
        type=record.type,
        value=int(record.value),
        minimum_subtotal=int(record.minimum_subtotal) if record.minimum_subtotal is not None else None,
        starts_at=clock.parse_instant(record.starts_at, "starts_at") if record.starts_at else None,
        ends_at=clock.parse_instant(record.ends_at, "ends_at") if record.ends_at else None,
        usage_limit=int(record.usage_limit) if record.usage_limit is not None else None,
        times_used=int(record.times_used),
        once_per_customer=bool(record.once_per_customer),
        customer_has_used=used,
    )
