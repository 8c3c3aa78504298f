"""The admin's product pages: the index (search, status, paging, rows for a bulk edit), create and edit,
publish and unpublish, delete after its confirm page; each through the merchant API's own functions."""

import json
import re

import pytest

from tests.support import media
from tests.support.admin import header, signed_in
from tests.support.api import product_body


@pytest.fixture
def client(app):
    from chalice.test import Client

    with Client(app) as c:
        yield c


@pytest.fixture
def shop(client, merchant):
    """(the merchant's API, the admin signed in as that merchant)"""
    return merchant[0], signed_in(client, merchant)


def _create(shop_api, *args, **kwargs) -> dict:
    r = shop_api.post("/api/admin/products", product_body(*args, **kwargs))
    assert r.status_code == 201, r.body
    return r.json


def _rows(page) -> list[str]:
    return re.findall(r'name="product_ids" value="([^"]+)"', page.text)


# The index ----------------------------------------------------------------------------------------------------------


def test_a_shop_without_products_is_told_to_add_its_first(shop):
    _, admin = shop
    page = admin.get("/admin/products")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    assert "Add your first product" in page.text and 'href="/admin/products/new"' in page.text


def test_the_index_lists_products_newest_first_with_status_stock_and_price(shop):
    shop_api, admin = shop
    older = _create(shop_api, "Linen Shirt", price=2500, qty=4)
    newer = _create(shop_api, "Wool Scarf", status="draft", price=1200, qty=0)
    page = admin.get("/admin/products")
    assert _rows(page) == [newer["id"], older["id"]]
    assert 'action="/admin/products/bulk"' in page.text and 'name="action"' in page.text
    assert "$25.00" in page.text and "4 in stock" in page.text and ">Draft<" in page.text
    assert f'href="/admin/products/{older["id"]}"' in page.text
    assert 'class="responsive"' in page.text and 'data-label="Price"' in page.text


def test_the_index_searches_and_filters_by_status(shop):
    shop_api, admin = shop
    shirt = _create(shop_api, "Linen Shirt")
    draft = _create(shop_api, "Silk Shirt", status="draft")
    _create(shop_api, "Mug")
    assert _rows(admin.get("/admin/products?q=SHIRT")) == [draft["id"], shirt["id"]]
    assert _rows(admin.get("/admin/products?q=shirt&status=active")) == [shirt["id"]]
    nothing = admin.get("/admin/products?q=teapot")
    assert nothing.status_code == 200 and "No products match" in nothing.text and 'value="teapot"' in nothing.text
    sku = draft["variants"][0]["sku"]
    assert _rows(admin.get(f"/admin/products?q={sku}")) == [draft["id"]]


def test_the_index_pages_with_the_filter_kept(shop, monkeypatch):
    from chalicelib.api.admin import products

    monkeypatch.setattr(products, "PAGE_SIZE", 2)
    shop_api, admin = shop
    lamps = [_create(shop_api, f"Lamp {i}")["id"] for i in range(3)]
    _create(shop_api, "Chair")
    first = admin.get("/admin/products?q=lamp")
    assert _rows(first) == lamps[:0:-1]
    following = re.search(r'href="([^"]+)" rel="next"', first.text)[1].replace("&amp;", "&")
    assert "q=lamp" in following
    second = admin.get(following)
    assert _rows(second) == [lamps[0]] and 'rel="next"' not in second.text and "First page" in second.text


def test_a_bad_filter_answers_400_on_the_admin_error_page(shop):
    _, admin = shop
    page = admin.get("/admin/products?status=archived")
    assert page.status_code == 400 and "status" in page.text


# Create and edit ----------------------------------------------------------------------------------------------------


def _new_product_form(**more) -> dict:
    return {
        "title": "Linen Shirt",
        "description": "Cool in summer",
        "status": "draft",
        "option_names[0]": "Size",
        "variants[0].sku": "LIN-S",
        "variants[0].price": "25.00",
        "variants[0].compare_at_price": "30",
        "variants[0].inventory_quantity": "4",
        "variants[0].options[0]": "S",
        "variants[1].sku": "LIN-M",
        "variants[1].price": "27.50",
        "variants[1].compare_at_price": "",
        "variants[1].inventory_quantity": "0",
        "variants[1].options[0]": "M",
        "seo.title": "Linen shirt for summer",
        "seo.description": "Breathes",
        **more,
    }


