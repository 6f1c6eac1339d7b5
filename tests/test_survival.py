"""Survival estimators against lifelines, statsmodels, a textbook Cox result and simulations."""

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter, CoxTimeVaryingFitter, KaplanMeierFitter
from lifelines.datasets import load_rossi
from statsmodels.duration.hazard_regression import PHReg

from analysis.stats.survival import (
    _censoring_survival_before,
    estimate_cuminc,
    estimate_km_complement,
    fit_cox,
    fit_fine_gray,
    value_at,
)


def competing_data(seed, n=300, scale_1=10.0, scale_2=8.0, censor=15.0, hr=1.0):
    rng = np.random.default_rng(seed)
    group = (rng.random(n) < 0.5).astype(int)
    t1 = rng.exponential(scale_1, n) / np.where(group == 1, hr, 1.0)
    t2 = rng.exponential(scale_2, n)
    c = rng.exponential(censor, n)
    time = np.minimum.reduce([t1, t2, c])
    event = np.select([time == t1, time == t2], [1, 2], 0)
    return time, event, group


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aalen_johansen_matches_lifelines(seed):
    time, event, _ = competing_data(seed)  # continuous times: lifelines needs no jitter
    ours = estimate_cuminc(time, event, 1).set_index("time")
    aj = AalenJohansenFitter(calculate_variance=True).fit(time, event, event_of_interest=1)
    ref = aj.cumulative_density_.iloc[:, 0].reindex(ours.index)
    np.testing.assert_allclose(ours["cuminc"], ref, atol=1e-12)
    bounds = aj.confidence_interval_cumulative_density_.reindex(ours.index)
    lo, hi = bounds.min(axis=1), bounds.max(axis=1)  # lifelines' column labels are swapped
    keep = ours["cuminc"] > 0
    np.testing.assert_allclose(ours.loc[keep, "ci_low"], lo[keep], atol=1e-12)
    np.testing.assert_allclose(ours.loc[keep, "ci_high"], hi[keep], atol=1e-12)


def test_aalen_johansen_handles_ties_by_hand():
    # Times 1,1,2,3 with events placement, death, placement, censored. At t=1: n=4, one of each cause:
    # F(1) = 1/4. S(1) = 2/4. At t=2: n=2, one placement: F(2) = 1/4 + (1/2)(1/2) = 1/2.
    curve = estimate_cuminc([1, 1, 2, 3], [1, 2, 1, 0], 1)
    assert curve["cuminc"].tolist() == [0.25, 0.5, 0.5]
    assert curve["at_risk"].tolist() == [4, 2, 1]


def test_cuminc_equals_one_minus_km_when_nobody_dies():
    time, event, _ = competing_data(4)
    event = np.where(event == 2, 0, event)
    ours = estimate_cuminc(time, event, 1).set_index("time")["cuminc"]
    km = KaplanMeierFitter().fit(time, event == 1).survival_function_.iloc[:, 0]
    np.testing.assert_allclose(ours, 1 - km.reindex(ours.index), atol=1e-12)


def test_cuminc_falls_below_one_minus_km_when_many_die():
    time, event, _ = competing_data(5, scale_2=2.0)  # deaths far more frequent than placements
    ours = estimate_cuminc(time, event, 1)
    km = estimate_km_complement(time, event, 1)
    end = time.max()
    assert (
        value_at(ours, end)["cuminc"]
        < value_at(km.rename(columns={"one_minus_km": "cuminc"}), end, ("cuminc",))["cuminc"] - 0.05
    )


def test_value_at_steps():
    curve = pd.DataFrame(
        {"time": [1.0, 5.0], "cuminc": [0.1, 0.3], "se": [0.01, 0.02], "ci_low": [0, 0], "ci_high": [1, 1]}
    )
    assert value_at(curve, 0.5)["cuminc"] == 0.0
    assert value_at(curve, 4.9)["cuminc"] == 0.1
    assert value_at(curve, 5.0)["cuminc"] == 0.3


