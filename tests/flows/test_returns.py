"""Returns end to end: the shopper asks on the storefront, the returns workflow (Step Functions on the
emulator) waits for the merchant, the merchant receives the parcel, the refund goes through Stripe."""

import pytest
import requests

from chalicelib import keys, returns, workflows
from chalicelib.db import ReturnRecord
from infra.local import runtime
from tests.support.after_sale import AfterSale, emails_to, finished, return_arn, states_until
from tests.support.shopping import send_event, stripe_event
from tests.support.wait import wait_for

MANUAL_PATH = [
    "DifferenceDue",
    "NotifyRequested",
    "ReviewReturn",
    "AutoApproved",
    "WaitForApproval",
    "NotifyApproved",
    "WaitForParcel",
    "ParcelSent",
    "InspectItems",
    "Resolution",
    "RefundShopper",
    "NotifyResolved",
    "CloseReturn",
    "Closed",
]


@pytest.fixture
def shop(request, api, paying_shop, shared_shop):
    """The module's shared shop; a shop of its own for a test marked `own_shop` (it changes the shop's
    settings: policy, tax, shipping; or it lists all the shop's returns)."""
    return AfterSale(api, paying_shop) if request.node.get_closest_marker("own_shop") else shared_shop


def _priced_shop(shop):
    """10 % off with code TEN, 8 % US tax on top, 5.00 shipping."""
    assert (
        shop.admin.post("/api/admin/discounts", {"code": "TEN", "type": "percentage", "value": 10}).status_code == 201
    )
    assert (
        shop.admin.request("PUT", "/api/admin/tax-rates", {"rates": [{"country": "US", "rate_bp": 800}]}).status_code
        == 200
    )
    assert (
        shop.admin.request(
            "PUT", "/api/admin/shipping-rates", {"rates": [{"name": "Standard", "amount": 500}]}
        ).status_code
        == 200
    )


# Done when: two fulfilments, one item returned through the storefront, refund to the cent ---------


