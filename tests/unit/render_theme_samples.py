"""Render every theme's pages with sample data, for eyeballing.

    python tests/unit/render_theme_samples.py [OUT_DIR]      (default /tmp/theme)

Writes OUT_DIR/<theme>/<name>.html for every sample in SAMPLES, through the storefront's own environment
of each theme. Images are inline SVG data URIs and the theme's stylesheets are inlined (the platform
serves them as files) so the files open straight from disk. tests/unit/test_theme.py imports this module
for its environments and sample contexts, so it must stay importable without side effects.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from urllib.parse import quote

from jinja2.sandbox import SandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from chalicelib import return_policy, seo, storefront, themes  # noqa: E402

_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_ZERO_DECIMAL = {"JPY", "KRW"}


def make_env(theme: str = themes.DEFAULT) -> SandboxedEnvironment:
    """The storefront's own environment of `theme` (its loader: the theme's templates, then _common's)."""
    return storefront._theme_env(theme)


def settings_for(theme: str, legacy: dict) -> dict:
    """A sample shop's settings (the default theme's version-1 fields) as `theme`'s values, defaults filled."""
    values = themes.migrate(themes.get(themes.DEFAULT), {"version": 1, "values": legacy})["values"]
    own = themes.get(theme)
    return {**own.defaults(), **{k: v for k, v in values.items() if k in own.fields}}


def render(env: SandboxedEnvironment, page: str, context: dict) -> str:
    """`page` as storefront.render draws it: the theme's settings, the page language and, on a product page,
    its JSON-LD (seo.product) come from the sample's own values."""
    theme = next(name for name in themes.names() if storefront._theme_env(name) is env)
    shop = context.get("shop")
    context.setdefault("settings", settings_for(theme, (shop or {}).get("theme", {})))
    context.setdefault("language", ((shop or {}).get("locale") or "en").replace("_", "-"))
    context.setdefault("theme", {"name": theme})
    if page == "product":
        context.setdefault("json_ld", [seo.product(context["product"], shop["name"], context.get("canonical_url", ""))])
    return env.get_template(f"{page}.html").render(**context)


# --- sample images -----------------------------------------------------------------------

_ART = {
    "mug": '<path d="M230 250h260v230a70 70 0 0 1-70 70H300a70 70 0 0 1-70-70Z" fill="{fg}"/>'
    '<path d="M490 300h40a60 60 0 0 1 0 120h-40" fill="none" stroke="{fg}" stroke-width="34"/>',
    "tee": '<path d="M250 210l-110 70 50 90 60-30v240h300V340l60 30 50-90-110-70'
    'c-20 40-60 60-100 60s-80-20-100-60Z" fill="{fg}"/>',
    "plant": '<path d="M270 420h260l-30 170H300Z" fill="{fg}"/>'
    '<path d="M400 420c0-120-90-150-140-160 10 80 60 150 140 160Z'
    'm0 0c0-130 80-180 150-190-5 100-60 170-150 190Z" fill="{fg2}"/>',
    "bag": '<path d="M220 300h360l-25 300H245Z" fill="{fg}"/>'
    '<path d="M320 320v-60a80 80 0 0 1 160 0v60" fill="none" stroke="{fg2}" stroke-width="22"/>',
    "candle": '<rect x="300" y="300" width="200" height="300" rx="24" fill="{fg}"/>'
    '<path d="M400 200c30 40 30 70 0 90-30-20-30-50 0-90Z" fill="{fg2}"/>',
    "book": '<path d="M220 230h170v380H220Z" fill="{fg}"/><path d="M410 230h170v380H410Z" fill="{fg2}"/>',
    "cap": '<path d="M220 470a180 180 0 0 1 360 0Z" fill="{fg}"/><path d="M200 470h420v40H200Z" fill="{fg2}"/>',
    "bottle": '<rect x="340" y="190" width="120" height="70" rx="12" fill="{fg2}"/>'
    '<rect x="290" y="250" width="220" height="370" rx="60" fill="{fg}"/>',
}
_PALETTES = [
    ("#f1e6d8", "#c8734a", "#8d4a2b"),
    ("#dfe8e4", "#3d6b5a", "#a7c4b5"),
    ("#e8e4f0", "#5a4e8c", "#c3b8e6"),
    ("#f3e1e1", "#b5485d", "#f0a7b3"),
    ("#e3eaf2", "#2f5d8a", "#9fc1e3"),
    ("#f5efd9", "#b08a2e", "#e3c46f"),
]


