"""Person-level values for researcher analyses: hours at a follow-up month, and every month for models."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.selection import Selection
from analysis.store import db
from analysis.store.cells import band_case, filter_sql, measure_sql

EXCLUDE, AS_ZERO = "exclude", "zero"
HANDLING = (EXCLUDE, AS_ZERO)

_PEOPLE = """
    SELECT p.person_id, p.arm, (p.arm = 'intervention')::INTEGER AS intervention, p.age, {band} AS age_band,
           p.sex, p.application_type, p.baseline_hours, coalesce(p.district, '') AS district,
           date_trunc('month', p.randomized_on)::DATE AS m0,
           datediff('month', date_trunc('month', p.randomized_on),
                    least(coalesce(p.placed_on, STUDY_END), coalesce(p.died_on, STUDY_END))) AS home_k,
           datediff('month', date_trunc('month', p.randomized_on), FOLLOWUP_END) AS follow_k,
           (p.placed_on IS NOT NULL OR p.died_on IS NOT NULL)
             AND least(coalesce(p.placed_on, STUDY_END), coalesce(p.died_on, STUDY_END))
                 <= FOLLOWUP_END AS left_home
    FROM participants p JOIN studies s USING (study)
    WHERE p.study = ? AND {filters}
""".replace("FOLLOWUP_END", db.FOLLOWUP_END).replace("STUDY_END", db.STUDY_END)


def _people_sql(selection: Selection) -> tuple[str, list]:
    """Return the SQL of the people CTE and its parameters (study, band labels and filters bound)."""
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    return _PEOPLE.format(band=band_sql, filters=cond_sql), [*band_params, selection.study, *cond_params]


def _exit_rule(handling: str, a: str) -> str:
    """Return the SQL condition for row alias ``a`` being counted in its month ``a.k``."""
    if handling == AS_ZERO:
        # Placed or dead before month k: counted with 0 hours while still under follow-up; leaving follow-up
        # for other reasons (moved away, withdrew) still removes the person, whose hours are unknown.
        return f"{a}.k <= least({a}.follow_k, CASE WHEN {a}.left_home THEN {a}.follow_k ELSE {a}.home_k END)"
    return f"{a}.k <= least({a}.home_k, {a}.follow_k)"


MONTH_COLUMNS = ("arm", "intervention", "age", "age_band", "sex", "application_type", "baseline_hours", "district")


def load_month_values(
    con: db.Connection, selection: Selection, handling: str = EXCLUDE, columns: Sequence[str] = MONTH_COLUMNS
) -> pd.DataFrame:
    """Return one row per person counted in the selection's follow-up month with the hours of that month.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands (age_band is None outside them); month: follow-up month k.
    handling : {'exclude', 'zero'}
        'exclude' (default): people who died, moved into a nursing home or left follow-up before month k
        are not counted. 'zero': people who died or moved into a nursing home count with 0 hours; those
        who left follow-up for other reasons are still not counted.
    columns : sequence of str
        The people's columns wanted, of MONTH_COLUMNS (all by default; fewer save memory in large studies).

    Returns
    -------
    DataFrame
        The columns asked for (arm, intervention, age, age_band, sex, application_type, baseline_hours,
        district) and hours.

    """
    if handling not in HANDLING:
        raise ValueError(f"handling must be one of {HANDLING}")
    unknown = [c for c in columns if c not in MONTH_COLUMNS]
    if unknown:
        raise ValueError(f"load_month_values: unknown column(s) {unknown}; expected some of {MONTH_COLUMNS}")
    month = selection.required_month()
    people, params = _people_sql(selection)
    kept, kept_params = measure_sql(selection.study, selection.measure, "h.measure")
    sql = f"""
        WITH people AS ({people}), counted AS (SELECT *, ?::INTEGER AS k FROM people)
        SELECT {"".join(f"c.{column}, " for column in columns)}coalesce(h.hours, 0.0) AS hours
        FROM counted c
        LEFT JOIN hours h ON h.study = ? AND h.person_id = c.person_id
                          AND h.month = (c.m0 + to_months(c.k))::DATE AND c.k <= c.home_k AND {kept}
        WHERE {_exit_rule(handling, "c")}
        ORDER BY c.person_id
    """
    return db.query(con, sql, [*params, month, selection.study, *kept_params])


def load_all_months(con: db.Connection, selection: Selection, handling: str = EXCLUDE) -> pd.DataFrame:
    """Return one row per person and counted follow-up month 0 to the selection's month (repeated measures).

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the last follow-up month.
    handling : {'exclude', 'zero'}
        As for load_month_values.

    Returns
    -------
    DataFrame
        person (an integer code, not the stored id), arm, intervention, age_band, baseline_hours, month_k, hours.

    """
    if handling not in HANDLING:
        raise ValueError(f"handling must be one of {HANDLING}")
    last_month = selection.required_month()
    people, params = _people_sql(selection)
    kept, kept_params = measure_sql(selection.study, selection.measure, "h.measure")
    sql = f"""
        WITH people AS ({people}),
        grid AS (SELECT *, unnest(range(0, ?::INTEGER + 1)) AS k FROM people)
        SELECT dense_rank() OVER (ORDER BY g.person_id) AS person, g.arm, g.intervention, g.age_band,
               g.baseline_hours, g.k AS month_k, coalesce(h.hours, 0.0) AS hours
        FROM grid g
        LEFT JOIN hours h ON h.study = ? AND h.person_id = g.person_id
                          AND h.month = (g.m0 + to_months(g.k))::DATE AND g.k <= g.home_k AND {kept}
        WHERE {_exit_rule(handling, "g")}
        ORDER BY person, month_k
    """
    return db.query(con, sql, [*params, last_month, selection.study, *kept_params])
