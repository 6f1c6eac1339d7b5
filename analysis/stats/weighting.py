"""Groups that were not randomized: overlap weights, balance, the weighted difference and the E-value.

When a study group and a control group were chosen some other way than by lottery, people who differ at
baseline (age, sex, application type, hours at the start) are compared. The propensity to be in the study
group given those covariates is fitted by logistic regression (statsmodels), and each person weighted by
the probability of being in the other group (overlap weights, Li, Morgan & Zaslavsky 2018): the weighted
groups have exactly equal means of every covariate in the model, and no weight is extreme. The balance is
shown as standardized mean differences before and after weighting (the pooled unweighted SD in both). The
weighted difference in means has a robust (sandwich) standard error that treats the weights as known; the
tests simulate its coverage with the propensity estimated. What no weighting can do is balance what was
not measured; the E-value (VanderWeele & Ding 2017) says how strong such a confounder would have to be,
with the difference in means turned into an approximate risk ratio exp(0.91 d), d the difference over the
outcome's SD.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from analysis.errors import InputError


def fit_overlap_weights(x: np.ndarray, treated: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return overlap weights, the fitted propensities and the fit's warnings.

    Parameters
    ----------
    x : ndarray
        Baseline covariates, one row per person (no constant column).
    treated : ndarray of bool
        In the study group.

    Returns
    -------
    tuple
        (weights: 1 − e for the study group, e for the control group; e; warnings from the fit).

    Raises
    ------
    InputError
        When a group is empty or the covariates separate the groups (no overlap: cannot be estimated).

    """
    import statsmodels.api as sm

    treated = np.asarray(treated, dtype=bool)
    if treated.all() or not treated.any():
        raise InputError("Kan inte skattas: en av grupperna är tom.", "Cannot be estimated: one group is empty.")
    design = sm.add_constant(np.asarray(x, dtype=float), has_constant="add")
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(treated.astype(float), design).fit(disp=0, maxiter=200)
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise InputError(
                f"Kan inte skattas: sannolikheten att tillhöra studiegruppen gick inte att anpassa ({exc}).",
                f"Cannot be estimated: the propensity to be in the study group could not be fitted ({exc}).",
            ) from None
    caught = [str(w.message) for w in seen]
    propensity = np.clip(fit.predict(design), 1e-12, 1 - 1e-12)
    if np.any(np.abs(fit.params) > 30) or min(propensity.min(), 1 - propensity.max()) < 1e-8:
        raise InputError(
            "Kan inte skattas: bakgrundsvariablerna skiljer grupperna helt åt (ingen överlappning).",
            "Cannot be estimated: the baseline covariates separate the groups completely (no overlap).",
        )
    weights = np.where(treated, 1.0 - propensity, propensity)
    return weights, propensity, caught


def find_standardized_differences(x: np.ndarray, treated: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Return per covariate the weighted standardized mean difference (study − control) over the pooled unweighted SD.

    Without weights each column is descriptive.standardized_difference_continuous (Table 1's), but 0, not
    NaN, where a covariate does not vary.

    Parameters
    ----------
    x : ndarray
        Covariates, one row per person.
    treated : ndarray of bool
        In the study group.
    weights : ndarray, optional
        Person weights (None: unweighted, the balance before weighting).

    Returns
    -------
    ndarray
        One SMD per column (0 where the column does not vary).

    """
    x = np.asarray(x, dtype=float)
    treated = np.asarray(treated, dtype=bool)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    mean_t = np.average(x[treated], axis=0, weights=w[treated])
    mean_c = np.average(x[~treated], axis=0, weights=w[~treated])
    pooled = np.sqrt((x[treated].var(axis=0, ddof=1) + x[~treated].var(axis=0, ddof=1)) / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pooled > 0, (mean_t - mean_c) / pooled, 0.0)


def estimate_weighted_difference(y: np.ndarray, treated: np.ndarray, weights: np.ndarray) -> dict:
    """Return the weighted difference in means (study − control) with a robust standard error and 95% CI.

    Parameters
    ----------
    y : ndarray
        Outcome per person.
    treated : ndarray of bool
        In the study group.
    weights : ndarray
        Person weights (e.g. overlap weights, times censoring weights).

    Returns
    -------
    dict
        difference, se, ci_low, ci_high, p_value (normal), mean_study, mean_control.

    """
    y, w = np.asarray(y, dtype=float), np.asarray(weights, dtype=float)
    treated = np.asarray(treated, dtype=bool)
    parts = []
    for group in (treated, ~treated):
        wg, yg = w[group], y[group]
        mean = float(np.sum(wg * yg) / np.sum(wg))
        variance = float(np.sum(wg**2 * (yg - mean) ** 2) / np.sum(wg) ** 2)  # the Hajek mean's sandwich
        parts.append((mean, variance * len(yg) / max(len(yg) - 1, 1)))  # small-sample factor n/(n − 1)
    (m1, v1), (m0, v0) = parts
    diff, se = m1 - m0, float(np.sqrt(v1 + v0))
    z = stats.norm.ppf(0.975)
    p = float(2 * stats.norm.sf(abs(diff / se))) if se > 0 else float("nan")
    return {"difference": diff, "se": se, "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p,
            "mean_study": m1, "mean_control": m0}  # fmt: skip


def find_e_value(estimate: float, ci_low: float, ci_high: float, sd: float) -> tuple[float, float]:
    """Return the E-value of a difference in means and of its CI limit nearer the null.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        The difference and its 95% CI.
    sd : float
        The outcome's standard deviation (d = difference / sd).

    Returns
    -------
    tuple
        (E-value of the estimate, E-value of the CI; 1 when the CI includes 0). NaN without a spread.

    """
    if not sd > 0 or not np.isfinite(estimate):
        return float("nan"), float("nan")

    def of(difference: float) -> float:
        ratio = float(np.exp(0.91 * abs(difference) / sd))  # a ratio ≥ 1 (a harmful or helpful one alike)
        return ratio + float(np.sqrt(ratio * (ratio - 1.0)))

    nearer = 0.0 if ci_low <= 0 <= ci_high else min(abs(ci_low), abs(ci_high))
    return of(estimate), of(nearer)
