"""The orders screens of the web admin: the index (filters, search, paging, the attention list), an order's
page, and fulfilling, moving a fulfilment on, cancelling and refunding through forms, on the same domain
functions and schemas as /api/admin/orders."""

import re

import pytest

from chalicelib import attention
from tests.support.admin import Admin, header


@pytest.fixture
def browser(shop):
    """The shop's merchant in the web admin (the shared shop's own client, so its orders are there)."""
    admin = Admin(shop.admin._client)
    admin.sign_in(f"{shop.subdomain}@example.com")
    return admin


def _audited(shop, order: dict) -> list[tuple[str, str, str]]:
    """The order's audit log, oldest first: (action, who, through what)."""
    log = shop.admin.get(f"/api/admin/audit?resource_type=order&resource_id={order['id']}").json["items"]
    return [(e["action"], e["actor"]["email"], e["via"]) for e in reversed(log)]


def _row_of(page: str, order: dict) -> bool:
    return f'href="/admin/orders/{order["id"]}">#{order["number"]}</a>' in page


def test_the_index_lists_orders_and_filters_and_searches_them(browser, shop, order):
    page = browser.get("/admin/orders")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    assert _row_of(page.text, order) and "$48.00" in page.text and 'data-label="Payment"' in page.text
    assert _row_of(browser.get(f"/admin/orders?q=%23{order['number']}").text, order)
    assert _row_of(browser.get(f"/admin/orders?q={order['email'].split('@')[0].upper()}").text, order)
    unfulfilled = browser.get("/admin/orders?fulfillment_status=unfulfilled&financial_status=paid")
    assert _row_of(unfulfilled.text, order)
    refunded = browser.get(f"/admin/orders?financial_status=refunded&q={order['number']}")
    assert not _row_of(refunded.text, order) and "No orders match" in refunded.text
    bad = browser.get("/admin/orders?fulfillment_status=lost")
    assert bad.status_code == 400 and 'id="f-fulfillment_status-error"' in bad.text


def test_the_index_pages_with_the_apis_cursor(browser, shop, stripe):
    shop.product(qty=5, price=500)
    email = f"pager@{shop.subdomain}.example"
    bought = [shop.paid_order(stripe, (shop.product(qty=2, price=500), 1), email=email) for _ in range(3)]
    first = browser.get(f"/admin/orders?q={email}")
    assert all(_row_of(first.text, o) for o in bought)  # a page holds 50: no next page here
    assert 'rel="next"' not in first.text


def test_an_orders_page_shows_lines_money_customer_and_timeline(browser, order):
    page = browser.get(f"/admin/orders/{order['id']}")
    assert page.status_code == 200
    text = page.text
    assert f"Order #{order['number']}" in text and order["email"] in text and "Sam Shopper" in text
    assert "$48.00" in text and "Can still be refunded" in text and "Timeline" in text
    assert f'href="/admin/orders/{order["id"]}/fulfil"' in text and f'href="/admin/orders/{order["id"]}/cancel"' in text


def test_another_shops_order_is_not_found(shop, order, new_shop):
    other = Admin(shop.admin._client)
    other.sign_in(f"{new_shop()[1]['shop']['subdomain']}@example.com")
    for path in ("", "/fulfil", "/refund", "/cancel"):
        answer = other.get(f"/admin/orders/{order['id']}{path}")
        assert answer.status_code == 404 and "Back to your admin" in answer.text, path
    assert other.post(f"/admin/orders/{order['id']}/cancel", {"reason": "not mine"}).status_code == 404
    assert shop.order(order["id"])["cancelled_at"] is None


def test_fulfilling_part_of_an_order_with_tracking_then_moving_it_on(browser, shop, order):
    form = browser.get(f"/admin/orders/{order['id']}/fulfil")
    assert form.status_code == 200 and 'name="items[0].quantity"' in form.text
    shirt_row = next(i for i, l in enumerate(order["lines"]) if l["variant_id"] == shop.shirt)
    mug_row = 1 - shirt_row
    done = browser.post(
        f"/admin/orders/{order['id']}/fulfil",
        {
            f"items[{shirt_row}].quantity": "1",
            f"items[{mug_row}].quantity": "0",
            "method": "shipping",
            "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
        },
    )
    assert done.status_code == 303 and header(done, "location").endswith("notice=fulfilled")
    page = browser.get(header(done, "location"))
    assert "Partially fulfilled" in page.text and "https://www.ups.com/track?tracknum=1Z999AA10123456784" in page.text
    fulfilment_id = shop.order(order["id"])["fulfilments"][0]["id"]
    action = f"/admin/orders/{order['id']}/fulfilments/{fulfilment_id}/status"
    assert f'action="{action}"' in page.text and 'value="in_transit"' in page.text
    assert browser.post(action, {"status": "in_transit"}).status_code == 303
    assert browser.post(action, {"status": "delivered"}).status_code == 303
    assert shop.order(order["id"])["fulfilments"][0]["status"] == "delivered"
    refused = browser.post(action, {"status": "cancelled"})
    assert refused.status_code == 409 and "Back to your admin" in refused.text
    me = f"{shop.subdomain}@example.com"
    assert _audited(shop, order) == [
        ("create_fulfilment", me, "admin"),
        ("fulfilment_status", me, "admin"),
        ("fulfilment_status", me, "admin"),
    ]


