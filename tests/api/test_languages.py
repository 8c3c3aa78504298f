"""A shop in more than one language: the setting, the language-prefixed pages, what they say and how they link."""

import pytest

from chalicelib import themes
from tests.api.test_storefront import Page
from tests.support.api import product_body


@pytest.fixture
def shop(merchant, api):
    """(merchant api, subdomain, storefront api on the shop's host, storefront api on the platform host)."""
    shop_api, signup = merchant
    sub = signup["shop"]["subdomain"]
    return shop_api, sub, api.as_(host=f"{sub}.localhost:8000"), api.as_(host="localhost:8000")


def _speaks(shop_api, *languages):
    r = shop_api.patch("/api/admin/shop", {"languages": list(languages)})
    assert r.status_code == 200, r.body
    return r.json


def _lang(html: str) -> str:
    return Page(html).all("html")[0]["lang"]


def test_a_new_shop_speaks_english_only(shop):
    shop_api, _, on_host, _ = shop
    assert shop_api.get("/api/admin/shop").json["languages"] == ["en"]
    assert on_host.get("/zh-cn/").status_code == 404
    page = Page(on_host.get("/").text)
    assert not [link for link in page.all("link") if link.get("rel") == "alternate"]


@pytest.mark.parametrize(
    "languages",
    [[], ["fr"], ["en", "en"], ["zh-cn"], "en", [None]],
    ids=["none", "unsupported", "twice", "wrong-case", "not-a-list", "null"],
)
def test_languages_the_platform_does_not_have_are_refused(shop, languages):
    shop_api = shop[0]
    r = shop_api.patch("/api/admin/shop", {"languages": languages})
    assert r.status_code == 400 and any(f.startswith("languages") for f in r.json["fields"])
    assert shop_api.get("/api/admin/shop").json["languages"] == ["en"]


def test_a_second_language_has_its_pages_under_its_prefix_on_both_tenancy_forms(shop):
    shop_api, sub, on_host, on_platform = shop
    assert _speaks(shop_api, "en", "zh-CN")["languages"] == ["en", "zh-CN"]
    shop_api.post("/api/admin/products", product_body("Tea Cup", price=1999))
    for client, root in ((on_host, ""), (on_platform, f"/s/{sub}")):
        english, chinese = client.get(root + "/"), client.get(root + "/zh-cn/")
        assert english.status_code == chinese.status_code == 200
        assert (_lang(english.text), _lang(chinese.text)) == ("en", "zh-CN")
        chinese_page = Page(chinese.text)
        links = [a["href"] for a in chinese_page.all("a") if a.get("href", "").startswith("/")]
        assert f"{root}/zh-cn/products/tea-cup" in links and f"{root}/zh-cn/cart" in links
        # What is not a page stays at the shop's root: its stylesheet.
        sheets = [link["href"] for link in chinese_page.all("link") if link.get("rel") == "stylesheet"]
        assert any(h.startswith(f"{root}/theme-settings.css") for h in sheets)
        product = client.get(root + "/zh-cn/products/tea-cup")
        assert product.status_code == 200 and _lang(product.text) == "zh-CN"
        assert 'data-carts-api="' + root + '/api/store/carts"' in product.text


def test_pages_name_each_other_in_every_language_for_search_engines_and_the_switcher(shop):
    shop_api, sub, on_host, _ = shop
    _speaks(shop_api, "en", "zh-CN")
    shop_api.post("/api/admin/products", product_body("Tea Pot"))
    base = f"http://{sub}.localhost:8000"
    for path in ("/products/tea-pot", "/zh-cn/products/tea-pot"):
        page = Page(on_host.get(path).text)
        hreflang = {link["hreflang"]: link["href"] for link in page.all("link") if link.get("rel") == "alternate"}
        assert hreflang == {"en": f"{base}/products/tea-pot", "zh-CN": f"{base}/zh-cn/products/tea-pot"}
        switcher = {a["hreflang"]: a["href"] for a in page.all("a") if a.get("hreflang")}
        assert switcher == hreflang


def test_the_primary_language_lives_at_the_root_only(shop):
    shop_api, _, on_host, _ = shop
    _speaks(shop_api, "zh-CN", "en")
    assert _lang(on_host.get("/").text) == "zh-CN"
    assert _lang(on_host.get("/en/").text) == "en"
    assert on_host.get("/zh-cn/").status_code == 404