def test_cox_textbook_rossi():
    # Fox J. & Weisberg S. (2011), "Cox Proportional-Hazards Regression for Survival Data in R", appendix to
    # An R Companion to Applied Regression, 2nd ed.: recidivism data (Rossi et al. 1980), coxph(Surv(week, arrest)
    # ~ fin + age + race + wexp + mar + paro + prio): fin coef -0.37942 (se 0.19138), age -0.05744 (0.02200),
    # prio 0.09150 (0.02865).
    rossi = load_rossi()
    table = fit_cox(rossi, "week", "arrest", ["fin", "age", "race", "wexp", "mar", "paro", "prio"])
    assert table.loc["fin", "coef"] == pytest.approx(-0.37942, abs=5e-5)
    assert table.loc["fin", "se"] == pytest.approx(0.19138, abs=5e-5)
    assert table.loc["age", "coef"] == pytest.approx(-0.05744, abs=5e-5)
    assert table.loc["prio", "coef"] == pytest.approx(0.09150, abs=5e-5)
    assert table.loc["fin", "hazard_ratio"] == pytest.approx(np.exp(-0.37942), abs=1e-4)
    # The same source reports the proportional-hazards test flags age (p = 0.007) but not fin (p = 0.63)
    # with cox.zph's KM transform; lifelines' rank transform gives the same verdict.
    assert table.loc["age", "ph_p_value"] < 0.05 < table.loc["fin", "ph_p_value"]


def test_cox_matches_statsmodels_phreg():
    time, event, group = competing_data(6, n=500, hr=2.0)
    frame = pd.DataFrame({"time": time, "placed": (event == 1).astype(int), "intervention": group})
    ours = fit_cox(frame, "time", "placed", ["intervention"]).loc["intervention"]
    ref = PHReg(frame["time"], frame[["intervention"]], status=frame["placed"], ties="efron").fit()
    assert ours["coef"] == pytest.approx(ref.params[0], abs=1e-5)
    assert ours["se"] == pytest.approx(ref.bse[0], abs=1e-5)
    assert ours["p_value"] == pytest.approx(ref.pvalues[0], rel=1e-3)


def test_fine_gray_without_competing_events_is_cox():
    time, event, group = competing_data(7, hr=0.5)
    event = np.where(event == 2, 0, event)
    fg = fit_fine_gray(time, event, group, n_boot=0)
    frame = pd.DataFrame({"time": time, "e": event, "g": group})
    cox = fit_cox(frame, "time", "e", ["g"]).loc["g"]  # no ties: Efron = Breslow
    assert fg["coef"] == pytest.approx(cox["coef"], abs=1e-5)
    assert fg["se_model"] == pytest.approx(cox["se"], abs=1e-5)


