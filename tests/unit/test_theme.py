"""Every storefront theme: render every page through the storefront's own sandboxed environment of each
theme and check properties a shopper (or a screen reader, or a search engine) depends on."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

_spec = importlib.util.spec_from_file_location(
    "render_theme_samples", Path(__file__).with_name("render_theme_samples.py")
)
samples_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples_mod)
themes = samples_mod.themes

BASE_PATHS = ["", "/s/acme"]
COMMON_ASSETS = samples_mod.TEMPLATES / "themes/_common/assets"
SAMPLE_NAMES = list(samples_mod.samples().keys())
MAX_PAGE_BYTES = 100_000


@pytest.fixture(scope="module", params=themes.names())
def theme(request):
    return request.param


@pytest.fixture(scope="module")
def env(theme):
    return samples_mod.make_env(theme)


@pytest.fixture(scope="module")
def css(theme):
    """What a page of the theme is styled by: the shared stylesheet, then the theme's own."""
    shared = (COMMON_ASSETS / "storefront.css").read_text()
    return shared + (samples_mod.TEMPLATES / "themes" / theme / "assets" / "theme.css").read_text()


def render(env, page, ctx):
    return samples_mod.render(env, page, copy.deepcopy(ctx))


def sample(name, base_path="", image=samples_mod.relative_image):
    page, ctx = samples_mod.samples(base_path, image=image)[name]
    return page, ctx


