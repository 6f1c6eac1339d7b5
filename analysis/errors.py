"""Exceptions that carry a message for people, in Swedish and English, never with a personnummer in it."""

from __future__ import annotations

import logging
import re
import traceback

# A personnummer or samordningsnummer as written: 10 or 12 digits with '-', '+', a space or nothing before
# the last four, not part of a longer run of digits. Masking takes the shape alone (a mistyped number too).
WRITTEN_PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{8}|\d{6})[-+ ]?\d{4}(?!\d)")
MASK = "••••••••-••••"


def mask_personnummer(text: str | None) -> str | None:
    """Return ``text`` with everything shaped like a personnummer (valid or not) replaced by a mask."""
    if text is None:
        return None
    return WRITTEN_PERSONNUMMER.sub(MASK, str(text))


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
