"""Order cancellation and the merchant's refunds: through Stripe (the emulator) on the shop's account, the
platform fee back in proportion, never more than was paid, each step on the order's timeline."""

from tests.support.after_sale import AfterSale, emails_to, finished, fulfilment_arn


def _state(order: dict) -> tuple:
    """What a refused action must leave as it was (the timeline grows on its own as emails go out)."""
    return (
        order["refunded_total"],
        order["financial_status"],
        order["refunds"],
        order["cancelled_at"],
        order["fulfilments"],
        order["fulfillment_status"],
    )


def _payment_intent(stripe, order):
    return stripe.get_object(stripe.get_object(order["payment"]["session_id"])["payment_intent"])


def test_cancel_refunds_what_was_paid_puts_the_stock_back_and_stops_its_fulfilments(shop, stripe, order):
    pending = shop.fulfil(order["id"], {"items": [{"variant_id": shop.shirt, "quantity": 1}]}).json
    assert (shop.stock(shop.shirt), shop.stock(shop.mug)) == (3, 4)
    cancelled = shop.admin.post(f"/api/admin/orders/{order['id']}/cancel", {"reason": "customer changed mind"})
    assert cancelled.status_code == 200, cancelled.body
    seen = cancelled.json
    assert seen["cancelled_at"] and seen["financial_status"] == "refunded" and seen["refunded_total"] == 4800
    assert seen["fulfillment_status"] == "unfulfilled" and seen["fulfilments"][0]["status"] == "cancelled"
    assert (shop.stock(shop.shirt), shop.stock(shop.mug)) == (5, 5)
    refund = stripe.get_object(seen["refunds"][0]["stripe_refund_id"])
    assert refund["amount"] == 4800 and refund["payment_intent"] == _payment_intent(stripe, order)["id"]
    assert _payment_intent(stripe, order)["application_fee_amount"] == 96
    assert stripe.account_of(refund["id"]) == order["payment"]["account_id"]  # on the shop's account
    types = [e["type"] for e in seen["timeline"]]
    assert {"cancelled", "restocked", "refunded"} <= set(types)
    assert finished(fulfilment_arn(pending["id"])) == "SUCCEEDED"
    assert any("cancelled" in m["subject"] for m in emails_to(order["email"]))

    again = shop.admin.post(f"/api/admin/orders/{order['id']}/cancel", {})
    assert again.status_code == 200 and again.json["refunds"] == seen["refunds"]
    assert (shop.stock(shop.shirt), shop.stock(shop.mug)) == (5, 5)
    assert shop.fulfil(order["id"]).status_code == 409


def test_the_platform_fee_comes_back_in_proportion(shop, stripe, order):
    refund = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 1200})
    assert refund.status_code == 201, refund.body
    intent = _payment_intent(stripe, order)
    assert intent["application_fee_amount"] == 96
    # The emulator keeps what Stripe would move back to the shop's account: a quarter of the fee.
    assert stripe._objects[intent["id"]].extra["application_fee_refunded"] == 96 * 1200 // 4800 == 24


def test_cancel_once_anything_shipped_is_409_and_changes_nothing(shop, order):
    f = shop.fulfil(order["id"], {"items": [{"variant_id": shop.mug, "quantity": 1}]}).json
    shop.move(order["id"], f["id"], "in_transit")
    before = _state(shop.order(order["id"]))
    refused = shop.admin.post(f"/api/admin/orders/{order['id']}/cancel", {})
    assert refused.status_code == 409 and "shipped" in refused.json["message"]
    assert _state(shop.order(order["id"])) == before and shop.stock(shop.mug) == 4


