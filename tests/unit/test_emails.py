"""Every email renders a subject, a plain text part and an HTML part in the shop's theme, through the sandbox;
what merchants and shoppers typed is escaped in the HTML and left as it is in the text."""

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import jinja2
import pytest
from markupsafe import escape

from chalicelib import emails, hosts, storefront, themes

EMAILS_DIR = storefront.TEMPLATES / "emails"
HOSTILE = '<script>alert("x")</script> & Sons'
ORDER = {"number": 7, "currency": "USD"}
ITEMS = [{"quantity": 2, "title": "Tee - Large"}, {"quantity": 1, "title": "Mug"}]
FULFILMENT = {
    "order": ORDER,
    "items": ITEMS,
    "order_url": "https://acme.example/orders/o1",
    "carrier": "dhl",
    "tracking_number": "JD0001",
    "tracking_url": "https://www.dhl.com/track?id=JD0001&lang=en",
    "pickup": {"name": "Main Street store", "address": "1 Main Street, Springfield, 12345", "hours": "9-18"},
}
RETURN = {
    "order": ORDER,
    "items": ITEMS,
    "status_url": "https://acme.example/returns/r1",
    "parcel_days": 14,
    "merchant_pays_shipping": True,
    "outcome": {"amount": 1500, "code": "CREDIT-ABC", "order_number": 9},
    "payment": {"amount": 600, "url": "https://pay.example/cs_1?a=1&b=2"},
}
CONTEXTS = {
    "welcome": {},
    "order_confirmed": {
        "order_url": "https://acme.example/orders/o1",
        "order": {
            **ORDER,
            "lines": [{"quantity": 2, "title": "Tee - Large", "amount": 3000}],
            "subtotal": 3000,
            "discount_total": 500,
            "discount_code": "SPRING",
            "shipping_total": 0,
            "tax_total": 100,
            "total": 2600,
        },
    },
    "order_cancelled": {"order": ORDER, "refunded": 2600},
    "password_reset": {"link": "https://acme.example/password-reset?token=abc_123-x", "minutes": 60},
    **{
        f"fulfilment_{event}": FULFILMENT
        for event in ("pending", "in_transit", "delivered", "ready_for_pickup", "picked_up", "cancelled")
    },
    **{
        f"return_{event}": RETURN
        for event in (
            "payment_due",
            "requested",
            "approved",
            "rejected",
            "expired",
            "refunded",
            "credited",
            "exchanged",
        )
    },
}
SHARED = {"layout", "parts", "fulfilment_layout", "return_layout"}  # pieces of emails, not emails


def shop(name="Acme Supplies", **theme):
    return SimpleNamespace(
        name=name,
        subdomain="acme",
        custom_domain=None,
        domain_verified_at=None,
        locale="en",
        languages=["en"],
        theme=theme,
    )


