"""The theme registry, settings validation and migrations (chalicelib/themes.py): a shop's settings follow its
theme's schema through version changes, and nothing the merchant set is ever dropped."""

from types import SimpleNamespace

import pytest

from chalicelib import themes
from chalicelib.errors import Invalid, NotFound

DEFAULT = themes.get("default")


def shop(theme):
    return SimpleNamespace(theme=theme)


def test_every_theme_has_a_closed_schema_whose_properties_have_a_title_and_a_valid_default():
    assert len(themes.all_themes()) >= 1 and themes.names()[0] == "default"
    for theme in themes.all_themes():
        schema = theme.settings_schema
        assert schema["type"] == "object" and schema["additionalProperties"] is False, theme.name
        for field, spec in schema["properties"].items():
            assert spec["title"] and "default" in spec, f"{theme.name}.{field}"
        assert themes.migrate(theme, {"version": theme.version, "values": theme.defaults()}) == {
            "version": theme.version,
            "values": theme.defaults(),
        }, f"{theme.name}: its defaults fit its own schema"


def test_an_unknown_theme_is_not_found():
    with pytest.raises(NotFound):
        themes.get("nope")


def test_a_new_shop_and_a_shop_with_no_theme_read_as_the_default_themes_defaults():
    assert themes.settings_of(shop({})) == DEFAULT.defaults()
    assert themes.settings_of(shop(themes.initial())) == DEFAULT.defaults()
    assert themes.settings_of(None) == DEFAULT.defaults()


def test_the_old_flat_shape_reads_as_the_default_themes_first_version_migrated():
    flat = {"name": "default", "primary_color": "#7A1F5C", "announcement": "Sale!", "font": "serif", "logo_text": ""}
    values = themes.settings_of(shop(flat))
    assert values["primary_color"] == "#7a1f5c" and values["font"] == "serif"
    assert values["announcement_text"] == "Sale!" and "announcement" not in values  # renamed in version 2


def test_a_value_the_new_schema_has_no_place_for_is_kept_as_retired():
    entry = {"version": 1, "values": {"primary_color": "#123456", "sparkles": True, "font": "comic-sans"}}
    migrated = themes.migrate(DEFAULT, entry)
    assert migrated["version"] == DEFAULT.version
    assert migrated["values"] == {"primary_color": "#123456"}
    assert migrated["retired"] == {"sparkles": True, "font": "comic-sans"}
    # Retired values stay retired on the next read: migrating twice changes nothing.
    assert themes.migrate(DEFAULT, migrated) == migrated


def test_migrations_map_values_and_rename_fields_in_version_order():
    theme = themes.Theme(
        name="t",
        title="T",
        description="",
        version=3,
        settings_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {"layout": {"title": "Layout", "enum": ["wide", "narrow"], "default": "wide"}},
        },
        migrations=(
            {"to": 2, "rename": {"width": "size"}, "values": {"size": {"full": "wide"}}},
            {"to": 3, "rename": {"size": "layout"}, "values": {}},
        ),
    )
    assert themes.migrate(theme, {"version": 1, "values": {"width": "full"}})["values"] == {"layout": "wide"}
    assert themes.migrate(theme, {"version": 2, "values": {"size": "narrow"}})["values"] == {"layout": "narrow"}


def test_changing_settings_validates_them_against_the_themes_schema_naming_the_field():
    with pytest.raises(Invalid) as e:
        themes.changed(shop({}), {"settings": {"primary_color": "red"}})
    assert list(e.value.fields) == ["theme.settings.primary_color"]
    with pytest.raises(Invalid) as e:
        themes.changed(shop({}), {"settings": {"home_sections": ["hero", "hero"]}})
    assert list(e.value.fields) == ["theme.settings.home_sections"]
    with pytest.raises(Invalid) as e:
        themes.changed(shop({}), {"settings": {"glitter": 1}})
    assert e.value.fields == {"theme.settings.glitter": "is not a known field"}


def test_settings_are_kept_per_theme_across_a_switch_away_and_back():
    other = next((t for t in themes.all_themes() if t.name != "default"), None)
    if other is None:
        pytest.skip("one theme only")
    first = shop(themes.changed(shop({}), {"settings": {"primary_color": "#010203"}}))
    away = shop(themes.changed(first, {"name": other.name}))
    assert themes.stored(away)["name"] == other.name and themes.settings_of(away) == other.defaults()
    back = shop(themes.changed(away, {"name": "default"}))
    assert themes.settings_of(back)["primary_color"] == "#010203"


def test_the_flat_fields_tune_the_default_theme_only():
    changed = themes.changed(shop({}), {"primary_color": "#ABCDEF", "announcement": "Hello"})
    assert changed["settings"]["default"]["values"] == {"primary_color": "#abcdef", "announcement_text": "Hello"}
    other = next((t for t in themes.all_themes() if t.name != "default"), None)
    if other is not None:
        with pytest.raises(Invalid):
            themes.changed(shop({}), {"name": other.name, "primary_color": "#abcdef"})


def test_the_brand_emails_use_comes_from_any_theme_with_the_default_as_fallback():
    assert themes.brand(shop({})) == {k: DEFAULT.defaults()[k] for k in themes.BRAND}
