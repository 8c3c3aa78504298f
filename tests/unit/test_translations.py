"""The gettext catalogues: every message the storefront, the emails and the platform's pages say is in them, and
every language the platform offers translates all of it (`make messages` extracts and updates; translators fill
in what the failures list)."""

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from chalicelib import languages
from infra import messages

PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d")


def _catalogue(language: str) -> Catalog:
    with languages.catalogue_path(language).open("rb") as po:
        return read_po(po, locale=languages.locale_of(language))


def _said() -> set[str]:
    """Every message the sources say now, extracted as `make messages` extracts it."""
    with (languages.CATALOGUES / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message[0] if isinstance(message, tuple) else message
        for source in messages.SOURCES
        for _file, _line, message, _comments, _context in extract_from_dir(
            messages.ROOT / source,
            method_map,
            options_map,
            keywords={**DEFAULT_KEYWORDS, "_": None},
            directory_filter=lambda path: not any(fnmatch(Path(path).name, p) for p in messages.IGNORED_DIRS),
        )
    }


def _ids(catalogue: Catalog) -> set[str]:
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}


@pytest.mark.parametrize("language", list(languages.SUPPORTED))
def test_every_message_the_sources_say_is_in_the_catalogue(language):
    missing = _said() - _ids(_catalogue(language))
    assert not missing, f"run `make messages`, then translate: {sorted(missing)[:20]}"


@pytest.mark.parametrize("language", list(languages.SUPPORTED))
def test_every_message_is_translated_keeping_its_placeholders(language):
    untranslated, broken = [], []
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(ids[0])
        elif any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(ids[-1])) for s in strings):
            broken.append(ids[0])
    assert not untranslated, f"{language}: translate {untranslated[:20]}"
    assert not broken, f"{language}: keep the %(name)s placeholders of {broken[:20]}"


def test_the_page_speaks_the_language_it_is_rendered_in():
    with languages.speaking("zh-CN"):
        assert languages.gettext("Page not found") == "找不到页面"
        assert languages.format_money(1999, "CNY") == "¥19.99"
        assert languages.format_date("2026-12-01T08:00:00Z") == "2026年12月1日"
    assert languages.gettext("Page not found") == "Page not found"
    assert languages.format_date("2026-12-01T08:00:00Z", "long") == "December 1, 2026"


@pytest.mark.parametrize(
    "text, tag",
    [("zh_CN", "zh-CN"), ("zh-cn", "zh-CN"), ("en-US", "en"), ("en", "en"), ("fr", None), ("", None), (None, None)],
)
def test_a_legacy_locale_names_its_language(text, tag):
    assert languages.tag_of(text) == tag


def test_the_locale_data_the_package_keeps_is_all_each_language_needs(tmp_path, monkeypatch):
    import shutil

    from babel import localedata

    kept = [p for p in Path(localedata._dirname).glob("*.dat") if languages.needs_locale_data(p.stem)]
    assert len(kept) < 200  # of Babel's 1,100 or so
    for path in kept:
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(localedata, "_dirname", str(tmp_path))
    monkeypatch.setattr(localedata, "_cache", {})
    for language in languages.SUPPORTED:
        with languages.speaking(language):
            assert languages.format_money(123456, "EUR") and languages.format_date("2026-12-01T08:00:00Z")
