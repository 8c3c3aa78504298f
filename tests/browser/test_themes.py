"""Every theme in a real browser (Debian's chromium, driven by Playwright) on the local server: every storefront page
passes axe at phone and desktop widths and weighs at most 100 KB of HTML, CSS and JS; the three themes side by side
at phone width (out/screenshots/themes-side-by-side-375.png); a shopper starts a return from their order's page."""

import json

import pytest

from chalicelib import shops, tenants, themes
from tests.support.after_sale import AfterSale
from tests.support.api import Api, sign_up, unique
from tests.support.browser import PHONE, SCREENSHOTS, checked, weight

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("themes")]

MAX_STOREFRONT_BYTES = 100_000  # the budget for storefront pages
LOAD_EVERY_PHOTO = """Promise.all(Array.from(document.images).map((image) => {
  image.loading = "eager";
  return image.complete ? null : new Promise((done) => { image.onload = image.onerror = done; });
}))"""
PAGES = {
    "home": "/",
    "collection": "/collections/all",
    "search": "/search?q=tee",
    "product": "/products/classic-organic-tee",
    "cart": "/cart",
    "policy": "/policies/refund",
    "not-found": "/products/no-such-thing",
}


@pytest.fixture(scope="module")
def demo(app, live_server):
    """A shop with the demo catalogue (processed photos) and a cart holding two of its products."""
    from chalice.test import Client

    from infra.local import seed

    sub = unique("themes")
    with Client(app) as client:
        sign_up(Api(client), subdomain=sub, shop_name="Demo Outfitters")
        shop = tenants.shop_for_subdomain(sub)
        seed.add_products(shop)
        store = Api(client, host=f"{sub}.localhost:8000")
        cart = store.post("/api/store/carts", {}).json["id"]
        for product in store.get("/api/store/products?limit=2").json["items"]:
            store.post(f"/api/store/carts/{cart}/items", {"variant_id": product["variants"][0]["id"], "quantity": 1})
    return {"sub": sub, "tenant_id": shop.tenant_id, "base": f"{live_server}/s/{sub}", "cart": cart}


def _use(demo, theme: str, **settings) -> None:
    shops.update(demo["tenant_id"], {"theme": {"name": theme, "settings": settings}})
    tenants.forget_shop(demo["tenant_id"])


@pytest.mark.parametrize("theme", themes.names())
def test_every_page_of_every_theme_is_accessible_and_within_budget(page, demo, theme):
    _use(demo, theme)
    page.context.add_cookies([{"name": "cart", "value": demo["cart"], "url": demo["base"]}])
    weights = {}
    for name, path in PAGES.items():
        page.goto(demo["base"] + path)
        assert page.locator("html").get_attribute("lang") == "en"
        checked(page, f"theme-{theme}-{name}")
        weights[name] = weight(page)
        assert weights[name] <= MAX_STOREFRONT_BYTES, f"{theme} {name}: {weights[name]} bytes"
    assert page.locator("h1").count() == 1
    (SCREENSHOTS / f"theme-{theme}-weights.json").write_text(json.dumps(weights, indent=1))


def test_the_three_themes_side_by_side_at_phone_width(page, demo):
    from PIL import Image

    page.set_viewport_size(PHONE)
    shots = []
    for theme in themes.names():
        _use(demo, theme, announcement_text="Free shipping over $50")
        page.goto(demo["base"] + "/")
        page.evaluate(LOAD_EVERY_PHOTO)  # a full-page screenshot shows the lazy photos below the fold too
        path = SCREENSHOTS / f"theme-{theme}-home-phone.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(Image.open(path))
    height = min(1600, max(s.height for s in shots))
    gap = 24
    sheet = Image.new("RGB", (sum(s.width for s in shots) + gap * (len(shots) - 1), height), "#d0d0d0")
    x = 0
    for shot in shots:
        sheet.paste(shot.crop((0, 0, shot.width, min(height, shot.height))), (x, 0))
        x += shot.width + gap
    sheet.save(SCREENSHOTS / "themes-side-by-side-375.png")
    assert len(shots) == len(themes.names()) >= 3


def test_a_shopper_starts_a_return_from_the_order_page(page, api, paying_shop, stripe, live_server):
    shop = AfterSale(api, paying_shop)
    order = shop.delivered_order(stripe)
    base = f"{live_server}/s/{shop.subdomain}"
    page.goto(f"{base}/orders/{order['id']}")
    form = page.locator("#return-form")
    form.get_by_role("button", name="Request a return").click()
    assert "Choose at least one item" in page.locator("#return-status").inner_text()
    form.locator("select").first.select_option("1")
    form.get_by_label("Why are you returning them?").fill("Too small")
    form.get_by_label("Store credit").check()
    form.get_by_label("Email address used for the order").fill("someone-else@example.com")
    form.get_by_role("button", name="Request a return").click()
    page.locator("#return-status.is-error").wait_for()  # not the order's email: the API's 404 message
    assert "/returns/" not in page.url
    form.get_by_label("Email address used for the order").fill(order["email"])
    form.get_by_role("button", name="Request a return").click()
    page.wait_for_url(f"{base}/returns/**")
    assert "Return for order #" in page.locator("h1").inner_text()
    assert "Too small" in page.locator("main").inner_text()
    return_url = page.url
    for theme in themes.names():  # the order and return pages of every theme
        shops.update(shop.tenant_id, {"theme": {"name": theme}})
        tenants.forget_shop(shop.tenant_id)
        for name, url in (("order", f"{base}/orders/{order['id']}"), ("return", return_url)):
            page.goto(url)
            assert page.locator("link[href*='/assets/%s/theme.css']" % theme).count() == 1
            checked(page, f"theme-{theme}-{name}")
            assert weight(page) <= MAX_STOREFRONT_BYTES, f"{theme} {name}"
