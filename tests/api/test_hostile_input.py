"""Hostile input is a 400 naming what is wrong, on every route, and changes nothing: bodies nested thousands
deep, lone surrogates, numbers and dates out of range, forged signature timestamps and cursors, control and
bidi-override characters in names; unserved HTTP methods are a 405."""

import base64
import json

import pytest
import requests

from tests.support.api import PASSWORD, product_body, unique
from tests.support.shopping import ADDRESS

DEEP = "[" * 5000 + "]" * 5000
LONE_SURROGATE = "\ud800"
BIDI_OVERRIDE = "\u202e"
NOT_TEXT = "contains a lone surrogate or a NUL character"
NOT_DISPLAY_TEXT = "must not contain control or bidirectional-override characters"


def _store(api, signup):
    return api.as_(token="", host=f"{signup['shop']['subdomain']}.localhost:8000")


def _signup_body(**over):
    sub = unique()
    return {"email": f"{sub}@example.com", "password": PASSWORD, "shop_name": "Shop", "subdomain": sub, **over}


def _refused(r, field: str, message: str | None = None) -> None:
    assert r.status_code == 400, (r.status_code, r.body)
    assert field in r.json["fields"], r.json
    if message:
        assert r.json["fields"][field] == message, r.json


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Bodies: nesting, text, numbers ---------------------------------------------------------------------------------


def test_a_body_nested_5000_deep_is_a_400_on_open_and_signed_in_routes(api, merchant):
    admin, signup = merchant
    for client, path in (
        (_store(api, signup), "/api/store/carts"),
        (api, "/api/auth/login"),
        (api, "/api/merchants/signup"),
        (admin, "/api/admin/products"),
    ):
        _refused(client.post(path, raw=DEEP), "body", "at most 32 levels of nesting")
    _refused(admin.post("/api/admin/products", raw='{"title":' * 5000 + '"x"' + "}" * 5000), "body")
    assert admin.get("/api/admin/products").json["items"] == []


def test_a_body_that_is_not_utf8_is_a_400(api):
    raw = json.dumps(_signup_body()).encode().replace(b'"Shop"', b'"Sh\xed\xa0\x80p"')  # an encoded surrogate
    _refused(api.request("POST", "/api/merchants/signup", raw=raw), "body", "not valid UTF-8")


def test_a_lone_surrogate_in_a_password_or_shop_name_is_a_400_and_no_shop(api):
    _refused(api.post("/api/auth/login", {"email": "a@example.com", "password": LONE_SURROGATE}), "password", NOT_TEXT)
    body = _signup_body(shop_name=f"Shop {LONE_SURROGATE}")
    _refused(api.post("/api/merchants/signup", body), "shop_name", NOT_TEXT)
    _refused(api.post("/api/merchants/signup", _signup_body(password="x" * 10 + LONE_SURROGATE)), "password")
    assert api.post("/api/merchants/signup", {**body, "shop_name": "Shop"}).status_code == 201  # nothing was taken


def test_a_lone_surrogate_in_a_title_sku_key_or_address_is_a_400_naming_it(api, merchant):
    admin, signup = merchant
    _refused(admin.post("/api/admin/products", product_body(title=LONE_SURROGATE)), "title", NOT_TEXT)
    sku = product_body()
    sku["variants"][0]["sku"] = f"SKU-{LONE_SURROGATE}"
    _refused(admin.post("/api/admin/products", sku), "variants[0].sku", NOT_TEXT)
    option = product_body()
    option["variants"][0]["options"] = {LONE_SURROGATE: "M"}
    _refused(admin.post("/api/admin/products", option), "variants[0].options", NOT_TEXT)
    assert admin.get("/api/admin/products").json["items"] == []
    store = _store(api, signup)
    cart = store.post("/api/store/carts", {}).json["id"]
    checkout = {"email": "sam@example.com", "shipping_address": {**ADDRESS, "name": LONE_SURROGATE}}
    _refused(store.post(f"/api/store/carts/{cart}/checkout", checkout), "shipping_address.name", NOT_TEXT)


def test_a_lone_surrogate_in_a_pickup_location_is_not_stored_and_the_shop_stays_writable(merchant):
    admin, _ = merchant
    location = {"name": f"Depot {LONE_SURROGATE}", "address": {k: v for k, v in ADDRESS.items() if k != "name"}}
    _refused(admin.request("PUT", "/api/admin/pickup-locations", {"locations": [location]}), "locations[0].name")
    assert admin.get("/api/admin/pickup-locations").json["locations"] == []
    assert admin.patch("/api/admin/shop", {"name": "Renamed"}).status_code == 200


