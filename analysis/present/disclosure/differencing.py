"""Disclosure control, counts: small cells, their complements and the risks of differencing two views."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.selection import ALL, FILTER_FIELDS, Filters, Selection
from analysis.store import db
from analysis.store.cells import sum_by_band

SUPPRESSED = ".."


def suppress_small(
    frame: pd.DataFrame,
    threshold: int,
    denominator: str,
    hide: Sequence[str],
    numerators: Sequence[str] = (),
) -> pd.DataFrame:
    """Return a copy with ``hide`` columns set to NaN where a cell rests on fewer than ``threshold`` people.

    A cell is hidden when its denominator is below the threshold, or when a numerator count lies
    between 1 and threshold - 1 (a few identifiable people). The boolean column ``suppressed`` marks
    hidden rows so displays can show '..' instead of a blank.

    Parameters
    ----------
    frame : DataFrame
        Tidy statistics, one row per cell.
    threshold : int
        Smallest number of people a shown statistic may rest on.
    denominator : str
        Column with the number of people in the cell.
    hide : sequence of str
        Columns to blank in hidden rows (counts included).
    numerators : sequence of str
        Count columns that also trigger hiding when small but non-zero.

    Returns
    -------
    DataFrame

    """
    out = frame.copy()
    small = out[denominator].to_numpy() < threshold
    for col in numerators:
        values = out[col].to_numpy()
        small |= (values > 0) & (values < threshold)
    out["suppressed"] = small
    for col in hide:
        out[col] = out[col].astype("float64")
        out.loc[small, col] = np.nan
    return out


def hide_complements(hidden: pd.Series, sizes: pd.Series, is_total: pd.Series, unshown: bool = False) -> pd.Series:
    """Secondary suppression: when exactly one part of a shown total is hidden, hide the smallest other part too.

    A table that shows a total and all but one of its parts gives the hidden part away by subtraction;
    hiding a second part (the smallest non-empty one shown) closes that; when every other part is empty
    the total is hidden instead. Apply once per total (e.g. per arm). ``unshown``: the total also holds a
    few people no row shows (outside every age band); they count as one more hidden part.

    Parameters
    ----------
    hidden : Series of bool
        Primary suppression per row.
    sizes : Series
        The rows' counts (to choose the smallest part).
    is_total : Series of bool
        True on the row that is the sum of the others.
    unshown : bool
        The total holds 1 to threshold − 1 people (or events) that no part shows.

    Returns
    -------
    Series of bool
        The rows to hide.

    """
    if not is_total.any():  # no shown total: nothing follows by subtraction
        return hidden.copy()
    # One total: complement_by_group with a single group (a hidden zero protects nothing: zeros are known).
    result = complement_by_group(
        np.zeros(len(hidden), dtype=int),
        is_total.to_numpy(dtype=bool),
        hidden.to_numpy(dtype=bool),
        sizes.reindex(hidden.index).to_numpy(dtype="float64"),
        np.array([bool(unshown)]),
    )
    return pd.Series(result, index=hidden.index)


def find_differencing_risks(
    con: db.Connection, selection: Selection, threshold: int, by_month: bool = False, events: bool = False
) -> pd.DataFrame:
    """Mark the cells of a filtered view that another filter choice could be subtracted from to reveal a few people.

    Counts people per band, arm and every combination of the filter fields among everyone, then applies
    risks_from_counts (finest groups over the filtered fields, closed over the bands, and nesting with
    single-field views). Views without filters are never at risk from this rule (their own small cells
    are hidden by the other rules).

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        The view: study, filters (only the fields with a selection matter) and bands; month: count
        people followed up in this month (hours views), or None to count everyone randomized.
    threshold : int
        Smallest group a difference may reveal.
    by_month : bool
        Count per follow-up month (trajectory views); the selection's month is then ignored.
    events : bool
        Also check placements and deaths over the whole follow-up, and the people without them (people
        randomized only; for tables that show those counts).

    Returns
    -------
    DataFrame
        age_band, arm (and month_k when by_month), at_risk (bool).

    """
    counts, keys, columns = count_differencing_cells(con, selection, by_month, events)
    return risks_from_counts(counts, keys, columns, selection.filters, threshold)


def count_differencing_cells(
    con: db.Connection, selection: Selection, by_month: bool = False, events: bool = False
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Return find_differencing_risks' counts among everyone per finest group, its keys and its counted columns.

    They do not depend on the selection's filters, so a caller may keep them for every filter choice.
    """
    month = selection.month
    keys = ["age_band", "arm", *(["month_k"] if by_month else [])]
    if by_month or month is not None:
        table, where, params = "followup_cells", ("TRUE" if by_month else "month_k = ?"), ([] if by_month else [month])
    else:
        table, where, params = "people_cells", "TRUE", []
    everyone = selection.with_filters(Filters())
    measures = {"n": "n"}
    if events and table == "people_cells":
        measures |= {"placed": "n_placed", "died": "n_died", "not_placed": "n - n_placed", "alive": "n - n_died"}
    counts = sum_by_band(
        con, table, measures, everyone, by=(*keys[1:], *FILTER_FIELDS), where=where, where_params=params
    )
    return counts, keys, list(measures)


