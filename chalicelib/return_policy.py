"""A shop's return policy, as data the merchant edits (GET/PUT/PATCH /api/admin/return-policy).

`returns.py` reads it when a shopper asks for a return and keeps the terms it
accepted the return under on the return itself, so a later edit never
changes a return already under way. A new shop's policy is `DEFAULT`:
manual approval, 30 days, no restocking fee.

Terms:
- `window_days`: days a unit can be returned, counted from its fulfilment's
  delivery (or pickup) when known, else from the fulfilment's creation.
- `final_sale_product_ids` / `final_sale_categories`: never returnable.
- `restocking_fee_percent`: kept from each return's refund (refund_math.refund_for_lines).
- `refund_original_shipping`: the return that brings back the order's last
  unit also refunds what shipping cost.
- `return_shipping_paid_by`: `customer` or `merchant` (what the shopper is told).
- `exchanges_allowed`, `store_credit_allowed`: what a shopper may ask for instead of money.
- `approval`: `manual` (the merchant approves or rejects) or `automatic`;
  automatic approval applies `auto_approve`'s rules, all of them:
  `max_value` (the return is worth at most this much) and `reasons`
  (the shopper's reason is one of these words; empty: any reason).
- `parcel_days`: days the shopper has, once approved, to send the parcel
  (then the return expires).
"""

import copy
from typing import Any

from . import catalog, tenants
from .db import ShopRecord, plain
from .errors import Invalid, NotFound

DEFAULT: dict[str, Any] = {
    "window_days": 30,
    "approval": "manual",
    "auto_approve": {"max_value": None, "reasons": []},
    "restocking_fee_percent": 0,
    "refund_original_shipping": False,
    "return_shipping_paid_by": "customer",
    "exchanges_allowed": True,
    "store_credit_allowed": True,
    "final_sale_product_ids": [],
    "final_sale_categories": [],
    "parcel_days": 14,
}


def of_shop(shop: ShopRecord) -> dict:
    """The shop's policy, every term present (a shop older than a term gets its default)."""
    settings = plain(shop.settings) or {}
    stored = plain(settings.get("return_policy")) or {}
    policy = copy.deepcopy(DEFAULT)
    policy.update({k: copy.deepcopy(plain(v)) for k, v in stored.items() if k in DEFAULT})
    policy["auto_approve"] = {**DEFAULT["auto_approve"], **(plain(policy["auto_approve"]) or {})}
    for key in ("window_days", "restocking_fee_percent", "parcel_days"):
        policy[key] = int(policy[key])
    if policy["auto_approve"]["max_value"] is not None:
        policy["auto_approve"]["max_value"] = int(policy["auto_approve"]["max_value"])
    return policy


def get(tenant_id: str) -> dict:
    return of_shop(tenants.get_shop(tenant_id))


def _check_products(tenant_id: str, product_ids: list[str]) -> list[str]:
    for i, product_id in enumerate(product_ids):
        try:
            catalog.get_product(tenant_id, product_id)
        except NotFound:
            raise Invalid(
                f"final_sale_product_ids[{i}]: not a product of this shop",
                {f"final_sale_product_ids[{i}]": "unknown product"},
            ) from None
    return sorted(set(product_ids))


def _store(tenant_id: str, policy: dict) -> dict:
    policy["final_sale_product_ids"] = _check_products(tenant_id, policy["final_sale_product_ids"])
    policy["final_sale_categories"] = sorted({c.strip().lower() for c in policy["final_sale_categories"] if c.strip()})
    policy["auto_approve"]["reasons"] = sorted(
        {r.strip().lower() for r in policy["auto_approve"]["reasons"] if r.strip()}
    )
    tenants.get_shop(tenant_id).update(actions=[ShopRecord.settings["return_policy"].set(policy)])
    return get(tenant_id)


def replace(tenant_id: str, data: dict) -> dict:
    """PUT: the whole policy; terms left out take their defaults."""
    policy = copy.deepcopy(DEFAULT)
    policy.update(copy.deepcopy(data))
    policy["auto_approve"] = {**DEFAULT["auto_approve"], **data.get("auto_approve", {})}
    return _store(tenant_id, policy)


def update(tenant_id: str, data: dict) -> dict:
    """PATCH: the terms given change, the others stay."""
    policy = get(tenant_id)
    policy.update({k: copy.deepcopy(v) for k, v in data.items() if k != "auto_approve"})
    policy["auto_approve"] = {**policy["auto_approve"], **data.get("auto_approve", {})}
    return _store(tenant_id, policy)


def is_final_sale(policy: dict, product_id: str, category: str | None) -> bool:
    return product_id in policy["final_sale_product_ids"] or (
        bool(category and category.strip().lower() in policy["final_sale_categories"])
    )


def approves_automatically(policy: dict, *, value: int, reason: str) -> bool:
    """Whether a return worth `value` for `reason` is approved without the merchant."""
    if policy["approval"] != "automatic":
        return False
    rules = policy["auto_approve"]
    if rules["max_value"] is not None and value > rules["max_value"]:
        return False
    if rules["reasons"] and reason.strip().lower() not in rules["reasons"]:
        return False
    return True
