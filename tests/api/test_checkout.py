"""Checkout end to end: the storefront API, the Step Functions saga on the emulator, the Stripe emulator's
payment page and its signed webhooks to the live server, the order the merchant sees."""

import json

import boto3
import pytest
import requests

from chalicelib import checkout, keys, settings, stock, workflows
from chalicelib.db import OrderRecord, TenantItem
from infra.local import runtime
from infra.local.stripe_emulator import sign_payload
from tests.support.api import product_body
from tests.support.clock import later
from tests.support.shopping import ADDRESS, Shop, execution_done, send_event, session_of, stripe_event
from tests.support.wait import wait_for

HAPPY_STATES = [
    "ReserveStock",
    "PaymentDue",
    "CreatePayment",
    "WaitForPayment",
    "CreateOrder",
    "SendConfirmation",
    "EmitOrderCreated",
    "OrderPlaced",
]


@pytest.fixture
def shop(api, paying_shop):
    return Shop(api, paying_shop)


def _items(tenant_id: str, prefix: str) -> list:
    return list(TenantItem.query(tenant_id, TenantItem.sk.startswith(prefix), consistent_read=True))


def _orders_of(tenant_id: str, checkout_id: str) -> list:
    return [o for o in _items(tenant_id, "ORDER#") if isinstance(o, OrderRecord) and o.checkout_id == checkout_id]


# The happy path -----------------------------------------------------------


def test_shopper_pays_and_the_merchant_sees_the_order(shop, stripe):
    variant = shop.product(qty=5, price=1999)
    done = shop.buy(stripe, (variant, 2), email="Buyer@Example.com")
    assert done["status"] == "paid" and done["order_id"]
    order = shop.admin.get(f"/api/admin/orders/{done['order_id']}").json
    assert order["number"] == 1 and order["email"] == "buyer@example.com" and order["currency"] == "USD"
    assert (
        order["subtotal"],
        order["discount_total"],
        order["shipping_total"],
        order["tax_total"],
        order["total"],
    ) == (3998, 0, 0, 0, 3998)
    assert order["financial_status"] == "paid" and order["fulfillment_status"] == "unfulfilled"
    assert [(l["variant_id"], l["sku"], l["title"], l["quantity"], l["price"]) for l in order["lines"]] == [
        (variant, order["lines"][0]["sku"], "Blue Shirt", 2, 1999)
    ]
    assert order["refunded_total"] == 0 and order["cancelled_at"] is None and order["created_at"]
    assert order["shipping_address"] == ADDRESS
    assert [e["type"] for e in order["timeline"]][:2] == ["placed", "paid"]
    assert shop.stock(variant) == 3
    session = stripe.get_object(order["payment"]["session_id"])
    payment_intent = stripe.get_object(session["payment_intent"])
    assert session["amount_total"] == 3998 and payment_intent["application_fee_amount"] == 80  # starter: 2 %
    assert stripe.account_of(session["id"]) == order["payment"]["account_id"]  # a direct charge
    assert [o["id"] for o in shop.orders()] == [order["id"]]


def test_workflow_history_walks_the_happy_states_in_order(shop, stripe):
    done = shop.buy(stripe, (shop.product(), 1))
    assert execution_done(done["checkout_id"]) == "SUCCEEDED"
    assert workflows.state_names(checkout.execution_arn(done["checkout_id"])) == HAPPY_STATES


