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
from dataclasses import dataclass

import pandas as pd

from analysis.outcomes.baseline import CATEGORICAL, CONTINUOUS, count_flow, count_joint
from analysis.outcomes.measures import count_measured
from analysis.outcomes.per_person import count_person_events
from analysis.outcomes.placement import count_at_risk_cells, count_placed_by_month, count_placement_cells
from analysis.present.disclosure import count_differencing_cells, risks_from_counts
from analysis.present.perturb import perturb_counts
from analysis.selection import ALL, FILTER_FIELDS, Filters, Selection
from analysis.store import db
from analysis.store.cells import sum_by_band
from analysis.store.studies import read_cell_key_salt

# The linked tables a page can show, by the counts they rest on.
TABLES = ("randomized", "people", "month", "months", "placement", "at_risk", "outcomes", "flow", "table1")
# The counts a filtered view shows with the cell key method (find_risks 'counts_…').
COUNTED = {  # those summed from the cell tables: (table, measures)
    "counts_randomized": ("people_cells", {"n": "n"}),
    "counts_people": ("people_cells", {"n": "n", "n_placed": "n_placed", "n_died": "n_died"}),
    "counts_month": ("followup_cells", {"n": "n"}),
    "counts_months": ("followup_cells", {"n": "n"}),
}
PERTURBED = (*COUNTED, "counts_outcomes", "counts_placement", "counts_placed_by", "counts_at_risk", "counts_flow")
PERTURBED += ("counts_table1",)
FLOW_COUNTS = ("randomized", "at_home", "placed", "died", "left_followup")
MEASURED = "counts_measures:"  # + an instrument: people randomized, dead, measured per visit (timepoints)


