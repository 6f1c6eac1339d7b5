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

from analysis.errors import InputError
from analysis.instruments import Instrument, load_instruments
from analysis.outcomes.measure_cells import measured_rows_sql, summarize_visits
from analysis.outcomes.person_values import _people_sql
from analysis.selection import ALL, Selection
from analysis.stats.descriptive import assess_heterogeneity
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
    rows, params = measured_rows_sql(selection, instrument)
    sql = rows + "SELECT person_id, intervention, age_band, visit_month, value, baseline FROM rows "
    return db.query(con, sql + "ORDER BY person_id, visit_month", params)


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
    summary = summarize_visits(con, selection, instrument)
    visit_months = sorted(int(v) for v in summary["visit_month"].unique()) if len(summary) else []
    counts = _count_people(con, selection, visit_months)
    rows = []
    for row in summary.to_dict("records"):
        band, visit = row["age_band"], row["visit_month"]
        head = {"age_band": band, "visit_month": visit}
        for arm in ARMS:
            count = counts[(counts["age_band"] == band) & (counts["arm"] == arm) & (counts["visit_month"] == visit)]
            head[f"randomized_{arm}"] = int(count["randomized"].sum())
            head[f"died_{arm}"] = int(count["died"].sum())
        rows.append(head | row)
    visits = pd.DataFrame(rows)
    after = [v for v in visit_months if v > 0]
    model = pd.DataFrame(columns=["month", "difference", "ci_low", "ci_high", "p_value"])
    note = "no visit after baseline with both arms measured at baseline" if repeated else "not fitted (asked not to)"
    data = load_measurements(con, selection, instrument) if repeated and after else None
    with_baseline = None if data is None else data[data["baseline"].notna() & (data["visit_month"] > 0)]
    if with_baseline is not None and with_baseline["intervention"].nunique() == 2:
        months = with_baseline.rename(columns={"person_id": "person", "visit_month": "month_k", "value": "hours",
                                               "baseline": "baseline_hours"})  # fmt: skip
        model, note = fit_repeated_measures(months, after), None
    within = [v for v in after if window is None or v <= window]
    primary = within[-1] if within else None
    info = catalogue.get(instrument) or Instrument(instrument, instrument, instrument, np.nan, np.nan, True, "", "", "")
    return MeasuresComparison(info, visits, model, primary, note, _band_interaction(visits, primary, selection))