@pytest.mark.parametrize(
    "price, message",
    [
        ("1e999", "must be a number from -9007199254740991 to 9007199254740991"),
        ("NaN", "must be a number from -9007199254740991 to 9007199254740991"),
        ("9" * 5000, "must be a number from -9007199254740991 to 9007199254740991"),
        ("1999.5", None),
    ],
)
def test_numbers_out_of_range_or_not_whole_are_a_400_naming_the_field(merchant, price, message):
    admin, _ = merchant
    raw = json.dumps(product_body()).replace('"price": 1999', f'"price": {price}')
    _refused(admin.request("POST", "/api/admin/products", raw=raw), "variants[0].price", message)


def test_a_whole_number_sent_with_a_decimal_point_is_that_integer(api, merchant):
    admin, signup = merchant
    raw = json.dumps(product_body(price=1999, qty=3)).replace(": 1999,", ": 1999.0,").replace(": 3,", ": 3e0,")
    created = admin.request("POST", "/api/admin/products", raw=raw)
    assert created.status_code == 201, created.body
    assert '"price":1999,' in created.text and '"inventory_quantity":3,' in created.text
    lookup = _store(api, signup).request(
        "POST", "/api/store/orders/lookup", raw='{"number": 2438548.0, "email": "pat@example.com"}'
    )
    assert lookup.status_code == 404, lookup.body


# Dates -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("starts_at", "0001-01-01T00:00:00+05:00"),
        ("ends_at", "9999-12-31T23:00:00-05:00"),
        ("starts_at", "0001-01-01T00:00:00Z"),
    ],
)
def test_a_discount_date_out_of_range_is_a_400_naming_it(merchant, field, value):
    admin, _ = merchant
    r = admin.post("/api/admin/discounts", {"code": "FAR", "type": "percentage", "value": 10, field: value})
    _refused(r, field, "must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z")
    assert admin.get("/api/admin/discounts").json["items"] == []


# Signatures, cursors, query parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [f"t={'9' * 5000},v1={'0' * 64}", "t=\u00b2,v1=00", "t=\u0663,v1=00", "t=-5,v1=00", "t=,v1=00", "t=1,v1=\u00ff"],
)
def test_a_carrier_signature_that_is_not_unix_seconds_and_hex_is_refused(merchant, signature):
    admin, signup = merchant
    assert admin.get("/api/admin/carrier-webhook").status_code == 200  # the shop has its secret
    r = admin.as_(token="").request(
        "POST",
        f"/api/webhooks/carriers/{signup['shop']['id']}",
        {"tracking_number": "1Z", "status": "delivered"},
        headers={"x-carrier-signature": signature},
    )
    _refused(r, "X-Carrier-Signature", "bad signature")


def test_a_cursor_of_another_list_or_forged_shape_is_a_400_on_orders(merchant):
    admin, signup = merchant
    for _ in range(2):
        assert admin.post("/api/admin/products", product_body()).status_code == 201
    products_cursor = admin.get("/api/admin/products?limit=1").json["next"]
    tid = signup["shop"]["id"]
    for cursor in (
        products_cursor,
        _cursor({"pk": tid, "sk": "ORDER#1"}),
        _cursor({"pk": tid, "sk": "ORDER#1", "gsi3pk": f"{tid}#X", "gsi3sk": "1"}),
        base64.urlsafe_b64encode(DEEP.encode()).decode(),
        _cursor({"pk": tid + LONE_SURROGATE, "sk": "x"}),
    ):
        for filters in ("", "&financial_status=paid", "&fulfillment_status=unfulfilled"):
            _refused(admin.get(f"/api/admin/orders?limit=1&cursor={cursor}{filters}"), "cursor")


@pytest.mark.parametrize("limit", ["1e309", "%C2%B2", "%D9%A3", "%201", "9" * 5000])
def test_a_page_size_that_is_not_ascii_digits_is_a_400(merchant, limit):
    admin, _ = merchant
    _refused(admin.get(f"/api/admin/orders?limit={limit}"), "limit", "out of range")


