"""The Chalice app: route wiring only. Each view parses, calls one domain function, shapes the answer."""

from http.cookies import CookieError, SimpleCookie

from chalice import Chalice, Rate

from chalicelib import (
    cancellation,
    carts,
    catalog,
    checkout,
    cursors,
    discounts,
    fulfilment,
    idempotency,
    media,
    onboarding,
    openapi,
    orders,
    payment_accounts,
    refunds,
    return_policy,
    returns,
    schemas,
    shipping,
    shops,
    sla,
    storefront,
    taxes,
    tenants,
    web,
    webhooks,
    workflows,
)
from chalicelib.errors import NotFound
from chalicelib.observability import logger

app = Chalice(app_name="shopbuilder")
app.log = logger
routes = web.Routes(app)


def _query(name: str) -> str | None:
    return (app.current_request.query_params or {}).get(name)


def _page_args() -> dict:
    return {"limit": cursors.limit(_query("limit")), "cursor": _query("cursor")}


def _cookie(name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(app.current_request.headers.get("cookie") or "")
    except CookieError:
        return None
    return jar[name].value if name in jar else None


def _forget_cart(base_path: str) -> dict:
    """Drops the storefront's `cart` cookie (set by the theme's script) once that cart is done with."""
    return {"Set-Cookie": f"cart=; Max-Age=0; Path={base_path or '/'}; SameSite=Lax"}


def _store_once(shop, operation: str, route: str, cart_id: str, body, create):
    """An anonymous storefront write, idempotent per `Idempotency-Key` scoped to the shop, route and cart."""
    return idempotency.once(
        operation=operation,
        scope=f"{shop.tenant_id}|{route}|cart:{cart_id}",
        key=app.current_request.headers.get("idempotency-key"),
        body=body,
        create=create,
    )


def _admin_once(tenant_id: str, operation: str, route: str, body, create):
    """A merchant's retryable write, idempotent per `Idempotency-Key` scoped to the shop, route and merchant."""
    request = app.current_request
    return idempotency.once(
        operation=operation,
        scope=f"{tenant_id}|{route}|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"),
        body=body,
        create=create,
    )


# Platform ---------------------------------------------------------------


@routes.api("/healthz", summary="Liveness", response=schemas.HEALTH, tag="platform")
def healthz():
    return web.json_response({"status": "ok"})


@routes.api("/openapi.json", summary="This document", response=schemas.OPENAPI_DOCUMENT, tag="platform")
def openapi_document():
    return web.json_response(openapi.document(web.base_url(app.current_request)))


@routes.api(
    "/api/merchants/signup",
    ["POST"],
    summary="Open a shop",
    request=schemas.SIGNUP,
    response=schemas.SIGNUP_RESPONSE,
    status=201,
    tag="platform",
)
def signup():
    request = app.current_request
    data = web.body(request, schemas.SIGNUP)
    result = tenants.signup(**data)
    onboarding.start(result["shop"])
    shop = tenants.shop_to_dict(result["shop"], web.host(request), web.scheme(request))
    return web.json_response({"token": result["token"], "shop": shop}, 201)


@routes.api(
    "/api/auth/login",
    ["POST"],
    summary="Sign in (merchant or operator)",
    request=schemas.LOGIN,
    response=schemas.TOKEN_RESPONSE,
    tag="platform",
)
def login():
    return web.json_response({"token": tenants.login(**web.body(app.current_request, schemas.LOGIN))})


@routes.api(
    "/api/webhooks/stripe",
    ["POST"],
    summary="Stripe webhook: signed payment and Connect events",
    response=schemas.WEBHOOK_ACK,
    tag="webhooks",
)
def stripe_webhook():
    request = app.current_request
    return web.json_response(webhooks.receive(request.raw_body, request.headers.get("stripe-signature")))


@routes.api(
    "/api/webhooks/carriers/{shop_id}",
    ["POST"],
    summary="Carrier webhook: signed tracking updates (in_transit, delivered) for the shop's fulfilments",
    response=schemas.CARRIER_EVENT_ACK,
    tag="webhooks",
)
def carrier_webhook(shop_id):
    request = app.current_request
    return web.json_response(
        fulfilment.carrier_event(shop_id, request.raw_body, request.headers.get(fulfilment.SIGNATURE_HEADER.lower()))
    )


# Merchant admin ---------------------------------------------------------


