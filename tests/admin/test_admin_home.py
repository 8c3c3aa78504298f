"""The admin's home page (`/admin`): the figures of `GET /api/admin/home` for a person, the new shop's checklist
with its links, and empty states that say what comes first."""

import re

import pytest

from tests.support.admin import header, signed_in
from tests.support.after_sale import AfterSale

SHIPPING = {"rates": [{"name": "Standard", "amount": 500, "countries": ["US"]}]}


@pytest.fixture
def client(app):
    from chalice.test import Client

    with Client(app) as c:
        yield c


def _text(page) -> str:
    """The page's words, tags left out and spaces folded, as a screen reader would read them in a row."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def test_a_new_shop_sees_its_first_steps_and_that_nothing_waits_yet(client, merchant):
    page = signed_in(client, merchant).get("/admin")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    words = _text(page)
    assert "Set up your shop" in words and "0 of 3 steps done" in words
    for href, label in (
        ("/admin/products/new", "Add a product"),
        ("/admin/settings/payments", "Connect payments"),
        ("/admin/settings/shipping", "Set shipping rates"),
    ):
        assert f'<a href="{href}">{label}</a>' in page.text
    assert "No orders yet today" in words and "No orders this week yet" in words
    assert "Nothing waits for you." in words and "No variant has 5 units or fewer available." in words
    assert len(page.text.encode()) < 200_000


def test_sales_what_waits_and_low_stock_once_the_shop_sells(client, api, paying_shop, stripe):
    shop = AfterSale(api, paying_shop)
    assert shop.admin.request("PUT", "/api/admin/shipping-rates", SHIPPING).status_code == 200
    shirt = shop.product(qty=3, price=2000)
    shop.paid_order(stripe, (shirt, 2))  # 2 x 20.00 + 5.00 shipping; 1 shirt left
    product_id = shirt.split("_")[0]

    page = signed_in(client, (shop.admin, {"shop": {"subdomain": shop.subdomain}})).get("/admin")
    words = _text(page)
    assert "Set up your shop" not in words  # every step done: the checklist steps aside
    assert "Today $45.00 net sales 1 order for $45.00" in words
    assert "This week $45.00 net sales 1 order for $45.00" in words
    assert '<a href="/admin/orders?fulfillment_status=unfulfilled">1 order to fulfil</a>' in page.text
    assert "No return to handle" in words and "1 variant low on stock" in words
    assert f'<a href="/admin/products/{product_id}">Blue Shirt</a>' in page.text
    assert re.search(r'<td class="num">1</td>', page.text)


def test_a_threshold_that_does_not_read_is_named_next_to_its_field(client, merchant):
    page = signed_in(client, merchant).get("/admin?low_stock_threshold=lots")
    assert page.status_code == 200
    assert 'class="error-summary"' in page.text and 'href="#f-low_stock_threshold"' in page.text
    assert 'id="f-low_stock_threshold-error"' in page.text and 'aria-invalid="true"' in page.text
    assert 'value="lots"' in page.text  # what was typed stays, to be corrected
    assert "No variant has 5 units or fewer available." in _text(page)  # the page still shows, as usual