def test_a_chinese_shop_speaks_chinese_and_writes_prices_as_chinese_does(shop):
    shop_api, _, on_host, _ = shop
    _speaks(shop_api, "zh-CN")
    shop_api.post("/api/admin/products", product_body("Tea Bowl", price=123456))
    page = on_host.get("/products/tea-bowl")
    assert _lang(page.text) == "zh-CN" and "US$1,234.56" in page.text
    assert on_host.get("/en/products/tea-bowl").status_code == 404  # English is not one of its languages


def test_a_missing_page_in_a_language_answers_in_that_language(shop):
    shop_api, _, on_host, _ = shop
    _speaks(shop_api, "en", "zh-CN")
    for path, lang in (("/zh-cn/products/nothing-here", "zh-CN"), ("/products/nothing-here", "en")):
        r = on_host.get(path)
        assert r.status_code == 404 and _lang(r.text) == lang


def test_a_finished_carts_cookie_is_dropped_at_the_shops_root_from_any_language(shop):
    shop_api, sub, _, on_platform = shop
    _speaks(shop_api, "en", "zh-CN")
    r = on_platform.get(f"/s/{sub}/zh-cn/cart", headers={"Cookie": "cart=gone"})
    assert r.status_code == 200 and f"Path=/s/{sub};" in r.headers["Set-Cookie"]


# Translated products -------------------------------------------------------------------------------------------


def _translate(shop_api, product_id: str, language: str, body: dict):
    return shop_api.request("PUT", f"/api/admin/products/{product_id}/translations/{language}", body)


def _tea_cup(shop_api) -> dict:
    created = shop_api.post("/api/admin/products", product_body("Tea Cup", price=1999, description="Thin porcelain."))
    assert created.status_code == 201, created.body
    return created.json


def test_a_product_in_another_language_has_its_own_title_description_and_address(shop):
    shop_api, sub, on_host, on_platform = shop
    _speaks(shop_api, "en", "zh-CN")
    cup = _tea_cup(shop_api)
    body = {"title": "茶杯", "description": "薄胎瓷。", "handle": "cha-bei"}
    answer = _translate(shop_api, cup["id"], "zh-CN", body)
    assert answer.status_code == 200, answer.body
    assert answer.json["translations"] == {"zh-CN": body}
    assert shop_api.get(f"/api/admin/products/{cup['id']}").json["translations"] == {"zh-CN": body}

    for client, root in ((on_host, ""), (on_platform, f"/s/{sub}")):
        home = Page(client.get(root + "/zh-cn/").text)
        assert "茶杯" in home.visible_text and "Tea Cup" not in home.visible_text
        assert f"{root}/zh-cn/products/cha-bei" in [a.get("href") for a in home.all("a")]
        page = client.get(root + "/zh-cn/products/cha-bei")
        assert page.status_code == 200 and "薄胎瓷。" in page.text and "<title>茶杯" in page.text
        english = Page(client.get(root + "/products/tea-cup").text)
        assert "Tea Cup" in english.visible_text and "茶杯" not in english.visible_text
    page = Page(on_host.get("/zh-cn/products/cha-bei").text)
    hreflang = {link["hreflang"]: link["href"] for link in page.all("link") if link.get("rel") == "alternate"}
    base = f"http://{sub}.localhost:8000"
    assert hreflang == {"en": f"{base}/products/tea-cup", "zh-CN": f"{base}/zh-cn/products/cha-bei"}
    canonical = [link["href"] for link in page.all("link") if link.get("rel") == "canonical"]
    assert canonical == [f"{base}/zh-cn/products/cha-bei"]
    # The product's own handle still finds it in Chinese; the translated one is no English address.
    assert on_host.get("/zh-cn/products/tea-cup").status_code == 200
    assert on_host.get("/products/cha-bei").status_code == 404


