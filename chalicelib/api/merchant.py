"""The merchant API (/api/admin): a signed-in merchant works on their own shop, whatever the host."""

from chalice import Blueprint

from chalicelib import (
    cancellation,
    carrier_webhooks,
    catalog,
    discounts,
    fulfilment,
    idempotency,
    media,
    orders,
    payment_accounts,
    product_editing,
    refunds,
    return_policy,
    return_requests,
    returns,
    schemas,
    shipping,
    shops,
    taxes,
    tenants,
    web,
)

bp = Blueprint(__name__)
routes = web.Routes(bp)


def _admin_once(tenant_id: str, operation: str, route: str, body, create):
    """A merchant's retryable write, idempotent per `Idempotency-Key` scoped to the shop, route and merchant."""
    request = bp.current_request
    return idempotency.once(
        operation=operation,
        scope=f"{tenant_id}|{route}|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"),
        body=body,
        create=create,
    )


@routes.api("/api/admin/shop", summary="The signed-in merchant's shop", response=schemas.SHOP, tag="admin")
def admin_shop():
    request = bp.current_request
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
    request = bp.current_request
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
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PRODUCT_CREATE)
    shop = tenants.get_shop(tenant_id)
    product = _admin_once(
        tenant_id,
        "create_product",
        "POST /api/admin/products",
        data,
        lambda: product_editing.create_product(tenant_id, shop.currency, data),
    )
    return web.json_response(product, 201)


@routes.api(
    "/api/admin/products", summary="List products, newest first", response=schemas.page_of(schemas.PRODUCT), tag="admin"
)
def list_products():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(catalog.list_products(tenant_id, active_only=False, **web.page_args(request)))


@routes.api("/api/admin/products/{product_id}", summary="A product", response=schemas.PRODUCT, tag="admin")
def get_product(product_id):
    return web.json_response(catalog.get_product(web.merchant_tenant(bp.current_request), product_id))


@routes.api(
    "/api/admin/products/{product_id}",
    ["PATCH"],
    summary="Change a product and its variants",
    request=schemas.PRODUCT_PATCH,
    response=schemas.PRODUCT,
    tag="admin",
)
def update_product(product_id):
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        product_editing.update_product(tenant_id, product_id, web.body(request, schemas.PRODUCT_PATCH))
    )


@routes.api("/api/admin/products/{product_id}", ["DELETE"], summary="Delete a product", status=204, tag="admin")
def delete_product(product_id):
    product_editing.delete_product(web.merchant_tenant(bp.current_request), product_id)
    return web.empty_response()


@routes.api(
    "/api/admin/products/{product_id}/variants/{variant_id}",
    ["DELETE"],
    summary="Remove a variant",
    response=schemas.PRODUCT,
    tag="admin",
)
def delete_variant(product_id, variant_id):
    tenant_id = web.merchant_tenant(bp.current_request)
    return web.json_response(product_editing.delete_variant(tenant_id, product_id, variant_id))


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
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(media.upload(tenant_id, **web.body(request, schemas.MEDIA_UPLOAD)), 201)


@routes.api(
    "/api/admin/orders",
    summary="Orders, newest first (?financial_status= ?fulfillment_status=)",
    response=schemas.page_of(schemas.ORDER),
    tag="admin",
)
def list_orders():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        orders.list_orders(
            tenant_id,
            **web.page_args(request),
            financial_status=web.query(request, "financial_status"),
            fulfillment_status=web.query(request, "fulfillment_status"),
        )
    )


@routes.api(
    "/api/admin/orders/{order_id}",
    summary="An order: lines with their discount and tax allocations, payment, timeline",
    response=schemas.ORDER,
    tag="admin",
)
def get_order(order_id):
    return web.json_response(orders.get(web.merchant_tenant(bp.current_request), order_id))


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
    request = bp.current_request
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
    request = bp.current_request
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
    request = bp.current_request
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
    request = bp.current_request
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
    return web.json_response(return_policy.get(web.merchant_tenant(bp.current_request)))


@routes.api(
    "/api/admin/return-policy",
    ["PUT"],
    summary="Replace the return policy (terms left out: defaults)",
    request=schemas.RETURN_POLICY_PUT,
    response=schemas.RETURN_POLICY,
    tag="admin",
)
def put_return_policy():
    request = bp.current_request
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
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(return_policy.update(tenant_id, web.body(request, schemas.RETURN_POLICY_PATCH)))


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
def put_pickup_locations():
    request = bp.current_request
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
    request = bp.current_request
    return web.json_response(carrier_webhooks.webhook_settings(web.merchant_tenant(request), web.base_url(request)))


@routes.api(
    "/api/admin/returns",
    summary="Returns, newest first (?status=)",
    response=schemas.page_of(schemas.RETURN),
    tag="admin",
)
def list_returns():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        returns.list_returns(tenant_id, **web.page_args(request), status=web.query(request, "status"))
    )


@routes.api("/api/admin/returns/{return_id}", summary="A return", response=schemas.RETURN, tag="admin")
def get_return(return_id):
    return web.json_response(returns.get(web.merchant_tenant(bp.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/approve",
    ["POST"],
    summary="Approve a requested return",
    response=schemas.RETURN,
    tag="admin",
)
def approve_return(return_id):
    return web.json_response(return_requests.approve(web.merchant_tenant(bp.current_request), return_id))


@routes.api(
    "/api/admin/returns/{return_id}/reject",
    ["POST"],
    summary="Reject a requested return",
    response=schemas.RETURN,
    tag="admin",
)
def reject_return(return_id):
    return web.json_response(return_requests.reject(web.merchant_tenant(bp.current_request), return_id))


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
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(return_requests.receive(tenant_id, return_id, web.body(request, schemas.RETURN_RECEIVE)))


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
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.DISCOUNT_CREATE)
    discount = _admin_once(
        tenant_id, "create_discount", "POST /api/admin/discounts", data, lambda: discounts.create(tenant_id, data)
    )
    return web.json_response(discount, 201)


@routes.api(
    "/api/admin/discounts", summary="The shop's discount codes", response=schemas.page_of(schemas.DISCOUNT), tag="admin"
)
def list_discounts():
    return web.json_response(discounts.list_discounts(web.merchant_tenant(bp.current_request)))


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
def put_shipping_rates():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(shipping.replace(tenant_id, web.body(request, schemas.SHIPPING_RATES)))


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
def put_tax_rates():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(taxes.replace(tenant_id, web.body(request, schemas.TAX_RATES)))


@routes.api(
    "/api/admin/payments/account",
    ["POST"],
    summary="Connect a Stripe account (Connect onboarding); 200 with the account when it exists",
    request=schemas.PAYMENTS_CONNECT,
    response=schemas.PAYMENT_ACCOUNT,
    status=(201, 200),
    tag="admin",
)
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
def payments_link():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PAYMENTS_LINK)
    back = tenants.storefront_url(tenants.get_shop(tenant_id), web.host(request), web.scheme(request))
    return web.json_response(
        payment_accounts.onboarding_link(
            tenant_id, return_url=data.get("return_url", back), refresh_url=data.get("refresh_url", back)
        ),
        201,
    )
