"""What a merchant sets up before selling: Stripe Connect onboarding, discount codes, shipping and tax."""

import time

import pytest
import requests

from chalicelib import clock, payment_accounts
from tests.support.shopping import ADDRESS, Shop, send_event, stripe_event
from tests.support.wait import wait_for

# Stripe Connect onboarding ----------------------------------------------------


def test_merchant_connects_stripe_and_the_webhook_says_when_onboarding_is_done(merchant, stripe):
    admin, signup = merchant
    tenant_id = signup["shop"]["id"]
    assert admin.get("/api/admin/payments/account").json == {
        "connected": False,
        "account_id": None,
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
    }
    assert admin.post("/api/admin/payments/account-link", {}).status_code == 409  # nothing to onboard yet
    created = admin.post("/api/admin/payments/account", {"country": "US"})
    assert created.status_code == 201 and created.json["account_id"].startswith("acct_")
    assert created.json["charges_enabled"] is False
    again = admin.post("/api/admin/payments/account", {})
    assert again.status_code == 200 and again.json["account_id"] == created.json["account_id"]
    assert stripe.get_object(created.json["account_id"])["email"] == f"{signup['shop']['subdomain']}@example.com"

    link = admin.post(
        "/api/admin/payments/account-link",
        {"return_url": "https://merchant.example/done", "refresh_url": "https://merchant.example/again"},
    )
    assert link.status_code == 201 and link.json["url"].startswith(stripe.base_url) and link.json["expires_at"]
    page = requests.get(link.json["url"])
    assert page.status_code == 200 and "Set up payments" in page.text
    token = link.json["url"].split("link=")[1]
    finished = requests.post(
        link.json["url"].split("?")[0], data={"link": token, "action": "complete"}, allow_redirects=False
    )
    assert finished.status_code == 303 and finished.headers["Location"] == "https://merchant.example/done"
    # account.updated reaches the webhook, which records it without anyone asking Stripe.
    assert wait_for(lambda: payment_accounts.get(tenant_id).charges_enabled)
    assert admin.get("/api/admin/payments/account").json["charges_enabled"] is True


def test_an_older_account_update_arriving_late_does_not_undo_a_newer_one(paying_shop, stripe, live_server):
    admin, signup = paying_shop()
    account_id = admin.get("/api/admin/payments/account").json["account_id"]
    stale = stripe_event(
        f"evt_stale_{account_id}",
        "account.updated",
        account_id,
        {
            "id": account_id,
            "object": "account",
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
        },
        created=int(time.time()) - 3600,
    )
    reply = send_event(live_server, stripe, stale)
    assert reply.status_code == 200
    assert payment_accounts.get(signup["shop"]["id"]).charges_enabled is True


def test_platform_fee_follows_the_shops_plan():
    from chalicelib import billing

    assert billing.application_fee("starter", 10_000) == 200
    assert billing.application_fee("growth", 10_000) == 100
    assert billing.application_fee("scale", 999) == 5  # 4.995 rounds half up
    assert billing.application_fee(None, 1) == 0 and billing.application_fee("unknown", 50) == 1


# Discount codes ----------------------------------------------------------------


