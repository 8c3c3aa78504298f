"""Themes through the API and the storefront: the merchant lists themes, picks one and tunes it (validated
against its schema); every storefront page renders in every theme, cached only when it names no one."""

import pytest

from chalicelib import edge, themes
from tests.support.api import product_body

PUBLIC = edge.PUBLIC
PRIVATE = "private, no-store"


@pytest.fixture
def shop(merchant, api):
    """(merchant api, the storefront on the shop's own host)."""
    shop_api, signup = merchant
    return shop_api, api.as_(host=f"{signup['shop']['subdomain']}.localhost:8000")


def _create(shop_api, title, **kw) -> dict:
    r = shop_api.post("/api/admin/products", product_body(title, **kw))
    assert r.status_code == 201, r.body
    return r.json


def test_the_merchant_lists_every_theme_with_its_settings_schema(shop):
    shop_api, _ = shop
    r = shop_api.get("/api/admin/themes")
    assert r.status_code == 200
    listed = {t["name"]: t for t in r.json["items"]}
    assert list(listed) == themes.names()
    for theme in listed.values():
        assert theme["title"] and theme["version"] >= 1
        assert theme["settings_schema"]["properties"]["primary_color"]["format"] == "color"


def test_settings_are_checked_against_the_themes_schema_and_a_bad_one_changes_nothing(shop):
    shop_api, _ = shop
    r = shop_api.patch("/api/admin/shop", {"theme": {"settings": {"primary_color": "#12345"}}})
    assert r.status_code == 400 and "theme.settings.primary_color" in r.json["fields"]
    r = shop_api.patch("/api/admin/shop", {"theme": {"name": "no-such-theme"}})
    assert r.status_code == 400 and "theme.name" in r.json["fields"]
    r = shop_api.patch("/api/admin/shop", {"theme": {"settings": {"home_sections": ["about", "glitter"]}}})
    assert r.status_code == 400 and list(r.json["fields"]) == ["theme.settings.home_sections[1]"], r.json
    assert shop_api.get("/api/admin/shop").json["theme"]["settings"] == themes.get("default").defaults()


def test_a_merchant_tunes_the_theme_and_the_storefront_follows(shop):
    shop_api, store = shop
    r = shop_api.patch(
        "/api/admin/shop",
        {"theme": {"settings": {"announcement_text": "Free returns", "home_sections": ["products", "hero"]}}},
    )
    assert r.status_code == 200, r.body
    assert r.json["theme"]["settings"]["announcement_text"] == "Free returns"
    home = store.get("/").text
    assert "Free returns" in home
    assert home.index('id="products-title"') < home.index('id="hero-title"'), "sections in the merchant's order"


def test_the_old_flat_theme_fields_still_tune_the_default_theme(shop):
    shop_api, _ = shop
    r = shop_api.patch("/api/admin/shop", {"theme": {"primary_color": "#7A1F5C", "announcement": "Hi"}})
    assert r.status_code == 200, r.body
    settings = r.json["theme"]["settings"]
    assert settings["primary_color"] == "#7a1f5c" and settings["announcement_text"] == "Hi"


def test_anonymous_pages_are_cacheable_and_a_shoppers_own_pages_are_not(shop):
    shop_api, store = shop
    _create(shop_api, "Cache Lamp")
    for path in ("/", "/products/cache-lamp", "/collections/all", "/search?q=lamp"):
        r = store.get(path)
        assert r.status_code == 200 and r.headers["Cache-Control"] == PUBLIC, path
        assert "Set-Cookie" not in r.headers, path
    assert store.get("/cart").headers["Cache-Control"] == PRIVATE


def test_the_all_collection_pages_through_every_active_product(shop, monkeypatch):
    from chalicelib import storefront

    monkeypatch.setattr(storefront, "COLLECTION_PAGE_SIZE", 2)
    shop_api, store = shop
    for i in range(3):
        _create(shop_api, f"Vase {i}")
    _create(shop_api, "Draft Vase", status="draft")
    first = store.get("/collections/all")
    assert first.status_code == 200 and "Vase 2" in first.text and "Vase 1" in first.text
    assert "Draft Vase" not in first.text
    (next_url,) = [part.split('"')[0] for part in first.text.split('rel="next"')[0].split('href="')[-1:]]
    second = store.get(next_url.replace("&amp;", "&"))
    assert second.status_code == 200 and "Vase 0" in second.text and "Vase 2" not in second.text
    assert store.get("/collections/summer").status_code == 404


def test_search_finds_active_products_by_title_whatever_the_case(shop):
    shop_api, store = shop
    _create(shop_api, "Linen Apron")
    _create(shop_api, "Clay Bowl")
    _create(shop_api, "Linen Draft", status="draft")
    found = store.get("/search?q=LINEN")
    assert found.status_code == 200
    assert "Linen Apron" in found.text and "Clay Bowl" not in found.text and "Linen Draft" not in found.text
    assert 'name="robots" content="noindex"' in found.text
    assert "Nothing matches" in store.get("/search?q=teapot").text
    assert store.get("/search").status_code == 200
    assert store.get("/search?q=" + "x" * 500).status_code == 400


