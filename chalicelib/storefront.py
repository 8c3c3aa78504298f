"""Storefront pages, rendered from the shop's theme with Jinja2's sandbox (autoescaped).

Merchant-tunable values reach templates only as data; templates themselves run
in the sandbox so a merchant-edited theme cannot reach Python internals.
"""

import functools
import hashlib
import re
from urllib.parse import quote, urlencode

from jinja2 import FileSystemLoader, Template
from jinja2.sandbox import SandboxedEnvironment

from . import assets, catalog, languages, media, policies, product_translations, seo, template_overrides, themes
from .errors import DomainError, NotFound, Unavailable
from .settings import TEMPLATES
from .template_overrides import Edited

HOME_PAGE_SIZE = 24
COLLECTION_PAGE_SIZE = 24


def environment(loader, kind: type[SandboxedEnvironment] = SandboxedEnvironment) -> SandboxedEnvironment:
    """A storefront environment over `loader`: the theme's own, or (`kind`: template_sandbox's hardened one) a
    shop's edited templates (template_overrides), with the same gettext, `money` and `date`."""
    env = kind(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    languages.install(env)  # gettext, `money` and `date` in the language of the render under way
    return env


_platform_env = environment(FileSystemLoader(str(TEMPLATES)))


@functools.cache
def _theme_env(name: str) -> SandboxedEnvironment:
    return environment(themes.loader(name))


def template_for(shop, name: str, preview: template_overrides.Preview | None = None) -> Template | Edited:
    """The template `name` ("product.html") a page of `shop` renders: the one place a page's template is
    chosen, so a shop's own versions of its theme's templates (and a preview's draft) can take its place."""
    theme = themes.of(shop).name
    own = _theme_env(theme).get_template(name)
    if shop is None:
        return own
    return template_overrides.template_for(shop, theme, name, own, environment, preview)


def _shop_context(shop) -> dict | None:
    if shop is None:
        return None
    return {
        "name": shop.name,
        "subdomain": shop.subdomain,
        "currency": shop.currency,
        "locale": languages.current().language,  # the page's (the contract's name for it)
    }


def render(page: str, shop, base_path: str, **context) -> str:
    """A storefront page: `page` is its template's name without ".html"; `context` what that page shows.
    `base_path` is where the page's links start (its language's prefix included). Templates also get `language`
    (the tag the page speaks), `alternates` ([{language, name, url}]: the page in each of the shop's languages)
    and `root_path`, the shop's root ('' or '/s/<sub>') for what is not a page: its API, stylesheet and cookies."""
    spoken = languages.current()
    context.setdefault("meta_description", "")
    context.setdefault("canonical_url", "")
    context.setdefault("language", spoken.language)
    context.setdefault("alternates", languages.alternates())
    context.setdefault("root_path", languages.root_of(shop, base_path, spoken.language) if shop else base_path)
    theme = themes.of(shop)
    settings = themes.settings_of(shop)
    context.setdefault("logo", _logo(shop, settings.get("logo")))
    return template_for(shop, f"{page}.html", template_overrides.current_preview()).render(
        shop=_shop_context(shop),
        settings=settings,
        theme={"name": theme.name, "title": theme.title, "version": theme.version},
        base_path=base_path,
        assets_version=assets.VERSION,
        theme_version=_version(_settings_css(shop, settings)) if shop is not None else "",
        **context,
    )


def theme_settings_css(shop) -> str:
    """The shop's theme settings (colours, font) as the CSS its theme's stylesheet reads: a file, since pages
    carry no inline style (security_headers); a page names it with `?v=` of its text."""
    return _settings_css(shop, themes.settings_of(shop))


def _settings_css(shop, settings: dict) -> str:
    return template_for(shop, "settings.css").render(settings=settings)


def _version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _image(image: dict | None, alt: str = "") -> dict | None:
    """A product photo as themes draw it: {alt, width, height, src, srcset, webp_srcset} (the
    templates/themes/_common/parts.html picture), from its processed sizes; None while it has none."""
    return media.storefront_image(image, alt) if image else None


def _logo(shop, key: str | None) -> dict | None:
    """The theme's logo setting (a media key of the shop) as a picture, once its sizes exist."""
    if shop is None or not key:
        return None
    return _image(media.image_answer({"key": key, "alt": shop.name}, media.media_items(shop.tenant_id, [key])))


def card(shop, product: dict) -> dict:
    """A product as listing pages show it (home, collection, search), in the language of the page."""
    product = product_translations.localized(product, shop, languages.current().language)
    return {
        "id": product["id"],
        "handle": product["handle"],
        "title": product["title"],
        "price_min": product["price_min"],
        "price_max": product["price_max"],
        "currency": product["currency"],
        # The card's link already reads the title: an empty alt avoids saying it twice.
        "image": _image(product["images"][0] if product["images"] else None),
    }


def _page_url(base_path: str, path: str, cursor: str | None, **query) -> str:
    args = urlencode({k: v for k, v in {**query, "cursor": cursor}.items() if v})
    return f"{base_path}{path}" + (f"?{args}" if args else "")


def home_page(shop, base_path: str, shop_url: str, cursor: str | None) -> str:
    page = catalog.list_cards(shop.tenant_id, limit=HOME_PAGE_SIZE, cursor=cursor)
    return render(
        "home",
        shop,
        base_path,
        products=[card(shop, p) for p in page["items"]],
        next_url=_page_url(base_path, "/", page["next"]) if page["next"] else None,
        canonical_url=shop_url + "/",
        shop_url=shop_url,
    )


def collection_page(shop, base_path: str, shop_url: str, handle: str, cursor: str | None) -> str:
    """`/collections/all`: every active product, newest first, a page at a time (no other collections yet)."""
    if handle != "all":
        raise NotFound("No such collection")
    page = catalog.list_cards(shop.tenant_id, limit=COLLECTION_PAGE_SIZE, cursor=cursor)
    return render(
        "collection",
        shop,
        base_path,
        collection={"handle": handle},
        products=[card(shop, p) for p in page["items"]],
        next_url=_page_url(base_path, "/collections/all", page["next"]) if page["next"] else None,
        canonical_url=shop_url + "/collections/all" + (f"?cursor={cursor}" if cursor else ""),
        shop_url=shop_url,
    )


def search_page(shop, base_path: str, shop_url: str, query: str, cursor: str | None) -> str:
    """`/search?q=`: active products whose title, handle or SKU contains the words, as typed (any case)."""
    query = " ".join(query.split())
    page = (
        catalog.list_products(
            shop.tenant_id,
            active_only=True,
            limit=COLLECTION_PAGE_SIZE,
            cursor=cursor,
            search=query,
            with_variants=False,
        )
        if query
        else {"items": [], "next": None}
    )
    return render(
        "search",
        shop,
        base_path,
        query=query,
        products=[card(shop, p) for p in page["items"]],
        next_url=_page_url(base_path, "/search", page["next"], q=query) if page["next"] else None,
        canonical_url=shop_url + "/search",
        shop_url=shop_url,
        noindex=True,
    )


def product_page(shop, base_path: str, shop_url: str, handle: str) -> str:
    language = languages.current().language
    found = product_translations.in_language(shop, language, handle)
    in_each = product_translations.handles(found, shop)
    return render(
        "product",
        shop,
        base_path,
        **product_context(shop, shop_url, product_translations.localized(found, shop, language)),
        alternates=languages.alternates({tag: f"/products/{quote(h, safe='')}" for tag, h in in_each.items()}),
    )


def product_context(shop, shop_url: str, product: dict) -> dict:
    """What the product page shows of `product` (catalog's answer for it, in the page's language)."""
    variants = [{**v, "available": max(v["inventory_quantity"], 0)} for v in product["variants"]]
    options = [
        {"name": name, "values": list(dict.fromkeys(v["options"].get(name) for v in variants))}
        for name in product["options"]
    ]
    seo_fields = product["seo"]
    shown = [
        media.storefront_image(i, i["alt"] or (product["title"] if n == 0 else ""))
        for n, i in enumerate(product["images"])
    ]
    images = [i for i in shown if i]  # one still being processed is left out until its sizes exist
    view = {**product, "variants": variants, "options": options, "images": images}
    url = f"{shop_url}/products/{product['handle']}"
    return dict(
        product=view,
        page_title=seo_fields.get("title"),
        meta_description=seo_fields.get("description") or product["description"][:160],
        canonical_url=url,
        shop_url=shop_url,
        og_image=images[0]["src"] if images else None,
        json_ld=[seo.product(view, shop.name, url)],
    )


def policy_page(shop, base_path: str, shop_url: str, kind: str) -> str:
    return render(
        "policy", shop, base_path, policy=policies.for_page(shop, kind), canonical_url=f"{shop_url}/policies/{kind}"
    )


def cart_page(shop, base_path: str, cart: dict | None) -> str:
    """`cart` is carts.to_dict() of the shopper's cart (None: no cart, or one already checked out)."""
    view = None
    if cart is not None:
        lines = [
            {**line, "unit_price": line["price"], "image": _image(line["image"])}
            for line in product_translations.cart_lines(shop, languages.current().language, cart["lines"])
        ]
        view = {**cart, "lines": lines}
    return render(
        "cart",
        shop,
        base_path,
        cart=view,
        cart_count=cart["item_count"] if cart else 0,
    )


def order_status_page(shop, base_path: str, order: dict) -> str:
    """The shopper's order page (orders.for_status_page())."""
    return render("order_status", shop, base_path, order=order)


def return_status_page(shop, base_path: str, ret: dict) -> str:
    """The shopper's return page (returns.for_page())."""
    return render("return_status", shop, base_path, ret=ret)


def order_pending_page(shop, base_path: str, message: str) -> str:
    """While the payment is being confirmed (the browser reloads on the Refresh header)."""
    return render("order_pending", shop, base_path, message=message)


def error_page(err: DomainError, shop, base_path: str, status: int) -> str:
    if isinstance(err, Unavailable):
        return render("suspended", shop, base_path)
    if isinstance(err, NotFound):
        return render("not_found", shop, base_path)
    return render("error", shop, base_path, message=err.message, status=status)


def marked_as_preview(html: str, preview: template_overrides.Preview, token: str) -> str:
    """A page of a theme preview, with the bar that says so at the top of its body (in every theme, whatever the
    merchant's templates do) and the bar's stylesheet; its links to the shop's pages carry the preview's `token`,
    so the merchant browses the draft, not the live shop."""
    bar = _platform_env.get_template("platform/preview_bar.html").render(expires_at=preview.expires_at)
    link = f'<link rel="stylesheet" href="/assets/platform/preview.css?v={assets.VERSION}">'
    html = html.replace("</head>", f"{link}</head>", 1)
    html = re.sub(r"<body\b[^>]*>", lambda body: body[0] + bar, html, count=1)

    def previewed(link: re.Match) -> str:
        start, url = link[1], link[2]
        if url.startswith(("//", "/assets/", "/media/")) or "preview=" in url:
            return link[0]
        return f"{start}{url}{'&amp;' if '?' in url else '?'}preview={token}"

    return re.sub(r'(<a\b[^>]*?\bhref=")(/[^"#]*)', previewed, html)


def platform_home(base_url: str, demo_subdomain: str | None) -> str:
    return _platform_env.get_template("platform/home.html").render(
        base_url=base_url, demo=demo_subdomain, assets_version=assets.VERSION
    )


def password_reset_page(token: str, message: str | None = None, done: bool = False, language: str | None = None) -> str:
    """The page an emailed reset link opens (accounts.request_reset), and what it shows once posted, in the
    language of the shop the link was mailed for (accounts.reset_language; English for an unknown link)."""
    language = languages.tag_of(language) or languages.SOURCE
    with languages.speaking(language):
        return _platform_env.get_template("platform/password_reset.html").render(
            token=token, message=message, done=done, language=language
        )
