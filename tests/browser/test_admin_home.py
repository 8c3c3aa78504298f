"""The admin's home in a real browser: the first steps with their links, low stock as a table, a threshold that
does not read named at its field; no serious accessibility violation at phone and desktop widths, at most
200 KB before images, reachable by keyboard."""

import pytest
import requests

from tests.support.api import PASSWORD, product_body, unique
from tests.support.browser import PHONE, checked

pytestmark = pytest.mark.browser


def test_the_home_of_a_shop_with_a_product_low_on_stock(page, live_server):
    sub = unique()
    signup = requests.post(
        f"{live_server}/api/merchants/signup",
        json={"email": f"{sub}@example.com", "password": PASSWORD, "shop_name": "Plum Press", "subdomain": sub},
        timeout=30,
    )
    token = signup.json()["token"]
    created = requests.post(
        f"{live_server}/api/admin/products",
        json=product_body("Linen apron", qty=2),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/admin/login")
    page.fill("#f-email", f"{sub}@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin")
    main = page.inner_text("main")
    assert "1 of 3 steps done" in main and "1 variant low on stock" in main
    assert page.locator("table a", has_text="Linen apron").is_visible()
    checked(page, "admin-home-low-stock")

    page.fill("#f-low_stock_threshold", "lots")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/admin?low_stock_threshold=lots")
    assert page.locator(".error-summary").is_visible()
    checked(page, "admin-home-threshold-error")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "f-low_stock_threshold"

    page.fill("#f-low_stock_threshold", "1")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/admin?low_stock_threshold=1")
    assert "No variant has 1 unit or fewer available." in page.inner_text("main")
