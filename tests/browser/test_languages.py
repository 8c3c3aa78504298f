"""A merchant switches the shop to Chinese in the admin, and the storefront speaks Chinese: its text, its prices as
Chinese writes them, its address; English stays a click away under /en/, with the product's English words."""

import pytest
import requests

from tests.support.api import product_body
from tests.support.browser import checked, new_merchant

pytestmark = pytest.mark.browser


def test_the_merchant_switches_the_shop_to_chinese_and_the_storefront_speaks_it(page, live_server):
    merchant = new_merchant(page, live_server, "/admin/settings/shop")
    product = requests.post(
        f"{live_server}/api/admin/products",
        json=product_body("茶杯", price=123456, description="薄胎瓷，手工拉坯。"),
        headers={"authorization": f"Bearer {merchant['token']}"},
        timeout=30,
    ).json()

    page.select_option("#f-languages", "zh-CN")
    page.check("#f-also-en")
    page.click("text=Save")
    page.wait_for_url("**/admin/settings/shop?notice=saved")
    assert page.input_value("#f-languages") == "zh-CN" and page.is_checked("#f-also-en")
    checked(page, "admin-settings-shop-languages")

    page.goto(f"{live_server}/admin/products/{product['id']}")
    page.click("text=Translations")
    page.fill("#f-title", "Tea cup")
    page.fill("#f-description", "Thin porcelain, thrown by hand.")
    page.fill("#f-handle", "tea-cup")
    page.click("text=Save English")
    page.wait_for_url("**/translations?notice=saved")
    checked(page, "admin-product-translations")

    shop = f"{live_server}/s/{merchant['subdomain']}"
    page.goto(f"{shop}/products/{product['handle']}")
    assert page.get_attribute("html", "lang") == "zh-CN"
    main = page.inner_text("main")
    assert "茶杯" in main and "US$1,234.56" in main and "加入购物车" in main
    assert "跳到正文" in page.inner_text("body")
    checked(page, "storefront-zh-product")

    page.click("footer a[hreflang=en]")
    page.wait_for_url(f"{shop}/en/products/tea-cup")
    assert page.get_attribute("html", "lang") == "en"
    main = page.inner_text("main")
    assert "Tea cup" in main and "$1,234.56" in main and "Add to cart" in main and "茶杯" not in main
    checked(page, "storefront-en-product")

    page.click("footer a[hreflang=zh-CN]")
    page.wait_for_url(f"{shop}/products/{product['handle']}")
    page.goto(f"{shop}/")
    assert page.get_attribute("html", "lang") == "zh-CN" and "茶杯" in page.inner_text("main")
    checked(page, "storefront-zh-home")
