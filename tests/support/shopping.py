"""What a shopper does, for the checkout tests: fill a cart, check out, pay on the (emulated) Stripe page."""

import json

import requests

from chalicelib import checkout, workflows
from infra.local import runtime
from infra.local.stripe_emulator import sign_payload
from tests.support.api import product_body
from tests.support.wait import wait_for

ADDRESS = {
    "name": "Sam Shopper",
    "line1": "1 Main Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
PENDING = ("processing", "awaiting_payment")


class Shop:
    """A paying shop with its merchant API and its storefront API (on the shop's own host)."""

    def __init__(self, api, paying_shop, currency: str = "USD"):
        self.admin, signup = paying_shop(currency)
        self.subdomain = signup["shop"]["subdomain"]
        self.tenant_id = signup["shop"]["id"]
        self.store = api.as_(token="", host=f"{self.subdomain}.localhost:8000")

    def product(self, qty: int = 5, price: int = 1999, **extra) -> str:
        """A new active product; returns its variant id."""
        created = self.admin.post("/api/admin/products", product_body(qty=qty, price=price, **extra))
        assert created.status_code == 201, created.body
        return created.json["variants"][0]["id"]

    def stock(self, variant_id: str) -> int:
        product_id = variant_id.split("_")[0]
        product = self.admin.get(f"/api/admin/products/{product_id}").json
        return next(v["inventory_quantity"] for v in product["variants"] if v["id"] == variant_id)

    def cart(self, *items: tuple[str, int]) -> str:
        cart = self.store.post("/api/store/carts", {})
        assert cart.status_code == 201, cart.body
        for variant_id, quantity in items:
            added = self.store.post(
                f"/api/store/carts/{cart.json['id']}/items", {"variant_id": variant_id, "quantity": quantity}
            )
            assert added.status_code == 200, added.body
        return cart.json["id"]

    def checkout(self, cart_id: str, email: str = "sam@example.com", headers: dict | None = None, **extra):
        return self.store.post(
            f"/api/store/carts/{cart_id}/checkout",
            {"email": email, "shipping_address": ADDRESS, **extra},
            headers=headers,
        )

    def status(self, checkout_id: str) -> dict:
        return self.store.get(f"/api/store/checkouts/{checkout_id}").json

    def until(self, checkout_id: str, *statuses: str) -> dict:
        """Waits for the checkout to leave `processing` (or reach one of `statuses`)."""
        wanted = statuses or ("awaiting_payment", "paid", "failed", "expired")
        return wait_for(lambda: (lambda s: s if s["status"] in wanted else None)(self.status(checkout_id)))

    def settled(self, checkout_id: str) -> dict:
        return self.until(checkout_id, "paid", "failed", "expired")

    def buy(self, stripe, *items, outcome: str = "succeed", **extra) -> dict:
        """Cart, checkout, the payment page's button; returns the settled checkout."""
        started = self.checkout(self.cart(*items), **extra)
        assert started.status_code == 202, started.body
        checkout_id = started.json["checkout_id"]
        awaiting = self.until(checkout_id)
        assert awaiting["status"] == "awaiting_payment", awaiting
        stripe.pay(session_of(awaiting), outcome)
        return {**self.settled(checkout_id), "checkout_id": checkout_id}

    def run_out(self, checkout_id: str) -> None:
        """The checkout's reservation runs out now (the emulator ends the payment wait as its timer would)."""
        runtime.time_out_wait(checkout.execution_arn(checkout_id))

    def orders(self, **filters) -> list[dict]:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        return self.admin.get(f"/api/admin/orders?limit=250&{query}").json["items"]


def session_of(checkout: dict) -> str:
    """The Stripe Checkout Session id in a payment_url (the emulator's /pay/<id>)."""
    return checkout["payment_url"].rstrip("/").rsplit("/", 1)[1]


def stripe_event(event_id: str, event_type: str, account_id: str, obj: dict, created: int = 0) -> dict:
    """An event about `obj` on a connected account, shaped as Stripe sends it to the webhook."""
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": created,
        "livemode": False,
        "api_version": None,
        "account": account_id,
        "data": {"object": obj},
    }


def send_event(live_server: str, stripe, event: dict) -> requests.Response:
    """Posts `event` to the webhook endpoint as Stripe would, signed with the emulator's secret."""
    body = json.dumps(event).encode()
    return requests.post(
        f"{live_server}/api/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": sign_payload(body, stripe.webhook_secret)},
    )


def execution_done(checkout_id: str) -> str:
    return wait_for(
        lambda: (lambda s: s if s != "RUNNING" else None)(workflows.status(checkout.execution_arn(checkout_id)))
    )
