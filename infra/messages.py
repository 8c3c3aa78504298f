"""`make messages`: extract every gettext string of the storefront, the emails and the platform's pages into
chalicelib/translations/messages.pot, then bring each language's catalogue up to date with it. English is the
language the text is written in: its catalogue takes each message as its own translation. A message new to
another language's catalogue arrives untranslated (tests/unit/test_translations.py says which) and is
translated in its .po file."""

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib import languages  # noqa: E402

SOURCES = ["templates/themes", "templates/emails", "templates/platform", "chalicelib"]
TEMPLATE = languages.CATALOGUES / "messages.pot"
OPTIONS = ["--no-location", "--sort-output", "--width=120"]
# Not Babel's default, which skips directories named _*: the themes' shared templates are in themes/_common.
IGNORED_DIRS = [".*", "__pycache__"]


def main() -> None:
    cli = CommandLineInterface()
    mapping = str(languages.CATALOGUES / "babel.cfg")
    cli.run(
        [
            "pybabel",
            "extract",
            "-F",
            mapping,
            "-k",
            "_",
            f"--ignore-dirs={' '.join(IGNORED_DIRS)}",
            *OPTIONS,
            "--omit-header",
            "-o",
            str(TEMPLATE),
        ]
        + [str(ROOT / s) for s in SOURCES]
    )
    for directory in languages.CATALOGUE_DIRS.values():
        cli.run(
            [
                "pybabel",
                "update",
                "--init-missing",
                "--ignore-obsolete",
                "--no-fuzzy-matching",
                "--width=120",
                "--omit-header",
                "-i",
                str(TEMPLATE),
                "-d",
                str(languages.CATALOGUES),
                "-l",
                directory,
            ]
        )
    _source_is_its_own_translation(languages.catalogue_path(languages.SOURCE))


def _source_is_its_own_translation(path: Path) -> None:
    with path.open("rb") as po:
        catalogue = read_po(po)
    for message in catalogue:
        if message.id and not any(message.string if isinstance(message.string, tuple) else [message.string]):
            message.string = message.id
    with path.open("wb") as po:
        write_po(po, catalogue, width=120, omit_header=True, no_location=True, sort_output=True)


if __name__ == "__main__":
    main()
