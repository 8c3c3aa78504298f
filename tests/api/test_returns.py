"""Returns end to end: the shopper asks on the storefront, the returns workflow (Step Functions on the
emulator) waits for the merchant, the merchant receives the parcel, the refund goes through Stripe."""
import pytest
import requests

from chalicelib import workflows
from tests.api.after_sale import AfterSale, emails_to, finished, return_arn, states_until
from tests.api.shopping import wait_for

MANUAL_PATH = ["NotifyRequested", "ReviewReturn", "AutoApproved", "WaitForApproval", "NotifyApproved",
               "WaitForParcel", "ParcelSent", "InspectItems", "Resolution", "RefundShopper", "NotifyResolved",
               "CloseReturn", "Closed"]


@pytest.fixture
def shop(api, paying_shop):
    return AfterSale(api, paying_shop)


def _priced_shop(shop):
    """10 % off with code TEN, 8 % US tax on top, 5.00 shipping."""
    assert shop.admin.post("/api/admin/discounts", {"code": "TEN", "type": "percentage", "value": 10}).status_code == 201
    assert shop.admin.request("PUT", "/api/admin/tax-rates", {"rates": [{"country": "US", "rate_bp": 800}]}).status_code == 200
    assert shop.admin.request("PUT", "/api/admin/shipping-rates",
                          {"rates": [{"name": "Standard", "amount": 500}]}).status_code == 200


# Done when: two fulfilments, one item returned through the storefront, refund to the cent ---------

def test_merchant_fulfils_in_two_parts_and_the_shopper_returns_one_item_for_an_exact_refund(
        shop, stripe, live_server):
    _priced_shop(shop)
    jacket, scarf = shop.product(qty=5, price=2500), shop.product(qty=5, price=1000)
    order = shop.paid_order(stripe, (jacket, 2), (scarf, 1), discount_code="TEN")
    # Subtotal 60.00, 10 % off = 6.00, shared 5.00 / 1.00 by the lines; tax 8 % of 45.00 and 9.00 = 3.60 + 0.72;
    # shipping 5.00: total 54.00 + 4.32 + 5.00 = 63.32.
    assert (order["subtotal"], order["discount_total"], order["tax_total"], order["shipping_total"],
            order["total"]) == (6000, 600, 432, 500, 6332)
    assert shop.stock(jacket) == 3

    first = shop.fulfil(order["id"], {"items": [{"variant_id": jacket, "quantity": 2}], "carrier": "UPS",
                                      "tracking_number": f"1Z{shop.subdomain}"})
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
    asked = requests.post(f"{base}/api/store/orders/{order['id']}/returns", json={
        "email": order["email"], "reason": "Too small", "items": [{"variant_id": jacket, "quantity": 1}]})
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
    for step in ("fulfilment_created", "fulfilment_in_transit", "fulfilment_delivered", "return_requested",
                 "return_approved", "return_received", "restocked", "refunded", "return_closed"):
        assert step in timeline, step
    assert timeline.count("fulfilment_created") == 2
    subjects = [m["subject"] for m in emails_to(order["email"])]
    assert any("return request" in s for s in subjects) and any("is approved" in s for s in subjects)
    assert wait_for(lambda: any("your refund" in s for s in (m["subject"] for m in emails_to(order["email"]))))
    page = requests.get(f"{base}/returns/{ret['id']}")
    assert page.status_code == 200 and "Completed" in page.text and "$24.30" in page.text
