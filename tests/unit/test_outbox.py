"""The local outbox page and document (infra/local/outbox.py): readable, links working, nothing of an email runs."""

import json

from infra.local import outbox

RESET = "http://localhost:8000/admin/password-reset?token=abc&x=1"


def _mail(subject: str, text: str, html: str = "", to: str = "merchant@shop.test") -> dict:
    return {
        "to": [to],
        "subject": subject,
        "headers": {"From": "no-reply@platform.test", "To": to, "Subject": subject},
        "text": text,
        "html": html,
        "sent_at": "2026-12-01T03:00:00Z",
    }


def test_the_document_lists_every_mail_with_the_contract_fields():
    mails = [_mail("second", "b"), _mail("first", "a")]
    items = json.loads(outbox.document(mails))["items"]
    assert [m["subject"] for m in items] == ["second", "first"]
    assert set(items[0]) == {"to", "subject", "headers", "text", "html", "sent_at"}


def test_a_link_in_the_text_part_is_a_link_and_its_sentence_stays_around_it():
    page = outbox.page([_mail("Acme: reset your password", f"Set a new one here: {RESET}.\nThanks")]).decode()
    assert f'<a href="{RESET.replace("&", "&amp;")}">' in page
    assert "</a>.\nThanks" in page


def test_what_a_mail_holds_is_text_on_the_page_never_markup():
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    page = outbox.page([_mail(hostile, hostile, html=f"<html><head></head><body>{hostile}</body></html>")]).decode()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_html_part_is_drawn_in_a_sandboxed_frame_whose_links_open_a_new_tab():
    html = f'<html><head><title>x</title></head><body><a href="{RESET}">Reset</a></body></html>'
    page = outbox.page([_mail("reset", RESET, html=html)]).decode()
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "allow-scripts" not in page and "allow-same-origin" not in page
    assert "&lt;head&gt;&lt;base target=&quot;_blank&quot;&gt;&lt;title&gt;" in page
    assert "script-src" not in outbox.HEADERS["Content-Security-Policy"]
    assert outbox.HEADERS["Cache-Control"] == "private, no-store"


def test_an_empty_outbox_says_how_to_fill_it():
    assert "No email sent yet" in outbox.page([]).decode()
