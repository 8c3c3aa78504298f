"""The merchant's catalogue: products, their variants, and the images they show."""

from chalice import Blueprint

from chalicelib import audit, catalog, media, product_editing, product_translations, schemas, tenants, web
from chalicelib.api.merchant import admin_once
from chalicelib.api.merchant.auditing import MEDIA, PRODUCT, Audited, actor, change

bp = Blueprint(__name__)
routes = web.Routes(bp)
audited = Audited(bp)


@routes.api(
    "/api/admin/products",
    ["POST"],
    summary="Create a product",
    request=schemas.PRODUCT_CREATE,
    response=schemas.PRODUCT,
    status=201,
    tag="admin",
)
@audited(PRODUCT, created="id")
def create_product():
    product = admin_once(
        bp.current_request,
        schemas.PRODUCT_CREATE,
        "create_product",
        "POST /api/admin/products",
        lambda tenant_id, data: product_editing.create_product(tenant_id, tenants.get_shop(tenant_id).currency, data),
    )
    return web.json_response(product, 201)


@routes.api(
    "/api/admin/products",
    summary="List products, newest first (?status= ?q= a part of the title, handle or a SKU)",
    response=schemas.page_of(schemas.PRODUCT),
    tag="admin",
    query=schemas.product_query,
)
def list_products():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(catalog.list_products(tenant_id, active_only=False, **product_filters(request)))


def product_filters(request) -> dict:
    """The merchant's list of products as a request asks for it: its page and filters (the admin's too)."""
    return {**web.page_args(request), "status": web.query(request, "status"), "search": web.query(request, "q")}


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
@audited(PRODUCT, "product_id")
def update_product(product_id):
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    return web.json_response(
        product_editing.update_product(tenant_id, product_id, web.body(request, schemas.PRODUCT_PATCH))
    )


@routes.api("/api/admin/products/{product_id}", ["DELETE"], summary="Delete a product", status=204, tag="admin")
@audited(PRODUCT, "product_id")
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
@audited(PRODUCT, "product_id")
def delete_variant(product_id, variant_id):
    tenant_id = web.merchant_tenant(bp.current_request)
    return web.json_response(product_editing.delete_variant(tenant_id, product_id, variant_id))


@routes.api(
    "/api/admin/media",
    summary="The shop's uploaded images, oldest first (to pick a product's images from)",
    response=schemas.page_of(schemas.MEDIA),
    tag="admin",
    query=schemas.page_query,
)
def list_media():
    request = bp.current_request
    return web.json_response(media.list_media(web.merchant_tenant(request), **web.page_args(request)))


@routes.api(
    "/api/admin/media/uploads",
    ["POST"],
    summary="Start an image upload: the browser posts the file straight to storage (a presigned POST for this "
    "type and size), then names its key in a product's images",
    request=schemas.MEDIA_UPLOAD,
    response=schemas.MEDIA_UPLOAD_STARTED,
    status=201,
    tag="admin",
)
@Audited.creates(MEDIA)
def start_media_upload():
    request = bp.current_request
    tenant_id = web.merchant_tenant(request)
    started = start_upload(tenant_id, actor(web.bearer(request), "api"), web.body(request, schemas.MEDIA_UPLOAD))
    return web.json_response(started, 201)


def start_upload(tenant_id: str, who: audit.Actor, data: dict) -> dict:
    """media.start_upload, audited (the API's route and the admin's product page): the log keeps what is being
    uploaded, not the signed policy and session token the browser posts with."""
    started: dict = {}

    def start():
        started.update(media.start_upload(tenant_id, **data))
        return {"key": started["key"], **data}

    change(tenant_id, who, "start_media_upload", MEDIA, None, start, created="key")
    return started


@routes.api(
    "/api/admin/products/{product_id}/translations/{language}",
    ["PUT"],
    summary="The product's title, description and handle in another of the shop's languages",
    request=schemas.PRODUCT_TRANSLATION,
    response=schemas.PRODUCT,
    tag="admin",
)
@audited(PRODUCT, "product_id")
def translate_product(product_id, language):
    request = bp.current_request
    shop = tenants.get_shop(web.merchant_tenant(request))
    data = web.body(request, schemas.PRODUCT_TRANSLATION)
    return web.json_response(product_translations.translate(shop, product_id, language, data))


@routes.api(
    "/api/admin/products/{product_id}/translations/{language}",
    ["DELETE"],
    summary="Drop the product's words in that language (its pages there show its own)",
    response=schemas.PRODUCT,
    tag="admin",
)
@audited(PRODUCT, "product_id")
def untranslate_product(product_id, language):
    shop = tenants.get_shop(web.merchant_tenant(bp.current_request))
    return web.json_response(product_translations.untranslate(shop, product_id, language))
