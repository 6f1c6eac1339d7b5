"""Comparison groups not randomized (issue 33): overlap weights, balance, the weighted difference and the E-value."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from analysis.errors import InputError
from analysis.stats.weighting import (
    estimate_weighted_difference,
    find_e_value,
    find_standardized_differences,
    fit_overlap_weights,
)
from tests.test_pages import static_tables


@pytest.mark.parametrize(
    ("estimate", "ci", "expected"),
    [
        (np.log(2) / 0.91, (0.1, 1.4), (2 + np.sqrt(2), None)),  # RR 2: E = RR + √(RR(RR − 1))
        (-np.log(3) / 0.91, (-2.0, -0.5), (3 + np.sqrt(6), None)),  # a lower outcome: RR 1/3 read as 3
        (0.4, (-0.2, 1.0), (None, 1.0)),  # a CI that includes 0: the CI's E-value is 1
    ],
)
def test_the_e_value_is_vanderweele_and_dings_closed_form(estimate, ci, expected):
    point, limit = find_e_value(estimate, *ci, sd=1.0)
    if expected[0] is not None:
        assert point == pytest.approx(expected[0], rel=1e-12)
    if expected[1] is not None:
        assert limit == expected[1]
    else:
        nearer = min(abs(ci[0]), abs(ci[1]))
        ratio = np.exp(0.91 * nearer)
        assert limit == pytest.approx(ratio + np.sqrt(ratio * (ratio - 1)), rel=1e-12)


def test_with_one_binary_covariate_the_weighted_difference_is_the_overlap_weighted_mean_of_strata():
    # By hand: the logistic propensity is each stratum's share in the study group, e_s, and the overlap
    # estimand is Σ_s n_s e_s (1 − e_s) (ȳ1s − ȳ0s) / Σ_s n_s e_s (1 − e_s) (Li, Morgan & Zaslavsky 2018).
    rng = np.random.default_rng(1)
    stratum = rng.integers(0, 2, 400)
    treated = rng.random(400) < np.where(stratum == 1, 0.7, 0.3)
    y = 10 + 5 * stratum - 3 * treated + rng.normal(0, 2, 400)
    weights, propensity, _ = fit_overlap_weights(stratum[:, None].astype(float), treated)
    expected_weights, parts = 0.0, 0.0
    for s in (0, 1):
        here = stratum == s
        share = treated[here].mean()
        assert propensity[here] == pytest.approx(share, abs=1e-6)
        tilt = here.sum() * share * (1 - share)
        parts += tilt * (y[here & treated].mean() - y[here & ~treated].mean())
        expected_weights += tilt
    got = estimate_weighted_difference(y, treated, weights)["difference"]
    assert got == pytest.approx(parts / expected_weights, abs=1e-6)


def _select_on_need(rng, n=600, effect=-5.0):
    """Return people whose baseline need makes the study group likelier; the outcome is not linear in need."""
    need = rng.gamma(3.0, 8.0, n)
    age = rng.integers(65, 96, n).astype(float)
    treated = rng.random(n) < 1 / (1 + np.exp(-(-2.0 + 0.08 * need + 0.01 * (age - 80))))
    y = 5 + 0.02 * need**2 + 0.3 * (age - 80) + effect * treated + rng.normal(0, 6, n)  # misspecified: need²
    return np.column_stack([need, age]), treated, y


@pytest.mark.slow
def test_overlap_weights_remove_selection_on_baseline_need_where_the_crude_difference_does_not():
    errors, crude, covered = [], [], []
    for r in range(300):
        x, treated, y = _select_on_need(np.random.default_rng(100 + r))
        weights, _, _ = fit_overlap_weights((x - x.mean(0)) / x.std(0), treated)
        found = estimate_weighted_difference(y, treated, weights)
        errors.append(found["difference"] + 5.0)
        crude.append(y[treated].mean() - y[~treated].mean() + 5.0)
        covered.append(found["ci_low"] <= -5.0 <= found["ci_high"])
        if r == 0:
            assert np.abs(find_standardized_differences(x, treated, weights)).max() < 1e-8
            assert np.abs(find_standardized_differences(x, treated)).max() > 0.5
    assert abs(np.mean(errors)) < 0.5 and np.mean(crude) > 5.0  # the crude one is far off
    assert np.mean(covered) >= 0.92


def test_groups_the_covariates_separate_cannot_be_weighted():
    x = np.r_[np.zeros(20), np.ones(20)][:, None]
    with pytest.raises(InputError) as caught:
        fit_overlap_weights(x, x[:, 0] == 1)
    assert caught.value.sv.startswith("Kan inte skattas")
    with pytest.raises(InputError):
        fit_overlap_weights(np.ones((5, 1)), np.zeros(5, dtype=bool))


TRUE_EFFECT = -5.0  # hours per month, the same for everyone: the overlap population's effect is the effect


@pytest.fixture(scope="module")
def selected_store(tmp_path_factory):
    """A hidden comparison-group study: people with more baseline need joined the study group more often."""
    import datetime as dt

    from test_import import P_COLUMNS, write_csv

    folder = tmp_path_factory.mktemp("groups")
    rng = np.random.default_rng(33)
    n, start = 1500, dt.date(2016, 1, 1)
    need = rng.gamma(3.0, 7.0, n)
    age = rng.integers(65, 96, n)
    female = rng.random(n) < 0.6
    study = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.07 * need + 0.02 * (age - 80))))
    people, hours = [], []
    for i in range(n):
        began = start + dt.timedelta(days=int(rng.integers(0, 180)))
        people.append([f"g{i:05d}", ("control", "intervention")[int(study[i])], began.isoformat(), str(age[i]),
                       "FM"[int(not female[i])], "new", f"{need[i]:.2f}", "", "", "", ""])  # fmt: skip
        for k in range(13):
            month = dt.date(began.year + (began.month - 1 + k) // 12, (began.month - 1 + k) % 12 + 1, 1)
            value = 4 + 0.025 * need[i] ** 2 + 0.2 * (age[i] - 80) + TRUE_EFFECT * study[i] + rng.normal(0, 5)
            hours.append([f"g{i:05d}", month.strftime("%Y-%m"), f"{max(value, 0.0) + 8:.2f}"])
    p_file = write_csv(folder / "p.csv", P_COLUMNS, people)
    h_file = write_csv(folder / "h.csv", ["person_id", "month", "hours"], hours)
    path = folder / "selected.duckdb"
    done = run_cli("import", "--db", str(path), "--study", "grupper", "--participants", str(p_file), "--hours",
                   str(h_file), "--design", "comparison_group", "--data-end", "2017-09-30", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


def test_a_comparison_group_selected_on_need_is_weighted_to_the_truth_with_balance_and_an_e_value(selected_store):
    done = run_cli("compare", "--db", str(selected_store), "--study", "grupper", "--month", "6", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    everyone = next(g for g in out["groups"] if g["age_band"] == "all")
    assert out["design"] == "comparison_group"
    assert abs(everyone["weighted_difference"] - TRUE_EFFECT) < 2.0
    assert everyone["weighted_ci_low"] <= TRUE_EFFECT <= everyone["weighted_ci_high"]
    assert abs(everyone["difference"] - TRUE_EFFECT) > 3.0  # the crude difference is far off
    assert {"covariate", "smd_before", "smd_after"} <= set(out["balance"][0])
    assert max(abs(b["smd_after"]) for b in out["balance"]) < 0.1 < max(abs(b["smd_before"]) for b in out["balance"])
    assert out["e_value"] > 1 and out["e_value_ci"] >= 1


def test_the_crude_difference_of_the_weighted_comparison_is_the_comparisons_own(selected_store):
    from analysis.outcomes.compare import compare_hours
    from analysis.outcomes.groups import compare_weighted_groups
    from analysis.selection import Selection
    from analysis.store import db

    con = db.connect(selected_store)
    weighted = compare_weighted_groups(con, Selection("grupper", month=12))["groups"]
    crude = compare_hours(con, Selection("grupper", month=12)).groups
    con.close()
    pd.testing.assert_series_equal(weighted["difference"], crude["difference"], check_names=False, atol=1e-9)
    assert weighted["n_study"].tolist() == crude["n_intervention"].tolist()


def test_the_comparisons_page_of_a_comparison_group_shows_the_weighted_difference_and_the_balance(
    selected_store, monkeypatch
):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from analysis.present.texts import t

    monkeypatch.setenv("IHR_DB_PATH", str(selected_store))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=120).run()
    at.switch_page("views/comparisons.py").run()
    assert not at.exception and not at.error
    assert t("groups.title", "sv") in [h.value for h in at.subheader]
    assert any(t("design.not_randomized", "sv") == w.value for w in at.warning)
    assert any(t("groups.caveat", "sv") == w.value for w in at.warning)
    texts = [str(table.value.columns.tolist()) for table in [*at.dataframe]] + [
        str(frame.T.columns.tolist()) for frame in static_tables(at)
    ]
    assert any(t("groups.col.smd_after", "sv") in columns for columns in texts)
    at.switch_page("views/overview.py").run()
    assert not at.exception and not at.error
    assert t("groups.title", "sv") in [h.value for h in at.subheader]
    assert t("person.title.group", "sv", months=12).split(":")[0] in " ".join(h.value for h in at.header)


def test_a_comparison_groups_briefing_says_on_its_slides_and_stamp_that_nobody_was_randomized(selected_store):
    from analysis.present.report import build_briefing
    from analysis.present.texts import t
    from analysis.store import db

    con = db.connect(selected_store)
    briefing = build_briefing(con, "grupper", "sv")
    con.close()
    caveat = t("design.not_randomized", "sv")
    assert briefing.slides[0].sentences[0] == caveat
    assert briefing.slides[-1].sentences[0] == t("design.money_caveat", "sv")
    assert "jämförelse med en kontrollgrupp" in dict(briefing.stamp.lines("sv"))["Design"]
    assert "inte lottad" in briefing.subtitle


def test_the_overview_of_a_comparison_group_shows_the_weighted_section_as_the_viewer_layer_does(selected_store):
    from analysis.present.viewer import view_page
    from analysis.selection import Selection
    from analysis.store import db

    con = db.connect(selected_store)
    tables = view_page(con, "overview", Selection("grupper", month=6), 5)
    con.close()
    assert {"weighted", "balance"} <= set(tables) and tables["balance"]["smd_after"].abs().max() < 0.1


def test_a_selection_with_one_group_empty_keeps_the_crude_difference_and_says_why(selected_store, monkeypatch):
    # Review: with nobody of one group in a selection the weights raised, which would have ended the
    # Comparisons page and the compare command mid-way; now the weighted figures are NaN with the reason.
    from analysis.outcomes import groups
    from analysis.selection import Selection
    from analysis.store import db

    real = groups.load_month_values
    monkeypatch.setattr(groups, "load_month_values", lambda *a: real(*a).query("intervention == 1"))  # no controls
    con = db.connect(selected_store)
    found = groups.compare_weighted_groups(con, Selection("grupper", month=6))
    con.close()
    assert found["cannot_estimate"] is not None and found["cannot_estimate"][0].startswith("Kan inte skattas")
    assert found["groups"]["weighted_difference"].isna().all()
    assert found["balance"]["smd_after"].isna().all()
