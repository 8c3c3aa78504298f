"""Security headers, through the local server as a browser meets them: every page carries a Content-Security-Policy
that refuses framing and inline script, every answer (JSON, media, scripts) `nosniff` and a Referrer-Policy, and
HSTS comes with HTTPS (in AWS), never because a client says so. Storefront pages run no inline script: it is in
files, the data it needs in `data-` attributes."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib import catalog, settings, tenants
from infra.local import seed

# One worker runs the module, so the shop with its delivered order and return (`sold`) is made once, not per worker.
pytestmark = pytest.mark.xdist_group("security_headers")


class _Tags(HTMLParser):
    """Each start tag with its attributes, and the text of each <script> and <style>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.raw: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict, list] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag in ("script", "style"):
            self._open = (tag, a, [])

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self.raw.append((self._open[0], self._open[1], "".join(self._open[2])))
            self._open = None

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def assert_page_headers(response) -> None:
    where = f"{response.request.method} {response.url} ({response.status_code})"
    assert response.headers["Content-Type"].startswith("text/html"), where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["script-src"] == ["'self'"], where  # no 'unsafe-inline', no nonce: the page is cacheable as is
    assert policy["style-src"] == ["'self'"], where
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"], where
    assert "Strict-Transport-Security" not in response.headers, f"{where}: plain HTTP locally"


def assert_no_inline_script(response) -> list[tuple[str, dict]]:
    """The page's tags, once checked: every script a file (JSON-LD is data, not script), no inline style or
    event-handler attribute, no <style>."""
    page = _Tags(response.text)
    for tag, attrs, _text in page.raw:
        assert tag == "script" and (attrs.get("src") or attrs.get("type") == "application/ld+json"), (
            f"{response.url}: inline <{tag} {attrs}>"
        )
    for tag, attrs in page.tags:
        inline = [k for k in attrs if k == "style" or k.startswith("on")]
        assert not inline, f"{response.url}: <{tag}> with {inline}"
    return page.tags


@pytest.fixture(scope="module")
def sold(shared_shop, stripe, live_server):
    """One order of the shared shop, delivered, with a return asked for, and the demo's products (with images)
    beside it; the shop's host on the live server. Each test only reads."""
    shop = shared_shop
    shop.shirt, shop.mug = shop.product(qty=5, price=2000), shop.product(qty=5, price=800)
    order = shop.paid_order(stripe, (shop.shirt, 2), (shop.mug, 1))
    f = shop.fulfil(order["id"]).json
    shop.move(order["id"], f["id"], "in_transit")
    shop.move(order["id"], f["id"], "delivered")
    ret = shop.ask_return(order, [(shop.mug, 1)])
    assert ret.status_code == 201, ret.body
    seed.add_products(tenants.shop_for_subdomain(shop.subdomain))
    handle = shop.admin.get(f"/api/admin/products/{shop.shirt.split('_')[0]}").json["handle"]
    bulk = shop.admin.post("/api/admin/bulk-edits", {"action": "publish", "product_ids": [shop.mug.split("_")[0]]})
    assert bulk.status_code == 202, bulk.body
    port = urlsplit(live_server).port
    return {
        "shop": shop,
        "values": {
            "subdomain": shop.subdomain,
            "handle": handle,
            "order_id": order["id"],
            "return_id": ret.json["id"],
            "bulk_edit_id": bulk.json["id"],
            "kind": "checkout",  # a record needing attention: none does, so it is not found
            "record_id": order["id"],
            "fulfilment_id": f["id"],
            "product_id": shop.shirt.split("_")[0],
            "code": "NO-SUCH-CODE",
            "template": "product.html",
            "proxy": "no/such/page",
        },
        "host": f"{shop.subdomain}.localhost:{port}",
    }


def test_every_page_in_the_api_document_carries_the_security_headers(sold, live_server):
    document = requests.get(f"{live_server}/openapi.json").json()
    pages = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if any("text/html" in answer.get("content", {}) for answer in operation["responses"].values())
    ]
    # The storefront's five pages in both forms, /docs, and the catch-all's page for each method.
    assert len(pages) >= 16, [(path, method) for path, method, _ in pages]
    for path, method, operation in pages:
        missing = {p for p in re.findall(r"\{([^}]+)\}", path)} - set(sold["values"])
        assert not missing, f"{path}: give {missing} a value in this test"
        url = re.sub(r"\{([^}]+)\}", lambda m: sold["values"][m.group(1)], path)
        # Storefront pages are asked for on the shop's own host too; the platform's on the platform's.
        host = sold["host"] if operation["tags"] == ["storefront"] else urlsplit(live_server).netloc
        response = requests.request(method.upper(), live_server + url, headers={"Host": host}, allow_redirects=False)
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
        assert_page_headers(response)