class _Tags(HTMLParser):
    """Collects start tags and the text of <script> elements (there should be none)."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self.scripts.append(attrs)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def test_every_template_pair_is_an_email_with_a_context_here():
    names = {p.stem for p in EMAILS_DIR.iterdir() if p.suffix in (".txt", ".html")} - SHARED
    assert names == set(CONTEXTS)
    assert all((EMAILS_DIR / f"{n}.txt").is_file() and (EMAILS_DIR / f"{n}.html").is_file() for n in names)


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_each_email_renders_a_subject_a_plain_text_part_and_an_html_part(name):
    email = emails.render(name, shop(), **CONTEXTS[name])
    assert email.subject.startswith(("Acme Supplies: ", "Welcome! Acme Supplies")) and "\n" not in email.subject
    assert "<" not in email.text and "&amp;" not in email.text  # plain text, never markup or escapes
    # The shop's primary host (here the local server's: http, PORT).
    assert email.text.endswith(f"-- \nAcme Supplies\n{hosts.primary_url(shop())}\n") and "\n\n\n" not in email.text
    parsed = _parse(email.html)
    assert parsed.tags[:2] == ["html", "head"] and "body" in parsed.tags and not parsed.scripts
    assert f"<title>{escape(email.subject)}</title>" in email.html
    assert "Acme Supplies" in email.html


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_a_hostile_shop_name_and_product_title_are_escaped_in_html_and_plain_in_text(name):
    title = "<img src=x onerror=alert(1)>"
    context = {**CONTEXTS[name], "items": [{"quantity": 1, "title": title}]}
    if "lines" in context.get("order", {}):
        context["order"] = {**context["order"], "lines": [{"quantity": 1, "title": title, "amount": 100}]}
    email = emails.render(name, shop(HOSTILE, logo_text="<b>Logo</b>"), **context)
    assert "<script>" not in email.html and "<img" not in email.html and "<b>Logo" not in email.html
    assert not _parse(email.html).scripts
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in email.html
    assert "&lt;b&gt;Logo&lt;/b&gt;" in email.html
    assert HOSTILE in email.subject and HOSTILE in email.text  # the text part shows what the merchant typed
    if title in email.text:  # the emails that list what was bought
        assert "&lt;img src=x onerror=alert(1)&gt;" in email.html


def test_links_in_html_are_attribute_escaped():
    email = emails.render("return_payment_due", shop(), **RETURN)
    assert 'href="https://pay.example/cs_1?a=1&amp;b=2"' in email.html
    assert "https://pay.example/cs_1?a=1&b=2" in email.text


def test_the_html_wears_the_shops_theme():
    email = emails.render(
        "welcome", shop(primary_color="#ffee00", accent_color="#0a2463", font="serif", logo_text="ACME")
    )
    assert "background:#ffee00" in email.html and "color:#111111" in email.html  # dark text on a light primary
    assert "background:#0a2463" in email.html and "color:#ffffff" in email.html  # light text on a dark accent
    assert "font-family:Georgia" in email.html and ">ACME</a>" in email.html


def test_links_to_the_shop_use_its_own_domain_once_dns_proved_it():
    pending = SimpleNamespace(**{**vars(shop()), "custom_domain": "acme-supplies.com"})
    assert "acme-supplies.com" not in emails.render("welcome", pending).text  # anyone may claim a domain
    owned = SimpleNamespace(**{**vars(pending), "domain_verified_at": "2026-12-01T00:00:00Z"})
    email = emails.render("welcome", owned)
    url = hosts.primary_url(owned)
    assert url.split("://")[1].startswith("acme-supplies.com")
    assert url in email.text and f'href="{url}"' in email.html


def test_the_default_theme_is_used_when_the_shop_has_none():
    email = emails.render("welcome", shop())
    assert f"background:{themes.get('default').defaults()['primary_color']}" in email.html


def test_the_order_confirmation_lists_lines_and_totals_in_both_parts():
    email = emails.render("order_confirmed", shop(), **CONTEXTS["order_confirmed"])
    for expected in ("2 x Tee - Large  $30.00", "Discount (SPRING): -$5.00", "Shipping: Free", "Total: $26.00"):
        assert expected in email.text
    for expected in ("2 × Tee - Large", "$30.00", "Discount (SPRING)", "-$5.00", "$26.00"):
        assert expected in email.html


def test_optional_parts_are_left_out_when_absent():
    quiet = {**FULFILMENT, "carrier": None, "tracking_number": None, "tracking_url": None, "order_url": None}
    email = emails.render("fulfilment_in_transit", shop(), **quiet)
    assert "Carrier" not in email.text and "Track it" not in email.text and "Your order:" not in email.text
    cancelled = emails.render("order_cancelled", shop(), order=ORDER, refunded=None)
    assert "refunded" not in cancelled.text and "refunded" not in cancelled.html


def test_a_value_the_template_needs_but_was_not_given_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        emails.render("order_cancelled", shop(), order=ORDER)


def test_templates_run_in_the_sandbox():
    sandbox = emails._env.from_string("{{ shop.__class__ }}")
    with pytest.raises(jinja2.exceptions.SecurityError):
        sandbox.render(shop=shop())


SHOPPERS_EMAILS = sorted(set(CONTEXTS) - {"welcome", "password_reset"})  # those two go to the merchant
CHINESE = re.compile("[\u4e00-\u9fff]")


@pytest.mark.parametrize("name", SHOPPERS_EMAILS)
def test_each_shoppers_email_speaks_the_language_the_order_was_placed_in(name):
    both = SimpleNamespace(**{**vars(shop(HOSTILE)), "languages": ["en", "zh-CN"]})
    email = emails.render(name, both, "zh-CN", **CONTEXTS[name])
    assert HOSTILE in email.subject and CHINESE.search(email.subject)
    assert CHINESE.search(email.text) and "<" not in email.text.replace(HOSTILE, "")
    assert '<html lang="zh-CN">' in email.html and CHINESE.search(email.html)
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    # A language the shop has since dropped: its primary's.
    dropped = emails.render(name, shop(HOSTILE), "zh-CN", **CONTEXTS[name])
    assert not CHINESE.search(dropped.subject) and '<html lang="en">' in dropped.html
