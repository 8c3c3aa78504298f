"""The audit log (`/api/admin/audit`, `/api/admin/audit.csv`): every change a merchant makes through the API is
recorded with who, when, what and each field before and after; the log reads filtered and paged, exports as CSV,
and has no way to be changed."""

import csv
import io
from datetime import timedelta

import jwt
import pytest

from chalicelib import audit, clock
from tests.support.api import product_body
from tests.support.clock import later


def _log(merchant, query: str = "") -> list[dict]:
    got = merchant.get(f"/api/admin/audit{'?' + query if query else ''}")
    assert got.status_code == 200, got.body
    assert got.headers["Cache-Control"] == "private, no-store"
    return got.json["items"]


def _account(merchant) -> dict:
    claims = jwt.decode(merchant.token, options={"verify_signature": False})
    return {"id": claims["sub"], "email": claims["email"]}


def _changes(entry: dict) -> dict:
    return {c["field"]: (c["before"], c["after"]) for c in entry["changes"]}


def _product(merchant, **extra) -> dict:
    created = merchant.post("/api/admin/products", product_body(**extra))
    assert created.status_code == 201, created.body
    return created.json


def test_a_products_life_reads_as_its_history_newest_first_field_by_field(merchant):
    shop_api, _ = merchant
    product = _product(shop_api, title="Blue Shirt", price=1999)
    pid, vid = product["id"], product["variants"][0]["id"]
    assert shop_api.patch(f"/api/admin/products/{pid}", {"title": "Navy Shirt"}).status_code == 200
    assert shop_api.patch(f"/api/admin/products/{pid}", {"variants": [{"id": vid, "price": 2500}]}).status_code == 200
    assert shop_api.delete(f"/api/admin/products/{pid}").status_code == 204

    history = _log(shop_api, f"resource_type=product&resource_id={pid}")
    assert [e["action"] for e in history] == ["delete_product", "update_product", "update_product", "create_product"]
    deleted, priced, renamed, created = history
    for entry in history:
        assert (entry["actor"], entry["via"], entry["resource_type"], entry["resource_id"]) == (
            _account(shop_api),
            "api",
            "product",
            pid,
        )
    assert _changes(created)["title"] == (None, "Blue Shirt")
    assert _changes(created)[f"variants.{vid}.price"] == (None, 1999)
    assert _changes(renamed)["title"] == ("Blue Shirt", "Navy Shirt")
    assert f"variants.{vid}.price" not in _changes(renamed)
    assert _changes(priced)[f"variants.{vid}.price"] == (1999, 2500)
    assert _changes(priced)["price_min"] == (1999, 2500)
    assert "title" not in _changes(priced)
    assert _changes(deleted)["title"] == ("Navy Shirt", None)
    assert _changes(deleted)[f"variants.{vid}.price"] == (2500, None)
    assert history[0]["at"] >= history[-1]["at"]


def test_a_failed_or_empty_change_and_an_idempotent_replay_record_nothing(merchant):
    shop_api, _ = merchant
    product = _product(shop_api)
    pid = product["id"]
    assert shop_api.patch(f"/api/admin/products/{pid}", {"title": ""}).status_code == 400
    assert shop_api.patch("/api/admin/products/01ARZ3NDEKTSV4RRFFQ69G5FAV", {"title": "X"}).status_code == 404
    key, mug = {"Idempotency-Key": "create-once"}, product_body("Mug")
    first = shop_api.post("/api/admin/products", mug, headers=key)
    again = shop_api.post("/api/admin/products", mug, headers=key)
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]
    rates = {"rates": [{"name": "Standard", "amount": 500}]}
    assert shop_api.request("PUT", "/api/admin/shipping-rates", rates).status_code == 200
    assert shop_api.request("PUT", "/api/admin/shipping-rates", rates).status_code == 200

    log = _log(shop_api)
    assert [(e["action"], e["resource_id"]) for e in log] == [
        ("put_shipping_rates", log[0]["resource_id"]),
        ("create_product", first.json["id"]),
        ("create_product", pid),
    ]


