"""The storefront: a shop's pages and its shoppers' JSON API (/api/store), each on the shop's own
host and under /s/{subdomain} (web.Routes.storefront registers both). The anonymous pages are `cached` at
the edge (chalicelib/edge.py); a shopper's own pages and every API answer are `private, no-store`, as every
answer that does not say otherwise."""

from chalice import Blueprint, Response

from chalicelib import (
    assets,
    carts,
    catalog,
    checkout,
    hosts,
    idempotency,
    languages,
    orders,
    return_requests,
    returns,
    schemas,
    storefront,
    throttle,
    web,
)

bp = Blueprint(__name__)
routes = web.Routes(bp)


def _forget_cart(shop, base_path: str) -> dict:
    """Drops the storefront's `cart` cookie (set by the theme's script at the shop's root, whatever the page's
    language) once that cart is done with."""
    root = languages.root_of(shop, base_path, languages.current().language)
    return {"Set-Cookie": f"cart=; Max-Age=0; Path={root or '/'}; SameSite=Lax"}


def _store_once(shop, operation: str, route: str, target: str, body, create):
    """An anonymous storefront write, idempotent per `Idempotency-Key` scoped to the shop, route and the cart or
    order it writes to (`target`, e.g. "cart:<id>")."""
    return idempotency.once(
        operation=operation,
        scope=f"{shop.tenant_id}|{route}|{target}",
        key=bp.current_request.headers.get("idempotency-key"),
        body=body,
        create=create,
    )


def _base(shop, base_path: str) -> str:
    """Where this request's links into the shop start (hosts.storefront_base: its own hosts only)."""
    return hosts.storefront_base(shop, web.host(bp.current_request), base_path)


def _platform_home():
    return web.html_response(storefront.platform_home(hosts.platform_base(web.host(bp.current_request)), None))


@routes.storefront(
    "/",
    summary="Shop home page",
    html=True,
    cached=True,
    on_platform_host=_platform_home,
    query={"cursor": schemas.page_query["cursor"]},
)
def home(shop, base_path):
    cursor = web.query(bp.current_request, "cursor")
    return web.html_response(storefront.home_page(shop, base_path, _base(shop, base_path), cursor))


@routes.storefront(
    "/collections/{handle}",
    summary="A collection's page: `all` lists every active product, newest first, a page at a time",
    html=True,
    cached=True,
    query={"cursor": schemas.page_query["cursor"]},
)
def collection_page(shop, base_path, handle):
    cursor = web.query(bp.current_request, "cursor")
    return web.html_response(storefront.collection_page(shop, base_path, _base(shop, base_path), handle, cursor))


@routes.storefront(
    "/search",
    summary="Search page: active products whose title, handle or a SKU contains the words",
    html=True,
    cached=True,
    query={"q": {"type": "string", "maxLength": 200}, "cursor": schemas.page_query["cursor"]},
)
def search_page(shop, base_path):
    request = bp.current_request
    query, cursor = web.query(request, "q") or "", web.query(request, "cursor")
    return web.html_response(storefront.search_page(shop, base_path, _base(shop, base_path), query, cursor))


@routes.storefront("/products/{handle}", summary="Product page", html=True, cached=True)
def product_page(shop, base_path, handle):
    return web.html_response(storefront.product_page(shop, base_path, _base(shop, base_path), handle))


@routes.storefront(
    "/policies/{kind}",
    summary="A policy page: refund, shipping (both from the shop's settings), privacy or terms (the merchant's text)",
    html=True,
    cached=True,
)
def policy_page(shop, base_path, kind):
    return web.html_response(storefront.policy_page(shop, base_path, _base(shop, base_path), kind))


@routes.storefront("/cart", summary="Cart page (the cart named by the `cart` cookie)", html=True)
def cart_page(shop, base_path):
    cart_id = web.cookie(bp.current_request, "cart")
    cart = carts.for_page(shop.tenant_id, cart_id)
    headers = _forget_cart(shop, base_path) if cart_id and cart is None else None
    return web.html_response(storefront.cart_page(shop, base_path, cart), headers=headers)


