"""The languages a storefront speaks: which ones the platform has, a shop's own, the gettext catalogues that
translate every theme's and email's text, and the language a page or an email is rendered in.

A shop's languages are a list of tags, its primary first (`["en", "zh-CN"]`). Pages in the primary language
live at the shop's root; every other language under its own path prefix (`/zh-cn/products/...`). The catalogues
are the `.po` files in chalicelib/translations/ (`make messages` extracts and updates them); they are compiled
in memory on first use, so no `.mo` file is kept in git.

What is rendered in which language is one context variable (`speaking`), set around a storefront request or an
email's render: Jinja's gettext, the `money` and `date` filters and the page functions' own text read it, so a
template imported without context (a theme's macros) speaks the page's language too.
"""

import contextlib
import datetime
import functools
import io
from contextvars import ContextVar
from pathlib import Path
from typing import NamedTuple

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from . import money

# Tag -> (Babel's locale, the language's name in itself: what the language switcher shows).
SUPPORTED: dict[str, tuple[str, str]] = {
    "en": ("en", "English"),
    "zh-CN": ("zh_Hans_CN", "简体中文"),
}
SOURCE = "en"  # the language templates and code are written in: its catalogue is the text itself
CATALOGUES = Path(__file__).resolve().parent / "translations"
CATALOGUE_DIRS = {"en": "en", "zh-CN": "zh_CN"}  # gettext's directory names under CATALOGUES


class Page(NamedTuple):
    """The language a render speaks; for a storefront page, where each of the shop's languages starts (absolute,
    on the request's host) and the page's own path below that."""

    language: str
    bases: tuple[tuple[str, str], ...] = ()
    path: str = "/"


_speaking: ContextVar[Page | None] = ContextVar("speaking", default=None)


@contextlib.contextmanager
def speaking(language: str, bases: tuple[tuple[str, str], ...] = (), path: str = "/"):
    """Renders inside speak `language` (one of SUPPORTED); `bases` and `path` as in Page."""
    token = _speaking.set(Page(language, bases, path))
    try:
        yield
    finally:
        _speaking.reset(token)


def current() -> Page:
    """What the render under way speaks; outside any, the source language."""
    return _speaking.get() or Page(SOURCE)


def alternates(paths: dict[str, str] | None = None) -> list[dict]:
    """The page being rendered in each of the shop's languages, [{language, name, url}] (hreflang, the language
    switcher); `paths`, by language, where the page is when its path differs between them (a translated handle).
    None when the shop speaks one language."""
    page = current()
    if len(page.bases) < 2:
        return []
    return [
        {"language": tag, "name": name_of(tag), "url": base + (paths or {}).get(tag, page.path)}
        for tag, base in page.bases
    ]


def of_shop(shop) -> list[str]:
    """The shop's languages, primary first; a shop from before languages speaks its legacy `locale`."""
    stored = [tag for tag in (shop.languages or []) if tag in SUPPORTED] if shop is not None else []
    if stored:
        return stored
    legacy = tag_of(shop.locale) if shop is not None and shop.locale else None
    return [legacy or SOURCE]


def primary(shop) -> str:
    """The shop's primary language: its pages at its root, its products' own words."""
    return of_shop(shop)[0]


def spoken_by(shop, language: str | None) -> str:
    """`language` when the shop speaks it, else the shop's primary (an order placed in a language the shop has
    since dropped, a page that failed before its language was known)."""
    spoken = of_shop(shop)
    return language if language in spoken else spoken[0]


def tag_of(text: str | None) -> str | None:
    """The supported tag a locale or tag names ('zh_CN', 'zh-cn', 'en-US' -> 'zh-CN', 'zh-CN', 'en'), else None."""
    wanted = (text or "").replace("_", "-").lower()
    for tag in SUPPORTED:
        if wanted == tag.lower():
            return tag
    base = wanted.split("-")[0]
    return base if base in SUPPORTED else None


def prefix(shop, language: str) -> str:
    """Where the shop's pages in `language` start below its root: '' for its primary, else '/zh-cn'."""
    return "" if language == primary(shop) else "/" + segment(language)


def root_of(shop, base_path: str, language: str) -> str:
    """The shop's root ('' or '/s/<sub>') of a page's `base_path` in `language`: where its API, stylesheet and
    cookies are, whatever the page's language."""
    return base_path.removesuffix(prefix(shop, language))


def segment(language: str) -> str:
    """The language's path segment: 'zh-cn'."""
    return language.lower()


def from_segment(text: str) -> str | None:
    """The supported language whose path segment `text` is, else None."""
    return next((tag for tag in SUPPORTED if segment(tag) == text), None)


def name_of(language: str) -> str:
    return SUPPORTED[language][1]


def needs_locale_data(name: str) -> bool:
    """Whether Babel's locale file `name` ('zh_Hans_CN', 'fr') serves a supported language (or is the root all
    inherit from): the Lambda package keeps only those (infra/package.py), 1.5 of Babel's 35 MB."""
    return name == "root" or name.split("_")[0] in {babel_id.split("_")[0] for babel_id, _ in SUPPORTED.values()}


def locale_of(language: str) -> Locale:
    return Locale.parse(SUPPORTED.get(language, SUPPORTED[SOURCE])[0])


# Catalogues ----------------------------------------------------------------------------------------------------


def catalogue_path(language: str) -> Path:
    return CATALOGUES / CATALOGUE_DIRS[language] / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str) -> Translations:
    """The language's catalogue, compiled from its .po file once per process."""
    with catalogue_path(language).open("rb") as po:
        catalogue = read_po(po, locale=locale_of(language))
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return translations(current().language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current().language).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return str(translations(current().language).pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current().language).npgettext(context, singular, plural, n)


# Numbers and dates as the language writes them ------------------------------------------------------------------


def format_money(amount: int, currency: str) -> str:
    """An amount in minor units as the render's language writes it (the templates' `money` filter)."""
    return money.format_money(amount, currency, locale_of(current().language))


def format_date(value: str | datetime.date | None, length: str = "medium") -> str:
    """A date (or an ISO timestamp, as records keep them) as the render's language writes it: 'Dec 1, 2026',
    '2026年12月1日' (the templates' `date` filter; `length` one of short, medium, long, full)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _babel_date(value, length, locale=locale_of(current().language))


def install(env) -> None:
    """Gives a Jinja environment gettext (`_()`, `{% trans %}`; newstyle: autoescaped, `%(name)s` filled) and the
    `money` and `date` filters, all in the language being spoken."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
    env.filters["money"] = format_money
    env.filters["date"] = format_date
