"""One function per estimator of the difference in hours (intervention minus control) on person values.

Each takes a long DataFrame with one row per person (columns ``intervention`` 0/1, ``hours`` and, for
adjusted models, ``baseline_hours``, ``age``, ``sex``, ``application_type``) and returns a dict with
difference, ci_low, ci_high, p_value and method. Tested against scipy/statsmodels called directly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import MissingDataError, PerfectSeparationError

from analysis.selection import COVARIATES
from analysis.stats.adjusted import adjusted_means, adjusted_normal_se, build_covariates
from analysis.stats.descriptive import welch_from_stats

METHODS = ("welch", "bootstrap", "ancova", "anhecova", "standardized", "two-part", "mixed")
BOOTSTRAP_RESAMPLES = 2000
# Above this many people in a group the bootstrap's BCa interval (whose jackknife holds n × n values: 954 MB at
# 10,000, 16 GB at 250,000) gives way to a normal approximation with linear cost; the CLT holds long before.
BOOTSTRAP_BCA_MAX = 5_000
# Below this many people the BCa interval under-covers with skewed hours: measured (400 simulated trials per
# size, 30 % zeros and gamma(0.7, 30) hours, no effect) 0.85, 0.92, 0.91, 0.92, 0.93 at 15, 30, 60, 120 and 250 per
# arm against Welch's 0.96, 0.97, 0.94, 0.95, 0.94; 0.96 and 0.94 at 500 and 1,000 per arm. The pages say so.
BOOTSTRAP_SMALL_PEOPLE = 1_000
SEED = 20150831
NAN = float("nan")


# Why a comparison cannot be estimated (a row's ``cannot_estimate``; the pages word each as 'reason.<code>').
TOO_FEW = "too_few"  # fewer people in an arm than the method needs
NO_SPREAD = "no_spread"  # every person has the same value: an interval would have no width
NOT_FINITE = "not_finite"  # a value is missing or infinite
FIT_FAILED = "fit_failed"  # the model could not be fitted to these data (singular or no convergence)
NO_EVENTS = "no_events"  # an arm has no event: a ratio of hazards runs to 0 or infinity
REASONS = (TOO_FEW, NO_SPREAD, NOT_FINITE, FIT_FAILED, NO_EVENTS)
# What degenerate data make a fit raise: numpy's and statsmodels' errors on singular or empty designs.
FIT_ERRORS = (
    np.linalg.LinAlgError,
    ValueError,
    ZeroDivisionError,
    FloatingPointError,
    MissingDataError,
    PerfectSeparationError,
)


def _empty(method: str, reason: str = TOO_FEW, detail: str | None = None) -> dict:
    """Return the result of a comparison that cannot be estimated, with the reason and the fit's message."""
    out = {"difference": NAN, "ci_low": NAN, "ci_high": NAN, "p_value": NAN, "method": method}
    return out | {"cannot_estimate": reason, "warning": detail}


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

    The p-value inverts the same interval (invert_bca): p < 0.05 exactly when the 95% interval
    excludes 0. Above BOOTSTRAP_BCA_MAX people a normal approximation with the unpooled standard error
    (the bootstrap distribution's, by the central limit theorem) keeps time and memory linear.

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
    if len(a) + len(b) > BOOTSTRAP_BCA_MAX:  # linear cost: the normal approximation of the bootstrap distribution
        se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
        note = f"normal approximation above {BOOTSTRAP_BCA_MAX:,} people (bootstrap below)"
        diff = float(a.mean() - b.mean())
        return _normal_result(diff, se, "bootstrap", warning=note, note="normal_approximation")  # note: the code
    res = stats.bootstrap(
        (a, b),
        lambda x, y, axis: x.mean(axis=axis) - y.mean(axis=axis),
        vectorized=True,
        n_resamples=n_resamples,
        method=ci_method,
        rng=np.random.default_rng(seed),
    )
    diff = float(a.mean() - b.mean())
    low, high = res.confidence_interval
    p = invert_bca(res.bootstrap_distribution, diff, (a, b) if ci_method == "BCa" else None)
    return {"difference": diff, "ci_low": float(low), "ci_high": float(high), "p_value": p, "method": "bootstrap"}


def invert_bca(draws: np.ndarray, estimate: float, samples: tuple[np.ndarray, np.ndarray] | None) -> float:
    """Return the two-sided p-value that inverts the bootstrap interval: the α whose (1 − α) interval ends at 0.

    The BCa interval (Efron 1987) at level 1 − α takes the quantiles Φ(z₀ + (z₀ + z_{α/2}) / (1 −
    a(z₀ + z_{α/2}))) of the bootstrap distribution (np.percentile's linear interpolation). The quantile
    level at which that distribution reaches 0 is found exactly, and the mapping solved for α, so p < 0.05
    exactly when scipy's 95% interval excludes 0 (and scipy's 1 − p interval ends at 0). z₀ and the
    acceleration a are computed as scipy.stats.bootstrap computes them for a two-sample statistic (z₀
    from the mid-rank share of draws below the estimate; a from each sample's jackknife, U = (n − 1)(θ̄ −
    θᵢ), a = Σ ΣU³/n³ / (6 (Σ ΣU²/n²)^1.5)). Without samples the percentile interval is inverted.
    """
    draws = np.sort(np.asarray(draws, dtype=float))
    n = len(draws)
    level = _level_at_zero(draws)
    z0, accel = 0.0, 0.0
    if samples is not None:
        z0 = stats.norm.ppf((np.sum(draws < estimate) + np.sum(draws <= estimate)) / (2.0 * n))
        nums = dens = 0.0
        x, y = samples
        for jack in ((x.sum() - x) / (len(x) - 1) - y.mean(), x.mean() - (y.sum() - y) / (len(y) - 1)):
            u = (len(jack) - 1) * (jack.mean() - jack)
            nums += np.sum(u**3) / len(jack) ** 3
            dens += np.sum(u**2) / len(jack) ** 2
        accel = float(nums / (6 * dens**1.5)) if dens > 0 else 0.0
    w = stats.norm.ppf(level) - z0
    z = w / (1 + accel * w) - z0
    return float(min(1.0, 2 * stats.norm.sf(abs(z))))


def _level_at_zero(sorted_draws: np.ndarray) -> float:
    """Return the quantile level q at which np.percentile(draws, 100 q) (linear) is 0, kept inside (0, 1)."""
    n = len(sorted_draws)
    below = np.searchsorted(sorted_draws, 0.0, side="right")  # draws ≤ 0
    if below == 0:
        return 1.0 / (n + 1)  # every draw above 0: a finite bootstrap never gives p = 0
    if below == n:
        return n / (n + 1.0)
    lo, hi = sorted_draws[below - 1], sorted_draws[below]
    position = below - 1 + (0.0 - lo) / (hi - lo) if hi > lo else below - 1
    return float(np.clip(position / (n - 1), 1.0 / (n + 1), n / (n + 1.0)))


def _design_ok(values: pd.DataFrame) -> bool:
    """Return True when both arms have at least 2 people and every covariate column exists."""
    counts = values["intervention"].value_counts()
    return counts.get(1, 0) >= 2 and counts.get(0, 0) >= 2


def _design(values: pd.DataFrame) -> pd.DataFrame:
    """Return the adjusted design: constant, intervention, baseline hours, age, sex and application-type indicators.

    A covariate that adds nothing the earlier columns do not already hold (constant in the group, or a
    linear function of the others) is left out, so the design keeps full rank; the arm's coefficient is
    the same as with a generalised inverse, and the fit never meets a singular matrix.
    """
    candidates = {
        "baseline_hours": values["baseline_hours"].astype(float),
        "age": values["age"].astype(float),
        "sex_M": (values["sex"] == "M").astype(float),
        "application_type_extended": (values["application_type"] == "extended").astype(float),
    }
    design = pd.DataFrame({"const": 1.0, "intervention": values["intervention"].astype(float)}, index=values.index)
    rank = np.linalg.matrix_rank(design.to_numpy())
    for name, column in candidates.items():
        trial = design.assign(**{name: column})
        trial_rank = np.linalg.matrix_rank(trial.to_numpy())
        if trial_rank > rank:
            design, rank = trial, trial_rank
    return design


def estimate_difference(method: str, values: pd.DataFrame) -> dict:
    """Run one estimator of the difference; degenerate data give 'cannot be estimated' and the reason, not an error.

    Parameters
    ----------
    method : str
        A key of ESTIMATORS.
    values : DataFrame
        One row per person, as the estimator takes it.

    Returns
    -------
    dict
        The estimator's result; ``cannot_estimate`` is a code of REASONS when it could not be estimated (the
        numbers are then NaN and ``warning`` holds the fit's own message, if any), else None.

    """
    a, b = _arms(values)
    if len(a) < 2 or len(b) < 2:
        return _empty(method, TOO_FEW)
    numeric = [c for c in ("hours", "baseline_hours", "age") if c in values]
    if not np.isfinite(values[numeric].to_numpy(dtype=float)).all():
        return _empty(method, NOT_FINITE)
    if np.var(a) == 0 and np.var(b) == 0:
        return _empty(method, NO_SPREAD)
    try:
        with np.errstate(all="ignore"):
            out = ESTIMATORS[method](values)
    except FIT_ERRORS as error:
        return _empty(method, FIT_FAILED, str(error).splitlines()[0] if str(error) else type(error).__name__)
    if out.get("cannot_estimate") is None and not np.isfinite([out["difference"], out["ci_low"], out["ci_high"]]).all():
        out = out | {"cannot_estimate": FIT_FAILED, "difference": NAN, "ci_low": NAN, "ci_high": NAN, "p_value": NAN}
    return {"cannot_estimate": None, "warning": None} | out


def _normal_result(diff: float, se: float, method: str, **extra) -> dict:
    """Return difference, normal 95% CI and two-sided p from an estimate and its standard error."""
    if not (se > 0 and np.isfinite(se)):
        return _empty(method) | extra
    z = stats.norm.ppf(0.975)
    p = float(2 * stats.norm.sf(abs(diff / se)))
    return {"difference": diff, "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p, "method": method} | (
        extra
    )


def compare_ancova(values: pd.DataFrame) -> dict:
    """Difference adjusted for baseline hours, age, sex and application type (OLS) with HC3 robust standard errors.

    With 1:1 randomization the OLS coefficient of the arm is consistent for the difference in means
    whatever the true relation of hours to the covariates (Lin 2013; FDA 2023), and the HC3 sandwich
    keeps the interval valid when the residual variance differs between arms or with the covariates.

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention, hours, baseline_hours, age, sex, application_type.

    Returns
    -------
    dict
        difference (the intervention coefficient), ci_low, ci_high, p_value (t with the residual df), method.

    """
    if not _design_ok(values) or len(values) < 8:
        return _empty("ancova")
    fit = sm.OLS(values["hours"].astype(float), _design(values)).fit(cov_type="HC3", use_t=True)
    low, high = fit.conf_int().loc["intervention"]
    return {
        "difference": float(fit.params["intervention"]),
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(fit.pvalues["intervention"]),
        "method": "ancova",
    }


def compare_anhecova(values: pd.DataFrame) -> dict:
    """ANHECOVA: difference adjusted with arm × covariate interactions, with Ye et al.'s robust standard error.

    Hours are regressed on the ANCOVA covariates separately in each arm, the covariates centred at the
    mean over both arms; the difference is between the two arms' predictions at that common mean (the
    fitted intercepts). It is consistent for the difference in means whatever the true relation, and
    never less precise asymptotically than ANCOVA, also with unequal allocation (Ye, Shao, Yi & Zhao
    2023; FDA 2023). Variance (Ye et al. 2023, Theorem 1): s²₁/π₁ + s²₀/π₀ + (b₁ − b₀)ᵀ Σₓ (b₁ − b₀),
    divided by n, with s²ₐ the residual variance in arm a (denominator nₐ − p − 1), πₐ the arm's share,
    bₐ its slopes and Σₓ the covariates' covariance; t reference with n − 2(p + 1) degrees of freedom.
    A covariate that cannot carry a slope in both arms is left out (stats.adjusted.build_covariates).

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention, hours, baseline_hours, age, sex, application_type.

    Returns
    -------
    dict
        difference, ci_low, ci_high, p_value, method, adjusted_for (the covariates used).

    """
    if not _design_ok(values):
        return _empty("anhecova")
    x, used = build_covariates(values, COVARIATES)
    arm = values["intervention"].to_numpy() == 1
    n, p = len(values), len(used)
    if min(arm.sum(), n - arm.sum()) < p + 3:
        return _empty("anhecova")
    y = values[["hours"]].to_numpy(dtype=float)
    ones = np.ones(n)
    mean1, mean0 = adjusted_means(x, y, arm, ones)[:2]
    diff, se = float(mean1[0] - mean0[0]), float(adjusted_normal_se(x, y, arm, ones)[0])
    if not (se > 0 and np.isfinite(se)):
        return _empty("anhecova")
    df = n - 2 * (p + 1)
    t = stats.t.ppf(0.975, df)
    return {
        "difference": diff,
        "ci_low": diff - t * se,
        "ci_high": diff + t * se,
        "p_value": float(2 * stats.t.sf(abs(diff / se), df)),
        "method": "anhecova",
        "adjusted_for": ",".join(used),
    }


def compare_standardized(values: pd.DataFrame) -> dict:
    """Covariate-adjusted difference in mean hours by standardisation from a quasi-Poisson GLM (log link).

    All hours, zeros included, are modelled with the canonical log link, an intercept, the arm and the
    ANCOVA covariates; everyone is predicted as intervention and as control, and the means of the two
    predictions are compared. With a canonical link and an intercept this is consistent for the
    difference in means even when the model is wrong (Rosenblum & van der Laan 2010; FDA 2023), e.g.
    for an additive effect or zero inflation. The standard error comes from the influence function of
    the stacked estimating equations (a sandwich that also carries the averaging over people).

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention, hours, baseline_hours, age, sex, application_type.

    Returns
    -------
    dict
        difference, ci_low, ci_high, p_value (normal), method, warning (what the fit warned, else None).

    """
    if not _design_ok(values) or len(values) < 8 or values["hours"].sum() <= 0:
        return _empty("standardized") | {"warning": None}
    y = values["hours"].to_numpy(dtype=float)
    design = _design(values)
    x = design.to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(tol=1e-12)  # quasi-Poisson: the variance is robust
    note = "; ".join(sorted({str(w.message).splitlines()[0] for w in caught})) or None
    beta = fit.params
    arm = list(design.columns).index("intervention")
    x1, x0 = x.copy(), x.copy()
    x1[:, arm], x0[:, arm] = 1.0, 0.0
    m1, m0 = np.exp(x1 @ beta), np.exp(x0 @ beta)
    diff = float(np.mean(m1 - m0))
    mu = np.exp(x @ beta)
    n = len(y)
    bread = (x * mu[:, None]).T @ x / n  # minus the mean derivative of the score x (y - mu)
    grad = (x1 * m1[:, None] - x0 * m0[:, None]).mean(axis=0)  # derivative of the standardised difference
    influence = (m1 - m0 - diff) + (x * (y - mu)[:, None]) @ np.linalg.solve(bread, grad)
    se = float(np.sqrt(np.sum(influence**2)) / n)
    return _normal_result(diff, se, "standardized", warning=note)


def compare_two_part(values: pd.DataFrame) -> dict:
    """Describe the difference in mean hours as share with any hours × mean hours among them (unadjusted).

    A descriptive decomposition, not an adjusted estimator: per arm, mean = share with any hours ×
    mean among those with some, so the difference equals the difference in means. It shows whether a
    difference comes from fewer people needing any help or from less help to those who need some.
    The interval is the normal one for the difference in means.

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention, hours.

    Returns
    -------
    dict
        difference, ci_low, ci_high, p_value, method, and per arm share_any_* and mean_positive_*.

    """
    a, b = _arms(values)
    if len(a) < 2 or len(b) < 2:
        return _empty("two-part")
    parts = {}
    for name, arm in (("intervention", a), ("control", b)):
        positive = arm[arm > 0]
        parts[f"share_any_{name}"] = float(np.mean(arm > 0))
        parts[f"mean_positive_{name}"] = float(positive.mean()) if len(positive) else NAN
    diff = float(a.mean() - b.mean())
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    return _normal_result(diff, se, "two-part", **parts)


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


def compare_brunner_munzel(values: pd.DataFrame) -> dict:
    """Brunner–Munzel test and the probability of superiority with its 95% CI (unequal variances allowed).

    The probability that an intervention person has more hours than a control person (ties count
    half), with the Brunner & Munzel (2000) variance and t interval (as R's lawstat); the p-value is
    scipy's ``brunnermunzel``. Unlike Mann–Whitney it does not assume equal shapes, but like it, it
    answers which arm tends to have more hours, not by how many hours the means differ.

    Parameters
    ----------
    values : DataFrame
        One row per person: intervention (0/1), hours.

    Returns
    -------
    dict
        prob_superiority, ci_low, ci_high, p_value, method.

    """
    treated, control = _arms(values)
    empty = {"prob_superiority": NAN, "ci_low": NAN, "ci_high": NAN, "p_value": NAN, "method": "brunner-munzel"}
    n1, n2 = len(control), len(treated)
    if n1 < 2 or n2 < 2:
        return empty
    ranks = stats.rankdata(np.concatenate([control, treated]))
    r1, r2 = ranks[:n1], ranks[n1:]
    m1, m2 = r1.mean(), r2.mean()
    superiority = (m2 - (n2 + 1) / 2) / n1  # P(treated > control) + P(equal) / 2
    v1 = np.sum((r1 - stats.rankdata(control) - m1 + (n1 + 1) / 2) ** 2) / (n1 - 1)
    v2 = np.sum((r2 - stats.rankdata(treated) - m2 + (n2 + 1) / 2) ** 2) / (n2 - 1)
    if n1 * v1 + n2 * v2 == 0:  # every value equal: no spread to test
        return empty | {"prob_superiority": float(superiority)}
    df = (n1 * v1 + n2 * v2) ** 2 / ((n1 * v1) ** 2 / (n1 - 1) + (n2 * v2) ** 2 / (n2 - 1))
    se = np.sqrt(v1 / (n1 * n2**2) + v2 / (n2 * n1**2))
    half = stats.t.ppf(0.975, df) * se
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_value = stats.brunnermunzel(treated, control).pvalue
    return {
        "prob_superiority": float(superiority),
        "ci_low": float(max(0.0, superiority - half)),
        "ci_high": float(min(1.0, superiority + half)),
        "p_value": float(p_value),
        "method": "brunner-munzel",
    }


ESTIMATORS = {
    "welch": compare_welch,
    "bootstrap": compare_bootstrap,
    "ancova": compare_ancova,
    "anhecova": compare_anhecova,
    "standardized": compare_standardized,
    "two-part": compare_two_part,
}
