"""The admin's settings pages: each saves through the same schema and domain function as its /api/admin route,
shows a bad value's message next to its field, and answers 403 to a form without its CSRF token."""

from chalicelib import domains
from tests.support.admin import header


def _email(merchant) -> str:
    return f"{merchant[1]['shop']['subdomain']}@example.com"


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
    [entry] = merchant[0].get("/api/admin/audit?resource_type=shop").json["items"]
    assert (entry["via"], entry["action"], entry["actor"]["email"]) == ("admin", "admin_shop_update", _email(merchant))
    assert {"field": "name", "before": merchant[1]["shop"]["name"], "after": "Plum & Pear"} in entry["changes"]


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


def test_shipping_rates_are_added_edited_and_removed_as_a_table(admin, merchant):
    api = merchant[0]
    page = admin.get("/admin/settings/shipping")
    assert page.status_code == 200 and 'name="rates[0].name"' in page.text  # an empty table offers its first row
    more = admin.post("/admin/settings/shipping", {"rates[0].name": "Standard", "add_row": "1"})
    assert more.status_code == 200 and 'value="Standard"' in more.text and 'name="rates[1].name"' in more.text
    assert api.get("/api/admin/shipping-rates").json["rates"] == []  # adding a row saves nothing yet
    saved = admin.post(
        "/admin/settings/shipping",
        {
            "rates[0].name": "Standard",
            "rates[0].amount": "4.99",
            "rates[0].countries": "us, ca",
            "rates[0].free_over": "50",
            "rates[1].name": "Express",
            "rates[1].amount": "1,250.00",
            "rates[2].name": "",  # a blank row is left out
            "rates[2].amount": "",
        },
    )
    assert saved.status_code == 303
    assert api.get("/api/admin/shipping-rates").json["rates"] == [
        {"name": "Standard", "amount": 499, "countries": ["CA", "US"], "free_over": 5000},
        {"name": "Express", "amount": 125000, "countries": [], "free_over": None},
    ]
    page = admin.get("/admin/settings/shipping")
    assert 'value="4.99"' in page.text and 'value="CA, US"' in page.text and 'value="1250.00"' in page.text
    admin.post(
        "/admin/settings/shipping",
        {
            "rates[0].name": "Standard",
            "rates[0].amount": "4.99",
            "rates[0].remove": "on",
            "rates[1].name": "Express",
            "rates[1].amount": "12",
        },
    )
    assert [r["name"] for r in api.get("/api/admin/shipping-rates").json["rates"]] == ["Express"]
    entries = api.get("/api/admin/audit?resource_type=shipping_rates").json["items"]
    assert [(e["via"], e["action"]) for e in entries] == [("admin", "put_shipping_rates")] * 2


def test_shipping_rate_errors_land_next_to_their_row_field(admin, merchant):
    admin.get("/admin/settings/shipping")
    fields = {"rates[0].name": "Standard", "rates[0].amount": "4.99", "rates[0].remove": "on"}
    fields |= {"rates[1].name": "Express", "rates[1].amount": "four"}
    answer = admin.post("/admin/settings/shipping", fields)
    # the removed row is gone: Express is now the first row, and its error sits next to its price
    assert answer.status_code == 400 and 'id="f-rates-0-amount-error"' in answer.text
    assert 'href="#f-rates-0-amount">Rate 1 amount: enter an amount in USD, like 4.99<' in answer.text
    bad_country = admin.post(
        "/admin/settings/shipping", {"rates[0].name": "Std", "rates[0].amount": "1", "rates[0].countries": "US, USA"}
    )
    assert bad_country.status_code == 400 and 'id="f-rates-0-countries-error"' in bad_country.text
    twice = admin.post(
        "/admin/settings/shipping",
        {"rates[0].name": "Std", "rates[0].amount": "1", "rates[1].name": "Std", "rates[1].amount": "2"},
    )
    assert twice.status_code == 400 and 'id="f-rates-1-name-error"' in twice.text  # the domain's own rule
    assert merchant[0].get("/api/admin/shipping-rates").json["rates"] == []


def test_tax_rates_in_percent_and_prices_including_tax(admin, merchant):
    admin.get("/admin/settings/taxes")
    saved = admin.post(
        "/admin/settings/taxes",
        {
            "prices_include_tax": "on",
            "rates[0].country": "de",
            "rates[0].rate": "19",
            "rates[1].country": "US",
            "rates[1].rate": "7.25",
        },
    )
    assert saved.status_code == 303
    assert merchant[0].get("/api/admin/tax-rates").json == {
        "prices_include_tax": True,
        "rates": [{"country": "DE", "rate_bp": 1900}, {"country": "US", "rate_bp": 725}],
    }
    page = admin.get("/admin/settings/taxes")
    assert 'value="7.25"' in page.text and 'value="19"' in page.text and "checked" in page.text
    wrong = admin.post("/admin/settings/taxes", {"rates[0].country": "DE", "rates[0].rate": "120"})
    assert wrong.status_code == 400 and 'id="f-rates-0-rate-error"' in wrong.text
    twice = admin.post(
        "/admin/settings/taxes",
        {"rates[0].country": "DE", "rates[0].rate": "1", "rates[1].country": "DE", "rates[1].rate": "2"},
    )
    assert twice.status_code == 400 and 'id="f-rates-1-country-error"' in twice.text
    assert merchant[0].get("/api/admin/tax-rates").json["prices_include_tax"] is True  # nothing changed