@routes.api("/api/admin/shop", summary="The signed-in merchant's shop", response=schemas.SHOP, tag="admin")
def admin_shop():
    request = app.current_request
    return web.json_response(shops.profile(web.merchant_tenant(request), web.host(request), web.scheme(request)))


@routes.api(
    "/api/admin/shop",
    ["PATCH"],
    summary="Rename the shop, tune its theme, attach a domain",
    request=schemas.SHOP_PATCH,
    response=schemas.SHOP,
    tag="admin",
)
def admin_shop_update():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    shops.update(tenant_id, web.body(request, schemas.SHOP_PATCH))
    return web.json_response(shops.profile(tenant_id, web.host(request), web.scheme(request)))


@routes.api(
    "/api/admin/products",
    ["POST"],
    summary="Create a product",
    request=schemas.PRODUCT_CREATE,
    response=schemas.PRODUCT,
    status=201,
    tag="admin",
)
def create_product():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PRODUCT_CREATE)
    shop = tenants.get_shop(tenant_id)
    product = idempotency.once(
        operation="create_product",
        scope=f"{tenant_id}|POST /api/admin/products|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"),
        body=data,
        create=lambda: catalog.create_product(tenant_id, shop.currency, data),
    )
    return web.json_response(product, 201)


@routes.api(
    "/api/admin/products", summary="List products, newest first", response=schemas.page_of(schemas.PRODUCT), tag="admin"
)
def list_products():
    tenant_id = web.merchant_tenant(app.current_request)
    return web.json_response(catalog.list_products(tenant_id, active_only=False, **_page_args()))


@routes.api("/api/admin/products/{product_id}", summary="A product", response=schemas.PRODUCT, tag="admin")
def get_product(product_id):
    return web.json_response(catalog.get_product(web.merchant_tenant(app.current_request), product_id))


