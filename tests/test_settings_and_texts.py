import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.present.disclosure import suppress_small
from analysis.present.texts import TEXTS, format_number, format_p, read_difference
from analysis.selection import AgeBand, label_age, parse_band_edges
from analysis.settings import SETTINGS, get_setting
from tests.conftest import read_documentation

README = read_documentation()  # the README and the documentation site's pages


def test_every_setting_is_documented_in_the_readme():
    for setting in SETTINGS:
        assert f"`{setting.name}`" in README, setting.name
        assert f"`{setting.env}`" in README, setting.env


def test_readme_documents_no_unknown_setting():
    documented = set(re.findall(r"^\| `([a-z_]+)` \| `IHR_", README, flags=re.M))
    assert documented == {s.name for s in SETTINGS}


def test_setting_from_environment(monkeypatch):
    monkeypatch.setenv("IHR_SUPPRESSION_THRESHOLD", "10")
    assert get_setting("suppression_threshold") == 10
    monkeypatch.setenv("IHR_SUPPRESSION_THRESHOLD", "tio")
    with pytest.raises(InputError) as err:
        get_setting("suppression_threshold")
    assert "IHR_SUPPRESSION_THRESHOLD" in err.value.en and "tio" in err.value.sv


@pytest.mark.parametrize(
    ("edges", "labels"),
    [
        ("65,76,86,96", ["65-75", "76-85", "86-95"]),
        ("65, 80", ["65-79"]),
        ([60, 65, 76], ["60-64", "65-75"]),
    ],
)
def test_parse_band_edges(edges, labels):
    assert [b.label for b in parse_band_edges(edges)] == labels


@pytest.mark.parametrize("edges", ["65", "65,65", "76,65", "a,b", ""])
def test_bad_band_edges_are_rejected(edges):
    with pytest.raises(InputError):
        parse_band_edges(edges)


@pytest.mark.parametrize(
    ("age", "label"), [(64, None), (65, "65-75"), (75, "65-75"), (76, "76-85"), (95, "86-95"), (96, None)]
)
def test_label_age(age, label):
    assert label_age(age, parse_band_edges("65,76,86,96")) == label


def test_age_band_label():
    assert AgeBand(65, 75).label == "65-75"


def test_every_text_has_both_languages():
    for key, (sv, en) in TEXTS.items():
        assert sv.strip() and en.strip(), key


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "text"),
    [
        (1234.5, "sv", 1, "1\u00a0234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (-3.25, "sv", 2, "\u22123,25"),
        (float("nan"), "sv", 1, ".."),
        (None, "en", 1, ".."),
    ],
)
def test_format_number(value, lang, decimals, text):
    assert format_number(value, lang, decimals) == text


def test_format_p():
    assert format_p(0.0001, "sv") == "< 0,001"
    assert format_p(0.0456, "en") == "0.046"
    assert format_p(0.0456, "en", relation=True) == "= 0.046"
    assert format_p(0.00001, "en", relation=True) == "< 0.001"


@pytest.mark.parametrize(
    ("estimate", "low", "high", "must_contain", "must_not"),
    [
        (-15.0, -19.0, -11.0, "15,0 färre timmar per månad med intensiv hemrehabilitering (95 % KI 11,0 till 19,0)",
         "ingen tydlig"),
        (3.5, 2.0, 5.0, "3,5 fler timmar", "färre"),
        (-0.6, -4.7, 3.5, "ingen tydlig skillnad bland dem som bor kvar hemma: −0,6 timmar", "saknar effekt."),
    ],
)  # fmt: skip
def test_read_difference(estimate, low, high, must_contain, must_not):
    text = read_difference("65–75 år", low, high, "sv", estimate=estimate)
    assert must_contain in text
    if must_not == "saknar effekt.":
        assert "betyder inte att insatsen saknar effekt" in text
    else:
        assert must_not not in text


def test_read_difference_english_never_says_no_effect():
    text = read_difference("All ages", -1.0, 2.0, "en", estimate=0.5)
    assert "no clear difference" in text and "does not mean" in text and "0.5 hours a month" in text


def test_a_hidden_estimate_hides_the_sentence():
    assert "too few" in read_difference("All ages", -1.0, 2.0, "en", estimate=float("nan"))


def test_suppress_small_hides_small_denominators_and_numerators():
    frame = pd.DataFrame({"n": [3, 20, 20], "placed": [0, 2, 8], "share": [0.0, 0.1, 0.4]})
    out = suppress_small(frame, 5, "n", ["n", "placed", "share"], numerators=["placed"])
    assert out["suppressed"].tolist() == [True, True, False]
    assert np.isnan(out.loc[0, "n"]) and np.isnan(out.loc[1, "share"]) and out.loc[2, "share"] == 0.4
    assert frame.loc[0, "n"] == 3  # the input is not changed


