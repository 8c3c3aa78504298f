"""Bulk edits of products (`/api/admin/bulk-edits`): a dry run first, the run as a workflow
(infra/workflows/bulk_edit.asl.json, run by the emulated Step Functions), its progress, and its undo."""

import threading

import pytest

from chalicelib import bulk_changes, bulk_edits, workflows
from tests.support.api import product_body
from tests.support.wait import wait_for


def _product(shop, title="Shirt", *, status="active", prices=(1000,), qty=5):
    body = product_body(title, status=status, qty=qty)
    body["variants"] = [
        {"sku": f"{title}-{i}-{id(body)}", "price": p, "inventory_quantity": qty, "options": {"Size": str(i)}}
        for i, p in enumerate(prices)
    ]
    r = shop.post("/api/admin/products", body)
    assert r.status_code == 201, r.body
    return r.json


def _finished(shop, edit_id):
    def ended():
        r = shop.get(f"/api/admin/bulk-edits/{edit_id}")
        assert r.status_code == 200, r.body
        return r.json if r.json["status"] in ("succeeded", "failed") else None

    return wait_for(ended)


def _run(shop, **body):
    r = shop.post("/api/admin/bulk-edits", body)
    assert r.status_code == 202, r.body
    return _finished(shop, r.json["id"])


@pytest.fixture
def shop(merchant):
    return merchant[0]


def test_a_price_rise_by_percent_is_previewed_then_run_then_undone(shop):
    a = _product(shop, "Anchor", prices=(1000, 1995))
    b = _product(shop, "Buoy", prices=(0,))
    body = {"action": "adjust_price", "params": {"percent": 10}, "product_ids": [a["id"], b["id"]]}

    preview = shop.post("/api/admin/bulk-edits", {**body, "dry_run": True})
    assert preview.status_code == 200, preview.body
    assert preview.json["dry_run"] is True and preview.json["id"] is None
    assert [(c["variant_id"], c["before"], c["after"]) for c in preview.json["changes"]] == [
        (a["variants"][0]["id"], 1000, 1100),
        (a["variants"][1]["id"], 1995, 2195),  # 199.5 rounds half up
    ]
    assert [(s["variant_id"], s["reason"]) for s in preview.json["skipped"]] == [(b["variants"][0]["id"], "no change")]
    assert shop.get(f"/api/admin/products/{a['id']}").json["variants"][0]["price"] == 1000  # a dry run changes nothing

    done = _run(shop, **body)
    assert done["status"] == "succeeded", done
    assert done["progress"] == {"total": 2, "done": 2, "changed": 2, "skipped": 1, "failed": 0}
    assert done["changes"] == preview.json["changes"]
    after = shop.get(f"/api/admin/products/{a['id']}").json
    assert [v["price"] for v in after["variants"]] == [1100, 2195]
    assert (after["price_min"], after["price_max"]) == (1100, 2195)

    undo = shop.post(f"/api/admin/bulk-edits/{done['id']}/undo")
    assert undo.status_code == 202, undo.body
    undone = _finished(shop, undo.json["id"])
    assert undone["status"] == "succeeded" and undone["undo_of"] == done["id"]
    assert [v["price"] for v in shop.get(f"/api/admin/products/{a['id']}").json["variants"]] == [1000, 1995]
    assert shop.get(f"/api/admin/bulk-edits/{done['id']}").json["undone_by"] == undone["id"]
    again = shop.post(f"/api/admin/bulk-edits/{done['id']}/undo")
    assert again.status_code == 200 and again.json["id"] == undone["id"]
    arn = workflows.execution_arn("bulk_edit", f"bulk-edit-{done['id']}")
    assert workflows.state_names(arn)[:3] == ["PlanEdit", "ApplyChunks", "ApplyChunk"]


def test_publishing_every_draft_matching_a_search_skips_what_is_already_active(shop, storefront_titles):
    drafts = [_product(shop, f"Lantern {n}", status="draft") for n in range(3)]
    lit = _product(shop, "Lantern lit", status="active")
    other = _product(shop, "Kettle", status="draft")

    done = _run(shop, action="publish", filter={"query": "lantern"})
    assert done["status"] == "succeeded", done
    assert done["selection"] == {"filter": {"query": "lantern"}}
    assert sorted(c["product_id"] for c in done["changes"]) == sorted(p["id"] for p in drafts)
    assert {(c["before"], c["after"]) for c in done["changes"]} == {("draft", "active")}
    assert [(s["product_id"], s["reason"]) for s in done["skipped"]] == [(lit["id"], "already active")]
    assert shop.get(f"/api/admin/products/{other['id']}").json["status"] == "draft"
    assert {p["title"] for p in drafts} <= storefront_titles(shop)

    undone = _finished(shop, shop.post(f"/api/admin/bulk-edits/{done['id']}/undo").json["id"])
    assert len(undone["changes"]) == 3 and undone["skipped"] == []
    assert not {p["title"] for p in drafts} & storefront_titles(shop)
    assert shop.get(f"/api/admin/products/{lit['id']}").json["status"] == "active"


