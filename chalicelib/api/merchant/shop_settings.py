"""The merchant's shop and how it sells: its profile, return policy, pickup locations, carrier
webhook, discount codes, shipping and tax rates, and the Stripe account that takes its payments."""

from chalice import Blueprint

from chalicelib import (
    carrier_webhooks,
    discounts,
    domains,
    fulfilment,
    hosts,
    payment_accounts,
    policies,
    return_policy,
    schemas,
    shipping,
    shops,
    taxes,
    tenants,
    themes,
    web,
)
from chalicelib.api.merchant import admin_once
from chalicelib.api.merchant.auditing import (
    DISCOUNT,
    PAYMENTS,
    PICKUP_LOCATIONS,
    POLICIES,
    RETURN_POLICY,
    SHIPPING_RATES,
    SHOP,
    TAX_RATES,
    Audited,
)

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


def _save_setting(save, schema):
    """A PUT or PATCH of one of the shop's settings: `save(tenant_id, body)` answers the settings as stored."""
    request = bp.current_request
    return web.json_response(save(web.merchant_tenant(request), web.body(request, schema)))


def _shop_after(change):
    """Runs `change(tenant_id)` on the signed-in merchant's shop, then answers the shop as it now is."""
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    change(tenant_id)
    return web.json_response(shops.profile(tenant_id, web.host(request)))


@routes.api("/api/admin/shop", summary="The signed-in merchant's shop", response=schemas.SHOP, tag="admin")
def admin_shop():
    request = bp.current_request
    return web.json_response(shops.profile(web.merchant_tenant(request), web.host(request)))


@routes.api(
    "/api/admin/shop",
    ["PATCH"],
    summary="Rename the shop, choose its languages, choose or tune its theme, attach a custom domain (pending until "
    "verified); all or none",
    request=schemas.SHOP_PATCH,
    response=schemas.SHOP,
    tag="admin",
)
@audited(SHOP)
def admin_shop_update():
    return _shop_after(lambda tenant_id: shops.update(tenant_id, web.body(bp.current_request, schemas.SHOP_PATCH)))


@routes.api(
    "/api/admin/themes", summary="The themes a shop can use, with their settings", response=schemas.THEMES, tag="admin"
)
def admin_themes():
    web.merchant_tenant(bp.current_request)  # a merchant's question: 401 without a merchant's token
    return web.json_response({"items": [theme.describe() for theme in themes.all_themes()]})


@routes.api(
    "/api/admin/shop/domain/verify",
    ["POST"],
    summary="Check the custom domain's DNS TXT record: 200 verified (the domain serves the shop), 409 not found yet",
    response=schemas.SHOP,
    tag="admin",
)
@audited(SHOP)
def verify_domain():
    return _shop_after(domains.verify)


