"""A merchant gets into the web admin in a real browser: opens a shop, signs out, signs in by keyboard alone.
Each page passes axe-core with no serious or critical violation at phone and desktop widths and weighs at most
200 KB before images; screenshots land in out/screenshots/."""

import pytest

from tests.support.api import PASSWORD, unique
from tests.support.browser import PHONE, checked

pytestmark = pytest.mark.browser


def _tab_to(page, selector: str, most: int = 15) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_a_merchant_opens_a_shop_signs_out_and_signs_in_by_keyboard(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/admin")
    assert page.url.startswith(f"{live_server}/admin/login")
    checked(page, "admin-sign-in")

    page.click("text=Open a shop")
    sub = unique()
    page.fill("#f-shop_name", "Plum Press")
    page.fill("#f-subdomain", "-")
    page.fill("#f-email", f"{sub}@example.com")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")  # read out first
    checked(page, "admin-open-shop-error")
    page.click(".error-summary a")  # the summary's link takes you to the field
    assert page.evaluate("document.activeElement.id") == "f-subdomain"
    page.fill("#f-subdomain", sub)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin")
    assert "Plum Press" in page.inner_text("header")
    checked(page, "admin-home")

    page.goto(f"{live_server}/admin/account/password")
    checked(page, "admin-change-password")
    page.click("summary")
    page.click("text=Sign out")
    page.wait_for_url("**/admin/login?notice=signed_out")
    assert "You are signed out" in page.inner_text("main")

    _tab_to(page, "#f-email")
    page.keyboard.type(f"{sub}@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/admin")

    page.goto(f"{live_server}/admin/password-reset")
    checked(page, "admin-forgot-password")