def test_refund_an_amount_then_lines_and_the_money_fields_follow(shop, stripe, order):
    first = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 500, "reason": "late"})
    assert first.status_code == 201 and first.json["amount"] == 500 and first.json["status"] == "succeeded"
    seen = shop.order(order["id"])
    assert seen["refunded_total"] == 500 and seen["financial_status"] == "partially_refunded"
    lines = shop.admin.post(
        f"/api/admin/orders/{order['id']}/refunds", {"lines": [{"variant_id": shop.shirt, "quantity": 2}]}
    )
    assert lines.status_code == 201 and lines.json["amount"] == 4000
    assert lines.json["lines"] == [{"variant_id": shop.shirt, "quantity": 2}]
    assert stripe.get_object(lines.json["stripe_refund_id"])["amount"] == 4000
    rest = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 300})
    assert rest.status_code == 201
    seen = shop.order(order["id"])
    assert seen["refunded_total"] == 4800 and seen["financial_status"] == "refunded"
    assert order["id"] in [o["id"] for o in shop.orders(financial_status="refunded")]
    assert [e["type"] for e in seen["timeline"]].count("refunded") == 3


def test_refunding_more_than_was_paid_is_400_and_nothing_changes(shop, stripe, order):
    assert shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 4000}).status_code == 201
    before = _state(shop.order(order["id"]))
    too_much = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 801})
    assert too_much.status_code == 400 and "amount" in too_much.json["fields"]
    assert "more than" in too_much.json["message"]
    lines_too_much = shop.admin.post(
        f"/api/admin/orders/{order['id']}/refunds", {"lines": [{"variant_id": shop.shirt, "quantity": 1}]}
    )
    assert lines_too_much.status_code == 400 and "lines" in lines_too_much.json["fields"]
    more_units = shop.admin.post(
        f"/api/admin/orders/{order['id']}/refunds", {"lines": [{"variant_id": shop.mug, "quantity": 2}]}
    )
    assert more_units.status_code == 400 and "lines[0].quantity" in more_units.json["fields"]
    nothing = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {})
    assert nothing.status_code == 400
    assert _state(shop.order(order["id"])) == before


def test_a_repeated_refund_with_the_same_key_refunds_once(shop, stripe, order):
    headers = {"idempotency-key": f"refund-{shop.subdomain}"}
    first = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 700}, headers=headers)
    second = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 700}, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json == second.json
    seen = shop.order(order["id"])
    assert seen["refunded_total"] == 700 and len(seen["refunds"]) == 1


def test_another_shops_order_cannot_be_cancelled_or_refunded(shop, stripe, order, api, paying_shop):
    other = AfterSale(api, paying_shop)
    assert other.admin.post(f"/api/admin/orders/{order['id']}/cancel", {}).status_code == 404
    assert other.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 1}).status_code == 404
    assert shop.order(order["id"])["refunded_total"] == 0


def test_a_refund_stripe_could_not_take_stays_pending_and_the_same_request_finishes_it(
    shop, stripe, order, monkeypatch
):
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    headers = {"idempotency-key": f"flaky-{shop.subdomain}"}
    stripe.inject_error(500, count=1, method="POST", path_prefix="/v1/refunds")
    first = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 1000}, headers=headers)
    assert first.status_code == 503
    pending = shop.order(order["id"])
    assert pending["refunded_total"] == 0 and [r["status"] for r in pending["refunds"]] == ["pending"]
    over = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 3801})
    assert over.status_code == 400  # what is pending already counts against what is left
    again = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 1000}, headers=headers)
    assert again.status_code == 201 and again.json["status"] == "succeeded"
    done = shop.order(order["id"])
    assert done["refunded_total"] == 1000 and len(done["refunds"]) == 1
    assert stripe.get_object(again.json["stripe_refund_id"])["amount"] == 1000


def test_a_refund_stripe_refuses_changes_no_money_field(shop, stripe, order):
    stripe.inject_error(400, count=1, method="POST", path_prefix="/v1/refunds", code="charge_disputed")
    refused = shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": 1000})
    assert refused.status_code == 409 and "refused" in refused.json["message"]
    seen = shop.order(order["id"])
    assert (seen["refunded_total"], seen["financial_status"]) == (0, "paid")
    assert [r["status"] for r in seen["refunds"]] == ["failed"]
    assert any(e["type"] == "refund_failed" for e in seen["timeline"])