def test_storefront_pages_run_no_inline_script_and_load_their_files(sold, live_server):
    shop = sold["shop"]
    store = f"{live_server}/s/{shop.subdomain}"
    cart_id = shop.cart((shop.shirt, 1))
    values = sold["values"]
    pages = {
        "home": requests.get(f"{store}/"),
        "product": requests.get(f"{store}/products/{values['handle']}"),
        "cart": requests.get(f"{store}/cart", cookies={"cart": cart_id}),
        "order": requests.get(f"{store}/orders/{values['order_id']}"),
        "return": requests.get(f"{store}/returns/{values['return_id']}"),
        "not found": requests.get(f"{store}/products/no-such-thing"),
    }
    files = set()
    for name, response in pages.items():
        assert response.status_code == (404 if name == "not found" else 200), name
        assert_page_headers(response)
        for tag, attrs in assert_no_inline_script(response):
            if tag == "script" and attrs.get("src"):
                files.add(attrs["src"])
            if tag == "link" and attrs.get("rel") == "stylesheet":
                files.add(attrs["href"])
    # The product and cart pages' scripts take their URLs from data- attributes, as the scripts read them.
    assert f'data-carts-api="/s/{shop.subdomain}/api/store/carts"' in pages["product"].text
    assert f'data-cart-api="/s/{shop.subdomain}/api/store/carts/{cart_id}"' in pages["cart"].text
    paths = {urlsplit(f).path for f in files}
    assert paths == {
        "/assets/default/theme.css",
        "/assets/_common/storefront.css",
        "/assets/_common/product.js",
        "/assets/_common/cart.js",
        "/assets/_common/return.js",  # the order page of a shipped order starts returns
        f"/s/{shop.subdomain}/theme-settings.css",
    }
    for file in files:
        response = requests.get(live_server + file)
        assert response.status_code == 200, file
        assert response.headers["Content-Type"].split(";")[0] in ("text/css", "text/javascript"), file
        assert response.headers["X-Content-Type-Options"] == "nosniff", file
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", file  # URLs carry ?v=


def test_a_shops_theme_settings_stylesheet_follows_its_settings(merchant, live_server):
    admin, signup = merchant
    store = f"{live_server}/s/{signup['shop']['subdomain']}"
    before = re.search(r'href="([^"]*/theme-settings\.css[^"]*)"', requests.get(f"{store}/").text).group(1)
    assert admin.patch("/api/admin/shop", {"theme": {"primary_color": "#7a1f5c"}}).status_code == 200
    after = re.search(r'href="([^"]*/theme-settings\.css[^"]*)"', requests.get(f"{store}/").text).group(1)
    assert after != before, "a new ?v= once the settings change"
    css = requests.get(live_server + after).text
    assert "--primary:#7a1f5c" in css and "--on-primary:#ffffff" in css
    assert requests.get(f"{live_server}/assets/default/settings.css").status_code == 404  # templates stay unserved
    assert requests.get(f"{live_server}/assets/default/base.html").status_code == 404


def test_every_answer_is_nosniff_json_media_and_errors_alike(sold, live_server):
    shop = sold["shop"]
    image = next(p for p in catalog.list_cards(shop.tenant_id, limit=50, cursor=None)["items"] if p["images"])[
        "images"
    ][0]["urls"]["small"]
    answers = {
        "json": requests.get(f"{live_server}/healthz"),
        "json error": requests.get(f"{live_server}/api/admin/products"),
        "store json": requests.get(f"{live_server}/s/{shop.subdomain}/api/store/products"),
        "media": requests.get(live_server + image),
        "missing media": requests.get(f"{live_server}/media/no/such.png"),
        "reference script": requests.get(f"{live_server}/docs/reference.js"),
        "wrong method": requests.post(f"{live_server}/healthz"),
    }
    assert answers["media"].status_code == 200 and answers["media"].headers["Content-Type"].startswith("image/")
    for name, response in answers.items():
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert "Strict-Transport-Security" not in response.headers, name


def test_the_local_payment_pages_refuse_framing_and_inline_script(stripe):
    page = requests.get(f"{stripe.base_url}/pay/no-such-session")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    policy = _directives(page.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert [s.startswith("'sha256-") for s in policy["style-src"]] == [True]  # its one stylesheet, by hash
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{stripe.base_url}/v1/balance").headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_comes_with_https_the_platform_serves_never_with_a_clients_header(api, live_server, monkeypatch):
    claimed = requests.get(f"{live_server}/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers  # the local server is plain HTTP, whatever is said

    monkeypatch.setattr(settings, "LOCAL", False)  # as in AWS: API Gateway serves HTTPS only
    for path in ("/", "/healthz", "/docs"):
        answer = api.get(path)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", path