def test_confirmation_email_and_order_created_event(shop, stripe):
    events = boto3.client("events", region_name=runtime.REGION)
    sqs = boto3.client("sqs", region_name=runtime.REGION)
    queue = sqs.create_queue(QueueName=f"orders-{shop.subdomain}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name=f"orders-{shop.subdomain}",
        EventBusName=settings.EVENT_BUS,
        EventPattern=json.dumps({"detail-type": ["order.created"], "detail": {"tenant_id": [shop.tenant_id]}}),
    )
    events.put_targets(
        Rule=f"orders-{shop.subdomain}", EventBusName=settings.EVENT_BUS, Targets=[{"Id": "q", "Arn": queue_arn}]
    )
    email = f"{shop.subdomain}@buyer.example"
    done = shop.buy(stripe, (shop.product(price=1500), 1), email=email)
    assert execution_done(done["checkout_id"]) == "SUCCEEDED"
    mails = [m for m in runtime.sent_emails() if email in m["to"]]
    assert len(mails) == 1 and "order #1 confirmed" in mails[0]["subject"]
    order = shop.admin.get(f"/api/admin/orders/{done['order_id']}").json
    assert [e["type"] for e in order["timeline"]] == ["placed", "paid", "confirmation_sent"]
    assert f"/orders/{done['order_id']}" in mails[0]["body"] and "$15.00" in mails[0]["body"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    detail = json.loads(messages[0]["Body"])["detail"]
    assert (detail["order_id"], detail["number"], detail["total"]) == (done["order_id"], 1, 1500)


def test_order_numbers_count_up_per_shop(shop, stripe, api, paying_shop):
    variant = shop.product(qty=10)
    numbers = [
        shop.admin.get(f"/api/admin/orders/{shop.buy(stripe, (variant, 1))['order_id']}").json["number"]
        for _ in range(3)
    ]
    other = Shop(api, paying_shop)
    first_elsewhere = other.buy(stripe, (other.product(), 1))
    assert numbers == [1, 2, 3]
    assert other.admin.get(f"/api/admin/orders/{first_elsewhere['order_id']}").json["number"] == 1


def test_discount_shipping_and_tax_add_up_and_are_allocated_per_line(shop, stripe):
    shop.admin.request(
        "PUT",
        "/api/admin/shipping-rates",
        {"rates": [{"name": "Standard", "amount": 500}, {"name": "Domestic", "amount": 700, "countries": ["US"]}]},
    )
    shop.admin.request("PUT", "/api/admin/tax-rates", {"rates": [{"country": "US", "rate_bp": 825}]})
    code = shop.admin.post("/api/admin/discounts", {"code": "Spring10", "type": "percentage", "value": 10})
    assert code.status_code == 201, code.body
    a, b = shop.product(price=1000), shop.product(price=333)
    done = shop.buy(stripe, (a, 1), (b, 3), discount_code="spring10")
    order = shop.admin.get(f"/api/admin/orders/{done['order_id']}").json
    assert order["subtotal"] == 1999 and order["discount_total"] == 200 and order["shipping_total"] == 700
    assert order["tax_total"] == sum(l["tax"] for l in order["lines"]) == 148
    assert order["subtotal"] - order["discount_total"] + order["shipping_total"] + order["tax_total"] == order["total"]
    assert sum(l["discount"] for l in order["lines"]) == 200
    for line in order["lines"]:
        assert sum(line["unit_discounts"]) == line["discount"] and len(line["unit_taxes"]) == line["quantity"]
    assert order["discount_code"] == "Spring10"
    session = stripe.get_object(order["payment"]["session_id"])
    assert session["amount_total"] == order["total"]
    assert shop.admin.get("/api/admin/discounts").json["items"][0]["times_used"] == 1


def test_a_free_order_skips_the_payment(shop):
    shop.admin.post("/api/admin/discounts", {"code": "ALL", "type": "fixed_amount", "value": 1_000_000})
    started = shop.checkout(shop.cart((shop.product(price=500), 1)), discount_code="ALL")
    done = shop.settled(started.json["checkout_id"])
    assert done["status"] == "paid" and done["total"] == 0
    assert "CreatePayment" not in workflows.state_names(checkout.execution_arn(started.json["checkout_id"]))


# Bad input ------------------------------------------------------------------


def test_empty_cart_is_400(shop):
    bad = shop.checkout(shop.cart())
    assert bad.status_code == 400 and bad.json["fields"] == {"lines": "the cart is empty"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"shipping_address": {**ADDRESS, "city": "  "}}, "shipping_address.city"),
        ({"shipping_address": {**ADDRESS, "country": "usa"}}, "shipping_address.country"),
        (
            {"shipping_address": {k: v for k, v in ADDRESS.items() if k != "postal_code"}},
            "shipping_address.postal_code",
        ),
        ({"discount_code": "NOPE"}, "discount_code"),
    ],
)
def test_bad_email_address_or_code_is_400_naming_the_field(shop, body, field):
    variant = shop.product()
    cart_id = shop.cart((variant, 1))
    bad = shop.store.post(
        f"/api/store/carts/{cart_id}/checkout", {"email": "sam@example.com", "shipping_address": ADDRESS, **body}
    )
    assert bad.status_code == 400 and field in bad.json["fields"], bad.body
    assert shop.stock(variant) == 5 and shop.store.get(f"/api/store/carts/{cart_id}").json["status"] == "open"


