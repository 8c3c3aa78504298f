"""The merchant's home (`GET /api/admin/home`): sales today and this week, orders to fulfil, returns to handle,
low stock and a new shop's first steps, each moved by the same writes that make and change orders."""

from datetime import timedelta

import pytest

from chalicelib import clock, order_creation, orders
from tests.support import clock as fake_clock
from tests.support.after_sale import AfterSale
from tests.support.api import connect_payments

SHIPPING = {"rates": [{"name": "Standard", "amount": 500, "countries": ["US"]}]}


def _home(merchant, query: str = "") -> dict:
    got = merchant.get(f"/api/admin/home{query}")
    assert got.status_code == 200, got.body
    return got.json


@pytest.fixture
def shop(api, paying_shop):
    """A shop of its own: every figure of its home is this test's doing."""
    return AfterSale(api, paying_shop)


def _figures(home: dict) -> tuple:
    today = home["sales"]["today"]
    return today["orders"], today["gross"], today["refunds"], today["net"]


def test_a_new_shop_sees_nothing_to_do_yet_and_its_first_steps_not_done(merchant):
    merchant_api, signup = merchant
    home = _home(merchant_api)
    today = clock.now().date()
    monday = today - timedelta(days=today.weekday())
    assert (home["currency"], home["timezone"]) == (signup["shop"]["currency"], "UTC")
    assert home["sales"]["today"] == {
        "from": today.isoformat(),
        "to": today.isoformat(),
        "orders": 0,
        "gross": 0,
        "refunds": 0,
        "net": 0,
    }
    assert (home["sales"]["week"]["from"], home["sales"]["week"]["to"]) == (monday.isoformat(), today.isoformat())
    assert (home["orders_to_fulfil"], home["returns_to_handle"]) == (0, 0)
    assert home["low_stock"] == {"threshold": 5, "count": 0, "items": []}
    assert [(s["step"], s["done"]) for s in home["checklist"]] == [
        ("add_product", False),
        ("connect_payments", False),
        ("set_shipping", False),
    ]
    assert all(s["url"].startswith("/admin/") and s["title"] for s in home["checklist"])


def test_each_first_step_is_done_once_the_merchant_takes_it(merchant, stripe):
    merchant_api, _ = merchant
    created = merchant_api.post(
        "/api/admin/products",
        {"title": "Draft tee", "status": "draft", "variants": [{"sku": "T-1", "price": 1500, "inventory_quantity": 9}]},
    )
    assert created.status_code == 201, created.body
    assert [s["done"] for s in _home(merchant_api)["checklist"]] == [True, False, False]
    connect_payments(merchant_api, stripe)
    assert [s["done"] for s in _home(merchant_api)["checklist"]] == [True, True, False]
    assert merchant_api.request("PUT", "/api/admin/shipping-rates", SHIPPING).status_code == 200
    assert [s["done"] for s in _home(merchant_api)["checklist"]] == [True, True, True]


def test_todays_sales_count_each_order_once_and_a_refund_comes_off_the_day_it_is_made(shop, stripe):
    shirt = shop.product(qty=10, price=2000)
    first = shop.paid_order(stripe, (shirt, 2))
    shop.paid_order(stripe, (shirt, 1))
    assert _figures(_home(shop.admin)) == (2, 6000, 0, 6000)

    # A retried order step finds the order it made: nothing is counted twice.
    again = order_creation.create_from_checkout(shop.tenant_id, first["checkout_id"])
    assert again.order_id == first["id"]
    refund = shop.admin.post(f"/api/admin/orders/{first['id']}/refunds", {"amount": 1500})
    assert refund.status_code == 201 and refund.json["status"] == "succeeded", refund.body
    home = _home(shop.admin)
    assert _figures(home) == (2, 6000, 1500, 4500)
    assert home["sales"]["week"]["orders"] == 2 and home["sales"]["week"]["net"] == 4500


def test_a_day_later_today_starts_empty_and_the_week_keeps_its_days(shop, stripe, monkeypatch):
    shop.paid_order(stripe, (shop.product(qty=5, price=1200), 1))
    tomorrow = clock.now().date() + timedelta(days=1)
    fake_clock.later(monkeypatch, 24 * 3600)
    home = _home(shop.admin)
    assert _figures(home) == (0, 0, 0, 0) and home["sales"]["today"]["from"] == tomorrow.isoformat()
    same_week = tomorrow.weekday() != 0
    assert home["sales"]["week"]["gross"] == (1200 if same_week else 0)