class Page(HTMLParser):
    """Just enough of a DOM: tags with attributes, label wiring, raw <script>/<style> text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attrs)
        self.ids = []
        self.labels_for = set()
        self.controls = []  # (tag, attrs, inside_label)
        self.raw = []  # (tag, attrs, text) for script and style
        self.text = []
        self._label_depth = 0
        self._current_raw = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append((tag, a, self._label_depth > 0))
        if tag in ("script", "style"):
            self._current_raw = (tag, a, [])

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1
        if self._current_raw and tag == self._current_raw[0]:
            t, a, parts = self._current_raw
            self.raw.append((t, a, "".join(parts)))
            self._current_raw = None

    def handle_data(self, data):
        if self._current_raw:
            self._current_raw[2].append(data)
        else:
            self.text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def scripts(self, type_=None):
        return [text for t, a, text in self.raw if t == "script" and a.get("type") == type_]

    @property
    def visible_text(self):
        return " ".join(" ".join(self.text).split())


def all_pages(env, base_path, image=samples_mod.relative_image):
    for name, (page, ctx) in samples_mod.samples(base_path, image=image).items():
        yield name, render(env, page, ctx)


# --- accessibility ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_html_has_lang_and_landmarks(env, name):
    page, ctx = sample(name)
    doc = Page(render(env, page, ctx))
    html = doc.find("html")
    assert html and html[0].get("lang") == "en"
    assert doc.find("main", id="main"), "main landmark with the skip link's target"
    skip = doc.find("a", class_="skip-link")
    assert skip and skip[0]["href"] == "#main"
    assert doc.find("footer")
    assert len(doc.find("h1")) == 1, "exactly one h1 per page"
    if ctx.get("shop"):
        assert doc.find("header", class_="site-header")


def test_lang_is_the_pages_language(env):
    page, ctx = sample("home")
    ctx["language"] = "zh-CN"
    assert Page(render(env, page, ctx)).find("html")[0]["lang"] == "zh-CN"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_image_has_alt_and_dimensions(env, name):
    page, ctx = sample(name)
    doc = Page(render(env, page, ctx))
    for img in doc.find("img"):
        assert "alt" in img, img
        assert img.get("width") and img.get("height"), f"layout shift: {img}"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_form_control_is_labelled(env, name):
    page, ctx = sample(name)
    doc = Page(render(env, page, ctx))
    for tag, a, inside_label in doc.controls:
        if a.get("type") in ("hidden", "submit", "button", "reset", "image"):
            continue
        labelled = inside_label or a.get("aria-label") or a.get("aria-labelledby") or a.get("id") in doc.labels_for
        assert labelled, f"unlabelled <{tag}> {a}"
    for target in doc.labels_for:
        assert target in doc.ids, f"<label for={target!r}> points at nothing"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_ids_are_unique(env, name):
    page, ctx = sample(name)
    ids = Page(render(env, page, ctx)).ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_css_has_focus_ring_reduced_motion_and_readable_body_text(css):
    assert re.search(r":focus-visible\{outline:3px solid var\(--accent\)", css)
    assert "prefers-reduced-motion:reduce" in css
    body = re.search(r"\nbody\{[^}]*\}", css).group(0)
    size = re.search(r"font-size:([\d.]+)rem", body)
    assert size and float(size.group(1)) >= 1, "body text is at least 16px"


# --- no third-party requests, size --------------------------------------------------------

URL_ATTRS = ("src", "href", "action", "srcset", "poster", "formaction", "data")


@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_no_requests_to_other_hosts(env, theme, base_path):
    for name, html in all_pages(env, base_path):
        doc = Page(html)
        for tag, a in doc.tags:
            for attr in URL_ATTRS:
                value = a.get(attr, "").strip()
                if re.match(r"(?i)(https?:)?//", value):
                    assert tag == "link" and a.get("rel") == "canonical", f"{name}: <{tag} {attr}={value!r}>"
            if tag == "script" and a.get("src"):
                assert a["src"].startswith("/assets/_common/"), f"{name}: script {a['src']}"
            if tag == "link" and a.get("rel") == "stylesheet":
                assert a["href"].startswith(
                    ("/assets/_common/", f"/assets/{theme}/", f"{base_path}/theme-settings.css?")
                ), name
        for tag, a, text in doc.raw:
            if a.get("type") == "application/ld+json":
                continue
            assert not re.search(r"https?://|@import|url\(", text), f"{name}: <{tag}> refers to another resource"


def test_canonical_link(env):
    page, ctx = sample("product")
    canon = Page(render(env, page, ctx)).find("link", rel="canonical")
    assert canon and canon[0]["href"] == ctx["canonical_url"]
    page, ctx = sample("cart")
    assert not Page(render(env, page, ctx)).find("link", rel="canonical")


def _stress_contexts():
    _, home = sample("home")
    home["products"] = samples_mod.sample_products(samples_mod.relative_image, 48)
    _, product = sample("product")
    variants = product["product"]["variants"]
    product["product"]["variants"] = [
        dict(variants[i % len(variants)], id=f"v{i}", title=f"Variant number {i}") for i in range(100)
    ]
    _, cart = sample("cart")
    cart["cart"]["lines"] = [dict(cart["cart"]["lines"][i % 3], variant_id=f"v{i}") for i in range(50)]
    return [("home", home), ("product", product), ("cart", cart)]


@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_pages_stay_under_100kb(env, base_path):
    for name, html in all_pages(env, base_path):
        assert len(html.encode()) < MAX_PAGE_BYTES, name
    for page, ctx in _stress_contexts():
        ctx["base_path"] = base_path
        size = len(render(env, page, ctx).encode())
        assert size < MAX_PAGE_BYTES, f"{page} with a large context: {size} bytes"


@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_pages_carry_no_inline_script_or_style(env, theme, base_path):
    """Storefront pages are cached whole, so their policy has no nonce: it refuses inline script and style
    (chalicelib/security_headers.py). Scripts are files, styles the theme's stylesheet then the shop's settings."""
    for name, html in all_pages(env, base_path):
        doc = Page(html)
        for t, a, _text in doc.raw:
            assert t == "script" and (a.get("src") or a.get("type") == "application/ld+json"), f"{name}: inline <{t}>"
        for tag, a in doc.tags:
            inline = [k for k in a if k == "style" or k.startswith("on")]
            assert not inline, f"{name}: <{tag}> with {inline}"
        sheets = [a["href"].split("?")[0] for a in doc.find("link", rel="stylesheet")]
        settings = [f"{base_path}/theme-settings.css"] if name != "not_found-noshop" else []
        assert sheets == ["/assets/_common/storefront.css", f"/assets/{theme}/theme.css", *settings], name


def test_theme_files_are_plain_and_served_as_written(theme):
    """The theme's files are served as they are: no template syntax left in them."""
    for path in [*(samples_mod.TEMPLATES / "themes" / theme / "assets").iterdir(), *COMMON_ASSETS.iterdir()]:
        assert not re.search(r"\{\{|\{%|\{#", path.read_text()), path.name