def test_more_than_in_stock_now_is_409_at_once(shop):
    variant = shop.product(qty=3)
    cart_id = shop.cart((variant, 3))
    shop.admin.patch(
        f"/api/admin/products/{variant.split('_')[0]}", {"variants": [{"id": variant, "inventory_quantity": 2}]}
    )
    short = shop.checkout(cart_id)
    assert short.status_code == 409 and short.json["fields"] == {"lines[0].quantity": "only 2 available"}


def test_product_turned_draft_or_deleted_after_adding_is_400(shop):
    variant, gone = shop.product(), shop.product()
    cart_id = shop.cart((variant, 1), (gone, 1))
    shop.admin.patch(f"/api/admin/products/{variant.split('_')[0]}", {"status": "draft"})
    bad = shop.checkout(cart_id)
    assert bad.status_code == 400 and bad.json["fields"] == {"lines[0].variant_id": "not for sale"}
    shop.admin.patch(f"/api/admin/products/{variant.split('_')[0]}", {"status": "active"})
    shop.admin.delete(f"/api/admin/products/{gone.split('_')[0]}")
    bad = shop.checkout(cart_id)
    assert bad.status_code == 400 and bad.json["fields"] == {"lines[1].variant_id": "unknown variant"}


def test_expired_not_started_or_too_small_discount_is_400_naming_discount_code(shop):
    for body in (
        {"code": "OLD", "ends_at": "2020-01-01T00:00:00Z"},
        {"code": "LATER", "starts_at": "2999-01-01T00:00:00Z"},
        {"code": "BIG", "minimum_subtotal": 1_000_000},
    ):
        created = shop.admin.post("/api/admin/discounts", {"type": "fixed_amount", "value": 100, **body})
        assert created.status_code == 201
    cart_id = shop.cart((shop.product(), 1))
    for code, reason in (("old", "expired"), ("later", "not active yet"), ("big", "minimum")):
        bad = shop.checkout(cart_id, discount_code=code)
        assert bad.status_code == 400 and reason in bad.json["fields"]["discount_code"], bad.body


def test_exhausted_discount_is_400_and_once_per_customer_is_per_email(shop, stripe):
    shop.admin.post("/api/admin/discounts", {"code": "ONCE", "type": "percentage", "value": 5, "usage_limit": 1})
    shop.admin.post("/api/admin/discounts", {"code": "MINE", "type": "free_shipping", "once_per_customer": True})
    variant = shop.product(qty=10)
    assert shop.buy(stripe, (variant, 1), discount_code="ONCE")["status"] == "paid"
    used_up = shop.checkout(shop.cart((variant, 1)), discount_code="ONCE")
    assert used_up.status_code == 400
    assert used_up.json["fields"] == {"discount_code": "This discount code has been used up."}
    assert shop.buy(stripe, (variant, 1), discount_code="MINE", email="ann@example.com")["status"] == "paid"
    again = shop.checkout(shop.cart((variant, 1)), discount_code="mine", email="ANN@example.com")
    assert again.status_code == 400 and "already used" in again.json["fields"]["discount_code"]
    assert shop.buy(stripe, (variant, 1), discount_code="MINE", email="bob@example.com")["status"] == "paid"


def test_shop_without_payments_cannot_check_out(api, new_shop, stripe):
    admin, signup = new_shop()
    variant = admin.post("/api/admin/products", product_body()).json["variants"][0]["id"]
    store = api.as_(host=f"{signup['shop']['subdomain']}.localhost:8000")
    cart = store.post("/api/store/carts", {}).json["id"]
    store.post(f"/api/store/carts/{cart}/items", {"variant_id": variant, "quantity": 1})
    refused = store.post(f"/api/store/carts/{cart}/checkout", {"email": "a@b.co", "shipping_address": ADDRESS})
    assert refused.status_code == 409 and refused.json["fields"] == {"shop": "payments not set up"}


