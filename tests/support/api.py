"""The app's HTTP API as a test calls it, and the bodies most tests start from."""

import json
import random
import uuid

from tests.support import contract


class Api:
    """Chalice's test client with JSON in and out; every answer is checked against /openapi.json."""

    def __init__(self, client, token: str | None = None, host: str = "localhost:8000"):
        calls_from(client)
        self._client = client
        self.token = token
        self.host = host

    def as_(self, token: str | None = None, host: str | None = None) -> "Api":
        return Api(self._client, token if token is not None else self.token, host or self.host)

    def request(self, method: str, path: str, body=None, *, headers: dict | None = None, raw: str | None = None):
        h = {"host": self.host, "content-type": "application/json"}
        if self.token:
            h["authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self._client.http, method.lower())(path, headers=h, body=data)
        response.json = _json_or_none(response.body)
        response.text = response.body.decode() if isinstance(response.body, bytes) else response.body
        contract.published(self._client).check(
            method, path, response.status_code, response.headers.get("Content-Type"), response.body
        )
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def calls_from(client, address: str | None = None) -> str:
    """The source address API Gateway reports for this chalice.test client's requests (chalice says 127.0.0.1 for
    every client): each test client gets one of its own, as separate people would have, so the per-client rate
    limits count one test's requests, not the whole run's. `address` sets it."""
    converter = client.http._local_gateway.event_converter
    if address or "LOCAL_SOURCE_IP" not in vars(converter):
        converter.LOCAL_SOURCE_IP = (
            address or f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        )
    return converter.LOCAL_SOURCE_IP


def _json_or_none(body):
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return None


# A password the rules accept (long, not a common one); every test account has it.
PASSWORD = "plum orbit lantern 42"


def unique(prefix: str = "shop") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def sign_up(api: Api, currency: str = "USD", subdomain: str | None = None, shop_name: str | None = None):
    """Signs up a fresh shop; returns (api as that merchant, signup answer)."""
    sub = subdomain or unique()
    r = api.post(
        "/api/merchants/signup",
        {
            "email": f"{sub}@example.com",
            "password": PASSWORD,
            "shop_name": shop_name or f"Shop {sub}",
            "subdomain": sub,
            "currency": currency,
        },
    )
    assert r.status_code == 201, r.body
    return api.as_(token=r.json["token"]), r.json


def own_domain(merchant: Api, domain: str) -> dict:
    """The merchant attaches `domain` and proves it: the TXT record published (locally: in this process's
    stand-in for DNS), then verified. Returns the shop answer."""
    from chalicelib import domains

    attached = merchant.patch("/api/admin/shop", {"custom_domain": domain})
    assert attached.status_code == 200, attached.body
    record = attached.json["custom_domain"]
    domains.resolver.publish(record["txt_name"], record["txt_value"])
    verified = merchant.post("/api/admin/shop/domain/verify")
    assert verified.status_code == 200 and verified.json["custom_domain"]["status"] == "verified", verified.body
    return verified.json


def connect_payments(merchant: Api, stripe) -> None:
    """The merchant finishes Stripe Connect onboarding (on the Stripe emulator)."""
    connected = merchant.post("/api/admin/payments/account", {})
    assert connected.status_code == 201, connected.body
    stripe.complete_onboarding(connected.json["account_id"])
    status = merchant.get("/api/admin/payments/account")
    assert status.json["charges_enabled"], status.body


def product_body(title: str = "Blue Shirt", *, status: str = "active", price: int = 1999, qty: int = 5, **extra):
    return {
        "title": title,
        "status": status,
        "variants": [
            {"sku": f"SKU-{uuid.uuid4().hex[:8]}", "price": price, "inventory_quantity": qty, "options": {"Size": "M"}}
        ],
        **extra,
    }