def svg_image(kind: str, index: int) -> str:
    bg, fg, fg2 = _PALETTES[index % len(_PALETTES)]
    art = _ART[kind].format(fg=fg, fg2=fg2)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800">'
        f'<rect width="800" height="800" fill="{bg}"/>{art}</svg>'
    )
    return "data:image/svg+xml," + quote(svg, safe=" =:/\"'")


def relative_image(kind: str, index: int) -> str:
    return f"/media/acme/{kind}-{index}.jpg"


def picture(url: str, alt: str) -> dict:
    """A product photo as pages get it (storefront._image)."""
    return {"alt": alt, "width": 800, "height": 800, "src": url, "srcset": None, "webp_srcset": None}


# --- sample contexts ---------------------------------------------------------------------


def sample_shop(**theme) -> dict:
    base_theme = {
        "primary_color": "#1f3a5f",
        "accent_color": "#e4572e",
        "background_color": "#ffffff",
        "text_color": "#1a1a1a",
        "font": "system",
        "announcement": "Free shipping on orders over $50",
        "logo_text": "",
    }
    base_theme.update(theme)
    return {"name": "Acme Goods", "subdomain": "acme", "currency": "USD", "locale": "en", "theme": base_theme}


_PRODUCTS = [
    ("stoneware-mug", "Stoneware Mug", "mug", 2400, 2400),
    ("everyday-tee", "Everyday Organic Cotton Tee", "tee", 2800, 3400),
    ("desk-fern", "Desk Fern in Terracotta", "plant", 3200, 3200),
    ("market-tote", "Market Tote", "bag", 3600, 4200),
    ("cedar-candle", "Cedar & Smoke Candle", "candle", 2200, 2200),
    ("field-notes", "Field Notes, Set of Two", "book", 1400, 1400),
    ("canvas-cap", "Washed Canvas Cap", "cap", 2600, 2600),
    ("steel-bottle", "Insulated Steel Bottle", "bottle", 3000, 3800),
]


def sample_products(image=svg_image, count: int = 8) -> list:
    items = []
    for i in range(count):
        handle, title, kind, lo, hi = _PRODUCTS[i % len(_PRODUCTS)]
        suffix = "" if i < len(_PRODUCTS) else f"-{i}"
        items.append(
            {
                "id": f"prod_{i}",
                "handle": handle + suffix,
                "title": title,
                "description": f"A lovely {title.lower()}.",
                "price_min": lo,
                "price_max": hi,
                "currency": "USD",
                # One product without an image shows the placeholder.
                "image": None if i == 6 else picture(image(kind, i), ""),
            }
        )
    return items


def sample_product(image=svg_image, title: str = "Everyday Organic Cotton Tee") -> dict:
    sizes, colours = ["S", "M", "L", "XL"], ["Ecru", "Navy"]
    stock = {
        ("S", "Ecru"): 12,
        ("M", "Ecru"): 3,
        ("L", "Ecru"): 0,
        ("XL", "Ecru"): 7,
        ("S", "Navy"): 0,
        ("M", "Navy"): 9,
        ("L", "Navy"): 15,
        ("XL", "Navy"): 2,
    }
    variants = []
    for c in colours:
        for s in sizes:
            variants.append(
                {
                    "id": f"var_{s}_{c}".lower(),
                    "sku": f"TEE-{c[:3].upper()}-{s}",
                    "title": f"{s} / {c}",
                    "price": 3400 if s == "XL" else 2800,
                    "currency": "USD",
                    "available": stock[(s, c)],
                    "options": {"Size": s, "Colour": c},
                }
            )
    return {
        "id": "prod_1",
        "handle": "everyday-tee",
        "title": title,
        "description": "Our heavyweight everyday tee, cut from 100% organic cotton and garment-dyed "
        "for a soft, lived-in feel.\n\n"
        "Relaxed fit. Size up for a roomier look.\nMachine wash cold; tumble dry low.\n\n"
        "Made in Portugal in a family-run factory <3 & proud of it.",
        "images": [
            picture(image("tee", 0), "Ecru tee laid flat"),
            picture(image("tee", 4), "Navy tee laid flat"),
            picture(image("tee", 1), ""),
        ],
        "options": [{"name": "Size", "values": sizes}, {"name": "Colour", "values": colours}],
        "variants": variants,
    }


