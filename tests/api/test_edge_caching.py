"""What the edge may keep: every route of the app's route table answers `private, no-store` unless it is an
anonymous storefront page (or a versioned file), and those pages are the same bytes for every shopper."""

import re

import pytest
import requests

from chalicelib import edge, languages, themes
from tests.support.admin import header, signed_in

# The anonymous storefront pages, as registered (before the /s/{subdomain} and language forms).
PUBLIC_PAGES = {"/", "/collections/{handle}", "/search", "/products/{handle}", "/policies/{kind}"}
# Files whose URL carries their version (?v=) or that never change: cached for long, never personal.
FILES = {"/assets/{folder}/{name}", "/theme-settings.css", "/docs/{asset}"}
LANGUAGE_SEGMENTS = {languages.segment(tag) for tag in languages.SUPPORTED}


def _page_of(path: str) -> str:
    """A route's path without its tenancy form (/s/{subdomain}) and language prefix: '/zh-cn/search' -> '/search'."""
    path = path.removeprefix("/s/{subdomain}") or "/"
    first, _, rest = path.lstrip("/").partition("/")
    return "/" + rest if first in LANGUAGE_SEGMENTS else path


@pytest.fixture(scope="module")
def sold(shared_shop, stripe):
    """The module's own shop, speaking English and Chinese, with a delivered order, a return asked for, a
    collection, a cart and a checkout: every id a route's path can name."""
    shop = shared_shop
    assert shop.admin.patch("/api/admin/shop", {"languages": ["en", "zh-CN"]}).status_code == 200
    order = shop.delivered_order(stripe)
    asked = shop.ask_return(order, [(shop.shirt, 1)])
    assert asked.status_code == 201, asked.body
    product_id = shop.shirt.split("_")[0]
    cart_id = shop.cart((shop.mug, 1))
    return {
        "shop": shop,
        "values": {
            "subdomain": shop.subdomain,
            "order_id": order["id"],
            "return_id": asked.json["id"],
            "product_id": product_id,
            "variant_id": shop.mug,
            "cart_id": cart_id,
            "checkout_id": shop.checkout(shop.cart((shop.mug, 1))).json["checkout_id"],
            "kind": "refund",
            "folder": "_common",
            "name": "storefront.css",
            "asset": "reference.js",
            "template": "product.html",
            "tenant_id": shop.tenant_id,
            "shop_id": shop.tenant_id,
            "proxy": "no/such/page",
        },
        "handles": {
            "/collections/{handle}": "all",
            "/products/{handle}": shop.admin.get(f"/api/admin/products/{product_id}").json["handle"],
        },
    }


def _filled(path: str, sold: dict) -> str:
    page = _page_of(path)
    values = {**sold["values"], "handle": sold["handles"].get(page, "x")}
    return re.sub(r"{(\w+)\+?}", lambda m: values.get(m[1], "x"), path)


def _expected(path: str, method: str, status: int) -> str | None:
    """The Cache-Control this answer must carry (None: a versioned file, checked apart)."""
    page = _page_of(path)
    if method == "GET" and page in FILES and status == 200:
        return None
    public_page = method == "GET" and (page in PUBLIC_PAGES or path == "/{proxy+}")
    if public_page and status == 200:
        return edge.PUBLIC
    if public_page and status == 404:
        return edge.NOT_FOUND
    return edge.PRIVATE