# --- base_path ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_path_form_prefixes_every_internal_url(env, name):
    page, ctx = sample(name, "/s/acme")
    html = render(env, page, ctx)
    doc = Page(html)
    urls = [
        a[attr]
        for t, a in doc.tags
        for attr in ("href", "action")
        if attr in a and not (t == "link" and a.get("rel") == "canonical")
    ]
    for url in urls:
        if url.startswith("/assets/"):
            continue  # the theme's own files, the same for every shop and served on every host
        if url.startswith("/"):
            assert url == "/s/acme" or url.startswith(("/s/acme/", "/s/acme?")), f"{name}: {url}"
        else:
            assert url.startswith(("#", "data:")), f"{name}: unexpected URL {url}"
    for _tag, a in doc.tags:
        for key, value in a.items():
            # The URLs a page's script uses ("/items/" etc. are appended to such a base).
            if key.startswith("data-") and value.startswith("/"):
                assert value == "/s/acme" or value.startswith("/s/acme/"), f"{name}: {key}={value}"
    assert html.count("/api/store") == html.count("/s/acme/api/store")
    if ctx.get("shop"):
        assert "/s/acme/" in urls
        if name != "suspended":
            assert "/s/acme/cart" in urls


def test_own_host_links(env):
    page, ctx = sample("product", "")
    doc = Page(render(env, page, ctx))
    hrefs = [a["href"] for a in doc.find("a") if "href" in a]
    assert "/" in hrefs and "/cart" in hrefs
    (form,) = doc.find("form", id="add-to-cart")
    assert form["data-carts-api"] == "/api/store/carts" and form["data-cookie-path"] == "/"


@pytest.mark.parametrize("next_url", ["/s/acme/?cursor=abc", None])
def test_more_products_link(env, next_url):
    """The next page's URL comes whole from storefront (its base path and query in place)."""
    page, ctx = sample("home", "/s/acme")
    ctx["next_url"] = next_url
    links = Page(render(env, page, ctx)).find("a", rel="next")
    assert [a["href"] for a in links] == ([next_url] if next_url else [])


def _form_and_script(env, name: str, form_id: str, script: str):
    """The page's form (its data- attributes) on the path form, once the page is seen to load the theme's
    `script` and nothing else; and the script's text."""
    page, ctx = sample(name, "/s/acme")
    doc = Page(render(env, page, ctx))
    (form,) = doc.find("form", id=form_id)
    assert [a["src"].split("?")[0] for a in doc.find("script") if "src" in a] == [f"/assets/_common/{script}"]
    return form, (COMMON_ASSETS / script).read_text()


def test_product_script_uses_cookie_path_and_api(env):
    form, js = _form_and_script(env, "product", "add-to-cart", "product.js")
    assert form["data-carts-api"] == "/s/acme/api/store/carts"
    assert form["data-cart-page"] == "/s/acme/cart"
    assert form["data-cookie-path"] == "/s/acme"
    assert "const {cartsApi, cartPage, cookiePath} = form.dataset;" in js
    assert "SameSite=Lax" in js
    assert "res.status === 404" in js, "a vanished cart is replaced once"


def test_cart_script_targets_this_cart(env):
    form, js = _form_and_script(env, "cart", "checkout", "cart.js")
    assert form["data-cart-api"] == "/s/acme/api/store/carts/cart_7f3a9c"
    assert form["data-checkouts-api"] == "/s/acme/api/store/checkouts/"
    assert form["data-orders-page"] == "/s/acme/orders/"
    for needle in (
        "const {cartApi, checkoutsApi, ordersPage} = form.dataset;",
        '"PATCH"',
        '"/checkout"',
        "awaiting_payment",
        "payment_url",
        "out_of_stock",
        "500",
    ):
        assert needle in js, needle
    # What it says is the page's, in the page's language.
    assert "someone just bought the last one" in json.loads(form["data-messages"])["out_of_stock"]
    assert "t.out_of_stock" not in js and "const t = JSON.parse(form.dataset.messages);" in js


# --- escaping -----------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"


def test_autoescape_everywhere(env):
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    shop = samples_mod.sample_shop(announcement=XSS, logo_text=XSS)
    shop["name"] = XSS
    cases = []
    page, ctx = sample("product")
    ctx["product"]["title"] = XSS
    ctx["product"]["description"] = XSS + "\n\nsecond <b>para</b>"
    ctx["product"]["variants"][0]["title"] = XSS
    cases.append((page, ctx))
    page, ctx = sample("home")
    ctx["products"][0]["title"] = XSS
    ctx["meta_description"] = XSS
    cases.append((page, ctx))
    page, ctx = sample("cart")
    ctx["cart"]["lines"][0]["title"] = XSS
    cases.append((page, ctx))
    page, ctx = sample("order_status")
    ctx["order"]["lines"][0]["title"] = XSS
    ctx["order"]["email"] = XSS
    cases.append((page, ctx))
    page, ctx = sample("error")
    ctx["message"] = XSS
    cases.append((page, ctx))
    for page, ctx in cases:
        ctx["shop"] = copy.deepcopy(shop)
        ctx["page_title"] = XSS
        html = render(env, page, ctx)
        assert XSS not in html and "<script>alert" not in html, page
        assert escaped in html, page
        assert "<b>" not in html