def test_orders_to_fulfil_count_what_is_left_to_ship_until_shipped_or_cancelled(shop, stripe):
    shirt, mug = shop.product(qty=9, price=2000), shop.product(qty=9, price=800)
    shipped_in_parts = shop.paid_order(stripe, (shirt, 2), (mug, 1))
    cancelled = shop.paid_order(stripe, (mug, 1))
    assert _home(shop.admin)["orders_to_fulfil"] == 2

    part = shop.fulfil(shipped_in_parts["id"], {"items": [{"variant_id": shirt, "quantity": 2}]})
    assert part.status_code == 201, part.body
    assert _home(shop.admin)["orders_to_fulfil"] == 2  # the mug is still to ship
    assert shop.fulfil(shipped_in_parts["id"]).status_code == 201
    assert _home(shop.admin)["orders_to_fulfil"] == 1

    assert shop.admin.post(f"/api/admin/orders/{cancelled['id']}/cancel", {}).status_code == 200
    assert _home(shop.admin)["orders_to_fulfil"] == 0
    assert shop.admin.post(f"/api/admin/orders/{cancelled['id']}/cancel", {}).status_code == 200
    assert _home(shop.admin)["orders_to_fulfil"] == 0  # a repeated cancel changes nothing


def test_the_count_of_orders_to_fulfil_agrees_with_the_orders_themselves(shop, stripe):
    shirt = shop.product(qty=9, price=2000)
    made = [shop.paid_order(stripe, (shirt, 1)) for _ in range(3)]
    shop.fulfil(made[0]["id"])
    shop.admin.post(f"/api/admin/orders/{made[1]['id']}/refunds", {"amount": 2000})  # refunded in full
    waiting = [o for o in made if orders.awaits_fulfilment(orders.load(shop.tenant_id, o["id"]))]
    assert [o["id"] for o in waiting] == [made[2]["id"]]
    assert _home(shop.admin)["orders_to_fulfil"] == 1


def test_returns_to_handle_are_those_to_decide_or_to_receive(shop, stripe):
    shirt = shop.product(qty=9, price=2000)
    order = shop.paid_order(stripe, (shirt, 3))
    f = shop.fulfil(order["id"]).json
    shop.move(order["id"], f["id"], "in_transit")
    shop.move(order["id"], f["id"], "delivered")

    kept, refused = (shop.ask_return(order, [(shirt, 1)]).json for _ in range(2))
    assert _home(shop.admin)["returns_to_handle"] == 2
    assert shop.return_action(refused["id"], "reject").status_code == 200
    assert _home(shop.admin)["returns_to_handle"] == 1
    assert shop.return_action(kept["id"], "approve").status_code == 200
    assert _home(shop.admin)["returns_to_handle"] == 1  # still to receive
    assert shop.return_action(kept["id"], "receive").status_code == 200
    assert _home(shop.admin)["returns_to_handle"] == 0


def test_low_stock_lists_variants_at_or_below_the_threshold_lowest_first(shop, stripe):
    few, five, plenty = shop.product(qty=2), shop.product(qty=5), shop.product(qty=9)
    low = _home(shop.admin)["low_stock"]
    assert (low["threshold"], low["count"]) == (5, 2)
    assert [(i["variant_id"], i["inventory_quantity"]) for i in low["items"]] == [(few, 2), (five, 5)]
    assert low["items"][0]["title"] == "Blue Shirt" and low["items"][0]["sku"].startswith("SKU-")

    shop.paid_order(stripe, (plenty, 6))  # stock moved by a sale: 3 left
    low = _home(shop.admin)["low_stock"]
    assert [(i["variant_id"], i["inventory_quantity"]) for i in low["items"]] == [(few, 2), (plenty, 3), (five, 5)]
    assert _home(shop.admin, "?low_stock_threshold=2")["low_stock"]["count"] == 1
    assert _home(shop.admin, "?low_stock_threshold=0")["low_stock"]["count"] == 0


def test_more_low_stock_than_is_listed_is_still_counted(merchant):
    merchant_api, _ = merchant
    for n in range(12):
        variants = [{"sku": f"S-{n}", "price": 100, "inventory_quantity": n % 3}]
        assert (
            merchant_api.post(
                "/api/admin/products", {"title": f"P{n}", "status": "draft", "variants": variants}
            ).status_code
            == 201
        )
    low = _home(merchant_api)["low_stock"]
    assert low["count"] == 12 and len(low["items"]) == 10
    assert [i["inventory_quantity"] for i in low["items"]] == sorted(i["inventory_quantity"] for i in low["items"])


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "1e3", "%D9%A3", "1000001", "%205"])
def test_a_threshold_that_is_no_whole_number_in_range_is_400(merchant, value):
    merchant_api, _ = merchant
    got = merchant_api.get(f"/api/admin/home?low_stock_threshold={value}")
    assert got.status_code == 400 and set(got.json["fields"]) == {"low_stock_threshold"}, got.body


def test_the_home_needs_a_merchant(api):
    assert api.get("/api/admin/home").status_code == 401
