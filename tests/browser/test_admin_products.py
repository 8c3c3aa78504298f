"""The admin's product pages in a real browser: a new shop's empty state, adding a product with two variants by
keyboard and form, a price that does not read named at its field, the index with its bulk bar, publishing, and
the delete confirmation; no serious accessibility violation at phone and desktop widths, each at most 200 KB
before images."""

import pytest

from tests.support import media
from tests.support.browser import checked, new_merchant

pytestmark = pytest.mark.browser


def test_a_merchant_adds_edits_publishes_and_deletes_a_product(page, live_server):
    new_merchant(page, live_server, "/admin/products")
    assert "Add your first product" in page.inner_text("main")
    checked(page, "admin-products-empty")

    page.click("main .empty a")
    page.wait_for_url(f"{live_server}/admin/products/new")
    page.fill("#f-title", "Linen apron")
    page.fill("#f-option_names-0", "Size")
    page.fill("#f-variants-0-sku", "APRON-S")
    page.fill("#f-variants-0-price", "24,5x")
    page.fill("#f-variants-0-inventory_quantity", "3")
    page.fill("#f-variants-0-options-0", "S")
    page.click("button[name=add_variant]")
    page.wait_for_selector("#f-variants-1-sku")
    checked(page, "admin-products-new")
    page.fill("#f-variants-1-sku", "APRON-M")
    page.fill("#f-variants-1-price", "26")
    page.fill("#f-variants-1-inventory_quantity", "0")
    page.fill("#f-variants-1-options-0", "M")
    page.click(".save-bar button")
    page.wait_for_selector(".error-summary")
    checked(page, "admin-products-new-error")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "f-variants-0-price"
    page.fill("#f-variants-0-price", "24.50")
    page.keyboard.press("Enter")  # saves: Enter never adds a row
    page.wait_for_selector("text=Created.")
    assert page.locator("[name='variants[2].sku']").count() == 0
    assert page.input_value("#f-variants-1-sku") == "APRON-M"
    checked(page, "admin-products-edit")

    page.set_input_files(
        "#f-file", files=[{"name": "apron.png", "mimeType": "image/png", "buffer": media.photo(60, 60, format="PNG")}]
    )
    page.fill("#f-alt", "A linen apron, folded")
    page.click("button[form=upload]")
    page.wait_for_selector("text=Image uploaded")
    assert page.locator(".picker img").count() == 1 and page.input_value("#f-images-0-alt") == "A linen apron, folded"
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Published")
    page.goto(f"{live_server}/admin/products")
    assert page.locator("table a", has_text="Linen apron").is_visible()
    page.check("input[name=product_ids]")
    checked(page, "admin-products-index")

    page.click("table a:has-text('Linen apron')")
    page.click("a.button.danger")
    page.wait_for_selector("h1:has-text('Delete Linen apron?')")
    checked(page, "admin-products-delete")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button.danger")
    page.wait_for_url(f"{live_server}/admin/products?notice=deleted")
    assert "Add your first product" in page.inner_text("main")