def product_ld(html: str) -> dict:
    (ld,) = [ld for ld in map(json.loads, Page(html).scripts("application/ld+json")) if ld["@type"] == "Product"]
    return ld


def test_json_ld_is_valid_and_cannot_break_out(env):
    page, ctx = sample("product")
    ctx["product"]["title"] = "Tee </script><script>alert(1)</script>"
    html = render(env, page, ctx)
    lds = Page(html).scripts("application/ld+json")
    assert lds and not any("</script" in text for text in lds)
    ld = product_ld(html)
    assert ld["@type"] == "Product" and ld["name"] == ctx["product"]["title"]
    assert ld["brand"]["name"] == "Acme Goods"
    offers = ld["offers"]
    assert len(offers) == len(ctx["product"]["variants"])
    assert {o["priceCurrency"] for o in offers} == {"USD"}
    assert offers[0]["price"] == "28.00" and offers[3]["price"] == "34.00"
    sold_out = [o for o, v in zip(offers, ctx["product"]["variants"], strict=False) if v["available"] == 0]
    assert sold_out and all(o["availability"] == "https://schema.org/OutOfStock" for o in sold_out)
    assert all(o["url"] == ctx["canonical_url"] for o in offers)


def test_json_ld_zero_decimal_currency(env):
    page, ctx = sample("product")
    for v in ctx["product"]["variants"]:
        v["currency"], v["price"] = "JPY", 3200
    ld = product_ld(render(env, page, ctx))
    assert ld["offers"][0]["price"] == "3200" and ld["offers"][0]["priceCurrency"] == "JPY"


# --- shop-less and status pages -----------------------------------------------------------


def test_unknown_shop_renders_neutral_not_found(env, theme, css):
    html = render(env, "not_found", {"shop": None})
    doc = Page(html)
    assert doc.find("html")[0]["lang"] == "en"
    assert "This shop doesn’t exist" in doc.visible_text
    assert not doc.find("nav") and not doc.find("header")
    sheets = [a["href"].split("?")[0] for a in doc.find("link", rel="stylesheet")]
    assert sheets == ["/assets/_common/storefront.css", f"/assets/{theme}/theme.css"]
    defaults = settings_css(env, themes.get(theme).defaults()).strip()
    assert defaults in css.splitlines(), "the theme's defaults stand in for a shop's settings"
    assert doc.find("meta", name="robots")


@pytest.mark.parametrize("page", ["suspended", "error"])
def test_status_pages_render_without_a_shop(env, page):
    html = render(env, page, {"shop": None, "message": "Bad link"})
    assert Page(html).find("main")


def test_shop_not_found_page_and_suspended(env):
    page, ctx = sample("not_found")
    text = Page(render(env, page, ctx)).visible_text
    assert "couldn’t find that page" in text and "Continue shopping" in text
    page, ctx = sample("suspended")
    doc = Page(render(env, page, ctx))
    assert "temporarily unavailable" in doc.visible_text
    assert not doc.find("nav", class_="site-nav"), "no shopping links while suspended"
    assert "Free shipping" not in doc.visible_text, "no promotions while suspended"
    page, ctx = sample("error")
    assert ctx["message"] in Page(render(env, page, ctx)).visible_text


# --- theme settings -----------------------------------------------------------------------


def settings_css(env, settings: dict) -> str:
    return env.get_template("settings.css").render(settings=settings)


def test_theme_settings_become_css_custom_properties(env, theme):
    settings = themes.get(theme).defaults()
    settings.update(primary_color="#f3e9dc", accent_color="#0b6e4f", background_color="#fffaf3", text_color="#2b2118")
    root = re.search(r":root\{--primary:[^}]*\}", settings_css(env, settings)).group(0)
    for prop in ("--primary:#f3e9dc", "--accent:#0b6e4f", "--bg:#fffaf3", "--text:#2b2118"):
        assert prop in root
    assert "--on-primary:#111111" in root, "dark text on a light primary colour"
    assert "--on-accent:#ffffff" in root
    assert "&#34;" not in root
    fonts = themes.get(theme).fields["font"]["enum"]
    assert len({settings_css(env, {**settings, "font": font}) for font in fonts}) == len(fonts), "each font its own"


