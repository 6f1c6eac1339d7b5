"""One row per randomized person over a window, from DuckDB: the per-person outcomes' data and their counts."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.selection import FILTER_FIELDS, Selection
from analysis.store import db
from analysis.store.cells import band_case, district_sql, filter_sql, measure_sql

OUTCOMES = ("cost", "days_home", "nursing_home_days", "hours")
ARMS = ("intervention", "control")
SKEWED = ("cost", "nursing_home_days", "hours")  # sums one person can dominate (days at home are bounded)


def person_outcomes_sql(
    selection: Selection, with_hours: bool = True, hours_table: str | None = None
) -> tuple[str, list]:
    """Return load_person_outcomes' SQL and parameters (no hours summed when with_hours is False).

    ``hours_table``: a table of each person's hours over the window (window_hours_table) read instead of
    summing the hours of every month again.
    """
    months = selection.required_month()
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    district, district_params = district_sql("coalesce(p.district, '')", selection.merged)
    kept, kept_params = measure_sql(selection.study, selection.measure, "h.measure")
    hours_cte = f""", hours AS (
            SELECT e.person_id, sum(h.hours) AS hours
            FROM ends e JOIN hours h ON h.study = ? AND h.person_id = e.person_id
            WHERE h.month >= (e.m0 + INTERVAL 1 MONTH)::DATE AND h.month <= (e.m0 + to_months(?::INTEGER))::DATE
              AND {kept} AND datediff('month', e.m0, h.month)
                  <= datediff('month', e.m0, least(coalesce(e.placed_on, e.f), coalesce(e.died_on, e.f), e.f))
            GROUP BY e.person_id
        )"""
    sql = f"""
        WITH base AS (
            SELECT p.person_id, p.arm, {band_sql} AS age_band, p.randomized_on AS r, p.placed_on, p.died_on,
                   p.baseline_hours, p.age, p.sex, p.application_type, {district} AS district,
                   date_trunc('month', p.randomized_on)::DATE AS m0,
                   (p.randomized_on + to_months(?::INTEGER))::DATE AS w,
                   {db.FOLLOWUP_END} AS f
            FROM participants p JOIN studies s USING (study)
            WHERE p.study = ? AND {cond_sql}
        ), status AS (
            SELECT *, died_on IS NOT NULL AND died_on <= least(f, w) AS died,
                   (died_on IS NOT NULL AND died_on <= least(f, w)) OR w <= f AS complete
            FROM base
        ), ends AS (
            SELECT *, CASE WHEN died THEN died_on WHEN complete THEN w ELSE f END AS x
            FROM status
        ){hours_cte if with_hours and hours_table is None else ""}
        SELECT e.person_id, e.arm, (e.arm = 'intervention')::INTEGER AS intervention, e.age_band, e.r AS randomized_on,
               e.baseline_hours, e.age, e.sex, e.application_type, e.district,
               {"coalesce(hr.hours, 0.0)" if with_hours else "0.0"} AS hours,
               CASE WHEN e.placed_on IS NOT NULL AND e.placed_on <= e.x THEN datediff('day', e.placed_on, e.x)
                    ELSE 0 END AS nursing_home_days,
               datediff('day', e.r, least(coalesce(e.placed_on, e.x), e.x)) AS days_home,
               e.died, e.complete, datediff('day', e.r, e.x) AS time,
               greatest(0, least(?::INTEGER, datediff('month', e.m0,
                   least(coalesce(e.placed_on, e.f), coalesce(e.died_on, e.f), e.f)))) AS months_at_home,
               CASE WHEN e.placed_on IS NOT NULL AND e.placed_on <= e.x THEN 1 WHEN e.died THEN 2 ELSE 0 END
                   AS first_event,
               NOT e.complete AND e.placed_on IS NOT NULL AND e.placed_on = e.f AS ended_at_placement
        FROM ends e {f"LEFT JOIN {hours_table or 'hours'} hr USING (person_id)" if with_hours else ""}
        ORDER BY e.person_id
    """
    hours_params = [selection.study, months, *kept_params] if with_hours and hours_table is None else []
    params = [*band_params, *district_params, months, selection.study, *cond_params, *hours_params, months]
    return sql, params


def window_hours_table(con: db.Connection, selection: Selection) -> str:
    """Return the name of a table of every person's hours over the selection's window, kept on the connection.

    A person's hours over the window depend on the study, the window and the hours measure, not on the
    filters or bands: a filter change reads one row per person instead of every month of every person
    (at 250,000 people the per-person cells took 0.7 s, most of it summing the hours).
    """
    everyone = Selection(selection.study, bands=(), month=selection.required_month(), measure=selection.measure)
    sql, params = person_outcomes_sql(everyone)
    return db.keep_table(con, f"SELECT person_id, hours FROM ({sql})", params)


def read_person_outcomes_sql(con: db.Connection, selection: Selection, with_hours: bool = True) -> tuple[str, list]:
    """Return person_outcomes_sql for a connection: the hours read from its kept window hours (window_hours_table)."""
    if not with_hours:
        return person_outcomes_sql(selection, with_hours=False)
    return person_outcomes_sql(selection, hours_table=window_hours_table(con, selection))


def count_person_events(con: db.Connection, selection: Selection, by: Sequence[str] = FILTER_FIELDS) -> pd.DataFrame:
    """Count people and their events over the window per age band (None outside), arm and the ``by`` fields.

    The same rows as load_person_outcomes, aggregated in DuckDB (for the disclosure checks).

    Returns
    -------
    DataFrame
        age_band, arm, the fields, n, deaths, deaths_before_placement, censored, ended_at_placement.

    """
    unknown = [f for f in by if f not in FILTER_FIELDS]
    if unknown:
        raise ValueError(f"count_person_events: unknown field(s) {unknown}; expected some of {FILTER_FIELDS}")
    sql, params = person_outcomes_sql(selection, with_hours=False)
    fields = "".join(f", {f}" for f in by)  # checked against FILTER_FIELDS above
    return db.query(
        con,
        f"""SELECT age_band, arm{fields}, count(*) AS n, count_if(died) AS deaths,
                   count_if(first_event = 2) AS deaths_before_placement, count_if(NOT complete) AS censored,
                   count_if(ended_at_placement) AS ended_at_placement
            FROM ({sql}) GROUP BY ALL""",
        params,
    )


def load_person_outcomes(con: db.Connection, selection: Selection, band: str | None = None) -> pd.DataFrame:
    """Return one row per randomized person with their totals over the window of K months.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands (age_band is None outside them); month: the window K in months.
    band : str, optional
        Only the people of this age band.

    Returns
    -------
    DataFrame
        person_id (for joining other per-person values; never shown), arm, intervention (0/1), age_band,
        randomized_on (for the monitoring's calendar of looks; never shown), the
        baseline covariates (baseline_hours, age, sex,
        application_type), district ('' when unknown; for the disclosure checks), hours,
        nursing_home_days, days_home, died (within the
        window), complete (the total is known: dead, or followed to the window's end), time (days
        from randomization to completion, or to censoring when not complete), first_event (1 placement,
        2 death, 0 neither within the observed window: with days_home as its time, the competing-risks
        data of load_placement_data), ended_at_placement (follow-up
        ends on the day of placement: the censoring then depends on the outcome, which the weights cannot
        mend), months_at_home (follow-up months 1..K the person lived at home and was followed: the
        months whose hours count).

    """
    sql, params = read_person_outcomes_sql(con, selection)
    if band is not None:
        sql, params = f"SELECT * FROM ({sql}) WHERE age_band = ? ORDER BY person_id", [*params, band]
    frame = db.query(con, sql, params)
    for column in ("hours", "nursing_home_days", "days_home", "time"):
        frame[column] = frame[column].astype(float)
    frame["died"] = frame["died"].astype(bool)
    frame["complete"] = frame["complete"].astype(bool)
    frame["ended_at_placement"] = frame["ended_at_placement"].astype(bool)
    return frame