def test_a_translated_handle_is_one_products_per_language_and_freed_when_dropped(shop):
    shop_api = shop[0]
    _speaks(shop_api, "en", "zh-CN")
    cup, pot = _tea_cup(shop_api), shop_api.post("/api/admin/products", product_body("Tea Pot")).json
    assert _translate(shop_api, cup["id"], "zh-CN", {"title": "茶杯", "handle": "cha"}).status_code == 200
    taken = _translate(shop_api, pot["id"], "zh-CN", {"title": "茶壶", "handle": "cha"})
    assert taken.status_code == 409 and taken.json["fields"] == {"handle": "taken"}
    dropped = shop_api.delete(f"/api/admin/products/{cup['id']}/translations/zh-CN")
    assert dropped.status_code == 200 and dropped.json["translations"] == {}
    assert _translate(shop_api, pot["id"], "zh-CN", {"title": "茶壶", "handle": "cha"}).status_code == 200
    assert shop_api.delete(f"/api/admin/products/{pot['id']}").status_code == 204
    assert _translate(shop_api, cup["id"], "zh-CN", {"title": "茶杯", "handle": "cha"}).status_code == 200


@pytest.mark.parametrize(
    "language, body, status",
    [
        ("fr", {"title": "Tasse"}, 400),  # not a language the shop speaks
        ("en", {"title": "Cup"}, 400),  # its primary: the product's own words
        ("zh-CN", {"title": ""}, 400),
        ("zh-CN", {"title": "茶杯", "handle": "Not A Handle"}, 400),
        ("zh-CN", {"title": "茶杯", "price": 1}, 400),
    ],
)
def test_a_translation_the_shop_cannot_use_is_refused(shop, language, body, status):
    shop_api = shop[0]
    _speaks(shop_api, "en", "zh-CN")
    cup = _tea_cup(shop_api)
    answer = _translate(shop_api, cup["id"], language, body)
    assert answer.status_code == status and answer.json["message"]
    assert shop_api.get(f"/api/admin/products/{cup['id']}").json["translations"] == {}


def test_the_cart_in_another_language_names_its_products_in_it(shop):
    shop_api, _, on_host, _ = shop
    _speaks(shop_api, "en", "zh-CN")
    cup = _tea_cup(shop_api)
    assert _translate(shop_api, cup["id"], "zh-CN", {"title": "茶杯", "handle": "cha-bei"}).status_code == 200
    cart = on_host.post("/api/store/carts", {}).json
    added = on_host.post(
        f"/api/store/carts/{cart['id']}/items", {"variant_id": cup["variants"][0]["id"], "quantity": 1}
    )
    assert added.status_code == 200, added.body
    chinese = Page(on_host.get("/zh-cn/cart", headers={"Cookie": f"cart={cart['id']}"}).text)
    assert "茶杯" in chinese.visible_text and "Tea Cup" not in chinese.visible_text
    assert "/zh-cn/products/cha-bei" in [a.get("href") for a in chinese.all("a")]
    english = Page(on_host.get("/cart", headers={"Cookie": f"cart={cart['id']}"}).text)
    assert "Tea Cup" in english.visible_text and "茶杯" not in english.visible_text


@pytest.mark.parametrize("theme", themes.names())
def test_every_page_of_every_theme_speaks_chinese_with_no_english_left(shop, theme):
    """No phrase of the English catalogue shows on a Chinese page: every theme's own text goes through gettext."""
    shop_api, _, on_host, _ = shop
    _speaks(shop_api, "zh-CN")
    assert shop_api.patch("/api/admin/shop", {"theme": {"name": theme}}).status_code == 200
    shop_api.post("/api/admin/products", product_body("Lamp", price=2500))
    english = {
        m.id
        for m in _english_catalogue()
        if isinstance(m.id, str) and " " in m.id and "%" not in m.id and m.id != "Tea Cup"
    }
    paths = ["/", "/collections/all", "/search?q=lamp", "/search?q=nothing", "/products/lamp", "/cart"]
    paths += [f"/policies/{kind}" for kind in ("refund", "shipping", "privacy", "terms")] + ["/products/gone"]
    for path in paths:
        r = on_host.get(path)
        assert _lang(r.text) == "zh-CN", path
        shown = Page(r.text).visible_text
        assert [phrase for phrase in english if phrase in shown] == [], path
        assert "US$25.00" in shown or path not in ("/", "/collections/all", "/products/lamp"), path


def _english_catalogue():
    from babel.messages.pofile import read_po

    from chalicelib import languages

    with languages.catalogue_path("en").open("rb") as po:
        return read_po(po)
