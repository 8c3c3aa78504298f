"""The admin's bulk edit screens: the products chosen in the index -> what to change -> the dry run's preview ->
run -> the progress page -> undo; each step through the same schema and domain functions as the API."""

import re
from html import unescape

import pytest

from tests.support.admin import header
from tests.support.api import product_body
from tests.support.wait import wait_for


@pytest.fixture
def shop(merchant):
    return merchant[0]


def _product(shop, title, price=1000, status="active"):
    r = shop.post("/api/admin/products", product_body(title, price=price, status=status))
    assert r.status_code == 201, r.body
    return r.json


def _selected(ids):
    return "&".join(f"product_ids={i}" for i in ids)


def _run_form(page) -> dict[str, list[str]]:
    """The hidden fields of the preview's Run form (what pressing Run posts, its CSRF token aside)."""
    form = page.text.split('action="/admin/bulk-edits"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form):
        if name != "csrf_token":
            fields.setdefault(unescape(name), []).append(unescape(value))
    return fields


def test_choose_preview_run_follow_and_undo_a_price_cut(admin, shop):
    a, b = _product(shop, "Anchor", 1000), _product(shop, "Buoy", 1995)
    chosen = admin.get(f"/admin/bulk-edits/new?{_selected([a['id'], b['id']])}")
    assert chosen.status_code == 200 and header(chosen, "cache-control") == "private, no-store"
    assert "2 products selected" in chosen.text and 'name="params.percent"' in chosen.text

    fields = {"product_ids": [a["id"], b["id"]], "action": "adjust_price_percent", "params.percent": "-10"}
    preview = admin.post("/admin/bulk-edits/preview", fields)
    assert preview.status_code == 200, preview.text
    assert "Preview: Lower prices by 10 %" in unescape(preview.text)
    assert "$10.00" in preview.text and "$9.00" in preview.text and "$17.95" in preview.text  # -199.5 rounds to -200
    assert shop.get(f"/api/admin/products/{a['id']}").json["price_min"] == 1000  # a preview changes nothing

    ran = admin.post("/admin/bulk-edits", _run_form(preview))
    assert ran.status_code == 303, ran.text
    page_url = header(ran, "location")
    assert re.fullmatch(r"/admin/bulk-edits/[0-9A-Z]{26}", page_url)

    def finished():
        page = admin.get(page_url)
        return page if "Done" in page.text else None

    done = wait_for(finished)
    assert "2 of 2 products" in done.text and "Undo this edit" in done.text
    assert 'http-equiv="refresh"' not in done.text  # it reloads itself only while running
    assert shop.get(f"/api/admin/products/{b['id']}").json["price_min"] == 1795

    undone = admin.post(f"{page_url}/undo", follow=True)
    assert undone.status_code == 200 and "Undo of an earlier bulk edit" in undone.text
    wait_for(lambda: shop.get(f"/api/admin/products/{b['id']}").json["price_min"] == 1995)
    assert "see the undo" in admin.get(page_url).text
    listed = admin.get("/admin/bulk-edits")
    assert listed.status_code == 200 and "Lower prices by 10 %" in unescape(listed.text)
    edit_id = page_url.rsplit("/", 1)[1]
    log = shop.get(f"/api/admin/audit?resource_type=bulk_edit&resource_id={edit_id}").json["items"]
    assert [(e["action"], e["via"]) for e in log] == [("undo_bulk_edit", "admin"), ("create_bulk_edit", "admin")]


def test_publishing_every_draft_matching_the_index_filter(admin, shop):
    drafts = [_product(shop, f"Comet {n}", status="draft") for n in range(2)]
    chosen = admin.get("/admin/bulk-edits/new?scope=filter&status=draft&query=comet&action=publish")
    assert "Every product that is a draft matching “comet”" in unescape(chosen.text)
    assert 'value="publish" checked' in chosen.text
    preview = admin.post(
        "/admin/bulk-edits/preview", {"scope": "filter", "status": "draft", "query": "comet", "action": "publish"}
    )
    assert preview.text.count("Draft") >= 2 and "Run this edit" in preview.text
    ran = admin.post("/admin/bulk-edits", _run_form(preview))
    assert ran.status_code == 303
    wait_for(lambda: all(shop.get(f"/api/admin/products/{p['id']}").json["status"] == "active" for p in drafts))


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"action": "set_price", "params.price": ""}, "params.price", "Enter the value for this change"),
        ({"action": "set_price", "params.price": "12.345"}, "params.price", "Enter a number"),
        ({"action": "set_stock", "params.quantity": "lots"}, "params.quantity", "Enter a number"),
        ({}, "action", "Choose what to change"),
        ({"action": "publish", "product_ids": []}, "product_ids", "choose products, or a filter"),
    ],
)
def test_a_bad_choice_is_shown_next_to_its_field_and_changes_nothing(admin, shop, fields, field, message):
    product = _product(shop, "Kite")
    answer = admin.post("/admin/bulk-edits/preview", {"product_ids": [product["id"]], **fields})
    assert answer.status_code == 400, answer.text
    field_id = "f-" + field.replace(".", "-")
    assert f'href="#{field_id}"' in answer.text and message in answer.text
    assert f'id="{field_id}"' in answer.text
    assert admin.post("/admin/bulk-edits", {"product_ids": [product["id"]], **fields}).status_code == 400
    assert shop.get("/api/admin/bulk-edits").json["items"] == []


def test_nothing_to_change_offers_no_run_button(admin, shop):
    product = _product(shop, "Still", 500)
    preview = admin.post(
        "/admin/bulk-edits/preview", {"product_ids": [product["id"]], "action": "set_price", "params.price": "5.00"}
    )
    assert "Nothing would change" in preview.text and "Run this edit" not in preview.text


def test_the_screens_need_a_session_and_their_forms_a_csrf_token(client, admin, shop):
    from tests.support.admin import Admin

    stranger = Admin(client)
    away = stranger.get("/admin/bulk-edits/new")
    assert away.status_code == 303 and header(away, "location").startswith("/admin/login")
    product = _product(shop, "Guarded")
    forged = admin.post("/admin/bulk-edits", {"product_ids": [product["id"]], "action": "publish"}, csrf=False)
    assert forged.status_code == 403
    assert admin.get("/admin/bulk-edits/01J0000000000000000000000X").status_code == 404


def test_the_products_index_bulk_action_leads_to_the_choice_with_its_rows_and_action(admin, shop):
    a, b = _product(shop, "Lamp one"), _product(shop, "Lamp two")
    index = admin.get("/admin/products?q=lamp")
    assert 'action="/admin/products/bulk"' in index.text
    sent = admin.post(
        "/admin/products/bulk", {"product_ids": [a["id"], b["id"]], "action": "adjust_price", "q": "lamp"}
    )
    assert sent.status_code == 303
    chosen = admin.get(header(sent, "location"))
    assert "2 products selected" in chosen.text and 'value="adjust_price_percent" checked' in chosen.text
    everything = re.search(r'href="([^"]+)">Edit every product matching the filter instead', chosen.text)
    matching = admin.get(unescape(everything[1]))
    assert "Every product matching “lamp”" in unescape(matching.text)
    assert 'value="adjust_price_percent" checked' in matching.text
