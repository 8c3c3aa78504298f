"""The audit log's web admin screen (/admin/audit): the changes made through the API and on the admin's own pages,
filtered, paged and exported, readable without JavaScript and never cached."""

import csv
import html
import io
import re

from chalicelib import audit
from chalicelib.api.admin import audit as audit_page
from tests.support.admin import header, signed_in
from tests.support.api import product_body


def _product(merchant, **extra) -> dict:
    created = merchant[0].post("/api/admin/products", product_body(**extra))
    assert created.status_code == 201, created.body
    return created.json


def test_a_new_shop_is_told_what_the_log_will_hold_and_where_to_start(admin):
    page = admin.get("/admin/audit")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    assert "No changes yet" in page.text and 'href="/admin/products/new"' in page.text
    assert 'aria-current="page">Audit log' in page.text


def test_a_change_on_an_admin_page_reads_as_the_merchants_via_the_admin(admin, merchant):
    admin.get("/admin/settings/shop")
    assert admin.post("/admin/settings/shop", {"name": "Plum & Pear"}).status_code == 303
    assert admin.post("/admin/settings/shop", {"name": ""}).status_code == 400  # refused: nothing changed

    [entry] = merchant[0].get("/api/admin/audit").json["items"]
    assert (entry["via"], entry["action"], entry["resource_type"]) == ("admin", "admin_shop_update", "shop")
    assert entry["actor"]["email"] == f"{merchant[1]['shop']['subdomain']}@example.com"
    assert entry["changes"] == [
        {"field": "name", "before": f"Shop {merchant[1]['shop']['subdomain']}", "after": "Plum & Pear"}
    ]

    page = admin.get("/admin/audit")
    assert "Admin shop update" in page.text and "Plum &amp; Pear" in page.text and ">Admin</span>" in page.text
    assert 'href="/admin/settings"' in page.text


def test_the_table_shows_who_what_and_each_field_escaped(admin, merchant):
    product = _product(merchant, title="<script>alert(1)</script>")
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert f'href="/admin/products/{product["id"]}"' in page.text
    assert f"resource_type=product&amp;resource_id={product['id']}" in page.text  # its history
    assert "Create product" in page.text and ">API</span>" in page.text
    assert f"and {len(merchant[0].get('/api/admin/audit').json['items'][0]['changes']) - audit_page.SHOWN_CHANGES}" in (
        page.text
    )


def test_filters_page_and_export_what_the_screen_shows(admin, merchant, monkeypatch):
    first, second, third = (_product(merchant, title=t) for t in ("First", "Second", "Third"))
    monkeypatch.setattr(audit_page, "PAGE_SIZE", 2)

    page = admin.get("/admin/audit?resource_type=product")
    assert page.status_code == 200
    assert third["id"] in page.text and second["id"] in page.text and first["id"] not in page.text
    assert 'rel="next"' in page.text and "Clear filters" in page.text
    next_url = re.search(r'href="([^"]+)" rel="next"', page.text)[1]
    rest = admin.get(html.unescape(next_url))
    assert first["id"] in rest.text and third["id"] not in rest.text and "First page" in rest.text

    one = admin.get(f"/admin/audit?resource_type=product&resource_id={second['id']}")
    assert second["id"] in one.text and first["id"] not in one.text and third["id"] not in one.text
    assert f'href="/admin/audit.csv?resource_type=product&amp;resource_id={second["id"]}"' in one.text

    export = admin.get(f"/admin/audit.csv?resource_type=product&resource_id={second['id']}")
    assert export.status_code == 200 and header(export, "content-type") == "text/csv; charset=utf-8"
    assert header(export, "cache-control") == "private, no-store"
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == list(audit.CSV_COLUMNS) and {r[6] for r in rows[1:]} == {second["id"]}

    nobody = admin.get("/admin/audit?actor=nobody@example.com")
    assert "No changes match these filters" in nobody.text


def test_a_bad_filter_is_shown_next_to_its_field(admin):
    page = admin.get("/admin/audit?since=someday&resource_type=planet")
    assert page.status_code == 400 and "There is a problem" in page.text
    assert 'href="#f-resource_type"' in page.text or 'href="#f-since"' in page.text
    assert 'aria-invalid="true"' in page.text


def test_signed_out_the_log_and_its_export_send_to_sign_in(client):
    from tests.support.admin import Admin

    browser = Admin(client)
    for path in ("/admin/audit", "/admin/audit.csv"):
        answer = browser.get(path)
        assert answer.status_code == 303 and header(answer, "location").startswith("/admin/login?next=")


def test_a_shop_sees_only_its_own_log(client, merchant, new_shop):
    _product(merchant, title="Mine only")
    other = signed_in(client, new_shop())
    page = other.get("/admin/audit")
    assert "No changes yet" in page.text and "Mine only" not in page.text


def test_a_full_page_of_the_biggest_entries_stays_under_200_kb(admin, merchant):
    for i in range(audit_page.PAGE_SIZE):
        body = product_body(f"Product {i}", description="x" * 20_000)
        body["variants"] = [
            {"sku": f"S-{i}-{v}", "price": 100 + v, "inventory_quantity": v, "options": {"Size": f"Size {v}" * 10}}
            for v in range(20)
        ]
        assert merchant[0].post("/api/admin/products", body).status_code == 201
    page = admin.get("/admin/audit")
    assert page.status_code == 200 and page.text.count("<tr>") == audit_page.PAGE_SIZE + 1
    css = admin.get("/assets/admin/admin.css").body
    js = admin.get("/assets/admin/admin.js").body
    assert len(page.text.encode()) + len(css) + len(js) < 200_000
