"""Degenerate data give "cannot be estimated: why" for the row and keep the rest; never a crash or a false number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from analysis.outcomes.comparisons import compare_by_method
from analysis.outcomes.placement import analyze_placement
from analysis.present.texts import describe_hidden
from analysis.selection import Selection
from analysis.stats.methods import (
    ESTIMATORS,
    FIT_FAILED,
    NO_SPREAD,
    NOT_FINITE,
    REASONS,
    TOO_FEW,
    estimate_difference,
)
from analysis.stats.repeated import fit_repeated_measures
from analysis.store import db
from tests.conftest import frame, hours_frame, person, write_tiny_store


def people(n: int = 40, seed: int = 1, **fixed) -> pd.DataFrame:
    """Return one row per person, half in each arm, with the ANCOVA covariates; ``fixed`` columns overwritten."""
    rng = np.random.default_rng(seed)
    values = pd.DataFrame(
        {
            "intervention": np.r_[np.ones(n // 2), np.zeros(n - n // 2)].astype(int),
            "hours": rng.gamma(1.0, 10.0, n),
            "baseline_hours": rng.gamma(1.0, 10.0, n),
            "age": rng.integers(65, 96, n).astype(float),
            "sex": rng.choice(["F", "M"], n),
            "application_type": rng.choice(["new", "extended"], n),
        }
    )
    return values.assign(**fixed)


DEGENERATE = {
    "one person per arm": (people(2), {TOO_FEW}),
    "every value 0": (people(hours=0.0), {NO_SPREAD}),
    "every value equal within each arm": (people().assign(hours=lambda d: 5.0 * d["intervention"]), {NO_SPREAD}),
    "a missing value": (people().assign(hours=lambda d: d["hours"].where(d.index != 3)), {NOT_FINITE}),
    "an infinite covariate": (people().assign(age=lambda d: d["age"].where(d.index != 3, np.inf)), {NOT_FINITE}),
}


@pytest.mark.parametrize("method", sorted(ESTIMATORS))
@pytest.mark.parametrize("case", sorted(DEGENERATE))
def test_every_estimator_says_why_it_cannot_estimate(method, case):
    values, reasons = DEGENERATE[case]
    out = estimate_difference(method, values)
    assert out["cannot_estimate"] in reasons
    assert np.isnan([out["difference"], out["ci_low"], out["ci_high"], out["p_value"]]).all()


SINGULAR = {
    "age constant in the group": people(age=80.0),
    "baseline hours constant": people(baseline_hours=5.0),
    "one sex only": people(sex="F"),
    "age a linear function of baseline hours": people().assign(age=lambda d: 2.0 * d["baseline_hours"] + 65.0),
}


@pytest.mark.parametrize("method", sorted(ESTIMATORS))
@pytest.mark.parametrize("case", sorted(SINGULAR))
def test_a_covariate_that_adds_nothing_is_left_out_and_the_rest_estimated(method, case):
    out = estimate_difference(method, SINGULAR[case])
    assert out["cannot_estimate"] is None
    assert np.isfinite([out["difference"], out["ci_low"], out["ci_high"]]).all()
    assert out["ci_low"] < out["difference"] < out["ci_high"]


@pytest.mark.parametrize(
    ("case", "formula"),
    [
        ("age constant in the group", "hours ~ intervention + baseline_hours + C(sex) + C(application_type)"),
        ("baseline hours constant", "hours ~ intervention + age + C(sex) + C(application_type)"),
        ("one sex only", "hours ~ intervention + baseline_hours + age + C(application_type)"),
    ],
)
def test_ancova_without_the_dropped_covariate_equals_statsmodels_formula(case, formula):
    values = SINGULAR[case]
    out = estimate_difference("ancova", values)
    reference = smf.ols(formula, values).fit(cov_type="HC3", use_t=True)  # the model without the constant column
    assert out["difference"] == pytest.approx(reference.params["intervention"], rel=1e-9)
    assert out["ci_low"] == pytest.approx(reference.conf_int().loc["intervention", 0], rel=1e-9)


def months_of(values: pd.DataFrame, months=(1, 2, 3), seed: int = 2) -> pd.DataFrame:
    """Return person-months with fresh hours per month (so the months are not perfectly correlated)."""
    rng = np.random.default_rng(seed)
    n = len(values)
    base = values.assign(person=np.arange(n))
    return pd.concat([base.assign(month_k=k, hours=rng.gamma(1.0, 10.0, n)) for k in months], ignore_index=True)


def test_the_repeated_model_leaves_a_constant_baseline_out_as_statsmodels_without_it():
    months = months_of(people(baseline_hours=5.0))
    out = fit_repeated_measures(months, [3]).set_index("month")
    assert out["cannot_estimate"].isna().all()
    data = months.assign(month=months["month_k"].astype(int))
    fit = smf.gee("hours ~ C(month) * intervention", "person", data, cov_struct=sm.cov_struct.Exchangeable()).fit()
    at3 = fit.params["intervention"] + fit.params["C(month)[T.3]:intervention"]
    assert out.loc["3", "difference"] == pytest.approx(at3, rel=1e-6)


@pytest.mark.parametrize(
    ("months", "reason"),
    [
        (months_of(people(2)), TOO_FEW),
        (months_of(people(4)).assign(hours=0.0), NO_SPREAD),
        (months_of(people()).assign(hours=np.nan), NOT_FINITE),
        (pd.concat([people(40).assign(person=np.arange(40), month_k=k) for k in (1, 2, 3)]), FIT_FAILED),
    ],
    ids=["one person per arm", "every value 0", "missing hours", "the same hours every month"],
)
def test_the_repeated_model_says_why_for_every_row(months, reason):
    out = fit_repeated_measures(months, [3])
    assert list(out["month"]) == ["3", "average"]
    assert set(out["cannot_estimate"]) == {reason}
    assert out[["difference", "ci_low", "ci_high"]].isna().all().all()


def test_reasons_have_words_in_both_languages():
    rows = pd.DataFrame({"age_band": ["65-75", "all"], "cannot_estimate": [NO_SPREAD, None], "warning": [None, None]})
    assert describe_hidden(rows, "sv") == (
        "Kan inte skattas: 65–75 år (alla har samma värde inom armarna, så ett intervall skulle sakna bredd)."
    )
    assert describe_hidden(rows, "en").startswith("Cannot be estimated: 65–75 years (everyone has the same value")
    for reason in REASONS:
        rows = pd.DataFrame({"month": ["average"], "cannot_estimate": [reason]})
        assert "reason." not in describe_hidden(rows, "sv") and "reason." not in describe_hidden(rows, "en")


def test_a_fit_warning_reaches_the_reader():
    rows = pd.DataFrame({"age_band": ["all"], "cannot_estimate": [None], "warning": ["Maximum iterations reached"]})
    assert describe_hidden(rows, "sv") == "Modellen varnade: Alla åldrar: Maximum iterations reached."


@pytest.fixture
def one_arm_never_placed(tmp_path):
    """A store where the intervention arm of 65–75 has no placement and one control person had every hour equal."""
    rows, hours = [], []
    for i in range(24):
        arm = "intervention" if i % 2 else "control"
        age = 70 if i < 12 else 90
        placed = "2016-06-01" if (arm == "control" or age == 90) and i % 3 == 0 else None
        rows.append(person(f"p{i}", arm=arm, age=age, placed=placed, baseline=float(i % 5)))
        hours += [(f"p{i}", f"2016-{m:02d}", 0.0 if age == 70 else float((i + 2 * m) % 7)) for m in range(1, 13)]
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame(rows), hours_frame(hours))
    return path


def test_placement_with_no_event_in_an_arm_says_why_and_keeps_the_other_bands(one_arm_never_placed):
    con = db.connect(one_arm_never_placed)
    try:
        groups = analyze_placement(con, Selection("tiny").at(12)).groups.set_index("age_band")
    finally:
        con.close()
    assert groups.loc["65-75", "model_cannot_estimate"] == "no_events"
    assert np.isnan(groups.loc["65-75", "hazard_ratio"])
    assert groups.loc["86-95", "model_cannot_estimate"] is None and np.isfinite(groups.loc["86-95", "hazard_ratio"])
    assert "Kan inte skattas: 65–75 år (en arm har inga händelser" in describe_hidden(groups.reset_index(), "sv")


@pytest.mark.slow
@pytest.mark.parametrize("method", ["welch", "bootstrap", "ancova", "anhecova", "standardized", "two-part", "mixed"])
def test_every_comparison_method_keeps_the_bands_it_can_estimate(one_arm_never_placed, method):
    con = db.connect(one_arm_never_placed)
    try:
        groups = compare_by_method(con, Selection("tiny").at(6), method).groups.set_index("age_band")
    finally:
        con.close()
    assert groups.loc["65-75", "cannot_estimate"] == NO_SPREAD  # every hour 0 in 65–75
    assert groups.loc["86-95", "cannot_estimate"] in (None, TOO_FEW, FIT_FAILED)  # 6 per arm: some methods need more
    assert groups.loc["all", "cannot_estimate"] is None and np.isfinite(groups.loc["all", "difference"])


def test_the_bootstraps_own_switch_is_said_in_the_pages_language():
    # The switch to a normal approximation above BOOTSTRAP_BCA_MAX people was shown under the Swedish table as
    # "Modellen varnade: … normal approximation above 5,000 people (bootstrap below)".
    from analysis.stats.methods import BOOTSTRAP_BCA_MAX

    values = people(BOOTSTRAP_BCA_MAX + 2)
    row = estimate_difference("bootstrap", values)
    assert row["warning"].startswith("normal approximation")  # the JSON keeps the words
    rows = pd.DataFrame([{"age_band": "all", **row}])
    said = describe_hidden(rows, "sv")
    assert "normal approximation" not in said and "normalapproximation" in said
