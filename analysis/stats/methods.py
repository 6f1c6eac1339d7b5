"""One function per estimator of the difference in hours (intervention minus control) on person values.

Each takes a long DataFrame with one row per person (columns ``intervention`` 0/1, ``hours`` and, for
adjusted models, ``baseline_hours``, ``sex``, ``application_type``) and returns a dict with
difference, ci_low, ci_high, p_value and method. Tested against scipy/statsmodels called directly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from analysis.stats.descriptive import welch_from_stats

METHODS = ("welch", "bootstrap", "ancova", "two-part", "mixed")
BOOTSTRAP_RESAMPLES = 2000
SEED = 20150831
COVARIATES = "baseline_hours + C(sex) + C(application_type)"
NAN = float("nan")


def _empty(method: str) -> dict:
    """Return the result of a comparison that cannot be estimated."""
    return {"difference": NAN, "ci_low": NAN, "ci_high": NAN, "p_value": NAN, "method": method}


def _arms(values: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the hours of the intervention and control arms."""
    hours = values["hours"].to_numpy(dtype=float)
    treated = values["intervention"].to_numpy() == 1
    return hours[treated], hours[~treated]


def compare_welch(values: pd.DataFrame) -> dict:
    """Difference in means with Welch's t-test and 95% CI.

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention (0/1), hours.

    Returns
    -------
    dict
        difference, ci_low, ci_high, p_value, method.

    """
    a, b = _arms(values)
    if len(a) < 2 or len(b) < 2:
        return _empty("welch")
    out = welch_from_stats(a.mean(), a.std(ddof=1), len(a), b.mean(), b.std(ddof=1), len(b))
    return {key: out[key] for key in ("difference", "ci_low", "ci_high", "p_value")} | {"method": "welch"}


def compare_bootstrap(
    values: pd.DataFrame, n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = SEED, ci_method: str = "BCa"
) -> dict:
    """Difference in means with a bootstrap 95% CI (scipy, arms resampled separately, seeded).

    The p-value is the two-sided bootstrap p: twice the smaller share of the bootstrap distribution,
    centred at zero, beyond the observed difference on either side (with the +1 correction, so the
    smallest possible p is about 1/n_resamples).

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention (0/1), hours.
    n_resamples : int
        Number of resamples (default 2,000).
    seed : int
        Random seed.
    ci_method : {'BCa', 'percentile'}
        Interval method.

    Returns
    -------
    dict
        difference, ci_low, ci_high, p_value, method.

    """
    a, b = _arms(values)
    if len(a) < 2 or len(b) < 2:
        return _empty("bootstrap")
    res = stats.bootstrap(
        (a, b),
        lambda x, y, axis: x.mean(axis=axis) - y.mean(axis=axis),
        vectorized=True,
        n_resamples=n_resamples,
        method=ci_method,
        rng=np.random.default_rng(seed),
    )
    diff = float(a.mean() - b.mean())
    centred = res.bootstrap_distribution - res.bootstrap_distribution.mean()
    extreme = min(np.sum(centred >= abs(diff)), np.sum(centred <= -abs(diff)))
    p = float(min(1.0, (2 * extreme + 1) / (n_resamples + 1)))  # never exactly 0 from a finite bootstrap
    low, high = res.confidence_interval
    return {"difference": diff, "ci_low": float(low), "ci_high": float(high), "p_value": p, "method": "bootstrap"}


def _design_ok(values: pd.DataFrame) -> bool:
    """Return True when both arms have at least 2 people and every covariate column exists."""
    counts = values["intervention"].value_counts()
    return counts.get(1, 0) >= 2 and counts.get(0, 0) >= 2


def _design(values: pd.DataFrame) -> pd.DataFrame:
    """Return the adjusted design: constant, intervention, baseline hours, sex and application-type indicators."""
    design = pd.DataFrame(
        {
            "const": 1.0,
            "intervention": values["intervention"].astype(float),
            "baseline_hours": values["baseline_hours"].astype(float),
        },
        index=values.index,
    )
    for column, level in (("sex", "M"), ("application_type", "extended")):
        if values[column].nunique() > 1:
            design[f"{column}_{level}"] = (values[column] == level).astype(float)
    return design


def compare_ancova(values: pd.DataFrame) -> dict:
    """Difference adjusted for baseline hours, sex and application type (OLS, statsmodels).

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention, hours, baseline_hours, sex, application_type.

    Returns
    -------
    dict
        difference (the intervention coefficient), ci_low, ci_high, p_value, method.

    """
    if not _design_ok(values) or len(values) < 6:
        return _empty("ancova")
    fit = sm.OLS(values["hours"].astype(float), _design(values)).fit()
    low, high = fit.conf_int().loc["intervention"]
    return {
        "difference": float(fit.params["intervention"]),
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(fit.pvalues["intervention"]),
        "method": "ancova",
    }


