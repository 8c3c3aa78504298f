"""Fulfilment end to end: the merchant API and the carrier's webhook move fulfilments, the fulfilment
workflow (Step Functions on the emulator) emails the shopper at each step."""

import json
import time

from chalicelib import carrier_webhooks, workflows
from tests.support.after_sale import emails_to, finished, fulfilment_arn, states_until
from tests.support.wait import wait_for

SHIPPED_PATH = [
    "NotifyPending",
    "ShippedOrPickedUp",
    "WaitForShipment",
    "NotifyInTransit",
    "WaitForDelivery",
    "NotifyDelivered",
    "Delivered",
]
PICKUP_PATH = [
    "NotifyPending",
    "ShippedOrPickedUp",
    "WaitUntilReadyForPickup",
    "NotifyReadyForPickup",
    "WaitForPickup",
    "NotifyPickedUp",
    "PickedUp",
]
CANCELLED_PATH = ["NotifyPending", "ShippedOrPickedUp", "WaitForShipment", "NotifyCancelled", "Cancelled"]


def _subjects(order: dict) -> list[str]:
    return [m["subject"] for m in emails_to(order["email"])]


def test_partial_fulfilments_by_line_and_quantity_make_the_order_partial_then_fulfilled(shop, order):
    assert order["fulfillment_status"] == "unfulfilled"
    one = shop.fulfil(
        order["id"],
        {
            "items": [{"variant_id": shop.shirt, "quantity": 1}],
            "carrier": "UPS",
            "tracking_number": f"1z-{shop.subdomain}",
        },
    )
    assert one.status_code == 201, one.body
    assert one.json["status"] == "pending" and one.json["items"] == [{"variant_id": shop.shirt, "quantity": 1}]
    assert one.json["tracking_url"] == f"https://www.ups.com/track?tracknum=1z-{shop.subdomain}"
    assert shop.order(order["id"])["fulfillment_status"] == "partial"
    assert order["id"] in [o["id"] for o in shop.orders(fulfillment_status="partial")]
    assert order["id"] not in [o["id"] for o in shop.orders(fulfillment_status="unfulfilled")]

    rest = shop.fulfil(order["id"])
    assert rest.status_code == 201
    assert sorted((i["variant_id"], i["quantity"]) for i in rest.json["items"]) == sorted(
        [(shop.shirt, 1), (shop.mug, 1)]
    )
    seen = shop.order(order["id"])
    assert seen["fulfillment_status"] == "fulfilled" and [f["id"] for f in seen["fulfilments"]] == [
        one.json["id"],
        rest.json["id"],
    ]
    assert order["id"] in [o["id"] for o in shop.orders(fulfillment_status="fulfilled")]
    assert order["id"] not in [o["id"] for o in shop.orders(fulfillment_status="partial")]
    again = shop.fulfil(order["id"])
    assert again.status_code == 409


