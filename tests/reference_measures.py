"""Per-person outcome-measure code as it was before the visits moved to moments in DuckDB: the tests' reference.

``summarize_visit`` computes one band's and visit's figures from one row per person measured (statsmodels
OLS with HC3 for the ANCOVA); the tests hold ``measure_cells.summarize_visits`` to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.outcomes.measures import load_measurements
from analysis.selection import ALL
from analysis.stats.descriptive import welch_from_stats
from analysis.stats.methods import FIT_ERRORS, FIT_FAILED, NO_SPREAD, TOO_FEW


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Return the mean and its t-based 95% CI (NaN ends with fewer than 2 values)."""
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if n < 2:
        return (mean, np.nan, np.nan)
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return (mean, mean - half, mean + half)


def ancova_at_visit(values: pd.DataFrame) -> dict:
    """Difference at a visit adjusted for the baseline value (OLS, HC3 robust standard errors, t with residual df).

    Parameters
    ----------
    values : DataFrame
        One row per person measured at the visit and at baseline: intervention (0/1), value, baseline.

    Returns
    -------
    dict
        ancova_difference, ancova_ci_low, ancova_ci_high, ancova_p_value, ancova_n, ancova_se, ancova_df (NaN
        when it cannot be estimated) and ancova_cannot_estimate (why, a code of stats.methods.REASONS, else None).

    """
    empty = {"ancova_difference": np.nan, "ancova_ci_low": np.nan, "ancova_ci_high": np.nan,
             "ancova_p_value": np.nan, "ancova_n": len(values), "ancova_se": np.nan, "ancova_df": np.nan}  # fmt: skip
    counts = values["intervention"].value_counts()
    if counts.get(1, 0) < 2 or counts.get(0, 0) < 2 or len(values) < 5:
        return empty | {"ancova_cannot_estimate": TOO_FEW}
    if values["baseline"].nunique() < 2 or values["value"].nunique() < 2:
        return empty | {"ancova_cannot_estimate": NO_SPREAD}
    design = pd.DataFrame(
        {"const": 1.0, "intervention": values["intervention"].astype(float), "baseline": values["baseline"]}
    )
    try:
        with np.errstate(all="ignore"):
            fit = sm.OLS(values["value"].astype(float), design).fit(cov_type="HC3", use_t=True)
            low, high = fit.conf_int().loc["intervention"]
    except FIT_ERRORS:
        return empty | {"ancova_cannot_estimate": FIT_FAILED}
    se = float(fit.bse["intervention"])
    if not (np.isfinite([low, high, se]).all() and se > 0):  # e.g. the baseline separates the arms
        return empty | {"ancova_cannot_estimate": FIT_FAILED}
    return {
        "ancova_difference": float(fit.params["intervention"]),
        "ancova_ci_low": float(low),
        "ancova_ci_high": float(high),
        "ancova_p_value": float(fit.pvalues["intervention"]),
        "ancova_n": len(values),
        "ancova_se": se,
        "ancova_df": float(fit.df_resid),
        "ancova_cannot_estimate": None,
    }


def summarize_visit(part: pd.DataFrame, adjust: bool = True) -> dict:
    """Return the figures of one band and visit: per-arm means and changes, Welch's difference and ANCOVA.

    ``adjust=False`` (the baseline visit itself) leaves the ANCOVA columns empty: a baseline adjusted for
    itself says nothing.
    """
    row: dict = {}
    arms = {}
    for arm, flag in (("intervention", 1), ("control", 0)):
        values = part.loc[part["intervention"] == flag, "value"].to_numpy(dtype=float)
        arms[arm] = values
        row[f"n_{arm}"] = len(values)
        row[f"mean_{arm}"], row[f"ci_low_{arm}"], row[f"ci_high_{arm}"] = mean_ci(values)
        paired = part[(part["intervention"] == flag) & part["baseline"].notna()]
        change = (paired["value"] - paired["baseline"]).to_numpy(dtype=float)
        row[f"n_change_{arm}"] = len(change)
        row[f"change_{arm}"], row[f"change_ci_low_{arm}"], row[f"change_ci_high_{arm}"] = mean_ci(change)
    a, b = arms["intervention"], arms["control"]
    sd = lambda x: float(x.std(ddof=1)) if len(x) > 1 else np.nan  # noqa: E731
    welch = welch_from_stats(
        a.mean() if len(a) else np.nan, sd(a), len(a), b.mean() if len(b) else np.nan, sd(b), len(b)
    )
    row |= {key: welch[key] for key in ("difference", "ci_low", "ci_high", "p_value")}
    adjusted = ancova_at_visit(part[part["baseline"].notna()] if adjust else part.iloc[0:0])
    return row | adjusted


def summarize_visits(con, selection, instrument) -> pd.DataFrame:
    """Return the per-person figures of every band and visit, in the rows and order of the cells' version."""
    data = load_measurements(con, selection, instrument)
    rows = []
    for band in [*(b.label for b in selection.bands), ALL]:
        in_band = data if band == ALL else data[data["age_band"] == band]
        for visit in sorted(int(v) for v in data["visit_month"].unique()):
            part = in_band[in_band["visit_month"] == visit]
            rows.append({"age_band": band, "visit_month": visit} | summarize_visit(part, adjust=visit > 0))
    return pd.DataFrame(rows)
