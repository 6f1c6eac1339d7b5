"""Repeated measures of hours over months: GEE with exchangeable correlation, or a linear-cost fit when large.

Both estimate the same marginal model (hours ~ month × arm + baseline hours) with standard errors robust
to the within-person correlation (a sandwich over people). Up to GEE_MAX_ROWS person-months statsmodels'
GEE with an exchangeable working correlation fits it; above, the model is fitted by least squares with
independence working correlation and cluster-robust standard errors (GEE with an independence working
correlation is exactly that), computed from sparse products whose time and memory grow linearly with
the number of person-months. Valid whatever the true correlation; possibly less precise.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import sparse, stats

from analysis.stats.methods import FIT_ERRORS, FIT_FAILED, NO_SPREAD, NOT_FINITE, TOO_FEW

GEE_MAX_ROWS = 300_000  # statsmodels' GEE loops over people in Python: minutes beyond this on 2 cores

AVERAGE_FROM = 6  # the repeated-measures average runs over months 6..K, after the three-month intervention


def _fit_exchangeable(data: pd.DataFrame, adjust: bool):
    """Fit the model by statsmodels' GEE (exchangeable); return parameters, robust covariance, contrast of a month."""
    formula = "hours ~ C(month) * intervention" + (" + baseline_hours" if adjust else "")
    fit = smf.gee(formula, "person", data, cov_struct=sm.cov_struct.Exchangeable()).fit()
    names = list(fit.params.index)

    def contrast(month: int) -> np.ndarray:
        c = np.zeros(len(names))
        c[names.index("intervention")] = 1.0
        term = f"C(month)[T.{month}]:intervention"
        if term in names:
            c[names.index(term)] = 1.0
        return c

    return fit.params.to_numpy(), fit.cov_params().loc[names, names].to_numpy(), contrast


_fit_exchangeable.correlation = "exchangeable"


def _fit_independence(data: pd.DataFrame, adjust: bool):
    """Fit the model by least squares with a sandwich over people, in linear time and memory (sparse products).

    The design has one column per month × arm cell (and baseline hours): the same model as the GEE
    formula, parametrised by cell means, so a month's arm effect is the difference of its two cells.
    The covariance is A⁻¹ (Σᵢ sᵢ sᵢᵀ) A⁻¹ with A = XᵀX and sᵢ person i's summed scores Σₜ xᵢₜ eᵢₜ: the
    robust covariance of GEE with independence working correlation (no small-sample correction).
    """
    months = data["month"].to_numpy(dtype=int)
    arm = data["intervention"].to_numpy(dtype=int)
    cells, cell = np.unique(months * 2 + arm, return_inverse=True)
    n, k = len(data), len(cells)
    rows = np.arange(n)
    x = sparse.csr_matrix((np.ones(n), (rows, cell)), shape=(n, k))
    if adjust:
        x = sparse.hstack([x, sparse.csr_matrix(data[["baseline_hours"]].to_numpy(dtype=float))], format="csr")
    y = data["hours"].to_numpy(dtype=float)
    gram = (x.T @ x).toarray()
    params = np.linalg.solve(gram, x.T @ y)
    residual = y - x @ params
    person, _ = pd.factorize(data["person"])
    scores = (sparse.csr_matrix((residual, (person, rows)), shape=(person.max() + 1, n)) @ x).toarray()
    inverse = np.linalg.inv(gram)
    cov = inverse @ (scores.T @ scores) @ inverse
    index = {int(c): i for i, c in enumerate(cells)}

    def contrast(month: int) -> np.ndarray:
        c = np.zeros(x.shape[1])
        if month * 2 + 1 not in index or month * 2 not in index:  # a month with one arm only: no difference
            return np.full(x.shape[1], np.nan)
        c[index[month * 2 + 1]], c[index[month * 2]] = 1.0, -1.0
        return c

    return params, cov, contrast


_fit_independence.correlation = "independence"