def with_all_bands(counts: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return counts per age band (None outside every band dropped) plus 'all' (everyone) per the other keys."""
    keys = [c for c in counts.columns if c not in ("age_band", *columns)]
    banded = counts.dropna(subset=["age_band"])
    overall = counts.groupby(keys, as_index=False, dropna=False)[list(columns)].sum().assign(age_band=ALL)
    return pd.concat([banded, overall], ignore_index=True)


def with_complements(counts: pd.DataFrame, total: str, events: Sequence[str]) -> list[str]:
    """Add ``total − event`` columns (people without each event) in place; return every column to check."""
    names = [total, *events]
    for event in events:
        counts[f"without_{event}"] = counts[total] - counts[event]
        names.append(f"without_{event}")
    return names


def _table1_counts(con: db.Connection, selection: Selection, bands: bool) -> pd.DataFrame:
    """Return Table 1's counts among everyone per finest group: arm, variable, level ('' for n and missing), n.

    ``bands``: keep each finest group's age band (for its key), else sum over the bands.
    """
    joint = count_joint(con, selection.with_filters(Filters()))
    joint["district"] = joint["district"].fillna("")
    cells = ["arm", *FILTER_FIELDS, *(["age_band"] if bands else [])]
    parts = [joint.groupby(cells, as_index=False, dropna=False)["n"].sum().assign(variable="n", level="")]
    for variable in CATEGORICAL:
        known = joint[joint[variable].notna() & (joint[variable] != "")] if variable == "district" else joint
        known = known.dropna(subset=[variable])
        levels = known.groupby(list(dict.fromkeys([*cells, variable])), as_index=False, dropna=False)["n"].sum()
        parts.append(levels.assign(variable=variable, level=levels[variable].astype(str)))
        missing = joint[joint[variable].isna() | ((joint[variable] == "") if variable == "district" else False)]
        parts.append(
            missing.groupby(cells, as_index=False, dropna=False)["n"].sum().assign(variable=variable, level="")
        )
    for variable in CONTINUOUS:
        missing = joint.groupby(cells, as_index=False, dropna=False)[f"missing_{variable}"].sum()
        parts.append(missing.rename(columns={f"missing_{variable}": "n"}).assign(variable=variable, level=""))
    return pd.concat(parts, ignore_index=True)[[*cells, "variable", "level", "n"]]


@dataclass(frozen=True)
class LinkedCounts:
    """The counts among everyone per finest group behind one linked table, and how to read them."""

    counts: pd.DataFrame
    keys: list[str]  # the table's rows
    columns: list[str]  # the counts the table shows (with complements where it shows them)
    salt: str | None = None  # the study's cell key salt, for the perturbed ('counts_…') tables


def _with_bands_and_complements(counts: pd.DataFrame, total: str, events: Sequence[str]) -> tuple[pd.DataFrame, list]:
    """Return counts per band and 'all' with their complements, and every column to check."""
    counts = with_all_bands(counts, [total, *events])
    return counts, with_complements(counts, total, events)


def count_linked(con: db.Connection, selection: Selection, table: str, timepoints: Sequence[int] = ()) -> LinkedCounts:
    """Return the counts behind one linked table among everyone, per finest group: the part no filter changes.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, bands and month as in find_risks; its filters are ignored (everyone is counted), so a
        caller may keep the result for every filter choice of the same data version.
    table : str
        One of TABLES or PERTURBED, or MEASURED + an instrument.
    timepoints : sequence of int
        The months of 'flow', 'counts_flow' and the measured visits.

    Returns
    -------
    LinkedCounts
        One grouped query's counts (a few thousand rows at any number of people), keys and columns.

    """
    everyone = selection.with_filters(Filters())
    if table in PERTURBED or table.startswith(MEASURED):
        return _count_perturbed(con, everyone, table, list(timepoints))
    if table in ("randomized", "people", "month", "months"):
        view = everyone.at(None) if table in ("randomized", "people") else everyone
        counts, keys, columns = count_differencing_cells(con, view, table == "months", table == "people")
        return LinkedCounts(counts, keys, columns)
    if table == "placement":
        counts, columns = _with_bands_and_complements(count_placement_cells(con, everyone), "n", ["placed", "died"])
        return LinkedCounts(counts, ["age_band", "arm"], columns)
    if table == "at_risk":
        return LinkedCounts(with_all_bands(count_at_risk_cells(con, everyone), ["n"]), ["age_band", "arm", "month"],
                            ["n"])  # fmt: skip
    if table == "outcomes":
        events = ["deaths", "deaths_before_placement", "censored", "ended_at_placement"]
        counts, columns = _with_bands_and_complements(count_person_events(con, everyone), "n", events)
        return LinkedCounts(counts, ["age_band", "arm"], columns)
    if table == "flow":
        counts = count_flow(con, everyone, list(timepoints), by=FILTER_FIELDS).assign(age_band=ALL)
        return LinkedCounts(counts, ["age_band", "arm", "month"], list(FLOW_COUNTS))
    if table == "table1":
        return LinkedCounts(_table1_counts(con, everyone, bands=False), ["arm", "variable", "level"], ["n"])
    raise ValueError(f"find_risks: unknown table {table!r}; expected one of {TABLES} or {PERTURBED}")


def _count_perturbed(con: db.Connection, everyone: Selection, table: str, timepoints: list[int]) -> LinkedCounts:
    """Return the counts among everyone behind a perturbed ('counts_…') table, with the study's salt."""
    salt = read_cell_key_salt(con, everyone.study)
    if table in COUNTED:
        source, measures = COUNTED[table]
        keys = ["age_band", "arm", *(["month_k"] if table == "counts_months" else [])]
        where, params = ("month_k = ?", [everyone.required_month()]) if table == "counts_month" else ("TRUE", [])
        by = (*keys[1:], *FILTER_FIELDS)
        counts = sum_by_band(con, source, measures, everyone, by=by, where=where, where_params=params, overall=False)
        return LinkedCounts(counts, keys, list(measures), salt)
    loaders = {  # table -> (counts among everyone per finest group, the table's keys, the counts)
        "counts_outcomes": (
            lambda: count_person_events(con, everyone),
            ["age_band", "arm"],
            ["n", "deaths", "deaths_before_placement", "censored", "ended_at_placement"],
        ),
        "counts_placement": (
            lambda: count_placement_cells(con, everyone),
            ["age_band", "arm"],
            ["n", "placed", "died"],
        ),
        "counts_placed_by": (
            lambda: count_placed_by_month(con, everyone),
            ["age_band", "arm", "month"],
            ["placed_window", "placed_full"],
        ),
        "counts_at_risk": (lambda: count_at_risk_cells(con, everyone), ["age_band", "arm", "month"], ["n"]),
        "counts_flow": (
            lambda: count_flow(con, everyone, timepoints, by=FILTER_FIELDS),
            ["arm", "month"],
            list(FLOW_COUNTS),
        ),
        "counts_table1": (lambda: _table1_counts(con, everyone, bands=True), ["arm", "variable", "level"], ["n"]),
    }
    if table.startswith(MEASURED):
        instrument = table.removeprefix(MEASURED)
        loaders[table] = (
            lambda: count_measured(con, everyone, instrument, timepoints),
            ["age_band", "arm", "visit_month"],
            ["randomized", "died", "measured", "with_baseline"],
        )
    if table not in loaders:
        raise ValueError(f"find_risks: unknown table {table!r}; expected one of {PERTURBED}")
    load, keys, columns = loaders[table]
    return LinkedCounts(load(), keys, columns, salt)


def find_risks(
    con: db.Connection,
    selection: Selection,
    threshold: int,
    table: str,
    timepoints: Sequence[int] = (),
    counts: LinkedCounts | None = None,
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
    counts : LinkedCounts, optional
        count_linked(con, selection, table, timepoints), when the caller keeps it: a filter change then
        runs no query (the counts are among everyone, whatever the filters).

    The tables of PERTURBED ('counts_…') give a filtered view's counts with the cell key method instead
    (perturb.perturb_counts): 'counts_randomized' and 'counts_people' (age_band, arm, n; n_placed,
    n_died), 'counts_month' (the selection's month) and 'counts_months' (every month, month_k),
    'counts_outcomes' (the per-person table's n, deaths, deaths_before_placement, censored,
    ended_at_placement over the window), 'counts_placement' (n, placed, died), 'counts_at_risk' (n per
    month), 'counts_flow' (arm, month and the parts), 'counts_table1' (arm, variable, level, n) and
    'counts_measures:<instrument>' (per visit of timepoints: randomized, died before it, measured, measured
    at baseline too). Each comes from the same loaders as the tables, among everyone per finest group, so
    the same people get the same noise.

    Returns
    -------
    DataFrame or None
        The table's keys (age_band, arm; month for 'months', 'at_risk' and 'flow'; arm, variable and level
        for 'table1') and at_risk; None when the view has no filter (nothing to subtract it from).

    """
    perturbed = table in PERTURBED or table.startswith(MEASURED)
    if not perturbed and table not in TABLES:
        raise ValueError(f"find_risks: unknown table {table!r}; expected one of {TABLES} or {PERTURBED}")
    if not selection.filters.fields() or threshold <= 1:  # nothing to subtract from, or exact values (analysts)
        return None
    found = counts if counts is not None else count_linked(con, selection, table, timepoints)
    if perturbed:
        return perturb_counts(found.counts, found.keys, found.columns, selection.filters, threshold, found.salt)
    return risks_from_counts(found.counts, found.keys, found.columns, selection.filters, threshold)