def test_discount_codes_are_unique_per_shop_whatever_the_case(merchant, new_shop):
    admin, _ = merchant
    created = admin.post(
        "/api/admin/discounts",
        {
            "code": "Summer-24",
            "type": "percentage",
            "value": 15,
            "usage_limit": 100,
            "minimum_subtotal": 2000,
            "starts_at": "2026-06-01T00:00:00+02:00",
        },
    )
    assert created.status_code == 201
    assert {
        k: created.json[k]
        for k in ("code", "type", "value", "usage_limit", "minimum_subtotal", "times_used", "starts_at")
    } == {
        "code": "Summer-24",
        "type": "percentage",
        "value": 15,
        "usage_limit": 100,
        "minimum_subtotal": 2000,
        "times_used": 0,
        "starts_at": "2026-05-31T22:00:00Z",
    }
    taken = admin.post("/api/admin/discounts", {"code": "SUMMER-24", "type": "free_shipping"})
    assert taken.status_code == 409 and taken.json["fields"] == {"code": "taken"}
    other_admin, _ = new_shop()
    assert other_admin.post("/api/admin/discounts", {"code": "SUMMER-24", "type": "free_shipping"}).status_code == 201
    assert [d["code"] for d in admin.get("/api/admin/discounts").json["items"]] == ["Summer-24"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "percentage", "value": 150}, "value"),
        ({"type": "percentage", "value": 0}, "value"),
        ({"type": "fixed_amount", "value": 0}, "value"),
        ({"type": "buy_one_get_one", "value": 1}, "type"),
        ({"type": "fixed_amount", "value": 100, "ends_at": "next tuesday"}, "ends_at"),
        (
            {
                "type": "fixed_amount",
                "value": 100,
                "starts_at": "2026-02-01T00:00:00Z",
                "ends_at": "2026-01-01T00:00:00Z",
            },
            "ends_at",
        ),
        ({"type": "fixed_amount", "value": 100, "usage_limit": 0}, "usage_limit"),
        ({"code": "has space", "type": "free_shipping"}, "code"),
    ],
)
def test_bad_discount_is_400_naming_the_field(merchant, body, field):
    admin, _ = merchant
    bad = admin.post("/api/admin/discounts", {"code": "X1", **body})
    assert bad.status_code == 400 and field in bad.json["fields"], bad.body


def test_a_discount_is_edited_and_deactivated_by_its_code_in_any_case(merchant, new_shop):
    admin, _ = merchant
    admin.post("/api/admin/discounts", {"code": "Winter", "type": "fixed_amount", "value": 500, "usage_limit": 3})
    assert admin.get("/api/admin/discounts/WINTER").json["value"] == 500
    edited = admin.patch(
        "/api/admin/discounts/winter",
        {"value": 750, "usage_limit": None, "minimum_subtotal": 2000, "ends_at": "2999-01-01T00:00:00+01:00"},
    )
    assert edited.status_code == 200
    assert {k: edited.json[k] for k in ("code", "type", "value", "usage_limit", "minimum_subtotal", "ends_at")} == {
        "code": "Winter",
        "type": "fixed_amount",
        "value": 750,
        "usage_limit": None,
        "minimum_subtotal": 2000,
        "ends_at": "2998-12-31T23:00:00Z",
    }
    assert admin.patch("/api/admin/discounts/winter", {"value": 0}).json["fields"] == {"value": "must be at least 1"}
    assert admin.patch("/api/admin/discounts/winter", {"code": "SPRING"}).status_code == 400  # a code stays
    ended = admin.post("/api/admin/discounts/Winter/deactivate")
    assert ended.status_code == 200 and ended.json["ends_at"] <= clock.now_iso()
    assert admin.post("/api/admin/discounts/Winter/deactivate").json == ended.json  # ended already: as it is
    other_admin, _ = new_shop()
    assert other_admin.get("/api/admin/discounts/winter").status_code == 404
    assert other_admin.patch("/api/admin/discounts/winter", {"value": 1}).status_code == 404
    assert other_admin.post("/api/admin/discounts/winter/deactivate").status_code == 404


# Shipping and tax ------------------------------------------------------------------