def fit_repeated_measures(
    months: pd.DataFrame, timepoints: list[int], average_from: int = AVERAGE_FROM
) -> pd.DataFrame:
    """Repeated-measures model of hours (GEE, exchangeable working correlation, robust standard errors).

    Above GEE_MAX_ROWS person-months the same model is fitted with independence working correlation
    by sparse least squares (linear cost); ``working_correlation`` says which.

    hours ~ month (factor) × arm + baseline hours over follow-up months 1..K (month 0, the month of
    randomization, is an outcome month in no sense and is left out). Generalised estimating equations
    (statsmodels GEE) give sandwich standard errors that stay valid when the working correlation, the
    variance or the normality is wrong; the arm effect at a month is the arm term plus its interaction.

    Parameters
    ----------
    months : DataFrame
        One row per person and counted month: person, intervention, month_k, hours, baseline_hours.
    timepoints : list of int
        Months at which to report the arm effect.
    average_from : int
        First month of the pre-specified average (months average_from..K; all months when K is smaller).

    Returns
    -------
    DataFrame
        One row per requested month present in the data plus 'average': month, difference, ci_low,
        ci_high, p_value, cannot_estimate (a code of REASONS when the model cannot give that month's
        effect, the numbers then NaN; else None), warning (the fit's message when it failed) and
        working_correlation ('exchangeable' or 'independence').

    """
    data = months[months["month_k"] >= 1].assign(month=lambda d: d["month_k"].astype(int))
    levels = sorted(data["month"].unique())
    columns = [
        "month",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "cannot_estimate",
        "warning",
        "working_correlation",
    ]
    requested_labels = [str(m) for m in timepoints if m in levels] + ["average"]

    def cannot(reason: str, detail: str | None = None) -> pd.DataFrame:
        rows = [{"month": label, "cannot_estimate": reason, "warning": detail} for label in requested_labels]
        return pd.DataFrame(rows, columns=columns).astype(dict.fromkeys(columns[1:5], float))

    if len(levels) == 0:
        return pd.DataFrame(columns=columns)
    people = data.groupby("intervention")["person"].nunique()
    if data["intervention"].nunique() < 2 or people.min() < 2:
        return cannot(TOO_FEW)
    if not np.isfinite(data["hours"].to_numpy(dtype=float)).all():
        return cannot(NOT_FINITE)
    if data["hours"].nunique() < 2:
        return cannot(NO_SPREAD)
    # Baseline hours are adjusted for only when they vary (a constant is the intercept's).
    adjust = "baseline_hours" in data and data["baseline_hours"].nunique() > 1
    fitter = _fit_exchangeable if len(data) <= GEE_MAX_ROWS else _fit_independence
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            params, cov, contrast = fitter(data, adjust)
    except FIT_ERRORS as error:
        return cannot(FIT_FAILED, str(error).splitlines()[0] if str(error) else type(error).__name__)
    internal = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)  # the libraries' own, not the fit's
    note = "; ".join(sorted({str(w.message).splitlines()[0] for w in caught if not issubclass(w.category, internal)}))
    note = note or None  # what the fit warned (convergence, a boundary) reaches the reader under the table
    rows = []
    z = stats.norm.ppf(0.975)
    averaged = [m for m in levels if m >= average_from] or levels
    requested = [(str(m), contrast(m)) for m in timepoints if m in levels]
    requested.append(("average", np.mean([contrast(m) for m in averaged], axis=0)))
    for label, c in requested:
        est = float(c @ params)
        se = float(np.sqrt(c @ cov @ c))
        row = {"month": label, "cannot_estimate": None, "warning": note, "working_correlation": fitter.correlation}
        if not (np.isfinite(est) and np.isfinite(se) and se > 0):  # a singular fit: no usable standard error
            rows.append(row | {"cannot_estimate": FIT_FAILED})
            continue
        rows.append(
            row
            | {
                "difference": est,
                "ci_low": est - z * se,
                "ci_high": est + z * se,
                "p_value": float(2 * stats.norm.sf(abs(est / se))),
            }
        )
    return pd.DataFrame(rows, columns=columns)
