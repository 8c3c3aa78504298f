"""The storefront's themes: each a folder templates/themes/<name>/ with its theme.json (title, version, the
JSON Schema of its settings, the migrations between its versions), its templates and assets; markup every
theme shares lives in templates/themes/_common/.

A shop stores `{"name": <theme>, "settings": {<theme>: {"version": n, "values": {...}, "retired": {...}}}}`:
every theme it has used keeps its own settings, so switching away and back loses nothing. Settings are
migrated to the theme's current version on read; a value the new schema has no place for moves to
"retired" rather than being dropped. The flat shape shops stored before themes had versions
(`{name, primary_color, ...}`) reads as the default theme's version 1.
"""

import functools
import json
from dataclasses import dataclass

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader

from . import media, validation
from .errors import Invalid, NotFound
from .settings import TEMPLATES

DEFAULT = "default"
THEMES_DIR = TEMPLATES / "themes"
COMMON = THEMES_DIR / "_common"
# What emails and the browser's theme-color draw with, whatever the theme: its own value when its schema has
# one, else the default theme's.
BRAND = ("primary_color", "accent_color", "background_color", "text_color", "font", "logo_text")


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    description: str
    version: int
    settings_schema: dict
    migrations: tuple

    @property
    def fields(self) -> dict:
        return self.settings_schema["properties"]

    def defaults(self) -> dict:
        return {field: spec["default"] for field, spec in self.fields.items()}

    def describe(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "version": self.version,
            "settings_schema": self.settings_schema,
        }


def _read(folder) -> Theme:
    spec = json.loads((folder / "theme.json").read_text())
    return Theme(
        name=spec["name"],
        title=spec["title"],
        description=spec["description"],
        version=spec["version"],
        settings_schema=spec["settings_schema"],
        migrations=tuple(sorted(spec.get("migrations", []), key=lambda m: m["to"])),
    )


# The default theme first (what a new shop gets), then the others by name.
_THEMES = {
    theme.name: theme
    for theme in sorted(
        (_read(folder) for folder in THEMES_DIR.iterdir() if (folder / "theme.json").is_file()),
        key=lambda theme: (theme.name != DEFAULT, theme.name),
    )
}


def all_themes() -> list[Theme]:
    return list(_THEMES.values())


def names() -> list[str]:
    return list(_THEMES)


def get(name: str) -> Theme:
    if name not in _THEMES:
        raise NotFound(f"No theme named {name!r}")
    return _THEMES[name]


@functools.cache
def loader(name: str) -> BaseLoader:
    """A theme's templates by their logical names ("base.html"): the theme's own first, then _common's."""
    return ChoiceLoader([FileSystemLoader(str(THEMES_DIR / get(name).name)), FileSystemLoader(str(COMMON))])


def initial() -> dict:
    """What a new shop stores: the default theme, its settings all defaults."""
    return {"name": DEFAULT, "settings": {DEFAULT: {"version": get(DEFAULT).version, "values": {}}}}


def stored(shop) -> dict:
    """The shop's theme in the stored shape (the flat shape read as the default theme's version 1)."""
    raw = shop.theme.as_dict() if hasattr(shop.theme, "as_dict") else dict(shop.theme or {})
    if not raw:
        return initial()
    if "settings" in raw:
        return {"name": raw.get("name") if raw.get("name") in _THEMES else DEFAULT, "settings": raw["settings"]}
    flat = {k: v for k, v in raw.items() if k != "name" and v is not None}
    return {"name": DEFAULT, "settings": {DEFAULT: {"version": 1, "values": _legacy(flat)}}}


def _legacy(flat: dict) -> dict:
    """The flat fields as the default theme's version 1 values (colours were accepted in either case then)."""
    return {k: v.lower() if k.endswith("_color") and isinstance(v, str) else v for k, v in flat.items()}


def migrate(theme: Theme, entry: dict) -> dict:
    """A theme's stored settings brought to its current version: fields renamed and values mapped by each
    migration after the entry's version, then any value the schema has no place for kept under "retired"."""
    values = dict(entry.get("values") or {})
    retired = dict(entry.get("retired") or {})
    for step in theme.migrations:
        if step["to"] <= entry.get("version", 1):
            continue
        for old, new in step.get("rename", {}).items():
            if old in values:
                values[new] = values.pop(old)
        for field, mapping in step.get("values", {}).items():
            if field in values and isinstance(values[field], str | int) and values[field] in mapping:
                values[field] = mapping[values[field]]
    for field in list(values):
        if not _fits(theme, field, values[field]):
            retired[field] = values.pop(field)
    return {"version": theme.version, "values": values, **({"retired": retired} if retired else {})}


def _fits(theme: Theme, field: str, value) -> bool:
    if field not in theme.fields:
        return False
    try:
        validation.check({field: value}, {"type": "object", "properties": {field: theme.fields[field]}})
    except Invalid:
        return False
    return True


def of(shop) -> Theme:
    """The theme `shop` uses (the default one where there is no shop: a page of an unknown shop)."""
    return get(stored(shop)["name"] if shop is not None else DEFAULT)


def settings_of(shop, name: str | None = None) -> dict:
    """The values of the shop's theme (or of theme `name`), migrated and with every default filled in."""
    current = stored(shop) if shop is not None else initial()
    theme = get(name or current["name"])
    entry = current["settings"].get(theme.name) or {"version": theme.version, "values": {}}
    return {**theme.defaults(), **migrate(theme, entry)["values"]}


def brand(shop) -> dict:
    """The colours, font and logo text emails draw with (BRAND), from whichever theme the shop uses."""
    values = settings_of(shop)
    fallback = get(DEFAULT).defaults()
    return {key: values.get(key, fallback[key]) for key in BRAND}


def describe(shop) -> dict:
    """The shop's theme as the admin API answers it."""
    theme = of(shop)
    return {"name": theme.name, "title": theme.title, "version": theme.version, "settings": settings_of(shop)}


def changed(shop, patch: dict) -> dict:
    """The stored theme after a merchant's `{name?, settings?}` (or, for the default theme, the flat fields of
    its version 1); Invalid naming the field when the settings do not fit the theme's schema."""
    current = stored(shop)
    flat = {k: v for k, v in patch.items() if k not in ("name", "settings")}
    if patch.get("name", current["name"]) not in _THEMES:
        raise Invalid(f"theme.name: one of {', '.join(_THEMES)}", {"theme.name": "no such theme"})
    theme = get(patch.get("name", current["name"]))
    if flat and theme.name != DEFAULT:
        field = f"theme.{sorted(flat)[0]}"
        raise Invalid(
            f"{field}: tunes the default theme only; use theme.settings", {field: "not a field of this theme"}
        )
    entry = migrate(theme, current["settings"].get(theme.name) or {"version": theme.version, "values": {}})
    given = migrate(theme, {"version": 1, "values": _legacy(flat)})["values"] if flat else {}
    values = {**entry["values"], **given, **(patch.get("settings") or {})}
    try:
        validation.check(dict(values), theme.settings_schema)  # a copy: the check fills in defaults
    except Invalid as e:
        fields = {f"theme.settings.{k}": v for k, v in e.fields.items()}
        raise Invalid(f"theme.settings.{e.message}", fields) from None
    for field, spec in theme.fields.items():
        if spec.get("format") == "media-key" and values.get(field):
            media.check_key(shop.tenant_id, values[field], f"theme.settings.{field}")
    return {"name": theme.name, "settings": {**current["settings"], theme.name: {**entry, "values": values}}}
