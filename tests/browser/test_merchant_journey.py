"""A merchant's whole first day in the web admin, in a real browser, each step read back in the audit log:
opens a shop, connects payments on the (local) Stripe onboarding page, creates a product with variants, edits
prices in bulk (10 % up), receives an order from a shopper who buys through the storefront and the local payment page,
fulfils it partly, refunds a line, approves and receives a return."""

import re

import pytest
import requests

from chalicelib import orders, tenants
from tests.support.api import PASSWORD, unique

pytestmark = pytest.mark.browser


def _sign_up(page, live_server: str) -> str:
    sub = unique()
    page.goto(f"{live_server}/admin/signup")
    page.fill("#f-shop_name", "Plum Press")
    page.fill("#f-subdomain", sub)
    page.fill("#f-email", f"{sub}@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin")
    return sub


def _connect_payments(page, live_server: str, stripe) -> None:
    page.click("nav >> text=Settings")
    page.click("main a[href='/admin/settings/payments']")
    page.fill("#f-country", "US")
    page.click("button:has-text('Connect with Stripe')")
    page.wait_for_url(re.compile(re.escape(stripe.base_url) + "/connect/"))  # Stripe's onboarding look-alike
    page.click("button:has-text('Complete onboarding')")
    page.wait_for_url(re.compile(re.escape(live_server) + "/admin/settings/payments"))
    assert "Taking payments" in page.inner_text("main")


def _create_product(page, live_server: str) -> str:
    page.click("nav >> text=Products")
    page.click("main a:has-text('Add')")
    page.wait_for_url(f"{live_server}/admin/products/new")
    page.fill("#f-title", "Linen apron")
    page.fill("#f-option_names-0", "Size")
    page.fill("#f-variants-0-sku", "APRON-S")
    page.fill("#f-variants-0-price", "20.00")
    page.fill("#f-variants-0-inventory_quantity", "5")
    page.fill("#f-variants-0-options-0", "S")
    page.click("button[name=add_variant]")
    page.fill("#f-variants-1-sku", "APRON-M")
    page.fill("#f-variants-1-price", "22.00")
    page.fill("#f-variants-1-inventory_quantity", "5")
    page.fill("#f-variants-1-options-0", "M")
    page.click(".save-bar button")
    page.wait_for_selector("text=Created.")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Published")
    return page.url.split("/admin/products/")[1].split("?")[0]


def _raise_prices_in_bulk(page, live_server: str, product_id: str) -> None:
    """10 % up on every variant: 20.00 -> 22.00 and 22.00 -> 24.20, seen in the preview before it runs."""
    page.click("nav >> text=Products")
    page.check(f"#pick-{product_id}")
    page.select_option("select[name=action]", "adjust_price")
    page.click("text=Continue")
    page.fill("#f-params-percent", "10")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/bulk-edits/preview")
    assert "$24.20" in page.inner_text("main")
    page.click("text=Run this edit")
    page.get_by_text("1 of 1 products").wait_for(timeout=60_000)


def _shopper_buys(context, live_server: str, sub: str, stripe) -> None:
    shopper = context.new_page()
    store = f"{live_server}/s/{sub}"
    shopper.goto(f"{store}/")
    shopper.click("text=Linen apron")
    shopper.fill("#quantity", "2")
    shopper.click("#add-button")
    shopper.wait_for_url(f"{store}/cart")
    shopper.fill("#email", "robin@example.com")
    shopper.fill("#name", "Robin Browser")
    shopper.fill("#line1", "1 Main Street")
    shopper.fill("#city", "Springfield")
    shopper.fill("#postal_code", "12345")
    shopper.select_option("#country", "US")
    shopper.click("#checkout-button")
    shopper.wait_for_url(re.compile(re.escape(stripe.base_url) + "/pay/"))
    shopper.click("button.pay")
    shopper.wait_for_url(re.compile(re.escape(store) + "/orders/"))
    shopper.wait_for_selector("text=Order #1")
    shopper.close()


def test_a_merchants_first_day_in_the_admin_read_back_in_the_audit_log(chromium, live_server, stripe):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sub = _sign_up(page, live_server)
        _connect_payments(page, live_server, stripe)
        product_id = _create_product(page, live_server)
        _raise_prices_in_bulk(page, live_server, product_id)

        _shopper_buys(context, live_server, sub, stripe)
        page.click("nav >> text=Orders")
        page.click("table a:has-text('#1')")
        order_url = page.url
        order_id = order_url.rsplit("/", 1)[1]
        page.click("a:has-text('Fulfil')")
        page.fill("#f-items-0-quantity", "1")  # one of the two: a partial fulfilment
        page.fill("#f-carrier", "UPS")
        page.fill("#f-tracking_number", "1Z999AA10123456784")
        page.click("button[type=submit]:has-text('Fulfil items')")
        page.wait_for_url(f"**/admin/orders/{order_id}?notice=fulfilled")
        assert "Partially fulfilled" in page.inner_text("main")

        page.click("a:has-text('Refund')")
        page.fill("#f-lines-0-quantity", "1")  # the unit not sent
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("button[type=submit]:has-text('Refund')")
        page.wait_for_url(f"**/admin/orders/{order_id}?notice=refunded")

        for move in ("Mark as shipped", "Mark as delivered"):
            page.click(f"button:has-text('{move}')")
            page.wait_for_url(f"**/admin/orders/{order_id}?notice=*")
        shop = tenants.shop_for_subdomain(sub)
        variant_id = orders.get(shop.tenant_id, order_id)["lines"][0]["variant_id"]
        asked = requests.post(
            f"{live_server}/s/{sub}/api/store/orders/{order_id}/returns",
            json={
                "email": "robin@example.com",
                "reason": "Too small",
                "items": [{"variant_id": variant_id, "quantity": 1}],
            },
            timeout=30,
        )
        assert asked.status_code == 201, asked.text
        page.click("nav >> text=Returns")
        page.click("table a")
        page.click("button:has-text('Approve return')")
        page.wait_for_url("**?notice=approved")
        page.fill("#f-items-0-resellable", "1")
        page.click("button:has-text('Receive and settle')")
        page.wait_for_url("**?notice=received")

        page.click("nav >> text=Audit log")
        done = page.locator("td[data-label=What] strong").all_inner_texts()
        assert done == [  # newest first: every step above, once
            "Receive return",
            "Approve return",
            "Fulfilment status",  # delivered
            "Fulfilment status",  # in transit
            "Create refund",
            "Create fulfilment",
            "Bulk adjust price",  # the product, as the edit changed it
            "Create bulk edit",
            "Update product",  # published
            "Create product",
            "Connect payments",
        ]
    finally:
        context.close()
