"""A merchant edits their theme's templates: a draft checked before it is saved, previews behind a signed link,
publishing, versions and rollback; hostile templates refused or cut off, the live storefront always up."""

import re
from urllib.parse import urlsplit

import pytest

from chalicelib import page_samples, template_overrides, tenants, theme_edits, themes
from tests.support.api import product_body, sign_up
from tests.support.clock import later


def edited_product_page(marker: str) -> str:
    return (
        '{% extends "base.html" %}{% block content %}'
        f'<h1 class="edited">{marker} {{{{ product.title }}}}</h1>'
        "{% endblock %}"
    )


@pytest.fixture
def shop(merchant, api):
    """(merchant api, the storefront on the shop's host, a product's handle)."""
    shop_api, signup = merchant
    created = shop_api.post("/api/admin/products", product_body("Linen Shirt"))
    assert created.status_code == 201, created.body
    host = f"{signup['shop']['subdomain']}.localhost:8000"
    return shop_api, api.as_(host=host), created.json["handle"]


def put(merchant, name: str, source: str):
    return merchant.request("PUT", f"/api/admin/theme/templates/{name}", {"source": source})


def saved(merchant, name: str, source: str) -> dict:
    answer = put(merchant, name, source)
    assert answer.status_code == 200, answer.body
    return answer.json


def preview_path(merchant) -> str:
    answer = merchant.post("/api/admin/theme/preview")
    assert answer.status_code == 201, answer.body
    url = urlsplit(answer.json["url"])
    return f"{url.path}?{url.query}"


def test_a_draft_shows_in_its_preview_only_until_published(shop, api):
    merchant, store, handle = shop
    draft = saved(merchant, "product.html", edited_product_page("Draft one"))
    assert draft["edited"] and draft["conflict"] is None and "Draft one" in draft["source"]
    assert "Draft one" not in store.get(f"/products/{handle}").text

    preview = api.as_(host="localhost:8000").get(preview_path(merchant).replace("/?", f"/products/{handle}?"))
    assert preview.status_code == 200
    assert "Draft one Linen Shirt" in preview.text
    assert "theme-preview-bar" in preview.text
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert preview.headers["X-Robots-Tag"] == "noindex"
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    links = re.findall(r'<a\b[^>]*?\bhref="(/[^"]*)"', preview.text)
    assert links and all("preview=" in link for link in links)  # browsing the preview stays in it

    listing = merchant.get("/api/admin/theme/templates").json
    product = next(t for t in listing["items"] if t["name"] == "product.html")
    assert product == {**product, "edited_in_draft": True, "edited_live": False, "unpublished": True}

    published = merchant.post("/api/admin/theme/publish")
    assert published.status_code == 200, published.body
    assert published.json["version"] == 1
    live = store.get(f"/products/{handle}")
    assert live.status_code == 200 and "Draft one Linen Shirt" in live.text
    assert "theme-preview-bar" not in live.text
    assert merchant.post("/api/admin/theme/publish").status_code == 409  # nothing new


def test_publishing_keeps_versions_and_rollback_makes_one_live_again(shop):
    merchant, store, handle = shop
    saved(merchant, "product.html", edited_product_page("First"))
    assert merchant.post("/api/admin/theme/publish").json["version"] == 1
    saved(merchant, "product.html", edited_product_page("Second"))
    assert merchant.post("/api/admin/theme/publish").json["version"] == 2
    assert "Second" in store.get(f"/products/{handle}").text

    back = merchant.post("/api/admin/theme/rollback", {"version": 1})
    assert back.status_code == 200, back.body
    assert "First Linen Shirt" in store.get(f"/products/{handle}").text
    versions = merchant.get("/api/admin/theme/versions").json
    assert [(v["version"], v["live"], v["templates"]) for v in versions["items"]] == [
        (2, False, ["product.html"]),
        (1, True, ["product.html"]),
    ]
    # The draft had nothing unpublished: it follows the rollback, so the editor shows what is live.
    assert "First" in merchant.get("/api/admin/theme/templates/product.html").json["source"]

    assert merchant.post("/api/admin/theme/rollback", {"version": 0}).status_code == 200
    assert "First" not in store.get(f"/products/{handle}").text
    assert merchant.post("/api/admin/theme/rollback", {"version": 7}).status_code == 404


