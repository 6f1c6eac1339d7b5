"""Swedish personnummer and samordningsnummer: normalisation and validation (Skatteverket's rules)."""

from __future__ import annotations

import datetime as dt
import re

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


def luhn_check_digit(nine_digits: str) -> int:
    """Return the Luhn check digit over YYMMDDNNN with weights 2, 1, 2, 1, … (Skatteverket)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def normalize_personnummer(text: str, today: dt.date | None = None) -> str | None:
    """Return the 12-digit form YYYYMMDDNNNC of a valid personnummer or samordningsnummer, else None.

    Accepts 10 or 12 digits with or without '-' or '+' (the '+' marks a person aged 100 or more).
    For 10 digits the century is the latest that does not put the birth date after ``today`` (or
    100 years earlier with '+'). Samordningsnummer carry the day of birth plus 60.

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
    match = _PATTERN.match(str(text).strip().replace(" ", ""))
    if not match:
        return None
    century, yy, mm, dd, sep, serial, check = match.groups()
    if luhn_check_digit(f"{yy}{mm}{dd}{serial}") != int(check):
        return None
    day = int(dd) - 60 if int(dd) > 60 else int(dd)
    today = today or dt.date.today()
    if century is None:
        year = (today.year // 100) * 100 + int(yy)
        if year > today.year:
            year -= 100
        if sep == "+":
            year -= 100
    else:
        year = int(century + yy)
    try:
        born = dt.date(year, int(mm), day)
    except ValueError:
        return None
    if born > today:
        return None
    return f"{year:04d}{mm}{dd}{serial}{check}"


def looks_like_personnummer(text: str) -> bool:
    """Return True when text is a valid personnummer or samordningsnummer (used to catch misplaced ones)."""
    return normalize_personnummer(text) is not None
