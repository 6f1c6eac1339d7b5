"""Exceptions that carry a message for people, in Swedish and English."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error a user can fix; carries the message in Swedish and English."""

    def __init__(self, sv: str, en: str) -> None:
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
