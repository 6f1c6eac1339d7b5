"""Adjusted per-person differences (ANHECOVA with IPCW): against compare_anhecova, statsmodels, resamples
written out, and simulated trials whose working model is wrong."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis.outcomes.per_person import OUTCOMES, _compare_adjusted, resample_counts, resample_weights
from analysis.stats.adjusted import (
    adjusted_means,
    adjusted_means_of_resamples,
    adjusted_normal_se,
    build_covariates,
)
from analysis.stats.methods import compare_anhecova
from analysis.stats.survival import censoring_weights


def potential_totals(n: int, seed: int, censor_share: float = 0.0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Return observed per-person totals and everyone's cost under each arm (potential outcomes).

    A prognostic, nonlinear baseline, zero inflation, placements that depend on need and are halved by
    the intervention, and an additive effect on hours: the adjusted estimator's working model (linear
    in the covariates within each arm) is wrong on purpose.
    """
    rng = np.random.default_rng(seed)
    x = (rng.random(n) < 0.5).astype(int)
    baseline = rng.gamma(2.0, 12.0, n)
    age = rng.integers(65, 96, n)
    extended = rng.random(n) < 0.4
    need = 6 + 1.4 * baseline - 0.004 * baseline**2 + 0.25 * (age - 65) + 4 * extended
    helped = rng.random(n) < np.clip(0.35 + 0.012 * baseline, 0, 0.95)
    noise = rng.gamma(2.0, 40.0, n) - 80
    risk, draw, stay = np.clip(0.02 + 0.006 * need, 0, 0.8), rng.random(n), rng.integers(30, 700, n)

    def under(arm: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nh_days = np.where(draw < risk * (0.5 if arm else 1.0), stay, 0).astype(float)
        hours = np.maximum(0.0, 24 * need - 150 * arm + noise) * helped * (1 - nh_days / 730)
        return hours, nh_days, hours * 461.0 + nh_days * 1809.0

    (h1, d1, c1), (h0, d0, c0) = under(1), under(0)
    time, complete = np.full(n, 730.0), np.ones(n, dtype=bool)
    if censor_share:  # censoring independent of the outcome (moved away, data end)
        censored = rng.random(n) < censor_share
        time, complete = np.where(censored, rng.uniform(30, 700, n), time), ~censored
    hours, nh_days = np.where(x == 1, h1, h0), np.where(x == 1, d1, d0)
    observed = pd.DataFrame(
        {
            "intervention": x,
            "cost": np.where(x == 1, c1, c0),
            "days_home": 730.0 - nh_days,
            "nursing_home_days": nh_days,
            "hours": hours,
            "baseline_hours": baseline,
            "age": age.astype(float),
            "sex": np.where(rng.random(n) < 0.6, "F", "M"),
            "application_type": np.where(extended, "extended", "new"),
            "time": time,
            "complete": complete,
        }
    )
    return observed, c1, c0


def person_totals(n: int, seed: int, censor_share: float = 0.0) -> pd.DataFrame:
    """Return the observed per-person totals of a simulated trial."""
    return potential_totals(n, seed, censor_share)[0]


COVARIATES = ("baseline_hours", "age", "sex", "application_type")


def test_without_censoring_it_is_compare_anhecova_and_the_interacted_regression():
    part = person_totals(500, 1)
    x, used = build_covariates(part, COVARIATES)
    assert used == COVARIATES
    arm = part["intervention"].to_numpy() == 1
    y = part[["cost"]].to_numpy()
    mean1, mean0, _ = adjusted_means(x, y, arm, np.ones(len(part)))
    reference = compare_anhecova(part.assign(hours=part["cost"]))
    assert mean1[0] - mean0[0] == pytest.approx(reference["difference"], rel=1e-10)
    centred = pd.DataFrame(x - x.mean(axis=0), columns=["b", "a", "m", "e"])
    fit = smf.ols("cost ~ intervention * (b + a + m + e)", centred.assign(cost=part.cost, intervention=arm * 1)).fit()
    assert mean1[0] - mean0[0] == pytest.approx(fit.params["intervention"], rel=1e-9)
    se = adjusted_normal_se(x, y, arm, np.ones(len(part)))[0]
    half = (reference["ci_high"] - reference["ci_low"]) / 2
    assert se == pytest.approx(half / stats.t.ppf(0.975, len(part) - 10), rel=1e-10)


def test_resampled_fits_equal_each_resample_written_out():
    part = person_totals(120, 2, censor_share=0.3)
    x, _ = build_covariates(part, ("baseline_hours", "age"))
    arm = part["intervention"].to_numpy() == 1
    y = part[list(OUTCOMES)].to_numpy(dtype=float)
    time, complete = part["time"].to_numpy(), part["complete"].to_numpy()
    rng = np.random.default_rng(3)
    counts, weights = np.zeros((5, len(part))), np.zeros((5, len(part)))
    for idx in (np.flatnonzero(arm), np.flatnonzero(~arm)):
        drawn = resample_counts(len(idx), 5, rng)
        counts[:, idx] = drawn
        weights[:, idx] = resample_weights(time[idx], complete[idx], drawn)
    fast = adjusted_means_of_resamples(x, y, arm, counts, weights)
    for b in range(5):
        rows = np.repeat(np.arange(len(part)), counts[b].astype(int))  # the resample, person by person
        w = np.zeros(len(rows))
        for side in (True, False):
            mine = arm[rows] == side
            w[mine] = censoring_weights(time[rows][mine], complete[rows][mine])
        mean1, mean0, _ = adjusted_means(x[rows], y[rows], arm[rows], w)
        np.testing.assert_allclose(fast[b], mean1 - mean0, rtol=1e-6)


def test_a_covariate_constant_within_an_arm_is_left_out_and_a_rare_level_too():
    part = person_totals(200, 4)
    part.loc[part.intervention == 1, "sex"] = "F"
    part.loc[:, "application_type"] = "new"
    part.loc[part.index[:3], "application_type"] = "extended"
    _, used = build_covariates(part, COVARIATES)
    assert used == ("baseline_hours", "age")


def test_a_constant_covariate_in_a_resample_adds_nothing():
    # Two people per arm, one covariate that is constant within the control resample: the control mean is
    # then its plain mean, the intervention mean the fitted line at the overall covariate mean.
    x = np.array([[1.0], [3.0], [2.0], [2.0]])
    y = np.array([[10.0], [30.0], [5.0], [7.0]])
    arm = np.array([True, True, False, False])
    counts = np.array([[1.0, 1.0, 1.0, 1.0]])
    out = adjusted_means_of_resamples(x, y, arm, counts, counts)
    assert out[0, 0] == pytest.approx((10 + 10 * (2.0 - 1.0)) - 6.0, rel=1e-6)


def test_no_complete_total_in_an_arm_of_a_resample_gives_no_interval():
    part = person_totals(40, 5)
    part["complete"] = True
    treated = np.flatnonzero(part["intervention"] == 1)
    part.loc[part.index[treated[1:]], "complete"] = False  # one complete total in the intervention arm
    row = _compare_adjusted(part, ("baseline_hours",), draws=200, seed=1)
    assert np.isfinite(row["cost_adjusted_difference"])
    assert np.isnan(row["cost_adjusted_ci_low"]) and np.isnan(row["cost_adjusted_ci_high"])


def _simulate(replicates: int, n: int, censor_share: float, seed: int) -> dict:
    """Return bias, coverage and relative width (against Welch) of the adjusted cost difference."""
    _, c1, c0 = potential_totals(1_000_000, 99)
    truth = float(np.mean(c1 - c0))
    covered, estimates, ratios = [], [], []
    for r in range(replicates):
        part = person_totals(n, seed + r, censor_share=censor_share)
        row = _compare_adjusted(part, COVARIATES, draws=300, seed=r)
        estimates.append(row["cost_adjusted_difference"])
        covered.append(row["cost_adjusted_ci_low"] <= truth <= row["cost_adjusted_ci_high"])
        a, b = part.loc[part.intervention == 1, "cost"], part.loc[part.intervention == 0, "cost"]
        welch = 2 * 1.96 * np.sqrt(a.var() / len(a) + b.var() / len(b))
        ratios.append((row["cost_adjusted_ci_high"] - row["cost_adjusted_ci_low"]) / welch)
    sd = float(np.std(estimates, ddof=1))
    return {
        "truth": truth,
        "bias": float(np.mean(estimates)) - truth,
        "sd": sd,
        "coverage": float(np.mean(covered)),
        "width_ratio": float(np.median(ratios)),
    }


@pytest.mark.slow
@pytest.mark.parametrize("censor_share", [0.0, 0.25])
def test_adjusted_cost_difference_is_unbiased_and_covers_under_a_wrong_model(censor_share):
    # 100 trials of 400 people; the linear working model is wrong in every way the guide lists. The mean
    # of 100 estimates has an SE of 0.1 trial SD, so a bias under 0.3 SD is what an unbiased estimator
    # shows (measured: 0.09 and 0.17 SD; over 400 trials with censoring 0.005 SD); coverage at least 0.90
    # (measured 0.95 and 0.95); narrower than the unadjusted Welch interval because baseline hours
    # predict cost (median width ratio 0.76 without censoring, 0.89 with).
    result = _simulate(100, 400, censor_share, seed=1000)
    assert abs(result["bias"]) < 0.3 * result["sd"]
    assert result["coverage"] >= 0.90
    assert result["width_ratio"] < 0.95
