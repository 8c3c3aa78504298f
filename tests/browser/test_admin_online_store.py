"""A merchant tunes their online store in a real browser: switches theme, changes its colour, edits a template,
previews the draft, publishes it and rolls it back; every page axe-clean at both widths and within budget."""

import pytest
import requests

from chalicelib import themes
from tests.support.api import product_body
from tests.support.browser import checked, new_merchant

pytestmark = pytest.mark.browser

EDITED = '{% extends "base.html" %}{% block content %}<h1>Hand-edited {{ product.title }}</h1>{% endblock %}'


def test_switch_theme_change_a_colour_edit_preview_publish_and_roll_back(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())  # the admin's "are you sure?" on publish and rollback
    shop = new_merchant(page, live_server, "/admin/store")
    sub = shop["subdomain"]
    made = requests.post(
        f"{live_server}/api/admin/products",
        json=product_body("Moss Vase"),
        headers={"authorization": f"Bearer {shop['token']}"},
        timeout=30,
    )
    handle = made.json()["handle"]
    checked(page, "admin-store-theme")

    other = next((t for t in themes.all_themes() if t.name != themes.DEFAULT), themes.get(themes.DEFAULT))
    page.check(f"#theme-{other.name}")
    page.click("text=Use this theme")
    page.wait_for_url("**/admin/store?notice=theme_switched")
    assert page.is_checked(f"#theme-{other.name}")
    colour = next(name for name, spec in other.fields.items() if spec.get("format") == "color")
    page.fill(f"#f-theme-settings-{colour}", "#7a2e8c")
    page.click("text=Save settings")
    page.wait_for_url("**/admin/store?notice=saved")
    assert page.input_value(f"#f-theme-settings-{colour}") == "#7a2e8c"
    css = requests.get(f"{live_server}/s/{sub}/theme-settings.css", timeout=30).text
    assert "#7a2e8c" in css

    page.click("text=Edit templates")
    page.wait_for_url("**/admin/store/templates")
    checked(page, "admin-store-templates")
    page.click("a[href='/admin/store/templates/product.html']")
    page.wait_for_url("**/admin/store/templates/product.html")
    page.fill("#f-source", '{% extends "base.html" %}\n{% block content %}\n<p onclick="x()">no</p>{% endblock %}')
    page.click("text=Save draft")
    assert page.locator(".error-summary").is_visible()
    assert "product.html line 3" in page.inner_text(".error-summary")
    checked(page, "admin-store-template-error")
    page.fill("#f-source", EDITED)
    page.click("text=Save draft")
    page.wait_for_url("**/admin/store/templates/product.html?notice=draft_saved")
    checked(page, "admin-store-template-edit")

    preview_url = page.get_attribute("a:has-text('Preview draft')", "href")
    preview = page.context.new_page()
    preview.goto(preview_url.replace(f"/s/{sub}/?", f"/s/{sub}/products/{handle}?"))
    assert "Hand-edited Moss Vase" in preview.inner_text("main")
    assert preview.locator(".theme-preview-bar").is_visible()
    live = requests.get(f"{live_server}/s/{sub}/products/{handle}", timeout=30).text
    assert "Hand-edited" not in live

    page.goto(f"{live_server}/admin/store/templates")
    page.click("text=Publish draft")
    page.wait_for_url("**/admin/store/templates?notice=theme_published")
    assert "Hand-edited Moss Vase" in requests.get(f"{live_server}/s/{sub}/products/{handle}", timeout=30).text
    checked(page, "admin-store-templates-published")

    page.click("text=Go back to the theme's own templates")
    page.wait_for_url("**/admin/store/templates?notice=rolled_back")
    assert "Hand-edited" not in requests.get(f"{live_server}/s/{sub}/products/{handle}", timeout=30).text
    page.goto(preview_url)
    checked(page, "storefront-theme-preview")