def sample_cart(image=svg_image) -> dict:
    lines = [
        {
            "variant_id": "var_m_navy",
            "product_handle": "everyday-tee",
            "title": "Everyday Organic Cotton Tee",
            "variant_title": "M / Navy",
            "quantity": 2,
            "unit_price": 2800,
            "line_total": 5600,
            "image": picture(image("tee", 4), "Navy tee"),
        },
        {
            "variant_id": "var_mug",
            "product_handle": "stoneware-mug",
            "title": "Stoneware Mug",
            "variant_title": "Default Title",
            "quantity": 1,
            "unit_price": 2400,
            "line_total": 2400,
            "image": picture(image("mug", 0), ""),
        },
        {
            "variant_id": "var_notes",
            "product_handle": "field-notes",
            "title": "Field Notes, Set of Two",
            "variant_title": "Kraft",
            "quantity": 3,
            "unit_price": 1400,
            "line_total": 4200,
            "image": None,
        },
    ]
    return {"id": "cart_7f3a9c", "lines": lines, "subtotal": 12200, "currency": "USD"}


def sample_order() -> dict:
    return {
        "id": "ord_1",
        "number": 1001,
        "email": "sam@example.com",
        "created_at": "2026-05-09T14:32:10Z",
        "financial_status": "paid",
        "fulfillment_status": "unfulfilled",
        "lines": [
            {
                "variant_id": "var_m_navy",
                "title": "Everyday Organic Cotton Tee — M / Navy",
                "quantity": 2,
                "price": 5600,
            },
            {"variant_id": "var_mug", "title": "Stoneware Mug", "quantity": 1, "price": 2400},
        ],
        "subtotal": 8000,
        "discount_total": 800,
        "shipping_total": 500,
        "tax_total": 620,
        "total": 8320,
        "currency": "USD",
    }


def sample_return() -> dict:
    return {
        "order_number": 1001,
        "status": "approved",
        "reason": "Too small",
        "resolution": "refund",
        "currency": "USD",
        "items": [{"title": "Everyday Organic Cotton Tee — M / Navy", "quantity": 1}],
        "expected_refund": 2800,
        "outcome": None,
        "return_shipping_paid_by": "customer",
        "payment_url": None,
        "rejection_reason": None,
        "steps": [
            {"status": "requested", "at": "2026-05-12T10:00:00Z"},
            {"status": "approved", "at": "2026-05-13T09:00:00Z"},
        ],
        "created_at": "2026-05-12T10:00:00Z",
    }


def sample_shipping() -> dict:
    return {
        "currency": "USD",
        "rates": [
            {"name": "Standard", "amount": 500, "countries": ["US"], "free_over": 5000},
            {"name": "International", "amount": 1500, "countries": [], "free_over": None},
        ],
    }


def page_context(shop, base_path: str, page_title: str, **extra) -> dict:
    ctx = {
        "shop": shop,
        "base_path": base_path,
        "root_path": base_path,  # a page in the shop's primary language: its links and its API start alike
        "language": "en",
        "alternates": [],
        "page_title": page_title,
        "meta_description": "",
        "canonical_url": "",
    }
    ctx.update(extra)
    return ctx


