"""Exceptions that carry a message for people, in Swedish and English, never with a personnummer in it."""

from __future__ import annotations

import logging
import re
import traceback
import unicodedata

# A personnummer or samordningsnummer as written, once written plainly (canonical_digits): 10 or 12 digits with
# one separator or none before the last four ('-', '+', '.', '/', spaces around it), not part of a longer run of
# digits. WRITTEN_PERSONNUMMER is the shape; a number is "shaped like one" when its date part is a plausible
# date too (shaped_personnummer), whether or not the check digit is right (a mistyped number is masked as well).
WRITTEN_PERSONNUMMER = re.compile(
    r"(?<![0-9])([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2}) *([-+./]?) *([0-9]{3})([0-9])(?![0-9])"
)
MASK = "••••••••-••••"
# Dashes Word and Excel write for a hyphen (en and em dash, minus sign, non-breaking and figure hyphens, …).
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def canonical_digits(text: str) -> str:
    """Return text with every decimal digit as 0-9 (full-width, Arabic-Indic, …) and every dash as '-'.

    Character by character (each one's NFKC form where that is one character, e.g. a full-width slash),
    so the result has the text's length and a match in it is at the same place in the text.
    """
    out = []
    for ch in str(text).translate(_DASHES):
        if ch.isdecimal() and not ch.isascii():
            out.append(str(unicodedata.decimal(ch)))
        else:
            folded = unicodedata.normalize("NFKC", ch)
            out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def plausible_date(century: str | None, yy: str, mm: str, dd: str) -> bool:
    """Return whether YYMMDD (day + 60 for a samordningsnummer) could be a day of birth."""
    month, day = int(mm), int(dd)
    day = day - 60 if day > 60 else day
    return 1 <= month <= 12 and 1 <= day <= 31


def shaped_personnummer(text: str | None) -> list[str]:
    """Return every part of text shaped like a personnummer (plausible date; check digit not tested), canonical."""
    if not text:
        return []
    found = WRITTEN_PERSONNUMMER.finditer(canonical_digits(text))
    return [m.group(0) for m in found if plausible_date(*m.groups()[:4])]


def mask_personnummer(text: str | None) -> str | None:
    """Return ``text`` with everything shaped like a personnummer (valid or not) replaced by a mask.

    The text is read with its digits and dashes written plainly (canonical_digits), so '310714–9878' in
    full-width digits is masked too; ten digits that cannot be a date (1000000000) are left as they are.
    """
    if text is None:
        return None
    text = str(text)
    out, last = [], 0
    for match in WRITTEN_PERSONNUMMER.finditer(canonical_digits(text)):  # the same places in text
        if plausible_date(*match.groups()[:4]):
            out += [text[last : match.start()], MASK]
            last = match.end()
    return "".join([*out, text[last:]])


class MaskPersonnummer(logging.Filter):
    """A logging filter that masks personnummer in a record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message (and traceback text) by their masked forms; keep every record."""
        record.msg, record.args = mask_personnummer(record.getMessage()), None
        if record.exc_info:
            record.exc_text = mask_personnummer("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_personnummer(record.exc_text)
        return True


def mask_logs(*loggers: str) -> None:
    """Mask personnummer in everything the named loggers' handlers (and the root's, and Python's last resort) write."""
    masking = MaskPersonnummer()
    handlers = [logging.lastResort, *logging.getLogger().handlers]
    for name in loggers:
        handlers += logging.getLogger(name).handlers
    for handler in handlers:
        if handler is not None and not any(isinstance(f, MaskPersonnummer) for f in handler.filters):
            handler.addFilter(masking)


class UserFacingError(Exception):
    """An error a user can fix; carries the message in Swedish and English, personnummer masked."""

    def __init__(self, sv: str, en: str) -> None:
        sv, en = mask_personnummer(sv), mask_personnummer(en)
        super().__init__(f"{sv} / {en}")
        self.sv = sv
        self.en = en

    def message(self, lang: str = "sv") -> str:
        """Return the message in the requested language ('sv' or 'en')."""
        return self.en if lang == "en" else self.sv


class InputError(UserFacingError, ValueError):
    """A request or file that cannot be used as given (bad month, bad filter, missing file)."""


class StoreError(UserFacingError, RuntimeError):
    """The database is missing, unreadable or lacks the requested study."""
