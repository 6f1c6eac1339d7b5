"""Swedish personnummer and samordningsnummer: normalisation, validation, finding and masking (Skatteverket)."""

from __future__ import annotations

import datetime as dt
import re

from analysis.errors import (
    MASK,
    WRITTEN_PERSONNUMMER,
    canonical_digits,
    mask_personnummer,
    shaped_personnummer,
)

__all__ = [
    "MASK",
    "find_personnummer",
    "luhn_check_digit",
    "mask_personnummer",
    "normalize_personnummer",
    "shaped_personnummer",
]

# 10 or 12 digits with one separator or none before the last four ('+' means 100 or older; '-', '.', '/' and
# spaces read as '-'), once every digit and dash is written plainly (errors.canonical_digits).
_PATTERN = re.compile(r"^([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2}) *([-+./]?) *([0-9]{3})([0-9])$")


def luhn_check_digit(nine_digits: str) -> int:
    """Return the Luhn check digit over YYMMDDNNN with weights 2, 1, 2, 1, … (Skatteverket)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _birth_date(year: int, month: int, day: int) -> dt.date | None:
    """Return the date, or None when it does not exist."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def normalize_personnummer(text: str, today: dt.date | None = None) -> str | None:
    """Return the 12-digit form YYYYMMDDNNNC of a valid personnummer or samordningsnummer, else None.

    Accepts 10 or 12 digits in any script (full-width too) with '-', '+', an en or em dash, a minus sign, '.',
    '/', spaces or nothing before the last four (errors.canonical_digits). For 10 digits the
    century follows Skatteverket's rule on the full date: the person is under 100 on ``today`` ('-' or
    nothing: the latest birth date not after today) or 100 or older ('+': that date 100 years earlier).
    Samordningsnummer carry the day of birth plus 60.

    Parameters
    ----------
    text : str
        The number as written.
    today : date, optional
        Reference day for the century of 10-digit numbers (default: today).

    Returns
    -------
    str or None

    """
    match = _PATTERN.match(canonical_digits(str(text)).strip())
    if not match:
        return None
    century, yy, mm, dd, sep, serial, check = match.groups()
    if luhn_check_digit(f"{yy}{mm}{dd}{serial}") != int(check):
        return None
    day = int(dd) - 60 if int(dd) > 60 else int(dd)
    today = today or dt.date.today()
    if century is None:
        year = (today.year // 100) * 100 + int(yy)
        born = _birth_date(year, int(mm), day)
        if born is None or born > today:
            year -= 100  # the latest date not after today (a 29 February missing this century is in the last)
        if sep == "+":
            year -= 100
    else:
        year = int(century + yy)
    born = _birth_date(year, int(mm), day)
    if born is None or born > today:
        return None
    return f"{year:04d}{mm}{dd}{serial}{check}"


def find_personnummer(text: str | None) -> list[str]:
    """Return every valid personnummer or samordningsnummer written anywhere in ``text`` (digits written plainly)."""
    if not text:
        return []
    found = (m.group(0) for m in WRITTEN_PERSONNUMMER.finditer(canonical_digits(str(text))))
    return [m for m in found if normalize_personnummer(m) is not None]
