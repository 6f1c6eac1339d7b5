"""SQL over the pre-aggregated cell tables: filters, age bands and grouping, all with bound parameters."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.selection import ALL, OTHER_DISTRICTS, AgeBand, Filters, Selection
from analysis.store import db


def district_sql(expression: str, merged: Sequence[str] = ()) -> tuple[str, list]:
    """Return a SQL expression for a district as shown: the merged small districts as OTHER_DISTRICTS."""
    if not merged:
        return expression, []
    return f"CASE WHEN list_contains(?::VARCHAR[], {expression}) THEN ? ELSE {expression} END", [
        list(merged),
        OTHER_DISTRICTS,
    ]


def filter_sql(filters: Filters, district: str = "district", merged: Sequence[str] = ()) -> tuple[str, list]:
    """Return a SQL condition on sex, application_type and ``district`` (an expression) with its parameters.

    ``merged``: districts shown together as OTHER_DISTRICTS (a filter on it takes them all).
    """
    clauses, params = [], []
    for name, column in (("sex", "sex"), ("application_type", "application_type"), ("district", district)):
        values = getattr(filters, name)
        if values:
            expression, expression_params = district_sql(column, merged) if name == "district" else (column, [])
            clauses.append(f"list_contains(?, {expression})")
            params += [list(values), *expression_params]
    return (" AND ".join(clauses) or "TRUE"), params


def measure_sql(study: str, measure: str | None, column: str = "measure") -> tuple[str, list]:
    """Return a SQL condition keeping rows of an hours measure (None: the study's own), and its parameters.

    ``column`` is the measure column of the rows (a code constant, e.g. ``h.measure``).
    """
    chosen = "coalesce(?::VARCHAR, (SELECT hours_measure FROM studies WHERE study = ?), 'unknown')"
    return f"{column} = {chosen}", [measure, study]


def band_case(bands: Sequence[AgeBand]) -> tuple[str, list]:
    """Return a CASE expression labelling age by band (NULL outside every band) and its parameters."""
    if not bands:
        return "NULL::VARCHAR", []
    whens = " ".join("WHEN age BETWEEN ? AND ? THEN ?" for _ in bands)
    params: list = []
    for band in bands:
        params += [band.low, band.high, band.label]
    return f"CASE {whens} ELSE NULL END", params


def sum_by_band(
    con: db.Connection,
    table: str,
    measures: dict[str, str],
    selection: Selection,
    by: Sequence[str] = ("arm",),
    where: str = "TRUE",
    where_params: Sequence = (),
    overall: bool = True,
) -> pd.DataFrame:
    """Sum measures of a cell table per age band and overall ('all'), grouped by ``by``.

    ``overall=False``: per age band only, people outside every band in rows of age_band None (the
    finest groups the disclosure rules start from).

    Uses the selection's study, filters, bands and (followup_cells) hours measure, not its month: pass
    a month condition in ``where``. Rows of people outside every band count only in 'all'. ``table``,
    ``measures`` and ``by`` are code constants; every value is a bound parameter.
    """
    if table not in ("followup_cells", "people_cells"):
        raise ValueError(f"unknown cell table {table!r}")
    kept, kept_params = measure_sql(selection.study, selection.measure) if table == "followup_cells" else ("TRUE", [])
    bands = selection.bands
    band_sql, band_params = band_case(bands)
    cond_sql, cond_params = filter_sql(selection.filters, merged=selection.merged)
    shown_district, district_params = district_sql("district", selection.merged)
    keys = ", ".join(by)
    select = ", ".join(f"sum({expr}) AS {name}" for name, expr in measures.items())
    sql = f"""
        SELECT CASE WHEN grouping(band) = 1 THEN ? ELSE band END AS age_band, {keys}, {select}
        FROM (SELECT * REPLACE ({shown_district} AS district), {band_sql} AS band FROM {table}
              WHERE study = ? AND {cond_sql} AND {kept} AND {where})
        GROUP BY GROUPING SETS ((band, {keys}){f", ({keys}))" if overall else ")"}
        {"HAVING grouping(band) = 1 OR band IS NOT NULL" if overall else ""}
    """
    params = [ALL, *district_params, *band_params, selection.study, *cond_params, *kept_params, *where_params]
    frame = db.query(con, sql, params)
    order = {label: i for i, label in enumerate([b.label for b in bands] + [ALL])}
    frame["_order"] = frame["age_band"].map(order).fillna(len(order))
    return frame.sort_values(["_order", *by]).drop(columns="_order").reset_index(drop=True)
