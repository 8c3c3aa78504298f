"""Shipping rates: the shop's own table of what delivery costs (none set = free), read by pricing."""

from . import tenants
from .db import ShopRecord
from .errors import Invalid
from .pricing import ShippingRate


def _stored(shop: ShopRecord) -> list[dict]:
    settings = shop.settings.as_dict() if hasattr(shop.settings, "as_dict") else dict(shop.settings or {})
    return [dict(r) for r in settings.get("shipping_rates") or []]


def _to_dict(rate: dict) -> dict:
    return {
        "name": rate["name"],
        "amount": int(rate["amount"]),
        "countries": list(rate.get("countries") or []),
        "free_over": int(rate["free_over"]) if rate.get("free_over") is not None else None,
    }


def rates(shop: ShopRecord) -> list[ShippingRate]:
    """The shop's rates as pricing takes them, in the merchant's order (it breaks ties)."""
    return [
        ShippingRate(name=r["name"], amount=r["amount"], countries=tuple(r["countries"]), free_over=r["free_over"])
        for r in map(_to_dict, _stored(shop))
    ]


def get(tenant_id: str) -> dict:
    shop = tenants.get_shop(tenant_id)
    return {"currency": shop.currency, "rates": [_to_dict(r) for r in _stored(shop)]}


def replace(tenant_id: str, data: dict) -> dict:
    """Sets the whole table; an empty list makes shipping free again."""
    names = set()
    for i, rate in enumerate(data["rates"]):
        name = rate["name"].strip()
        if not name:
            raise Invalid(f"rates[{i}].name: must not be blank", {f"rates[{i}].name": "must not be blank"})
        if name in names:
            raise Invalid(f"rates[{i}].name: two rates with that name", {f"rates[{i}].name": "duplicate name"})
        names.add(name)
    cleaned = [
        {
            "name": r["name"].strip(),
            "amount": r["amount"],
            "countries": sorted(set(r.get("countries") or [])),
            "free_over": r.get("free_over"),
        }
        for r in data["rates"]
    ]
    tenants.get_shop(tenant_id).update(actions=[ShopRecord.settings["shipping_rates"].set(cleaned)])
    return get(tenant_id)
