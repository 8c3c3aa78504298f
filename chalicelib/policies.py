"""A shop's policy pages (/policies/{kind}): the refund and shipping policies say what the shop's return policy
and shipping rates already decide (so they can never disagree with what checkout and returns do); privacy and
terms are the merchant's own text (GET/PUT /api/admin/policies)."""

from . import return_policy, shipping, tenants
from .db import ShopRecord, plain
from .errors import NotFound

KINDS = ("refund", "shipping", "privacy", "terms")
WRITTEN = ("privacy", "terms")


def get(tenant_id: str) -> dict:
    """The merchant's own texts, "" where none is written yet."""
    return _written(tenants.get_shop(tenant_id))


def _written(shop: ShopRecord) -> dict:
    stored = plain((plain(shop.settings) or {}).get("policies")) or {}
    return {kind: stored.get(kind) or "" for kind in WRITTEN}


def replace(tenant_id: str, data: dict) -> dict:
    texts = {kind: "\n".join(line.rstrip() for line in data[kind].strip().splitlines()) for kind in WRITTEN}
    tenants.get_shop(tenant_id).update(actions=[ShopRecord.settings["policies"].set(texts)])
    tenants.forget_shop(tenant_id)  # this container's storefront shows the new text at once
    return get(tenant_id)


def for_page(shop: ShopRecord, kind: str) -> dict:
    """What the policy page `kind` shows: the terms it is generated from, or the merchant's text."""
    if kind not in KINDS:
        raise NotFound("No such policy")
    page: dict = {"kind": kind}
    if kind == "refund":
        page["return_policy"] = return_policy.of_shop(shop)
    elif kind == "shipping":
        page["shipping"] = {"currency": shop.currency, "rates": shipping.get(shop.tenant_id)["rates"]}
    else:
        page["text"] = _written(shop)[kind]
    return page
