"""Discount codes: what the merchant creates and what a checkout may use.

A code is unique per shop, case-insensitively (the key holds it upper-cased).
Its uses are counted by the checkout's reservation (one transaction with the
stock), so `usage_limit` holds under any race; `once_per_customer` is a claim
item per email written in that same transaction.
"""

import re

from pynamodb.exceptions import DoesNotExist

from . import clock, keys, pricing
from .db import DiscountRecord, DiscountUse, TenantItem, conditionally
from .errors import Conflict, Invalid

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
    kind, value = data["type"], data.get("value", 0)
    if kind == pricing.PERCENTAGE and not 1 <= value <= 100:
        raise Invalid("value: a percentage from 1 to 100", {"value": "must be 1-100 for a percentage"})
    if kind == pricing.FIXED_AMOUNT and value < 1:
        raise Invalid("value: the amount off, in minor units", {"value": "must be at least 1"})
    if kind == pricing.FREE_SHIPPING:
        value = 0
    starts = clock.parse_instant(data["starts_at"], "starts_at") if data.get("starts_at") else None
    ends = clock.parse_instant(data["ends_at"], "ends_at") if data.get("ends_at") else None
    if starts and ends and ends <= starts:
        raise Invalid("ends_at: must be after starts_at", {"ends_at": "must be after starts_at"})
    record = DiscountRecord(
        tenant_id,
        keys.discount_sk(code),
        code=code,
        type=kind,
        value=value,
        starts_at=clock.iso(starts) if starts else None,
        ends_at=clock.iso(ends) if ends else None,
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
