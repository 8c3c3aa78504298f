"""A merchant's own shop: profile, name, theme and custom domain."""

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import domains, hosts, keys, languages, tenants, themes
from .db import Claim, ShopRecord, connection, failed_conditions
from .errors import Conflict, Invalid


def to_dict(shop: ShopRecord, request_host: str) -> dict:
    return {
        "id": shop.tenant_id,
        "name": shop.name,
        "subdomain": shop.subdomain,
        "currency": shop.currency,
        "status": shop.status,
        "plan": shop.plan,
        "custom_domain": domains.describe(shop),
        "storefront_url": hosts.storefront_url(shop, request_host),
        "languages": languages.of_shop(shop),
    }


def profile(tenant_id: str, request_host: str) -> dict:
    shop = tenants.get_shop(tenant_id)
    return {**to_dict(shop, request_host), "theme": themes.describe(shop)}


def update(tenant_id: str, patch: dict) -> None:
    """Validates the whole change first, then writes it in one transaction: the shop's fields and, for a new
    domain, the claim of the verified one it replaces (which stops serving). A bad field changes nothing."""
    shop = tenants.get_shop(tenant_id)
    actions: list[Action] = []
    if "name" in patch:
        name = patch["name"].strip()
        if not name:
            raise Invalid("name: must not be blank", {"name": "must not be blank"})
        actions.append(ShopRecord.name.set(name))
    if "languages" in patch:
        actions.append(ShopRecord.languages.set(patch["languages"]))
    if "theme" in patch:
        actions.append(ShopRecord.theme.set(themes.changed(shop, patch["theme"])))
    released = None
    if "custom_domain" in patch:
        domain_actions, released = domains.attach(shop, patch["custom_domain"])
        actions += domain_actions
    if not actions:
        return
    # Written on the domain as read: a verification or another change meanwhile is not overwritten.
    as_read = (
        ShopRecord.custom_domain == shop.custom_domain
        if shop.custom_domain
        else ShopRecord.custom_domain.does_not_exist()
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(shop, actions=actions, condition=as_read)
            if released:
                tx.delete(Claim(keys.domain_claim(released), keys.CLAIM_SK), condition=Claim.tenant_id == tenant_id)
    except TransactWriteError as e:
        if failed_conditions(tx, e):
            raise Conflict("The shop changed meanwhile; try again") from None
        raise
    tenants.forget_shop(tenant_id)  # this container's storefront shows the change at once