def compare_two_part(values: pd.DataFrame) -> dict:
    """Marginal difference in mean hours from a two-part model, with a delta-method 95% CI.

    Part 1: logistic regression of any hours; part 2: gamma GLM with log link for hours among those
    with some; both adjusted as the ANCOVA. The marginal means standardise over everyone (predicting
    each person as intervention and as control); the parts have separate likelihoods, so their
    parameter covariances combine block-diagonally; the gradient is taken numerically.

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention, hours, baseline_hours, sex, application_type.

    Returns
    -------
    dict
        difference, ci_low, ci_high, p_value, method.

    """
    positive = values[values["hours"] > 0]
    any_counts = (
        values.assign(any=(values["hours"] > 0).astype(int)).groupby("intervention")["any"].agg(["sum", "size"])
    )
    if (
        not _design_ok(values)
        or not _design_ok(positive)
        or ((any_counts["sum"] == 0) | (any_counts["sum"] == any_counts["size"])).any()
    ):
        return _empty("two-part")
    data = values.assign(any=(values["hours"] > 0).astype(int))
    x_all = _design(data)
    x_pos = _design(positive)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logit = sm.GLM(data["any"].astype(float), x_all, family=sm.families.Binomial()).fit()
        gamma = sm.GLM(positive["hours"].astype(float), x_pos, family=sm.families.Gamma(sm.families.links.Log())).fit()
    # Design matrices for everyone, as intervention and as control, for both parts.
    designs = {}
    for arm in (1, 0):
        everyone = x_all.assign(intervention=float(arm))
        designs[arm] = (
            everyone[list(x_all.columns)].to_numpy(),
            everyone.reindex(columns=x_pos.columns, fill_value=0.0).to_numpy(),
        )
    theta1, theta2 = logit.params.to_numpy(), gamma.params.to_numpy()

    def marginal_difference(t1: np.ndarray, t2: np.ndarray) -> float:
        means = []
        for arm in (1, 0):
            e1, e2 = designs[arm]
            p_any = 1 / (1 + np.exp(-(e1 @ t1)))
            means.append(np.mean(p_any * np.exp(e2 @ t2)))
        return float(means[0] - means[1])

    diff = marginal_difference(theta1, theta2)
    grad = []
    for theta, which in ((theta1, 0), (theta2, 1)):
        g = np.zeros(len(theta))
        for j in range(len(theta)):
            h = 1e-6 * max(1.0, abs(theta[j]))
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            args_up = (up, theta2) if which == 0 else (theta1, up)
            args_down = (down, theta2) if which == 0 else (theta1, down)
            g[j] = (marginal_difference(*args_up) - marginal_difference(*args_down)) / (2 * h)
        grad.append(g)
    var = grad[0] @ logit.cov_params().to_numpy() @ grad[0] + grad[1] @ gamma.cov_params().to_numpy() @ grad[1]
    se = float(np.sqrt(var))
    z = stats.norm.ppf(0.975)
    return {
        "difference": diff,
        "ci_low": diff - z * se,
        "ci_high": diff + z * se,
        "p_value": float(2 * stats.norm.sf(abs(diff / se))),
        "method": "two-part",
    }


def compare_mann_whitney(values: pd.DataFrame) -> dict:
    """Mann–Whitney U test (scipy, two-sided) and the probability that an intervention value exceeds a control one.

    Returns
    -------
    dict
        u, p_value, prob_superiority (ties count half), method.

    """
    a, b = _arms(values)
    if len(a) < 1 or len(b) < 1:
        return {"u": NAN, "p_value": NAN, "prob_superiority": NAN, "method": "mann-whitney"}
    res = stats.mannwhitneyu(a, b, alternative="two-sided")
    return {
        "u": float(res.statistic),
        "p_value": float(res.pvalue),
        "prob_superiority": float(res.statistic / (len(a) * len(b))),
        "method": "mann-whitney",
    }


def fit_mixed_model(months: pd.DataFrame, timepoints: list[int]) -> pd.DataFrame:
    """Linear mixed model of hours: month as a factor × arm, random intercept per person (statsmodels MixedLM).

    Parameters
    ----------
    months : DataFrame
        One row per person and counted month: person, intervention, month_k, hours.
    timepoints : list of int
        Months at which to report the arm effect.

    Returns
    -------
    DataFrame
        One row per requested month plus 'average' (the mean of the arm effects over every month in the
        data): month, difference, ci_low, ci_high, p_value.

    """
    data = months.assign(month=months["month_k"].astype(int))
    levels = sorted(data["month"].unique())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("hours ~ C(month) * intervention", data, groups=data["person"]).fit(reml=True)
    names = list(fit.params.index)
    cov = fit.cov_params().loc[names, names].to_numpy()
    params = fit.params.to_numpy()

    def contrast(month: int) -> np.ndarray:
        c = np.zeros(len(names))
        c[names.index("intervention")] = 1.0
        term = f"C(month)[T.{month}]:intervention"
        if term in names:
            c[names.index(term)] = 1.0
        return c

    rows = []
    z = stats.norm.ppf(0.975)
    requested = [(str(m), contrast(m)) for m in timepoints if m in levels]
    requested.append(("average", np.mean([contrast(m) for m in levels], axis=0)))
    for label, c in requested:
        est = float(c @ params)
        se = float(np.sqrt(c @ cov @ c))
        rows.append(
            {
                "month": label,
                "difference": est,
                "ci_low": est - z * se,
                "ci_high": est + z * se,
                "p_value": float(2 * stats.norm.sf(abs(est / se))),
            }
        )
    return pd.DataFrame(rows)
