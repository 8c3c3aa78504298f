"""Tax rates per destination country (none set = no tax) and whether the shop's prices include tax."""

from . import tenants
from .db import ShopRecord
from .errors import Invalid
from .pricing import TaxRate


def _settings(shop: ShopRecord) -> dict:
    return shop.settings.as_dict() if hasattr(shop.settings, "as_dict") else dict(shop.settings or {})


def rates(shop: ShopRecord) -> list[TaxRate]:
    return [TaxRate(country=r["country"], rate_bp=int(r["rate_bp"])) for r in _settings(shop).get("tax_rates") or []]


def prices_include_tax(shop: ShopRecord) -> bool:
    return bool(_settings(shop).get("prices_include_tax", False))


def get(tenant_id: str) -> dict:
    shop = tenants.get_shop(tenant_id)
    return {
        "prices_include_tax": prices_include_tax(shop),
        "rates": [{"country": r.country, "rate_bp": r.rate_bp} for r in rates(shop)],
    }


def replace(tenant_id: str, data: dict) -> dict:
    """Sets what the body names: `rates` replaces the whole list, `prices_include_tax` the mode."""
    shop = tenants.get_shop(tenant_id)
    actions = []
    if "rates" in data:
        seen = set()
        for i, rate in enumerate(data["rates"]):
            if rate["country"] in seen:
                raise Invalid(
                    f"rates[{i}].country: {rate['country']} already has a rate",
                    {f"rates[{i}].country": "one rate per country"},
                )
            seen.add(rate["country"])
        actions.append(
            ShopRecord.settings["tax_rates"].set(
                [{"country": r["country"], "rate_bp": r["rate_bp"]} for r in data["rates"]]
            )
        )
    if "prices_include_tax" in data:
        actions.append(ShopRecord.settings["prices_include_tax"].set(data["prices_include_tax"]))
    shop.update(actions=actions)
    return get(tenant_id)