def _audit_actions(shop_api, product_id) -> list[tuple[str, str]]:
    r = shop_api.get(f"/api/admin/audit?resource_type=product&resource_id={product_id}")
    assert r.status_code == 200, r.body
    return [(e["action"], e["via"]) for e in r.json["items"]]


def test_a_product_is_added_with_variants_prices_stock_and_seo(shop):
    shop_api, admin = shop
    page = admin.get("/admin/products/new")
    assert page.status_code == 200 and 'name="variants[0].sku"' in page.text
    saved = admin.post("/admin/products/new", _new_product_form())
    assert saved.status_code == 303, saved.text
    product_id = header(saved, "location").split("/")[-1].split("?")[0]
    product = shop_api.get(f"/api/admin/products/{product_id}").json
    assert (product["title"], product["status"], product["handle"]) == ("Linen Shirt", "draft", "linen-shirt")
    assert product["seo"] == {"title": "Linen shirt for summer", "description": "Breathes"}
    assert [
        (v["sku"], v["price"], v["compare_at_price"], v["inventory_quantity"], v["options"])
        for v in product["variants"]
    ] == [
        ("LIN-S", 2500, 3000, 4, {"Size": "S"}),
        ("LIN-M", 2750, None, 0, {"Size": "M"}),
    ]
    edit = admin.get(header(saved, "location"))
    assert "Created." in edit.text and 'value="27.50"' in edit.text and 'value="LIN-M"' in edit.text
    assert _audit_actions(shop_api, product_id) == [("create_product", "admin")]


def test_errors_are_shown_at_the_top_and_next_to_each_field_with_what_was_typed(shop):
    shop_api, admin = shop
    admin.get("/admin/products/new")
    form = _new_product_form(**{"title": "", "variants[1].price": "12.345", "variants[1].sku": "LIN-S"})
    page = admin.post("/admin/products/new", form)
    assert page.status_code == 400 and "There is a problem" in page.text
    assert 'href="#f-variants-1-price"' in page.text and 'id="f-variants-1-price-error"' in page.text
    assert 'value="12.345"' in page.text  # what was typed stays
    fixed = admin.post("/admin/products/new", {**form, "variants[1].price": "12.34"})
    assert fixed.status_code == 400 and 'id="f-title-error"' in fixed.text  # the schema's own rule
    dupe = admin.post("/admin/products/new", {**form, "variants[1].price": "12.34", "title": "Shirt"})
    assert dupe.status_code == 400 and 'id="f-variants-1-sku-error"' in dupe.text and "duplicate SKU" in dupe.text
    assert shop_api.get("/api/admin/products").json["items"] == []


def test_a_blank_row_comes_with_add_variant_and_is_ignored_if_left_empty(shop):
    shop_api, admin = shop
    admin.get("/admin/products/new")
    more = admin.post("/admin/products/new", _new_product_form(add_variant="1"))
    assert more.status_code == 200 and 'name="variants[2].sku"' in more.text and 'value="LIN-M"' in more.text
    blank = {"variants[2].sku": "", "variants[2].price": "", "variants[2].inventory_quantity": "0"}
    saved = admin.post("/admin/products/new", _new_product_form(**blank))
    assert saved.status_code == 303, saved.text
    assert len(shop_api.get("/api/admin/products").json["items"][0]["variants"]) == 2