def test_settings_are_resources_of_the_shop_with_the_shops_id(merchant):
    shop_api, signup = merchant
    shop_id = signup["shop"]["id"]
    assert shop_api.patch("/api/admin/shop", {"name": "Renamed shop"}).status_code == 200
    policy = shop_api.request("PATCH", "/api/admin/return-policy", {"window_days": 14})
    assert policy.status_code == 200, policy.body
    taxes = shop_api.request("PUT", "/api/admin/tax-rates", {"rates": [{"country": "DE", "rate_bp": 1900}]})
    assert taxes.status_code == 200, taxes.body

    tax, returns_, shop = _log(shop_api)
    assert (shop["resource_type"], shop["resource_id"], shop["action"]) == ("shop", shop_id, "admin_shop_update")
    assert _changes(shop) == {"name": (f"Shop {signup['shop']['subdomain']}", "Renamed shop")}
    assert (returns_["resource_type"], returns_["resource_id"]) == ("return_policy", shop_id)
    assert _changes(returns_)["window_days"] == (30, 14)
    assert (tax["resource_type"], _changes(tax)) == (
        "tax_rates",
        {"rates.0.country": (None, "DE"), "rates.0.rate_bp": (None, 1900), "rates": ([], None)},
    )
    assert [e["resource_type"] for e in _log(shop_api, "resource_type=shop")] == ["shop"]


def test_an_orders_fulfilment_is_recorded_on_the_order(shop, order):
    fulfilled = shop.fulfil(order["id"])
    assert fulfilled.status_code == 201, fulfilled.body
    [entry] = _log(shop.admin, f"resource_type=order&resource_id={order['id']}")
    assert entry["action"] == "create_fulfilment"
    assert _changes(entry)["fulfillment_status"] == ("unfulfilled", "fulfilled")


