"""Emails leave through the real send path (a workflow task, notifications, SES) with a text and an HTML part."""

import pytest

from chalicelib import aws, clock
from infra.local import runtime
from tests.support.shopping import Shop, execution_done

HOSTILE_NAME = "<script>alert(1)</script> Tees & Co"
HOSTILE_TITLE = '<img src=x onerror="alert(2)">'


@pytest.fixture
def sent_to_ses():
    """The parameters of every SendEmail call made while the test runs: what the app handed SES."""
    calls = []

    def record(params, **_):
        calls.append(params)

    events = aws.client("ses").meta.events
    events.register("provide-client-params.ses.SendEmail", record, unique_id="test-emails-record")
    yield calls
    events.unregister("provide-client-params.ses.SendEmail", unique_id="test-emails-record")


def test_the_order_confirmation_goes_out_multipart_in_the_shops_theme_with_hostile_names_escaped(
    api, paying_shop, stripe, sent_to_ses
):
    shop = Shop(api, paying_shop)
    patched = shop.admin.patch("/api/admin/shop", {"name": HOSTILE_NAME, "theme": {"primary_color": "#0a2463"}})
    assert patched.status_code == 200, patched.body
    email = f"{shop.subdomain}@buyer.example"
    done = shop.buy(stripe, (shop.product(price=1500, title=HOSTILE_TITLE), 1), email=email)
    assert execution_done(done["checkout_id"]) == "SUCCEEDED"

    sent = [p for p in sent_to_ses if p["Destination"]["ToAddresses"] == [email]]
    assert len(sent) == 1
    message = sent[0]["Message"]
    assert message["Subject"]["Data"] == f"{HOSTILE_NAME}: order #1 confirmed"
    text, html = message["Body"]["Text"]["Data"], message["Body"]["Html"]["Data"]
    assert f"Thank you for your order from {HOSTILE_NAME}!" in text and f"1 x {HOSTILE_TITLE}" in text
    assert "$15.00" in text
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tees &amp; Co" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "background:#0a2463" in html and f"/orders/{done['order_id']}" in html

    outbox = [m for m in runtime.sent_emails() if email in m["to"]]
    assert [m["subject"] for m in outbox] == [f"{HOSTILE_NAME}: order #1 confirmed"] and outbox[0]["body"] == html
    # The local outbox (`/_outbox`) keeps the whole email: both parts, its headers, when it was sent.
    (kept,) = [m for m in runtime.outbox() if m["to"] == [email]]
    assert (kept["text"], kept["html"], kept["subject"]) == (text, html, message["Subject"]["Data"])
    assert kept["headers"]["To"] == email and kept["headers"]["Subject"] == kept["subject"]
    assert kept["headers"]["From"] == sent[0]["Source"] and kept["headers"]["Message-ID"].startswith("<")
    assert clock.parse_iso(kept["sent_at"]) <= clock.now()


def test_the_shopper_who_checked_out_in_chinese_gets_the_confirmation_in_chinese(api, paying_shop, stripe, sent_to_ses):
    shop = Shop(api, paying_shop)
    assert shop.admin.patch("/api/admin/shop", {"languages": ["en", "zh-CN"]}).status_code == 200
    email = f"{shop.subdomain}@buyer.example"
    done = shop.buy(stripe, (shop.product(price=1500), 1), email=email, language="zh-CN")
    assert execution_done(done["checkout_id"]) == "SUCCEEDED"
    assert f"/zh-cn/orders/{done['order_id']}" in done["order_status_url"]

    [sent] = [p for p in sent_to_ses if p["Destination"]["ToAddresses"] == [email]]
    text, html = sent["Message"]["Body"]["Text"]["Data"], sent["Message"]["Body"]["Html"]["Data"]
    assert sent["Message"]["Subject"]["Data"].endswith("：订单 #1 已确认")
    assert "感谢您在" in text and "合计：US$15.00" in text
    assert '<html lang="zh-CN"' in html and "感谢您的订购！" in html
    assert f"/zh-cn/orders/{done['order_id']}" in html


def test_a_checkout_in_a_language_the_platform_lacks_is_refused(api, paying_shop):
    shop = Shop(api, paying_shop)
    answer = shop.checkout(shop.cart((shop.product(), 1)), language="tlh")
    assert answer.status_code == 400 and "language" in answer.json["fields"]
