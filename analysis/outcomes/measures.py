"""Outcome measures at visits: means per arm, change from baseline, the difference, ANCOVA and a repeated model.

Estimand (ICH E9(R1)): among randomized people in the selection who were measured at a visit, the
difference in mean score between the arms at that visit (intervention minus control). People who died or
were not measured are missing, never zero; the estimate therefore describes those measured and assumes
that, given arm (and baseline for ANCOVA and the repeated model), who is missing is unrelated to the
score they would have had (missing at random). Deaths are counted per visit so the reader sees how many
could not be measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.errors import InputError
from analysis.instruments import Instrument, load_instruments
from analysis.outcomes.person_values import _people_sql
from analysis.selection import ALL, Selection
from analysis.stats.descriptive import assess_heterogeneity, welch_from_stats
from analysis.stats.methods import FIT_ERRORS, FIT_FAILED, NO_SPREAD, TOO_FEW
from analysis.stats.repeated import fit_repeated_measures
from analysis.store import db
from analysis.store.cells import band_case, district_sql, filter_sql

ARMS = ("intervention", "control")


@dataclass(frozen=True)
class MeasuresComparison:
    """One instrument compared between arms: a row per age band and visit, the repeated model, the primary visit."""

    instrument: Instrument
    visits: pd.DataFrame  # one row per age band ('all' too) and visit month
    repeated: pd.DataFrame  # the repeated-measures model per visit (all ages)
    primary_visit: int | None  # the last measured visit within the analysis plan's window
    repeated_note: str | None = None  # why the repeated-measures model has no rows (English), when it has none
    interaction: dict | None = None  # do the bands' ANCOVA differences at the primary visit differ? (Welch-type)

    def primary(self) -> dict | None:
        """Return the all-ages row of the primary visit (ANCOVA adjusted for baseline is the primary estimate)."""
        if self.primary_visit is None:
            return None
        row = self.visits[(self.visits["age_band"] == ALL) & (self.visits["visit_month"] == self.primary_visit)]
        return None if row.empty else row.iloc[0].to_dict()


def list_instruments(con: db.Connection, study: str) -> list[str]:
    """Return the instruments a study has measurements of, in catalogue order.

    Parameters
    ----------
    con : Connection
        An open store (stores written before measurements existed have none).
    study : str
        Study name.

    Returns
    -------
    list of str

    """
    if not db.has_table(con, "measurements"):
        return []
    found = {name for (name,) in con.execute("SELECT DISTINCT instrument FROM measurements WHERE study = ?", [study])
             .fetchall()}  # fmt: skip
    catalogue = load_instruments()
    return [name for name in catalogue if name in found] + sorted(found - set(catalogue))


def load_measurements(con: db.Connection, selection: Selection, instrument: str) -> pd.DataFrame:
    """Return one row per randomized person in the selection and visit measured, with the baseline value beside it.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands.
    instrument : str
        Catalogue name of the instrument.

    Returns
    -------
    DataFrame
        person_id, intervention (0/1), age_band (None outside the bands), visit_month, value, baseline
        (the visit-0 value, NaN when not measured).

    """
    people, params = _people_sql(selection)
    sql = f"""
        WITH people AS ({people})
        SELECT p.person_id, p.intervention, p.age_band, m.visit_month, m.value, b.value AS baseline
        FROM people p
        JOIN measurements m ON m.study = ? AND m.person_id = p.person_id AND m.instrument = ?
        LEFT JOIN measurements b ON b.study = ? AND b.person_id = p.person_id AND b.instrument = ?
                                 AND b.visit_month = 0
        ORDER BY p.person_id, m.visit_month
    """
    study = selection.study
    return db.query(con, sql, [*params, study, instrument, study, instrument])


def _count_people(con: db.Connection, selection: Selection, visits: list[int]) -> pd.DataFrame:
    """Return per band ('all' too), arm and visit: people randomized and those who died before the visit."""
    people, params = _people_sql(selection)
    sql = f"""
        WITH people AS ({people}),
             deaths AS (SELECT p.*, datediff('day', r.randomized_on, r.died_on) AS died_day
                        FROM people p JOIN participants r ON r.study = ? AND r.person_id = p.person_id),
             visits AS (SELECT unnest(?::INTEGER[]) AS visit_month)
        SELECT CASE WHEN grouping(age_band) = 1 THEN 'all' ELSE coalesce(age_band, '') END AS age_band,
               arm, visit_month, count(*) AS randomized,
               count(*) FILTER (WHERE died_day IS NOT NULL AND died_day < visit_month * 30.4375) AS died
        FROM deaths, visits GROUP BY GROUPING SETS ((age_band, arm, visit_month), (arm, visit_month))
    """
    counts = db.query(con, sql, [*params, selection.study, visits])
    return counts[counts["age_band"] != ""]


def count_measured(con: db.Connection, selection: Selection, instrument: str, visits) -> pd.DataFrame:
    """Count per finest group and visit: people randomized, dead before the visit, measured, measured at baseline too.

    The same people and rules as compare_measures, aggregated in DuckDB for the disclosure rules.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters, bands (age_band None outside them) and merged districts.
    instrument : str
        Catalogue name of the instrument.
    visits : sequence of int
        The visit months.

    Returns
    -------
    DataFrame
        age_band, arm, sex, application_type, district, visit_month, randomized, died, measured, with_baseline.

    """
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    district, district_params = district_sql("coalesce(p.district, '')", selection.merged)
    sql = f"""
        WITH people AS (
                 SELECT p.person_id, p.arm, {band_sql} AS age_band, p.sex, p.application_type, {district} AS district,
                        datediff('day', p.randomized_on, p.died_on) AS died_day
                 FROM participants p WHERE p.study = ? AND {cond_sql}),
             visits AS (SELECT unnest(?::INTEGER[]) AS visit_month),
             measured AS (SELECT DISTINCT person_id, visit_month FROM measurements WHERE study = ? AND instrument = ?)
        SELECT e.age_band, e.arm, e.sex, e.application_type, e.district, v.visit_month, count(*) AS randomized,
               count(*) FILTER (WHERE e.died_day IS NOT NULL AND e.died_day < v.visit_month * 30.4375) AS died,
               count(m.person_id) AS measured,
               count(m.person_id) FILTER (WHERE b.person_id IS NOT NULL) AS with_baseline
        FROM people e CROSS JOIN visits v
        LEFT JOIN measured m ON m.person_id = e.person_id AND m.visit_month = v.visit_month
        LEFT JOIN measured b ON b.person_id = e.person_id AND b.visit_month = 0
        GROUP BY ALL
    """
    params = [*band_params, *district_params, selection.study, *cond_params, [int(v) for v in visits]]
    return db.query(con, sql, [*params, selection.study, instrument])


def _mean_ci(values: np.ndarray) -> tuple[float, float, float]:
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


def _summarize_visit(part: pd.DataFrame, adjust: bool = True) -> dict:
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
        row[f"mean_{arm}"], row[f"ci_low_{arm}"], row[f"ci_high_{arm}"] = _mean_ci(values)
        paired = part[(part["intervention"] == flag) & part["baseline"].notna()]
        change = (paired["value"] - paired["baseline"]).to_numpy(dtype=float)
        row[f"n_change_{arm}"] = len(change)
        row[f"change_{arm}"], row[f"change_ci_low_{arm}"], row[f"change_ci_high_{arm}"] = _mean_ci(change)
    a, b = arms["intervention"], arms["control"]
    sd = lambda x: float(x.std(ddof=1)) if len(x) > 1 else np.nan  # noqa: E731
    welch = welch_from_stats(
        a.mean() if len(a) else np.nan, sd(a), len(a), b.mean() if len(b) else np.nan, sd(b), len(b)
    )
    row |= {key: welch[key] for key in ("difference", "ci_low", "ci_high", "p_value")}
    adjusted = ancova_at_visit(part[part["baseline"].notna()] if adjust else part.iloc[0:0])
    return row | adjusted


def _band_interaction(visits: pd.DataFrame, primary: int | None, selection: Selection) -> dict | None:
    """Return the test that the bands' adjusted differences at the primary visit are equal, or None."""
    if primary is None:
        return None
    bands = [b.label for b in selection.bands]
    part = visits[(visits["visit_month"] == primary) & visits["age_band"].isin(bands)].dropna(subset=["ancova_se"])
    if len(part) < 2:
        return None
    return assess_heterogeneity(part["ancova_difference"], part["ancova_se"] ** 2, part["ancova_df"])