@pytest.mark.own_shop
def test_merchant_fulfils_in_two_parts_and_the_shopper_returns_one_item_for_an_exact_refund(shop, stripe, live_server):
    _priced_shop(shop)
    jacket, scarf = shop.product(qty=5, price=2500), shop.product(qty=5, price=1000)
    order = shop.paid_order(stripe, (jacket, 2), (scarf, 1), discount_code="TEN")
    # Subtotal 60.00, 10 % off = 6.00, shared 5.00 / 1.00 by the lines; tax 8 % of 45.00 and 9.00 = 3.60 + 0.72;
    # shipping 5.00: total 54.00 + 4.32 + 5.00 = 63.32.
    assert (
        order["subtotal"],
        order["discount_total"],
        order["tax_total"],
        order["shipping_total"],
        order["total"],
    ) == (6000, 600, 432, 500, 6332)
    assert shop.stock(jacket) == 3

    first = shop.fulfil(
        order["id"],
        {"items": [{"variant_id": jacket, "quantity": 2}], "carrier": "UPS", "tracking_number": f"1Z{shop.subdomain}"},
    )
    assert first.status_code == 201 and first.json["status"] == "pending"
    assert shop.order(order["id"])["fulfillment_status"] == "partial"
    second = shop.fulfil(order["id"])  # everything left: the scarf
    assert second.status_code == 201 and second.json["items"] == [{"variant_id": scarf, "quantity": 1}]
    assert shop.order(order["id"])["fulfillment_status"] == "fulfilled"
    assert shop.move(order["id"], first.json["id"], "in_transit").status_code == 200
    assert shop.move(order["id"], first.json["id"], "delivered").json["status"] == "delivered"

    # The shopper, on the storefront (the real local server, path form): finds the order, returns one jacket.
    base = f"{live_server}/s/{shop.subdomain}"
    found = requests.post(f"{base}/api/store/orders/lookup", json={"number": order["number"], "email": order["email"]})
    assert found.status_code == 200 and found.json()["order_id"] == order["id"]
    asked = requests.post(
        f"{base}/api/store/orders/{order['id']}/returns",
        json={"email": order["email"], "reason": "Too small", "items": [{"variant_id": jacket, "quantity": 1}]},
    )
    assert asked.status_code == 201, asked.text
    ret = asked.json()
    assert ret["status"] == "requested"
    assert [r["id"] for r in shop.admin.get("/api/admin/returns").json["items"]] == [ret["id"]]

    # A new shop's policy waits for the merchant.
    assert "WaitForApproval" in states_until(return_arn(ret["id"]), "WaitForApproval")
    assert shop.return_action(ret["id"], "approve").json["status"] == "approved"
    states_until(return_arn(ret["id"]), "WaitForParcel")
    received = shop.return_action(ret["id"], "receive")
    assert received.status_code == 200, received.body

    # By hand: a jacket is 25.00, less its half of the jacket line's 5.00 discount (2.50), plus its half of
    # that line's 3.60 tax (1.80) = 24.30. No restocking fee, shipping not refunded (the default policy).
    refund = 2500 - 250 + 180
    assert received.json["outcome"]["amount"] == refund == 2430
    after = shop.order(order["id"])
    assert after["refunded_total"] == refund and after["financial_status"] == "partially_refunded"
    assert shop.stock(jacket) == 4
    stripe_refund = stripe.get_object(after["refunds"][0]["stripe_refund_id"])
    assert stripe_refund["amount"] == refund

    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert workflows.state_names(return_arn(ret["id"])) == MANUAL_PATH
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "closed"
    timeline = [e["type"] for e in shop.order(order["id"])["timeline"]]
    for step in (
        "fulfilment_created",
        "fulfilment_in_transit",
        "fulfilment_delivered",
        "return_requested",
        "return_approved",
        "return_received",
        "restocked",
        "refunded",
        "return_closed",
    ):
        assert step in timeline, step
    assert timeline.count("fulfilment_created") == 2
    subjects = [m["subject"] for m in emails_to(order["email"])]
    assert any("return request" in s for s in subjects) and any("is approved" in s for s in subjects)
    assert wait_for(lambda: any("your refund" in s for s in (m["subject"] for m in emails_to(order["email"]))))
    page = requests.get(f"{base}/returns/{ret['id']}")
    assert page.status_code == 200 and "Completed" in page.text and "$24.30" in page.text


# Around the happy path -----------------------------------------------------------


@pytest.fixture
def delivered(shop, stripe):
    return shop.delivered_order(stripe)


def _claims(shop, order) -> dict:
    from chalicelib import orders

    return {k: int(v) for k, v in orders.plain(orders.load(shop.tenant_id, order["id"]).return_claims).items()}


