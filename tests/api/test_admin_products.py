"""The admin's product pages: the index (search, status, paging, rows for a bulk edit), create and edit,
publish and unpublish, delete after its confirm page; each through the merchant API's own functions."""

import re

import pytest

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
