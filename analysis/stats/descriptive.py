"""Statistics computed from sufficient statistics (counts, sums, sums of squares) of hours."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint


def describe_cells(n: np.ndarray, total: np.ndarray, total_sq: np.ndarray) -> pd.DataFrame:
    """Return mean, sample SD and a 95% t confidence interval of the mean per row of sums.

    Parameters
    ----------
    n, total, total_sq : array-like
        Count, sum and sum of squares of the values in each cell.

    Returns
    -------
    DataFrame
        Columns n, mean, sd, ci_low, ci_high; NaN where n is too small.

    """
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    total_sq = np.asarray(total_sq, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        ss = np.maximum(total_sq - n * mean**2, 0.0)
        sd = np.where(n > 1, np.sqrt(ss / (n - 1)), np.nan)
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    return pd.DataFrame({"n": n.astype("int64"), "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half})


def welch_from_stats(
    mean1: float, sd1: float, n1: float, mean2: float, sd2: float, n2: float, confidence: float = 0.95
) -> dict[str, float]:
    """Welch's unequal-variance t-test of mean1 - mean2 with its confidence interval.

    Parameters
    ----------
    mean1, sd1, n1 : float
        Mean, sample SD and count of the first group (intervention).
    mean2, sd2, n2 : float
        The same for the second group (control).
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    dict
        difference, se, df, t, p_value, ci_low, ci_high (NaN when a group has fewer than 2 people).

    """
    nan = float("nan")
    if n1 < 2 or n2 < 2:
        return dict(difference=nan, se=nan, df=nan, t=nan, p_value=nan, ci_low=nan, ci_high=nan)
    v1, v2 = sd1**2 / n1, sd2**2 / n2
    se = float(np.sqrt(v1 + v2))
    diff = float(mean1 - mean2)
    if se == 0:
        return dict(difference=diff, se=0.0, df=nan, t=nan, p_value=nan, ci_low=diff, ci_high=diff)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    t = diff / se
    p = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    return dict(difference=diff, se=se, df=float(df), t=float(t), p_value=p, ci_low=diff - half, ci_high=diff + half)


def interaction_f_test(cells: pd.DataFrame, factor_a: str, factor_b: str) -> dict[str, float]:
    """F-test of the a × b interaction in a linear model of the values, from cell sums.

    Compares ``y ~ a + b`` with ``y ~ a * b`` fitted by least squares to the individual values, using
    only each cell's count, sum and sum of squares: the full model's residual sum of squares is the
    within-cell sum of squares, and the additive model adds the weighted squared distance of the
    cell means from their weighted least-squares additive fit.

    Parameters
    ----------
    cells : DataFrame
        One row per (a, b) cell with columns factor_a, factor_b, n, total, total_sq.
    factor_a, factor_b : str
        Column names of the two factors.

    Returns
    -------
    dict
        f, df_num, df_den, p_value (NaN when the test cannot be formed).

    """
    nan = float("nan")
    cells = cells[cells["n"] > 0]
    n = cells["n"].to_numpy(dtype=float)
    total = cells["total"].to_numpy(dtype=float)
    mean = total / n
    rss_full = float(np.sum(cells["total_sq"].to_numpy(dtype=float) - total * mean))
    levels_a = sorted(cells[factor_a].unique())
    levels_b = sorted(cells[factor_b].unique())
    columns = [np.ones(len(cells))]
    columns += [(cells[factor_a] == lv).to_numpy(dtype=float) for lv in levels_a[1:]]
    columns += [(cells[factor_b] == lv).to_numpy(dtype=float) for lv in levels_b[1:]]
    x = np.column_stack(columns)
    w = np.sqrt(n)
    coef, *_ = np.linalg.lstsq(x * w[:, None], mean * w, rcond=None)
    rss_add = rss_full + float(np.sum(n * (mean - x @ coef) ** 2))
    rank_add = np.linalg.matrix_rank(x)
    df_num = len(cells) - rank_add
    df_den = n.sum() - len(cells)
    if df_num <= 0 or df_den <= 0 or rss_full <= 0:
        return dict(f=nan, df_num=float(df_num), df_den=float(df_den), p_value=nan)
    f = ((rss_add - rss_full) / df_num) / (rss_full / df_den)
    return dict(f=float(f), df_num=float(df_num), df_den=float(df_den), p_value=float(stats.f.sf(f, df_num, df_den)))


def assess_heterogeneity(estimates, variances, dfs) -> dict[str, float]:
    """Welch's (1951) test that independent estimates are equal, each with its own variance and df.

    The statistic is Welch's heteroscedastic one-way ANOVA written for any estimates: weights 1/variance,
    an approximate F with k − 1 and (k² − 1) / (3A) degrees of freedom. Applied to group means with
    variance s²/n and df n − 1 it is Welch's ANOVA (statsmodels ``anova_oneway(use_var="unequal")``).

    Parameters
    ----------
    estimates, variances, dfs : array-like
        One entry per group; groups with a non-finite or zero variance are left out.

    Returns
    -------
    dict
        f, df_num, df_den, p_value (NaN with fewer than two usable groups), method.

    """
    est, var, df = (np.asarray(v, dtype=float) for v in (estimates, variances, dfs))
    ok = np.isfinite(est) & np.isfinite(var) & (var > 0) & np.isfinite(df) & (df > 0)
    est, var, df = est[ok], var[ok], df[ok]
    k = len(est)
    nan = float("nan")
    if k < 2:
        return dict(f=nan, df_num=nan, df_den=nan, p_value=nan, method="welch-james")
    w = 1 / var
    centre = np.sum(w * est) / np.sum(w)
    a = np.sum((1 - w / w.sum()) ** 2 / df)
    f = (np.sum(w * (est - centre) ** 2) / (k - 1)) / (1 + 2 * (k - 2) * a / (k**2 - 1))
    df_den = (k**2 - 1) / (3 * a)
    return dict(
        f=float(f),
        df_num=float(k - 1),
        df_den=float(df_den),
        p_value=float(stats.f.sf(f, k - 1, df_den)),
        method="welch-james",
    )


def interaction_welch_test(cells: pd.DataFrame, factor_a: str, factor_b: str) -> dict[str, float]:
    """Test whether the two-arm difference is the same in every level of b, without assuming equal variances.

    Per level of b the difference of the two a-levels' means has the variance s₁²/n₁ + s₂²/n₂ and
    Welch–Satterthwaite df; Welch's test of equal estimates (assess_heterogeneity) compares them.
    It tests interaction on the additive (hours) scale: on another scale the answer can differ.

    Parameters
    ----------
    cells : DataFrame
        One row per (a, b) cell with columns factor_a (two levels), factor_b, n, total, total_sq.
    factor_a, factor_b : str
        Column names of the two factors.

    Returns
    -------
    dict
        f, df_num, df_den, p_value, method.

    """
    described = pd.concat(
        [
            cells[[factor_a, factor_b]].reset_index(drop=True),
            describe_cells(cells["n"], cells["total"], cells["total_sq"]),
        ],
        axis=1,
    )
    levels_a = sorted(described[factor_a].unique())
    estimates, variances, dfs = [], [], []
    for _, part in described.groupby(factor_b):
        arms = part.set_index(factor_a)
        if len(levels_a) != 2 or not set(levels_a) <= set(arms.index):
            continue
        hi, lo = arms.loc[levels_a[1]], arms.loc[levels_a[0]]
        test = welch_from_stats(hi["mean"], hi["sd"], int(hi["n"]), lo["mean"], lo["sd"], int(lo["n"]))
        estimates.append(test["difference"])
        variances.append(test["se"] ** 2)
        dfs.append(test["df"])
    return assess_heterogeneity(estimates, variances, dfs)


def proportion_ci(count: Sequence[int], n: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% confidence interval of count / n (statsmodels), NaN where n is 0."""
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    low = np.full(len(n), np.nan)
    high = np.full(len(n), np.nan)
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(count[ok], n[ok], alpha=0.05, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Return Holm-adjusted p-values (statsmodels), leaving NaN where a p-value is missing."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def standardized_difference_continuous(x1: np.ndarray, x0: np.ndarray) -> float:
    """Return (mean1 - mean0) / sqrt((var1 + var0) / 2), the standardized mean difference."""
    if len(x1) < 2 or len(x0) < 2:
        return float("nan")
    pooled = np.sqrt((np.var(x1, ddof=1) + np.var(x0, ddof=1)) / 2)
    return float((np.mean(x1) - np.mean(x0)) / pooled) if pooled > 0 else float("nan")


def standardized_difference_categorical(p1: np.ndarray, p0: np.ndarray) -> float:
    """Return the standardized difference of category shares (Yang & Dalton 2012; binary: Austin 2009).

    sqrt((p1 - p0)' S^-1 (p1 - p0)) over all levels but the first, with S the mean of the two
    multinomial covariance matrices.
    """
    t, c = np.asarray(p1, dtype=float)[1:], np.asarray(p0, dtype=float)[1:]
    if len(t) == 0:
        return float("nan")
    s = (np.diag(t) - np.outer(t, t) + np.diag(c) - np.outer(c, c)) / 2
    diff = t - c
    try:
        value = float(np.sqrt(diff @ np.linalg.inv(s) @ diff))
    except np.linalg.LinAlgError:
        value = float(np.sqrt(diff @ np.linalg.pinv(s) @ diff))
    return value