@pytest.mark.own_shop
def test_a_new_shops_policy_is_manual_30_days_no_fee_and_the_merchant_edits_it(shop):
    policy = shop.admin.get("/api/admin/return-policy").json
    assert (policy["approval"], policy["window_days"], policy["restocking_fee_percent"]) == ("manual", 30, 0)
    changed = shop.policy(restocking_fee_percent=15, approval="automatic", auto_approve={"max_value": 5000})
    assert (changed["restocking_fee_percent"], changed["approval"], changed["window_days"]) == (15, "automatic", 30)
    assert changed["auto_approve"] == {"max_value": 5000, "reasons": []}
    replaced = shop.admin.request("PUT", "/api/admin/return-policy", {"window_days": 14})
    assert replaced.json["window_days"] == 14 and replaced.json["approval"] == "manual"
    unknown = shop.admin.patch("/api/admin/return-policy", {"final_sale_product_ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]})
    assert unknown.status_code == 400 and "final_sale_product_ids[0]" in unknown.json["fields"]
    bad = shop.admin.patch("/api/admin/return-policy", {"restocking_fee_percent": 101})
    assert bad.status_code == 400 and "restocking_fee_percent" in bad.json["fields"]
    assert shop.admin.get("/api/admin/return-policy").json["window_days"] == 14


def test_returning_items_not_fulfilled_yet_is_400(shop, stripe):
    shirt, mug = shop.product(), shop.product()
    order = shop.paid_order(stripe, (shirt, 1), (mug, 1))
    shop.fulfil(order["id"], {"items": [{"variant_id": shirt, "quantity": 1}]})
    refused = shop.ask_return(order, [(mug, 1)])
    assert refused.status_code == 400 and refused.json["fields"] == {"items[0].variant_id": "not fulfilled"}
    assert shop.admin.get("/api/admin/returns").json["items"] == []


def test_returning_more_than_was_bought_is_400(shop, delivered):
    refused = shop.ask_return(delivered, [(shop.shirt, 3)])
    assert refused.status_code == 400 and "items[0].quantity" in refused.json["fields"]
    split = shop.ask_return(delivered, [(shop.shirt, 2), (shop.shirt, 1)])
    assert split.status_code == 400 and "items[1].quantity" in split.json["fields"]
    stranger = shop.ask_return(delivered, [(shop.product(), 1)])
    assert stranger.status_code == 400 and "items[0].variant_id" in stranger.json["fields"]
    assert _claims(shop, delivered) == {}


def test_two_returns_together_never_take_back_more_than_was_bought(shop, delivered):
    assert shop.ask_return(delivered, [(shop.shirt, 2)]).status_code == 201
    refused = shop.ask_return(delivered, [(shop.shirt, 1)])
    assert refused.status_code == 400 and "left to return" in refused.json["message"]
    assert _claims(shop, delivered) == {shop.shirt: 2}


def test_a_return_outside_the_window_is_400(shop, delivered, monkeypatch):
    from datetime import timedelta

    from chalicelib import clock

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(days=30, seconds=1))
    refused = shop.ask_return(delivered, [(shop.mug, 1)])
    assert refused.status_code == 400 and "30-day" in refused.json["message"]
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(days=29, hours=23))
    assert shop.ask_return(delivered, [(shop.mug, 1)]).status_code == 201


@pytest.mark.own_shop
def test_a_final_sale_item_is_not_returnable(shop, delivered):
    product_id = shop.mug.split("_")[0]
    shop.policy(final_sale_product_ids=[product_id])
    refused = shop.ask_return(delivered, [(shop.shirt, 1), (shop.mug, 1)])
    assert refused.status_code == 400 and refused.json["fields"] == {"items[1].variant_id": "final sale"}
    assert shop.ask_return(delivered, [(shop.shirt, 1)]).status_code == 201
    # A whole category can be final sale too.
    shirt_product = shop.shirt.split("_")[0]
    assert (
        shop.admin.patch(f"/api/admin/products/{shirt_product}", {"category": "Clearance"}).json["category"]
        == "Clearance"
    )
    shop.policy(final_sale_product_ids=[], final_sale_categories=["clearance"])
    refused = shop.ask_return(delivered, [(shop.shirt, 1)])
    assert refused.status_code == 400 and refused.json["fields"] == {"items[0].variant_id": "final sale"}


def test_the_wrong_email_for_the_order_is_404(shop, delivered):
    refused = shop.ask_return(delivered, [(shop.shirt, 1)], email="someone.else@example.com")
    assert refused.status_code == 404
    assert (
        shop.store.post(
            "/api/store/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV/returns",
            {"email": delivered["email"], "reason": "x", "items": [{"variant_id": shop.shirt, "quantity": 1}]},
        ).status_code
        == 404
    )
    assert _claims(shop, delivered) == {}