@pytest.mark.parametrize("seed", [8, 9])
def test_fine_gray_equals_weighted_cox_on_expanded_data(seed):
    # Independent path: expand people with a competing event into intervals after it with weights
    # G(t-)/G(T-) (as R's survival::finegray does), and fit lifelines' weighted time-varying Cox.
    time, event, group = competing_data(seed, n=150, hr=0.6)
    g = _censoring_survival_before(time, event)
    cause_times = np.unique(time[event == 1])
    rows = []
    for i in range(len(time)):
        rows.append((i, 0.0, time[i], int(event[i] == 1), 1.0, group[i]))
        if event[i] == 2:
            start = time[i]
            for t in cause_times[cause_times > time[i]]:
                rows.append((i, start, t, 0, g(np.array([t]))[0] / g(np.array([time[i]]))[0], group[i]))
                start = t
    expanded = pd.DataFrame(rows, columns=["id", "start", "stop", "e", "w", "g"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CoxTimeVaryingFitter().fit(
            expanded, id_col="id", event_col="e", start_col="start", stop_col="stop", weights_col="w"
        )
    assert fit_fine_gray(time, event, group, n_boot=0)["coef"] == pytest.approx(ref.params_["g"], abs=1e-6)


def test_fine_gray_recovers_a_known_subdistribution_hazard_ratio():
    # Simulate from a proportional subdistribution hazards model (Fine & Gray 1999, section 5):
    # P(cause 1 | x) = 1 - (1 - p)^exp(beta x), cause-1 times with F1(t|x) = 1 - (1 - p(1 - e^-t))^exp(beta x).
    rng = np.random.default_rng(2024)
    n, p, beta = 20000, 0.3, np.log(0.5)
    x = (rng.random(n) < 0.5).astype(int)
    p1 = 1 - (1 - p) ** np.exp(beta * x)
    cause1 = rng.random(n) < p1
    u = rng.random(n)
    # Invert F1(t|x)/p1 = u for t: 1 - (1 - p(1 - e^-t))^exp(bx) = u p1.
    t1 = -np.log(1 - (1 - (1 - u * p1) ** np.exp(-beta * x)) / p)
    t2 = rng.exponential(1.0, n)
    time = np.where(cause1, t1, t2)
    event = np.where(cause1, 1, 2)
    censor = rng.uniform(0, 3, n)
    event = np.where(censor < time, 0, event)
    time = np.minimum(time, censor)
    fg = fit_fine_gray(time, event, x, n_boot=0)
    assert fg["coef"] == pytest.approx(beta, abs=3 * fg["se_model"])
    assert fg["ci_low"] < 0.5 < fg["ci_high"]


def test_fine_gray_bootstrap_is_seeded_and_close_to_model_se():
    time, event, group = competing_data(10, n=800, hr=0.6)
    a = fit_fine_gray(time, event, group, n_boot=200, seed=1)
    b = fit_fine_gray(time, event, group, n_boot=200, seed=1)
    assert a == b
    assert a["se"] == pytest.approx(a["se_model"], rel=0.25)


def test_fine_gray_without_events_in_an_arm_is_nan():
    out = fit_fine_gray([1, 2, 3, 4], [1, 0, 2, 0], [1, 1, 0, 0], n_boot=0)
    assert np.isnan(out["hazard_ratio"])


def test_cox_matches_r_coxph_to_1e6():
    # R 4.x, survival: rossi <- lifelines' load_rossi() written to CSV;
    # coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi, ties = "efron")
    r_coef = {"fin": -0.3794221664859, "age": -0.0574377426841, "race": 0.3138997878425, "wexp": -0.1497956976665}
    r_coef |= {"mar": -0.4337038779373, "paro": -0.0848710825004, "prio": 0.0914970809853}
    r_se = {"fin": 0.1913794807135, "age": 0.0219994706007, "race": 0.3079927765574, "wexp": 0.2122242962486}
    r_se |= {"mar": 0.3818680576688, "paro": 0.1957566719066, "prio": 0.0286485499600}
    table = fit_cox(load_rossi(), "week", "arrest", list(r_coef))
    for name in r_coef:
        assert table.loc[name, "coef"] == pytest.approx(r_coef[name], abs=1e-6), name
        assert table.loc[name, "se"] == pytest.approx(r_se[name], abs=1e-6), name
    assert table["warning"].isna().all()


def few_events_data():
    """Return 60 people with 2 vs 3 placements and 20 deaths (the data behind the R fixture below)."""
    rng = np.random.default_rng(31)
    n = 60
    group = np.arange(n) % 2
    time = rng.integers(1, 400, n).astype(float)
    event = np.zeros(n, int)
    first = np.r_[np.flatnonzero(group == 1)[:2], np.flatnonzero(group == 0)[:3]]
    event[first] = 1
    event[np.setdiff1d(np.arange(n), first)[:20]] = 2
    return time, event, group


def test_fine_gray_with_few_events_matches_r_and_is_not_narrowed_by_the_bootstrap():
    # R, cmprsk 2.2: crr(time, event, group, failcode = 1, cencode = 0) on few_events_data():
    # coef -0.480624132693, sandwich SE 0.878318495714, 95% CI 0.110571075097 to 3.45854674818.
    time, event, group = few_events_data()
    boot = fit_fine_gray(time, event, group, n_boot=200)
    model = fit_fine_gray(time, event, group, n_boot=0)
    assert boot["coef"] == pytest.approx(-0.480624132693, abs=1e-5)  # the same estimator as crr
    # Resamples without a placement in an arm made the old bootstrap interval far too narrow;
    # now the model-based SE (inverse information; crr reports a sandwich SE, 0.878) is used.
    assert boot["dropped"] > 0 and boot["se_method"] == "model"
    assert boot["ci_low"] <= model["ci_low"] and boot["ci_high"] >= model["ci_high"]
    assert boot["ci_low"] < 0.110571075097 * 1.1 and boot["ci_high"] > 3.45854674818 * 0.9


def test_fine_gray_with_few_events_never_undercuts_the_model_interval():
    rng = np.random.default_rng(5)
    for _ in range(5):
        time, event, group = competing_data(int(rng.integers(1000)), n=120, hr=0.7)
        keep = np.r_[np.flatnonzero((event == 1) & (group == 1))[:3], np.flatnonzero((event == 1) & (group == 0))[:2]]
        event = np.where((event == 1) & ~np.isin(np.arange(len(event)), keep), 0, event)
        boot = fit_fine_gray(time, event, group, n_boot=100)
        model = fit_fine_gray(time, event, group, n_boot=0)
        assert boot["ci_high"] / boot["ci_low"] >= model["ci_high"] / model["ci_low"] - 1e-12