def test_every_route_is_private_unless_it_is_an_anonymous_storefront_page(app, client, sold, operator, live_server):
    """Each (path, method) of the route table, called as its audience would (signed in where it needs it):
    only the anonymous pages are public; a cart, checkout, order, return, preview, admin, operator or account
    answer is `private, no-store`, whatever its status. The greedy route goes through the local server (the
    test client cannot match it), as API Gateway sends it."""
    shop = sold["shop"]
    admin = signed_in(client, (None, {"shop": {"subdomain": shop.subdomain}}))
    store_host = {"host": f"{shop.subdomain}.localhost:8000"}
    walked = {"public": 0, "private": 0, "files": 0}
    for path, methods in sorted(app.routes.items()):
        for method in sorted(methods):
            url = _filled(path, sold)
            if path == "/{proxy+}":
                answer = requests.request(method, live_server + url, headers=store_host, data="{}")
            elif method != "GET":  # anonymous writes: refused or harmless, and never cacheable
                answer = getattr(client.http, method.lower())(url, headers={**store_host}, body="{}")
            elif path.startswith("/admin"):
                answer = admin.get(url)
            elif path.startswith("/api/admin"):
                answer = client.http.get(url, headers={**store_host, "authorization": f"Bearer {shop.admin.token}"})
            elif path.startswith("/api/operator"):
                answer = client.http.get(url, headers={"authorization": f"Bearer {operator.token}"})
            else:
                answer = client.http.get(url, headers=store_host)
            assert answer.status_code < 500, (method, url, answer.status_code)
            cache = header(answer, "cache-control")
            wanted = _expected(path, method, answer.status_code)
            if wanted is None:
                assert cache.startswith("public, max-age=") and "s-maxage" not in cache, (url, cache)
                walked["files"] += 1
                continue
            assert cache == wanted, (method, url, answer.status_code, cache)
            if wanted != edge.PRIVATE:
                assert header(answer, "set-cookie") is None, (method, url)
            walked["public" if wanted != edge.PRIVATE else "private"] += 1
    assert walked["public"] >= 20 and walked["private"] >= 150, walked


def test_a_preview_of_a_public_page_is_private(sold):
    shop = sold["shop"]
    preview = shop.admin.post("/api/admin/theme/preview")
    assert preview.status_code == 201, preview.body
    token = preview.json["url"].split("preview=")[1]
    answer = shop.store.get(f"/?preview={token}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == edge.PRIVATE


def test_a_suspended_shops_pages_are_not_stored(sold, operator, client):
    shop = sold["shop"]
    assert operator.post(f"/api/operator/tenants/{shop.tenant_id}/suspend").status_code == 200
    try:
        for path in ("/", f"/products/{sold['handles']['/products/{handle}']}", "/no-such-page"):
            answer = shop.store.get(path)
            assert answer.status_code == 503 and answer.headers["Cache-Control"] == edge.PRIVATE, path
    finally:
        assert operator.post(f"/api/operator/tenants/{shop.tenant_id}/reactivate").status_code == 200


@pytest.mark.parametrize("theme", themes.names())
def test_two_anonymous_shoppers_get_the_same_bytes_of_every_public_page(sold, client, theme):
    """One shopper arrives with nothing, the other with a cart (its id and count in cookies) and cookies of
    their own: every public page, in every language, is byte for byte the same, so the edge may serve either
    to both."""
    shop = sold["shop"]
    assert shop.admin.patch("/api/admin/shop", {"theme": {"name": theme}}).status_code == 200
    product = sold["handles"]["/products/{handle}"]
    pages = ["/", "/collections/all", "/search?q=shirt", f"/products/{product}"]
    pages += [f"/policies/{kind}" for kind in ("refund", "shipping", "privacy", "terms")]
    with_cart = f"cart={sold['values']['cart_id']}; cart_count=1; theme_seen=1; _ga=GA1.2.3"
    host = f"{shop.subdomain}.localhost:8000"
    for prefix in ("", "/zh-cn", f"/s/{shop.subdomain}", f"/s/{shop.subdomain}/zh-cn"):
        for page in pages:
            url = prefix + page if page != "/" or not prefix else prefix
            first = client.http.get(url, headers={"host": host})
            second = client.http.get(url, headers={"host": host, "cookie": with_cart})
            assert first.status_code == 200, (url, first.status_code)
            assert first.body == second.body, url
            for answer in (first, second):
                assert header(answer, "cache-control") == edge.PUBLIC and header(answer, "set-cookie") is None, url