def test_default_colours_pick_white_on_navy():
    env = samples_mod.make_env(themes.DEFAULT)
    css = settings_css(env, themes.get(themes.DEFAULT).defaults()).strip()
    assert "--on-primary:#ffffff" in css and "--on-accent:#111111" in css


def test_theme_css_carries_the_themes_default_settings(env, theme, css):
    assert settings_css(env, themes.get(theme).defaults()).strip() in css.splitlines()


def test_logo_text_and_announcement(env):
    page, ctx = sample("home")
    doc = Page(render(env, page, ctx))
    logo = doc.find("a", class_="logo")
    assert logo and "Acme Goods" in render(env, page, ctx)
    assert "Free shipping on orders over $50" in doc.visible_text
    ctx["shop"]["theme"].update(logo_text="ACME & Co.", announcement="")
    html = render(env, page, ctx)
    assert re.search(r'<a class="logo" href="/">\s*ACME &amp; Co.\s*</a>', html)
    assert "announcement" not in "".join(a.get("class", "") for t, a in Page(html).tags)


def test_cart_count_badge_is_optional(env):
    page, ctx = sample("cart")
    assert '6<span class="visually-hidden"> items</span>' in render(env, page, ctx)
    ctx.pop("cart_count")
    assert 'class="count"' not in render(env, page, ctx)


# --- pages --------------------------------------------------------------------------------


def test_home_grid_prices_and_lazy_images(env):
    page, ctx = sample("home")
    html = render(env, page, ctx)
    doc = Page(html)
    cards = doc.find("a", class_="card-link")
    assert [a["href"] for a in cards] == [f"/products/{p['handle']}" for p in ctx["products"]]
    assert "From $28.00" in doc.visible_text and "$24.00" in doc.visible_text
    assert "From $24.00" not in doc.visible_text
    card_imgs = [a for a in doc.find("img") if a.get("loading") == "lazy"]
    assert len(card_imgs) >= len([p for p in ctx["products"] if p["image"]])
    assert html.count('class="placeholder"') == 1


def test_home_empty_state(env):
    page, ctx = sample("home-empty")
    doc = Page(render(env, page, ctx))
    assert "No products yet" in doc.visible_text
    assert not doc.find("ul", class_="product-grid") and not doc.find("a", rel="next")


def test_product_variant_picker(env):
    page, ctx = sample("product", "/s/acme")
    html = render(env, page, ctx)
    doc = Page(html)
    assert doc.find("form", id="add-to-cart")
    (select,) = doc.find("select", id="variant")
    assert select["name"] == "variant_id" and "variant" in doc.labels_for
    (qty,) = doc.find("input", name="quantity")
    assert qty["type"] == "number" and qty["min"] == "1" and qty["value"] == "1" and qty["id"] in doc.labels_for
    options = doc.find("option")
    variants = ctx["product"]["variants"]
    assert len(options) == len(variants)
    for opt, v in zip(options, variants, strict=False):
        assert opt["value"] == v["id"] and json.loads(opt["data-id"]) == v["id"]
        assert opt["data-price"] == env.filters["money"](v["price"], v["currency"])
        assert ("disabled" in opt) == (v["available"] <= 0)
    assert re.search(r"L / Ecru — \$28\.00 — Sold out\s*</option>", html)
    first_available = next(v for v in variants if v["available"] > 0)
    assert [o["value"] for o in options if "selected" in o] == [first_available["id"]]
    (button,) = doc.find("button", id="add-button")
    assert "disabled" not in button and "Add to cart" in html
    status = doc.find("p", id="cart-status")
    assert status and status[0]["aria-live"] == "polite"
    assert doc.find("p", id="price") and "$28.00" in doc.visible_text


def test_product_description_paragraphs_escaped(env):
    page, ctx = sample("product")
    html = render(env, page, ctx)
    assert "<p>Relaxed fit. Size up for a roomier look.<br>Machine wash cold; tumble dry low.</p>" in html
    assert "family-run factory &lt;3 &amp; proud of it." in html