def test_shipping_and_tax_settings_round_trip_and_refuse_duplicates(merchant):
    admin, _ = merchant
    assert admin.get("/api/admin/shipping-rates").json["rates"] == []
    rates = {
        "rates": [
            {"name": "Standard", "amount": 599, "free_over": 5000},
            {"name": "Europe", "amount": 1500, "countries": ["FR", "DE", "FR"]},
        ]
    }
    saved = admin.request("PUT", "/api/admin/shipping-rates", rates)
    assert saved.status_code == 200 and saved.json["rates"] == [
        {"name": "Standard", "amount": 599, "countries": [], "free_over": 5000},
        {"name": "Europe", "amount": 1500, "countries": ["DE", "FR"], "free_over": None},
    ]
    assert admin.get("/api/admin/shipping-rates").json == saved.json
    dup = admin.request(
        "PUT", "/api/admin/shipping-rates", {"rates": [{"name": "A", "amount": 1}, {"name": "A", "amount": 2}]}
    )
    assert dup.status_code == 400 and dup.json["fields"] == {"rates[1].name": "duplicate name"}
    bad = admin.request("PUT", "/api/admin/shipping-rates", {"rates": [{"name": "A", "amount": -1}]})
    assert bad.status_code == 400 and "rates[0].amount" in bad.json["fields"]

    assert admin.get("/api/admin/tax-rates").json == {"prices_include_tax": False, "rates": []}
    taxes = admin.request(
        "PUT", "/api/admin/tax-rates", {"prices_include_tax": True, "rates": [{"country": "GB", "rate_bp": 2000}]}
    )
    assert taxes.json == {"prices_include_tax": True, "rates": [{"country": "GB", "rate_bp": 2000}]}
    twice = admin.request(
        "PUT", "/api/admin/tax-rates", {"rates": [{"country": "GB", "rate_bp": 1}, {"country": "GB", "rate_bp": 2}]}
    )
    assert twice.status_code == 400 and twice.json["fields"] == {"rates[1].country": "one rate per country"}
    too_much = admin.request("PUT", "/api/admin/tax-rates", {"rates": [{"country": "GB", "rate_bp": 10_001}]})
    assert too_much.status_code == 400


def test_tax_inclusive_prices_report_the_tax_they_contain(api, paying_shop, stripe):
    shop = Shop(api, paying_shop)
    shop.admin.request(
        "PUT", "/api/admin/tax-rates", {"prices_include_tax": True, "rates": [{"country": "US", "rate_bp": 2000}]}
    )
    done = shop.buy(stripe, (shop.product(price=1200), 1))
    order = shop.admin.get(f"/api/admin/orders/{done['order_id']}").json
    assert (order["subtotal"], order["tax_total"], order["total"]) == (1200, 200, 1200)


def test_a_country_no_rate_covers_is_400_naming_the_country(api, paying_shop):
    shop = Shop(api, paying_shop)
    shop.admin.request(
        "PUT", "/api/admin/shipping-rates", {"rates": [{"name": "EU", "amount": 900, "countries": ["FR"]}]}
    )
    refused = shop.checkout(shop.cart((shop.product(), 1)))
    assert refused.status_code == 400 and "shipping_address.country" in refused.json["fields"]
    ok = shop.store.post(
        f"/api/store/carts/{shop.cart((shop.product(), 1))}/checkout",
        {"email": "a@b.co", "shipping_address": {**ADDRESS, "country": "FR"}},
    )
    assert ok.status_code == 202
    assert shop.status(ok.json["checkout_id"])["shipping_total"] == 900


def test_openapi_documents_the_checkout_contract(api):
    paths = api.get("/openapi.json").json["paths"]
    for path, method in [
        ("/api/store/carts", "post"),
        ("/api/store/carts/{cart_id}", "get"),
        ("/api/store/carts/{cart_id}/items", "post"),
        ("/api/store/carts/{cart_id}/items/{variant_id}", "patch"),
        ("/api/store/carts/{cart_id}/items/{variant_id}", "delete"),
        ("/api/store/carts/{cart_id}/checkout", "post"),
        ("/api/store/checkouts/{checkout_id}", "get"),
        ("/api/store/orders/lookup", "post"),
        ("/api/admin/orders", "get"),
        ("/api/admin/orders/{order_id}", "get"),
        ("/api/admin/discounts", "post"),
        ("/api/admin/shipping-rates", "put"),
        ("/api/admin/tax-rates", "put"),
        ("/api/admin/payments/account", "post"),
        ("/api/admin/payments/account-link", "post"),
        ("/api/webhooks/stripe", "post"),
        ("/orders/{order_id}", "get"),
    ]:
        assert method in paths[path], (path, method)
    assert "requestBody" in paths["/api/store/carts/{cart_id}/checkout"]["post"]