def compare_measures(
    con: db.Connection, selection: Selection, instrument: str, window: int | None = None, repeated: bool = True
):
    """Compare one instrument between the arms at every visit, per age band and overall.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands.
    instrument : str
        Catalogue name of the instrument (see ``list_instruments``).
    window : int, optional
        The analysis plan's window in months: the primary visit is the last visit after baseline within it.
    repeated : bool
        Fit the repeated-measures model (statsmodels' GEE loops over people: about 20 s at 60,000 people).

    Returns
    -------
    MeasuresComparison
        ``visits``: age_band, visit_month, randomized_/died_ per arm (died before the visit), n_/mean_/ci_low_/
        ci_high_ per arm (those measured), change_ per arm from baseline (those measured at both) with CI,
        difference, ci_low, ci_high, p_value (Welch, intervention minus control), ancova_difference,
        ancova_ci_low, ancova_ci_high, ancova_p_value, ancova_n (adjusted for baseline). ``repeated``: a
        repeated-measures model over the visits after baseline (GEE, exchangeable working correlation,
        robust SEs, baseline as covariate), with an 'average' row over visits from month 6.

    Raises
    ------
    InputError
        When the study has no measurements of the instrument.

    """
    catalogue = load_instruments()
    if instrument not in list_instruments(con, selection.study):
        known = ", ".join(list_instruments(con, selection.study)) or "inga / none"
        raise InputError(
            f"Studien {selection.study} har inga mätningar av {instrument!r}; den har: {known}.",
            f"The study {selection.study} has no measurements of {instrument!r}; it has: {known}.",
        )
    data = load_measurements(con, selection, instrument)
    visit_months = sorted(int(v) for v in data["visit_month"].unique())
    counts = _count_people(con, selection, visit_months)
    rows = []
    bands = [band.label for band in selection.bands] + [ALL]
    for band in bands:
        in_band = data if band == ALL else data[data["age_band"] == band]
        for visit in visit_months:
            part = in_band[in_band["visit_month"] == visit]
            row = {"age_band": band, "visit_month": visit}
            for arm in ARMS:
                count = counts[(counts["age_band"] == band) & (counts["arm"] == arm) & (counts["visit_month"] == visit)]
                row[f"randomized_{arm}"] = int(count["randomized"].sum())
                row[f"died_{arm}"] = int(count["died"].sum())
            rows.append(row | _summarize_visit(part, adjust=visit > 0))
    visits = pd.DataFrame(rows)
    after = [v for v in visit_months if v > 0]
    model = pd.DataFrame(columns=["month", "difference", "ci_low", "ci_high", "p_value"])
    note = "no visit after baseline with both arms measured at baseline" if repeated else "not fitted (asked not to)"
    with_baseline = data[data["baseline"].notna() & (data["visit_month"] > 0)]
    if repeated and after and with_baseline["intervention"].nunique() == 2:
        months = with_baseline.rename(columns={"person_id": "person", "visit_month": "month_k", "value": "hours",
                                               "baseline": "baseline_hours"})  # fmt: skip
        model, note = fit_repeated_measures(months, after), None
    within = [v for v in after if window is None or v <= window]
    primary = within[-1] if within else None
    info = catalogue.get(instrument) or Instrument(instrument, instrument, instrument, np.nan, np.nan, True, "", "", "")
    return MeasuresComparison(info, visits, model, primary, note, _band_interaction(visits, primary, selection))
