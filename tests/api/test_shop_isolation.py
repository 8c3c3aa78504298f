"""Shop B, signed in, tries everything on shop A's things over the HTTP API: all of it misses.

(tests/api/test_isolation.py proves the same one level down, on the IAM policies.)
"""

import pytest

from tests.support.api import product_body


@pytest.fixture
def two_shops(new_shop, api):
    a, a_signup = new_shop()
    b, b_signup = new_shop()
    a_product = a.post(
        "/api/admin/products",
        {
            "title": "Alpha Lamp",
            "status": "active",
            "variants": [
                {"sku": "A-1", "price": 1000, "inventory_quantity": 5, "options": {"Size": "S"}},
                {"sku": "A-2", "price": 1200, "inventory_quantity": 5, "options": {"Size": "L"}},
            ],
        },
    ).json
    b_product = b.post("/api/admin/products", product_body("Beta Lamp")).json
    return {
        "a": a,
        "b": b,
        "a_sub": a_signup["shop"]["subdomain"],
        "b_sub": b_signup["shop"]["subdomain"],
        "a_product": a_product,
        "b_product": b_product,
        "api": api,
    }


def _unchanged(s):
    a, product = s["a"], s["a_product"]
    assert a.get(f"/api/admin/products/{product['id']}").json == product


def test_another_shops_product_cannot_be_read(two_shops):
    s = two_shops
    r = s["b"].get(f"/api/admin/products/{s['a_product']['id']}")
    assert r.status_code == 404 and "Alpha" not in r.text


def test_another_shops_products_never_appear_in_my_list(two_shops):
    s = two_shops
    assert [p["id"] for p in s["b"].get("/api/admin/products").json["items"]] == [s["b_product"]["id"]]
    assert [p["id"] for p in s["a"].get("/api/admin/products").json["items"]] == [s["a_product"]["id"]]


def test_another_shops_product_cannot_be_edited(two_shops):
    s = two_shops
    pid, vid = s["a_product"]["id"], s["a_product"]["variants"][0]["id"]
    assert s["b"].patch(f"/api/admin/products/{pid}", {"title": "Hijacked"}).status_code == 404
    assert s["b"].patch(f"/api/admin/products/{pid}", {"variants": [{"id": vid, "price": 1}]}).status_code == 404
    _unchanged(s)


def test_another_shops_variant_cannot_be_edited_through_my_product(two_shops):
    s = two_shops
    vid = s["a_product"]["variants"][0]["id"]
    r = s["b"].patch(f"/api/admin/products/{s['b_product']['id']}", {"variants": [{"id": vid, "price": 1}]})
    assert r.status_code == 400 and "variants[0].id" in r.json["fields"]
    _unchanged(s)


def test_another_shops_product_and_variants_cannot_be_deleted(two_shops):
    s = two_shops
    pid, vid = s["a_product"]["id"], s["a_product"]["variants"][0]["id"]
    assert s["b"].delete(f"/api/admin/products/{pid}/variants/{vid}").status_code == 404
    assert s["b"].delete(f"/api/admin/products/{s['b_product']['id']}/variants/{vid}").status_code == 404
    assert s["b"].delete(f"/api/admin/products/{pid}").status_code == 404
    _unchanged(s)


def test_my_token_on_another_shops_host_acts_on_my_shop_only(two_shops):
    s = two_shops
    b_on_a_host = s["b"].as_(host=f"{s['a_sub']}.localhost:8000")
    assert b_on_a_host.get("/api/admin/shop").json["subdomain"] == s["b_sub"]
    assert b_on_a_host.get(f"/api/admin/products/{s['a_product']['id']}").status_code == 404
    created = b_on_a_host.post("/api/admin/products", product_body("Gamma Lamp")).json
    assert created["id"] in [p["id"] for p in s["b"].get("/api/admin/products").json["items"]]
    assert [p["id"] for p in s["a"].get("/api/admin/products").json["items"]] == [s["a_product"]["id"]]
    listed = b_on_a_host.get("/api/admin/products").json["items"]
    assert s["a_product"]["id"] not in [p["id"] for p in listed]


def test_a_shops_storefront_never_shows_another_shops_products(two_shops):
    s = two_shops
    api = s["api"]
    for client, prefix in ((api.as_(host=f"{s['a_sub']}.localhost:8000"), ""), (api, f"/s/{s['a_sub']}")):
        home = client.get(prefix + "/")
        assert "Alpha Lamp" in home.text and "Beta Lamp" not in home.text
        assert [p["title"] for p in client.get(prefix + "/api/store/products").json["items"]] == ["Alpha Lamp"]
        assert client.get(f"{prefix}/products/{s['b_product']['handle']}").status_code == 404


def test_the_same_handle_in_two_shops_shows_each_shops_own_product(new_shop, api):
    a, a_signup = new_shop()
    b, b_signup = new_shop()
    a.post("/api/admin/products", product_body("Twin Mug", price=1111))
    b.post("/api/admin/products", product_body("Twin Mug", price=2222))
    page_a = api.get(f"/s/{a_signup['shop']['subdomain']}/products/twin-mug").text
    page_b = api.as_(host=f"{b_signup['shop']['subdomain']}.localhost").get("/products/twin-mug").text
    assert "$11.11" in page_a and "$22.22" not in page_a
    assert "$22.22" in page_b and "$11.11" not in page_b


def test_a_cursor_from_another_shops_list_is_refused(two_shops):
    s = two_shops
    s["a"].post("/api/admin/products", product_body("Second Alpha"))
    a_cursor = s["a"].get("/api/admin/products?limit=1").json["next"]
    assert a_cursor
    r = s["b"].get(f"/api/admin/products?cursor={a_cursor}")
    assert r.status_code == 400 and "cursor" in r.json["fields"]
    store_cursor = s["api"].get(f"/s/{s['a_sub']}/api/store/products?limit=1").json["next"]
    assert s["api"].get(f"/s/{s['b_sub']}/api/store/products?cursor={store_cursor}").status_code == 400
