"""The admin's policies page: the privacy policy and terms, saved as PUT /api/admin/policies saves them, audited,
and shown on the shop's /policies pages."""

from tests.support.admin import header


def test_the_merchant_writes_the_privacy_policy_and_the_shop_shows_it(admin, merchant, api):
    page = admin.get("/admin/settings/policies")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    assert 'href="/admin/settings/returns"' in page.text and "/policies/refund" in page.text
    saved = admin.post("/admin/settings/policies", {"privacy": "We keep only your order.", "terms": "Fair terms."})
    assert (saved.status_code, header(saved, "location")) == (303, "/admin/settings/policies?notice=saved")
    assert merchant[0].get("/api/admin/policies").json == {
        "privacy": "We keep only your order.",
        "terms": "Fair terms.",
    }
    assert "We keep only your order." in admin.get("/admin/settings/policies?notice=saved").text
    [entry] = merchant[0].get("/api/admin/audit?resource_type=policies").json["items"]
    assert (entry["via"], entry["action"]) == ("admin", "put_policies")
    store = api.as_(host=f"{merchant[1]['shop']['subdomain']}.localhost:8000")
    assert "We keep only your order." in store.get("/policies/privacy").text


def test_a_policy_too_long_is_shown_next_to_its_field_and_nothing_is_saved(admin, merchant):
    page = admin.post("/admin/settings/policies", {"privacy": "x" * 20001, "terms": ""})
    assert page.status_code == 400
    assert 'href="#f-privacy"' in page.text and 'aria-invalid="true"' in page.text
    assert merchant[0].get("/api/admin/policies").json == {"privacy": "", "terms": ""}


def test_the_settings_index_links_the_policies_page(admin):
    assert 'href="/admin/settings/policies"' in admin.get("/admin/settings").text