@pytest.fixture
def storefront_titles(api):
    def titles(shop):
        sub = shop.get("/api/admin/shop").json["subdomain"]
        return {p["title"] for p in api.get(f"/s/{sub}/api/store/products").json["items"]}

    return titles


def test_stock_never_goes_below_zero_and_a_set_count_is_skipped_where_it_already_holds(shop):
    few = _product(shop, "Few", qty=2)
    many = _product(shop, "Many", qty=9)
    taken = shop.post(
        "/api/admin/bulk-edits",
        {"action": "adjust_stock", "params": {"delta": -3}, "dry_run": True, "product_ids": [few["id"], many["id"]]},
    )
    assert [(c["product_id"], c["before"], c["after"]) for c in taken.json["changes"]] == [(many["id"], 9, 6)]
    assert [(s["product_id"], s["reason"]) for s in taken.json["skipped"]] == [(few["id"], "would go below zero (-1)")]

    done = _run(shop, action="set_stock", params={"quantity": 9}, product_ids=[few["id"], many["id"]])
    assert [(c["product_id"], c["before"], c["after"]) for c in done["changes"]] == [(few["id"], 2, 9)]
    assert [s["reason"] for s in done["skipped"]] == ["no change"]
    assert shop.get(f"/api/admin/products/{few['id']}").json["variants"][0]["inventory_quantity"] == 9


def test_undo_skips_and_reports_a_field_changed_since(shop):
    kept = _product(shop, "Kept", prices=(500,))
    moved = _product(shop, "Moved", prices=(500,))
    done = _run(shop, action="set_price", params={"price": 700}, product_ids=[kept["id"], moved["id"]])
    variant = moved["variants"][0]["id"]
    r = shop.patch(f"/api/admin/products/{moved['id']}", {"variants": [{"id": variant, "price": 650}]})
    assert r.status_code == 200, r.body

    undone = _finished(shop, shop.post(f"/api/admin/bulk-edits/{done['id']}/undo").json["id"])
    assert [(c["product_id"], c["before"], c["after"]) for c in undone["changes"]] == [(kept["id"], 700, 500)]
    assert [(s["variant_id"], s["reason"]) for s in undone["skipped"]] == [
        (variant, "changed since (now 650, the edit set 700)")
    ]
    assert shop.get(f"/api/admin/products/{moved['id']}").json["variants"][0]["price"] == 650


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "set_price", "product_ids": ["P"]}, "params.price"),
        ({"action": "set_price", "params": {"percent": 5}, "product_ids": ["P"]}, "params.percent"),
        ({"action": "adjust_price", "params": {"percent": 5, "amount": 5}, "product_ids": ["P"]}, "params.percent"),
        ({"action": "publish", "params": {"price": 5}, "product_ids": ["P"]}, "params.price"),
        ({"action": "publish"}, "product_ids"),
        ({"action": "publish", "product_ids": ["P"], "filter": {}}, "product_ids"),
        ({"action": "publish", "product_ids": ["01J0000000000000000000000X"]}, "product_ids[0]"),
        ({"action": "publish", "product_ids": ["not an id"]}, "product_ids[0]"),
        ({"action": "paint", "product_ids": ["P"]}, "action"),
        ({"action": "adjust_price", "params": {"percent": 1.5}, "product_ids": ["P"]}, "params.percent"),
        ({"action": "set_stock", "params": {"quantity": -1}, "product_ids": ["P"]}, "params.quantity"),
    ],
)
def test_bad_requests_answer_400_naming_the_field_and_start_nothing(shop, body, field):
    product = _product(shop, "Target")
    body = {**body, "product_ids": [product["id"] if p == "P" else p for p in body.get("product_ids", [])]}
    if not body["product_ids"]:
        del body["product_ids"]
    before = shop.get("/api/admin/bulk-edits").json["items"]
    for dry_run in (True, False):
        r = shop.post("/api/admin/bulk-edits", {**body, "dry_run": dry_run})
        assert r.status_code == 400, r.body
        assert field in r.json["fields"], r.json
    assert shop.get("/api/admin/bulk-edits").json["items"] == before


