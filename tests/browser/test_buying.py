"""A shopper buys in a real browser: product page, cart page, checkout, the local payment page, the order page.

Debian's chromium driven by Playwright against the live server and the Stripe emulator (`make browser`
installs it; without it these tests skip).
"""

import re

import pytest

from tests.support.shopping import Shop
from tests.support.wait import wait_for

pytestmark = pytest.mark.browser


def _fill_checkout(page, email="browser@example.com"):
    page.fill("#email", email)
    page.fill("#name", "Robin Browser")
    page.fill("#line1", "1 Main Street")
    page.fill("#city", "Springfield")
    page.fill("#postal_code", "12345")
    page.select_option("#country", "US")
    page.click("#checkout-button")


def _shop_with_one_product(api, paying_shop, live_server, qty: int, price: int) -> tuple[Shop, str, str, str]:
    """A paying shop selling one product: the shop, the variant, the shop's storefront URL, the product's handle."""
    shop = Shop(api, paying_shop)
    variant = shop.product(qty=qty, price=price)
    handle = shop.admin.get(f"/api/admin/products/{variant.split('_')[0]}").json["handle"]
    return shop, variant, f"{live_server}/s/{shop.subdomain}", handle


def _add_to_cart(page, store: str, handle: str, quantity: int | None = None):
    """From the product page, as a shopper: the cart page shows next."""
    page.goto(f"{store}/products/{handle}")
    if quantity is not None:
        page.fill("#quantity", str(quantity))
    page.click("#add-button")
    page.wait_for_url(f"{store}/cart")


def test_shopper_buys_through_the_local_payment_page(page, api, paying_shop, stripe, live_server):
    shop, variant, store, handle = _shop_with_one_product(api, paying_shop, live_server, qty=4, price=2400)

    _add_to_cart(page, store, handle, quantity=2)
    assert "Blue Shirt" in page.inner_text("main") and "$48.00" in page.inner_text("main")

    _fill_checkout(page)
    page.wait_for_url(re.compile(re.escape(stripe.base_url) + "/pay/"))  # the hosted-checkout look-alike
    assert "$48.00" in page.inner_text("main")
    page.click("button.pay")

    page.wait_for_url(re.compile(re.escape(store) + "/orders/"))
    page.wait_for_selector("text=Order #1")  # the page refreshes itself until the webhook has made it
    assert "Paid" in page.inner_text("main")
    orders = shop.orders()
    assert [(o["number"], o["total"], o["email"]) for o in orders] == [(1, 4800, "browser@example.com")]
    assert shop.stock(variant) == 2
    # The cart is done with: the cookie is gone, so the cart page is empty again.
    page.goto(f"{store}/cart")
    assert "Your cart is empty" in page.inner_text("main")
    # A browser still holding the checked-out cart starts a new one when adding again.
    from chalicelib import checkout

    old_cart = checkout.load(shop.tenant_id, orders[0]["checkout_id"]).cart_id
    page.context.add_cookies(
        [{"name": "cart", "value": old_cart, "domain": "127.0.0.1", "path": f"/s/{shop.subdomain}"}]
    )
    _add_to_cart(page, store, handle)
    assert "$24.00" in page.inner_text("main")
    assert page.problems == []  # nothing the pages' policy refused


def test_declined_card_brings_the_shopper_back_to_a_cart_they_can_retry(page, api, paying_shop, stripe, live_server):
    shop, variant, store, handle = _shop_with_one_product(api, paying_shop, live_server, qty=1, price=1000)
    _add_to_cart(page, store, handle)
    _fill_checkout(page)
    page.wait_for_url(re.compile(re.escape(stripe.base_url) + "/pay/"))
    page.click("button.decline")
    page.wait_for_url(f"{store}/cart")  # Stripe's cancel_url
    assert "Blue Shirt" in page.inner_text("main")
    wait_for(lambda: shop.stock(variant) == 1)  # the declined checkout gave its unit back
    assert shop.orders() == []
    assert page.problems == []