@routes.api(
    "/api/admin/products/{product_id}",
    ["PATCH"],
    summary="Change a product and its variants",
    request=schemas.PRODUCT_PATCH,
    response=schemas.PRODUCT,
    tag="admin",
)
def update_product(product_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(catalog.update_product(tenant_id, product_id, web.body(request, schemas.PRODUCT_PATCH)))


@routes.api("/api/admin/products/{product_id}", ["DELETE"], summary="Delete a product", status=204, tag="admin")
def delete_product(product_id):
    catalog.delete_product(web.merchant_tenant(app.current_request), product_id)
    return web.empty_response()


@routes.api(
    "/api/admin/products/{product_id}/variants/{variant_id}",
    ["DELETE"],
    summary="Remove a variant",
    response=schemas.PRODUCT,
    tag="admin",
)
def delete_variant(product_id, variant_id):
    tenant_id = web.merchant_tenant(app.current_request)
    return web.json_response(catalog.delete_variant(tenant_id, product_id, variant_id))


@routes.api(
    "/api/admin/media",
    ["POST"],
    summary="Upload an image (base64); use its key in a product's images",
    request=schemas.MEDIA_UPLOAD,
    response=schemas.MEDIA,
    status=201,
    tag="admin",
)
def upload_media():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(media.upload(tenant_id, **web.body(request, schemas.MEDIA_UPLOAD)), 201)


@routes.api(
    "/api/admin/orders",
    summary="Orders, newest first (?financial_status= ?fulfillment_status=)",
    response=schemas.page_of(schemas.ORDER),
    tag="admin",
)
def list_orders():
    tenant_id = web.merchant_tenant(app.current_request)
    return web.json_response(
        orders.list_orders(
            tenant_id,
            **_page_args(),
            financial_status=_query("financial_status"),
            fulfillment_status=_query("fulfillment_status"),
        )
    )


@routes.api(
    "/api/admin/orders/{order_id}",
    summary="An order: lines with their discount and tax allocations, payment, timeline",
    response=schemas.ORDER,
    tag="admin",
)
def get_order(order_id):
    return web.json_response(orders.get(web.merchant_tenant(app.current_request), order_id))


@routes.api(
    "/api/admin/orders/{order_id}/fulfilments",
    ["POST"],
    summary="Fulfil items (none given: everything left), shipped with carrier and tracking or for pickup",
    request=schemas.FULFILMENT_CREATE,
    response=schemas.FULFILMENT,
    status=201,
    tag="admin",
)
def create_fulfilment(order_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.FULFILMENT_CREATE)
    created = _admin_once(
        tenant_id,
        "create_fulfilment",
        f"POST orders/{order_id}/fulfilments",
        data,
        lambda: fulfilment.create(tenant_id, order_id, data),
    )
    return web.json_response(created, 201)


@routes.api(
    "/api/admin/orders/{order_id}/fulfilments/{fulfilment_id}/status",
    ["POST"],
    summary="Move a fulfilment on: in_transit, delivered, ready_for_pickup, picked_up or cancelled",
    request=schemas.FULFILMENT_STATUS_CHANGE,
    response=schemas.FULFILMENT,
    tag="admin",
)
def fulfilment_status(order_id, fulfilment_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.FULFILMENT_STATUS_CHANGE)
    return web.json_response(fulfilment.set_status(tenant_id, order_id, fulfilment_id, data))


@routes.api(
    "/api/admin/orders/{order_id}/cancel",
    ["POST"],
    summary="Cancel an order before anything shipped: refunds what was paid, puts the stock back",
    request=schemas.ORDER_CANCEL,
    response=schemas.ORDER,
    tag="admin",
)
def cancel_order(order_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.ORDER_CANCEL)
    return web.json_response(
        _admin_once(
            tenant_id,
            "cancel_order",
            f"POST orders/{order_id}/cancel",
            data,
            lambda: cancellation.cancel(tenant_id, order_id, data.get("reason")),
        )
    )


@routes.api(
    "/api/admin/orders/{order_id}/refunds",
    ["POST"],
    summary="Refund an amount or lines (never more than was paid)",
    request=schemas.REFUND_CREATE,
    response=schemas.REFUND,
    status=201,
    tag="admin",
)
def create_refund(order_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.REFUND_CREATE)
    key = request.headers.get("idempotency-key")
    refund = _admin_once(
        tenant_id,
        "create_refund",
        f"POST orders/{order_id}/refunds",
        data,
        lambda: refunds.manual(tenant_id, order_id, data, key),
    )
    return web.json_response(refund, 201)


@routes.api("/api/admin/return-policy", summary="The shop's return policy", response=schemas.RETURN_POLICY, tag="admin")
def get_return_policy():
    return web.json_response(return_policy.get(web.merchant_tenant(app.current_request)))


@routes.api(
    "/api/admin/return-policy",
    ["PUT"],
    summary="Replace the return policy (terms left out: defaults)",
    request=schemas.RETURN_POLICY_PUT,
    response=schemas.RETURN_POLICY,
    tag="admin",
)
def put_return_policy():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(return_policy.replace(tenant_id, web.body(request, schemas.RETURN_POLICY_PUT)))


@routes.api(
    "/api/admin/return-policy",
    ["PATCH"],
    summary="Change some terms of the return policy",
    request=schemas.RETURN_POLICY_PATCH,
    response=schemas.RETURN_POLICY,
    tag="admin",
)
def patch_return_policy():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(return_policy.update(tenant_id, web.body(request, schemas.RETURN_POLICY_PATCH)))


@routes.api(
    "/api/admin/pickup-locations",
    summary="Where shoppers can pick up orders",
    response=schemas.PICKUP_LOCATION_LIST,
    tag="admin",
)
def get_pickup_locations():
    return web.json_response(fulfilment.pickup_locations(web.merchant_tenant(app.current_request)))


@routes.api(
    "/api/admin/pickup-locations",
    ["PUT"],
    summary="Replace the pickup locations",
    request=schemas.PICKUP_LOCATIONS,
    response=schemas.PICKUP_LOCATION_LIST,
    tag="admin",
)
def put_pickup_locations():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        fulfilment.replace_pickup_locations(tenant_id, web.body(request, schemas.PICKUP_LOCATIONS))
    )


@routes.api(
    "/api/admin/carrier-webhook",
    summary="Where the shop's carrier posts tracking updates, and the secret that signs them",
    response=schemas.CARRIER_WEBHOOK,
    tag="admin",
)
def carrier_webhook_settings():
    request = app.current_request
    return web.json_response(fulfilment.webhook_settings(web.merchant_tenant(request), web.base_url(request)))


@routes.api(
    "/api/admin/returns",
    summary="Returns, newest first (?status=)",
    response=schemas.page_of(schemas.RETURN),
    tag="admin",
)
def list_returns():
    tenant_id = web.merchant_tenant(app.current_request)
    return web.json_response(returns.list_returns(tenant_id, **_page_args(), status=_query("status")))


