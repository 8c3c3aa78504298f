"""Every email the platform sends, as a Jinja2 template pair: templates/emails/<name>.txt and <name>.html.

The text template sets the subject (`{% set subject = ... %}`) and is plain text, never escaped; the HTML one
extends emails/layout.html, drawn in the shop's theme (colours, font, logo text) as the storefront uses it,
and is autoescaped. Both run in Jinja2's sandbox, like the storefront's themes, so values a merchant or a
shopper typed (shop name, product titles, addresses) are data, never markup or code.
"""

import re
from typing import NamedTuple

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from . import db, hosts, languages, settings, themes

# Email clients have no web fonts or CSS variables: each theme font as a stack they all know.
FONTS = {
    "system": "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
    "serif": "Georgia, 'Palatino Linotype', 'Times New Roman', serif",
    "rounded": "'Arial Rounded MT Bold', 'Trebuchet MS', Verdana, sans-serif",
}

_env = SandboxedEnvironment(
    loader=FileSystemLoader(str(settings.TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,  # a value an email needs but was not given fails the send, not the shopper
    trim_blocks=True,
    lstrip_blocks=True,
)
languages.install(_env)


class Email(NamedTuple):
    subject: str
    text: str
    html: str


def render(name: str, shop: db.ShopRecord, language: str | None = None, **context) -> Email:
    """The email `name` from `shop`, with `context` (the values its templates name), in `language` (the one the
    shopper ordered in; else the shop's primary)."""
    language = languages.spoken_by(shop, language)
    context["shop"] = _shop(shop, language)
    with languages.speaking(language):
        text = _env.get_template(f"emails/{name}.txt").make_module(context)
        # The text template's `{% set subject %}`, on one header line whatever a shop name holds.
        subject = " ".join(str(text.__dict__["subject"]).split())
        html = _env.get_template(f"emails/{name}.html").render(context, subject=subject)
    # An optional part left out leaves its blank lines behind: one blank line between paragraphs.
    return Email(subject, re.sub(r"\n{3,}", "\n\n", str(text).strip()) + "\n", html)


def order_page(shop: db.ShopRecord, order: db.OrderRecord, path: str) -> str:
    """A storefront page an email about `order` links to: on the shop's primary host, in the order's language."""
    return hosts.primary_url(shop, languages.prefix(shop, languages.spoken_by(shop, order.language)) + path)


def items(order: db.OrderRecord, counts: dict[str, int]) -> list[dict]:
    """What an email lists for {variant_id: quantity}: [{quantity, title}], titled as on the order."""
    titles = {line["variant_id"]: line_title(line) for line in db.plain(order.lines)}
    return [{"quantity": int(n), "title": titles.get(v, v)} for v, n in counts.items() if n]


def line_title(line: dict) -> str:
    """An order line as the shopper chose it: "Tee - Large"."""
    return " - ".join(p for p in (line["title"], line.get("variant_title")) if p)


def _shop(shop: db.ShopRecord, language: str) -> dict:
    theme = themes.brand(shop)
    return {
        "name": shop.name,
        "url": hosts.primary_url(shop),
        "lang": language,
        "logo_text": theme["logo_text"] or shop.name,
        "primary": theme["primary_color"],
        "on_primary": _readable_on(theme["primary_color"]),
        "accent": theme["accent_color"],
        "on_accent": _readable_on(theme["accent_color"]),
        "background": theme["background_color"],
        "text": theme["text_color"],
        "font": FONTS.get(theme["font"], FONTS["system"]),
    }


def _readable_on(color: str) -> str:
    """Near-white or near-black, whichever contrasts more with `color` (#rrggbb; WCAG relative luminance),
    as the storefront's theme picks text on its primary and accent colours."""

    def linear(part: str) -> float:
        c = int(part, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    lum = sum(w * linear(color[i : i + 2]) for w, i in ((0.2126, 1), (0.7152, 3), (0.0722, 5)))
    return "#ffffff" if 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0556 else "#111111"