def test_the_local_server_answers_trace_with_405_and_the_methods_it_serves(live_server):
    r = requests.request("TRACE", f"{live_server}/api/merchants/signup", timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert r.headers["Content-Type"] == "application/json" and "TRACE" in r.json()["message"]


def test_a_method_a_route_lacks_answers_405_in_the_contracts_error_shape(live_server):
    r = requests.delete(f"{live_server}/api/merchants/signup", timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert r.json() == {"message": "Unsupported method: DELETE"}


def test_the_local_servers_dns_stand_in_refuses_a_hostile_body_with_400(live_server):
    for body in (DEEP, '{"name": "\\ud800", "value": "x"}', b"\xff"):
        assert requests.put(f"{live_server}/_dns/txt", data=body, timeout=30).status_code == 400


# Names and titles: no control or bidi-override characters ----------------------------------------------------------


@pytest.mark.parametrize("char", [BIDI_OVERRIDE, "\u2066", "\u202a", "\n", "\x1b", "\x85"])
def test_control_and_bidi_override_characters_in_names_and_titles_are_a_400_naming_the_field(api, merchant, char):
    admin, signup = merchant
    _refused(api.post("/api/merchants/signup", _signup_body(shop_name=f"Shop{char}")), "shop_name", NOT_DISPLAY_TEXT)
    _refused(admin.patch("/api/admin/shop", {"name": f"gpj{char}.exe"}), "name", NOT_DISPLAY_TEXT)
    _refused(admin.post("/api/admin/products", product_body(title=f"Shirt{char}")), "title", NOT_DISPLAY_TEXT)
    body = product_body()
    body["variants"][0].update(sku=f"S{char}1")
    _refused(admin.post("/api/admin/products", body), "variants[0].sku", NOT_DISPLAY_TEXT)
    body = product_body()
    body["variants"][0]["options"] = {"Size": f"M{char}"}
    _refused(admin.post("/api/admin/products", body), "variants[0].options.Size", NOT_DISPLAY_TEXT)
    body["variants"][0]["options"] = {f"Si{char}ze": "M"}
    _refused(admin.post("/api/admin/products", body), "variants[0].options")
    discount = {"code": f"SALE{char}", "type": "percentage", "value": 10}
    _refused(admin.post("/api/admin/discounts", discount), "code", NOT_DISPLAY_TEXT)
    rates = {"rates": [{"name": f"Post{char}", "amount": 500}]}
    _refused(admin.request("PUT", "/api/admin/shipping-rates", rates), "rates[0].name", NOT_DISPLAY_TEXT)
    store = _store(api, signup)
    cart = store.post("/api/store/carts", {}).json["id"]
    checkout = {"email": "sam@example.com", "shipping_address": {**ADDRESS, "city": f"Spring{char}field"}}
    _refused(store.post(f"/api/store/carts/{cart}/checkout", checkout), "shipping_address.city", NOT_DISPLAY_TEXT)
    assert admin.get("/api/admin/products").json["items"] == []
    assert admin.get("/api/admin/discounts").json["items"] == []


def test_a_nul_anywhere_in_a_body_is_a_400_naming_the_field(merchant):
    admin, _ = merchant
    body = product_body(description="Soft\x00cotton")
    _refused(admin.post("/api/admin/products", body), "description", NOT_TEXT)


def test_names_in_any_script_and_free_text_with_line_breaks_are_kept(merchant):
    admin, _ = merchant
    body = product_body(title="Чай 日本茶 שלום ☕", description="Line one\nLine two")
    created = admin.post("/api/admin/products", body)
    assert created.status_code == 201, created.body
    assert created.json["title"] == "Чай 日本茶 שלום ☕" and created.json["description"] == "Line one\nLine two"


def test_an_orders_cursor_moves_between_the_filtered_and_unfiltered_lists(shop, stripe):
    variant = shop.product(qty=10)
    ids = [shop.buy(stripe, (variant, 1))["order_id"] for _ in range(3)][::-1]
    lists = ("", "&financial_status=paid", "&fulfillment_status=unfulfilled")
    for given in lists:
        cursor = shop.admin.get(f"/api/admin/orders?limit=1{given}").json["next"]
        for used in lists:
            page = shop.admin.get(f"/api/admin/orders?limit=1&cursor={cursor}{used}")
            assert page.status_code == 200, (given, used, page.body)
            assert page.json["items"][0]["id"] == ids[1], (given, used)
