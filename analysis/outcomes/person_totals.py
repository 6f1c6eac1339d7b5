"""Per-person totals over every window 1..K at once, counted in DuckDB: the cost model's month-by-month effects.

The censoring-weighted mean of a total (Bang & Tsiatis 2000, as outcomes.per_person) needs only, per
band, arm, time of completion or censoring and whether the total is complete, the number of people and
the sums of their totals and squared totals: (n, Σx, Σx²) per cell. One query gives these cells for
every window k = 1..K, so the cost model reads K windows for the price of one scan of the hours; with
the normal interval of large groups nothing goes person by person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.selection import Selection
from analysis.stats.survival import censoring_weights
from analysis.store import db
from analysis.store.cells import band_case, district_sql, filter_sql, measure_sql

TOTALS = ("hours", "nursing_home_days")


def _totals_sql(selection: Selection) -> tuple[str, list]:
    """Return count_person_totals' SQL and parameters (the definitions of person_rows.person_outcomes_sql per k)."""
    months = selection.required_month()
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    district, district_params = district_sql("coalesce(p.district, '')", selection.merged)
    kept, kept_params = measure_sql(selection.study, selection.measure, "h.measure")
    sql = f"""
        WITH base AS (
            SELECT p.person_id, p.arm, {band_sql} AS age_band, {district} AS district,
                   p.randomized_on AS r, p.placed_on, p.died_on,
                   date_trunc('month', p.randomized_on)::DATE AS m0, {db.FOLLOWUP_END} AS f
            FROM participants p JOIN studies s USING (study)
            WHERE p.study = ? AND {cond_sql}
        ), monthly AS (
            SELECT b.person_id, datediff('month', b.m0, h.month) AS k, sum(h.hours) AS hours
            FROM base b JOIN hours h ON h.study = ? AND h.person_id = b.person_id
            WHERE h.month >= (b.m0 + INTERVAL 1 MONTH)::DATE AND h.month <= (b.m0 + to_months(?::INTEGER))::DATE
              AND {kept} AND datediff('month', b.m0, h.month)
                  <= datediff('month', b.m0, least(coalesce(b.placed_on, b.f), coalesce(b.died_on, b.f), b.f))
            GROUP BY ALL
        ), grid AS (
            SELECT b.*, ks.k, (b.r + to_months(ks.k))::DATE AS w
            FROM base b, (SELECT unnest(range(1, ?::INTEGER + 1)) AS k) ks
        ), status AS (
            SELECT g.*, coalesce(sum(m.hours) OVER (PARTITION BY g.person_id ORDER BY g.k), 0.0) AS hours,
                   g.died_on IS NOT NULL AND g.died_on <= least(g.f, g.w) AS died,
                   (g.died_on IS NOT NULL AND g.died_on <= least(g.f, g.w)) OR g.w <= g.f AS complete
            FROM grid g LEFT JOIN monthly m ON m.person_id = g.person_id AND m.k = g.k
        ), ends AS (
            SELECT *, CASE WHEN died THEN died_on WHEN complete THEN w ELSE f END AS x FROM status
        ), totals AS (
            SELECT k, age_band, arm, complete, datediff('day', r, x) AS time, hours,
                   CASE WHEN placed_on IS NOT NULL AND placed_on <= x THEN datediff('day', placed_on, x)
                        ELSE 0 END::DOUBLE AS nursing_home_days
            FROM ends
        )
        SELECT k AS month, age_band, arm, complete, time, count(*) AS n,
               sum(hours) AS hours, sum(hours * hours) AS hours_squared,
               sum(nursing_home_days) AS nursing_home_days,
               sum(nursing_home_days * nursing_home_days) AS nursing_home_days_squared
        FROM totals GROUP BY ALL ORDER BY month, age_band NULLS LAST, arm, time, complete
    """
    params = [*band_params, *district_params, selection.study, *cond_params, selection.study, months]
    params += [*kept_params, months]
    return sql, params


def count_person_totals(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count people and sum their totals per window k = 1..K, age band, arm, time and completeness.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands (age_band None outside them); month: the longest window K.

    Returns
    -------
    DataFrame
        month (the window k), age_band, arm, complete, time (days to completion or censoring), n,
        and for hours and nursing_home_days the sum and the sum of squares (``*_squared``) of the
        people's totals over months 1..k, as load_person_outcomes defines them.

    """
    sql, params = _totals_sql(selection)
    frame = db.query(con, sql, params)
    frame["complete"] = frame["complete"].astype(bool)
    return frame


def estimate_weighted_totals(cells: pd.DataFrame, names: tuple[str, ...] = TOTALS) -> dict[str, tuple[float, float]]:
    """Return the IPCW mean of each total and its normal SE (weights taken as known) from one group's cells.

    Parameters
    ----------
    cells : DataFrame
        Rows of count_person_totals (or person_cells.count_outcome_cells) for one window, band (or
        everyone) and arm: complete, time, n, and per name its sum and ``{name}_squared``.
    names : tuple of str
        The totals to estimate.

    Returns
    -------
    dict
        total -> (mean per person, standard error): per_person's estimator and its large-group SE,
        std(w·x) / √n, computed from the counts and sums. NaN when nobody's total is complete.

    """
    n = float(cells["n"].sum())
    complete = cells["complete"].to_numpy(dtype=bool)
    if n == 0 or not complete.any():
        return {name: (np.nan, np.nan) for name in names}
    time, counts = cells["time"].to_numpy(dtype=float), cells["n"].to_numpy(dtype=float)
    weight = censoring_weights(time, complete, counts)
    out = {}
    for name in names:
        total = float(weight @ cells[name].to_numpy(dtype=float))
        squares = float(weight**2 @ cells[f"{name}_squared"].to_numpy(dtype=float))
        mean = total / n
        variance = max(squares - n * mean**2, 0.0) / (n - 1) if n > 1 else np.nan
        out[name] = (mean, float(np.sqrt(variance / n)))
    return out
