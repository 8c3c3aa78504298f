"""The admin's settings pages: each saves through the same schema and domain function as its /api/admin route,
shows a bad value's message next to its field, and answers 403 to a form without its CSRF token."""

import pytest

from chalicelib import domains
from tests.support.admin import header, signed_in


@pytest.fixture
def client(app):
    from chalice.test import Client

    with Client(app) as c:
        yield c


@pytest.fixture
def admin(client, merchant):
    return signed_in(client, merchant)


def test_the_settings_index_links_every_settings_page(admin):
    page = admin.get("/admin/settings")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    for path in ("shop", "domain", "payments", "shipping", "taxes", "returns", "pickup", "discounts"):
        assert f'href="/admin/settings/{path}"' in page.text
    assert "Not connected" in page.text  # a new shop has no payments yet


def test_renaming_the_shop(admin, merchant):
    page = admin.get("/admin/settings/shop")
    assert page.status_code == 200 and "USD" in page.text
    saved = admin.post("/admin/settings/shop", {"name": "Plum & Pear"})
    assert (saved.status_code, header(saved, "location")) == (303, "/admin/settings/shop?notice=saved")
    assert merchant[0].get("/api/admin/shop").json["name"] == "Plum & Pear"
    assert "Plum &amp; Pear" in admin.get("/admin/settings/shop?notice=saved").text


def test_a_blank_shop_name_is_shown_next_to_its_field(admin, merchant):
    admin.get("/admin/settings/shop")
    answer = admin.post("/admin/settings/shop", {"name": ""})
    assert answer.status_code == 400
    assert 'href="#f-name"' in answer.text and 'id="f-name-error"' in answer.text
    assert merchant[0].get("/api/admin/shop").json["name"] != ""


def test_a_settings_form_without_its_csrf_token_answers_403(admin, merchant):
    admin.get("/admin/settings/shop")
    assert admin.post("/admin/settings/shop", {"name": "Forged"}, csrf=False).status_code == 403
    assert merchant[0].get("/api/admin/shop").json["name"] != "Forged"


def test_a_custom_domain_is_pending_until_its_txt_record_is_verified(admin, merchant):
    host = f"{merchant[1]['shop']['subdomain']}.example.com"
    admin.get("/admin/settings/domain")
    saved = admin.post("/admin/settings/domain", {"custom_domain": host.upper()})
    assert saved.status_code == 303
    page = admin.get("/admin/settings/domain")
    record = merchant[0].get("/api/admin/shop").json["custom_domain"]
    assert record["host"] == host and "Pending" in page.text
    assert record["txt_name"] in page.text and record["txt_value"] in page.text

    early = admin.post("/admin/settings/domain/verify")
    assert early.status_code == 409 and "No TXT record" in early.text and "There is a problem" in early.text
    domains.resolver.publish(record["txt_name"], record["txt_value"])
    verified = admin.post("/admin/settings/domain/verify", follow=True)
    assert verified.status_code == 200 and "Verified" in verified.text and "your shop opens on it now" in verified.text
    assert merchant[0].get("/api/admin/shop").json["custom_domain"]["status"] == "verified"


def test_a_domain_that_is_not_one_is_refused_next_to_its_field(admin):
    admin.get("/admin/settings/domain")
    answer = admin.post("/admin/settings/domain", {"custom_domain": "not a domain"})
    assert answer.status_code == 400 and 'id="f-custom_domain-error"' in answer.text


def test_payments_connect_stripe_and_send_the_merchant_to_its_onboarding_page(admin, merchant, stripe):
    page = admin.get("/admin/settings/payments")
    assert page.status_code == 200 and "Not connected" in page.text and "Connect with Stripe" in page.text
    answer = admin.post("/admin/settings/payments", {"country": "us"})
    assert answer.status_code == 303 and header(answer, "location").startswith(stripe.base_url)
    account = merchant[0].get("/api/admin/payments/account").json
    assert account["connected"] and account["account_id"].startswith("acct_")
    page = admin.get("/admin/settings/payments")
    assert account["account_id"] in page.text and "Onboarding not finished" in page.text
    assert "Continue to Stripe" in page.text and "Your business details" in page.text
    again = admin.post("/admin/settings/payments")  # continuing onboarding keeps the same account
    assert again.status_code == 303
    assert merchant[0].get("/api/admin/payments/account").json["account_id"] == account["account_id"]


def test_a_bad_country_for_payments_is_shown_next_to_its_field(admin, merchant, stripe):
    admin.get("/admin/settings/payments")
    answer = admin.post("/admin/settings/payments", {"country": "USA"})
    assert answer.status_code == 400 and 'id="f-country-error"' in answer.text
    assert merchant[0].get("/api/admin/payments/account").json["connected"] is False