def test_approving_another_shops_return_is_404(shop, delivered, api, paying_shop):
    ret = shop.ask_return(delivered, [(shop.shirt, 1)]).json
    other = AfterSale(api, paying_shop)
    for action in ("approve", "reject", "receive"):
        assert other.return_action(ret["id"], action).status_code == 404
    assert other.admin.get(f"/api/admin/returns/{ret['id']}").status_code == 404
    assert other.admin.get("/api/admin/returns").json["items"] == []
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "requested"


def test_an_action_the_state_does_not_allow_is_409_and_repeating_one_changes_nothing(shop, delivered):
    ret = shop.ask_return(delivered, [(shop.shirt, 1)]).json
    early = shop.return_action(ret["id"], "receive")
    assert early.status_code == 409 and shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "requested"
    approved = shop.return_action(ret["id"], "approve")
    assert approved.status_code == 200
    again = shop.return_action(ret["id"], "approve")
    assert again.status_code == 200 and again.json == shop.admin.get(f"/api/admin/returns/{ret['id']}").json
    assert again.json["history"] == approved.json["history"]
    assert shop.return_action(ret["id"], "reject").status_code == 409
    received = shop.return_action(ret["id"], "receive")
    refunds_before = shop.order(delivered["id"])["refunds"]
    repeat = shop.return_action(ret["id"], "receive")
    assert repeat.status_code == 200 and repeat.json["outcome"] == received.json["outcome"]
    assert shop.order(delivered["id"])["refunds"] == refunds_before and len(refunds_before) == 1
    assert shop.stock(shop.shirt) == 4


