"""A merchant reads their shop's audit log in a real browser: the changes made through the API and on the admin's
own pages, filtered by keyboard, a bad filter named next to its field, exported as CSV. Each state passes axe-core
with no serious or critical violation at phone and desktop widths and weighs at most 200 KB before images;
screenshots land in out/screenshots/."""

import json
import urllib.request

import pytest

from tests.support.api import PASSWORD, product_body, unique
from tests.support.browser import PHONE, checked

pytestmark = pytest.mark.browser


def _call(live_server: str, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"{live_server}{path}", json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def test_a_merchant_reads_filters_and_exports_the_audit_log(page, live_server):
    sub = unique()
    email = f"{sub}@example.com"
    signup = {"email": email, "password": PASSWORD, "shop_name": "Plum Press", "subdomain": sub}
    token = _call(live_server, "/api/merchants/signup", signup)["token"]
    for title in ("Linen apron", '=HYPERLINK("http://evil.example")'):
        _call(live_server, "/api/admin/products", product_body(title), token)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/admin/audit")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/audit")
    page.goto(f"{live_server}/admin/settings/shop")
    page.fill("#f-name", "Plum & Pear Press")
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/settings/shop?notice=saved")

    page.click("text=Audit log")
    page.wait_for_url(f"{live_server}/admin/audit")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert "Admin shop update" in rows.nth(0).inner_text() and "Plum & Pear Press" in rows.nth(0).inner_text()
    assert "Create product" in rows.nth(2).inner_text() and "Linen apron" in rows.nth(2).inner_text()
    checked(page, "admin-audit")

    page.focus("#f-resource_type")
    page.keyboard.press("ArrowDown")  # from Everything to the first type, by keyboard alone
    page.select_option("#f-resource_type", "shop")
    page.focus("main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/audit?resource_type=shop&*")
    assert page.locator("tbody tr").count() == 1 and "Clear filters" in page.inner_text("main")

    page.goto(f"{live_server}/admin/audit?since=2026-12-02&until=2026-12-01")
    assert page.locator(".error-summary").is_visible()
    checked(page, "admin-audit-bad-filter")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "f-until"

    page.goto(f"{live_server}/admin/audit")
    href = page.get_attribute("a:has-text('Export CSV')", "href")
    assert href == "/admin/audit.csv"
    export = page.request.get(f"{live_server}{href}")  # with the page's session cookie
    assert export.status == 200 and export.headers["content-type"] == "text/csv; charset=utf-8"
    assert "'=HYPERLINK" in export.text() and ",=HYPERLINK" not in export.text() and ',"=HYPERLINK' not in export.text()
