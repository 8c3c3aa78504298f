"""Merchant admin products (`/api/admin/products`), as the contract's Merchant admin section says."""

import json

import pytest

from chalicelib import keys
from tests.support.api import PASSWORD, Api, product_body, unique


@pytest.fixture(scope="module")
def one_shop(app):
    """One shop shared by the bad-input matrix: each case checks its own before/after."""
    from chalice.test import Client

    with Client(app) as client:
        sub = unique()
        r = Api(client).post(
            "/api/merchants/signup",
            {
                "email": f"{sub}@example.com",
                "password": PASSWORD,
                "shop_name": f"Shop {sub}",
                "subdomain": sub,
            },
        )
        assert r.status_code == 201, r.body
        shop_api = Api(client, token=r.json["token"])
        _create(shop_api, "Existing")
        yield shop_api


def _all(shop_api) -> list[dict]:
    items, cursor = [], None
    while True:
        r = shop_api.get("/api/admin/products?limit=250" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.body
        items += r.json["items"]
        cursor = r.json["next"]
        if not cursor:
            return items


def _create(shop_api, *args, **kwargs) -> dict:
    r = shop_api.post("/api/admin/products", product_body(*args, **kwargs))
    assert r.status_code == 201, r.body
    return r.json


def _two_variant_body(title="Tee"):
    return {
        "title": title,
        "status": "active",
        "description": "Soft cotton",
        "variants": [
            {"sku": "TEE-S", "price": 2500, "inventory_quantity": 3, "options": {"Size": "S"}},
            {"sku": "TEE-M", "price": 2700, "inventory_quantity": 0, "options": {"Size": "M"}},
        ],
    }


# Creating ---------------------------------------------------------------------------


def test_a_created_product_answers_201_in_the_contract_shape(merchant):
    shop_api, signup = merchant
    r = shop_api.post("/api/admin/products", _two_variant_body("Organic Tee"))
    assert r.status_code == 201, r.body
    p = r.json
    assert keys.is_id(p["id"])
    assert (p["handle"], p["title"], p["status"], p["description"]) == (
        "organic-tee",
        "Organic Tee",
        "active",
        "Soft cotton",
    )
    assert [(v["sku"], v["price"], v["currency"], v["inventory_quantity"], v["options"]) for v in p["variants"]] == [
        ("TEE-S", 2500, "USD", 3, {"Size": "S"}),
        ("TEE-M", 2700, "USD", 0, {"Size": "M"}),
    ]
    assert all(isinstance(v["id"], str) and v["id"] for v in p["variants"])
    assert len({v["id"] for v in p["variants"]}) == 2
    assert shop_api.get(f"/api/admin/products/{p['id']}").json == p


def test_variants_take_the_shops_currency(new_shop):
    shop_api, _ = new_shop(currency="JPY")
    body = product_body(price=500)
    body["variants"][0]["currency"] = "JPY"
    p = shop_api.post("/api/admin/products", body).json
    assert (p["variants"][0]["price"], p["variants"][0]["currency"]) == (500, "JPY")
    assert _create(shop_api, "Other", price=700)["variants"][0]["currency"] == "JPY"


def test_prices_and_quantities_come_back_as_integers(merchant):
    shop_api, _ = merchant
    p = _create(shop_api, price=1999, qty=4)
    assert type(p["variants"][0]["price"]) is int and type(p["variants"][0]["inventory_quantity"]) is int
    assert '"price":1999' in shop_api.get(f"/api/admin/products/{p['id']}").text.replace(" ", "")


@pytest.mark.parametrize(
    "title, handle",
    [
        ("Blue Shirt", "blue-shirt"),
        ("  Crème Brûlée  Mug!! ", "creme-brulee-mug"),
        ("日本茶", "product"),
        ("A" * 255, "a" * 80),
    ],
)
def test_the_handle_is_derived_from_the_title(merchant, title, handle):
    shop_api, _ = merchant
    assert _create(shop_api, title)["handle"] == handle


def test_the_same_title_twice_gets_a_second_handle(merchant):
    shop_api, _ = merchant
    assert [_create(shop_api, "Linen Apron")["handle"] for _ in range(3)] == [
        "linen-apron",
        "linen-apron-2",
        "linen-apron-3",
    ]


def test_handles_are_unique_per_shop_not_across_shops(new_shop):
    a, _ = new_shop()
    b, _ = new_shop()
    assert _create(a, "Canvas Tote")["handle"] == _create(b, "Canvas Tote")["handle"] == "canvas-tote"


def test_a_draft_product_is_created_as_draft(merchant):
    shop_api, _ = merchant
    assert _create(shop_api, status="draft")["status"] == "draft"


# Reading, listing, paginating --------------------------------------------------------


def test_an_unknown_product_id_answers_404(merchant):
    shop_api, _ = merchant
    for pid in (keys.new_id(), "nope", keys.new_variant_id(keys.new_id())):
        r = shop_api.get(f"/api/admin/products/{pid}")
        assert r.status_code == 404 and r.json["message"], pid


def test_the_list_shows_drafts_and_actives_newest_first(merchant):
    shop_api, _ = merchant
    first = _create(shop_api, "First")
    second = _create(shop_api, "Second", status="draft")
    third = _create(shop_api, "Third")
    r = shop_api.get("/api/admin/products")
    assert [p["id"] for p in r.json["items"]] == [third["id"], second["id"], first["id"]]
    assert r.json["next"] is None
    assert r.json["items"][0]["variants"] == third["variants"]


def test_pages_cover_every_product_exactly_once(merchant):
    shop_api, _ = merchant
    made = [_create(shop_api, f"Product {i}")["id"] for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        r = shop_api.get("/api/admin/products?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.body
        assert len(r.json["items"]) <= 3
        seen += [p["id"] for p in r.json["items"]]
        cursor, pages = r.json["next"], pages + 1
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert seen == list(reversed(made))
    assert pages >= 3


@pytest.mark.parametrize("limit", ["0", "251", "x", "-5", "2.5"])
def test_a_limit_outside_1_to_250_answers_400(merchant, limit):
    shop_api, _ = merchant
    r = shop_api.get(f"/api/admin/products?limit={limit}")
    assert r.status_code == 400 and "limit" in r.json["fields"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJwayI6ICJ4In0", "e30", "W10"])
def test_a_forged_cursor_answers_400(merchant, cursor):
    shop_api, _ = merchant
    r = shop_api.get(f"/api/admin/products?cursor={cursor}")
    assert r.status_code == 400 and "cursor" in r.json["fields"]


def test_a_cursor_from_the_storefront_list_is_refused_by_the_admin_list(api, merchant):
    shop_api, signup = merchant
    for i in range(3):
        _create(shop_api, f"P{i}")
    sub = signup["shop"]["subdomain"]
    store_cursor = api.get(f"/s/{sub}/api/store/products?limit=1").json["next"]
    admin_cursor = shop_api.get("/api/admin/products?limit=1").json["next"]
    assert store_cursor and admin_cursor
    assert shop_api.get(f"/api/admin/products?cursor={store_cursor}").status_code == 400
    assert api.get(f"/s/{sub}/api/store/products?cursor={admin_cursor}").status_code == 400


def test_the_list_filters_by_status_and_searches_title_handle_and_sku_in_any_case(merchant):
    shop_api, _ = merchant
    linen = _create(shop_api, "Linen Shirt")
    draft = _create(shop_api, "Wool Scarf", status="draft")
    mug = _create(shop_api, "Mug", handle="coffee-cup")
    sku = draft["variants"][0]["sku"]

    def ids(query):
        r = shop_api.get(f"/api/admin/products?{query}")
        assert r.status_code == 200, r.body
        return [p["id"] for p in r.json["items"]]

    assert ids("status=draft") == [draft["id"]]
    assert ids("status=active") == [mug["id"], linen["id"]]
    assert ids("q=LINEN") == [linen["id"]]
    assert ids("q=cup") == [mug["id"]]
    assert ids(f"q={sku.lower()}") == [draft["id"]]
    assert ids("q=shirt&status=draft") == []
    renamed = shop_api.patch(f"/api/admin/products/{draft['id']}", {"title": "Silk Shirt"})
    assert renamed.status_code == 200, renamed.body
    assert ids("q=shirt") == [draft["id"], linen["id"]]  # the search text follows each edit


def test_a_filtered_list_pages_through_every_match_once(merchant):
    shop_api, _ = merchant
    made = [_create(shop_api, f"Lamp {i}")["id"] for i in range(5)]
    for i in range(4):
        _create(shop_api, f"Chair {i}")
    seen, cursor = [], None
    while True:
        r = shop_api.get("/api/admin/products?limit=2&q=lamp" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200 and len(r.json["items"]) <= 2, r.body
        seen += [p["id"] for p in r.json["items"]]
        cursor = r.json["next"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


@pytest.mark.parametrize("query, field", [("status=archived", "status"), ("q=" + "x" * 201, "q")])
def test_an_unknown_status_or_an_overlong_search_answers_400(merchant, query, field):
    shop_api, _ = merchant
    r = shop_api.get(f"/api/admin/products?{query}")
    assert r.status_code == 400 and field in r.json["fields"], r.body


# Updating ---------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(merchant):
    shop_api, _ = merchant
    p = shop_api.post("/api/admin/products", _two_variant_body()).json
    r = shop_api.patch(f"/api/admin/products/{p['id']}", {"title": "Heavy Tee", "description": "Thicker"})
    assert r.status_code == 200, r.body
    assert (r.json["title"], r.json["description"], r.json["handle"], r.json["status"]) == (
        "Heavy Tee",
        "Thicker",
        p["handle"],
        "active",
    )
    assert r.json["variants"] == p["variants"]
    assert shop_api.get(f"/api/admin/products/{p['id']}").json["title"] == "Heavy Tee"


def test_patch_variants_with_an_id_update_and_without_one_add(merchant):
    shop_api, _ = merchant
    p = shop_api.post("/api/admin/products", _two_variant_body()).json
    small, medium = p["variants"]
    r = shop_api.patch(
        f"/api/admin/products/{p['id']}",
        {
            "variants": [
                {"id": small["id"], "price": 2400, "inventory_quantity": 9},
                {"sku": "TEE-L", "price": 2900, "inventory_quantity": 4, "options": {"Size": "L"}},
            ]
        },
    )
    assert r.status_code == 200, r.body
    got = {v["sku"]: v for v in r.json["variants"]}
    assert set(got) == {"TEE-S", "TEE-M", "TEE-L"}
    assert (got["TEE-S"]["id"], got["TEE-S"]["price"], got["TEE-S"]["inventory_quantity"]) == (small["id"], 2400, 9)
    assert got["TEE-M"] == medium
    assert got["TEE-L"]["id"] not in (small["id"], medium["id"])
    assert (got["TEE-L"]["price"], got["TEE-L"]["currency"]) == (2900, "USD")
    assert shop_api.get(f"/api/admin/products/{p['id']}").json["variants"] == r.json["variants"]


def test_patch_status_moves_a_product_between_active_and_draft(merchant):
    shop_api, _ = merchant
    p = _create(shop_api)
    assert shop_api.patch(f"/api/admin/products/{p['id']}", {"status": "draft"}).json["status"] == "draft"
    assert shop_api.patch(f"/api/admin/products/{p['id']}", {"status": "active"}).json["status"] == "active"


def test_patch_can_set_a_free_handle_but_not_a_taken_one(merchant):
    shop_api, _ = merchant
    p = _create(shop_api, "Mug")
    _create(shop_api, "Bowl")
    r = shop_api.patch(f"/api/admin/products/{p['id']}", {"handle": "bowl"})
    assert r.status_code == 409 and r.json["fields"] == {"handle": "taken"}
    r = shop_api.patch(f"/api/admin/products/{p['id']}", {"handle": "big-mug"})
    assert r.status_code == 200 and r.json["handle"] == "big-mug"
    # The old handle is free again.
    assert _create(shop_api, "Mug")["handle"] == "mug"


def test_patch_with_a_variant_id_of_another_product_answers_400(merchant):
    shop_api, _ = merchant
    p, other = _create(shop_api), _create(shop_api)
    r = shop_api.patch(f"/api/admin/products/{p['id']}", {"variants": [{"id": other["variants"][0]["id"], "price": 1}]})
    assert r.status_code == 400 and "variants[0].id" in r.json["fields"]
    assert shop_api.get(f"/api/admin/products/{other['id']}").json == other


def test_patch_of_an_unknown_product_answers_404(merchant):
    shop_api, _ = merchant
    assert shop_api.patch(f"/api/admin/products/{keys.new_id()}", {"title": "x"}).status_code == 404


# Deleting ---------------------------------------------------------------------------


def test_delete_removes_the_product_and_frees_its_handle(merchant):
    shop_api, _ = merchant
    p = _create(shop_api, "Lamp")
    r = shop_api.delete(f"/api/admin/products/{p['id']}")
    assert r.status_code == 204 and not r.body
    assert shop_api.get(f"/api/admin/products/{p['id']}").status_code == 404
    assert p["id"] not in [x["id"] for x in _all(shop_api)]
    assert shop_api.delete(f"/api/admin/products/{p['id']}").status_code == 404
    assert _create(shop_api, "Lamp")["handle"] == "lamp"


def test_a_variant_is_removed_by_its_own_delete(merchant):
    shop_api, _ = merchant
    p = shop_api.post("/api/admin/products", _two_variant_body()).json
    small, medium = p["variants"]
    r = shop_api.delete(f"/api/admin/products/{p['id']}/variants/{small['id']}")
    assert r.status_code == 200, r.body
    assert [v["id"] for v in r.json["variants"]] == [medium["id"]]
    assert [v["id"] for v in shop_api.get(f"/api/admin/products/{p['id']}").json["variants"]] == [medium["id"]]
    assert shop_api.delete(f"/api/admin/products/{p['id']}/variants/{small['id']}").status_code == 404


def test_the_last_variant_cannot_be_removed(merchant):
    shop_api, _ = merchant
    p = _create(shop_api)
    r = shop_api.delete(f"/api/admin/products/{p['id']}/variants/{p['variants'][0]['id']}")
    assert r.status_code == 409 and r.json["message"]
    assert shop_api.get(f"/api/admin/products/{p['id']}").json["variants"] == p["variants"]


def test_a_variant_of_another_product_cannot_be_deleted_through_this_one(merchant):
    shop_api, _ = merchant
    p, other = _create(shop_api), shop_api.post("/api/admin/products", _two_variant_body()).json
    r = shop_api.delete(f"/api/admin/products/{p['id']}/variants/{other['variants'][0]['id']}")
    assert r.status_code == 404
    assert shop_api.get(f"/api/admin/products/{other['id']}").json == other


# Idempotency-Key ----------------------------------------------------------------------


def test_a_retried_create_with_the_same_key_returns_the_first_product_and_creates_one(merchant):
    shop_api, _ = merchant
    body = product_body("Retry Me")
    first = shop_api.post("/api/admin/products", body, headers={"Idempotency-Key": "create-1"})
    again = shop_api.post("/api/admin/products", body, headers={"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert [p["title"] for p in _all(shop_api)] == ["Retry Me"]


def test_the_same_key_with_a_different_body_answers_409(merchant):
    shop_api, _ = merchant
    assert (
        shop_api.post("/api/admin/products", product_body("One"), headers={"Idempotency-Key": "k-409"}).status_code
        == 201
    )
    r = shop_api.post("/api/admin/products", product_body("Two"), headers={"Idempotency-Key": "k-409"})
    assert r.status_code == 409 and r.json["message"]
    assert [p["title"] for p in _all(shop_api)] == ["One"]


def test_another_merchants_same_key_is_independent(new_shop):
    a, _ = new_shop()
    b, _ = new_shop()
    body = product_body("Shared Key")
    pa = a.post("/api/admin/products", body, headers={"Idempotency-Key": "same"})
    pb = b.post("/api/admin/products", body, headers={"Idempotency-Key": "same"})
    assert pa.status_code == pb.status_code == 201
    assert pa.json["id"] != pb.json["id"]
    assert [p["id"] for p in _all(b)] == [pb.json["id"]]


def test_without_a_key_every_create_creates(merchant):
    shop_api, _ = merchant
    body = product_body("Twice")
    shop_api.post("/api/admin/products", body)
    shop_api.post("/api/admin/products", body)
    assert len(_all(shop_api)) == 2


def test_a_create_refused_as_invalid_does_not_burn_its_key(merchant):
    shop_api, _ = merchant
    bad = product_body("Dupes")
    bad["variants"].append(dict(bad["variants"][0], options={"Size": "L"}))  # same SKU twice
    assert shop_api.post("/api/admin/products", bad, headers={"Idempotency-Key": "k-bad"}).status_code == 400
    good = product_body("Dupes")
    r = shop_api.post("/api/admin/products", good, headers={"Idempotency-Key": "k-bad"})
    assert r.status_code == 201
    assert len(_all(shop_api)) == 1


# Bad input: 400 naming the field, nothing written -----------------------------------------


def _variant(**over):
    return {"sku": "V-1", "price": 1000, "inventory_quantity": 1, **over}


BAD_BODIES = [
    ("title as a number", {"title": 7, "status": "active", "variants": [_variant()]}, "title"),
    ("status unknown", {"title": "T", "status": "archived", "variants": [_variant()]}, "status"),
    ("variants not a list", {"title": "T", "status": "active", "variants": {"sku": "x"}}, "variants"),
    (
        "price as a string",
        {"title": "T", "status": "active", "variants": [_variant(price="10.00")]},
        "variants[0].price",
    ),
    (
        "price with decimals",
        {"title": "T", "status": "active", "variants": [_variant(price=9.99)]},
        "variants[0].price",
    ),
    ("price true", {"title": "T", "status": "active", "variants": [_variant(price=True)]}, "variants[0].price"),
    (
        "quantity as a string",
        {"title": "T", "status": "active", "variants": [_variant(inventory_quantity="3")]},
        "variants[0].inventory_quantity",
    ),
    (
        "options not strings",
        {"title": "T", "status": "active", "variants": [_variant(options={"Size": 3})]},
        "variants[0].options.Size",
    ),
    ("missing title", {"status": "active", "variants": [_variant()]}, "title"),
    ("missing status", {"title": "T", "variants": [_variant()]}, "status"),
    ("missing variants", {"title": "T", "status": "active"}, "variants"),
    ("no variants", {"title": "T", "status": "active", "variants": []}, "variants"),
    (
        "variant missing sku",
        {"title": "T", "status": "active", "variants": [{"price": 1, "inventory_quantity": 1}]},
        "variants[0].sku",
    ),
    (
        "variant missing price",
        {"title": "T", "status": "active", "variants": [{"sku": "a", "inventory_quantity": 1}]},
        "variants[0].price",
    ),
    ("huge title", {"title": "x" * 256, "status": "active", "variants": [_variant()]}, "title"),
    (
        "huge description",
        {"title": "T", "description": "d" * 20_001, "status": "active", "variants": [_variant()]},
        "description",
    ),
    ("huge sku", {"title": "T", "status": "active", "variants": [_variant(sku="S" * 65)]}, "variants[0].sku"),
    ("blank title", {"title": "   ", "status": "active", "variants": [_variant()]}, "title"),
    ("blank sku", {"title": "T", "status": "active", "variants": [_variant(sku="  ")]}, "variants[0].sku"),
    ("negative price", {"title": "T", "status": "active", "variants": [_variant(price=-1)]}, "variants[0].price"),
    (
        "negative quantity",
        {"title": "T", "status": "active", "variants": [_variant(inventory_quantity=-1)]},
        "variants[0].inventory_quantity",
    ),
    ("absurd price", {"title": "T", "status": "active", "variants": [_variant(price=10**15)]}, "variants[0].price"),
    (
        "duplicate skus",
        {
            "title": "T",
            "status": "active",
            "variants": [_variant(options={"Size": "S"}), _variant(options={"Size": "M"})],
        },
        "variants[1].sku",
    ),
    (
        "duplicate skus but for spaces",
        {
            "title": "T",
            "status": "active",
            "variants": [_variant(sku="A1", options={"Size": "S"}), _variant(sku=" A1 ", options={"Size": "M"})],
        },
        "variants[1].sku",
    ),
    (
        "same options twice",
        {
            "title": "T",
            "status": "active",
            "variants": [_variant(sku="A", options={"Size": "S"}), _variant(sku="B", options={"Size": "S"})],
        },
        "variants[1].options",
    ),
    (
        "options that differ by name",
        {
            "title": "T",
            "status": "active",
            "variants": [_variant(sku="A", options={"Size": "S"}), _variant(sku="B", options={"Color": "Red"})],
        },
        "variants[1].options",
    ),
    (
        "another currency",
        {"title": "T", "status": "active", "variants": [_variant(currency="EUR")]},
        "variants[0].currency",
    ),
    (
        "lower-case currency",
        {"title": "T", "status": "active", "variants": [_variant(currency="usd")]},
        "variants[0].currency",
    ),
    ("unknown field", {"title": "T", "status": "active", "variants": [_variant()], "vendor": "x"}, "vendor"),
    (
        "unknown variant field",
        {"title": "T", "status": "active", "variants": [_variant(weight=3)]},
        "variants[0].weight",
    ),
    ("variant id on create", {"title": "T", "status": "active", "variants": [_variant(id="x")]}, "variants[0].id"),
    ("empty object", {}, "title"),
    (
        "too many variants",
        {
            "title": "T",
            "status": "active",
            "variants": [_variant(sku=f"S{i}", options={"n": str(i)}) for i in range(91)],
        },
        "variants",
    ),
]


@pytest.mark.parametrize("body, field", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_a_bad_product_answers_400_naming_the_field_and_writes_nothing(one_shop, body, field):
    before = _all(one_shop)
    r = one_shop.post("/api/admin/products", body)
    assert r.status_code == 400, r.body
    assert field in r.json["fields"], r.json
    assert r.json["message"]
    assert _all(one_shop) == before


@pytest.mark.parametrize(
    "raw",
    ["", "not json", '{"title": ', "[]", "null", "42", '"text"', json.dumps(product_body()) + "garbage", "x" * 300_000],
    ids=["empty", "text", "truncated", "array", "null", "number", "string", "trailing garbage", "300 KB"],
)
def test_a_body_that_is_not_a_json_object_answers_400_and_writes_nothing(one_shop, raw):
    before = _all(one_shop)
    r = one_shop.post("/api/admin/products", raw=raw)
    assert r.status_code == 400, r.body
    assert r.json["message"] and r.json["fields"]
    assert _all(one_shop) == before


BAD_PATCHES = [
    ("empty patch", {}, "body"),
    ("unknown field", {"vendor": "x"}, "vendor"),
    ("blank title", {"title": "  "}, "title"),
    ("negative price", {"variants": [{"sku": "N", "price": -5, "inventory_quantity": 1}]}, "variants[0].price"),
    ("new variant missing price", {"variants": [{"sku": "N", "inventory_quantity": 1}]}, "variants[0].price"),
    (
        "new variant in another currency",
        {"variants": [{"sku": "N", "price": 5, "inventory_quantity": 1, "currency": "EUR", "options": {"Size": "XL"}}]},
        "variants[0].currency",
    ),
    (
        "new variant repeating a sku",
        {"variants": [{"sku": "TEE-S", "price": 5, "inventory_quantity": 1, "options": {"Size": "XL"}}]},
        "variants[0].sku",
    ),
    (
        "new variant with other option names",
        {"variants": [{"sku": "N", "price": 5, "inventory_quantity": 1, "options": {"Colour": "Red"}}]},
        "variants[0].options",
    ),
    ("unknown variant id", {"variants": [{"id": "nope", "price": 5}]}, "variants[0].id"),
    ("bad handle", {"handle": "Not A Handle"}, "handle"),
    ("status unknown", {"status": "deleted", "title": "Changed"}, "status"),
]


@pytest.mark.parametrize("patch, field", [b[1:] for b in BAD_PATCHES], ids=[b[0] for b in BAD_PATCHES])
def test_a_bad_patch_answers_400_naming_the_field_and_changes_nothing(one_shop, patch, field):
    shop_api = one_shop
    p = shop_api.post("/api/admin/products", _two_variant_body()).json
    r = shop_api.patch(f"/api/admin/products/{p['id']}", patch)
    assert r.status_code == 400, r.body
    assert field in r.json["fields"], r.json
    assert shop_api.get(f"/api/admin/products/{p['id']}").json == p


@pytest.mark.parametrize("entry", [0, 1])
def test_renaming_a_variant_to_another_variants_sku_names_the_entry_sent(one_shop, entry):
    p = one_shop.post("/api/admin/products", _two_variant_body()).json
    small, medium = p["variants"]
    patch = [{"id": medium["id"], "price": 2800}, {"id": small["id"], "price": 2600}]
    patch[entry]["sku"] = "TEE-M" if patch[entry]["id"] == small["id"] else "TEE-S"
    r = one_shop.patch(f"/api/admin/products/{p['id']}", {"variants": patch})
    assert r.status_code == 400
    assert list(r.json["fields"]) == [f"variants[{entry}].sku"]
    assert one_shop.get(f"/api/admin/products/{p['id']}").json == p


def test_a_bad_variant_in_a_patch_leaves_the_good_ones_unapplied(merchant):
    shop_api, _ = merchant
    p = shop_api.post("/api/admin/products", _two_variant_body()).json
    r = shop_api.patch(
        f"/api/admin/products/{p['id']}",
        {
            "title": "New",
            "variants": [
                {"id": p["variants"][0]["id"], "price": 1},
                {"sku": "TEE-XL", "price": 1, "inventory_quantity": 1, "options": {"Size": "S"}},
            ],
        },
    )  # same options as S
    assert r.status_code == 400
    assert shop_api.get(f"/api/admin/products/{p['id']}").json == p


def test_a_compare_at_price_is_kept_above_the_price_and_can_be_cleared(merchant):
    shop_api, _ = merchant
    body = _two_variant_body()
    body["variants"][0]["compare_at_price"] = 3000
    product = _create(shop_api, **{k: v for k, v in body.items() if k != "title"}, title=body["title"])
    assert [v["compare_at_price"] for v in product["variants"]] == [3000, None]
    first, second = (v["id"] for v in product["variants"])
    too_low = shop_api.patch(
        f"/api/admin/products/{product['id']}", {"variants": [{"id": second, "compare_at_price": 2700}]}
    )
    assert too_low.status_code == 400 and "variants[0].compare_at_price" in too_low.json["fields"]
    cleared = shop_api.patch(
        f"/api/admin/products/{product['id']}", {"variants": [{"id": first, "compare_at_price": None}]}
    )
    assert cleared.status_code == 200 and cleared.json["variants"][0]["compare_at_price"] is None


def test_a_product_written_before_the_search_text_was_kept_is_still_found(merchant):
    from chalicelib.db import ProductRecord

    shop_api, signup = merchant
    old = _create(shop_api, "Enamel Mug")
    _create(shop_api, "Wool Hat")
    record = ProductRecord.get(signup["shop"]["id"], keys.product_sk(old["id"]))
    record.search_text = None  # as every product was before
    record.save()
    found = shop_api.get("/api/admin/products?q=enamel")
    assert [p["id"] for p in found.json["items"]] == [old["id"]]
    by_sku = shop_api.get(f"/api/admin/products?q={old['variants'][0]['sku']}")
    assert [p["id"] for p in by_sku.json["items"]] == [old["id"]]
    assert shop_api.get("/api/admin/products?q=hat").json["items"][0]["title"] == "Wool Hat"
