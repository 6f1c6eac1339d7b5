"""SQL over the pre-aggregated cell tables: filters, age bands and grouping, all with bound parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import db
from analysis.bands import ALL, AgeBand
from analysis.errors import InputError

SEXES = ("F", "M")
APPLICATION_TYPES = ("new", "extended")


@dataclass(frozen=True)
class Filters:
    """Subgroup filters; an empty tuple means everyone."""

    sex: tuple[str, ...] = ()
    application_type: tuple[str, ...] = ()
    district: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Reject values outside the known codes, naming the field and what is expected."""
        for field, allowed in (("sex", SEXES), ("application_type", APPLICATION_TYPES)):
            for value in getattr(self, field):
                if value not in allowed:
                    raise InputError(
                        f"Filtret {field} har värdet {value!r}; förväntat ett av {', '.join(allowed)}.",
                        f"Filter {field} has the value {value!r}; expected one of {', '.join(allowed)}.",
                    )

    def sql(self, district: str = "district") -> tuple[str, list]:
        """Return a SQL condition on sex, application_type and ``district`` (an expression) with its parameters."""
        clauses, params = [], []
        for field, column in (("sex", "sex"), ("application_type", "application_type"), ("district", district)):
            values = getattr(self, field)
            if values:
                clauses.append(f"list_contains(?, {column})")
                params.append(list(values))
        return (" AND ".join(clauses) or "TRUE"), params


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
    con: duckdb.DuckDBPyConnection,
    table: str,
    measures: dict[str, str],
    study: str,
    filters: Filters,
    bands: Sequence[AgeBand],
    by: Sequence[str] = ("arm",),
    where: str = "TRUE",
    where_params: Sequence = (),
) -> pd.DataFrame:
    """Sum measures of a cell table per age band and overall ('all'), grouped by ``by``.

    Rows of people outside every band count only in 'all'. ``table``, ``measures`` and ``by`` are
    code constants; every value is a bound parameter.
    """
    if table not in ("followup_cells", "people_cells"):
        raise ValueError(f"unknown cell table {table!r}")
    band_sql, band_params = band_case(bands)
    filter_sql, filter_params = filters.sql()
    keys = ", ".join(by)
    select = ", ".join(f"sum({expr}) AS {name}" for name, expr in measures.items())
    sql = f"""
        SELECT CASE WHEN grouping(band) = 1 THEN ? ELSE band END AS age_band, {keys}, {select}
        FROM (SELECT *, {band_sql} AS band FROM {table}
              WHERE study = ? AND {filter_sql} AND {where})
        GROUP BY GROUPING SETS ((band, {keys}), ({keys}))
        HAVING grouping(band) = 1 OR band IS NOT NULL
    """
    params = [ALL, *band_params, study, *filter_params, *where_params]
    frame = db.query(con, sql, params)
    order = {label: i for i, label in enumerate([b.label for b in bands] + [ALL])}
    frame["_order"] = frame["age_band"].map(order)
    return frame.sort_values(["_order", *by]).drop(columns="_order").reset_index(drop=True)