def test_an_edit_changes_adds_and_removes_variants(shop):
    shop_api, admin = shop
    made = admin.post("/admin/products/new", _new_product_form())
    product_id = header(made, "location").split("/")[-1].split("?")[0]
    first, second = shop_api.get(f"/api/admin/products/{product_id}").json["variants"]
    page = admin.get(f"/admin/products/{product_id}")
    assert f'value="{first["id"]}"' in page.text
    form = _new_product_form(
        **{
            "title": "Linen Shirt II",
            "variants[0].id": first["id"],
            "variants[0].price": "26",
            "variants[1].id": second["id"],
            "variants[1].remove": "on",
            "variants[2].sku": "LIN-L",
            "variants[2].price": "29",
            "variants[2].inventory_quantity": "2",
            "variants[2].options[0]": "L",
        }
    )
    saved = admin.post(f"/admin/products/{product_id}", form)
    assert saved.status_code == 303, saved.text
    product = shop_api.get(f"/api/admin/products/{product_id}").json
    assert product["title"] == "Linen Shirt II"
    assert [(v["sku"], v["price"]) for v in product["variants"]] == [("LIN-S", 2600), ("LIN-L", 2900)]
    assert _audit_actions(shop_api, product_id) == [("update_product", "admin"), ("create_product", "admin")]
    entry = shop_api.get(f"/api/admin/audit?resource_id={product_id}").json["items"][0]
    fields = {c["field"] for c in entry["changes"]}
    assert {"title", f"variants.{first['id']}.price", f"variants.{second['id']}.sku"} <= fields  # one save, one entry


def test_a_taken_handle_is_shown_next_to_the_handle(shop):
    shop_api, admin = shop
    _create(shop_api, "Mug", handle="mug")
    admin.get("/admin/products/new")
    page = admin.post("/admin/products/new", _new_product_form(handle="mug"))
    assert page.status_code == 400 and 'id="f-handle-error"' in page.text


def test_images_are_picked_from_the_shops_uploads_with_alt_text(shop):
    shop_api, admin = shop
    key = media.upload(shop_api, media.photo(40, 40, format="PNG"), "image/png", "s.png")
    page = admin.get("/admin/products/new")
    assert f'value="{key}"' in page.text
    form = _new_product_form(**{"images[0].key": key, "images[0].use": "on", "images[0].alt": "A linen shirt"})
    saved = admin.post("/admin/products/new", form)
    assert saved.status_code == 303, saved.text
    product = shop_api.get("/api/admin/products").json["items"][0]
    assert [(i["key"], i["alt"]) for i in product["images"]] == [(key, "A linen shirt")]
    foreign = admin.post(
        "/admin/products/new", _new_product_form(**{"images[0].key": "x/media/y.png", "images[0].use": "on"})
    )
    assert foreign.status_code == 400 and 'id="f-images-0-key"' in foreign.text


# Publish, unpublish, delete -----------------------------------------------------------------------------------------


def test_publish_and_unpublish(shop):
    shop_api, admin = shop
    product = _create(shop_api, "Mug", status="draft")
    admin.get(f"/admin/products/{product['id']}")
    published = admin.post(f"/admin/products/{product['id']}/status", {"status": "active"}, follow=True)
    assert (
        "Published" in published.text
        and shop_api.get(f"/api/admin/products/{product['id']}").json["status"] == "active"
    )
    admin.post(f"/admin/products/{product['id']}/status", {"status": "draft"})
    assert shop_api.get(f"/api/admin/products/{product['id']}").json["status"] == "draft"
    assert _audit_actions(shop_api, product["id"])[:2] == [("update_product", "admin")] * 2


def test_delete_asks_first_then_deletes(shop):
    shop_api, admin = shop
    product = _create(shop_api, "Mug")
    ask = admin.get(f"/admin/products/{product['id']}/delete")
    assert (
        ask.status_code == 200
        and "Delete Mug?" in ask.text
        and f'action="/admin/products/{product["id"]}/delete"' in ask.text
    )
    assert shop_api.get(f"/api/admin/products/{product['id']}").status_code == 200  # asking deletes nothing
    done = admin.post(f"/admin/products/{product['id']}/delete", follow=True)
    assert "Deleted." in done.text and shop_api.get(f"/api/admin/products/{product['id']}").status_code == 404
    assert _audit_actions(shop_api, product["id"])[0] == ("delete_product", "admin")


def test_another_shops_product_is_not_found_on_every_page(shop, new_shop):
    _, admin = shop
    theirs = _create(new_shop()[0], "Their mug")
    admin.get("/admin/products")
    for method, path, fields in (
        ("GET", f"/admin/products/{theirs['id']}", None),
        ("POST", f"/admin/products/{theirs['id']}", _new_product_form()),
        ("POST", f"/admin/products/{theirs['id']}/status", {"status": "draft"}),
        ("GET", f"/admin/products/{theirs['id']}/delete", None),
        ("POST", f"/admin/products/{theirs['id']}/delete", {}),
    ):
        answer = admin.get(path) if method == "GET" else admin.post(path, fields)
        assert answer.status_code == 404 and "Not found" in answer.text, (method, path)


