"""The gettext catalogs: compiled and current, every translation present and not fuzzy, every key the code asks for."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo

from analysis.present.catalog import LANGUAGES, catalog_path, load_messages, read_source_catalog
from analysis.present.texts import TEXTS, band_label, format_number, format_share, name_covariates

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_is_current(lang):
    compiled = io.BytesIO()
    write_mo(compiled, read_source_catalog(lang))
    assert compiled.getvalue() == catalog_path(lang, ".mo").read_bytes(), "run: pybabel compile -d analysis/locale"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_translation_is_missing_or_fuzzy(lang):
    catalog = read_source_catalog(lang)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 500
    assert not [m.id for m in messages if not m.string], "missing"
    assert not [m.id for m in messages if m.fuzzy], "fuzzy"


def test_both_languages_hold_the_same_keys_with_the_same_placeholders():
    sv, en = ({str(m.id): m.string for m in read_source_catalog(lang) if m.id} for lang in LANGUAGES)
    assert set(sv) == set(en)
    forms = lambda text: text if isinstance(text, tuple) else (text,)  # noqa: E731  plural forms or one text
    fields = lambda text: {name for form in forms(text) for _, name, _, _ in string.Formatter().parse(form) if name}  # noqa: E731
    assert not [key for key in sv if fields(sv[key]) != fields(en[key])]


def test_every_key_the_code_asks_for_is_in_the_catalogs():
    # Babel extracts the literal keys of t("…") calls, as `pybabel extract -k t` would.
    method_map = [("analysis/**.py", "python"), ("views/**.py", "python"), ("dashboard.py", "python")]
    keywords = {"t": None, "tn": None}
    asked = {message for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    asked = {key for key in asked if isinstance(key, str) and re.fullmatch(r"[a-z0-9_.]+", key)}
    assert len(asked) > 200
    assert not sorted(asked - set(TEXTS) - set(load_messages("sv")))


def test_texts_py_holds_no_sentence():
    import ast

    source = (ROOT / "analysis" / "present" / "texts.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and ast.get_docstring(node)
    }
    words = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        if re.search(r"[A-Za-zÅÄÖåäö]{2,}\s+[A-Za-zÅÄÖåäö]{2,}", node.value)
    ]
    assert not words


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "sv", 1, "1\u00a0234,5"),
        (-1234.5, "sv", 1, "\u22121\u00a0234,5"),  # CLDR's Swedish minus sign
        (1234.5, "en", 1, "1,234.5"),
        (0.0005, "sv", 3, "0,000"),  # half to even
        (2.5, "sv", 0, "2"),
        (3.5, "sv", 0, "4"),
        (None, "sv", 1, ".."),
        (float("nan"), "en", 1, ".."),
    ],
)
def test_numbers_by_babel(value, lang, decimals, expected):
    assert format_number(value, lang, decimals) == expected


def test_plural_forms_follow_the_catalog():
    from analysis.present.texts import tn

    assert tn("data.problems", 1, "en", shown=1) == "1 problem; 1 shown."
    assert tn("data.problems", 3, "en", shown=2) == "3 problems; 2 shown."
    assert tn("data.problems", 3, "sv", shown=2) == "3 problem; 2 visas."


def test_shares_and_words_by_the_catalogs():
    assert format_share(0.125, "sv", 1) == "12,5\u00a0%" and format_share(0.125, "en", 1) == "12.5%"
    assert band_label("65-75", "sv") == "65–75 år" and band_label("65-75", "en") == "65–75 years"
    assert name_covariates(("age", "sex", "baseline_hours"), "sv").count(" och ") == 1


def test_a_certain_probability_is_never_printed_as_100_per_cent():
    # Issue 30: the acceptability sentence said "100 %" where the Costs page rightly said "mer än 99 %".
    from analysis.present.texts import read_cost_effectiveness

    row = {"qaly_difference": 0.1, "qaly_ci_low": 0.05, "qaly_ci_high": 0.15, "cost_difference": -1000.0,
           "cost_ci_low": -2000.0, "cost_ci_high": -10.0, "p_cost_effective": {"500000": 1.0}}  # fmt: skip
    assert read_cost_effectiveness("Alla åldrar", row, "sv").endswith("500 000 kr per QALY: mer än 99 %.")
    assert "100 %" not in read_cost_effectiveness("Alla åldrar", row, "sv")


def test_the_no_effect_caveat_is_said_once_per_section():
    # Issue 30: "Det betyder inte att insatsen saknar effekt." appeared five times on one page.
    from analysis.present.texts import read_difference, say_caveat_once

    sentences = [read_difference(band, -2.0, 3.0, "sv", estimate=0.5) for band in ("65–75 år", "76–85 år", "Alla")]
    said = say_caveat_once(sentences, "sv")
    assert sum("saknar effekt" in s for s in sentences) == 3 and sum("saknar effekt" in s for s in said) == 1
    assert said[0] == sentences[0] and all(s.endswith("timmar.") for s in said[1:])
