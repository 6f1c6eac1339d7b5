import datetime as dt

import pytest

from analysis.errors import StoreError
from analysis.intake.personnummer import luhn_check_digit, normalize_personnummer
from analysis.intake.pseudonym import load_or_create_key, pseudonymize

TODAY = dt.date(2026, 11, 22)


def test_skatteverket_example_check_digit():
    # Skatteverket's worked example: 640823-323 gives check digit 4 (shared/domain.md).
    assert luhn_check_digit("640823323") == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("640823-3234", "196408233234"),
        ("6408233234", "196408233234"),
        ("19640823-3234", "196408233234"),
        ("196408233234", "196408233234"),
        ("640823+3234", "186408233234"),  # '+': a person aged 100 or more
        ("640883-3231", "196408833231"),  # samordningsnummer: day + 60
        (" 640823-3234 ", "196408233234"),
    ],
)
def test_valid_numbers_normalize(text, expected):
    assert normalize_personnummer(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["640823-3235", "641323-3231", "640832-3234", "64082-33234", "abc", "", "640823_3234", "20640823-3230"],
)
def test_invalid_numbers_are_rejected(text):
    assert normalize_personnummer(text, TODAY) is None


def test_ten_digit_century_is_the_latest_not_in_the_future():
    check = luhn_check_digit("250101123")
    assert normalize_personnummer(f"250101-123{check}", TODAY) == f"2025010112{3}{check}"
    check = luhn_check_digit("270101123")
    assert normalize_personnummer(f"270101-123{check}", TODAY) == f"1927010112{3}{check}"


def test_key_is_created_once_with_private_mode(tmp_path):
    path = tmp_path / "sub" / "key"
    key = load_or_create_key(path)
    assert len(key) == 32 and oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_or_create_key(path) == key


def test_damaged_key_is_reported(tmp_path):
    path = tmp_path / "key"
    path.write_text("abcd")
    with pytest.raises(StoreError) as err:
        load_or_create_key(path)
    assert "key" in err.value.en


def test_pseudonyms_are_stable_per_key_and_differ_between_keys():
    a = pseudonymize(["196408233234", "196408833231"], b"k" * 32)
    assert a == pseudonymize(["196408233234", "196408833231"], b"k" * 32)
    assert a[0] != a[1] and a[0].startswith("P") and len(a[0]) == 21
    assert a != pseudonymize(["196408233234", "196408833231"], b"x" * 32)
    assert "196408233234" not in a[0]
