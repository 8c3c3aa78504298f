"""Races over real HTTP: many shoppers at once against the local server, the workflows running on the
emulator at the same time. The counts come from DynamoDB's conditions, never from a lock in the app."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import keys
from chalicelib.db import VariantRecord
from tests.support.shopping import ADDRESS, Shop
from tests.support.wait import wait_for

PENDING = ("processing", "awaiting_payment")


@pytest.fixture
def shop(api, paying_shop):
    return Shop(api, paying_shop)


class Shopper:
    """One browser: its own HTTP session against the live server's path-form storefront."""

    def __init__(self, live_server: str, subdomain: str):
        self.base = f"{live_server}/s/{subdomain}"
        self.http = requests.Session()

    def fill_cart(self, variant_id: str) -> str:
        cart = self.http.post(f"{self.base}/api/store/carts", json={}).json()["id"]
        added = self.http.post(
            f"{self.base}/api/store/carts/{cart}/items", json={"variant_id": variant_id, "quantity": 1}
        )
        assert added.status_code == 200, added.text
        return cart

    def check_out_and_pay(self, cart_id: str, start: threading.Barrier, **extra) -> dict:
        start.wait()
        started = self.http.post(
            f"{self.base}/api/store/carts/{cart_id}/checkout",
            json={"email": "racer@example.com", "shipping_address": ADDRESS, **extra},
        )
        if started.status_code != 202:
            return {"answer": started.status_code, "fields": started.json().get("fields")}
        checkout_id = started.json()["checkout_id"]
        state = self._until(checkout_id, lambda s: s["status"] != "processing")
        if state["status"] == "awaiting_payment":
            paid = self.http.post(state["payment_url"], data={"outcome": "succeed"}, allow_redirects=False)
            assert paid.status_code == 303, paid.text
            state = self._until(checkout_id, lambda s: s["status"] not in PENDING)
        return {"answer": 202, **state}

    def _until(self, checkout_id: str, done) -> dict:
        return wait_for(
            lambda: (lambda s: s if done(s) else None)(
                self.http.get(f"{self.base}/api/store/checkouts/{checkout_id}").json()
            ),
            timeout=300,  # fifty workflows at once on a loaded machine; the bound only stops a hung run
            interval=0.1,
        )


def _race(shop: Shop, live_server: str, variant: str, buyers: int, **extra) -> list[dict]:
    shoppers = [Shopper(live_server, shop.subdomain) for _ in range(buyers)]
    with ThreadPoolExecutor(buyers) as pool:
        carts = list(pool.map(lambda s: s.fill_cart(variant), shoppers))
        start = threading.Barrier(buyers)
        return list(
            pool.map(
                lambda pair: pair[0].check_out_and_pay(pair[1], start, **extra), zip(shoppers, carts, strict=False)
            )
        )


class StockWatch:
    """Reads the variant's stock over and over while the race runs, keeping the lowest value seen."""

    def __init__(self, tenant_id: str, variant_id: str):
        self.key = (tenant_id, keys.variant_sk(variant_id))
        self.lowest = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            seen = int(VariantRecord.get(*self.key, consistent_read=True).inventory_quantity)
            self.lowest = seen if self.lowest is None else min(self.lowest, seen)
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_fifty_buyers_racing_for_three_units_make_exactly_three_paid_orders(shop, stripe, live_server):
    variant = shop.product(qty=3, price=4500)
    with StockWatch(shop.tenant_id, variant) as watch:
        outcomes = _race(shop, live_server, variant, buyers=50)
    paid = [o for o in outcomes if o.get("status") == "paid"]
    losers = [o for o in outcomes if o.get("status") != "paid"]
    assert len(paid) == 3
    # A loser either hears 409 at once (the stock read as gone) or sees its checkout fail at the reserve step.
    odd = [
        o for o in losers if o["answer"] != 409 and (o["status"], o.get("failure_reason")) != ("failed", "out_of_stock")
    ]
    assert odd == [], odd
    assert watch.lowest is not None and watch.lowest >= 0
    assert shop.stock(variant) == 0
    orders = shop.orders()
    assert len(orders) == 3 and sorted(o["number"] for o in orders) == [1, 2, 3]
    assert {o["id"] for o in orders} == {o["order_id"] for o in paid}


def test_a_discount_limited_to_five_uses_is_used_exactly_five_times_by_twenty_racers(shop, stripe, live_server):
    created = shop.admin.post(
        "/api/admin/discounts", {"code": "FIVE", "type": "fixed_amount", "value": 500, "usage_limit": 5}
    )
    assert created.status_code == 201
    variant = shop.product(qty=100, price=3000)
    outcomes = _race(shop, live_server, variant, buyers=20, discount_code="five")
    paid = [o for o in outcomes if o.get("status") == "paid"]
    assert len(paid) == 5
    for o in outcomes:
        if o.get("status") != "paid":  # refused at once, or at the reserve step
            assert (o["answer"] == 400 and "discount_code" in o["fields"]) or (o["status"], o["failure_reason"]) == (
                "failed",
                "invalid_discount",
            ), o
    assert shop.admin.get("/api/admin/discounts").json["items"][0]["times_used"] == 5
    orders = shop.orders()
    assert len(orders) == 5 and all(o["discount_code"] == "FIVE" and o["discount_total"] == 500 for o in orders)
    assert shop.stock(variant) == 95
