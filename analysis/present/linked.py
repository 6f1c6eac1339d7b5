"""Counts behind every linked table of a page, per finest filter group: no two views may differ by a few.

Any two views that filter on the same fields differ by a union of the finest groups those fields make
(each sex, each application type, each district, and their crossings). A filtered view's cell is shown
only when, among everyone in that band and arm, every count the cell's table shows (people, events,
their complements, people still at risk at a month, Table 1 levels, CONSORT parts) is 0 or at least the
threshold in every finest group; then no difference of two shown views rests on fewer. The counts are
made by the same loaders the tables use, so their definitions cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.outcomes.baseline import CATEGORICAL, CONTINUOUS, count_flow, load_baseline
from analysis.outcomes.per_person import load_person_outcomes
from analysis.outcomes.placement import DIED, PLACED, at_risk_marks, load_placement_data, still_at_risk
from analysis.present.disclosure import find_differencing_risks, risks_from_counts
from analysis.selection import ALL, FILTER_FIELDS, Filters, Selection
from analysis.store import db

# The linked tables a page can show, by the counts they rest on.
TABLES = ("randomized", "people", "month", "months", "placement", "at_risk", "outcomes", "flow", "table1")


def count_by_group(rows: pd.DataFrame, fields: Sequence[str], counts: dict[str, np.ndarray]) -> pd.DataFrame:
    """Sum per-person indicators per age band (and 'all'), arm and finest group over ``fields``.

    Parameters
    ----------
    rows : DataFrame
        One row per person: age_band (None outside every band), arm and the fields.
    fields : sequence of str
        The filter fields the view uses.
    counts : dict
        Name -> one 0/1 value per person.

    Returns
    -------
    DataFrame
        age_band, arm, the fields and one column per count.

    """
    frame = rows[["age_band", "arm", *fields]].copy()
    for name, values in counts.items():
        frame[name] = np.asarray(values, dtype="int64")
    by = ["arm", *fields]
    banded = frame.dropna(subset=["age_band"]).groupby(["age_band", *by], as_index=False)[list(counts)].sum()
    overall = frame.groupby(by, as_index=False)[list(counts)].sum().assign(age_band=ALL)
    return pd.concat([banded, overall], ignore_index=True)


def with_complements(counts: pd.DataFrame, total: str, events: Sequence[str]) -> list[str]:
    """Add ``total − event`` columns (people without each event) in place; return every column to check."""
    names = [total, *events]
    for event in events:
        counts[f"without_{event}"] = counts[total] - counts[event]
        names.append(f"without_{event}")
    return names


def _placement_risks(con: db.Connection, selection: Selection, threshold: int, at_risk: bool) -> pd.DataFrame:
    """Return risks of the placement table (per band and arm) or of its at-risk table (per band, arm and month)."""
    rows = load_placement_data(con, selection.with_filters(Filters()))
    if at_risk:
        marks = at_risk_marks(selection.required_month())
        counts = count_by_group(rows, FILTER_FIELDS, {f"m{m}": still_at_risk(rows["time"], m) for m in marks})
        long = counts.melt(id_vars=["age_band", "arm", *FILTER_FIELDS], var_name="month", value_name="n")
        long["month"] = long["month"].str[1:].astype(int)
        return risks_from_counts(long, ["age_band", "arm", "month"], ["n"], selection.filters, threshold)
    event = rows["event"].to_numpy()
    indicators = {"n": np.ones(len(rows)), "placed": event == PLACED, "died": event == DIED}
    counts = count_by_group(rows, FILTER_FIELDS, indicators)
    columns = with_complements(counts, "n", ["placed", "died"])
    return risks_from_counts(counts, ["age_band", "arm"], columns, selection.filters, threshold)


def _outcome_risks(con: db.Connection, selection: Selection, threshold: int) -> pd.DataFrame:
    """Return risks of the per-person outcome table: people, deaths, deaths before placement, censored, per band/arm."""
    rows = load_person_outcomes(con, selection.with_filters(Filters()))
    events = {
        "deaths": rows["died"].to_numpy(dtype=bool),
        "deaths_before_placement": rows["first_event"].to_numpy() == DIED,
        "censored": ~rows["complete"].to_numpy(dtype=bool),
        "ended_at_placement": rows["ended_at_placement"].to_numpy(dtype=bool),
    }
    counts = count_by_group(rows, FILTER_FIELDS, {"n": np.ones(len(rows)), **events})
    columns = with_complements(counts, "n", list(events))
    return risks_from_counts(counts, ["age_band", "arm"], columns, selection.filters, threshold)


def _flow_risks(con: db.Connection, selection: Selection, threshold: int, timepoints) -> pd.DataFrame:
    """Return risks of the CONSORT flow per arm and month (every part of every finest group)."""
    counts = count_flow(con, selection.with_filters(Filters()), timepoints, by=FILTER_FIELDS)
    parts = ["randomized", "at_home", "placed", "died", "left_followup"]
    return risks_from_counts(
        counts.assign(age_band=ALL), ["age_band", "arm", "month"], parts, selection.filters, threshold
    )


def _table1_risks(con: db.Connection, selection: Selection, threshold: int) -> pd.DataFrame:
    """Return risks of Table 1 per arm, variable and level (level '' for n and for a variable's missing count)."""
    rows = load_baseline(con, selection.with_filters(Filters()))
    rows["district"] = rows["district"].fillna("")
    by = ["arm", *FILTER_FIELDS]
    parts = [rows.groupby(by, as_index=False).size().assign(variable="n", level="")]
    for variable in CATEGORICAL:
        known = rows.dropna(subset=[variable])
        levels = known.groupby(list(dict.fromkeys([*by, variable])), as_index=False).size()
        parts.append(levels.assign(variable=variable, level=levels[variable].astype(str)))
    for variable in (*CONTINUOUS, *CATEGORICAL):
        missing = rows[rows[variable].isna()].groupby(by, as_index=False).size()
        parts.append(missing.assign(variable=variable, level=""))
    counts = pd.concat(parts, ignore_index=True)
    return risks_from_counts(counts, ["arm", "variable", "level"], ["size"], selection.filters, threshold)


def find_risks(
    con: db.Connection, selection: Selection, threshold: int, table: str, timepoints: Sequence[int] = ()
) -> pd.DataFrame | None:
    """Return which cells of one table of a filtered view another filter choice could be subtracted from.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        The view: study, filters, bands and month (the window for placement and outcomes, the month for
        'month').
    threshold : int
        Smallest group a difference may reveal.
    table : str
        One of TABLES: 'randomized' (people randomized), 'people' (randomized, placed and dead over the
        whole follow-up), 'month' (people followed in the month), 'months' (every month), 'placement',
        'at_risk' (people still at risk at each mark of the window), 'outcomes', 'flow', 'table1'.
    timepoints : sequence of int
        The flow's months (only for 'flow').

    Returns
    -------
    DataFrame or None
        The table's keys (age_band, arm; month for 'months', 'at_risk' and 'flow'; arm, variable and level
        for 'table1') and at_risk; None when the view has no filter (nothing to subtract it from).

    """
    if table not in TABLES:
        raise ValueError(f"find_risks: unknown table {table!r}; expected one of {TABLES}")
    if not selection.filters.fields():
        return None
    if table == "randomized":
        return find_differencing_risks(con, selection.at(None), threshold)
    if table == "people":
        return find_differencing_risks(con, selection.at(None), threshold, events=True)
    if table in ("month", "months"):
        return find_differencing_risks(con, selection, threshold, by_month=table == "months")
    if table in ("placement", "at_risk"):
        return _placement_risks(con, selection, threshold, at_risk=table == "at_risk")
    if table == "outcomes":
        return _outcome_risks(con, selection, threshold)
    if table == "flow":
        return _flow_risks(con, selection, threshold, list(timepoints))
    return _table1_risks(con, selection, threshold)
