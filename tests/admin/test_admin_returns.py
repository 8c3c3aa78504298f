"""The returns queue of the web admin: returns by status, a return's page, approve, reject with a reason the
shopper reads, receive item by item as resellable or damaged; the same domain functions as /api/admin/returns."""

import pytest

from tests.support.admin import Admin, header


@pytest.fixture
def browser(shop):
    admin = Admin(shop.admin._client)
    admin.sign_in(f"{shop.subdomain}@example.com")
    return admin


@pytest.fixture
def delivered(shop, stripe):
    return shop.delivered_order(stripe)


def _audited(shop, return_id: str) -> list[tuple[str, str]]:
    log = shop.admin.get(f"/api/admin/audit?resource_type=return&resource_id={return_id}").json["items"]
    return [(e["action"], e["via"]) for e in reversed(log)]


def test_the_queue_lists_returns_by_status(browser, shop, delivered):
    ret = shop.ask_return(delivered, [(shop.shirt, 1)], reason="Too small for me").json
    page = browser.get("/admin/returns")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    assert f'href="/admin/returns/{ret["id"]}">Too small for me</a>' in page.text
    assert f"#{delivered['number']}" in page.text and "$20.00" in page.text
    assert ret["id"] in browser.get("/admin/returns?status=requested").text
    assert ret["id"] not in browser.get("/admin/returns?status=closed").text
    bad = browser.get("/admin/returns?status=lost")
    assert bad.status_code == 400 and 'id="f-status-error"' in bad.text


def test_approving_then_receiving_one_unit_damaged_restocks_only_the_resellable_ones(browser, shop, delivered):
    ret = shop.ask_return(delivered, [(shop.shirt, 2)]).json
    page = browser.get(f"/admin/returns/{ret['id']}")
    assert page.status_code == 200 and "Approve return" in page.text and "Receive the parcel" not in page.text
    approved = browser.post(f"/admin/returns/{ret['id']}/approve", follow=True)
    assert "Return approved" in approved.text and "Receive the parcel" in approved.text
    assert 'name="items[0].resellable"' in approved.text and 'name="items[0].damaged"' in approved.text
    stock_before = shop.stock(shop.shirt)
    received = browser.post(
        f"/admin/returns/{ret['id']}/receive", {"items[0].resellable": "1", "items[0].damaged": "1"}, follow=True
    )
    assert "Return received" in received.text
    after = shop.admin.get(f"/api/admin/returns/{ret['id']}").json
    assert sorted((r["condition"], r["quantity"]) for r in after["received"]) == [("damaged", 1), ("resellable", 1)]
    assert after["status"] in ("refunded", "closed") and after["outcome"]["amount"] == 4000
    assert shop.stock(shop.shirt) == stock_before + 1
    assert _audited(shop, ret["id"]) == [("approve_return", "admin"), ("receive_return", "admin")]


def test_receiving_more_than_was_asked_says_so_next_to_the_box(browser, shop, delivered):
    ret = shop.ask_return(delivered, [(shop.shirt, 1), (shop.mug, 1)]).json
    shop.return_action(ret["id"], "approve")
    too_many = browser.post(
        f"/admin/returns/{ret['id']}/receive",
        {"items[0].resellable": "1", "items[0].damaged": "0", "items[1].resellable": "1", "items[1].damaged": "1"},
    )
    assert too_many.status_code == 400
    assert 'id="f-items-1-damaged-error"' in too_many.text and "only 1 left to receive" in too_many.text
    assert 'href="#f-items-1-damaged"' in too_many.text
    nothing = browser.post(f"/admin/returns/{ret['id']}/receive", {"items[0].resellable": "0"})
    assert nothing.status_code == 400 and "Say how many units came back" in nothing.text
    typo = browser.post(f"/admin/returns/{ret['id']}/receive", {"items[0].resellable": "one"})
    assert typo.status_code == 400 and 'id="f-items-0-resellable-error"' in typo.text
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "approved"


def test_rejecting_asks_first_and_the_shopper_reads_why(browser, shop, delivered):
    ret = shop.ask_return(delivered, [(shop.mug, 1)]).json
    confirm = browser.get(f"/admin/returns/{ret['id']}/reject")
    assert confirm.status_code == 200 and "Reject this return?" in confirm.text and "data-confirm" in confirm.text
    too_long = browser.post(f"/admin/returns/{ret['id']}/reject", {"reason": "x" * 501})
    assert too_long.status_code == 400 and 'id="f-reason-error"' in too_long.text
    done = browser.post(f"/admin/returns/{ret['id']}/reject", {"reason": "Used, and outside the box"}, follow=True)
    assert "Return rejected" in done.text and "Used, and outside the box" in done.text
    shopper_page = shop.store.get(f"/returns/{ret['id']}")
    assert "Used, and outside the box" in shopper_page.body.decode()
    assert _audited(shop, ret["id"]) == [("reject_return", "admin")]


def test_another_shops_return_is_not_found_and_a_forged_post_changes_nothing(browser, shop, delivered, new_shop):
    ret = shop.ask_return(delivered, [(shop.mug, 1)]).json
    assert browser.post(f"/admin/returns/{ret['id']}/approve", csrf=False).status_code == 403
    other = Admin(shop.admin._client)
    other.sign_in(f"{new_shop()[1]['shop']['subdomain']}@example.com")
    for path in ("", "/reject"):
        assert other.get(f"/admin/returns/{ret['id']}{path}").status_code == 404, path
    assert other.post(f"/admin/returns/{ret['id']}/approve").status_code == 404
    assert shop.admin.get(f"/api/admin/returns/{ret['id']}").json["status"] == "requested"
