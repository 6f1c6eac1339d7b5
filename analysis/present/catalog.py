"""The words a person reads, from gettext catalogs: analysis/locale/<language>/LC_MESSAGES/messages.po.

Each message's msgid is the key the code asks for (``t("overview.title", lang)``) and its msgstr the text in
that language, with ``{name}`` where the program fills in a value. Translators edit the ``.po`` files with
any gettext tool; ``.mo`` files are compiled from them with Babel (``pybabel compile -d analysis/locale``, or
compile_catalogs below) and committed, and a test fails when one is out of date, a translation is missing or
fuzzy, or a key the code asks for is in no catalog. A new language is a new folder with a translated copy.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("sv", "en")  # Swedish first, English second


def catalog_path(lang: str, suffix: str) -> Path:
    """Return the path of a language's catalog, '.po' or '.mo'."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def read_source_catalog(lang: str) -> Catalog:
    """Return a language's editable catalog (.po), as Babel reads it."""
    with catalog_path(lang, ".po").open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def compile_catalogs() -> None:
    """Compile every language's .po into its .mo (what `pybabel compile` does)."""
    for lang in LANGUAGES:
        with catalog_path(lang, ".mo").open("wb") as handle:
            write_mo(handle, read_source_catalog(lang))


def load_messages(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Return a language's compiled messages from its .mo file: key to text, or to its plural forms (a tuple)."""
    with catalog_path(lang, ".mo").open("rb") as handle:
        catalog = read_mo(handle)
    out = {}
    for message in catalog:
        if message.pluralizable:
            out[message.id[0]] = tuple(message.string)
        elif message.id:
            out[message.id] = message.string
    return out


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """Return a language's compiled catalog as the standard library's gettext reads it (plural rules included)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def load_texts() -> dict[str, tuple[str, str]]:
    """Return every key with its Swedish and English text ('' where a language lacks it); plurals are tn's."""
    sv, en = ({k: v for k, v in load_messages(lang).items() if isinstance(v, str)} for lang in ("sv", "en"))
    return {key: (sv.get(key, ""), en.get(key, "")) for key in [*sv, *(k for k in en if k not in sv)]}
