"""The default theme in a real browser (Debian's chromium, driven by Playwright) on the local server."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.api import Api, sign_up, unique

# One demo shop for the module: its tests stay on one xdist worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("storefront_theme")]

SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def demo_shop(app, live_server):
    """A shop like the demo one: the seed's products, with variants and images."""
    from chalice.test import Client

    from chalicelib import tenants
    from infra.local import seed

    sub = unique("demo")
    with Client(app) as client:
        sign_up(Api(client), subdomain=sub, shop_name="Demo Outfitters")
    seed.add_products(tenants.shop_for_subdomain(sub))
    return {"sub": sub, "base": live_server, "titles": [t for t, *_ in seed.PRODUCTS]}


@pytest.fixture
def page_at(chromium):
    pages = []

    def open_(width: int, url: str):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.requests = []
        page.on("request", lambda req: page.requests.append(req.url))
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url
        pages.append(context)
        return page

    yield open_
    for context in pages:
        context.close()


def _other_hosts(page, base: str) -> list[str]:
    allowed = {urlsplit(base).netloc, urlsplit(page.url).netloc}
    return [u for u in page.requests if not u.startswith("data:") and urlsplit(u).netloc not in allowed]


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_home_page_fits_the_screen_and_shows_the_product_cards(page_at, demo_shop, width):
    page = page_at(width, f"{demo_shop['base']}/s/{demo_shop['sub']}/")
    assert _no_horizontal_overflow(page)
    cards = page.locator("main ul a[href*='/products/']")
    assert cards.count() == len(demo_shop["titles"])
    for i in range(cards.count()):
        assert cards.nth(i).is_visible()
    page.locator("main ul").scroll_into_view_if_needed()
    images = page.locator("main ul img")
    assert images.count() == len(demo_shop["titles"])
    assert [cards.nth(i).locator("h3").inner_text() for i in range(cards.count())] == demo_shop["titles"][::-1]
    assert _other_hosts(page, demo_shop["base"]) == []
    page.screenshot(path=str(SHOTS / f"storefront-home-{width}.png"), full_page=True)


def test_the_shop_host_form_renders_the_same_shop(page_at, demo_shop):
    port = urlsplit(demo_shop["base"]).port
    page = page_at(1280, f"http://{demo_shop['sub']}.localhost:{port}/")
    assert page.locator("main ul a[href*='/products/']").count() == len(demo_shop["titles"])
    assert page.locator("main ul a").first.get_attribute("href").startswith("/products/")


@pytest.mark.parametrize("width", [375, 1280])
def test_tab_reaches_links_with_a_visible_focus_style(page_at, demo_shop, width):
    page = page_at(width, f"{demo_shop['base']}/s/{demo_shop['sub']}/")
    styles = []
    for _ in range(4):
        page.keyboard.press("Tab")
        styles.append(
            page.evaluate("""() => {
            const el = document.activeElement, cs = getComputedStyle(el);
            const r = el.getBoundingClientRect();
            return {tag: el.tagName, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
                    shadow: cs.boxShadow !== 'none', visible: r.width > 0 && r.height > 0};
        }""")
        )
    assert all(s["tag"] in ("A", "BUTTON", "SELECT", "INPUT") for s in styles), styles
    assert all(s["visible"] and (s["outline"] or s["shadow"]) for s in styles), styles
    page.screenshot(path=str(SHOTS / f"storefront-focus-{width}.png"))


def test_the_variant_picker_changes_the_price_and_sold_out_variants_are_disabled(page_at, demo_shop):
    page = page_at(375, f"{demo_shop['base']}/s/{demo_shop['sub']}/products/classic-organic-tee")
    assert _no_horizontal_overflow(page)
    picker = page.get_by_label("Size / Color")
    assert picker.is_visible()
    price = page.locator("#price")
    assert price.inner_text() == "$25.00"
    sand = page.locator("option", has_text="M / Sand").get_attribute("value")
    picker.select_option(sand)
    assert price.inner_text() == "$27.00"
    assert page.locator("option", has_text="L / Navy").is_disabled()
    assert _other_hosts(page, demo_shop["base"]) == []
    page.screenshot(path=str(SHOTS / "storefront-product-375.png"), full_page=True)
