"""The orders and returns screens in a real browser: a merchant finds an order, fulfils part of it by keyboard,
refunds a line, then approves and receives a return; every screen met has no serious accessibility violation
at phone and desktop widths and weighs at most 200 KB before images."""

import pytest

from tests.support.after_sale import AfterSale
from tests.support.api import PASSWORD
from tests.support.browser import DESKTOP, PHONE, checked

pytestmark = pytest.mark.browser


def _checked(page, name: str) -> None:
    checked(page, name)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} is wider than a phone"


@pytest.fixture
def shop(api, paying_shop):
    return AfterSale(api, paying_shop)


def test_a_merchant_works_an_order_and_its_return_in_the_browser(page, live_server, shop, stripe):
    shirt, mug = shop.product(qty=5, price=2000), shop.product(qty=5, price=800)
    order = shop.paid_order(stripe, (shirt, 2), (mug, 1))
    shirt_row = next(i for i, line in enumerate(order["lines"]) if line["variant_id"] == shirt)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/admin/login")
    page.fill("#f-email", f"{shop.subdomain}@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/orders")
    assert page.locator("table a", has_text=f"#{order['number']}").is_visible()
    _checked(page, "admin-orders-index")

    page.fill("#f-q", "nobody-at-all")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/orders?q=nobody-at-all**")
    assert "No orders match" in page.inner_text("main")
    _checked(page, "admin-orders-empty-search")

    page.goto(f"{live_server}/admin/orders/{order['id']}")
    _checked(page, "admin-order")

    page.goto(f"{live_server}/admin/orders/{order['id']}/fulfil")
    page.fill(f"#f-items-{shirt_row}-quantity", "9")
    page.fill("#f-carrier", "UPS")
    page.fill("#f-tracking_number", "1Z999AA10123456784")
    page.keyboard.press("Enter")  # submits the form from its last field, as a keyboard user does
    page.wait_for_selector(".error-summary")
    _checked(page, "admin-order-fulfil-error")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == f"f-items-{shirt_row}-quantity"
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.fill(f"#f-items-{1 - shirt_row}-quantity", "0")
    page.click("button[type=submit]:has-text('Fulfil items')")
    page.wait_for_url(f"**/admin/orders/{order['id']}?notice=fulfilled")
    assert "Partially fulfilled" in page.inner_text("main")

    page.once("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/admin/orders/{order['id']}/refund")
    _checked(page, "admin-order-refund")
    page.fill(f"#f-lines-{1 - shirt_row}-quantity", "1")
    page.click("button[type=submit]:has-text('Refund')")
    page.wait_for_url(f"**/admin/orders/{order['id']}?notice=refunded")
    assert shop.order(order["id"])["refunded_total"] == 800

    fulfilment_id = shop.order(order["id"])["fulfilments"][0]["id"]
    shop.move(order["id"], fulfilment_id, "in_transit")
    shop.move(order["id"], fulfilment_id, "delivered")
    ret = shop.ask_return(shop.order(order["id"]), [(shirt, 1)], reason="Too small").json

    page.goto(f"{live_server}/admin/returns")
    _checked(page, "admin-returns-index")
    page.goto(f"{live_server}/admin/returns/{ret['id']}")
    page.click("button:has-text('Approve return')")
    page.wait_for_url(f"**/admin/returns/{ret['id']}?notice=approved")
    page.set_viewport_size(DESKTOP)
    _checked(page, "admin-return-receive")
    page.fill("#f-items-0-resellable", "0")
    page.fill("#f-items-0-damaged", "1")
    page.click("button:has-text('Receive and settle')")
    page.wait_for_url(f"**/admin/returns/{ret['id']}?notice=received")
    assert "1 × " in page.inner_text("main") and "damaged" in page.inner_text("main")
    _checked(page, "admin-return-settled")