def test_rollback_keeps_unpublished_work_in_the_draft(shop):
    merchant, _store, _handle = shop
    saved(merchant, "product.html", edited_product_page("Live"))
    merchant.post("/api/admin/theme/publish")
    saved(merchant, "product.html", edited_product_page("Work in progress"))
    assert merchant.post("/api/admin/theme/rollback", {"version": 0}).status_code == 200
    assert "Work in progress" in merchant.get("/api/admin/theme/templates/product.html").json["source"]


HOSTILE = {
    "internals": ("\n{{ ''.__class__.__mro__[1].__subclasses__() }}", 2, "is not reachable"),
    "range": (
        "{% extends 'base.html' %}{% block content %}{% for i in range(10**9) %}x{% endfor %}{% endblock %}",
        1,
        "Range too big",
    ),
    "nested loops": (
        "{% extends 'base.html' %}{% block content %}\n"
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endblock %}",
        2,
        "took over",
    ),
    "huge output": (
        "{% extends 'base.html' %}{% block content %}{% for i in range(100000) %}{{ 'x' * 900 }}{% endfor %}"
        "{% endblock %}",
        None,
        "the page is over",
    ),
    "include outside": ("{% include '../../admin/base.html' %}", 1, "is not a template of this theme"),
    "inline script": (
        "{% extends 'base.html' %}{% block content %}\n\n<script>steal()</script>{% endblock %}",
        3,
        "inline <script>",
    ),
    "syntax": ("{% extends 'base.html' %}\n{% block content %}{% for %}{% endblock %}", 2, None),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_template_is_refused_with_its_line_and_the_storefront_stays_up(shop, case):
    merchant, store, handle = shop
    source, line, reason = HOSTILE[case]
    refused = put(merchant, "product.html", source)
    assert refused.status_code == 400, refused.body
    message = refused.json["message"]
    assert message.startswith("source: product.html" + (f" line {line}:" if line else ""))
    assert reason is None or reason in message
    assert refused.json["fields"]["source"]
    assert not merchant.get("/api/admin/theme/templates/product.html").json["edited"]  # nothing saved
    assert store.get(f"/products/{handle}").status_code == 200
    assert store.get("/").status_code == 200


def test_a_template_the_theme_does_not_have_is_not_found(shop):
    merchant, _store, _handle = shop
    assert put(merchant, "settings.css", "x").status_code == 404  # not a page template: not editable
    assert put(merchant, "nope.html", "x").status_code == 404


def test_an_edit_that_fails_live_falls_back_to_the_themes_template(shop, monkeypatch):
    """It rendered every sample page when saved, but one live product trips it: that page answers with the
    theme's own template, never an error."""
    merchant, store, handle = shop
    trap = (
        '{% extends "base.html" %}{% block content %}<h1 class="edited">Trap</h1>'
        "{% if product.title == 'Boom' %}{{ range(100000)|list|join('y' * 100) }}{% endif %}{% endblock %}"
    )
    saved(merchant, "product.html", trap)
    merchant.post("/api/admin/theme/publish")
    boom = merchant.post("/api/admin/products", product_body("Boom")).json
    assert "Trap" in store.get(f"/products/{handle}").text  # the edit is live for every other product
    warned = []
    monkeypatch.setattr(template_overrides.logger, "warning", lambda message, **keys: warned.append(message))
    page = store.get(f"/products/{boom['handle']}")
    assert page.status_code == 200
    assert "Trap" not in page.text and "Boom" in page.text
    assert any("edited template failed" in message for message in warned)