def test_the_product_page_carries_its_seo(shop):
    shop_api, store = shop
    _create(shop_api, "Seo Lamp", description="A lamp for reading.")
    html = store.get("/products/seo-lamp").text
    assert '<link rel="canonical" href="http://' in html and "/products/seo-lamp" in html
    assert 'property="og:type" content="product"' in html
    for kind in ('"@type": "Product"', '"@type": "BreadcrumbList"', '"@type": "Organization"'):
        assert kind in html, kind


def test_policy_pages_follow_the_shops_settings_and_the_merchants_text(shop):
    shop_api, store = shop
    r = shop_api.patch("/api/admin/return-policy", {"window_days": 45, "return_shipping_paid_by": "merchant"})
    assert r.status_code == 200, r.body
    refund = store.get("/policies/refund")
    assert refund.status_code == 200 and refund.headers["Cache-Control"] == PUBLIC
    assert "within 45 days" in refund.text and "We pay for return postage." in refund.text
    shop_api.request(
        "PUT", "/api/admin/shipping-rates", {"rates": [{"name": "Courier", "amount": 700, "free_over": 9000}]}
    )
    shipping_page = store.get("/policies/shipping").text
    assert "Courier" in shipping_page and "$7.00" in shipping_page and "$90.00" in shipping_page
    assert "hasn’t published this policy yet" in store.get("/policies/privacy").text
    r = shop_api.request(
        "PUT", "/api/admin/policies", {"privacy": "We keep <b>nothing</b>.\n\nAsk us.", "terms": "Be nice."}
    )
    assert r.status_code == 200 and r.json == {"privacy": "We keep <b>nothing</b>.\n\nAsk us.", "terms": "Be nice."}
    privacy = store.get("/policies/privacy").text
    assert "We keep &lt;b&gt;nothing&lt;/b&gt;." in privacy and "<p>Ask us.</p>" in privacy
    assert "Be nice." in store.get("/policies/terms").text
    assert store.get("/policies/cookies").status_code == 404


def test_policy_texts_are_validated_and_audited(shop):
    shop_api, _ = shop
    assert shop_api.request("PUT", "/api/admin/policies", {"privacy": "x"}).status_code == 400
    assert shop_api.request("PUT", "/api/admin/policies", {"privacy": "x" * 20001, "terms": ""}).status_code == 400
    assert shop_api.request("PUT", "/api/admin/policies", {"privacy": "Kept.", "terms": ""}).status_code == 200
    log = shop_api.get("/api/admin/audit?resource_type=policies").json["items"]
    assert len(log) == 1 and {"field": "privacy", "before": "", "after": "Kept."} in log[0]["changes"], log


def test_the_themes_list_needs_a_merchant(api):
    assert api.get("/api/admin/themes").status_code == 401


def test_a_logo_of_the_shops_own_media_shows_its_sizes_and_anothers_is_refused(shop, new_shop):
    from tests.support import media as uploads

    shop_api, store = shop
    other_api, _ = new_shop()
    theirs = uploads.upload(other_api, uploads.photo(400, 200))
    refused = shop_api.patch("/api/admin/shop", {"theme": {"settings": {"logo": theirs}}})
    assert refused.status_code == 400 and list(refused.json["fields"]) == ["theme.settings.logo"]
    mine = uploads.upload(shop_api, uploads.photo(400, 200))
    assert shop_api.patch("/api/admin/shop", {"theme": {"settings": {"logo": mine}}}).status_code == 200
    header = store.get("/").text.split("</header>")[0]
    assert 'class="logo-image"' in header and "/sizes/" in header and mine not in header  # never the original


@pytest.mark.parametrize("theme", themes.names())
def test_every_anonymous_page_renders_in_every_theme(shop, theme):
    shop_api, store = shop
    _create(shop_api, "Theme Lamp")
    assert shop_api.patch("/api/admin/shop", {"theme": {"name": theme}}).status_code == 200
    paths = ["/", "/collections/all", "/search?q=lamp", "/products/theme-lamp", "/cart"]
    paths += [f"/policies/{kind}" for kind in ("refund", "shipping", "privacy", "terms")]
    for path in paths + ["/products/gone"]:
        r = store.get(path)
        assert r.status_code == (404 if path.endswith("gone") else 200), path
        assert f"/assets/{theme}/theme.css" in r.text and "/assets/_common/storefront.css" in r.text, path
        assert r.text.count("<h1") == 1, path
    css = store.get("/theme-settings.css").text
    assert themes.get(theme).defaults()["primary_color"] in css