def test_fulfilling_more_than_is_left_or_an_item_not_in_the_order_is_400_and_changes_nothing(shop, order):
    too_many = shop.fulfil(order["id"], {"items": [{"variant_id": shop.shirt, "quantity": 3}]})
    assert too_many.status_code == 400 and "items[0].quantity" in too_many.json["fields"]
    stranger = shop.fulfil(order["id"], {"items": [{"variant_id": shop.product(), "quantity": 1}]})
    assert stranger.status_code == 400 and "items[0].variant_id" in stranger.json["fields"]
    assert shop.fulfil("01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404
    assert shop.order(order["id"])["fulfilments"] == []


def test_shipped_and_delivered_the_shopper_is_emailed_at_each_step_and_the_workflow_walks_them(shop, order):
    f = shop.fulfil(order["id"], {"carrier": "DHL", "tracking_number": f"JD{shop.subdomain}"}).json
    arn = fulfilment_arn(f["id"])
    states_until(arn, "WaitForShipment")
    shipped = shop.move(order["id"], f["id"], "in_transit")
    assert shipped.status_code == 200 and shipped.json["status"] == "in_transit" and shipped.json["shipped_at"]
    assert shop.move(order["id"], f["id"], "delivered").json["status"] == "delivered"
    assert finished(arn) == "SUCCEEDED"
    assert workflows.state_names(arn) == SHIPPED_PATH
    subjects = _subjects(order)
    assert [s.split(": ", 1)[1] for s in subjects if "order #" in s and "confirmed" not in s] == [
        f"we're preparing your order #{order['number']}",
        f"your order #{order['number']} is on its way",
        f"your order #{order['number']} was delivered",
    ]
    on_its_way = next(m for m in emails_to(order["email"]) if "on its way" in m["subject"])
    assert f"JD{shop.subdomain}" in on_its_way["body"] and "https://www.dhl.com/" in on_its_way["body"]
    timeline = [e["type"] for e in shop.order(order["id"])["timeline"]]
    assert {"fulfilment_created", "fulfilment_in_transit", "fulfilment_delivered", "email_sent"} <= set(timeline)


def test_repeating_a_status_changes_nothing_and_going_back_is_409(shop, order):
    f = shop.fulfil(order["id"]).json
    shop.move(order["id"], f["id"], "in_transit")
    before = shop.order(order["id"])
    again = shop.move(order["id"], f["id"], "in_transit")
    after = shop.order(order["id"])
    assert again.status_code == 200 and again.json == before["fulfilments"][0] == after["fulfilments"][0]
    assert [e for e in after["timeline"] if e["type"] != "email_sent"] == [
        e for e in before["timeline"] if e["type"] != "email_sent"
    ]  # emails go out on their own meanwhile
    assert shop.move(order["id"], f["id"], "delivered").status_code == 200
    back = shop.move(order["id"], f["id"], "in_transit")
    assert back.status_code == 409 and "status" in back.json["fields"]
    assert shop.move(order["id"], f["id"], "cancelled").status_code == 409
    assert shop.move(order["id"], f["id"], "ready_for_pickup").status_code == 409
    assert shop.move(order["id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV", "delivered").status_code == 404


def test_a_fulfilment_cancelled_before_it_ships_frees_its_items(shop, order):
    f = shop.fulfil(order["id"], {"items": [{"variant_id": shop.mug, "quantity": 1}]}).json
    arn = fulfilment_arn(f["id"])
    cancelled = shop.move(order["id"], f["id"], "cancelled")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert shop.order(order["id"])["fulfillment_status"] == "unfulfilled"
    assert finished(arn) == "SUCCEEDED" and workflows.state_names(arn) == CANCELLED_PATH
    assert wait_for(lambda: any("was cancelled" in s for s in _subjects(order)))
    assert shop.fulfil(order["id"], {"items": [{"variant_id": shop.mug, "quantity": 1}]}).status_code == 201


def test_local_pickup_ready_notice_then_picked_up(shop, order):
    location = shop.pickup_location()
    assert shop.fulfil(order["id"], {"pickup_location_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}).status_code == 400
    f = shop.fulfil(order["id"], {"pickup_location_id": location["id"]}).json
    assert f["method"] == "pickup" and f["pickup_location"]["name"] == "Main Street store"
    assert shop.move(order["id"], f["id"], "in_transit").status_code == 409  # a pickup is never shipped
    assert shop.move(order["id"], f["id"], "ready_for_pickup").json["status"] == "ready_for_pickup"
    ready = wait_for(lambda: next((m for m in emails_to(order["email"]) if "ready for pickup" in m["subject"]), None))
    assert "Main Street store" in ready["body"] and "9-18" in ready["body"]
    assert shop.move(order["id"], f["id"], "picked_up").json["status"] == "picked_up"
    arn = fulfilment_arn(f["id"])
    assert finished(arn) == "SUCCEEDED" and workflows.state_names(arn) == PICKUP_PATH
    assert shop.order(order["id"])["fulfillment_status"] == "fulfilled"


def _carrier_post(shop, secret: str, body: dict, signature: str | None = None):
    raw = json.dumps(body)
    header = signature if signature is not None else carrier_webhooks.sign(secret, raw.encode())
    return shop.admin.as_(token="").request(
        "POST", f"/api/webhooks/carriers/{shop.tenant_id}", raw=raw, headers={"x-carrier-signature": header}
    )


def test_the_carriers_signed_webhook_moves_the_fulfilment_and_forgeries_change_nothing(shop, order):
    hook = shop.admin.get("/api/admin/carrier-webhook").json
    assert hook["url"].endswith(f"/api/webhooks/carriers/{shop.tenant_id}") and hook["secret"]
    assert shop.admin.get("/api/admin/carrier-webhook").json["secret"] == hook["secret"]  # made once
    number = f"94001{shop.subdomain}"
    f = shop.fulfil(order["id"], {"carrier": "USPS", "tracking_number": number}).json

    forged = _carrier_post(shop, "whsec_not_the_secret", {"tracking_number": number, "status": "in_transit"})
    assert forged.status_code == 400
    stale = _carrier_post(
        shop,
        hook["secret"],
        {"tracking_number": number, "status": "in_transit"},
        carrier_webhooks.sign(hook["secret"], b"{}", int(time.time()) - 3600),
    )
    assert stale.status_code == 400
    assert shop.order(order["id"])["fulfilments"][0]["status"] == "pending"

    moved = _carrier_post(shop, hook["secret"], {"tracking_number": number, "status": "in_transit"})
    assert moved.status_code == 200 and moved.json["applied"] is True
    assert (
        _carrier_post(shop, hook["secret"], {"tracking_number": number, "status": "delivered"}).json["status"]
        == "delivered"
    )
    late = _carrier_post(shop, hook["secret"], {"tracking_number": number, "status": "in_transit"})
    assert late.status_code == 200 and late.json["applied"] is False  # out of order: ignored
    assert shop.order(order["id"])["fulfilments"][0]["status"] == "delivered"
    unknown = _carrier_post(shop, hook["secret"], {"tracking_number": "NOPE", "status": "delivered"})
    assert unknown.status_code == 404
    assert finished(fulfilment_arn(f["id"])) == "SUCCEEDED"
    timeline = shop.order(order["id"])["timeline"]
    assert any(e["type"] == "fulfilment_delivered" and "by the carrier" in e["message"] for e in timeline)


def test_a_tracking_number_belongs_to_one_fulfilment(shop, order):
    number = f"SAME{shop.subdomain}"
    assert (
        shop.fulfil(
            order["id"], {"items": [{"variant_id": shop.mug, "quantity": 1}], "tracking_number": number}
        ).status_code
        == 201
    )
    twice = shop.fulfil(order["id"], {"items": [{"variant_id": shop.shirt, "quantity": 1}], "tracking_number": number})
    assert twice.status_code == 409 and "tracking_number" in twice.json["fields"]
    assert len(shop.order(order["id"])["fulfilments"]) == 1


def test_fulfilments_are_idempotent_with_a_key(shop, order):
    headers = {"idempotency-key": f"ship-{shop.subdomain}"}
    body = {"items": [{"variant_id": shop.shirt, "quantity": 1}]}
    first = shop.fulfil(order["id"], body, headers=headers)
    second = shop.fulfil(order["id"], body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json == second.json
    assert len(shop.order(order["id"])["fulfilments"]) == 1
    other = shop.fulfil(order["id"], {"items": [{"variant_id": shop.mug, "quantity": 1}]}, headers=headers)
    assert other.status_code == 409
