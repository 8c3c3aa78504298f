"""The Chalice app: route wiring only. Each view parses, calls one domain function, shapes the answer."""
from chalice import Chalice

from chalicelib import catalog, cursors, idempotency, media, onboarding, openapi, schemas, shops, sla, storefront, tenants, \
    web, workflows
from chalicelib.errors import NotFound
from chalicelib.observability import logger

app = Chalice(app_name="shopbuilder")
app.log = logger
routes = web.Routes(app)


def _query(name: str) -> str | None:
    return (app.current_request.query_params or {}).get(name)


def _page_args() -> dict:
    return {"limit": cursors.limit(_query("limit")), "cursor": _query("cursor")}


# Platform ---------------------------------------------------------------

@routes.api("/healthz", summary="Liveness", response=schemas.HEALTH, tag="platform")
def healthz():
    return web.json_response({"status": "ok"})


@routes.api("/openapi.json", summary="This document", tag="platform")
def openapi_document():
    return web.json_response(openapi.document(web.base_url(app.current_request)))


@routes.api("/api/merchants/signup", ["POST"], summary="Open a shop", request=schemas.SIGNUP,
            response=schemas.SIGNUP_RESPONSE, status=201, tag="platform")
def signup():
    request = app.current_request
    data = web.body(request, schemas.SIGNUP)
    result = tenants.signup(**data)
    onboarding.start(result["shop"])
    shop = tenants.shop_to_dict(result["shop"], web.host(request), web.scheme(request))
    return web.json_response({"token": result["token"], "shop": shop}, 201)


@routes.api("/api/auth/login", ["POST"], summary="Sign in (merchant or operator)", request=schemas.LOGIN,
            response=schemas.TOKEN_RESPONSE, tag="platform")
def login():
    return web.json_response({"token": tenants.login(**web.body(app.current_request, schemas.LOGIN))})


# Merchant admin ---------------------------------------------------------

@routes.api("/api/admin/shop", summary="The signed-in merchant's shop", response=schemas.SHOP, tag="admin")
def admin_shop():
    request = app.current_request
    return web.json_response(shops.profile(web.merchant_tenant(request), web.host(request), web.scheme(request)))


@routes.api("/api/admin/shop", ["PATCH"], summary="Rename the shop, tune its theme, attach a domain",
            request=schemas.SHOP_PATCH, response=schemas.SHOP, tag="admin")
def admin_shop_update():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    shops.update(tenant_id, web.body(request, schemas.SHOP_PATCH))
    return web.json_response(shops.profile(tenant_id, web.host(request), web.scheme(request)))


@routes.api("/api/admin/products", ["POST"], summary="Create a product", request=schemas.PRODUCT_CREATE,
            response=schemas.PRODUCT, status=201, tag="admin")
def create_product():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    data = web.body(request, schemas.PRODUCT_CREATE)
    shop = tenants.get_shop(tenant_id)
    product = idempotency.once(
        operation="create_product", scope=f"{tenant_id}|POST /api/admin/products|{web.bearer(request)['sub']}",
        key=request.headers.get("idempotency-key"), body=data,
        create=lambda: catalog.create_product(tenant_id, shop.currency, data))
    return web.json_response(product, 201)


@routes.api("/api/admin/products", summary="List products, newest first",
            response=schemas.page_of(schemas.PRODUCT), tag="admin")
def list_products():
    tenant_id = web.merchant_tenant(app.current_request)
    return web.json_response(catalog.list_products(tenant_id, active_only=False, **_page_args()))


@routes.api("/api/admin/products/{product_id}", summary="A product", response=schemas.PRODUCT, tag="admin")
def get_product(product_id):
    return web.json_response(catalog.get_product(web.merchant_tenant(app.current_request), product_id))


@routes.api("/api/admin/products/{product_id}", ["PATCH"], summary="Change a product and its variants",
            request=schemas.PRODUCT_PATCH, response=schemas.PRODUCT, tag="admin")
def update_product(product_id):
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(catalog.update_product(tenant_id, product_id, web.body(request, schemas.PRODUCT_PATCH)))


@routes.api("/api/admin/products/{product_id}", ["DELETE"], summary="Delete a product", status=204, tag="admin")
def delete_product(product_id):
    catalog.delete_product(web.merchant_tenant(app.current_request), product_id)
    return web.empty_response()


@routes.api("/api/admin/products/{product_id}/variants/{variant_id}", ["DELETE"], summary="Remove a variant",
            response=schemas.PRODUCT, tag="admin")
def delete_variant(product_id, variant_id):
    tenant_id = web.merchant_tenant(app.current_request)
    return web.json_response(catalog.delete_variant(tenant_id, product_id, variant_id))


@routes.api("/api/admin/media", ["POST"], summary="Upload an image (base64); use its key in a product's images",
            request=schemas.MEDIA_UPLOAD, response=schemas.MEDIA, status=201, tag="admin")
def upload_media():
    request = app.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(media.upload(tenant_id, **web.body(request, schemas.MEDIA_UPLOAD)), 201)


# Operator ---------------------------------------------------------------

@routes.api("/api/operator/tenants", summary="All shops", response=schemas.page_of(schemas.TENANT), tag="operator")
def operator_tenants():
    web.operator(app.current_request)
    return web.json_response(tenants.list_tenants(**_page_args()))


@routes.api("/api/operator/tenants/{tenant_id}/suspend", ["POST"], summary="Suspend a shop",
            response=schemas.TENANT, tag="operator")
def operator_suspend(tenant_id):
    web.operator(app.current_request)
    return web.json_response(tenants.set_status(tenant_id, "suspended"))


@routes.api("/api/operator/tenants/{tenant_id}/reactivate", ["POST"], summary="Reactivate a shop",
            response=schemas.TENANT, tag="operator")
def operator_reactivate(tenant_id):
    web.operator(app.current_request)
    return web.json_response(tenants.set_status(tenant_id, "active"))


@routes.api("/api/operator/sla", summary="Per-tenant availability and latency for a month (default: this one)",
            response=schemas.SLA_REPORT, tag="operator")
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


@routes.storefront("/cart", summary="Cart page", html=True)
def cart_page(shop, base_path):
    return web.html_response(storefront.cart_page(shop, base_path, None))


@routes.storefront("/api/store/products", summary="Active products, newest first",
                   response=schemas.page_of(schemas.PRODUCT))
def store_products(shop, base_path):
    return web.json_response(catalog.list_products(shop.tenant_id, active_only=True, **_page_args()))


# Everything else: the shop's friendly 404 (API Gateway's greedy route; the local server maps misses here too).
@routes.catch_all
def not_found(proxy):
    raise NotFound("Nothing here")


# Workflow tasks ---------------------------------------------------------

@app.lambda_function(name="workflow_task")
def workflow_task(event, context):
    return workflows.run_task(event)