def complement_by_group(gid: np.ndarray, is_total: np.ndarray, hidden: np.ndarray, sizes, unshown) -> np.ndarray:
    """hide_complements for many totals at once: per group, hide a second part when exactly one is hidden.

    Parameters
    ----------
    gid : ndarray of int
        Each row's group (one total and its parts), 0..G−1.
    is_total : ndarray of bool
        The row that is its group's total ('all').
    hidden : ndarray of bool
        Rows hidden so far.
    sizes : array-like
        The rows' counts (the smallest non-empty shown part is chosen).
    unshown : ndarray of bool
        Per group: the total also holds 1 to threshold − 1 that no part shows (one more hidden part).

    Returns
    -------
    ndarray of bool
        hidden plus the second parts (or totals, when every other part is empty).

    """
    out = np.asarray(hidden, dtype=bool).copy()
    if not len(gid):
        return out
    sizes = np.nan_to_num(np.asarray(sizes, dtype="float64"))
    groups = len(unshown)
    hidden_parts = np.bincount(gid, weights=(out & ~is_total & (sizes > 0)).astype(float), minlength=groups)
    total_hidden = np.bincount(gid, weights=(out & is_total).astype(float), minlength=groups) > 0
    has_total = np.bincount(gid, weights=is_total.astype(float), minlength=groups) > 0
    need = has_total & ~total_hidden & (hidden_parts + unshown == 1)
    if not need.any():
        return out
    candidate = need[gid] & ~is_total & ~out & (sizes > 0)
    frame = pd.DataFrame({"gid": gid, "size": sizes, "row": np.arange(len(gid))})[candidate]
    chosen = frame.sort_values(["size", "row"]).groupby("gid")["row"].first() if len(frame) else pd.Series(dtype=int)
    out[chosen.to_numpy(dtype=int)] = True
    without = np.setdiff1d(np.nonzero(need)[0], chosen.index.to_numpy(dtype=int))
    out[np.isin(gid, without) & is_total] = True  # every other part empty: the total equals the hidden one
    return out


def _outside_by_group(gid: np.ndarray, is_total: np.ndarray, values, groups: int, threshold: int) -> np.ndarray:
    """Return per group whether its total minus its parts (people outside every band) is 1 to threshold − 1."""
    values = np.nan_to_num(np.asarray(values, dtype="float64"))
    total = np.bincount(gid, weights=np.where(is_total, values, 0.0), minlength=groups)
    parts = np.bincount(gid, weights=np.where(is_total, 0.0, values), minlength=groups)
    has_total = np.bincount(gid, weights=is_total.astype(float), minlength=groups) > 0
    return has_total & few(total - parts, threshold)


def _close_over_bands(groups: pd.DataFrame, small: np.ndarray, first: str, columns, threshold: int) -> np.ndarray:
    """Return small plus, per finest group, a second band where 'all' minus the others would give a small one back.

    complement_by_group over every finest group at once (the people outside every band count as a
    hidden part when they are few in any count).
    """
    rest = [c for c in groups.columns if c not in ("age_band", *columns)]
    gid = groups.groupby(rest, sort=False, dropna=False).ngroup().to_numpy()
    is_total = (groups["age_band"] == ALL).to_numpy()
    count = gid.max() + 1 if len(gid) else 0
    unshown = np.zeros(count, dtype=bool)
    for column in columns:
        unshown |= _outside_by_group(gid, is_total, groups[column], count, threshold)
    return complement_by_group(gid, is_total, small, groups[first], unshown)


