"""A compensation that fails for good leaves its record `needs_attention`: the merchant lists it and
clears it once dealt with, the operator counts it per shop."""

import pytest

from chalicelib import checkout, workflows
from tests.api.test_operator import _find_tenant
from tests.support.shopping import Shop, execution_done, session_of


@pytest.fixture
def shop(api, paying_shop):
    return Shop(api, paying_shop)


def _fails_for_good(payload):
    raise RuntimeError("the table is gone")


def test_a_checkout_that_cannot_mark_itself_failed_is_flagged_for_the_merchant_and_the_operator(
    shop, stripe, monkeypatch, operator
):
    """Before, the execution failed and the checkout stayed `processing` for the shopper forever: its stock was
    already back, so the sweeper never looked at it again, and nobody was told."""
    monkeypatch.setitem(workflows._TASKS, "checkout.mark_failed", _fails_for_good)
    variant = shop.product(qty=2)
    done = shop.checkout(shop.cart((variant, 1)), email="flagged@example.com").json
    stripe.pay(session_of(shop.until(done["checkout_id"])), "decline")
    assert execution_done(done["checkout_id"]) == "FAILED"
    assert workflows.state_names(checkout.execution_arn(done["checkout_id"]))[-3:] == [
        "MarkFailed",
        "NeedsAttention",
        "CheckoutFailed",
    ]
    assert shop.stock(variant) == 2
    listed = shop.admin.get("/api/admin/attention").json["items"]
    assert [(i["kind"], i["id"], i["email"]) for i in listed] == [
        ("checkout", done["checkout_id"], "flagged@example.com")
    ]
    assert "RuntimeError" in listed[0]["error"] and listed[0]["reason"]
    assert _find_tenant(operator, shop.tenant_id)["needs_attention"] == 1

    resolved = shop.admin.post(f"/api/admin/attention/checkout/{done['checkout_id']}/resolve")
    assert resolved.status_code == 200 and resolved.json["needs_attention"] is None
    assert shop.admin.get("/api/admin/attention").json["items"] == []
    assert _find_tenant(operator, shop.tenant_id)["needs_attention"] == 0
    assert shop.admin.post("/api/admin/attention/order/whatever/resolve").status_code == 404