def test_another_shops_checkout_is_404(shop, api, paying_shop):
    other = Shop(api, paying_shop)
    started = other.checkout(other.cart((other.product(), 1))).json["checkout_id"]
    assert shop.store.get(f"/api/store/checkouts/{started}").status_code == 404
    assert shop.store.get("/api/store/checkouts/nope").status_code == 404


# Decline, expiry, late payments -------------------------------------------


def test_declined_payment_fails_the_checkout_and_gives_back_stock_and_cart(shop, stripe):
    variant = shop.product(qty=2)
    done = shop.buy(stripe, (variant, 2), outcome="decline")
    assert done["status"] == "failed" and done["failure_reason"] == "payment_declined"
    assert shop.stock(variant) == 2 and shop.orders() == []
    record = checkout.load(shop.tenant_id, done["checkout_id"])
    assert shop.store.get(f"/api/store/carts/{record.cart_id}").json["status"] == "open"
    session = stripe.get_object(record.payment_session["id"])
    assert session["status"] == "expired"  # the card can't be retried on a checkout that gave its stock back
    assert execution_done(done["checkout_id"]) == "FAILED"
    assert workflows.state_names(checkout.execution_arn(done["checkout_id"]))[-5:] == [
        "CancelPayment",
        "PaidAfterAll",
        "ReleaseReservation",
        "MarkFailed",
        "CheckoutFailed",
    ]
    retry = shop.checkout(record.cart_id)
    assert retry.status_code == 202


def test_unpaid_checkout_expires_and_a_late_payment_is_rejected(shop, stripe):
    variant = shop.product(qty=1)
    started = shop.checkout(shop.cart((variant, 1))).json["checkout_id"]
    awaiting = shop.until(started)
    assert awaiting["status"] == "awaiting_payment"
    shop.run_out(started)
    expired = shop.settled(started)
    assert expired["status"] == "expired" and expired["failure_reason"] == "expired"
    assert shop.stock(variant) == 1
    late = requests.post(awaiting["payment_url"], data={"outcome": "succeed"}, allow_redirects=False)
    assert late.status_code == 410  # the payment page refuses: the session was expired at Stripe
    assert shop.orders() == [] and shop.stock(variant) == 1


def test_late_success_after_the_stock_went_back_is_refunded_with_no_order(shop, stripe, monkeypatch):
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    # Stripe cannot be reached to expire the session: the workflow gives the stock back regardless.
    stripe.inject_error(500, count=10_000, method="POST", path_prefix="/v1/checkout/sessions/cs_")
    try:
        variant = shop.product(qty=1)
        started = shop.checkout(shop.cart((variant, 1))).json["checkout_id"]
        awaiting = shop.until(started)
        shop.run_out(started)
        assert shop.settled(started)["status"] == "expired" and shop.stock(variant) == 1
    finally:
        with stripe._lock:
            stripe._faults.clear()
    stripe.pay(session_of(awaiting), "succeed")  # the shopper still had the page open
    paid_with = stripe.get_object(session_of(awaiting))["payment_intent"]
    refund = stripe.wait_for_event(
        "refund.created", timeout=30, predicate=lambda e: e["data"]["object"]["payment_intent"] == paid_with
    )
    refund = refund["data"]["object"]
    record = checkout.load(shop.tenant_id, started)
    assert refund["amount"] == 1999 and record.late_payment["payment_intent"] == paid_with
    assert wait_for(lambda: checkout.load(shop.tenant_id, started).late_payment["refund_id"]) == refund["id"]
    assert shop.status(started)["status"] == "expired" and shop.orders() == [] and shop.stock(variant) == 1


def test_a_payment_that_lands_as_the_reservation_expires_becomes_the_order(shop, stripe):
    """The webhook is late (Stripe took the money, the delivery is slow): CancelPayment finds the session
    paid at Stripe and the workflow makes the order with the stock it still holds."""
    variant = shop.product(qty=1)
    started = shop.checkout(shop.cart((variant, 1))).json["checkout_id"]
    awaiting = shop.until(started)
    held, stripe.webhook_url = stripe.webhook_url, "http://127.0.0.1:9/unreachable"
    try:
        stripe.pay(session_of(awaiting), "succeed")
        shop.run_out(started)
        done = shop.settled(started)
    finally:
        stripe.webhook_url = held
    assert done["status"] == "paid" and shop.stock(variant) == 0
    assert len(_orders_of(shop.tenant_id, started)) == 1
    assert "CancelPayment" in workflows.state_names(checkout.execution_arn(started))