def test_fulfilling_more_than_is_left_says_so_next_to_the_quantity(browser, shop, order):
    row = next(i for i, l in enumerate(order["lines"]) if l["variant_id"] == shop.mug)
    answer = browser.post(
        f"/admin/orders/{order['id']}/fulfil", {f"items[{row}].quantity": "3", f"items[{1 - row}].quantity": "0"}
    )
    assert answer.status_code == 400
    assert f'id="f-items-{row}-quantity-error"' in answer.text and "only 1 left to fulfil" in answer.text
    assert f'href="#f-items-{row}-quantity"' in answer.text  # the summary links to the box
    nothing = browser.post(f"/admin/orders/{order['id']}/fulfil", {"items[0].quantity": "0", "items[1].quantity": "x"})
    assert nothing.status_code == 400 and "Enter a whole number" in nothing.text
    assert shop.order(order["id"])["fulfilments"] == []


def test_a_pickup_fulfilment_names_its_location(browser, shop, order):
    location = shop.pickup_location()
    form = browser.get(f"/admin/orders/{order['id']}/fulfil")
    assert "Main Street store" in form.text
    done = browser.post(
        f"/admin/orders/{order['id']}/fulfil",
        {"items[0].quantity": "1", "items[1].quantity": "0", "method": "pickup", "pickup_location_id": location["id"]},
        follow=True,
    )
    assert "At Main Street store" in done.text and 'value="ready_for_pickup"' in done.text


def test_cancelling_asks_first_then_refunds_and_restocks(browser, shop, order):
    confirm = browser.get(f"/admin/orders/{order['id']}/cancel")
    assert confirm.status_code == 200 and "refunds $48.00" in confirm.text and "data-confirm" in confirm.text
    done = browser.post(f"/admin/orders/{order['id']}/cancel", {"reason": "Customer asked"}, follow=True)
    assert "Cancelled" in done.text and "Customer asked" in done.text
    after = shop.order(order["id"])
    assert after["cancelled_at"] and after["cancel_reason"] == "Customer asked"
    assert shop.stock(shop.shirt) == 5
    assert [action for action, _, via in _audited(shop, order)] == ["cancel_order"]


def test_refunding_a_line_and_the_refund_forms_errors(browser, shop, order):
    form = browser.get(f"/admin/orders/{order['id']}/refund")
    assert form.status_code == 200 and "Up to <strong>$48.00</strong>" in form.text
    key = re.search(r'name="refund_key" value="([^"]+)"', form.text)[1]
    too_much = browser.post(f"/admin/orders/{order['id']}/refund", {"amount": "60.00", "refund_key": key})
    assert too_much.status_code == 400 and 'id="f-amount-error"' in too_much.text and "at most $48.00" in too_much.text
    typo = browser.post(f"/admin/orders/{order['id']}/refund", {"amount": "12,5.5.0", "refund_key": key})
    assert typo.status_code == 400 and "Enter an amount in USD" in typo.text
    row = next(i for i, l in enumerate(order["lines"]) if l["variant_id"] == shop.mug)
    fields = {f"lines[{row}].quantity": "1", "reason": "Broken in the post", "refund_key": key}
    assert browser.post(f"/admin/orders/{order['id']}/refund", fields).status_code == 303
    assert browser.post(f"/admin/orders/{order['id']}/refund", fields).status_code == 303  # a double click
    after = shop.order(order["id"])
    assert [r["amount"] for r in after["refunds"]] == [800] and after["financial_status"] == "partially_refunded"
    assert _audited(shop, order) == [("create_refund", f"{shop.subdomain}@example.com", "admin")]


def test_a_form_post_without_the_csrf_token_changes_nothing(browser, shop, order):
    answer = browser.post(f"/admin/orders/{order['id']}/cancel", {"reason": "forged"}, csrf=False)
    assert answer.status_code == 403
    assert shop.order(order["id"])["cancelled_at"] is None


def test_what_needs_attention_is_listed_and_resolved(browser, shop, order):
    attention.flag(
        shop.tenant_id, "checkout", order["checkout_id"], "A payment that came too late could not be refunded"
    )
    page = browser.get("/admin/orders")
    assert "Needs your attention" in page.text and "could not be refunded" in page.text
    resolved = browser.post(f"/admin/attention/checkout/{order['checkout_id']}/resolve", follow=True)
    assert "Marked as resolved" in resolved.text and "Needs your attention" not in resolved.text