def test_the_log_filters_by_actor_and_time_and_pages_with_its_cursor(merchant, monkeypatch):
    shop_api, _ = merchant
    first = _product(shop_api, title="First")
    later(monkeypatch, 3600)
    second = _product(shop_api, title="Second")
    third = _product(shop_api, title="Third")
    everyone = [third["id"], second["id"], first["id"]]
    account = _account(shop_api)

    assert [e["resource_id"] for e in _log(shop_api, f"actor={account['email'].upper()}")] == everyone
    assert [e["resource_id"] for e in _log(shop_api, f"actor={account['id']}")] == everyone
    assert _log(shop_api, "actor=someone@else.example") == []
    first_at = _log(shop_api)[-1]["at"]
    half_an_hour_on = clock.iso(clock.parse_iso(first_at) + timedelta(minutes=30))
    assert [e["resource_id"] for e in _log(shop_api, f"since={half_an_hour_on}")] == everyone[:2]
    assert [e["resource_id"] for e in _log(shop_api, f"until={half_an_hour_on}")] == everyone[2:]
    assert [e["resource_id"] for e in _log(shop_api, f"until={first_at}")] == everyone[2:]

    seen, cursor = [], None
    while True:
        page = shop_api.get("/api/admin/audit?limit=1&resource_type=product" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200, page.body
        seen += [e["resource_id"] for e in page.json["items"]]
        cursor = page.json["next"]
        if not cursor:
            break
    assert seen == everyone


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("resource_type=planet", "resource_type"),
        ("since=yesterday", "since"),
        ("since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "until"),
        ("limit=0", "limit"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(merchant, query, field):
    shop_api, _ = merchant
    got = shop_api.get(f"/api/admin/audit?{query}")
    assert got.status_code == 400 and field in got.json["fields"], got.body
    assert shop_api.get(f"/api/admin/audit.csv?{query}").status_code == (400 if field != "limit" else 200)


def test_a_cursor_of_another_list_or_filter_is_refused(merchant):
    shop_api, _ = merchant
    for title in ("A", "B"):
        _product(shop_api, title=title)
    products_cursor = shop_api.get("/api/admin/products?limit=1").json["next"]
    log_cursor = shop_api.get("/api/admin/audit?limit=1").json["next"]
    assert products_cursor and log_cursor
    assert shop_api.get(f"/api/admin/audit?cursor={products_cursor}").status_code == 400
    assert shop_api.get(f"/api/admin/audit?resource_type=product&cursor={log_cursor}").status_code == 400


def test_a_shop_reads_only_its_own_log(new_shop):
    (a, _), (b, _) = new_shop(), new_shop()
    product = _product(a)
    assert [e["resource_id"] for e in _log(a)] == [product["id"]]
    assert _log(b) == []
    assert _log(b, f"resource_type=product&resource_id={product['id']}") == []
    assert _log(b, f"actor={_account(a)['email']}") == []
    _product(a)
    a_cursor = a.get("/api/admin/audit?limit=1").json["next"]
    assert b.get(f"/api/admin/audit?cursor={a_cursor}").status_code == 400


def test_the_log_has_no_route_that_changes_it(merchant):
    shop_api, _ = merchant
    _product(shop_api)
    before = _log(shop_api)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        got = shop_api._client.http.request(
            method, "/api/admin/audit", headers={"authorization": f"Bearer {shop_api.token}"}, body=b"{}"
        )
        assert got.status_code == 405, (method, got.status_code)
    assert _log(shop_api) == before


def _csv(merchant, query: str = ""):
    got = merchant.get(f"/api/admin/audit.csv{'?' + query if query else ''}")
    assert got.status_code == 200, got.body
    assert got.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert got.headers["Cache-Control"] == "private, no-store"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    return got, list(csv.reader(io.StringIO(got.text)))


def test_the_csv_has_a_row_per_changed_field_and_no_cell_a_spreadsheet_would_run(merchant):
    shop_api, _ = merchant
    product = _product(shop_api, title='=HYPERLINK("http://evil.example","x")')
    pid = product["id"]
    assert shop_api.patch(f"/api/admin/products/{pid}", {"title": "@SUM(1+1)"}).status_code == 200

    _, rows = _csv(shop_api, f"resource_type=product&resource_id={pid}")
    assert rows[0] == list(audit.CSV_COLUMNS)
    renamed = [r for r in rows[1:] if r[5:8] == ["product", pid, "title"]]
    assert [r[8:] for r in renamed] == [
        ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(1+1)"],
        ["null", '\'=HYPERLINK("http://evil.example","x")'],
    ]
    assert {r[4] for r in rows[1:]} == {"create_product", "update_product"}
    assert all(r[1] == _account(shop_api)["email"] and r[3] == "api" for r in rows[1:])
    assert len(rows) - 1 == sum(len(e["changes"]) for e in _log(shop_api))


def test_a_long_csv_continues_at_its_next_link(merchant, monkeypatch):
    shop_api, _ = merchant
    for title in ("One", "Two", "Three"):
        _product(shop_api, title=title)
    monkeypatch.setattr(audit, "CSV_ROWS", 1)
    monkeypatch.setattr(audit.cursors, "MAX_LIMIT", 1)

    ids, query = [], "resource_type=product"
    while True:
        got, rows = _csv(shop_api, query)
        ids += sorted({r[6] for r in rows[1:]})
        link = got.headers.get("Link")
        if not link:
            break
        assert link.startswith("</api/admin/audit.csv?") and link.endswith('>; rel="next"')
        query = link[len("</api/admin/audit.csv?") : -len('>; rel="next"')]
        assert "resource_type=product" in query
    assert ids == [e["resource_id"] for e in _log(shop_api)]


def test_a_bulk_edit_is_recorded_when_it_starts_on_each_product_it_changes_and_when_it_is_undone(merchant):
    from tests.api.test_bulk_edits import _finished

    shop_api, _ = merchant
    product = _product(shop_api)
    body = {"action": "set_price", "params": {"price": 1234}, "product_ids": [product["id"]]}
    assert shop_api.post("/api/admin/bulk-edits", {**body, "dry_run": True}).status_code == 200
    assert _log(shop_api, "resource_type=bulk_edit") == []

    started = shop_api.post("/api/admin/bulk-edits", body)
    assert started.status_code == 202, started.body
    edit_id = started.json["id"]
    _finished(shop_api, edit_id)
    undo = shop_api.post(f"/api/admin/bulk-edits/{edit_id}/undo")
    assert undo.status_code == 202, undo.body

    _finished(shop_api, undo.json["id"])
    vid = product["variants"][0]["id"]
    reverted, priced, created_product = _log(shop_api, f"resource_type=product&resource_id={product['id']}")
    assert (priced["action"], priced["actor"], priced["via"]) == ("bulk_set_price", _account(shop_api), "api")
    assert priced["changes"] == [{"field": f"variants.{vid}.price", "before": 1999, "after": 1234}]
    assert reverted["action"] == "bulk_undo"
    assert reverted["changes"] == [{"field": f"variants.{vid}.price", "before": 1234, "after": 1999}]

    undone, created = _log(shop_api, f"resource_type=bulk_edit&resource_id={edit_id}")
    assert (created["action"], _changes(created)["action"], _changes(created)["params.price"]) == (
        "create_bulk_edit",
        (None, "set_price"),
        (None, 1234),
    )
    assert (undone["action"], _changes(undone)["undone_by"]) == ("undo_bulk_edit", (None, undo.json["id"]))
