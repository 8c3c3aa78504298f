"""URLs in answers, stored records and emails are built from the shop's own hosts (hosts.py): a client's
`X-Forwarded-Host` / `X-Forwarded-Proto`, or a Host that is not the shop's, never reaches them."""

import json

import pytest

from tests.support.after_sale import AfterSale, emails_to
from tests.support.api import Api, sign_up, unique
from tests.support.wait import wait_for

HOSTILE = {"x-forwarded-host": "evil.example", "x-forwarded-proto": "javascript"}


def _clean(text: str) -> bool:
    return "evil" not in text and "javascript" not in text


class _Hostile(Api):
    """A client that sends forged forwarding headers with every call."""

    def request(self, method, path, body=None, *, headers=None, raw=None):
        return super().request(method, path, body, headers={**HOSTILE, **(headers or {})}, raw=raw)


@pytest.fixture
def shop(api, paying_shop):
    shop = AfterSale(api, paying_shop)
    shop.store = _Hostile(shop.store._client, "", shop.store.host)
    return shop


def test_forged_forwarding_headers_reach_no_stored_answered_or_emailed_url(shop, stripe):
    own = f"http://{shop.subdomain}.localhost:8000"
    variant = shop.product()
    email = f"{unique('pat')}@example.com"
    order = shop.paid_order(stripe, (variant, 1), email=email)

    paid = next(e["data"]["object"] for e in reversed(stripe.events) if e["type"] == "checkout.session.completed")
    assert paid["metadata"]["order_id"] == order["id"]
    assert paid["success_url"].startswith(f"{own}/orders/") and paid["cancel_url"] == f"{own}/cart"

    found = shop.store.post("/api/store/orders/lookup", {"number": order["number"], "email": email})
    assert found.json["status_url"] == f"{own}/orders/{order['id']}"

    assert shop.fulfil(order["id"]).status_code == 201
    asked = shop.ask_return(order, [(variant, 1)])
    assert asked.status_code == 201 and asked.json["status_url"].startswith(f"{own}/returns/")

    mails = wait_for(lambda: len(emails_to(email)) >= 2 and emails_to(email))  # confirmation, shipped
    assert mails and all(_clean(json.dumps(m)) for m in mails), [m["subject"] for m in mails]
    assert any(f"{own}/orders/{order['id']}" in m["body"] for m in mails)


def test_a_host_that_is_not_the_shops_gets_its_primary_host(shop, stripe):
    primary = f"http://{shop.subdomain}.localhost:8000"
    variant = shop.product()
    email = f"{unique('pat')}@example.com"
    order = shop.paid_order(stripe, (variant, 1), email=email)
    stranger = shop.store.as_(host="evil.example")  # the path form, on a host that is no host of the shop
    found = stranger.post(f"/s/{shop.subdomain}/api/store/orders/lookup", {"number": order["number"], "email": email})
    assert found.status_code == 200 and found.json["status_url"] == f"{primary}/orders/{order['id']}"

    admin = _Hostile(shop.admin._client, shop.admin.token, "evil.example:8000")
    assert admin.get("/api/admin/shop").json["storefront_url"] == f"{primary}/"
    hook = admin.get("/api/admin/carrier-webhook").json["url"]
    assert hook == f"{primary}/api/webhooks/carriers/{shop.tenant_id}"


def test_the_local_server_and_the_shops_own_hosts_keep_their_form(shop):
    admin = _Hostile(shop.admin._client, shop.admin.token, "localhost:8123")
    assert admin.get("/api/admin/shop").json["storefront_url"] == f"http://localhost:8123/s/{shop.subdomain}/"
    assert admin.get("/api/admin/carrier-webhook").json["url"].startswith("http://localhost:8123/api/webhooks/")
    on_shop = admin.as_(host=f"{shop.subdomain}.localhost:8123")
    assert on_shop.get("/api/admin/shop").json["storefront_url"] == f"http://{shop.subdomain}.localhost:8123/"


def test_signup_and_the_api_document_ignore_forged_headers(api):
    hostile = _Hostile(api._client, None, "evil.example")
    _, signup = sign_up(hostile)
    assert signup["shop"]["storefront_url"] == f"http://{signup['shop']['subdomain']}.localhost:8000/"
    assert hostile.get("/openapi.json").json["servers"] == [{"url": "http://localhost:8000"}]
    assert _Hostile(api._client, None, "localhost:8000").get("/openapi.json").json["servers"] == [
        {"url": "http://localhost:8000"}
    ]


def test_emails_link_to_the_primary_host_even_when_bought_on_the_path_form(api, paying_shop, stripe):
    shop = AfterSale(api, paying_shop)
    shop.store = _PathForm(shop.store._client, "", "localhost:8000", shop.subdomain)
    email = f"{unique('pat')}@example.com"
    order = shop.paid_order(stripe, (shop.product(), 1), email=email)
    mails = wait_for(lambda: emails_to(email))  # the confirmation, sent by the checkout's workflow
    assert mails and all(f"http://{shop.subdomain}.localhost:8000/orders/{order['id']}" in m["body"] for m in mails)


class _PathForm(Api):
    """A shopper on the platform host's `/s/<sub>/` form."""

    def __init__(self, client, token, host, subdomain):
        super().__init__(client, token, host)
        self.subdomain = subdomain

    def request(self, method, path, body=None, *, headers=None, raw=None):
        return super().request(method, f"/s/{self.subdomain}{path}", body, headers=headers, raw=raw)