@routes.api("/api/admin/return-policy", summary="The shop's return policy", response=schemas.RETURN_POLICY, tag="admin")
def get_return_policy():
    return web.json_response(return_policy.get(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/return-policy",
    ["PUT"],
    summary="Replace the return policy (terms left out: defaults)",
    request=schemas.RETURN_POLICY_PUT,
    response=schemas.RETURN_POLICY,
    tag="admin",
)
@audited(RETURN_POLICY)
def put_return_policy():
    return _save_setting(return_policy.replace, schemas.RETURN_POLICY_PUT)


@routes.api(
    "/api/admin/return-policy",
    ["PATCH"],
    summary="Change some terms of the return policy",
    request=schemas.RETURN_POLICY_PATCH,
    response=schemas.RETURN_POLICY,
    tag="admin",
)
@audited(RETURN_POLICY)
def patch_return_policy():
    return _save_setting(return_policy.update, schemas.RETURN_POLICY_PATCH)


@routes.api(
    "/api/admin/policies",
    summary="The shop's privacy policy and terms of service (the refund and shipping policies follow its settings)",
    response=schemas.POLICIES,
    tag="admin",
)
def get_policies():
    return web.json_response(policies.get(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/policies",
    ["PUT"],
    summary="Replace the privacy policy and terms of service",
    request=schemas.POLICIES_PUT,
    response=schemas.POLICIES,
    tag="admin",
)
@audited(POLICIES)
def put_policies():
    return _save_setting(policies.replace, schemas.POLICIES_PUT)


@routes.api(
    "/api/admin/pickup-locations",
    summary="Where shoppers can pick up orders",
    response=schemas.PICKUP_LOCATION_LIST,
    tag="admin",
)
def get_pickup_locations():
    return web.json_response(fulfilment.pickup_locations(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/pickup-locations",
    ["PUT"],
    summary="Replace the pickup locations",
    request=schemas.PICKUP_LOCATIONS,
    response=schemas.PICKUP_LOCATION_LIST,
    tag="admin",
)
@audited(PICKUP_LOCATIONS)
def put_pickup_locations():
    return _save_setting(fulfilment.replace_pickup_locations, schemas.PICKUP_LOCATIONS)


@routes.api(
    "/api/admin/carrier-webhook",
    summary="Where the shop's carrier posts tracking updates, and the secret that signs them",
    response=schemas.CARRIER_WEBHOOK,
    tag="admin",
)
def carrier_webhook_settings():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    base = hosts.api_base(tenants.get_shop(tenant_id), web.host(request))
    return web.json_response(carrier_webhooks.webhook_settings(tenant_id, base))


@routes.api(
    "/api/admin/discounts",
    ["POST"],
    summary="Create a discount code",
    request=schemas.DISCOUNT_CREATE,
    response=schemas.DISCOUNT,
    status=201,
    tag="admin",
)
@audited(DISCOUNT, created="id")
def create_discount():
    discount = admin_once(
        bp.current_request, schemas.DISCOUNT_CREATE, "create_discount", "POST /api/admin/discounts", discounts.create
    )
    return web.json_response(discount, 201)


@routes.api(
    "/api/admin/discounts", summary="The shop's discount codes", response=schemas.page_of(schemas.DISCOUNT), tag="admin"
)
def list_discounts():
    return web.json_response(discounts.list_discounts(web.merchant_tenant(bp.current_request)))


@routes.api("/api/admin/discounts/{code}", summary="A discount code", response=schemas.DISCOUNT, tag="admin")
def get_discount(code):
    return web.json_response(discounts.get(web.merchant_tenant(bp.current_request), code))


@routes.api(
    "/api/admin/discounts/{code}",
    ["PATCH"],
    summary="Change a discount's terms (its code and type stay); null clears an end, limit or minimum",
    request=schemas.DISCOUNT_PATCH,
    response=schemas.DISCOUNT,
    tag="admin",
)
@audited(DISCOUNT, "code")
def update_discount(code):
    return _save_setting(lambda tenant_id, body: discounts.update(tenant_id, code, body), schemas.DISCOUNT_PATCH)


@routes.api(
    "/api/admin/discounts/{code}/deactivate",
    ["POST"],
    summary="End a discount now: checkouts from now on refuse it (one already ended stays as it is)",
    response=schemas.DISCOUNT,
    tag="admin",
)
@audited(DISCOUNT, "code")
def deactivate_discount(code):
    return web.json_response(discounts.deactivate(web.merchant_tenant(bp.current_request), code))


@routes.api(
    "/api/admin/shipping-rates",
    summary="The shop's shipping rates (none: shipping is free)",
    response=schemas.SHIPPING_TABLE,
    tag="admin",
)
def get_shipping_rates():
    return web.json_response(shipping.get(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/shipping-rates",
    ["PUT"],
    summary="Replace the shop's shipping rates",
    request=schemas.SHIPPING_RATES,
    response=schemas.SHIPPING_TABLE,
    tag="admin",
)
@audited(SHIPPING_RATES)
def put_shipping_rates():
    return _save_setting(shipping.replace, schemas.SHIPPING_RATES)


@routes.api(
    "/api/admin/tax-rates",
    summary="Tax per destination country (none: no tax), prices with or without tax",
    response=schemas.TAX_TABLE,
    tag="admin",
)
def get_tax_rates():
    return web.json_response(taxes.get(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/tax-rates",
    ["PUT"],
    summary="Replace the tax rates and/or the prices-include-tax mode",
    request=schemas.TAX_RATES,
    response=schemas.TAX_TABLE,
    tag="admin",
)
@audited(TAX_RATES)
def put_tax_rates():
    return _save_setting(taxes.replace, schemas.TAX_RATES)


@routes.api(
    "/api/admin/payments/account",
    ["POST"],
    summary="Connect a Stripe account (Connect onboarding); 200 with the account when it exists",
    request=schemas.PAYMENTS_CONNECT,
    response=schemas.PAYMENT_ACCOUNT,
    status=(201, 200),
    tag="admin",
)
@audited(PAYMENTS)
def connect_payments():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PAYMENTS_CONNECT)
    account, created = payment_accounts.connect(tenant_id, data.get("country", "US"))
    return web.json_response(account, 201 if created else 200)


@routes.api(
    "/api/admin/payments/account",
    summary="Whether the shop can take payments (as Stripe says now)",
    response=schemas.PAYMENT_ACCOUNT,
    tag="admin",
)
def payments_status():
    return web.json_response(payment_accounts.refresh(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/payments/account-link",
    ["POST"],
    summary="A Stripe onboarding link for the shop's account",
    request=schemas.PAYMENTS_LINK,
    response=schemas.ACCOUNT_LINK,
    status=201,
    tag="admin",
)
@audited.exempt("a short-lived Stripe onboarding link: nothing of the shop changes")
def payments_link():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PAYMENTS_LINK)
    back = hosts.storefront_url(tenants.get_shop(tenant_id), web.host(request))
    return web.json_response(
        payment_accounts.onboarding_link(
            tenant_id, return_url=data.get("return_url", back), refresh_url=data.get("refresh_url", back)
        ),
        201,
    )
