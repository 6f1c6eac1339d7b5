"""Outcome measures at visits from per-cell moments in DuckDB: means, changes, Welch's difference and ANCOVA (HC3).

The same figures as ``measures._summarize_visit`` computes person by person (held equal to 1e-9 by the
tests), from one grouped query of moments per (band, visit, arm) and one of the HC3 sandwich's sums per
(band, visit), so neither the time beyond the scan nor the memory grows with the number of people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.outcomes.person_values import _people_sql
from analysis.selection import ALL, Selection
from analysis.stats.descriptive import welch_from_stats
from analysis.stats.methods import FIT_FAILED, NO_SPREAD, TOO_FEW
from analysis.store import db

ARMS = (("intervention", 1), ("control", 0))
_MAX_CONDITION = 1e10  # a design this ill-conditioned (the baseline separates the arms) is not fitted

_ROWS = """
    WITH people AS ({people}),
         rows AS (SELECT p.person_id, p.age_band, p.intervention, m.visit_month, m.value, b.value AS baseline
                  FROM people p
                  JOIN measurements m ON m.study = ? AND m.person_id = p.person_id AND m.instrument = ?
                  LEFT JOIN measurements b ON b.study = ? AND b.person_id = p.person_id AND b.instrument = ?
                                           AND b.visit_month = 0)
"""

_MOMENTS = """
    SELECT CASE WHEN grouping(age_band) = 1 THEN 'all' ELSE coalesce(age_band, '') END AS age_band,
           visit_month, intervention, count(*) AS n, avg(value) AS mean, var_samp(value) AS var,
           count(baseline) AS n_change, avg(value - baseline) AS change, var_samp(value - baseline) AS change_var,
           avg(value) FILTER (WHERE baseline IS NOT NULL) AS paired_mean, avg(baseline) AS baseline_mean,
           regr_sxx(value, baseline) AS sbb, regr_sxy(value, baseline) AS svb,
           min(baseline) AS baseline_min, max(baseline) AS baseline_max,
           min(value) FILTER (WHERE baseline IS NOT NULL) AS paired_min,
           max(value) FILTER (WHERE baseline IS NOT NULL) AS paired_max
    FROM rows GROUP BY GROUPING SETS ((age_band, visit_month, intervention), (visit_month, intervention))
"""

# Per (band, visit) fitted: the coefficients b0, b1, b2 of value ~ 1 + arm + (baseline - c) and the inverse
# of X'X (a00 … a22); every person's HC3 weight (e / (1 - h))² multiplies x x' into the sandwich's meat.
_MEAT = """
    , fits AS (SELECT * FROM (SELECT unnest(?::VARCHAR[]) AS age_band, unnest(?::INTEGER[]) AS visit_month,
                              unnest(?::DOUBLE[]) AS c, unnest(?::DOUBLE[]) AS b0, unnest(?::DOUBLE[]) AS b1,
                              unnest(?::DOUBLE[]) AS b2, unnest(?::DOUBLE[]) AS a00, unnest(?::DOUBLE[]) AS a01,
                              unnest(?::DOUBLE[]) AS a02, unnest(?::DOUBLE[]) AS a11, unnest(?::DOUBLE[]) AS a12,
                              unnest(?::DOUBLE[]) AS a22)),
         terms AS (SELECT f.age_band, f.visit_month, r.intervention AS t, r.baseline - f.c AS z,
                          r.value - (f.b0 + f.b1 * r.intervention + f.b2 * (r.baseline - f.c)) AS e,
                          f.a00 + 2 * f.a01 * r.intervention + 2 * f.a02 * (r.baseline - f.c)
                          + f.a11 * r.intervention + 2 * f.a12 * r.intervention * (r.baseline - f.c)
                          + f.a22 * (r.baseline - f.c) * (r.baseline - f.c) AS h
                   FROM rows r JOIN fits f ON f.visit_month = r.visit_month
                                          AND (f.age_band = 'all' OR f.age_band = r.age_band)
                   WHERE r.baseline IS NOT NULL),
         weighted AS (SELECT age_band, visit_month, t, z,
                             CASE WHEN 1 - h > 1e-12 THEN (e / (1 - h)) * (e / (1 - h)) ELSE 'NaN'::DOUBLE END AS u
                      FROM terms)
    SELECT age_band, visit_month, sum(u) AS m00, sum(u * t) AS m01, sum(u * z) AS m02, sum(u * t * z) AS m12,
           sum(u * z * z) AS m22
    FROM weighted GROUP BY age_band, visit_month