def test_a_delete_without_its_csrf_token_answers_403_and_deletes_nothing(shop):
    shop_api, admin = shop
    product = _create(shop_api, "Mug")
    assert admin.post(f"/admin/products/{product['id']}/delete", csrf=False).status_code == 403
    assert shop_api.get(f"/api/admin/products/{product['id']}").status_code == 200


def test_an_upload_is_started_for_the_products_page_then_added_with_its_required_alt_text(shop):
    shop_api, admin = shop
    product = _create(shop_api, "Mug")
    admin.get(f"/admin/products/{product['id']}")
    photo = media.photo(900, 600)
    asked = {"filename": "my mug.jpg", "content_type": "image/jpeg", "size": str(len(photo))}
    started = admin.post(f"/admin/products/{product['id']}/images/uploads", asked)
    assert started.status_code == 200, started.text
    upload = json.loads(started.text)
    assert upload["key"].endswith("-my-mug.jpg") and upload["upload"]["fields"]["Content-Type"] == "image/jpeg"
    key = media.post(upload, photo)  # the page's script posts the file straight to storage
    no_alt = admin.post(f"/admin/products/{product['id']}/images", {"key": key, "alt": " "})
    assert no_alt.status_code == 400 and 'id="f-alt-error"' in no_alt.text and 'href="#f-alt"' in no_alt.text
    sent = admin.post(f"/admin/products/{product['id']}/images", {"key": key, "alt": "A white mug"})
    assert sent.status_code == 303 and "notice=uploaded" in header(sent, "location"), sent.text
    images = shop_api.get(f"/api/admin/products/{product['id']}").json["images"]
    assert [(i["key"], i["alt"], i["width"]) for i in images] == [(key, "A white mug", 900)]
    page = admin.get(f"/admin/products/{product['id']}")
    assert f'src="{images[0]["urls"]["small"]}"' in page.text  # the picker shows the small size, not the photo
    logged = shop_api.get(f"/api/admin/audit?resource_type=media&resource_id={key}").json["items"]
    assert [(e["action"], e["via"]) for e in logged] == [("start_media_upload", "admin")]


def test_an_upload_the_platform_does_not_take_is_refused_before_it_starts(shop):
    shop_api, admin = shop
    product = _create(shop_api, "Mug")
    admin.get(f"/admin/products/{product['id']}")
    for asked, field in (
        ({"filename": "x.svg", "content_type": "image/svg+xml", "size": "100"}, "content_type"),
        ({"filename": "big.jpg", "content_type": "image/jpeg", "size": str(21 * 1024 * 1024)}, "size"),
        ({"filename": "x.jpg", "content_type": "image/jpeg", "size": "lots"}, "size"),
    ):
        refused = admin.post(f"/admin/products/{product['id']}/images/uploads", asked)
        assert refused.status_code == 400 and field in json.loads(refused.text)["fields"], asked
    nothing = admin.post(f"/admin/products/{product['id']}/images", {"key": "", "alt": "A mug"})
    assert nothing.status_code == 400 and "choose an image file" in nothing.text and 'id="f-file-error"' in nothing.text
    foreign = admin.post(f"/admin/products/{product['id']}/images", {"key": "x/media/y.png", "alt": "A mug"})
    assert foreign.status_code == 400 and 'id="f-file-error"' in foreign.text


def test_an_upload_that_is_no_image_it_claims_to_be_is_added_but_says_why_shoppers_never_see_it(shop):
    shop_api, admin = shop
    product = _create(shop_api, "Mug")
    key = media.upload(shop_api, media.photo(50, 50, format="PNG"), "image/jpeg", "renamed.jpg")
    admin.get(f"/admin/products/{product['id']}")
    assert admin.post(f"/admin/products/{product['id']}/images", {"key": key, "alt": "A mug"}).status_code == 303
    page = admin.get(f"/admin/products/{product['id']}")
    assert "Not shown to shoppers: the file is a PNG image, not the image/jpeg it was uploaded as." in page.text
