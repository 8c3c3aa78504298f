"""A merchant edits products in bulk in a real browser: ticks them in the products index, picks the action in its
bulk bar, types the change (the error summary leading to its field), reads the preview, runs it, watches the
progress page reach the end, and undoes it. Each page passes axe-core (no serious or critical violation at phone
and desktop widths) and weighs at most 200 KB before images; screenshots land in out/screenshots/."""

import re

import pytest

from tests.support.api import PASSWORD, product_body
from tests.support.browser import PHONE, checked

pytestmark = pytest.mark.browser


def test_a_merchant_lowers_prices_in_bulk_follows_the_edit_and_undoes_it(page, live_server, merchant):
    shop, signup = merchant
    ids = []
    for title, price in (("Anchor", 1000), ("Buoy", 1995)):
        created = shop.post("/api/admin/products", product_body(title, price=price))
        assert created.status_code == 201, created.body
        ids.append(created.json["id"])

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/admin/login")
    page.fill("#f-email", f"{signup['shop']['subdomain']}@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin")

    page.goto(f"{live_server}/admin/products")  # the index: tick both, pick the action in its bulk bar
    for product_id in ids:
        page.check(f"#pick-{product_id}")
    page.select_option("select[name=action]", "adjust_price")
    page.click("text=Continue")
    page.wait_for_url("**/admin/bulk-edits/new?**")
    assert "2 products selected" in page.inner_text("main")
    assert page.is_checked("#f-action-adjust_price_percent")
    page.click("main button[type=submit]")  # no percentage typed: the summary says so and links to its field
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    checked(page, "admin-bulk-edit-choose-error")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "f-params-percent"

    page.keyboard.type("-10")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/admin/bulk-edits/preview")
    assert "Preview: Lower prices by 10 %" in page.inner_text("h1")
    assert "$17.95" in page.inner_text("main")
    checked(page, "admin-bulk-edit-preview")

    page.click("text=Run this edit")
    page.wait_for_url(re.compile(r".*/admin/bulk-edits/[0-9A-Z]{26}$"))
    edit_url = page.url
    page.get_by_text("2 of 2 products").wait_for(timeout=60_000)  # the page reloads itself until then
    checked(page, "admin-bulk-edit-done")
    assert shop.get(f"/api/admin/products/{ids[1]}").json["price_min"] == 1795

    page.on("dialog", lambda dialog: dialog.accept())  # "Put back every value this edit changed?"
    page.click("text=Undo this edit")
    page.wait_for_url(re.compile(r".*/admin/bulk-edits/[0-9A-Z]{26}$"))
    assert page.url != edit_url
    page.get_by_text("2 of 2 products").wait_for(timeout=60_000)  # the page reloads itself until then
    assert shop.get(f"/api/admin/products/{ids[1]}").json["price_min"] == 1995

    page.goto(f"{live_server}/admin/bulk-edits")
    checked(page, "admin-bulk-edits")