@routes.storefront(
    "/orders/{order_id}",
    summary="Order status page (where the payment page sends the shopper; 202 while the payment is confirmed)",
    status=(200, 202),
    html=True,
    query={"checkout": {"type": "string", "description": "The checkout the payment page came back from"}},
)
def order_page(shop, base_path, order_id):
    request = bp.current_request
    page = orders.for_status_page(shop.tenant_id, order_id, web.query(request, "checkout"))
    if page["order"] is None:
        return web.html_response(storefront.order_pending_page(shop, base_path, page["message"]), 202, {"Refresh": "2"})
    headers = _forget_cart(shop, base_path) if web.cookie(request, "cart") == page["order"]["cart_id"] else None
    return web.html_response(storefront.order_status_page(shop, base_path, page["order"]), headers=headers)


@routes.storefront(
    "/theme-settings.css",
    summary="The shop's theme settings (colours, font) as the stylesheet its pages load; long-cached, versioned by ?v=",
    media=("text/css",),
)
def theme_settings(shop, base_path):
    return Response(
        body=storefront.theme_settings_css(shop),
        status_code=200,
        headers={"Content-Type": "text/css; charset=utf-8", **assets.HEADERS},
    )


@routes.storefront(
    "/api/store/products",
    summary="Active products, newest first",
    response=schemas.page_of(schemas.PRODUCT),
    query=schemas.page_query,
)
def store_products(shop, base_path):
    return web.json_response(
        catalog.list_products(shop.tenant_id, active_only=True, **web.page_args(bp.current_request))
    )


@routes.storefront(
    "/api/store/carts", ["POST"], summary="Start a cart", request=schemas.CART_CREATE, response=schemas.CART, status=201
)
def create_cart(shop, base_path):
    request = bp.current_request
    web.body(request, schemas.CART_CREATE)
    # No cart yet to scope the key to: the client's address, so another shopper's same key makes its own cart.
    cart = _store_once(
        shop,
        "create_cart",
        "POST /api/store/carts",
        f"client:{web.client_address(request)}",
        {},
        lambda: carts.create(shop.tenant_id, shop.currency),
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
    data = web.body(bp.current_request, schemas.CART_ITEM)
    return web.json_response(
        _store_once(
            shop,
            "cart_add_item",
            "POST items",
            f"cart:{cart_id}",
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
    data = web.body(bp.current_request, schemas.CART_ITEM_PATCH)
    return web.json_response(
        _store_once(
            shop,
            "cart_set_item",
            f"PATCH items/{variant_id}",
            f"cart:{cart_id}",
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
            f"cart:{cart_id}",
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
    request = bp.current_request
    data = web.body(request, schemas.CHECKOUT)
    started = _store_once(
        shop,
        "checkout",
        "POST checkout",
        f"cart:{cart_id}",
        data,
        lambda: checkout.start(shop, cart_id, data, _base(shop, base_path)),
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
    throttled=True,
)
def lookup_order(shop, base_path):
    request = bp.current_request
    throttle.charge(throttle.order_lookups(shop.tenant_id, web.client_address(request)))
    data = web.body(request, schemas.ORDER_LOOKUP)
    order_id = orders.lookup(shop.tenant_id, data["number"], data["email"])
    return web.json_response({"order_id": order_id, "status_url": f"{_base(shop, base_path)}/orders/{order_id}"})


@routes.storefront(
    "/api/store/orders/{order_id}/returns",
    ["POST"],
    summary="Ask to return items of an order (its email proves it is yours)",
    request=schemas.RETURN_REQUEST,
    response=schemas.RETURN,
    status=201,
)
def request_return(shop, base_path, order_id):
    request = bp.current_request
    data = web.body(request, schemas.RETURN_REQUEST)
    created = _store_once(
        shop,
        "request_return",
        "POST returns",
        f"order:{order_id}",
        data,
        lambda: return_requests.request(shop, order_id, data, _base(shop, base_path)),
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
    data = web.body(bp.current_request, schemas.RETURN_SHIPPED)
    return web.json_response(return_requests.shipped(shop.tenant_id, return_id, data))


@routes.storefront("/returns/{return_id}", summary="Return status page", html=True)
def return_page(shop, base_path, return_id):
    return web.html_response(
        storefront.return_status_page(shop, base_path, returns.for_page(shop.tenant_id, return_id))
    )