# Webhooks ---------------------------------------------------------------------


def test_a_webhook_replayed_three_times_makes_one_order(shop, stripe):
    variant = shop.product(qty=5)
    done = shop.buy(stripe, (variant, 1))
    session_id = checkout.load(shop.tenant_id, done["checkout_id"]).payment_session["id"]
    completed = stripe.wait_for_event(
        "checkout.session.completed", predicate=lambda e: e["data"]["object"]["id"] == session_id
    )
    for _ in range(3):
        stripe.redeliver(completed["id"])
    assert stripe.wait_idle(30)
    replies = [d for d in stripe.deliveries if d["event_id"] == completed["id"]]
    assert len(replies) == 4 and all(d["status"] == 200 for d in replies)
    assert len(_orders_of(shop.tenant_id, done["checkout_id"])) == 1
    assert shop.stock(variant) == 4 and len(shop.orders()) == 1


def test_the_same_event_posted_again_directly_is_acknowledged_and_ignored(shop, stripe, live_server):
    done = shop.buy(stripe, (shop.product(), 1))
    ours = lambda e: e["data"]["object"]["metadata"].get("checkout_id") == done["checkout_id"]  # noqa: E731
    event = stripe.wait_for_event("checkout.session.completed", predicate=ours)
    for _ in range(3):
        reply = send_event(live_server, stripe, event)
        assert reply.status_code == 200 and reply.json()["duplicate"] is True
    assert len(shop.orders()) == 1


def test_forged_signature_is_400_and_changes_nothing(shop, stripe, live_server):
    variant = shop.product(qty=1)
    started = shop.checkout(shop.cart((variant, 1))).json["checkout_id"]
    awaiting = shop.until(started)
    record = checkout.load(shop.tenant_id, started)
    forged = stripe_event(
        "evt_forged",
        "checkout.session.completed",
        record.payment_session["account_id"],
        {
            "id": session_of(awaiting),
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": "pi_forged",
            "amount_total": 1999,
            "currency": "usd",
            "metadata": {"tenant_id": shop.tenant_id, "checkout_id": started},
        },
    )
    body = json.dumps(forged).encode()
    for signature in (sign_payload(body, "whsec_not_ours"), "t=1,v1=deadbeef", None):
        reply = requests.post(
            f"{live_server}/api/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": signature} if signature else {},
        )
        assert reply.status_code == 400 and "Stripe-Signature" in reply.json()["fields"]
    assert shop.status(started)["status"] == "awaiting_payment" and shop.stock(variant) == 0
    assert checkout.load(shop.tenant_id, started).payment is None and shop.orders() == []


def test_a_decline_arriving_after_the_success_changes_nothing(shop, stripe, live_server):
    done = shop.buy(stripe, (shop.product(), 1))
    record = checkout.load(shop.tenant_id, done["checkout_id"])
    late_decline = stripe_event(
        "evt_late_decline_" + done["checkout_id"],
        "payment_intent.payment_failed",
        record.payment_session["account_id"],
        {
            "id": record.payment["payment_intent"],
            "object": "payment_intent",
            "metadata": {"tenant_id": shop.tenant_id, "checkout_id": done["checkout_id"]},
        },
    )
    reply = send_event(live_server, stripe, late_decline)
    assert reply.status_code == 200
    assert shop.status(done["checkout_id"])["status"] == "paid" and len(shop.orders()) == 1


# Retries and the sweeper -----------------------------------------------------

PAID_PATH_TASKS = [
    "checkout.reserve_stock",
    "checkout_payment.create_payment",
    "checkout_payment.await_payment",
    "order_creation.create",
    "order_creation.send_confirmation",
    "order_creation.emit_created",
]
DECLINE_PATH_TASKS = ["checkout_payment.cancel_payment", "checkout.release_reservation", "checkout.mark_failed"]


