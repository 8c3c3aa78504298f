"""Pages under their Content-Security-Policy in a real browser (Debian's chromium, driven by Playwright, which
enforces the policy): a shopper browses, adds to the cart, changes it, checks out and pays, and someone reads
the API reference, and the browser reports no violation (Chromium logs each one as a console error)."""

import re

import pytest

from tests.support.api import Api, connect_payments, sign_up, unique

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(chromium):
    """A page whose CSP violations and script errors are recorded (`page.problems`)."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.problems = []
    page.on(
        "console",
        lambda msg: (
            page.problems.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None
        ),
    )
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    yield page
    context.close()


@pytest.fixture
def demo_shop(app, live_server, stripe):
    """A paying shop with the demo's products (variants, images)."""
    from chalice.test import Client

    from chalicelib import tenants
    from infra.local import seed

    sub = unique("csp")
    with Client(app) as client:
        merchant, _ = sign_up(Api(client), subdomain=sub, shop_name="Policy Outfitters")
        connect_payments(merchant, stripe)
    seed.add_products(tenants.shop_for_subdomain(sub))
    return f"{live_server}/s/{sub}"


def _loaded(page, url: str, status: int = 200):
    response = page.goto(url, wait_until="load")
    assert response.status == status, url
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"], url


def test_a_shopper_buys_without_a_policy_violation(watched, demo_shop, stripe):
    page = watched
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
    page.fill("#email", "policy@example.com")
    page.fill("#name", "Robin Policy")
    page.fill("#line1", "1 Main Street")
    page.fill("#city", "Springfield")
    page.fill("#postal_code", "12345")
    page.click("#checkout-button")
    page.wait_for_url(re.compile(re.escape(stripe.base_url) + "/pay/"))  # the emulator's page, its own policy
    page.click("button.pay")
    page.wait_for_url(re.compile(re.escape(demo_shop) + "/orders/"))
    page.wait_for_selector("text=Order #1")
    _loaded(page, f"{demo_shop}/no-such-page", 404)
    assert page.problems == []


def test_the_api_reference_and_the_platform_page_have_no_policy_violation(watched, live_server):
    page = watched
    _loaded(page, f"{live_server}/docs")
    page.locator("#operations-admin-create_product").click()  # an operation opens: more of Swagger UI draws
    page.locator("#operations-admin-create_product .opblock-body").wait_for()
    _loaded(page, f"{live_server}/")
    assert page.locator("code").first.evaluate("el => getComputedStyle(el).borderRadius") == "4px"  # its stylesheet
    assert page.problems == []
