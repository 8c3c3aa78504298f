"""Pages under their Content-Security-Policy in a real browser (Debian's chromium, driven by Playwright, which
enforces the policy): a shopper browses, picks a variant, adds to the cart and changes it, and someone reads
the API reference, and the browser reports no violation (the `page` fixture records them). The buying tests
check the rest of the way (checkout, the payment page, the order page) the same way."""

import pytest

from tests.support.api import Api, sign_up, unique

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_shop(app, live_server):
    """A shop with the demo's products (variants, images)."""
    from chalice.test import Client

    from chalicelib import tenants
    from infra.local import seed

    sub = unique("csp")
    with Client(app) as client:
        sign_up(Api(client), subdomain=sub, shop_name="Policy Outfitters")
    seed.add_products(tenants.shop_for_subdomain(sub))
    return f"{live_server}/s/{sub}"


def _loaded(page, url: str, status: int = 200):
    response = page.goto(url, wait_until="load")
    assert response.status == status, url
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"], url


def test_a_shopper_browses_and_fills_a_cart_without_a_policy_violation(page, demo_shop):
    _loaded(page, f"{demo_shop}/")
    _loaded(page, f"{demo_shop}/products/classic-organic-tee")
    assert page.locator("#price").inner_text() == "$25.00"
    page.get_by_label("Size / Color").select_option(page.locator("option", has_text="M / Sand").get_attribute("value"))
    assert page.locator("#price").inner_text() == "$27.00"  # the product script runs
    page.fill("#quantity", "2")
    page.click("#add-button")
    page.wait_for_url(f"{demo_shop}/cart")
    page.fill(".line-qty", "3")
    with page.expect_navigation():  # the cart script updates the line, then reloads the page
        page.locator(".line-qty").dispatch_event("change")
    assert page.locator(".line-qty").get_attribute("value") == "3"
    _loaded(page, f"{demo_shop}/no-such-page", 404)
    assert page.problems == []


def test_the_api_reference_and_the_platform_page_have_no_policy_violation(page, live_server):
    _loaded(page, f"{live_server}/docs")
    page.locator("#operations-admin-create_product").click()  # an operation opens: more of Swagger UI draws
    page.locator("#operations-admin-create_product .opblock-body").wait_for()
    _loaded(page, f"{live_server}/")
    assert page.locator("code").first.evaluate("el => getComputedStyle(el).borderRadius") == "4px"  # its stylesheet
    assert page.problems == []
