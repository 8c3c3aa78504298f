"""A merchant's own shop: profile, name, theme and custom domain."""

from pynamodb.expressions.update import Action

from . import hosts, storefront, tenants
from .db import ShopRecord


def to_dict(shop: ShopRecord, request_host: str) -> dict:
    return {
        "id": shop.tenant_id,
        "name": shop.name,
        "subdomain": shop.subdomain,
        "currency": shop.currency,
        "status": shop.status,
        "plan": shop.plan,
        "custom_domain": shop.custom_domain,
        "storefront_url": hosts.storefront_url(shop, request_host),
    }


def profile(tenant_id: str, request_host: str) -> dict:
    shop = tenants.get_shop(tenant_id)
    return {**to_dict(shop, request_host), "theme": storefront.theme_of(shop)}


def update(tenant_id: str, patch: dict) -> None:
    if "custom_domain" in patch:
        tenants.attach_domain(tenant_id, patch["custom_domain"])
    shop = tenants.get_shop(tenant_id)
    actions: list[Action] = []
    if "name" in patch:
        actions.append(ShopRecord.name.set(patch["name"].strip()))
    if "theme" in patch:
        actions.append(ShopRecord.theme.set({**storefront.theme_of(shop), **patch["theme"]}))
    if actions:
        shop.update(actions=actions)
    tenants.forget_shop(tenant_id)  # this container's storefront shows the change at once