def _fail_once_after_working(monkeypatch, task: str, tenant_id: str):
    """The worst transient failure: the task did its work, then its Lambda reported an error anyway."""
    real = workflows._TASKS[task]
    failed = []

    def flaky(payload):
        # Noted before the work: the checkout's status can show the work done (the test polls it from another
        # thread) before the error is raised.
        failing = payload.get("tenant_id") == tenant_id and not failed
        if failing:
            failed.append(payload)
        result = real(payload)
        if failing:
            raise workflows.TransientError(f"injected after {task}")
        return result

    monkeypatch.setitem(workflows._TASKS, task, flaky)
    return failed


@pytest.mark.parametrize("task", PAID_PATH_TASKS)
def test_a_transient_error_in_a_paid_path_task_still_makes_one_reservation_and_one_order(
    shop, stripe, monkeypatch, task
):
    failed = _fail_once_after_working(monkeypatch, task, shop.tenant_id)
    variant = shop.product(qty=5)
    email = f"{task.replace('.', '-')}@{shop.subdomain}.example"
    done = shop.buy(stripe, (variant, 2), email=email)
    assert execution_done(done["checkout_id"]) == "SUCCEEDED" and failed
    assert done["status"] == "paid" and shop.stock(variant) == 3
    assert len(_items(shop.tenant_id, keys.reservation_sk(done["checkout_id"]))) == 1
    assert len(_orders_of(shop.tenant_id, done["checkout_id"])) == 1
    assert len([m for m in runtime.sent_emails() if email in m["to"]]) == 1
    history = workflows.state_names(checkout.execution_arn(done["checkout_id"]))
    assert [s for s in dict.fromkeys(history)] == HAPPY_STATES


@pytest.mark.parametrize("task", DECLINE_PATH_TASKS)
def test_a_transient_error_in_a_compensation_task_releases_exactly_once(shop, stripe, monkeypatch, task):
    failed = _fail_once_after_working(monkeypatch, task, shop.tenant_id)
    shop.admin.post("/api/admin/discounts", {"code": "FEW", "type": "percentage", "value": 10, "usage_limit": 3})
    variant = shop.product(qty=5)
    done = shop.buy(stripe, (variant, 2), outcome="decline", discount_code="FEW")
    assert done["status"] == "failed" and done["failure_reason"] == "payment_declined" and failed
    assert execution_done(done["checkout_id"]) == "FAILED"
    assert shop.stock(variant) == 5  # back once, not twice
    assert shop.admin.get("/api/admin/discounts").json["items"][0]["times_used"] == 0
    assert stock.get(shop.tenant_id, done["checkout_id"]).status == "released"
    assert _orders_of(shop.tenant_id, done["checkout_id"]) == []


def test_sweeper_releases_stock_of_a_checkout_whose_workflow_was_stopped(shop, app, monkeypatch):
    variant = shop.product(qty=4)
    started = shop.checkout(shop.cart((variant, 3))).json["checkout_id"]
    assert shop.until(started)["status"] == "awaiting_payment"
    boto3.client("stepfunctions", region_name=runtime.REGION).stop_execution(
        executionArn=checkout.execution_arn(started)
    )
    shop.run_out(started)  # the emulator applies a stop once the waiting state's own timer ends
    assert execution_done(started) in ("ABORTED", "FAILED")  # the emulator reports a stop inside a wait either way
    assert stock.get(shop.tenant_id, started).status == "held" and shop.stock(variant) == 1
    later(monkeypatch, settings.reservation_seconds())
    import app as app_module

    swept = app_module.sweep_reservations(runtime.scheduled_event("2026-01-01T00:00:00Z"), None)
    assert started in swept["released"]
    assert shop.stock(variant) == 4 and shop.status(started)["status"] == "expired"  # its time had passed
    record = checkout.load(shop.tenant_id, started)
    assert shop.store.get(f"/api/store/carts/{record.cart_id}").json["status"] == "open"
    assert started not in checkout.sweep()["released"]  # nothing held any more: a second sweep is a no-op


def test_sweeper_leaves_running_checkouts_alone(shop):
    variant = shop.product(qty=2)
    started = shop.checkout(shop.cart((variant, 1))).json["checkout_id"]
    shop.until(started)
    assert started not in checkout.sweep()["released"] and shop.stock(variant) == 1


# Orders: list, lookup, the shopper's page ----------------------------------------