def _codes(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Return a code per row for its combination of values, and the distinct combinations in code order."""
    if not len(frame):
        return np.zeros(0, dtype=int), frame.reset_index(drop=True)
    codes = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(frame))).groupby(codes).first().to_numpy()
    return codes, frame.iloc[first].reset_index(drop=True)


def _nested_view_risks(counts: pd.DataFrame, keys, columns, filters: Filters, threshold: int):
    """Return (risky per key, the keys): the view nests with a one-field view and differs from it by a few.

    A one-field view is one value of a field the view does not filter on. Two views on different fields
    are usually not nested, but when some combinations are empty (a district where everyone has one
    application type) one holds the other, and their difference is a group no finest-group check sees.
    """
    key_codes, key_index = _codes(counts[list(keys)])
    atom_codes, atoms = _codes(counts[list(FILTER_FIELDS)].fillna(""))
    values = np.zeros((len(key_index), len(atoms), len(columns)))
    np.add.at(values, (key_codes, atom_codes), counts[list(columns)].to_numpy(dtype="float64"))
    nonempty = values[:, :, 0] > 0
    in_view = np.ones(len(atoms), dtype=bool)
    for field in FILTER_FIELDS:
        chosen = getattr(filters, field)
        if chosen:
            in_view &= atoms[field].isin(chosen).to_numpy()
    risky = np.zeros(len(key_index), dtype=bool)
    for field in [f for f in FILTER_FIELDS if not getattr(filters, f)]:
        for value in atoms[field].unique():
            other = (atoms[field] == value).to_numpy()
            for inner, outer in ((in_view, other), (other, in_view)):
                nested = ~(nonempty & inner & ~outer).any(axis=1)  # inner ⊆ outer in this key's people
                gap = (values * (outer & ~inner)[None, :, None]).sum(axis=1)
                risky |= nested & ((gap > 0) & (gap < threshold)).any(axis=1)
    return risky, key_index


def risks_from_counts(
    counts: pd.DataFrame, keys: Sequence[str], columns: Sequence[str], filters: Filters, threshold: int
) -> pd.DataFrame:
    """Return per key whether a filtered view's cell could be subtracted from another view's to reveal a few.

    Three checks, over counts among everyone per key and combination of the filter fields:

    1. Any two views that filter on the same fields differ by a union of the finest groups those fields
       make (e.g. women and men; each district): a cell is at risk when a non-empty finest group holds
       1 to threshold − 1 in any count.
    2. Within a finest group, the bands add up to 'all' (with the people outside every band), and every
       band of it can be had by subtraction across views: when one band of it is small, a second band is
       at risk too (and a band when the people outside the bands are few).
    3. A view nested in a one-field view of another field (or holding one), differing by 1 to
       threshold − 1 in some count.
    4. A cell the view of everyone hides (a small count, or the second band protecting it) is hidden in
       every filtered view too, so its parts cannot be added up across selections.

    Parameters
    ----------
    counts : DataFrame
        keys, the three filter fields and the count columns (the first one: people).
    keys : sequence of str
        The table's cells (e.g. age_band, arm, month).
    columns : sequence of str
        The counts the table shows or lets follow.
    filters : Filters
        The view's filters.
    threshold : int
        Smallest group a difference may reveal.

    Returns
    -------
    DataFrame
        keys and at_risk (bool).

    """
    keys, fields = list(keys), list(filters.fields())
    distinct = counts[keys].drop_duplicates().reset_index(drop=True)
    if not fields:
        return distinct.assign(at_risk=False)
    groups = counts.groupby(keys + fields, as_index=False, sort=False, dropna=False)[list(columns)].sum()
    small = np.zeros(len(groups), dtype=bool)
    for column in columns:
        small |= few(groups[column], threshold)
    if "age_band" in keys:
        small = _close_over_bands(groups, small, columns[0], list(columns), threshold)
    finest = groups.assign(at_risk=small).groupby(keys, as_index=False, sort=False)["at_risk"].any()
    nested, key_index = _nested_view_risks(counts, keys, columns, filters, threshold)
    nested_frame = key_index.assign(nested=nested)
    everyone = _hidden_for_everyone(counts, keys, columns, threshold)
    out = distinct.merge(finest, on=keys, how="left").merge(nested_frame, on=keys, how="left")
    out = out.merge(everyone, on=keys, how="left")
    out["at_risk"] = (
        out["at_risk"].astype("boolean").fillna(False)
        | out["nested"].astype("boolean").fillna(False)
        | out["hidden_for_everyone"].astype("boolean").fillna(False)
    )
    return out[[*keys, "at_risk"]].astype({"at_risk": bool})


def _hidden_for_everyone(counts: pd.DataFrame, keys: list, columns, threshold: int) -> pd.DataFrame:
    """Return per key whether the view of everyone (no filters) hides it: then every filtered view hides it too.

    Otherwise its parts, shown in the views of each sex (say), would add up to it. The tables' rules are
    followed from above: a key is hidden for everyone when any of its counts is 1 to threshold − 1, and the
    second band each table may hide against 'all' (chosen by any of the counts' sizes) is marked too.
    """
    totals = counts.groupby(keys, as_index=False, sort=False, dropna=False)[list(columns)].sum()
    primary = np.zeros(len(totals), dtype=bool)
    for column in columns:
        primary |= few(totals[column], threshold)
    hidden = primary.copy()
    if "age_band" in keys:
        for column in columns:
            hidden |= _close_over_bands(totals, primary, column, list(columns), threshold)
    return totals[keys].assign(hidden_for_everyone=hidden)


def _risk_of(frame: pd.DataFrame, risks: pd.DataFrame | None, keys: Sequence[str]) -> np.ndarray:
    """Return, per row of frame, whether its cell is at risk (False when no risks are given)."""
    if risks is None:
        return np.zeros(len(frame), dtype=bool)
    merged = frame[list(keys)].merge(risks, on=list(keys), how="left")
    return merged["at_risk"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def hide_at_risk(
    frame: pd.DataFrame, risks: pd.DataFrame | None, keys: Sequence[str], columns: Sequence[str]
) -> pd.DataFrame:
    """Return a copy with ``columns`` blanked (and ``suppressed`` set) in rows whose cell is at risk of differencing.

    Parameters
    ----------
    frame : DataFrame
        Rows to show, with the key columns.
    risks : DataFrame or None
        From find_differencing_risks; None leaves the frame as it is.
    keys : sequence of str
        Columns matching the rows to the risks (e.g. age_band, arm).
    columns : sequence of str
        Columns to blank.

    Returns
    -------
    DataFrame

    """
    out = frame.copy()
    at_risk = _risk_of(out, risks, keys)
    for col in columns:
        out[col] = out[col].astype("float64").where(~at_risk)
    out["suppressed"] = (out["suppressed"].to_numpy(dtype=bool) if "suppressed" in out else False) | at_risk
    return out


def _band_risk(groups: pd.DataFrame, risks: pd.DataFrame | None) -> np.ndarray:
    """Return, per band row, whether either arm's cell is at risk (per month too when risks have month_k)."""
    if risks is None:
        return np.zeros(len(groups), dtype=bool)
    keys = ["age_band", *(["month_k"] if "month_k" in risks.columns and "month_k" in groups.columns else [])]
    either = risks.groupby(keys, as_index=False)["at_risk"].any()
    return _risk_of(groups, either, keys)


def outside_bands(rows: pd.DataFrame, column: str) -> float:
    """Return how much of a count the 'all' row holds beyond the band rows (people outside every band)."""
    is_total = rows["age_band"] == "all"
    if not is_total.any():
        return 0.0
    return float(rows.loc[is_total, column].sum() - rows.loc[~is_total, column].fillna(0).sum())


def few_outside(rows: pd.DataFrame, columns, threshold: int) -> bool:
    """Return whether 'all' minus the bands would reveal 1 to threshold − 1 people or events in any column."""
    return any(0 < outside_bands(rows, column) < threshold for column in columns)


def protect_rows_per_arm(groups: pd.DataFrame, primary, threshold: int, by: str | None = None) -> pd.Series:
    """Return primary plus the band rows to hide so that, in each arm, 'all' minus the shown bands gives nothing back.

    A hidden band row hides both arms. Per arm, the hidden parts are its non-empty hidden bands and, when
    they are 1 to threshold − 1, the people outside every band; exactly one hidden part would follow by
    subtraction, so a second band (the smallest non-empty one of that arm) is hidden, until no arm has one.
    ``by``: a column of separate tables (e.g. month_k), each with its own 'all'.
    """
    hidden = np.array(primary, dtype=bool)  # a copy: primary stays as it was
    gid = groups.groupby(by, sort=False).ngroup().to_numpy() if by else np.zeros(len(groups), dtype=int)
    count = gid.max() + 1 if len(gid) else 0
    is_total = (groups["age_band"] == ALL).to_numpy()
    arms = {arm: groups[f"n_{arm}"].fillna(0).to_numpy(dtype="float64") for arm in ("intervention", "control")}
    unshown = {arm: _outside_by_group(gid, is_total, n, count, threshold) for arm, n in arms.items()}
    while True:
        before = hidden.copy()
        for arm, sizes in arms.items():
            # An empty band hides nobody, so only hidden bands with people need a second hidden band.
            hidden |= complement_by_group(gid, is_total, hidden & (sizes > 0), sizes, unshown[arm])
        if (hidden == before).all():
            return pd.Series(hidden, index=groups.index)


def few(values, threshold: int) -> np.ndarray:
    """Return where a count is 1 to threshold − 1 (a few identifiable people; 0 hides nobody)."""
    values = np.asarray(values, dtype="float64")
    return (values > 0) & (values < threshold)


def few_either_way(events, total, threshold: int) -> np.ndarray:
    """Return where an event count, or the people without the event (total − events), is 1 to threshold − 1."""
    events, total = np.asarray(events, dtype="float64"), np.asarray(total, dtype="float64")
    return few(events, threshold) | few(total - events, threshold)