@routes.api("/api/admin/returns/{return_id}", summary="A return", response=schemas.RETURN, tag="admin")
def get_return(return_id):
    return web.json_response(returns.get(web.merchant_tenant(app.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/approve",
    ["POST"],
    summary="Approve a requested return",
    response=schemas.RETURN,
    tag="admin",
)
def approve_return(return_id):
    return web.json_response(returns.approve(web.merchant_tenant(app.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/reject",
    ["POST"],
    summary="Reject a requested return",
    response=schemas.RETURN,
    tag="admin",
)
def reject_return(return_id):
    return web.json_response(returns.reject(web.merchant_tenant(app.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/receive",
    ["POST"],
    summary="The parcel arrived: each item's condition; "
    "restocks the resellable ones and refunds (or credits, or exchanges)",
    request=schemas.RETURN_RECEIVE,
    response=schemas.RETURN,
    tag="admin",
)
def receive_return(return_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(returns.receive(tenant_id, return_id, web.body(request, schemas.RETURN_RECEIVE)))


@routes.api(
    "/api/admin/discounts",
    ["POST"],
    summary="Create a discount code",
    request=schemas.DISCOUNT_CREATE,
    response=schemas.DISCOUNT,
    status=201,
    tag="admin",
)
def create_discount():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.DISCOUNT_CREATE)
    discount = idempotency.once(
        operation="create_discount",
        scope=f"{tenant_id}|POST /api/admin/discounts|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"),
        body=data,
        create=lambda: discounts.create(tenant_id, data),
    )
    return web.json_response(discount, 201)


@routes.api(
    "/api/admin/discounts", summary="The shop's discount codes", response=schemas.page_of(schemas.DISCOUNT), tag="admin"
)
def list_discounts():
    return web.json_response(discounts.list_discounts(web.merchant_tenant(app.current_request)))


@routes.api(
    "/api/admin/shipping-rates",
    summary="The shop's shipping rates (none: shipping is free)",
    response=schemas.SHIPPING_TABLE,
    tag="admin",
)
def get_shipping_rates():
    return web.json_response(shipping.get(web.merchant_tenant(app.current_request)))


@routes.api(
    "/api/admin/shipping-rates",
    ["PUT"],
    summary="Replace the shop's shipping rates",
    request=schemas.SHIPPING_RATES,
    response=schemas.SHIPPING_TABLE,
    tag="admin",
)
def put_shipping_rates():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(shipping.replace(tenant_id, web.body(request, schemas.SHIPPING_RATES)))


@routes.api(
    "/api/admin/tax-rates",
    summary="Tax per destination country (none: no tax), prices with or without tax",
    response=schemas.TAX_TABLE,
    tag="admin",
)
def get_tax_rates():
    return web.json_response(taxes.get(web.merchant_tenant(app.current_request)))


@routes.api(
    "/api/admin/tax-rates",
    ["PUT"],
    summary="Replace the tax rates and/or the prices-include-tax mode",
    request=schemas.TAX_RATES,
    response=schemas.TAX_TABLE,
    tag="admin",
)
def put_tax_rates():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(taxes.replace(tenant_id, web.body(request, schemas.TAX_RATES)))


@routes.api(
    "/api/admin/payments/account",
    ["POST"],
    summary="Connect a Stripe account (Connect onboarding)",
    request=schemas.PAYMENTS_CONNECT,
    response=schemas.PAYMENT_ACCOUNT,
    status=201,
    tag="admin",
)
def connect_payments():
    request = app.current_request
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
    return web.json_response(payment_accounts.refresh(web.merchant_tenant(app.current_request)))


@routes.api(
    "/api/admin/payments/account-link",
    ["POST"],
    summary="A Stripe onboarding link for the shop's account",
    request=schemas.PAYMENTS_LINK,
    response=schemas.ACCOUNT_LINK,
    status=201,
    tag="admin",
)
def payments_link():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PAYMENTS_LINK)
    back = tenants.storefront_url(tenants.get_shop(tenant_id), web.host(request), web.scheme(request))
    return web.json_response(
        payment_accounts.onboarding_link(
            tenant_id, return_url=data.get("return_url", back), refresh_url=data.get("refresh_url", back)
        ),
        201,
    )


# Operator ---------------------------------------------------------------


@routes.api("/api/operator/tenants", summary="All shops", response=schemas.page_of(schemas.TENANT), tag="operator")
def operator_tenants():
    web.operator(app.current_request)
    return web.json_response(tenants.list_tenants(**_page_args()))


@routes.api(
    "/api/operator/tenants/{tenant_id}/suspend",
    ["POST"],
    summary="Suspend a shop",
    response=schemas.TENANT,
    tag="operator",
)
def operator_suspend(tenant_id):
    web.operator(app.current_request)
    return web.json_response(tenants.set_status(tenant_id, "suspended"))


@routes.api(
    "/api/operator/tenants/{tenant_id}/reactivate",
    ["POST"],
    summary="Reactivate a shop",
    response=schemas.TENANT,
    tag="operator",
)
def operator_reactivate(tenant_id):
    web.operator(app.current_request)
    return web.json_response(tenants.set_status(tenant_id, "active"))


@routes.api(
    "/api/operator/sla",
    summary="Per-tenant availability and latency for a month (default: this one)",
    response=schemas.SLA_REPORT,
    tag="operator",
)
def operator_sla():
    web.operator(app.current_request)
    return web.json_response(sla.report(tenants.plans, _query("month")))


# Storefront -------------------------------------------------------------


def _platform_home():
    return web.html_response(storefront.platform_home(web.base_url(app.current_request), None))


@routes.storefront("/", summary="Shop home page", html=True, on_platform_host=_platform_home)
def home(shop, base_path):
    return web.html_response(storefront.home_page(shop, base_path, _query("cursor")))


@routes.storefront("/products/{handle}", summary="Product page", html=True)
def product_page(shop, base_path, handle):
    url = web.base_url(app.current_request) + f"{base_path}/products/{handle}"
    return web.html_response(storefront.product_page(shop, base_path, handle, url))


@routes.storefront("/cart", summary="Cart page (the cart named by the `cart` cookie)", html=True)
def cart_page(shop, base_path):
    cart_id = _cookie("cart")
    cart = carts.for_page(shop.tenant_id, cart_id)
    headers = _forget_cart(base_path) if cart_id and cart is None else None
    return web.html_response(storefront.cart_page(shop, base_path, cart), headers=headers)


@routes.storefront(
    "/orders/{order_id}", summary="Order status page (where the payment page sends the shopper)", html=True
)
def order_page(shop, base_path, order_id):
    page = orders.for_status_page(shop.tenant_id, order_id, _query("checkout"))
    if page["order"] is None:
        return web.html_response(
            storefront.order_pending_page(shop, base_path, page["message"]), 202, headers={"Refresh": "2"}
        )
    headers = _forget_cart(base_path) if _cookie("cart") == page["order"]["cart_id"] else None
    return web.html_response(storefront.order_status_page(shop, base_path, page["order"]), headers=headers)


@routes.storefront(
    "/api/store/products", summary="Active products, newest first", response=schemas.page_of(schemas.PRODUCT)
)
def store_products(shop, base_path):
    return web.json_response(catalog.list_products(shop.tenant_id, active_only=True, **_page_args()))


@routes.storefront(
    "/api/store/carts", ["POST"], summary="Start a cart", request=schemas.CART_CREATE, response=schemas.CART, status=201
)
def create_cart(shop, base_path):
    web.body(app.current_request, schemas.CART_CREATE)
    cart = _store_once(
        shop, "create_cart", "POST /api/store/carts", "new", {}, lambda: carts.create(shop.tenant_id, shop.currency)
    )
    return web.json_response(cart, 201)


@routes.storefront("/api/store/carts/{cart_id}", summary="A cart", response=schemas.CART)
def get_cart(shop, base_path, cart_id):
    return web.json_response(carts.get(shop.tenant_id, cart_id))


@routes.storefront(
    "/api/store/carts/{cart_id}/items",
    ["POST"],
    summary="Add to a cart (adds to the variant's line)",
    request=schemas.CART_ITEM,
    response=schemas.CART,
)
def add_cart_item(shop, base_path, cart_id):
    data = web.body(app.current_request, schemas.CART_ITEM)
    return web.json_response(
        _store_once(
            shop,
            "cart_add_item",
            "POST items",
            cart_id,
            data,
            lambda: carts.add_item(shop.tenant_id, cart_id, data["variant_id"], data["quantity"]),
        )
    )


@routes.storefront(
    "/api/store/carts/{cart_id}/items/{variant_id}",
    ["PATCH"],
    summary="Set a line's quantity (0 removes it)",
    request=schemas.CART_ITEM_PATCH,
    response=schemas.CART,
)
def set_cart_item(shop, base_path, cart_id, variant_id):
    data = web.body(app.current_request, schemas.CART_ITEM_PATCH)
    return web.json_response(
        _store_once(
            shop,
            "cart_set_item",
            f"PATCH items/{variant_id}",
            cart_id,
            data,
            lambda: carts.set_quantity(shop.tenant_id, cart_id, variant_id, data["quantity"]),
        )
    )


@routes.storefront(
    "/api/store/carts/{cart_id}/items/{variant_id}", ["DELETE"], summary="Remove a line", response=schemas.CART
)
def remove_cart_item(shop, base_path, cart_id, variant_id):
    return web.json_response(
        _store_once(
            shop,
            "cart_remove_item",
            f"DELETE items/{variant_id}",
            cart_id,
            {},
            lambda: carts.set_quantity(shop.tenant_id, cart_id, variant_id, 0),
        )
    )


@routes.storefront(
    "/api/store/carts/{cart_id}/checkout",
    ["POST"],
    summary="Check out: reserves the stock and opens the payment (poll the checkout)",
    request=schemas.CHECKOUT,
    response=schemas.CHECKOUT_STARTED,
    status=202,
)
def start_checkout(shop, base_path, cart_id):
    request = app.current_request
    data = web.body(request, schemas.CHECKOUT)
    started = _store_once(
        shop,
        "checkout",
        "POST checkout",
        cart_id,
        data,
        lambda: checkout.start(shop, cart_id, data, web.base_url(request) + base_path),
    )
    return web.json_response(started, 202)


@routes.storefront(
    "/api/store/checkouts/{checkout_id}",
    summary="Where a checkout stands (payment_url, order_id)",
    response=schemas.CHECKOUT_STATUS,
)
def get_checkout(shop, base_path, checkout_id):
    return web.json_response(checkout.view(shop.tenant_id, checkout_id))


@routes.storefront(
    "/api/store/orders/lookup",
    ["POST"],
    summary="Find an order by its number and email",
    request=schemas.ORDER_LOOKUP,
    response=schemas.ORDER_LOOKUP_RESPONSE,
)
def lookup_order(shop, base_path):
    request = app.current_request
    data = web.body(request, schemas.ORDER_LOOKUP)
    order_id = orders.lookup(shop.tenant_id, data["number"], data["email"])
    return web.json_response(
        {"order_id": order_id, "status_url": f"{web.base_url(request)}{base_path}/orders/{order_id}"}
    )


@routes.storefront(
    "/api/store/orders/{order_id}/returns",
    ["POST"],
    summary="Ask to return items of an order (its email proves it is yours)",
    request=schemas.RETURN_REQUEST,
    response=schemas.RETURN,
    status=201,
)
def request_return(shop, base_path, order_id):
    request = app.current_request
    data = web.body(request, schemas.RETURN_REQUEST)
    created = idempotency.once(
        operation="request_return",
        scope=f"{shop.tenant_id}|POST returns|order:{order_id}",
        key=request.headers.get("idempotency-key"),
        body=data,
        create=lambda: returns.request(shop, order_id, data, web.base_url(request) + base_path),
    )
    return web.json_response(created, 201)


@routes.storefront("/api/store/returns/{return_id}", summary="Where a return stands", response=schemas.RETURN)
def store_return(shop, base_path, return_id):
    return web.json_response(returns.for_shopper(shop.tenant_id, return_id))


@routes.storefront(
    "/api/store/returns/{return_id}/shipped",
    ["POST"],
    summary="The shopper sent the parcel back",
    request=schemas.RETURN_SHIPPED,
    response=schemas.RETURN,
)
def return_shipped(shop, base_path, return_id):
    data = web.body(app.current_request, schemas.RETURN_SHIPPED)
    return web.json_response(returns.shipped(shop.tenant_id, return_id, data))


@routes.storefront("/returns/{return_id}", summary="Return status page", html=True)
def return_page(shop, base_path, return_id):
    return web.html_response(
        storefront.return_status_page(shop, base_path, returns.for_page(shop.tenant_id, return_id))
    )


# Everything else: the shop's friendly 404 (API Gateway's greedy route; the local server maps misses here too).
@routes.catch_all
def not_found(proxy):
    raise NotFound("Nothing here")


# Workflow tasks ---------------------------------------------------------


@app.lambda_function(name="workflow_task")
def workflow_task(event, context):
    return workflows.run_task(event)


# Scheduled --------------------------------------------------------------


@app.schedule(Rate(5, unit=Rate.MINUTES), name="sweep_reservations")
def sweep_reservations(event):
    """Releases stock held by checkouts whose workflow is gone (locally the server runs this every minute)."""
    return checkout.sweep()
