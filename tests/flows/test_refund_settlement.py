"""A refund counts once Stripe reports it succeeded: in the create call's answer or later in a refund webhook.
Pending waits (its amount held back), failed or canceled frees it, and the scheduled reconciler settles what
Stripe never answered by asking Stripe first, so a refund is paid once even after Stripe forgot its key."""

import pytest

from chalicelib import checkout, checkout_payment, payment_sessions, payments, refunds
from chalicelib.db import plain
from infra.local import runtime
from tests.support.clock import later
from tests.support.wait import wait_for

DAY = 24 * 60 * 60


def _refund_post(shop, order, amount, **kw):
    return shop.admin.post(f"/api/admin/orders/{order['id']}/refunds", {"amount": amount}, **kw)


def _money(shop, order) -> tuple:
    seen = shop.order(order["id"])
    return seen["refunded_total"], seen["financial_status"], [r["status"] for r in seen["refunds"]]


def _refunds_at_stripe(stripe, order) -> list[dict]:
    intent = stripe.get_object(order["payment"]["session_id"])["payment_intent"]
    return [
        o for o in stripe._objects.values() if o.obj.get("object") == "refund" and o.obj["payment_intent"] == intent
    ]


def _reconcile() -> dict:
    import app as app_module

    return app_module.reconcile_refunds(runtime.scheduled_event("2026-01-01T00:00:00Z"), None)


@pytest.fixture
def quiet_refund_webhooks(stripe, monkeypatch):
    """Stripe's refund events never arrive: only asking Stripe can settle a refund."""
    monkeypatch.setattr(stripe, "enabled_events", ["checkout.*", "payment_intent.*", "account.*"])


@pytest.fixture
def a_day_later(stripe, monkeypatch):
    """Moves the app's clock and Stripe's a day and an hour on (Stripe forgets idempotency keys after 24 h)."""

    def go():
        later(monkeypatch, DAY + 3600)
        stripe.advance(DAY + 3600)

    yield go
    if stripe.time_offset:
        stripe.advance(-stripe.time_offset)


def test_a_pending_refund_waits_holds_its_amount_back_and_counts_once_stripe_says_succeeded(shop, stripe, order):
    stripe.plan_refunds("pending")
    made = _refund_post(shop, order, 1000)
    assert made.status_code == 201 and made.json["status"] == "pending" and made.json["stripe_refund_id"]
    assert _money(shop, order) == (0, "paid", ["pending"])
    assert _refund_post(shop, order, 3801).status_code == 400  # the pending 10.00 is held back
    stripe.settle_refund(made.json["stripe_refund_id"], "succeeded")
    wait_for(lambda: _money(shop, order)[2] == ["succeeded"])
    assert _money(shop, order) == (1000, "partially_refunded", ["succeeded"])
    stripe.wait_idle()  # refund.updated and charge.refund.updated both arrived: it counted once
    assert _money(shop, order)[0] == 1000
    timeline = [e["type"] for e in shop.order(order["id"])["timeline"]]
    assert timeline.count("refund_pending") == 1 and timeline.count("refunded") == 1


@pytest.mark.parametrize("outcome", ["failed", "canceled"])
def test_a_pending_refund_that_fails_later_frees_its_amount(shop, stripe, order, outcome):
    stripe.plan_refunds("pending")
    made = _refund_post(shop, order, 4800)
    assert made.status_code == 201 and made.json["status"] == "pending"
    stripe.settle_refund(made.json["stripe_refund_id"], outcome)
    wait_for(lambda: _money(shop, order)[2] == ["failed"])
    assert _money(shop, order) == (0, "paid", ["failed"])
    again = _refund_post(shop, order, 4800)  # all of it is free to refund again
    assert again.status_code == 201 and again.json["status"] == "succeeded"
    assert _money(shop, order) == (4800, "refunded", ["failed", "succeeded"])


@pytest.mark.parametrize("answer", ["failed", "canceled"])
def test_a_refund_stripe_answers_failed_counts_nothing(shop, stripe, order, answer):
    stripe.plan_refunds(answer)
    refused = _refund_post(shop, order, 1000)
    assert refused.status_code == 409 and "refused" in refused.json["message"]
    assert _money(shop, order) == (0, "paid", ["failed"])
    assert any(e["type"] == "refund_failed" for e in shop.order(order["id"])["timeline"])


def test_a_refund_whose_reply_was_lost_is_found_not_paid_twice_a_day_later(
    shop, stripe, order, monkeypatch, quiet_refund_webhooks, a_day_later
):
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    stripe.inject_error(500, count=1, method="POST", path_prefix="/v1/refunds", after=True)
    lost = _refund_post(shop, order, 1000)
    assert lost.status_code == 503
    assert _money(shop, order) == (0, "paid", ["pending"]) and len(_refunds_at_stripe(stripe, order)) == 1
    a_day_later()  # Stripe has forgotten the idempotency key: sending it again would refund it again
    settled = _reconcile()
    entry = shop.order(order["id"])["refunds"][0]
    assert entry["id"] in settled["succeeded"]
    assert _money(shop, order) == (1000, "partially_refunded", ["succeeded"])
    [at_stripe] = _refunds_at_stripe(stripe, order)
    assert entry["stripe_refund_id"] == at_stripe.obj["id"] and at_stripe.obj["metadata"]["refund_id"] == entry["id"]
    assert entry["id"] not in str(_reconcile())  # settled: off the reconciler's list


