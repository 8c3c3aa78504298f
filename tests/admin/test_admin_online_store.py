"""The admin's online store: the theme page (switch theme, its settings form drawn from its schema, a preview
beside it) and the template editor (errors by line, preview, publish, versions, rollback, conflicts)."""

from markupsafe import escape

from chalicelib import template_overrides, themes
from tests.support.admin import header


def test_the_theme_page_draws_the_themes_settings_and_a_preview(admin):
    page = admin.get("/admin/store")
    assert page.status_code == 200 and header(page, "cache-control") == "private, no-store"
    for theme in themes.all_themes():
        assert f'value="{theme.name}"' in page.text and str(escape(theme.title)) in page.text
    current = themes.get(themes.DEFAULT)
    for name, spec in current.fields.items():
        assert str(escape(spec["title"])) in page.text, name
    assert 'type="color"' in page.text
    assert '<iframe class="preview-frame" src="http://localhost:8000/s/' in page.text and "preview=" in page.text


def test_switching_theme_and_changing_a_colour(admin, merchant):
    others = [t.name for t in themes.all_themes() if t.name != themes.DEFAULT]
    admin.get("/admin/store")
    if others:
        switched = admin.post("/admin/store/theme", {"name": others[0]})
        assert (switched.status_code, header(switched, "location")) == (303, "/admin/store?notice=theme_switched")
        assert merchant[0].get("/api/admin/shop").json["theme"]["name"] == others[0]
        admin.post("/admin/store/theme", {"name": themes.DEFAULT})
    page = admin.get("/admin/store")
    form = _settings_form(page.text)
    form["theme.settings.primary_color"] = "#aa3300"
    saved = admin.post("/admin/store/settings", form)
    assert saved.status_code == 303, saved.text
    assert merchant[0].get("/api/admin/shop").json["theme"]["settings"]["primary_color"] == "#aa3300"
    [entry, *_] = merchant[0].get("/api/admin/audit?resource_type=shop").json["items"]
    assert (entry["via"], entry["action"]) == ("admin", "admin_shop_update")


def test_a_bad_colour_is_shown_next_to_its_field(admin, merchant):
    page = admin.get("/admin/store")
    form = {**_settings_form(page.text), "theme.settings.primary_color": "red"}
    answer = admin.post("/admin/store/settings", form)
    assert answer.status_code == 400
    assert 'href="#f-theme-settings-primary_color"' in answer.text
    assert 'id="f-theme-settings-primary_color-error"' in answer.text
    assert merchant[0].get("/api/admin/shop").json["theme"]["settings"]["primary_color"] != "red"


def _settings_form(html: str) -> dict:
    """The settings form's current values, as a browser would post them."""
    import re
    from html import unescape

    form = html[html.index('action="/admin/store/settings"') :]
    values = {}
    for name, value in re.findall(
        r'<input id="[^"]*" name="(theme\.settings\.[^"]+)" type="[^"]*" value="([^"]*)"', form
    ):
        values[name] = unescape(value)
    for name, body in re.findall(r'<select id="[^"]*" name="(theme\.settings\.[^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = unescape(chosen[1]) if chosen else ""
    for name, body in re.findall(
        r'<textarea id="[^"]*" name="(theme\.settings\.[^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        values[name] = unescape(body)
    return values


EDITED = '{% extends "base.html" %}{% block content %}<h1>Edited in the admin {{ product.title }}</h1>{% endblock %}'


def test_editing_previewing_publishing_and_rolling_back_a_template(admin, merchant):
    listing = admin.get("/admin/store/templates")
    assert listing.status_code == 200 and 'href="/admin/store/templates/product.html"' in listing.text
    editor = admin.get("/admin/store/templates/product.html")
    assert editor.status_code == 200 and "The theme's version" in editor.text

    saved = admin.post("/admin/store/templates/product.html", {"source": EDITED.replace("\n", "\r\n")})
    assert (saved.status_code, header(saved, "location")) == (
        303,
        "/admin/store/templates/product.html?notice=draft_saved",
    )
    assert "Edited in the admin" in merchant[0].get("/api/admin/theme/templates/product.html").json["source"]
    assert "Unpublished" in admin.get("/admin/store/templates").text

    published = admin.post("/admin/store/publish")
    assert (published.status_code, header(published, "location")) == (
        303,
        "/admin/store/templates?notice=theme_published",
    )
    page = admin.get("/admin/store/templates")
    assert "your version 1 is live" in page.text and "Go back to the theme&#39;s own templates" in page.text

    back = admin.post("/admin/store/rollback", {"version": "0"})
    assert back.status_code == 303
    assert merchant[0].get("/api/admin/theme/versions").json["live_version"] == 0
    actions = [e["action"] for e in merchant[0].get("/api/admin/audit?resource_type=theme_templates").json["items"]]
    assert actions[:3] == ["rollback_theme", "publish_theme", "put_theme_template"]


def test_a_template_error_is_shown_with_its_line_and_the_text_kept(admin, merchant):
    admin.get("/admin/store/templates/product.html")
    broken = '{% extends "base.html" %}\n{% block content %}\n<p onclick="x()">Hi</p>{% endblock %}'
    answer = admin.post("/admin/store/templates/product.html", {"source": broken})
    assert answer.status_code == 400
    assert "product.html line 3" in answer.text and 'href="#f-source"' in answer.text
    assert "&lt;p onclick=&#34;x()&#34;&gt;Hi&lt;/p&gt;" in answer.text  # the merchant's text, as typed
    assert not merchant[0].get("/api/admin/theme/templates/product.html").json["edited"]


def test_a_conflict_with_a_theme_update_shows_both_sides(admin, merchant, monkeypatch):
    admin.get("/admin/store/templates/product.html")
    admin.post("/admin/store/templates/product.html", {"source": EDITED})
    theme = merchant[0].get("/api/admin/theme/templates").json["theme"]
    updated = {**template_overrides.theme_sources(theme), "product.html": "<p>The theme's new product page</p>"}
    monkeypatch.setattr(template_overrides, "theme_sources", lambda name: updated)
    assert "Changed since your edit" in admin.get("/admin/store/templates").text
    page = admin.get("/admin/store/templates/product.html")
    assert "The theme changed this template since you edited it" in page.text
    assert "Edited in the admin" in page.text and "The theme&#39;s new product page" in page.text


def test_nothing_to_publish_is_said_on_the_page(admin):
    admin.get("/admin/store/templates")
    answer = admin.post("/admin/store/publish")
    assert answer.status_code == 409 and "Nothing to publish" in answer.text


def test_the_logo_is_picked_from_the_shops_processed_images(admin, merchant):
    from tests.support import media as uploads

    key = uploads.upload(merchant[0], uploads.photo(400, 200), filename="logo.jpg")
    page = admin.get("/admin/store")
    assert f'<option value="{key}">logo.jpg</option>' in page.text
    form = {**_settings_form(page.text), "theme.settings.logo": key}
    assert admin.post("/admin/store/settings", form).status_code == 303
    assert merchant[0].get("/api/admin/shop").json["theme"]["settings"]["logo"] == key
    assert f'<option value="{key}" selected>logo.jpg</option>' in admin.get("/admin/store").text