def test_merchant_lists_orders_newest_first_with_cursor_and_status_filters(shop, stripe):
    variant = shop.product(qty=10)
    ids = [shop.buy(stripe, (variant, 1))["order_id"] for _ in range(3)]
    first = shop.admin.get("/api/admin/orders?limit=2").json
    second = shop.admin.get(f"/api/admin/orders?limit=2&cursor={first['next']}").json
    assert [o["id"] for o in first["items"] + second["items"]] == ids[::-1] and second["next"] is None
    assert len(shop.admin.get("/api/admin/orders?financial_status=paid").json["items"]) == 3
    assert shop.admin.get("/api/admin/orders?financial_status=refunded").json["items"] == []
    assert len(shop.admin.get("/api/admin/orders?fulfillment_status=unfulfilled&limit=1").json["items"]) == 1
    bad = shop.admin.get("/api/admin/orders?financial_status=lost")
    assert bad.status_code == 400 and "financial_status" in bad.json["fields"]


def test_merchant_finds_an_order_by_its_number_or_part_of_its_email(shop, stripe):
    variant = shop.product(qty=10)
    mine = shop.buy(stripe, (variant, 1), email="Finder.Person@example.com")["order_id"]
    other = shop.buy(stripe, (variant, 1), email="someone@example.com")["order_id"]
    number = shop.admin.get(f"/api/admin/orders/{mine}").json["number"]
    for q in (str(number), f"%23{number}", "finder.PERSON", "FINDER.person@example.com"):
        assert [o["id"] for o in shop.admin.get(f"/api/admin/orders?q={q}").json["items"]] == [mine], q
    assert shop.admin.get(f"/api/admin/orders?q={number}&financial_status=refunded").json["items"] == []
    assert shop.admin.get("/api/admin/orders?q=999999999").json == {"items": [], "next": None}
    both = shop.admin.get("/api/admin/orders?q=example.com&fulfillment_status=unfulfilled").json["items"]
    assert {mine, other} <= {o["id"] for o in both}
    long = shop.admin.get("/api/admin/orders?q=" + "a" * 201)
    assert long.status_code == 400 and "q" in long.json["fields"]


def test_another_shops_order_is_404_for_the_merchant(shop, stripe, api, paying_shop):
    other = Shop(api, paying_shop)
    theirs = other.buy(stripe, (other.product(), 1))["order_id"]
    assert shop.admin.get(f"/api/admin/orders/{theirs}").status_code == 404
    assert shop.admin.get("/api/admin/orders/nope").status_code == 404


def test_shopper_finds_the_order_by_number_and_email_and_sees_its_page(shop, stripe):
    done = shop.buy(stripe, (shop.product(price=4200), 1), email="pat@example.com")
    found = shop.store.post("/api/store/orders/lookup", {"number": 1, "email": "PAT@example.com"})
    assert found.status_code == 200 and found.json["order_id"] == done["order_id"]
    assert found.json["status_url"] == f"http://{shop.subdomain}.localhost:8000/orders/{done['order_id']}"
    for wrong in ({"number": 1, "email": "someone@example.com"}, {"number": 2, "email": "pat@example.com"}):
        assert shop.store.post("/api/store/orders/lookup", wrong).status_code == 404
    page = shop.store.get(f"/orders/{done['order_id']}")
    assert page.status_code == 200 and "Order #1" in page.text and "$42.00" in page.text and "Paid" in page.text


def test_order_page_waits_for_the_payment_then_forgets_the_cart_cookie(shop, stripe):
    started = shop.checkout(shop.cart((shop.product(), 1))).json["checkout_id"]
    shop.until(started)
    record = checkout.load(shop.tenant_id, started)
    pending = shop.store.get(f"/orders/{record.order_id}?checkout={started}")
    assert pending.status_code == 202 and pending.headers["Refresh"] == "2" and "Confirming" in pending.text
    assert shop.store.get(f"/orders/{record.order_id}").status_code == 404
    stripe.pay(record.payment_session["id"], "succeed")
    shop.settled(started)
    page = shop.store.get(f"/orders/{record.order_id}?checkout={started}", headers={"cookie": f"cart={record.cart_id}"})
    assert page.status_code == 200 and "cart=; Max-Age=0" in page.headers["Set-Cookie"]