def samples(base_path: str = "", image=svg_image) -> dict:
    """name -> (page, context). Every page, plus the interesting variations of each."""
    shop = sample_shop()
    host = "https://acme.example" if not base_path else "https://shops.example" + base_path
    sold_out = sample_product(image)
    for v in sold_out["variants"]:
        v["available"] = 0
    single = {
        "id": "prod_0",
        "handle": "stoneware-mug",
        "title": "Stoneware Mug",
        "description": "Wheel-thrown, 350 ml.",
        "images": [picture(image("mug", 0), "Speckled stoneware mug")],
        "options": [],
        "variants": [
            {
                "id": 101,
                "sku": "MUG-1",
                "title": "Default Title",
                "price": 2400,
                "currency": "USD",
                "available": 40,
                "options": {},
            }
        ],
    }
    return {
        "home": (
            "home",
            page_context(
                shop,
                base_path,
                "Acme Goods",
                meta_description="Small-batch goods for everyday life, made by people who care.",
                canonical_url=host + "/",
                products=sample_products(image),
                next_url=base_path + "/?cursor=eyJrIjoiOCJ9",
            ),
        ),
        "home-empty": (
            "home",
            page_context(sample_shop(announcement=""), base_path, "Acme Goods", products=[], next_url=None),
        ),
        "home-serif": (
            "home",
            page_context(
                sample_shop(
                    primary_color="#f3e9dc",
                    accent_color="#8a2c1d",
                    background_color="#fffaf3",
                    text_color="#2b2118",
                    font="serif",
                    logo_text="ACME & Co.",
                    announcement="",
                ),
                base_path,
                "Acme Goods",
                products=sample_products(image, 6),
                next_url=None,
            ),
        ),
        "product": (
            "product",
            page_context(
                shop,
                base_path,
                "Everyday Organic Cotton Tee · Acme Goods",
                meta_description="Heavyweight organic cotton tee.",
                canonical_url=host + "/products/everyday-tee",
                product=sample_product(image),
            ),
        ),
        "product-soldout": ("product", page_context(shop, base_path, "Sold out · Acme Goods", product=sold_out)),
        "product-single": ("product", page_context(shop, base_path, "Stoneware Mug · Acme Goods", product=single)),
        "cart": (
            "cart",
            page_context(shop, base_path, "Your cart · Acme Goods", cart=sample_cart(image), cart_count=6),
        ),
        "cart-empty": ("cart", page_context(shop, base_path, "Your cart · Acme Goods", cart=None)),
        "not_found": ("not_found", page_context(shop, base_path, "Page not found · Acme Goods")),
        "not_found-noshop": ("not_found", {"shop": None, "page_title": "Shop not found"}),
        "suspended": ("suspended", page_context(shop, base_path, "Acme Goods")),
        "error": (
            "error",
            page_context(
                shop, base_path, "Something went wrong · Acme Goods", message="That discount link has expired."
            ),
        ),
        "order_status": (
            "order_status",
            page_context(shop, base_path, "Order #1001 · Acme Goods", order=sample_order()),
        ),
        "order_status-shipped": (
            "order_status",
            page_context(shop, base_path, "", order=dict(sample_order(), fulfillment_status="fulfilled")),
        ),
        "return_status": ("return_status", page_context(shop, base_path, "", ret=sample_return())),
        "collection": (
            "collection",
            page_context(
                shop,
                base_path,
                "",
                collection={"handle": "all"},
                products=sample_products(image),
                next_url=base_path + "/collections/all?cursor=abc",
                canonical_url=host + "/collections/all",
                shop_url=host,
            ),
        ),
        "search": (
            "search",
            page_context(shop, base_path, "", query="tee", products=sample_products(image, 2), next_url=None),
        ),
        "search-none": ("search", page_context(shop, base_path, "", query="teapot", products=[], next_url=None)),
        "policy-refund": (
            "policy",
            page_context(shop, base_path, "", policy={"kind": "refund", "return_policy": dict(return_policy.DEFAULT)}),
        ),
        "policy-shipping": (
            "policy",
            page_context(shop, base_path, "", policy={"kind": "shipping", "shipping": sample_shipping()}),
        ),
        "policy-privacy": (
            "policy",
            page_context(shop, base_path, "", policy={"kind": "privacy", "text": "We keep your data safe.\n\nAsk us."}),
        ),
    }


def standalone(env: SandboxedEnvironment, theme: str, html: str, context: dict) -> str:
    """The page with its stylesheets inlined, to open from disk."""
    css = (TEMPLATES / "themes" / theme / "assets" / "theme.css").read_text()
    if context.get("shop"):
        css += env.get_template("settings.css").render(settings=context["settings"])
    return re.sub(r'(<link rel="stylesheet" href="[^"]*">\s*)+', lambda _: f"<style>{css}</style>", html, count=1)


def main(argv: list) -> int:
    out = Path(argv[1] if len(argv) > 1 else "/tmp/theme")
    for theme in themes.names():
        env = make_env(theme)
        (out / theme).mkdir(parents=True, exist_ok=True)
        for name, (page, ctx) in samples().items():
            context = copy.deepcopy(ctx)
            html = standalone(env, theme, render(env, page, context), context)
            (out / theme / f"{name}.html").write_text(html, encoding="utf-8")
            print(f"{theme:10} {name:18} {len(html.encode()):>7} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