def test_a_rejected_return_gives_its_units_back_and_the_shopper_is_told(shop, delivered):
    ret = shop.ask_return(delivered, [(shop.shirt, 2)]).json
    states_until(return_arn(ret["id"]), "WaitForApproval")
    rejected = shop.return_action(ret["id"], "reject", {"reason": "Worn, and not in its box"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["rejection_reason"] == "Worn, and not in its box"
    assert "Return " + ret["id"] + " rejected: Worn, and not in its box" in [
        e["message"] for e in shop.order(delivered["id"])["timeline"]
    ]
    assert shop.return_action(ret["id"], "reject").status_code == 200
    assert shop.return_action(ret["id"], "approve").status_code == 409
    assert _claims(shop, delivered) == {shop.shirt: 0}
    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert workflows.state_names(return_arn(ret["id"]))[-4:] == [
        "WaitForApproval",
        "RefundDifference",
        "NotifyRejected",
        "Rejected",
    ]
    assert any("not accepted" in m["subject"] for m in emails_to(delivered["email"]))
    assert shop.ask_return(delivered, [(shop.shirt, 2)]).status_code == 201  # the units are returnable again


@pytest.mark.own_shop
def test_the_policy_approves_small_returns_automatically(shop, delivered):
    shop.policy(approval="automatic", auto_approve={"max_value": 1000})
    small = shop.ask_return(delivered, [(shop.mug, 1)]).json
    big = shop.ask_return(delivered, [(shop.shirt, 1)]).json
    names = states_until(return_arn(small["id"]), "WaitForParcel")
    assert names[:5] == ["DifferenceDue", "NotifyRequested", "ReviewReturn", "AutoApproved", "NotifyApproved"]
    assert shop.admin.get(f"/api/admin/returns/{small['id']}").json["status"] == "approved"
    assert "WaitForApproval" in states_until(return_arn(big["id"]), "WaitForApproval")
    assert shop.admin.get(f"/api/admin/returns/{big['id']}").json["status"] == "requested"


@pytest.mark.own_shop
def test_a_return_not_sent_in_time_expires(shop, delivered):
    shop.policy(parcel_days=1, window_days=365)
    ret = shop.ask_return(delivered, [(shop.shirt, 1)]).json
    shop.return_action(ret["id"], "approve")
    states_until(return_arn(ret["id"]), "WaitForParcel")
    runtime.time_out_wait(return_arn(ret["id"]))  # the parcel's day has passed
    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert workflows.state_names(return_arn(ret["id"]))[-6:] == [
        "WaitForParcel",
        "ExpireReturn",
        "ExpiredAfterAll",
        "RefundDifferenceOnExpiry",
        "NotifyExpired",
        "Expired",
    ]
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "expired"
    assert shop.return_action(ret["id"], "receive").status_code == 409
    assert _claims(shop, delivered) == {shop.shirt: 0}
    assert any("has expired" in m["subject"] for m in emails_to(delivered["email"]))


def test_the_shopper_sends_the_parcel_and_the_merchant_receives_it(shop, delivered):
    ret = shop.ask_return(delivered, [(shop.mug, 1)]).json
    shop.return_action(ret["id"], "approve")
    sent = shop.store.post(
        f"/api/store/returns/{ret['id']}/shipped",
        {"email": delivered["email"], "carrier": "USPS", "tracking_number": "9400"},
    )
    assert sent.status_code == 200 and sent.json["status"] == "in_transit"
    assert shop.store.post(f"/api/store/returns/{ret['id']}/shipped", {"email": "x@example.com"}).status_code == 404
    assert shop.store.get(f"/api/store/returns/{ret['id']}").json["status"] == "in_transit"
    states_until(return_arn(ret["id"]), "WaitForArrival")
    assert shop.return_action(ret["id"], "receive").json["outcome"]["amount"] == 800
    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert "WaitForArrival" in workflows.state_names(return_arn(ret["id"]))


def test_receive_answers_with_the_refund_stripe_has_pending_and_its_webhook_settles_it(shop, stripe, delivered):
    ret = shop.ask_return(delivered, [(shop.mug, 1)]).json
    shop.return_action(ret["id"], "approve")
    stripe.plan_refunds("pending")
    received = shop.return_action(ret["id"], "receive")
    assert received.status_code == 200 and received.json["outcome"]["amount"] == 800
    order = shop.order(delivered["id"])
    [refund] = order["refunds"]
    assert refund["status"] == "pending" and refund["id"] == received.json["outcome"]["refund_id"]
    assert (order["refunded_total"], order["financial_status"]) == (0, "paid")
    stripe.settle_refund(refund["stripe_refund_id"], "succeeded")
    wait_for(lambda: shop.order(delivered["id"])["refunded_total"] == 800)
    assert shop.order(delivered["id"])["financial_status"] == "partially_refunded"


@pytest.mark.own_shop
def test_damaged_items_are_refunded_but_not_restocked_and_the_fee_and_shipping_follow_the_policy(shop, stripe):
    assert (
        shop.admin.request(
            "PUT", "/api/admin/shipping-rates", {"rates": [{"name": "Standard", "amount": 500}]}
        ).status_code
        == 200
    )
    shop.policy(restocking_fee_percent=10, refund_original_shipping=True)
    shirt, mug = shop.product(qty=5, price=2000), shop.product(qty=5, price=805)
    order = shop.paid_order(stripe, (shirt, 2), (mug, 1))
    assert order["total"] == 4805 + 500
    shop.fulfil(order["id"])
    first = shop.ask_return(order, [(shirt, 2)]).json
    shop.return_action(first["id"], "approve")
    got = shop.return_action(
        first["id"],
        "receive",
        {
            "items": [
                {"variant_id": shirt, "quantity": 1, "condition": "resellable"},
                {"variant_id": shirt, "quantity": 1, "condition": "damaged"},
            ]
        },
    ).json
    # Two shirts 40.00, less 10 % restocking fee 4.00 = 36.00; shipping stays (the mug is still out).
    assert got["outcome"]["amount"] == 3600
    assert shop.stock(shirt) == 4  # only the resellable one came back
    second = shop.ask_return(order, [(mug, 1)]).json
    shop.return_action(second["id"], "approve")
    got = shop.return_action(second["id"], "receive").json
    # The mug 8.05 less 10 % (0.805, rounded half up to 0.81) = 7.24, plus the whole shipping 5.00.
    assert got["outcome"]["amount"] == 805 - 81 + 500
    seen = shop.order(order["id"])
    assert seen["refunded_total"] == 3600 + 1224 and seen["financial_status"] == "partially_refunded"
    assert shop.stock(mug) == 5


def test_store_credit_instead_of_money(shop, delivered):
    ret = shop.ask_return(delivered, [(shop.mug, 1)], resolution="store_credit").json
    shop.return_action(ret["id"], "approve")
    got = shop.return_action(ret["id"], "receive").json
    assert got["status"] == "credited" and got["outcome"]["amount"] == 800
    code = got["outcome"]["code"]
    discount = next(d for d in shop.admin.get("/api/admin/discounts").json["items"] if d["code"] == code)
    assert (discount["type"], discount["value"], discount["usage_limit"]) == ("fixed_amount", 800, 1)
    assert shop.order(delivered["id"])["refunded_total"] == 0
    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert "IssueStoreCredit" in workflows.state_names(return_arn(ret["id"]))
    assert any(code in m["body"] for m in emails_to(delivered["email"]))


def _exchange_one_shirt_for(shop, delivered, variant_id) -> dict:
    asked = shop.store.post(
        f"/api/store/orders/{delivered['id']}/returns",
        {
            "email": delivered["email"],
            "reason": "Bigger size",
            "resolution": "exchange",
            "items": [{"variant_id": shop.shirt, "quantity": 1, "exchange_for": variant_id}],
        },
    )
    assert asked.status_code == 201, asked.body
    return asked.json


def test_an_exchange_reserves_the_replacement_makes_its_order_and_refunds_the_difference(shop, delivered):
    cheaper = shop.product(qty=3, price=1500)
    unnamed = shop.ask_return(delivered, [(shop.shirt, 1)], resolution="exchange")
    assert unnamed.status_code == 400 and "items[0].exchange_for" in unnamed.json["fields"]
    ret = _exchange_one_shirt_for(shop, delivered, cheaper)
    assert ret["exchange"]["difference"] == 1500 - 2000
    assert shop.stock(cheaper) == 2  # held for the exchange, like a checkout
    shop.return_action(ret["id"], "approve")
    got = shop.return_action(ret["id"], "receive").json
    assert got["status"] == "exchanged" and got["outcome"]["amount"] == 500
    replacement = shop.order(got["outcome"]["order_id"])
    assert [(l["variant_id"], l["quantity"]) for l in replacement["lines"]] == [(cheaper, 1)]
    assert replacement["number"] == delivered["number"] + 1 and replacement["fulfillment_status"] == "unfulfilled"
    assert shop.stock(cheaper) == 2 and shop.stock(shop.shirt) == 4
    assert shop.order(delivered["id"])["refunded_total"] == 500


def test_an_exchange_for_a_dearer_variant_waits_for_the_difference_to_be_paid(shop, stripe, delivered):
    dearer = shop.product(qty=3, price=2600)
    ret = _exchange_one_shirt_for(shop, delivered, dearer)
    assert ret["status"] == "awaiting_payment" and ret["exchange"]["difference"] == 600
    assert shop.stock(dearer) == 2
    link = wait_for(lambda: shop.store.get(f"/api/store/returns/{ret['id']}").json["payment_url"])
    assert wait_for(lambda: any(link in m["body"] for m in emails_to(delivered["email"])))
    page = shop.store.get(f"/returns/{ret['id']}")
    assert page.status_code == 200 and "Pay the difference" in page.text and link in page.text
    assert shop.return_action(ret["id"], "approve").status_code == 409  # not before it is paid
    stripe.pay(link.rstrip("/").rsplit("/", 1)[1])
    assert wait_for(lambda: shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "requested")
    shop.return_action(ret["id"], "approve")
    got = shop.return_action(ret["id"], "receive").json
    assert got["status"] == "exchanged" and got["outcome"]["amount"] == 0
    replacement = shop.order(got["outcome"]["order_id"])
    assert replacement["payment"]["amount"] == 600 and replacement["total"] == 2600
    assert shop.order(delivered["id"])["refunded_total"] == 0
    # The difference is a real charge on the shop's account: it can be refunded on the replacement order.
    assert shop.admin.post(f"/api/admin/orders/{replacement['id']}/refunds", {"amount": 601}).status_code == 400
    assert shop.admin.post(f"/api/admin/orders/{replacement['id']}/refunds", {"amount": 600}).status_code == 201
    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert workflows.state_names(return_arn(ret["id"]))[:6] == [
        "DifferenceDue",
        "CreateExchangePayment",
        "NotifyPaymentDue",
        "WaitForExchangePayment",
        "DifferencePaid",
        "NotifyRequested",
    ]


def test_a_difference_paid_after_the_exchange_expired_is_refunded_by_the_late_payment_workflow(
    shop, stripe, delivered, live_server
):
    dearer = shop.product(qty=3, price=2600)
    ret = _exchange_one_shirt_for(shop, delivered, dearer)
    link = wait_for(lambda: shop.store.get(f"/api/store/returns/{ret['id']}").json["payment_url"])
    session_id = link.rstrip("/").rsplit("/", 1)[1]
    # Stripe says the session expired (the exchange expires with it) while the shopper, still on the page, pays.
    expired = stripe_event(
        f"evt_expired_{ret['id']}",
        "checkout.session.expired",
        stripe.account_of(session_id),
        {**stripe.get_object(session_id), "status": "expired"},
    )
    reply = send_event(live_server, stripe, expired)
    assert reply.status_code == 200
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "expired"
    assert shop.stock(dearer) == 3  # the replacement went back
    stripe.pay(session_id)
    paid_with = stripe.get_object(session_id)["payment_intent"]
    refund = stripe.wait_for_event(
        "refund.created", timeout=30, predicate=lambda e: e["data"]["object"]["payment_intent"] == paid_with
    )["data"]["object"]
    assert refund["amount"] == 600
    late_arn = workflows.execution_arn("late_payment", f"late-{ret['id']}")
    assert finished(late_arn) == "SUCCEEDED"  # a workflow refunded it, not the webhook
    record = ReturnRecord.get(shop.tenant_id, keys.return_sk(ret["id"]), consistent_read=True)
    assert wait_for(lambda: record.refresh(consistent_read=True) or record.exchange["payment"]["late"]["refund_id"])
    assert record.exchange["payment"]["late"]["refund_id"] == refund["id"]
    assert record.exchange["payment"]["status"] == "due"  # never taken as the exchange's payment
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "expired"


def test_a_rejected_exchange_whose_difference_was_paid_refunds_the_difference(shop, stripe, delivered):
    dearer = shop.product(qty=3, price=2600)
    ret = _exchange_one_shirt_for(shop, delivered, dearer)
    link = wait_for(lambda: shop.store.get(f"/api/store/returns/{ret['id']}").json["payment_url"])
    session_id = link.rstrip("/").rsplit("/", 1)[1]
    stripe.pay(session_id)
    assert wait_for(lambda: shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "requested")
    assert shop.return_action(ret["id"], "reject").json["status"] == "rejected"
    assert finished(return_arn(ret["id"])) == "SUCCEEDED"
    assert not shop.admin.get(f"/api/admin/returns/{ret['id']}").json["needs_attention"]
    assert shop.stock(dearer) == 3  # the replacement went back
    refund_id = returns.load(shop.tenant_id, ret["id"]).exchange["payment"]["refund_id"]
    refund = stripe.get_object(refund_id)
    assert refund["payment_intent"] == stripe.get_object(session_id)["payment_intent"]
    assert (refund["amount"], refund["status"]) == (600, "succeeded")
