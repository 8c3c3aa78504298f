"""Storefront pages, rendered from the shop's theme with Jinja2's sandbox (autoescaped).

Merchant-tunable values reach templates only as data; templates themselves run
in the sandbox so a merchant-edited theme cannot reach Python internals.
"""

import hashlib

from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from . import assets, catalog, languages
from .errors import DomainError, NotFound, Unavailable
from .languages import gettext as _
from .settings import TEMPLATES

DEFAULT_THEME = {
    "name": "default",
    "primary_color": "#1f3a5f",
    "accent_color": "#e4572e",
    "background_color": "#ffffff",
    "text_color": "#1a1a1a",
    "font": "system",
    "announcement": "",
    "logo_text": "",
}
HOME_PAGE_SIZE = 24

_env = SandboxedEnvironment(
    loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True, lstrip_blocks=True
)
languages.install(_env)


def theme_of(shop) -> dict:
    theme = dict(DEFAULT_THEME)
    stored = shop.theme.as_dict() if hasattr(shop.theme, "as_dict") else dict(shop.theme or {})
    theme.update({k: v for k, v in stored.items() if k in DEFAULT_THEME and v not in (None,)})
    return theme


def _shop_context(shop) -> dict | None:
    if shop is None:
        return None
    return {
        "name": shop.name,
        "subdomain": shop.subdomain,
        "currency": shop.currency,
        "locale": languages.current().language,  # the page's (the contract's name for it)
        "theme": theme_of(shop),
    }


def render(page: str, shop, base_path: str, **context) -> str:
    """`base_path`: where the page's links start (its language's prefix included). Templates also get `language`
    (the tag the page speaks), `alternates` ([{language, name, url}]: the page in each of the shop's languages)
    and `root_path`, the shop's root ('' or '/s/<sub>') for what is not a page: its API, stylesheet and cookies."""
    theme = theme_of(shop)["name"] if shop is not None else "default"
    spoken = languages.current()
    template = _env.get_template(f"themes/{theme}/{page}.html")
    context.setdefault("page_title", shop.name if shop is not None else _("Shop not found"))
    context.setdefault("meta_description", "")
    context.setdefault("canonical_url", "")
    theme_version = _version(theme_settings_css(shop)) if shop is not None else ""
    return template.render(
        shop=_shop_context(shop),
        base_path=base_path,
        root_path=languages.root_of(shop, base_path, spoken.language) if shop is not None else base_path,
        language=spoken.language,
        alternates=list(spoken.alternates),
        assets_version=assets.VERSION,
        theme_version=theme_version,
        **context,
    )


def theme_settings_css(shop) -> str:
    """The shop's theme settings (colours, font) as the CSS its theme's stylesheet reads: a file, since pages
    carry no inline style (security_headers); a page names it with `?v=` of its text."""
    theme = theme_of(shop)
    return _env.get_template(f"themes/{theme['name']}/settings.css").render(theme=theme)


def _version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _card(product: dict) -> dict:
    image = product["images"][0] if product["images"] else None
    return {
        "id": product["id"],
        "handle": product["handle"],
        "title": product["title"],
        "description": product["description"],
        "price_min": product["price_min"],
        "price_max": product["price_max"],
        "currency": product["currency"],
        # The card's link already reads the title: an empty alt avoids saying it twice.
        "image": {"url": image["url"], "alt": image["alt"]} if image else None,
    }


def home_page(shop, base_path: str, cursor: str | None) -> str:
    page = catalog.list_cards(shop.tenant_id, limit=HOME_PAGE_SIZE, cursor=cursor)
    next_url = f"{base_path}/?cursor={page['next']}" if page["next"] else None
    return render("home", shop, base_path, products=[_card(p) for p in page["items"]], next_url=next_url)


def product_page(shop, base_path: str, handle: str, url: str) -> str:
    product = catalog.product_by_handle(shop.tenant_id, handle)
    variants = [{**v, "available": max(v["inventory_quantity"], 0)} for v in product["variants"]]
    options = [
        {"name": name, "values": list(dict.fromkeys(v["options"].get(name) for v in variants))}
        for name in product["options"]
    ]
    seo = product["seo"]
    view = {
        **product,
        "variants": variants,
        "options": options,
        "images": [{"url": i["url"], "alt": i["alt"] or product["title"]} for i in product["images"]],
    }
    return render(
        "product",
        shop,
        base_path,
        product=view,
        page_title=seo.get("title") or _("%(product)s – %(shop)s") % {"product": product["title"], "shop": shop.name},
        meta_description=seo.get("description") or product["description"][:160],
        canonical_url=url,
    )


def cart_page(shop, base_path: str, cart: dict | None) -> str:
    """`cart` is carts.to_dict() of the shopper's cart (None: no cart, or one already checked out)."""
    view = None
    if cart is not None:
        view = {**cart, "lines": [{**line, "unit_price": line["price"]} for line in cart["lines"]]}
    return render(
        "cart",
        shop,
        base_path,
        cart=view,
        cart_count=cart["item_count"] if cart else 0,
        page_title=_("Cart – %(shop)s") % {"shop": shop.name},
    )


def order_status_page(shop, base_path: str, order: dict) -> str:
    """The shopper's order page (orders.for_status_page())."""
    return render(
        "order_status",
        shop,
        base_path,
        order=order,
        page_title=_("Order #%(number)s – %(shop)s") % {"number": order["number"], "shop": shop.name},
    )


def return_status_page(shop, base_path: str, ret: dict) -> str:
    """The shopper's return page (returns.for_page())."""
    return render(
        "return_status",
        shop,
        base_path,
        ret=ret,
        page_title=_("Return for order #%(number)s – %(shop)s") % {"number": ret["order_number"], "shop": shop.name},
    )


def order_pending_page(shop, base_path: str, message: str) -> str:
    """While the payment is being confirmed (the browser reloads on the Refresh header)."""
    return render(
        "order_pending", shop, base_path, message=message, page_title=_("Confirming – %(shop)s") % {"shop": shop.name}
    )


def error_page(err: DomainError, shop, base_path: str, status: int) -> str:
    if isinstance(err, Unavailable):
        return render("suspended", shop, base_path, page_title=_("Temporarily unavailable"))
    if isinstance(err, NotFound):
        return render("not_found", shop, base_path, page_title=_("Page not found"))
    return render("error", shop, base_path, message=err.message, status=status, page_title=_("Sorry"))


def platform_home(base_url: str, demo_subdomain: str | None) -> str:
    return _env.get_template("platform/home.html").render(
        base_url=base_url, demo=demo_subdomain, assets_version=assets.VERSION
    )


def password_reset_page(token: str, message: str | None = None, done: bool = False) -> str:
    """The page an emailed reset link opens (accounts.request_reset), and what it shows once posted."""
    return _env.get_template("platform/password_reset.html").render(token=token, message=message, done=done)
