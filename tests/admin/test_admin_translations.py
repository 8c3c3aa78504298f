"""A product's words in the shop's other languages, from its admin page."""

from tests.support.api import product_body


def _product(merchant) -> dict:
    created = merchant[0].post("/api/admin/products", product_body("Tea Cup", description="Thin porcelain."))
    assert created.status_code == 201, created.body
    return created.json


def test_a_shop_of_one_language_is_told_where_to_add_another(admin, merchant):
    product = _product(merchant)
    page = admin.get(f"/admin/products/{product['id']}/translations")
    assert page.status_code == 200 and 'href="/admin/settings/shop"' in page.text
    assert f'href="/admin/products/{product["id"]}/translations"' in admin.get(f"/admin/products/{product['id']}").text


def test_the_merchant_gives_a_product_its_chinese_words_and_takes_them_back(admin, merchant, api):
    assert merchant[0].patch("/api/admin/shop", {"languages": ["en", "zh-CN"]}).status_code == 200
    product = _product(merchant)
    path = f"/admin/products/{product['id']}/translations"
    assert "简体中文" in admin.get(path).text
    saved = admin.post(path, {"language": "zh-CN", "title": "茶杯", "description": "薄胎瓷。", "handle": "cha-bei"})
    assert saved.status_code == 303
    assert merchant[0].get(f"/api/admin/products/{product['id']}").json["translations"] == {
        "zh-CN": {"title": "茶杯", "description": "薄胎瓷。", "handle": "cha-bei"}
    }
    storefront = api.as_(host=f"{merchant[1]['shop']['subdomain']}.localhost:8000")
    assert "薄胎瓷。" in storefront.get("/zh-cn/products/cha-bei").text
    [entry, *_] = merchant[0].get("/api/admin/audit?resource_type=product").json["items"]
    assert (entry["via"], entry["action"]) == ("admin", "translate_product")

    wrong = admin.post(path, {"language": "zh-CN", "title": "茶杯", "handle": "Cha Bei"})
    assert wrong.status_code == 400 and 'id="f-handle-error"' in wrong.text and 'value="Cha Bei"' in wrong.text

    assert admin.post(path, {"language": "zh-CN", "title": "", "description": "", "handle": ""}).status_code == 303
    assert merchant[0].get(f"/api/admin/products/{product['id']}").json["translations"] == {}
    assert storefront.get("/zh-cn/products/cha-bei").status_code == 404