def test_a_refund_never_sent_is_sent_once_by_the_reconciler(shop, stripe, order, monkeypatch, a_day_later):
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    stripe.inject_error(500, count=1, method="POST", path_prefix="/v1/refunds")
    assert _refund_post(shop, order, 1500).status_code == 503
    assert _refunds_at_stripe(stripe, order) == []
    assert shop.order(order["id"])["refunds"][0]["id"] not in str(_reconcile())  # not stale yet
    a_day_later()
    _reconcile()
    assert _money(shop, order) == (1500, "partially_refunded", ["succeeded"])
    assert len(_refunds_at_stripe(stripe, order)) == 1


def test_the_reconciler_leaves_a_refund_stripe_still_has_pending(shop, stripe, order, monkeypatch):
    stripe.plan_refunds("pending")
    made = _refund_post(shop, order, 700).json
    later(monkeypatch, refunds.RECONCILE_AFTER_SECONDS + 60)
    assert made["id"] in _reconcile()["pending"]
    stripe.settle_refund(made["stripe_refund_id"], "succeeded")
    stripe.wait_idle()
    assert _money(shop, order) == (700, "partially_refunded", ["succeeded"])


def test_cancel_answers_with_the_refund_pending_and_the_webhook_finishes_it(shop, stripe, order):
    stripe.plan_refunds("pending")
    cancelled = shop.admin.post(f"/api/admin/orders/{order['id']}/cancel", {"reason": "out of stock"})
    assert cancelled.status_code == 200, cancelled.body
    seen = cancelled.json
    assert seen["cancelled_at"] and (seen["refunded_total"], seen["financial_status"]) == (0, "paid")
    assert [r["status"] for r in seen["refunds"]] == ["pending"]
    stripe.settle_refund(seen["refunds"][0]["stripe_refund_id"], "succeeded")
    wait_for(lambda: _money(shop, order) == (4800, "refunded", ["succeeded"]))


def test_a_refund_event_from_another_account_or_payment_changes_nothing(shop, stripe, order):
    stripe.plan_refunds("pending")
    made = _refund_post(shop, order, 1000).json
    entry = shop.order(order["id"])["refunds"][0]
    genuine = stripe.get_object(made["stripe_refund_id"])
    forged = {**genuine, "status": "succeeded"}
    for event in (
        {"account": "acct_someone_else", "data": {"object": forged}},
        {"account": order["payment"]["account_id"], "data": {"object": {**forged, "payment_intent": "pi_other"}}},
        {"account": order["payment"]["account_id"], "data": {"object": {**forged, "id": "re_other"}}},
        {"account": order["payment"]["account_id"], "data": {"object": {**forged, "metadata": {}}}},
    ):
        assert refunds.on_event({"id": "evt_forged", "type": "refund.updated", **event}) == "ignored"
    assert _money(shop, order) == (0, "paid", ["pending"]) and entry["status"] == "pending"


def test_a_late_payments_refund_is_looked_up_before_it_is_sent_again(shop, stripe, order, a_day_later):
    payment = {**order["payment"], "amount": 4800, "currency": "USD"}
    first = payment_sessions.refund(shop.tenant_id, "checkout", order["checkout_id"], payment, why="late-refund")
    a_day_later()
    again = payment_sessions.refund(shop.tenant_id, "checkout", order["checkout_id"], payment, why="late-refund")
    assert again["id"] == first["id"] and len(_refunds_at_stripe(stripe, order)) == 1


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_a_session_refund_is_recorded_only_once_stripe_says_succeeded(shop, stripe, order, outcome):
    """Late payments and exchange differences: the workflow step asks again (RefundPending) while it is pending."""
    payment = {**order["payment"], "amount": 4800, "currency": "USD"}
    stripe.plan_refunds("pending")
    with pytest.raises(payment_sessions.RefundPending):
        payment_sessions.refund(shop.tenant_id, "checkout", order["checkout_id"], payment, why="late-refund")
    [pending] = _refunds_at_stripe(stripe, order)
    stripe.settle_refund(pending.obj["id"], outcome)
    if outcome == "failed":
        with pytest.raises(payments.PaymentFailed):
            payment_sessions.refund(shop.tenant_id, "checkout", order["checkout_id"], payment, why="late-refund")
    else:
        done = payment_sessions.refund(shop.tenant_id, "checkout", order["checkout_id"], payment, why="late-refund")
        assert done["id"] == pending.obj["id"] and done["amount"] == 4800
    assert len(_refunds_at_stripe(stripe, order)) == 1


def test_a_checkouts_refund_stripe_has_pending_is_kept_on_the_checkout_and_the_step_goes_on(shop, stripe, order):
    """RefundPayment (an order that could not be made): the stock need not wait for Stripe's bank."""
    stripe.plan_refunds("pending")
    task = {"tenant_id": shop.tenant_id, "checkout_id": order["checkout_id"]}
    assert checkout_payment.refund_payment(task)["refunded"] is True
    kept = plain(checkout.load(shop.tenant_id, order["checkout_id"]).refund)
    [at_stripe] = _refunds_at_stripe(stripe, order)
    assert kept == {"refund_id": at_stripe.obj["id"], "amount": 4800, "status": "pending"}
    checkout_payment.refund_payment(task)  # a retried step finds it: one refund
    assert len(_refunds_at_stripe(stripe, order)) == 1