def test_a_theme_update_shows_the_conflict_and_keeps_the_merchants_version(shop, monkeypatch):
    merchant, store, handle = shop
    saved(merchant, "product.html", edited_product_page("Mine"))
    merchant.post("/api/admin/theme/publish")
    theme = merchant.get("/api/admin/theme/templates").json["theme"]
    updated = {**template_overrides.theme_sources(theme), "product.html": "{# the theme's new product page #}"}
    monkeypatch.setattr(template_overrides, "theme_sources", lambda name: updated)

    listing = merchant.get("/api/admin/theme/templates").json
    assert next(t for t in listing["items"] if t["name"] == "product.html")["conflict"] is True
    shown = merchant.get("/api/admin/theme/templates/product.html").json
    assert "Mine" in shown["source"]
    assert shown["conflict"]["theme_source"] == "{# the theme's new product page #}"
    assert "Mine Linen Shirt" in store.get(f"/products/{handle}").text  # never silently dropped

    resolved = saved(merchant, "product.html", edited_product_page("Mine, merged"))
    assert resolved["conflict"] is None


def test_preview_links_are_the_shops_own_and_expire(shop, api, merchant, monkeypatch, new_shop):
    shop_api, store, handle = shop
    saved(shop_api, "product.html", edited_product_page("Secret draft"))
    path = preview_path(shop_api)
    token = re.search(r"preview=([^&]+)", path)[1]

    other, signup = new_shop()
    other_store = api.as_(host=f"{signup['shop']['subdomain']}.localhost:8000")
    assert other_store.get(f"/?preview={token}").status_code == 403
    assert store.get(f"/?preview={token[:-2]}xx").status_code == 403
    assert store.get(f"/products/{handle}?preview={token}").status_code == 200

    later(monkeypatch, theme_edits.PREVIEW_SECONDS + 60)
    expired = store.get(f"/products/{handle}?preview={token}")
    assert expired.status_code == 403 and "Secret draft" not in expired.text


def test_one_shops_templates_never_render_for_another(shop, api, new_shop):
    merchant, store, handle = shop
    saved(merchant, "product.html", edited_product_page("Only for the first shop"))
    merchant.post("/api/admin/theme/publish")

    other, signup = new_shop()
    created = other.post("/api/admin/products", product_body("Other Shirt")).json
    other_store = api.as_(host=f"{signup['shop']['subdomain']}.localhost:8000")
    # The same template, edited by the other shop too: each shop's pages run its own.
    saved(other, "product.html", edited_product_page("Second shop's"))
    other.post("/api/admin/theme/publish")
    page = other_store.get(f"/products/{created['handle']}").text
    assert "Second shop's Other Shirt" in page and "Only for the first shop" not in page
    assert "Only for the first shop Linen Shirt" in store.get(f"/products/{handle}").text


def test_edits_are_audited(shop):
    merchant, _store, _handle = shop
    saved(merchant, "product.html", edited_product_page("Audited"))
    merchant.post("/api/admin/theme/publish")
    merchant.post("/api/admin/theme/rollback", {"version": 0})
    log = merchant.get("/api/admin/audit?resource_type=theme_templates").json["items"]
    assert [e["action"] for e in log][:3] == ["rollback_theme", "publish_theme", "put_theme_template"]


def test_another_merchant_cannot_read_or_publish_a_shops_draft(shop, api):
    merchant, _store, _handle = shop
    saved(merchant, "product.html", edited_product_page("Private"))
    stranger, _ = sign_up(api)
    assert "Private" not in stranger.get("/api/admin/theme/templates/product.html").json["source"]
    assert stranger.post("/api/admin/theme/publish").status_code == 409  # their own draft: nothing in it


@pytest.mark.parametrize("theme", themes.names())
def test_every_page_of_every_theme_renders_in_the_sandbox_as_the_theme_wrote_it(merchant, theme):
    """Edited templates run beside the theme's own in the sandbox: each theme keeps to its rules unedited, so an
    edit is only ever refused for what it changes."""
    shop_api, signup = merchant
    assert shop_api.patch("/api/admin/shop", {"theme": {"name": theme}}).status_code == 200
    shop = tenants.get_shop(signup["shop"]["id"])
    as_written = dict(template_overrides.theme_sources(theme))
    preview = template_overrides.Preview(shop.tenant_id, theme, as_written, strict=True)
    for page, render in page_samples.pages(shop):
        with template_overrides.previewing(preview):
            assert "</html>" in render(), page
