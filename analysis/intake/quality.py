"""Data-quality summary of a loaded study: coverage, missing months, hours distribution, outliers."""

from __future__ import annotations

import pandas as pd

from analysis.intake.fileformat import MAX_HOURS_PLAUSIBLE
from analysis.store import db
from analysis.store.cells import measure_sql

HOURS_BINS = (0, 10, 20, 40, 60, 100, 200, MAX_HOURS_PLAUSIBLE)


def summarize_quality(con: db.Connection, study: str, measure: str | None = None) -> dict:
    """Summarise what a study holds, computed in DuckDB.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    measure : str, optional
        Which hours (granted or performed) when the study holds both; default: the study's.

    Returns
    -------
    dict
        people (int), hours_rows (int), first_month and last_month (date or None), missing_months
        (list of dates in that range with no hours row for anyone), high_hours_rows (rows above
        MAX_HOURS_PLAUSIBLE), and histogram (DataFrame: low, high, rows) of the hours rows.

    """
    kept, kept_params = measure_sql(study, measure)
    row = db.query(
        con,
        f"""SELECT (SELECT count(*) FROM participants WHERE study = ?) AS people,
                  count(*) AS hours_rows, min(month) AS first_month, max(month) AS last_month,
                  count(*) FILTER (WHERE hours > ?) AS high_hours_rows
           FROM hours WHERE study = ? AND {kept}""",
        [study, MAX_HOURS_PLAUSIBLE, study, *kept_params],
    ).iloc[0]
    missing = db.query(
        con,
        f"""SELECT m::DATE AS month
            FROM (SELECT min(month) AS lo, max(month) AS hi FROM hours WHERE study = ? AND {kept}),
                 unnest(generate_series(lo, hi, INTERVAL 1 MONTH)) AS t(m)
            WHERE lo IS NOT NULL AND m::DATE NOT IN (SELECT DISTINCT month FROM hours WHERE study = ? AND {kept})
            ORDER BY 1""",
        [study, *kept_params, study, *kept_params],
    )
    edges = list(HOURS_BINS)
    cases = " ".join("WHEN hours < ? THEN ?" for _ in edges[1:])
    params: list = []
    for i, high in enumerate(edges[1:]):
        params += [high, i]
    histogram = db.query(
        con,
        f"SELECT CASE {cases} ELSE ? END AS bin, count(*) AS rows FROM hours WHERE study = ? AND {kept} "
        "GROUP BY 1 ORDER BY 1",
        [*params, len(edges) - 1, study, *kept_params],
    )
    lows = [*edges, None]
    highs = [*edges[1:], None, None]
    histogram["low"] = [lows[b] for b in histogram["bin"]]
    histogram["high"] = [highs[b] for b in histogram["bin"]]

    def _date(value):
        return None if pd.isna(value) else pd.Timestamp(value).date()

    return {
        "people": int(row["people"]),
        "hours_rows": int(row["hours_rows"]),
        "first_month": _date(row["first_month"]),
        "last_month": _date(row["last_month"]),
        "missing_months": [pd.Timestamp(m).date() for m in missing["month"]],
        "high_hours_rows": int(row["high_hours_rows"]),
        "histogram": histogram[["low", "high", "rows"]],
    }
