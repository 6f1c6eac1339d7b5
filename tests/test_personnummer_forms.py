"""Issue 28 item 1: a personnummer in every written form is found, normalised, masked and refused (property tests)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import MASK, InputError, mask_personnummer, shaped_personnummer
from analysis.intake.importer import import_study
from analysis.intake.personnummer import luhn_check_digit, normalize_personnummer
from tests.test_import import write_pair

SEPARATORS = ["-", "+", "", " ", "  ", " - ", "\u2013", "\u2014", "\u2212", "\u2010", ".", "/", "\uff0d"]
DIGITS = {"ascii": "0123456789", "full-width": "０１２３４５６７８９", "arabic-indic": "٠١٢٣٤٥٦٧٨٩"}
TODAY = dt.date(2026, 12, 6)


@st.composite
def numbers(draw):
    """Draw a person's number (birth date, serial, check digit) and one way of writing it."""
    born = draw(st.dates(dt.date(1927, 1, 1), dt.date(2025, 12, 31)))
    serial = f"{draw(st.integers(0, 999)):03d}"
    co = draw(st.booleans())  # samordningsnummer: day + 60
    day = born.day + (60 if co else 0)
    nine = f"{born:%y%m}{day:02d}{serial}"
    check = luhn_check_digit(nine)
    wrong = draw(st.booleans())
    digit = (check + draw(st.integers(1, 9))) % 10 if wrong else check
    century = draw(st.booleans())
    separator = draw(st.sampled_from([s for s in SEPARATORS if s != "+"]))  # '+' means 100 or older
    script = draw(st.sampled_from(list(DIGITS)))
    plain = f"{born.year // 100}{nine}{digit}" if century else f"{nine}{digit}"
    head, tail = plain[:-4], plain[-4:]
    written = "".join(DIGITS[script][int(c)] for c in head) + separator + "".join(DIGITS[script][int(c)] for c in tail)
    expected = None if wrong else f"{born.year}{born:%m}{day:02d}{serial}{digit}"
    return written, expected


@settings(max_examples=400, deadline=None)
@given(numbers(), st.sampled_from(["", "Söder ", "id: "]), st.sampled_from(["", " (flyttad)", ";"]))
def test_every_written_form_is_found_masked_and_normalised(drawn, before, after):
    written, expected = drawn
    text = f"{before}{written}{after}"
    assert shaped_personnummer(text)  # found whatever the form, valid check digit or not
    masked = mask_personnummer(text)
    assert MASK in masked and not any(ch.isdigit() for ch in masked.replace(MASK, ""))
    assert normalize_personnummer(written, TODAY) == expected  # a valid one becomes its 12 digits, else None


@pytest.mark.parametrize(
    "text", ["1000000000", "1000000000.0", "2016-01-15 12.5", "12345678901234", "9913321234", "hours 1e9"]
)
def test_ten_digits_that_cannot_be_a_date_are_not_masked(text):
    # issue 28 item 5: ?example_years=1e9 was shown as "••••••••-••••"
    assert mask_personnummer(text) == text and not shaped_personnummer(text)


@pytest.mark.parametrize("name", ["310714-9878", "studie 310714\u20139878", "３１０７１４９８７８"])
def test_a_study_named_like_a_personnummer_is_refused(tmp_path, name):
    p, h = write_pair(tmp_path)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", name, p, h)
    assert "personnummer" in err.value.message("en") and "9878" not in str(err.value)
    assert not (tmp_path / "s.duckdb").exists()
