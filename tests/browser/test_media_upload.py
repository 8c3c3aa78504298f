"""A merchant uploads a real photo (1-3 MB, straight from the browser to the stand-in for S3) on the product's
admin page, describes it, and the storefront's product page then offers its sizes (srcset, WebP first), never
the photo itself."""

import pytest
import requests

from tests.support import media
from tests.support.api import product_body
from tests.support.browser import checked, new_merchant

pytestmark = pytest.mark.browser


def test_a_merchant_uploads_a_photo_and_the_product_page_offers_its_sizes(page, live_server):
    merchant = new_merchant(page, live_server, "/admin/products")
    product = requests.post(
        f"{live_server}/api/admin/products",
        json=product_body("Linen apron"),
        headers={"authorization": f"Bearer {merchant['token']}"},
        timeout=30,
    ).json()
    photo = media.photo(1800, 1200, noisy=True)
    assert 1_000_000 <= len(photo) <= 3_000_000  # a camera's photo, not a thumbnail

    page.goto(f"{live_server}/admin/products/{product['id']}")
    page.set_input_files("#f-file", files=[{"name": "apron.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.click("button[form=upload]")  # no alt text yet: the browser asks for it before anything is sent
    assert page.evaluate("document.querySelector('#f-alt').validity.valueMissing")
    page.fill("#f-alt", "A linen apron, folded on a chair")
    page.click("button[form=upload]")
    page.wait_for_selector("text=Image uploaded")
    assert page.input_value("#f-images-0-alt") == "A linen apron, folded on a chair"
    assert "/sizes/" in page.get_attribute(".picker img", "src")
    checked(page, "admin-product-photo")

    page.goto(f"{live_server}/s/{merchant['subdomain']}/products/{product['handle']}")
    picture = page.locator("main picture").first
    webp = picture.locator("source[type='image/webp']").get_attribute("srcset")
    fallback = picture.locator("img")
    srcset = fallback.get_attribute("srcset")
    assert [part.rsplit(" ", 1)[1] for part in srcset.split(", ")] == ["400w", "800w", "1600w"], srcset
    assert [part.rsplit(" ", 1)[1] for part in webp.split(", ")] == ["400w", "800w", "1600w"], webp
    assert (fallback.get_attribute("width"), fallback.get_attribute("height")) == ("1800", "1200")
    assert fallback.get_attribute("alt") == "A linen apron, folded on a chair"
    fallback.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=fallback.element_handle())
    shown = page.evaluate("img => img.currentSrc", fallback.element_handle())
    assert "/sizes/" in shown and shown.endswith(".webp"), shown  # a size, WebP where the browser takes it
    assert "apron.jpg" not in page.content()  # the original upload is nowhere on the page
    checked(page, "storefront-product-photo")