def test_hide_complements_closes_subtraction():
    import pandas as pd

    from analysis.present.disclosure import hide_complements

    sizes = pd.Series([3, 10, 12, 25])
    total = pd.Series([False, False, False, True])
    hidden = hide_complements(sizes < 5, sizes, total)
    assert hidden.tolist() == [True, True, False, False]  # the smallest other part goes too
    two = hide_complements(pd.Series([True, False, True, False]), sizes, total)
    assert two.tolist() == [True, False, True, False]  # already two hidden: nothing to add
    no_total = hide_complements(pd.Series([True, False, False, True]), sizes, total)
    assert no_total.tolist() == [True, False, False, True]  # total hidden: nothing to subtract from


def _luminance(hex_colour: str) -> float:
    """Relative luminance as WCAG 2.1 defines it (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_published_values():
    # WCAG's own anchors: black on white is 21:1, white on white 1:1; #767676 on white is the
    # commonly cited 4.54:1 (WebAIM contrast checker).
    assert _contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert _contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert _contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


def test_arm_colours_meet_non_text_contrast_and_differ_by_more_than_colour():
    from views.display import ARM_COLOURS, ARM_DASH, ARM_SYMBOL

    for colour in ARM_COLOURS.values():
        assert _contrast(colour, "#FFFFFF") >= 3.0  # WCAG 2.1 success criterion 1.4.11
    assert len(set(ARM_DASH.values())) == 2 and len(set(ARM_SYMBOL.values())) == 2


def test_no_text_calls_the_hours_comparison_intention_to_treat():
    # Hours in month k compare the people still at home then, a group selected after randomization.
    from analysis.present.texts import TEXTS

    for key, pair in TEXTS.items():
        for text in pair:
            assert "intention to treat" not in text.lower() and "intention-to-treat" not in text.lower(), key
    for line in README.splitlines():
        if "intention to treat" in line.lower() or "intention-to-treat" in line.lower():
            assert "inte intention to treat" in line or "not intention to treat" in line, line


def test_every_cost_input_has_its_unit_and_source_in_english():
    # Issue 16: the cost inputs' units and sources ("SEK/timme", "per år", "SKL, Årets jämförelse…") were Swedish
    # in English mode.
    from analysis.economics.scenario import SOURCES

    for key, source in SOURCES.items():
        assert source.unit_in("en") and source.unit_in("en") != source.unit, key
        assert source.source_in("en") != source.source_in("sv"), key
        assert not any(word in source.source_in("en") for word in ("och", "användarens", "antagande")), key


def test_download_file_names_are_in_the_page_language():
    # Issue 16: every download was named in Swedish in English mode ('timmar_manad24.csv').
    from analysis.present.texts import file_name

    values = {"month": 24, "months": 24, "band": "76-85", "method": "welch", "handling": "zero", "instrument": "eq_vas"}
    swedish_words = [
        "timmar",
        "manad",
        "kon_",
        "andel",
        "personer",
        "jamforelse",
        "kanslighet",
        "tidpunkter",
        "blandad",
        "tabell",
        "flode",
    ]
    swedish_words += ["varden", "sarskilt", "boende", "i_risk", "kostnader", "alla", "matt", "besok", "upprepade"]
    for key in [k.removeprefix("file.") for k in TEXTS if k.startswith("file.") and k != "file.all_ages"]:
        for lang in ("sv", "en"):
            name = file_name(key, lang, **values)
            assert re.fullmatch(r"[a-z0-9_\-]+", name), (key, lang, name)
        assert not any(word in file_name(key, "en", **values) for word in swedish_words), key
    assert file_name("hours_over_time", "sv", band="all") == "timmar_over_tid_alla"
    assert file_name("hours_over_time", "en", band="all") == "hours_over_time_all"


def test_every_download_on_the_pages_is_named_through_file_name():
    # A literal name ('tabell1') in a page would be Swedish in English mode; offer_table/offer_chart and the
    # per-person download take their name from file_name (templates keep their CLI names: participants.csv).
    import ast

    literal = []
    for path in (Path(__file__).resolve().parent.parent / "views").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("offer_table", "offer_chart"):
                name = node.args[1]
                if not (isinstance(name, ast.Call) and getattr(name.func, "id", None) == "file_name"):
                    literal.append(f"{path.name}:{node.lineno}")
    assert not literal, literal