def test_another_shops_bulk_edit_is_not_found(shop, new_shop):
    done = _run(shop, action="publish", product_ids=[_product(shop, "Mine", status="draft")["id"]])
    thief, _ = new_shop()
    assert thief.get(f"/api/admin/bulk-edits/{done['id']}").status_code == 404
    assert thief.post(f"/api/admin/bulk-edits/{done['id']}/undo").status_code == 404
    assert (
        thief.post(
            "/api/admin/bulk-edits", {"action": "unpublish", "product_ids": [done["changes"][0]["product_id"]]}
        ).status_code
        == 400
    )
    for unknown in ("nope", "01J0000000000000000000000X"):
        assert shop.get(f"/api/admin/bulk-edits/{unknown}").status_code == 404
    assert shop.get("/api/admin/bulk-edits").json["items"][0]["id"] == done["id"]


@pytest.fixture
def held_after_first_chunk(monkeypatch):
    """Chunks of two products; every chunk after the first waits until the test lets it go."""
    monkeypatch.setattr(bulk_edits, "CHUNK", 2)
    go = threading.Event()
    real = workflows._TASKS["bulk_edits.apply_chunk"]

    def apply_chunk(payload):
        if payload["chunk"] > 0:
            assert go.wait(60)
        return real(payload)

    monkeypatch.setitem(workflows._TASKS, "bulk_edits.apply_chunk", apply_chunk)
    yield go
    go.set()


def test_progress_is_readable_while_the_edit_runs(shop, held_after_first_chunk):
    products = [_product(shop, f"Rope {n}", prices=(100,)) for n in range(5)]
    r = shop.post(
        "/api/admin/bulk-edits", {"action": "adjust_price", "params": {"amount": 5}, "filter": {"query": "rope"}}
    )
    assert r.status_code == 202 and r.json["status"] in ("queued", "running"), r.body

    def first_chunk_done():
        edit = shop.get(f"/api/admin/bulk-edits/{r.json['id']}").json
        return edit if edit["progress"]["done"] == 2 else None

    running = wait_for(first_chunk_done)
    assert running["status"] == "running"
    assert running["progress"] == {"total": 5, "done": 2, "changed": 2, "skipped": 0, "failed": 0}
    assert shop.post(f"/api/admin/bulk-edits/{r.json['id']}/undo").status_code == 409

    deleted = products[0]  # newest first: the first product is edited last
    assert shop.delete(f"/api/admin/products/{deleted['id']}").status_code == 204
    held_after_first_chunk.set()
    done = _finished(shop, r.json["id"])
    assert done["progress"] == {"total": 5, "done": 5, "changed": 4, "skipped": 1, "failed": 0}
    assert [(s["product_id"], s["reason"]) for s in done["skipped"]] == [(deleted["id"], "deleted since")]
    assert {shop.get(f"/api/admin/products/{p['id']}").json["price_min"] for p in products[1:]} == {105}


def test_a_chunk_run_again_edits_nothing_twice(merchant):
    shop, signup = merchant
    product = _product(shop, "Oar", prices=(100,))
    done = _run(shop, action="adjust_price", params={"amount": 10}, product_ids=[product["id"]])

    bulk_edits.apply_chunk({"tenant_id": signup["shop"]["id"], "bulk_edit_id": done["id"], "chunk": 0})

    assert shop.get(f"/api/admin/products/{product['id']}").json["variants"][0]["price"] == 110
    assert shop.get(f"/api/admin/bulk-edits/{done['id']}").json == done


def test_stock_sold_while_the_edit_decides_is_decided_again_not_overwritten(merchant):
    shop, signup = merchant
    product = _product(shop, "Net", qty=10)
    variant = product["variants"][0]["id"]
    recorded = []
    decisions = []

    def decision(snapshot):
        if not decisions:  # a checkout takes 4 units between our read and our write
            shop.patch(f"/api/admin/products/{product['id']}", {"variants": [{"id": variant, "inventory_quantity": 6}]})
        decisions.append(snapshot["variants"][0]["inventory_quantity"])
        return bulk_changes.decide("adjust_stock", {"delta": 5}, snapshot)

    def record(tx, result):
        recorded.append(result)
        return ("nowhere", "nothing")

    result = bulk_changes.apply(signup["shop"]["id"], product["id"], decision, record)

    assert decisions == [10, 6]
    assert [(c["before"], c["after"]) for c in result["changes"]] == [(6, 11)]
    assert shop.get(f"/api/admin/products/{product['id']}").json["variants"][0]["inventory_quantity"] == 11