def test_product_numeric_variant_ids_keep_their_type(env):
    page, ctx = sample("product-single")
    doc = Page(render(env, page, ctx))
    (opt,) = doc.find("option")
    assert json.loads(opt["data-id"]) == 101
    field = [a for t, a in doc.tags if t == "div" and "hidden" in a and a.get("class") == "field"]
    assert field, "a single default variant needs no visible picker"


def test_sold_out_product(env):
    page, ctx = sample("product-soldout")
    doc = Page(render(env, page, ctx))
    (button,) = doc.find("button", id="add-button")
    assert "disabled" in button
    assert all("disabled" in o for o in doc.find("option"))
    assert "Sold out" in doc.visible_text


def test_cart_lines_and_checkout_form(env):
    page, ctx = sample("cart", "/s/acme")
    doc = Page(render(env, page, ctx))
    qtys = doc.find("input", class_="input line-qty")
    assert [q["value"] for q in qtys] == ["2", "1", "3"]
    assert len(doc.find("button", class_="button-link line-remove")) == 3
    assert [json.loads(li["data-variant"]) for li in doc.find("li", class_="cart-line")] == [
        "var_m_navy",
        "var_mug",
        "var_notes",
    ]
    assert "$122.00" in doc.visible_text and "$56.00" in doc.visible_text
    for name in ("email", "name", "line1", "city", "postal_code", "country", "discount_code"):
        (control,) = [a for t, a, _ in doc.controls if a.get("name") == name]
        assert control["id"] in doc.labels_for
        assert control.get("aria-describedby") == f"{control['id']}-error"
    assert doc.find("input", name="email")[0]["type"] == "email"
    countries = [a for t, a in doc.tags if t == "option"]
    assert len(countries) >= 12
    assert [o["value"] for o in countries if "selected" in o] == ["US"]
    assert doc.find("p", id="checkout-status")[0]["aria-live"] == "polite"
    assert doc.find("p", id="cart-status")[0]["aria-live"] == "polite"
    assert "Default Title" not in doc.visible_text


@pytest.mark.parametrize("cart", [None, {"id": "c1", "lines": [], "subtotal": 0, "currency": "USD"}])
def test_empty_cart(env, cart):
    page, ctx = sample("cart", "/s/acme")
    ctx["cart"] = cart
    doc = Page(render(env, page, ctx))
    assert "Your cart is empty" in doc.visible_text
    assert "/s/acme/collections/all" in [a.get("href") for a in doc.find("a", class_="button button-primary")]
    assert not doc.find("form", id="checkout") and not doc.scripts()


def test_order_status(env):
    page, ctx = sample("order_status")
    doc = Page(render(env, page, ctx))
    text = doc.visible_text
    for needle in (
        "Thank you!",
        "Order #1001",
        "sam@example.com",
        "May 9, 2026",  # the `date` filter: CLDR's medium date in the page's language
        "Paid",
        "Preparing your order",
        "$80.00",
        "−$8.00",
        "$5.00",
        "$6.20",
        "$83.20",
        "Stoneware Mug",
    ):
        assert needle in text, needle
    assert doc.find("meta", name="robots")
    ctx["order"].update(
        financial_status="partially_refunded", fulfillment_status="on_hold", discount_total=0, tax_total=0
    )
    text = Page(render(env, page, ctx)).visible_text
    assert "Partially refunded" in text and "On hold" in text and "Discount" not in text


def test_order_status_accepts_datetime(env):
    import datetime

    page, ctx = sample("order_status")
    ctx["order"]["created_at"] = datetime.datetime(2026, 1, 3, 9, 0, tzinfo=datetime.UTC)
    assert "Jan 3, 2026" in Page(render(env, page, ctx)).visible_text


def test_sandbox_is_the_real_one(env):
    assert isinstance(env, jinja2.sandbox.SandboxedEnvironment) and env.autoescape is True


def test_minimal_product_renders(env):
    page, ctx = sample("product")
    ctx["product"] = {
        "id": "p9",
        "handle": "plain",
        "title": "Plain thing",
        "description": "",
        "images": [],
        "options": [],
        "variants": [
            {
                "id": "v9",
                "sku": "",
                "title": "Default Title",
                "price": 500,
                "currency": "EUR",
                "available": 1,
                "options": {},
            }
        ],
    }
    doc = Page(render(env, page, ctx))
    assert "Plain thing" in doc.visible_text and env.filters["money"](500, "EUR") in doc.visible_text
    assert not doc.find("img") and not doc.find("div", class_="description")
    assert "Only 1 left" in doc.visible_text
    assert product_ld(render(env, page, ctx))["image"] == []