"""


def measured_rows_sql(selection: Selection, instrument: str) -> tuple[str, list]:
    """Return the WITH clause whose ``rows`` are the selection's measurements with their baseline, and its parameters.

    One row per randomized person in the selection and visit measured: person_id, age_band (None outside the
    bands), intervention (0/1), visit_month, value and baseline (the visit-0 value, NULL when not measured).
    """
    people, params = _people_sql(selection)
    study = selection.study
    return _ROWS.format(people=people), [*params, study, instrument, study, instrument]


def count_visit_moments(con: db.Connection, selection: Selection, instrument: str) -> pd.DataFrame:
    """Return the measurements' moments per age band ('all' too), visit and arm.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands (people outside every band count only in 'all').
    instrument : str
        Catalogue name of the instrument.

    Returns
    -------
    DataFrame
        age_band, visit_month, intervention (0/1), n, mean, var (sample), n_change, change, change_var (value
        minus baseline, among those measured at baseline too) and, among those: paired_mean, baseline_mean,
        sbb and svb (centred sums of squares and products), baseline_min/max and paired_min/max.

    """
    rows, params = measured_rows_sql(selection, instrument)
    moments = db.query(con, rows + _MOMENTS, params)
    return moments[moments["age_band"] != ""].reset_index(drop=True)


def _fit_design(arms: dict) -> dict | None:
    """Return OLS of value ~ 1 + arm + (baseline − c) from the paired moments of both arms, or None if singular."""
    n1, n0 = arms[1]["n_change"], arms[0]["n_change"]
    n = n1 + n0
    mb1, mb0 = arms[1]["baseline_mean"], arms[0]["baseline_mean"]
    mv1, mv0 = arms[1]["paired_mean"], arms[0]["paired_mean"]
    c = (n1 * mb1 + n0 * mb0) / n
    d1, d0 = mb1 - c, mb0 - c
    szz = arms[1]["sbb"] + arms[0]["sbb"] + n1 * d1 * d1 + n0 * d0 * d0
    gram = np.array([[n, n1, 0.0], [n1, n1, n1 * d1], [0.0, n1 * d1, szz]])
    cross = np.array([n1 * mv1 + n0 * mv0, n1 * mv1, arms[1]["svb"] + arms[0]["svb"] + n1 * d1 * mv1 + n0 * d0 * mv0])
    with np.errstate(all="ignore"):
        if not np.isfinite(gram).all() or np.linalg.cond(gram) > _MAX_CONDITION:
            return None
        inverse = np.linalg.inv(gram)
    return {"c": c, "beta": inverse @ cross, "inverse": inverse, "n": int(n)}


def _ancova_rows(groups: dict) -> tuple[dict, dict]:
    """Return (reasons, fits): why a (band, visit) cannot be adjusted, and the fitted designs of the others."""
    reasons, fits = {}, {}
    for key, arms in groups.items():
        if key[1] == 0:
            continue  # the baseline visit is not adjusted for itself
        if min(arms[flag]["n_change"] for flag in (0, 1)) < 2 or arms[0]["n_change"] + arms[1]["n_change"] < 5:
            reasons[key] = TOO_FEW
            continue
        spread = [(min(arms[f][f"{x}_min"] for f in (0, 1)), max(arms[f][f"{x}_max"] for f in (0, 1)))
                  for x in ("baseline", "paired")]  # fmt: skip
        if any(low == high for low, high in spread):
            reasons[key] = NO_SPREAD
            continue
        fit = _fit_design(arms)
        if fit is None:
            reasons[key] = FIT_FAILED
        else:
            fits[key] = fit
    return reasons, fits


def _sum_meat(con: db.Connection, selection: Selection, instrument: str, fits: dict) -> dict:
    """Return the HC3 meat matrix per (band, visit) fitted, from one grouped query."""
    if not fits:
        return {}
    keys = list(fits)
    columns = [[k[0] for k in keys], [int(k[1]) for k in keys], [float(fits[k]["c"]) for k in keys]]
    columns += [[float(fits[k]["beta"][i]) for k in keys] for i in range(3)]
    columns += [
        [float(fits[k]["inverse"][i, j]) for k in keys] for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
    ]
    rows, params = measured_rows_sql(selection, instrument)
    sums = db.query(con, rows + _MEAT, [*params, *columns])
    meat = {}
    for row in sums.itertuples(index=False):
        m01 = row.m01  # t² = t: the (t, t) element equals the (1, t) one
        meat[(row.age_band, int(row.visit_month))] = np.array(
            [[row.m00, m01, row.m02], [m01, m01, row.m12], [row.m02, row.m12, row.m22]], dtype=float
        )
    return meat


def _adjusted(fit: dict | None, meat: np.ndarray | None, n: int, reason: str | None) -> dict:
    """Return the ANCOVA columns of one (band, visit) from its fitted design and HC3 meat."""
    empty = {"ancova_difference": np.nan, "ancova_ci_low": np.nan, "ancova_ci_high": np.nan,
             "ancova_p_value": np.nan, "ancova_n": n, "ancova_se": np.nan, "ancova_df": np.nan}  # fmt: skip
    if reason is not None:
        return empty | {"ancova_cannot_estimate": reason}
    with np.errstate(all="ignore"):
        covariance = fit["inverse"] @ meat @ fit["inverse"]
        se = float(np.sqrt(covariance[1, 1]))
    if not (np.isfinite(se) and se > 0):
        return empty | {"ancova_cannot_estimate": FIT_FAILED}
    df = float(n - 3)
    difference = float(fit["beta"][1])
    half = float(stats.t.ppf(0.975, df)) * se
    return {
        "ancova_difference": difference,
        "ancova_ci_low": difference - half,
        "ancova_ci_high": difference + half,
        "ancova_p_value": float(2 * stats.t.sf(abs(difference / se), df)),
        "ancova_n": n,
        "ancova_se": se,
        "ancova_df": df,
        "ancova_cannot_estimate": None,
    }


def _mean_ci(n: int, mean: float, var: float) -> tuple[float, float, float]:
    """Return the mean and its t-based 95% CI from n, mean and sample variance (NaN ends below 2 values)."""
    if n == 0:
        return (np.nan, np.nan, np.nan)
    if n < 2:
        return (float(mean), np.nan, np.nan)
    half = float(stats.t.ppf(0.975, n - 1) * np.sqrt(var) / np.sqrt(n))
    return (float(mean), mean - half, mean + half)


_EMPTY_ARM = {"n": 0, "mean": np.nan, "var": np.nan, "n_change": 0, "change": np.nan, "change_var": np.nan,
              "paired_mean": np.nan, "baseline_mean": np.nan, "sbb": np.nan, "svb": np.nan, "baseline_min": np.nan,
              "baseline_max": np.nan, "paired_min": np.nan, "paired_max": np.nan}  # fmt: skip


def summarize_visits(con: db.Connection, selection: Selection, instrument: str) -> pd.DataFrame:
    """Return each band's and visit's per-arm means and changes, Welch's difference and the ANCOVA (HC3).

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; rows for every band of the selection and 'all', at every visit measured.
    instrument : str
        Catalogue name of the instrument.

    Returns
    -------
    DataFrame
        age_band, visit_month, n_/mean_/ci_low_/ci_high_ and n_change_/change_/change_ci_low_/change_ci_high_
        per arm, difference, ci_low, ci_high, p_value (Welch) and the ANCOVA columns of
        ``measures.ancova_at_visit`` (empty at the baseline visit).

    """
    moments = count_visit_moments(con, selection, instrument)
    visits = sorted(int(v) for v in moments["visit_month"].unique())
    found = {(r["age_band"], int(r["visit_month"]), int(r["intervention"])): r for r in moments.to_dict("records")}
    groups = {(band, visit): {flag: found.get((band, visit, flag), _EMPTY_ARM) for flag in (0, 1)}
              for band in [*(b.label for b in selection.bands), ALL] for visit in visits}  # fmt: skip
    reasons, fits = _ancova_rows(groups)
    meat = _sum_meat(con, selection, instrument, fits)
    rows = []
    for (band, visit), arms in groups.items():
        row = {"age_band": band, "visit_month": visit}
        for arm, flag in ARMS:
            cell = arms[flag]
            row[f"n_{arm}"] = int(cell["n"])
            row[f"mean_{arm}"], row[f"ci_low_{arm}"], row[f"ci_high_{arm}"] = _mean_ci(
                cell["n"], cell["mean"], cell["var"]
            )
            row[f"n_change_{arm}"] = int(cell["n_change"])
            row[f"change_{arm}"], row[f"change_ci_low_{arm}"], row[f"change_ci_high_{arm}"] = _mean_ci(
                cell["n_change"], cell["change"], cell["change_var"]
            )
        sd = {flag: float(np.sqrt(arms[flag]["var"])) if arms[flag]["n"] > 1 else np.nan for flag in (0, 1)}
        welch = welch_from_stats(arms[1]["mean"], sd[1], int(arms[1]["n"]), arms[0]["mean"], sd[0], int(arms[0]["n"]))
        row |= {key: welch[key] for key in ("difference", "ci_low", "ci_high", "p_value")}
        paired = int(arms[0]["n_change"] + arms[1]["n_change"]) if visit > 0 else 0
        reason = TOO_FEW if visit == 0 else reasons.get((band, visit))
        rows.append(row | _adjusted(fits.get((band, visit)), meat.get((band, visit)), paired, reason))
    return pd.DataFrame(rows)
