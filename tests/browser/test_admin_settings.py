"""The settings pages in a real browser: each at phone and desktop widths with no serious accessibility violation,
at most 200 KB before images; a table's row error focused from the summary; a discount made by keyboard alone."""

import pytest

from tests.support.browser import checked, new_merchant

pytestmark = pytest.mark.browser

PAGES = ("", "/shop", "/domain", "/payments", "/shipping", "/taxes", "/returns", "/pickup", "/discounts")


def _signed_in(page, live_server) -> None:
    new_merchant(page, live_server, "/admin/settings")


def test_every_settings_page_reads_well_at_both_widths(page, live_server, stripe):
    _signed_in(page, live_server)
    for path in PAGES:
        page.goto(f"{live_server}/admin/settings{path}")
        checked(page, "admin-settings" + path.replace("/", "-"))
    page.goto(f"{live_server}/admin/settings/domain")
    page.fill("#f-custom_domain", "shop.plum-press.example")
    page.click("text=Save domain")
    page.wait_for_url("**/admin/settings/domain?notice=saved")
    assert "_shopbuilder-verification.shop.plum-press.example" in page.inner_text("main")
    checked(page, "admin-settings-domain-pending")


def test_a_shipping_rate_error_is_linked_to_its_field(page, live_server):
    _signed_in(page, live_server)
    page.goto(f"{live_server}/admin/settings/shipping")
    page.fill("#f-rates-0-name", "Standard")
    page.fill("#f-rates-0-amount", "four")
    page.click("text=Save")
    assert page.locator(".error-summary").is_visible()
    checked(page, "admin-settings-shipping-error")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "f-rates-0-amount"
    page.fill("#f-rates-0-amount", "4.99")
    page.click("text=Save")
    page.wait_for_url("**/admin/settings/shipping?notice=saved")
    assert page.input_value("#f-rates-0-amount") == "4.99"


def test_a_discount_is_created_by_keyboard_alone(page, live_server):
    _signed_in(page, live_server)
    page.goto(f"{live_server}/admin/settings/discounts")
    page.locator("main a.button", has_text="Create discount").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/settings/discounts/new")
    page.focus("#f-code")
    page.keyboard.type("WELCOME5")
    page.keyboard.press("Tab")  # the type: a percentage by default
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/settings/discounts?notice=created")
    assert "WELCOME5" in page.inner_text("table") and "5 % off" in page.inner_text("table")
    checked(page, "admin-settings-discounts-one")
    page.click("text=WELCOME5")
    checked(page, "admin-settings-discount-edit")
    page.click("text=Deactivate")
    checked(page, "admin-settings-discount-deactivate")
    page.click("button:has-text('Deactivate')")
    page.wait_for_url("**/admin/settings/discounts?notice=discount_deactivated")
    assert "Ended" in page.inner_text("table")
