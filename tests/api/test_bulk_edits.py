"""Bulk edits of products (`/api/admin/bulk-edits`): a dry run first, the run as a workflow
(infra/workflows/bulk_edit.asl.json, run by the emulated Step Functions), its progress, and its undo."""

import pytest

from chalicelib import workflows
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
