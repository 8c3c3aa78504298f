"""Every change a merchant makes is audited here, in one way: the merchant API's write routes and the web admin's
pages by `Audited` (`@audited(...)`, `@audited.page(...)`), or by calling `change` / `screen_change` around the
domain function when the resource is created inside the view.

A resource is what the merchant reads: its type, and how to read it as the API shows it. Every write route of
/api/admin and every POST page of /admin declares the resource it changes (or, with `exempt`, why it changes
none): tests/unit/test_audit.py fails for one that declares neither.
"""

import functools
import json
from collections.abc import Callable
from typing import Any, NamedTuple

from chalicelib import (
    attention,
    audit,
    bulk_edits,
    catalog,
    discounts,
    fulfilment,
    orders,
    payment_accounts,
    policies,
    return_policy,
    returns,
    shipping,
    shops,
    taxes,
    theme_edits,
    web,
)


class Resource(NamedTuple):
    type: str
    read: Callable[[str, str], dict]  # (tenant_id, resource id) -> the resource as the API shows it


def _setting(read: Callable[[str], dict]) -> Callable[[str, str], dict]:
    """One of the shop's settings: a resource of its own whose id is the shop's id."""
    return lambda tenant_id, _shop_id: read(tenant_id)


def _created_only(_tenant_id: str, _resource_id: str) -> dict:
    raise TypeError("this resource is only ever created: its create's answer is what it is")


PRODUCT = Resource("product", catalog.get_product)
MEDIA = Resource("media", _created_only)
ORDER = Resource("order", orders.get)
RETURN = Resource("return", returns.get)
ATTENTION = Resource("attention", lambda tenant_id, ref: attention.state(tenant_id, *ref.split("/", 1)))
SHOP = Resource("shop", _setting(lambda tenant_id: shops.profile(tenant_id, "")))  # URLs on the primary host
RETURN_POLICY = Resource("return_policy", _setting(return_policy.get))
PICKUP_LOCATIONS = Resource("pickup_locations", _setting(fulfilment.pickup_locations))
SHIPPING_RATES = Resource("shipping_rates", _setting(shipping.get))
TAX_RATES = Resource("tax_rates", _setting(taxes.get))
POLICIES = Resource("policies", _setting(policies.get))
DISCOUNT = Resource("discount", discounts.get)
PAYMENTS = Resource("payments", _setting(lambda tenant_id: payment_accounts.to_dict(payment_accounts.get(tenant_id))))
THEME_TEMPLATES = Resource("theme_templates", _setting(theme_edits.state))  # the draft's and live templates
BULK_EDIT = Resource("bulk_edit", bulk_edits.get)  # each product it edits is the product's own change
SETTINGS = (SHOP, RETURN_POLICY, PICKUP_LOCATIONS, SHIPPING_RATES, TAX_RATES, PAYMENTS, POLICIES, THEME_TEMPLATES)


def actor(claims: dict, via: str) -> audit.Actor:
    return audit.Actor(id=claims["sub"], email=claims["email"], via=via)


def change(
    tenant_id: str,
    who: audit.Actor,
    action: str,
    resource: Resource,
    resource_id: str | None,
    write: Callable[[], Any],
    *,
    created: str | None = None,
):
    """Runs `write()` and records what it did to the resource (`resource_id`: the changed one, the shop's id for
    a setting, None for a create); answers what `write` answered. `created`: the answer's field that names the
    new resource (its id), the answer being the resource as the API shows it."""
    if resource in SETTINGS:
        resource_id = tenant_id
    return audit.changing(
        tenant_id,
        who,
        action,
        (resource.type, resource_id),
        resource.read,
        write,
        created=(lambda answer: (answer[created], answer)) if created else None,
    )


class Audited:
    """The decorator of a blueprint's write routes: `@audited(PRODUCT, "product_id")` records each change the
    route makes to the product its path names, `@audited(SHOP)` to a setting, `@audited(DISCOUNT, created="id")`
    the resource it creates. The action is the route's operation (its view's name, as /openapi.json says)."""

    def __init__(self, blueprint):
        self.blueprint = blueprint

    def __call__(self, resource: Resource, *id_params: str, created: str | None = None):
        def deco(view):
            @functools.wraps(view)
            def audited_view(**params):
                request = self.blueprint.current_request
                claims = web.bearer(request)
                tenant_id = web.merchant_tenant(request)
                response = None

                def write():
                    nonlocal response
                    response = view(**params)
                    return json.loads(response.body) if created else None

                resource_id = "/".join(params[p] for p in id_params) if id_params else None
                change(tenant_id, actor(claims, "api"), view.__name__, resource, resource_id, write, created=created)
                return response

            audited_view.audits = resource.type
            return audited_view

        return deco

    def page(self, resource: Resource, *id_params: str, action: str):
        """The same for a web admin page's POST, `fn(session, form, **path_params)`: what the page did to the
        resource, by the signed-in merchant, via the admin. `action` names it as the API's operation that does
        the same (`admin_shop_update`), so the log reads alike whichever way the merchant went. A page that
        answers its form again with errors changed nothing, and records nothing."""

        def deco(view):
            @functools.wraps(view)
            def audited_page(session, form, **params):
                resource_id = "/".join(params[p] for p in id_params) if id_params else None
                write = functools.partial(view, session, form, **params)
                return screen_change(session, action, resource, resource_id, write)

            audited_page.audits = resource.type
            return audited_page

        return deco

    @staticmethod
    def creates(resource: Resource):
        """A page that creates the resource: it records the create itself (`screen_change(..., created=...)`),
        as the new resource's id is only known inside it."""

        def deco(view):
            view.audits = resource.type
            return view

        return deco

    @staticmethod
    def exempt(reason: str):
        """A write route that changes none of the shop's resources (`reason` says why)."""

        def deco(view):
            view.audits = None
            view.not_audited_because = reason
            return view

        return deco


def screen_change(session, action: str, resource: Resource, resource_id: str | None, write, *, created=None):
    """`change`, made on a web admin page (`session`: admin_ui.Session) by its signed-in merchant."""
    who = audit.Actor(id=session.actor["id"], email=session.actor["email"], via="admin")
    return change(session.tenant_id, who, action, resource, resource_id, write, created=created)
