"""Carts on the storefront API and the cart page, as the contract's Storefront section says."""

import pytest

from tests.support.api import product_body
from tests.support.shopping import Shop


@pytest.fixture
def shop(api, paying_shop):
    return Shop(api, paying_shop)


def _add(shop, cart_id, variant_id, quantity, **kw):
    return shop.store.post(f"/api/store/carts/{cart_id}/items", {"variant_id": variant_id, "quantity": quantity}, **kw)


def test_adding_twice_adds_to_the_line_with_price_title_and_subtotal(shop):
    variant = shop.product(qty=10, price=1250)
    cart_id = shop.cart()
    _add(shop, cart_id, variant, 2)
    cart = _add(shop, cart_id, variant, 3).json
    assert [(l["variant_id"], l["quantity"], l["price"], l["title"]) for l in cart["lines"]] == [
        (variant, 5, 1250, "Blue Shirt")
    ]
    assert cart["subtotal"] == 6250 and cart["currency"] == "USD" and cart["item_count"] == 5
    assert shop.store.get(f"/api/store/carts/{cart_id}").json == cart


def test_new_cart_answers_201_with_an_id(shop):
    created = shop.store.post("/api/store/carts", {})
    assert created.status_code == 201 and created.json["id"] and created.json["lines"] == []


def test_an_anonymous_idempotency_key_on_a_new_cart_is_the_clients_own(shop, someone_else):
    key = {"Idempotency-Key": "app-1"}
    mine = shop.store.post("/api/store/carts", {}, headers=key)
    assert shop.store.post("/api/store/carts", {}, headers=key).json["id"] == mine.json["id"]  # a retry: the same cart
    theirs = someone_else.as_(host=shop.store.host).post("/api/store/carts", {}, headers=key)
    assert theirs.status_code == 201 and theirs.json["id"] != mine.json["id"]  # a cart id is the cart's only secret


def test_line_above_the_stock_available_now_is_409(shop):
    variant = shop.product(qty=3)
    cart_id = shop.cart((variant, 2))
    over = _add(shop, cart_id, variant, 2)
    assert over.status_code == 409 and over.json["fields"] == {"quantity": "only 3 available"}
    assert shop.store.patch(f"/api/store/carts/{cart_id}/items/{variant}", {"quantity": 4}).status_code == 409
    assert shop.store.get(f"/api/store/carts/{cart_id}").json["lines"][0]["quantity"] == 2


@pytest.mark.parametrize("quantity", [0, -1, 1000, 1.5, "2", None])
def test_quantity_must_be_a_positive_bounded_integer(shop, quantity):
    cart_id = shop.cart()
    bad = _add(shop, cart_id, shop.product(), quantity)
    assert bad.status_code == 400 and "quantity" in bad.json["fields"]


def test_unknown_or_another_shops_variant_is_400_naming_variant_id(shop, api, paying_shop):
    other = Shop(api, paying_shop)
    foreign = other.product()
    cart_id = shop.cart()
    for variant in (foreign, "nonsense", shop.product().split("_")[0] + "_ZZZZZZZZ"):
        bad = _add(shop, cart_id, variant, 1)
        assert bad.status_code == 400 and bad.json["fields"] == {"variant_id": "unknown variant"}, bad.body


def test_draft_product_cannot_go_in_a_cart(shop):
    draft = shop.admin.post("/api/admin/products", product_body(status="draft")).json["variants"][0]["id"]
    bad = _add(shop, shop.cart(), draft, 1)
    assert bad.status_code == 400 and bad.json["fields"] == {"variant_id": "not for sale"}


def test_another_shops_cart_is_404(shop, api, paying_shop):
    other = Shop(api, paying_shop)
    cart_id = other.cart()
    assert shop.store.get(f"/api/store/carts/{cart_id}").status_code == 404
    assert _add(shop, cart_id, shop.product(), 1).status_code == 404
    assert shop.store.get("/api/store/carts/not-an-id").status_code == 404