def test_pickup_locations_keep_their_ids_when_edited(admin, merchant):
    api = merchant[0]
    admin.get("/admin/settings/pickup")
    place = {
        "locations[0].name": "The shop",
        "locations[0].address.line1": "1 High St",
        "locations[0].address.city": "Leeds",
        "locations[0].address.postal_code": "LS1 1AA",
        "locations[0].address.country": "gb",
        "locations[0].hours": "Mon-Fri 9-17",
    }
    assert admin.post("/admin/settings/pickup", place).status_code == 303
    [stored] = api.get("/api/admin/pickup-locations").json["locations"]
    assert stored["address"] == {"line1": "1 High St", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}
    page = admin.get("/admin/settings/pickup")
    assert f'value="{stored["id"]}"' in page.text
    renamed = {**place, "locations[0].id": stored["id"], "locations[0].name": "Main shop"}
    assert admin.post("/admin/settings/pickup", renamed).status_code == 303
    [again] = api.get("/api/admin/pickup-locations").json["locations"]
    assert (again["id"], again["name"]) == (stored["id"], "Main shop")
    missing = admin.post("/admin/settings/pickup", {**renamed, "locations[0].address.city": ""})
    assert missing.status_code == 400 and 'id="f-locations-0-address-city-error"' in missing.text
    foreign = admin.post("/admin/settings/pickup", {**renamed, "locations[0].id": "not-ours"})
    assert foreign.status_code == 400 and "id: unknown" in foreign.text  # another shop's (or a made-up) id


def test_the_return_policy_form_changes_its_terms(admin, merchant):
    page = admin.get("/admin/settings/returns")
    assert page.status_code == 200 and 'value="30"' in page.text  # a new shop's 30-day window
    saved = admin.post(
        "/admin/settings/returns",
        {
            "window_days": "14",
            "parcel_days": "10",
            "approval": "automatic",
            "auto_approve.max_value": "25.00",
            "auto_approve.reasons": "too small\r\n\r\ntoo big",
            "restocking_fee_percent": "10",
            "return_shipping_paid_by": "merchant",
            "exchanges_allowed": "on",
            "final_sale_categories": "Underwear",
        },
    )
    assert saved.status_code == 303
    policy = merchant[0].get("/api/admin/return-policy").json
    assert policy["window_days"] == 14 and policy["approval"] == "automatic"
    assert policy["auto_approve"] == {"max_value": 2500, "reasons": ["too big", "too small"]}
    assert policy["store_credit_allowed"] is False and policy["exchanges_allowed"] is True
    assert policy["final_sale_categories"] == ["underwear"] and policy["return_shipping_paid_by"] == "merchant"
    wrong = admin.post("/admin/settings/returns", {"window_days": "400", "parcel_days": "x", "approval": "manual"})
    assert wrong.status_code == 400 and 'id="f-parcel_days-error"' in wrong.text and 'value="400"' in wrong.text
    too_long = admin.post(
        "/admin/settings/returns",
        {
            "window_days": "400",
            "parcel_days": "10",
            "restocking_fee_percent": "0",
            "approval": "manual",
            "return_shipping_paid_by": "customer",
        },
    )
    assert too_long.status_code == 400 and 'id="f-window_days-error"' in too_long.text
    assert merchant[0].get("/api/admin/return-policy").json["window_days"] == 14


def test_the_shop_speaks_the_languages_chosen_on_its_page(admin, merchant, api):
    page = admin.get("/admin/settings/shop")
    assert 'name="languages"' in page.text and "简体中文" in page.text
    saved = admin.post("/admin/settings/shop", {"name": "Tea House", "languages": ["zh-CN", "en", "zh-CN"]})
    assert saved.status_code == 303
    assert merchant[0].get("/api/admin/shop").json["languages"] == ["zh-CN", "en"]
    shown = admin.get("/admin/settings/shop?notice=saved").text
    assert '<option value="zh-CN" selected>' in shown
    assert 'id="f-also-en" name="languages" type="checkbox" value="en" checked' in shown
    storefront = api.as_(host=f"{merchant[1]['shop']['subdomain']}.localhost:8000")
    assert '<html lang="zh-CN">' in storefront.get("/").text and '<html lang="en">' in storefront.get("/en/").text
    [entry] = merchant[0].get("/api/admin/audit?resource_type=shop").json["items"]
    assert {"field": "languages.0", "before": "en", "after": "zh-CN"} in entry["changes"]


def test_a_language_the_platform_does_not_have_is_shown_next_to_its_field(admin, merchant):
    admin.get("/admin/settings/shop")
    answer = admin.post("/admin/settings/shop", {"name": "Tea House", "languages": ["tlh"]})
    assert answer.status_code == 400 and 'href="#f-languages' in answer.text
    assert merchant[0].get("/api/admin/shop").json["languages"] == ["en"]
