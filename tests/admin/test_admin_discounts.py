"""The admin's discount codes: list, create, edit and deactivate, through the same schemas and domain functions as
/api/admin/discounts, each change in the audit log."""

from tests.support.admin import header

NEW = {
    "code": "Summer10",
    "type": "fixed_amount",
    "value": "10.00",
    "minimum_subtotal": "50",
    "usage_limit": "",
    "starts_at": "",
    "ends_at": "2999-01-31T12:00",
}


def test_an_empty_list_says_what_to_do_first(admin):
    page = admin.get("/admin/settings/discounts")
    assert page.status_code == 200 and "No discount codes yet" in page.text
    assert 'href="/admin/settings/discounts/new"' in page.text


def test_a_discount_is_created_listed_edited_and_deactivated(admin, merchant):
    api = merchant[0]
    assert admin.get("/admin/settings/discounts/new").status_code == 200
    created = admin.post("/admin/settings/discounts/new", NEW)
    assert (created.status_code, header(created, "location")) == (303, "/admin/settings/discounts?notice=created")
    stored = api.get("/api/admin/discounts/SUMMER10").json
    assert (stored["value"], stored["minimum_subtotal"], stored["usage_limit"]) == (1000, 5000, None)
    assert stored["ends_at"] == "2999-01-31T12:00:00Z"
    listed = admin.get("/admin/settings/discounts")
    assert "Summer10" in listed.text and "$10.00 off" in listed.text and "Active" in listed.text

    page = admin.get("/admin/settings/discounts/SUMMER10")
    assert 'value="10.00"' in page.text and 'value="2999-01-31T12:00"' in page.text
    saved = admin.post(
        "/admin/settings/discounts/SUMMER10",
        {"value": "12.50", "minimum_subtotal": "", "usage_limit": "100", "starts_at": "", "ends_at": ""},
    )
    assert (saved.status_code, header(saved, "location")) == (303, "/admin/settings/discounts/SUMMER10?notice=saved")
    stored = api.get("/api/admin/discounts/summer10").json
    assert (stored["value"], stored["minimum_subtotal"], stored["usage_limit"], stored["ends_at"]) == (
        1250,
        None,
        100,
        None,
    )

    confirm = admin.get("/admin/settings/discounts/SUMMER10/deactivate")
    assert confirm.status_code == 200 and "Deactivate Summer10?" in confirm.text
    ended = admin.post("/admin/settings/discounts/SUMMER10/deactivate", follow=True)
    assert ended.status_code == 200 and "checkouts refuse it" in ended.text and "Ended" in ended.text
    assert api.get("/api/admin/discounts/SUMMER10").json["ends_at"] is not None

    entries = api.get("/api/admin/audit?resource_type=discount").json["items"]
    assert [(e["via"], e["action"]) for e in entries] == [
        ("admin", "deactivate_discount"),
        ("admin", "update_discount"),
        ("admin", "create_discount"),
    ]
    assert {"field": "value", "before": 1000, "after": 1250} in entries[1]["changes"]


def test_a_percentage_is_whole_percent_and_errors_sit_next_to_their_field(admin, merchant):
    admin.get("/admin/settings/discounts/new")
    wrong = admin.post("/admin/settings/discounts/new", {**NEW, "type": "percentage", "value": "150"})
    assert wrong.status_code == 400 and 'id="f-value-error"' in wrong.text and 'value="Summer10"' in wrong.text
    unreadable = admin.post("/admin/settings/discounts/new", {**NEW, "value": "ten", "usage_limit": "lots"})
    assert unreadable.status_code == 400
    assert 'id="f-value-error"' in unreadable.text and 'id="f-usage_limit-error"' in unreadable.text
    bad_date = admin.post("/admin/settings/discounts/new", {**NEW, "starts_at": "2999-02-01T00:00"})
    assert bad_date.status_code == 400 and 'id="f-ends_at-error"' in bad_date.text  # ends before it starts
    assert merchant[0].get("/api/admin/discounts").json["items"] == []
    assert admin.post("/admin/settings/discounts/new", {**NEW, "type": "percentage", "value": "15"}).status_code == 303
    taken = admin.post("/admin/settings/discounts/new", {**NEW, "code": "SUMMER10"})
    assert taken.status_code == 409 and 'id="f-code-error"' in taken.text
    assert merchant[0].get("/api/admin/discounts/summer10").json["value"] == 15


def test_free_shipping_takes_no_value(admin, merchant):
    admin.get("/admin/settings/discounts/new")
    created = admin.post(
        "/admin/settings/discounts/new", {**NEW, "code": "SHIPFREE", "type": "free_shipping", "value": ""}
    )
    assert created.status_code == 303
    page = admin.get("/admin/settings/discounts/SHIPFREE")
    assert 'name="value"' not in page.text
    assert admin.post("/admin/settings/discounts/SHIPFREE", {"usage_limit": "5"}).status_code == 303
    assert merchant[0].get("/api/admin/discounts/shipfree").json["usage_limit"] == 5


def test_another_shops_discount_is_not_found(admin, new_shop):
    other, _ = new_shop()
    other.post("/api/admin/discounts", {"code": "THEIRS", "type": "free_shipping"})
    assert admin.get("/admin/settings/discounts/THEIRS").status_code == 404
    assert admin.post("/admin/settings/discounts/THEIRS", {"usage_limit": "1"}).status_code == 404
    assert admin.post("/admin/settings/discounts/THEIRS/deactivate").status_code == 404
    assert other.get("/api/admin/discounts/THEIRS").json["ends_at"] is None


def test_deactivating_without_the_csrf_token_answers_403(admin, merchant):
    admin.get("/admin/settings/discounts/new")
    admin.post("/admin/settings/discounts/new", NEW)
    assert admin.post("/admin/settings/discounts/SUMMER10/deactivate", csrf=False).status_code == 403
    assert merchant[0].get("/api/admin/discounts/SUMMER10").json["ends_at"] == "2999-01-31T12:00:00Z"