def test_patch_sets_quantity_and_zero_or_delete_removes(shop):
    a, b = shop.product(price=100), shop.product(price=300)
    cart_id = shop.cart((a, 1), (b, 1))
    cart = shop.store.patch(f"/api/store/carts/{cart_id}/items/{a}", {"quantity": 4}).json
    assert cart["subtotal"] == 700
    cart = shop.store.patch(f"/api/store/carts/{cart_id}/items/{a}", {"quantity": 0}).json
    assert [l["variant_id"] for l in cart["lines"]] == [b]
    cart = shop.store.delete(f"/api/store/carts/{cart_id}/items/{b}").json
    assert cart["lines"] == [] and cart["subtotal"] == 0
    assert shop.store.delete(f"/api/store/carts/{cart_id}/items/{b}").status_code == 404


def test_same_idempotency_key_adds_once(shop):
    variant = shop.product(qty=10)
    cart_id = shop.cart()
    first = _add(shop, cart_id, variant, 2, headers={"Idempotency-Key": "add-1"})
    again = _add(shop, cart_id, variant, 2, headers={"Idempotency-Key": "add-1"})
    assert first.json == again.json and again.json["lines"][0]["quantity"] == 2
    other_body = _add(shop, cart_id, variant, 3, headers={"Idempotency-Key": "add-1"})
    assert other_body.status_code == 409


def test_a_cart_being_checked_out_refuses_changes_with_409(shop):
    variant = shop.product()
    cart_id = shop.cart((variant, 1))
    assert shop.checkout(cart_id).status_code == 202
    assert _add(shop, cart_id, variant, 1).status_code == 409
    assert shop.store.patch(f"/api/store/carts/{cart_id}/items/{variant}", {"quantity": 2}).status_code == 409


def test_cart_page_shows_the_cart_named_by_the_cookie(shop):
    variant = shop.product(price=2500)
    cart_id = shop.cart((variant, 2))
    page = shop.store.get("/cart", headers={"cookie": f"theme=x; cart={cart_id}"})
    assert page.status_code == 200
    assert "Blue Shirt" in page.text and "$50.00" in page.text and f"/api/store/carts/{cart_id}" in page.text
    empty = shop.store.get("/cart")
    assert "Your cart is empty" in empty.text
    gone = shop.store.get("/cart", headers={"cookie": "cart=01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    assert "Your cart is empty" in gone.text and "cart=; Max-Age=0; Path=/" in gone.headers["Set-Cookie"]


def test_cart_page_path_form_forgets_the_cookie_on_its_path(shop):
    page = shop.store.as_(host="localhost:8000").get(
        f"/s/{shop.subdomain}/cart", headers={"cookie": "cart=01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    )
    assert f"Path=/s/{shop.subdomain}" in page.headers["Set-Cookie"]


def test_product_page_has_add_to_cart_for_the_cart_api(shop):
    shop.product()
    handle = shop.admin.get("/api/admin/products").json["items"][0]["handle"]
    page = shop.store.get(f"/products/{handle}")
    assert 'id="add-to-cart"' in page.text and '"/api/store/carts"' in page.text


def test_a_cart_untouched_past_its_lifetime_is_gone(shop):
    from chalicelib import keys
    from chalicelib.db import CartRecord

    cart_id = shop.cart((shop.product(), 1))
    CartRecord(shop.tenant_id, keys.cart_sk(cart_id)).update(actions=[CartRecord.expires_at.set(1)])
    assert shop.store.get(f"/api/store/carts/{cart_id}").status_code == 404  # whether or not TTL deleted it yet
    assert _add(shop, cart_id, shop.product(), 1).status_code == 404


def test_checking_out_twice_starts_one_checkout(shop):
    cart_id = shop.cart((shop.product(), 1))
    first = shop.checkout(cart_id, headers={"Idempotency-Key": "pay-1"})
    again = shop.checkout(cart_id, headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 202 and first.json == again.json
    without_key = shop.checkout(cart_id)
    assert without_key.status_code == 409 and without_key.json["fields"] == {"cart": "checkout in progress"}
