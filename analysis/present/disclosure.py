"""Small-cell suppression: hide statistics computed from too few people, as Kolada does with '..'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.outcomes.placement import CONTRASTS, DAYS_PER_MONTH
from analysis.present.perturb import place_counts, round_magnitudes
from analysis.selection import ALL, FILTER_FIELDS, Filters, Selection
from analysis.stats.descriptive import holm, proportion_ci
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
    return risks_from_counts(counts, keys, list(measures), selection.filters, threshold)


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


DOMINANCE = 0.5  # a magnitude is hidden when one person could make up more than this share of its total


def dominated(groups: pd.DataFrame) -> np.ndarray:
    """Return rows where one person makes up (or, from cell sums, could make up) over DOMINANCE of an arm's total.

    With ``largest_share_{arm}`` (per-person outcomes) the share itself; with n, mean and SD only (hours from
    the cells) the largest a value can be by Samuelson's inequality, mean + SD·(n − 1)/√n, a bound that is
    tight when one person holds nearly everything. A (1, 50 %) dominance rule, as for business statistics.
    """
    out = np.zeros(len(groups), dtype=bool)
    for arm in ("intervention", "control"):
        if f"largest_share_{arm}" in groups.columns:
            share = groups[f"largest_share_{arm}"].astype("float64").to_numpy()
        elif {f"sd_{arm}", f"mean_{arm}"} <= set(groups.columns):
            n = groups[f"n_{arm}"].astype("float64").to_numpy()
            mean, sd = (groups[f"{c}_{arm}"].astype("float64").to_numpy() for c in ("mean", "sd"))
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.minimum(mean + sd * (n - 1) / np.sqrt(n), n * mean) / (n * mean)
        else:
            continue
        out |= np.nan_to_num(share) > DOMINANCE
    return out


def hide_band_rows(
    groups: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    by: str | None = None,
    more_risks: pd.DataFrame | None = None,
    dominance: bool = False,
) -> pd.DataFrame:
    """Hide a band row (both arms) when either arm is small or at risk of differencing, plus its complement.

    People outside every band are in 'all' but in no band row: when they are few, one band is hidden too,
    so that 'all' minus the shown bands never gives them back. ``by`` (e.g. month_k) holds several such
    tables in one frame, each with its own 'all'; ``more_risks`` is a second risk frame (e.g. per month).
    ``dominance``: also hide a row where one person makes up most of an arm's total (``dominated``; for sums
    one person can dominate: hours, costs, not bounded scales).
    """
    n_min = groups[["n_intervention", "n_control"]].min(axis=1)
    uniform = _uniform(groups) if threshold > 1 else np.zeros(len(groups), dtype=bool)  # off: nothing hidden
    if dominance and threshold > 1:
        uniform = uniform | dominated(groups)  # said as its own reason below
    risky = _band_risk(groups, risks) | _band_risk(groups, more_risks)
    primary = (n_min < threshold) | uniform | risky
    hidden = protect_rows_per_arm(groups, primary, threshold, by)
    protect = hidden & ~primary
    out = groups.copy()
    for column in [c for c in groups.columns if c not in ("age_band", by)]:
        numeric = pd.api.types.is_numeric_dtype(out[column])  # text (a method, a fit warning) is hidden as is
        out[column] = (out[column].astype("float64") if numeric else out[column]).where(~hidden)
    out["suppressed"] = hidden
    out["suppressed_reason"] = _reasons(n_min < threshold, uniform, risky, protect)
    if dominance and threshold > 1:  # a dominated (not uniform) row says so
        alone = dominated(groups) & ~_uniform(groups) & ~(n_min < threshold).to_numpy()
        out.loc[alone, "suppressed_reason"] = "dominated"
    return out


def _uniform(groups: pd.DataFrame) -> np.ndarray:
    """Return rows where everyone of an arm (two or more people) has the same value: the mean would tell each one's."""
    out = np.zeros(len(groups), dtype=bool)
    for arm in ("intervention", "control"):
        column = f"sd_{arm}"
        if column in groups.columns:
            sd = groups[column].astype("float64").to_numpy()
            out |= (groups[f"n_{arm}"].to_numpy() >= 2) & (sd == 0)
    return out


REASONS = ("few_people", "few_events", "uniform", "differencing", "protects_other", "dominated")  # why hidden


def _reasons(*masks) -> list:
    """Return per row the first reason whose mask is true, else None.

    Four masks are (few_people, uniform, differencing, protects_other); five follow REASONS.
    """
    names = ("few_people", "uniform", "differencing", "protects_other") if len(masks) == 4 else REASONS[: len(masks)]
    out = []
    for values in zip(*(np.asarray(m, dtype=bool) for m in masks), strict=True):
        out.append(next((name for name, on in zip(names, values, strict=True) if on), None))
    return out


def few(values, threshold: int) -> np.ndarray:
    """Return where a count is 1 to threshold − 1 (a few identifiable people; 0 hides nobody)."""
    values = np.asarray(values, dtype="float64")
    return (values > 0) & (values < threshold)


def few_either_way(events, total, threshold: int) -> np.ndarray:
    """Return where an event count, or the people without the event (total − events), is 1 to threshold − 1."""
    events, total = np.asarray(events, dtype="float64"), np.asarray(total, dtype="float64")
    return few(events, threshold) | few(total - events, threshold)


def _protect_across_bands(rows: pd.DataFrame, primary: np.ndarray, sizes: pd.Series, unshown: bool) -> np.ndarray:
    """Return primary plus the second band hidden so 'all' minus the shown bands gives no hidden count back."""
    primary = pd.Series(primary, index=rows.index)
    protect = hide_complements(primary & (sizes > 0), sizes, rows["age_band"] == ALL, unshown)
    return (primary | protect).to_numpy()


def hide_people_counts(counts: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.Series:
    """Return which numbers of people randomized (per band and arm) every table of a page hides.

    One rule for every table that shows how many were randomized in a band and arm (people, placement,
    per-person outcomes, at-risk at month 0, Table 1, CONSORT), so a number hidden in one is hidden in all:
    1 to threshold − 1 people or at risk of differencing, and per arm a second band against 'all' (people
    outside every band counting as a hidden part when they are few). Nothing else hides these numbers.

    Parameters
    ----------
    counts : DataFrame
        age_band, arm, n (bands and 'all' of one or both arms).
    threshold : int
        Smallest number shown.
    risks : DataFrame, optional
        Differencing risks of the people randomized (find_risks 'randomized').

    Returns
    -------
    Series of bool
        Per row of counts, whether its n is hidden.

    """
    out = pd.Series(False, index=counts.index)
    for arm in counts["arm"].unique():
        rows = counts[counts["arm"] == arm]
        primary = few(rows["n"], threshold) | _risk_of(rows, risks, ["age_band", "arm"])
        unshown = few_outside(rows, ["n"], threshold)
        out[rows.index] = _protect_across_bands(rows, primary, rows["n"].fillna(0), unshown)
    return out


def hide_people_wide(groups: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> dict:
    """Return hide_people_counts for a table with n_intervention and n_control per band: arm -> bool array."""
    out = {}
    for arm in ("intervention", "control"):
        counts = pd.DataFrame(
            {"age_band": groups["age_band"].to_numpy(), "arm": arm, "n": groups[f"n_{arm}"].to_numpy()}
        )
        out[arm] = hide_people_counts(counts, threshold, risks).to_numpy()
    return out


def hide_people_rows(
    people: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    event_risks: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hide small or differencing-prone people/placement cells per arm, with secondary suppression across bands.

    A cell's people (n) are hidden only when they are few or at risk (then its placements and deaths
    too); placements (count, share, interval) are hidden on their own when 1 to threshold − 1 people
    were placed or were not, and deaths likewise, each with a second band hidden against 'all'.

    Parameters
    ----------
    people : DataFrame
        From summarize_people: age_band, arm, n, n_placed, share_placed, placed_ci_low, placed_ci_high, n_died.
    threshold : int
        Smallest number shown.
    risks : DataFrame, optional
        Differencing risks of the people randomized (find_risks 'randomized').
    event_risks : DataFrame, optional
        Differencing risks of the placements and deaths (find_risks 'people').
    counts : DataFrame, optional
        A filtered view's counts with the cell key method (linked 'counts_people'): shown instead of the
        exact ones, the share placed and its interval computed from them, and no second band hidden.

    Returns
    -------
    DataFrame
        The rows with hidden figures NaN, ``suppressed`` (n hidden) and ``suppressed_reason``.

    """
    out = people.copy()
    figures = {"n": ["n"], "n_placed": ["n_placed", "share_placed", "placed_ci_low", "placed_ci_high"]}
    figures["n_died"] = ["n_died"]
    for columns in figures.values():
        for column in columns:
            out[column] = out[column].astype("float64")
    out["suppressed"] = False
    out["suppressed_reason"] = None
    for arm in ("intervention", "control"):
        rows = people[people["arm"] == arm]
        n = rows["n"].to_numpy(dtype="float64")
        risky = _risk_of(rows, risks, ["age_band", "arm"])
        primary = few(n, threshold) | risky
        hidden_n = few(n, threshold) if counts is not None else hide_people_counts(rows, threshold, risks).to_numpy()
        event_risky = _risk_of(rows, event_risks, ["age_band", "arm"])
        reasons = _reasons(primary & ~risky, np.zeros(len(rows), bool), risky, hidden_n & ~primary)
        for count in ("n_placed", "n_died"):
            small = few_either_way(rows[count], n, threshold)
            unshown = few_outside(rows, [count], threshold)
            primary_events = (small | event_risky) & ~hidden_n
            hidden = primary_events | hidden_n
            if counts is None:
                hidden = _protect_across_bands(rows, hidden, rows[count], unshown)
            out.loc[rows.index[hidden], figures[count]] = np.nan
            none = np.zeros(len(rows), dtype=bool)
            why = _reasons(none, small & ~hidden_n, none, event_risky & ~hidden_n, hidden & ~primary_events & ~hidden_n)
            reasons = [r or w for r, w in zip(reasons, why, strict=True)]
        out.loc[rows.index[hidden_n], "n"] = np.nan
        out.loc[rows.index, "suppressed"] = hidden_n
        out.loc[rows.index, "suppressed_reason"] = pd.Series(reasons, index=rows.index, dtype=object)
    if counts is None:
        return out
    out = place_counts(out, counts, {c: (c, None) for c in ("n", "n_placed", "n_died")}, ["age_band", "arm"])
    known = out["n_placed"].notna().to_numpy() & (out["n"].to_numpy() > 0)
    low, high = proportion_ci(out["n_placed"].fillna(0), out["n"].fillna(0))
    out["share_placed"] = np.where(known, out["n_placed"] / out["n"].where(known, 1.0), np.nan)
    out["placed_ci_low"], out["placed_ci_high"] = np.where(known, low, np.nan), np.where(known, high, np.nan)
    return out


def _hide_dominated_outcomes(out: pd.DataFrame, groups: pd.DataFrame, threshold: int) -> None:
    """Blank, in place, each per-person outcome one person makes up over DOMINANCE of in an arm (its figures only).

    Nursing-home days among few placed, say: the mean would nearly tell the days of the one person placed,
    while the care cost and days at home of the same people stay shown.
    """
    if threshold <= 1:
        return
    for name in ("cost", "nursing_home_days", "hours"):
        shares = [f"largest_share_{name}_{arm}" for arm in ("intervention", "control")]
        if not set(shares) <= set(groups.columns):
            continue
        hit = (groups[shares].astype("float64").fillna(0) > DOMINANCE).any(axis=1).to_numpy()
        columns = [c for c in out.columns if c.startswith(f"{name}_") and c not in shares]
        for column in columns:
            if pd.api.types.is_numeric_dtype(out[column]):
                out[column] = out[column].astype("float64").where(~hit)
        out.loc[hit & out["suppressed_reason"].isna().to_numpy(), "suppressed_reason"] = "dominated"
    for column in [c for c in out.columns if c.startswith("largest_share_")]:
        out[column] = np.nan  # what decided it is not shown


# Figures that rest on an arm's deaths, by the count that protects them.
DEATH_FIGURES = {
    "deaths": ("deaths_{arm}",),
    "deaths_before_placement": (
        "deaths_before_placement_{arm}",
        "death_cuminc_{arm}",
        "death_cuminc_ci_low_{arm}",
        "death_cuminc_ci_high_{arm}",
    ),
    "censored": ("censored_{arm}",),
    "ended_at_placement": ("ended_at_placement_{arm}",),
}
DEATH_CONTRASTS = ("death_hazard_ratio", "death_hazard_ratio_ci_low", "death_hazard_ratio_ci_high")
DEATH_CONTRASTS += ("death_hazard_ratio_p_value",)


def hide_outcome_rows(
    groups: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    people_risks: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hide per-person outcome rows as hide_band_rows does, then death and censoring counts of 1 to threshold − 1.

    A small count is hidden with everything computed from it (a cumulative incidence gives the count
    back), and secondary suppression across the bands keeps 'all' minus the others from revealing it;
    the hazard ratio of death is hidden when either arm's deaths before placement are. The numbers
    randomized follow hide_people_counts (``people_risks``), as on every other table. ``counts`` (a
    filtered view's counts with the cell key method, linked 'counts_outcomes'): the counts shown are
    those, and no second band is hidden for them (noise, not a person, is what a difference gives back).
    """
    out = hide_band_rows(groups, threshold, risks)
    _hide_dominated_outcomes(out, groups, threshold)
    people = {a: few(groups[f"n_{a}"], threshold) for a in ("intervention", "control")} if counts is not None else None
    for arm, hidden_n in (people or hide_people_wide(groups, threshold, people_risks)).items():
        out[f"n_{arm}"] = groups[f"n_{arm}"].astype("float64").where(~hidden_n)
    is_total = out["age_band"] == "all"
    hidden_deaths = np.zeros(len(out), dtype=bool)
    hidden_counts = np.zeros(len(out), dtype=bool)
    for count, figures in DEATH_FIGURES.items():
        for arm in [a for a in ("intervention", "control") if f"{count}_{a}" in out.columns]:
            values = out[count + f"_{arm}"].fillna(0)
            small = pd.Series(few_either_way(values, groups[f"n_{arm}"], threshold), index=out.index)
            unshown = 0 < outside_bands(groups, count + f"_{arm}") < threshold
            protected = small if counts is not None else hide_complements(small, values, is_total, unshown)
            hidden = protected & ~out["suppressed"]
            for column in [f.format(arm=arm) for f in figures if f.format(arm=arm) in out.columns]:
                out[column] = out[column].where(~hidden)
            hidden_counts |= hidden.to_numpy()
            if count == "deaths_before_placement":
                hidden_deaths |= hidden.to_numpy()
    for column in [c for c in DEATH_CONTRASTS if c in out.columns]:
        out[column] = out[column].where(~hidden_deaths)
    partly = out["suppressed_reason"].isna().to_numpy() & hidden_counts
    out.loc[partly, "suppressed_reason"] = "few_events"  # the row is shown, some of its event counts are not
    if counts is None:
        return out
    shown = {f"n_{arm}": ("n", arm) for arm in ("intervention", "control")}
    for count in DEATH_FIGURES:
        shown |= {f"{count}_{arm}": (count, arm) for arm in ("intervention", "control") if f"{count}_{arm}" in out}
    return place_counts(out, counts, shown, ["age_band"])


ARM_STATS = (
    "n",
    "placed",
    "cuminc",
    "cuminc_ci_low",
    "cuminc_ci_high",
    "one_minus_km",
    "nursing_home_days_per_person_year",
)


def hide_placement_rows(
    groups: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    people_risks: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hide an arm's figures when it has too few people or placements (or is at risk of differencing).

    The number randomized follows hide_people_counts (as on every table); the arm's other figures are
    hidden when its people are, when 1 to threshold − 1 were placed or were not, or when at risk of
    differencing, with a second band against 'all'; deaths of 1 to threshold − 1 (or all but so many)
    are hidden on their own, likewise. Comparisons are hidden when either arm's figures are.

    Parameters
    ----------
    groups : DataFrame
        analyze_placement's groups.
    threshold : int
        Smallest number shown.
    risks : DataFrame, optional
        Differencing risks of the placement table (find_risks 'placement').
    people_risks : DataFrame, optional
        Differencing risks of the people randomized (find_risks 'randomized').
    counts : DataFrame, optional
        A filtered view's counts with the cell key method (linked 'counts_placement'): the people, placed
        and dead shown are those, no second band is hidden, and the people randomized are hidden only when
        1 to threshold − 1. An arm whose placements are at risk of differencing stays hidden: its cumulative
        incidence is an exact share of its counts.

    Returns
    -------
    DataFrame
        The table with hidden figures NaN, hidden_intervention/hidden_control (the arm's figures),
        ``suppressed`` and ``suppressed_reason``.

    """
    out = groups.copy()
    hidden_any = np.zeros(len(out), dtype=bool)
    reasons = {}
    if counts is not None:
        n_hidden = {arm: few(groups[f"n_{arm}"], threshold) for arm in ("intervention", "control")}
    else:
        n_hidden = hide_people_wide(groups, threshold, people_risks)
    for arm in ("intervention", "control"):
        n, placed = out[f"n_{arm}"].to_numpy(dtype=float), out[f"placed_{arm}"].to_numpy(dtype=float)
        arm_risks = None if risks is None else risks[risks["arm"] == arm].drop(columns="arm")
        few_placed = few_either_way(placed, n, threshold)  # 1-4 placed, or all but 1-4
        risky = _risk_of(out, arm_risks, ["age_band"])
        primary = n_hidden[arm] | (n < threshold) | few_placed | risky
        # Complementary suppression across the bands ('all' minus the shown bands), people outside them included.
        unshown = few_outside(groups, [f"n_{arm}", f"placed_{arm}"], threshold)
        if counts is None:
            hidden = _protect_across_bands(out, primary, out[f"placed_{arm}"].fillna(0), unshown)
        else:
            hidden = primary
        reasons[arm] = _reasons(
            n_hidden[arm] | (n < threshold),
            few_placed,
            np.zeros(len(out), dtype=bool),  # a uniform placement share is already 0 or all: hidden as few events
            risky,
            hidden & ~primary,
        )
        hidden_any |= hidden
        died = f"died_{arm}"
        if died in out.columns:  # 1 to threshold − 1 deaths (or survivors) are a small count of their own
            small = few_either_way(out[died], n, threshold) | hidden
            unshown_died = few_outside(groups, [died], threshold)
            if counts is None:
                small = _protect_across_bands(out, small, out[died].fillna(0), unshown_died)
            out[died] = out[died].astype("float64").where(~small, np.nan)
        arm_columns = [f"{key}_{arm}" for key in ARM_STATS if f"{key}_{arm}" in out.columns and key != "n"]
        arm_columns += [  # every other figure of the arm too (person-years, days), shown or exported
            c
            for c in out.columns
            if c.endswith(f"_{arm}") and c not in arm_columns and c not in (f"hidden_{arm}", f"n_{arm}", died)
        ]
        for column in arm_columns:
            if pd.api.types.is_numeric_dtype(out[column]):
                out[column] = out[column].astype("float64").where(~hidden, np.nan)
        out[f"n_{arm}"] = out[f"n_{arm}"].astype("float64").where(~n_hidden[arm], np.nan)
        out[f"hidden_{arm}"] = hidden
    for column in [c for c in CONTRASTS if c in out.columns]:
        out[column] = out[column].astype("float64").where(~hidden_any, np.nan)
    out["suppressed"] = out["hidden_intervention"] | out["hidden_control"]
    out["suppressed_reason"] = [a or b for a, b in zip(reasons["intervention"], reasons["control"], strict=True)]
    if counts is None:
        return out
    shown = {f"{c}_{arm}": (c, arm) for c in ("n", "placed", "died") for arm in ("intervention", "control")}
    return place_counts(out, counts, {k: v for k, v in shown.items() if k in out.columns}, ["age_band"])


def coarsen_curve(
    curve: pd.DataFrame, months: int, columns=("cuminc", "ci_low", "ci_high", "one_minus_km")
) -> pd.DataFrame:
    """Return a step curve's values at the end of each whole month 0..months, so no event's day is shown.

    Parameters
    ----------
    curve : DataFrame
        time (days, ascending) and the value columns of one arm's curve (each row holds from its time on).
    months : int
        The last whole month.
    columns : sequence of str
        Value columns to carry (those missing are skipped).

    Returns
    -------
    DataFrame
        month (0..months) and the value of each column at the month's end (0 before the first event).

    """
    ends = np.arange(months + 1) * DAYS_PER_MONTH
    last = np.searchsorted(curve["time"].to_numpy(dtype=float), ends, side="right") - 1
    out = {"month": np.arange(months + 1)}
    for column in [c for c in columns if c in curve.columns]:
        values = curve[column].ffill().fillna(0.0).to_numpy(dtype=float)
        out[column] = np.where(last >= 0, values[np.maximum(last, 0)], 0.0)
    return pd.DataFrame(out)


# ---- what a viewer sees: the pages' rules, callable from the command line too ------------------------------


def no_risks(view, table, timepoints=()):
    """Return no differencing risks: for views of everyone (no filters), e.g. the board's slides and briefing."""
    return None


def show_comparison(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the hours comparison at a month as the Overview and Comparisons pages show it to a viewer.

    Means, differences and intervals are magnitudes: hidden when an arm has fewer than the threshold of
    people or everyone in it has the same hours (and a second band against 'all'), never for differencing.
    In a filtered view the numbers of people carry the cell key method's noise.

    Parameters
    ----------
    groups : DataFrame
        run_comparison's (or compare_hours') groups.
    selection : Selection
        The view (its month is the comparison's).
    threshold : int
        Smallest number shown.
    risks_for : callable
        (Selection, table) -> a filtered view's counts ('counts_month') or None: linked.find_risks, cached
        on pages.

    Returns
    -------
    DataFrame
        The groups with hidden figures NaN, ``suppressed`` and ``suppressed_reason`` (and ``perturbed``).

    """
    out = hide_band_rows(groups, threshold, dominance=True)
    counts = risks_for(selection, "counts_month")
    if counts is None:
        return out
    columns = {f"n_{arm}": ("n", arm) for arm in ("intervention", "control")}
    return place_counts(out, counts, columns, ["age_band"])


def show_timepoints(rows: list[pd.Series], points: Sequence[int]) -> pd.DataFrame:
    """Return the everyone row of show_comparison at each timepoint, with Holm's p-values across the timepoints.

    Parameters
    ----------
    rows : list of Series
        show_comparison's 'all' row at each of ``points``.
    points : sequence of int
        The timepoints (months).

    Returns
    -------
    DataFrame
        The rows with month and p_holm_time (Holm over the shown p-values; NaN where hidden).

    """
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).reset_index(drop=True).assign(month=list(points))
    frame["p_holm_time"] = holm(frame["p_value"].to_numpy(dtype="float64"))
    return frame


def show_repeated(model: pd.DataFrame, everyone_row: pd.Series) -> pd.DataFrame:
    """Return a repeated-measures model's rows (difference per month and on average) as a viewer sees them.

    The model rests on everyone in the view: hidden when the view's everyone row (of the same people) is
    hidden, and rounded as displayed when that row's counts carry the cell key method's noise.
    """
    out = model.copy()
    figures = [c for c in ("difference", "ci_low", "ci_high", "p_value") if c in out.columns]
    if bool(everyone_row.get("suppressed", False)):
        out[figures] = np.nan
        out[[c for c in ("cannot_estimate", "warning") if c in out.columns]] = None  # "all equal" would tell
    elif bool(everyone_row.get("perturbed", False)):
        out = round_magnitudes(out, [c for c in out.columns if c not in figures])
    return out


def show_split(split: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the Totalt / Kvinnor / Män split as the Overview shows it: hide_split_rows, the sexes' counts perturbed.

    Each sex is a filtered view of its own (its numbers of people carry noise); the total is the
    selection's own view.
    """
    out = hide_split_rows(split, threshold)
    parts = []
    for group, rows in out.groupby("sex_group", sort=False):
        sexes = () if group == "total" else (group,)
        view = selection.with_filters(replace(selection.filters, sex=sexes))
        counts = risks_for(view, "counts_month")
        columns = {f"n_{arm}": ("n", arm) for arm in ("intervention", "control")}
        parts.append(rows if counts is None else place_counts(rows, counts, columns, ["age_band"]))
    return pd.concat(parts).loc[out.index]


def show_trajectory(trace: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the monthly means (every band) hidden exactly as the month's comparison table hides them.

    Each month's band rows get show_comparison's rule (small or uniform arms, a second band against
    'all'), so the trajectory never shows a month's value the table at that month hides.

    Parameters
    ----------
    trace : DataFrame
        From trace_hours: age_band, arm, month_k, n, mean, sd, ci_low, ci_high (every band).
    selection : Selection
        The view (month unused).
    threshold : int
        Smallest number shown.
    risks_for : callable
        As for show_comparison; asked once for every month's counts ('counts_months').

    Returns
    -------
    DataFrame
        The trace with hidden months NaN, ``suppressed`` and ``suppressed_reason``.

    """
    wide = trace.pivot_table(index=["month_k", "age_band"], columns="arm", values=["n", "mean", "sd"], aggfunc="first")
    wide.columns = [f"{stat}_{arm}" for stat, arm in wide.columns]
    wide = wide.reset_index()
    for column in ("n_intervention", "n_control"):
        wide[column] = wide[column].fillna(0) if column in wide else 0.0
    order = {label: i for i, label in enumerate(trace["age_band"].drop_duplicates())}
    wide = wide.sort_values(["month_k", "age_band"], key=lambda c: c.map(order) if c.name == "age_band" else c)
    shown = hide_band_rows(wide.reset_index(drop=True), threshold, by="month_k", dominance=True)
    flags = shown[["month_k", "age_band", "suppressed", "suppressed_reason"]]
    out = trace.drop(columns=["suppressed", "suppressed_reason"], errors="ignore")
    out = out.merge(flags, on=["age_band", "month_k"], how="left")
    out["suppressed"] = out["suppressed"].astype("boolean").fillna(True).astype(bool)
    for column in ("n", "mean", "sd", "ci_low", "ci_high"):
        out[column] = out[column].astype("float64").where(~out["suppressed"])
    counts = risks_for(selection, "counts_months")
    if counts is None:
        return out
    return place_counts(out, counts, {"n": ("n", None)}, ["age_band", "arm", "month_k"])


def show_placement(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the placement table as the Nursing-home page shows it to a viewer (people, placements, deaths checked)."""
    counts = risks_for(selection, "counts_placement")
    people_risks = None if counts is not None else risks_for(selection, "randomized")
    return hide_placement_rows(groups, threshold, risks_for(selection, "placement"), people_risks, counts)


def show_at_risk(
    at_risk: pd.DataFrame, shown_groups: pd.DataFrame, selection, threshold: int, risks_for
) -> pd.DataFrame:
    """Return the numbers at risk (every band) as the Nursing-home page shows them, consistent with its table.

    An arm hidden in the placement table is hidden here too (same people); a small number or one at risk
    of differencing is hidden, and per arm and month a second band against 'all' (people outside every
    band included), so no hidden number follows by subtraction.

    Parameters
    ----------
    at_risk : DataFrame
        PlacementResult.at_risk: age_band, arm, month, n.
    shown_groups : DataFrame
        show_placement's table (hidden_intervention, hidden_control per band).
    selection : Selection
        The view (month: the window).
    threshold : int
        Smallest number shown.
    risks_for : callable
        As for show_comparison ('at_risk').

    Returns
    -------
    DataFrame
        age_band, arm, month, n (NaN when hidden), suppressed.

    """
    out = at_risk.copy()
    out["n"] = out["n"].astype("float64")
    arm_hidden = shown_groups.melt(
        id_vars="age_band", value_vars=["hidden_intervention", "hidden_control"], var_name="arm", value_name="hidden"
    )
    arm_hidden["arm"] = arm_hidden["arm"].str.removeprefix("hidden_")
    hidden = out[["age_band", "arm"]].merge(arm_hidden, on=["age_band", "arm"], how="left")["hidden"]
    primary = hidden.astype("boolean").fillna(False).to_numpy(dtype=bool) | few(out["n"], threshold)
    counts = risks_for(selection, "counts_at_risk")
    if counts is not None:  # counts with noise: only the arms hidden above and small numbers
        out.loc[primary, "n"] = np.nan
        return place_counts(out.assign(suppressed=primary), counts, {"n": ("n", None)}, ["age_band", "arm", "month"])
    primary |= _risk_of(out, risks_for(selection, "at_risk"), ["age_band", "arm", "month"])
    result = np.zeros(len(out), dtype=bool)
    for (_, month), rows in out.groupby(["arm", "month"], sort=False):
        positions = out.index.get_indexer(rows.index)
        if month == 0:  # everyone randomized: the one rule of every table that shows them
            result[positions] = hide_people_counts(rows, threshold, risks_for(selection, "randomized")).to_numpy()
            continue
        unshown = few_outside(rows, ["n"], threshold)
        result[positions] = _protect_across_bands(rows, primary[positions], rows["n"], unshown)
    out.loc[result, "n"] = np.nan
    out["suppressed"] = result
    return out


def show_outcomes(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the per-person outcomes as the pages show them to a viewer (people, deaths and censoring checked).

    Costs and days are magnitudes (shown when both arms have the threshold of people and no uniform
    arm); the counts of people, deaths and censoring are counts (1 to threshold − 1 hidden; in a
    filtered view shown with the cell key method's noise).
    """
    return hide_outcome_rows(groups, threshold, counts=risks_for(selection, "counts_outcomes"))


def show_people(people: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the people table (randomized, placed, dead) as the Overview page shows it to a viewer."""
    return hide_people_rows(people, threshold, counts=risks_for(selection, "counts_people"))


def show_flow(flow: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the CONSORT flow as the Comparisons page shows it (every part of every finest group checked)."""
    timepoints = tuple(sorted(flow["month"].unique().tolist()))
    counts = risks_for(selection, "counts_flow", timepoints)
    if counts is not None:  # counts with noise: small parts hidden within each row, nothing for differencing
        parts = {p: (p, None) for p in FLOW_PARTS}
        shown = place_counts(hide_flow_cells(flow, threshold), counts, parts, ["arm", "month"])
        people = risks_for(selection, "counts_randomized")
        everyone = people[people["age_band"] == ALL].set_index("arm")["n"]  # as every table shows them
        shown["randomized"] = flow["arm"].map(everyone).where(~few(flow["randomized"], threshold))
        return shown
    shown = hide_flow_cells(flow, threshold, risks_for(selection, "flow", timepoints))
    counts = flow[["arm"]].assign(age_band=ALL, n=flow["randomized"])
    hidden = hide_people_counts(counts, threshold, risks_for(selection, "randomized"))
    shown["randomized"] = flow["randomized"].astype("float64").where(~hidden)  # as every table shows them
    return shown


def protect_by_audit(
    vectors: np.ndarray, values: np.ndarray, hidden: np.ndarray, prefer: np.ndarray, threshold: int | None = None
) -> np.ndarray:
    """Hide more cells until no hidden non-zero cell is a sum or difference of shown ones (a linear audit).

    Each cell is the sum of a set of atoms (disjoint groups of people). A hidden cell follows from the
    shown ones exactly when its atom vector lies in their span; then one shown cell taking part in that
    combination is hidden too (the smallest non-zero one, among ``prefer`` first), and the audit repeats.

    Parameters
    ----------
    vectors : ndarray
        Cells × atoms, 0/1: which atoms each cell sums.
    values : ndarray
        Each cell's count.
    hidden : ndarray of bool
        Cells hidden so far (primary suppression).
    prefer : ndarray of bool
        Cells that may be hidden to protect others before the rest (e.g. not those every table shows alike).
    threshold : int, optional
        When given, two shown cells whose people nest may not differ by 1 to threshold − 1 either.

    Returns
    -------
    ndarray of bool
        The cells to hide.

    """
    hidden = np.asarray(hidden, dtype=bool).copy()
    vectors = np.asarray(vectors, dtype=float)
    values = np.asarray(values, dtype=float)
    while True:
        shown = np.nonzero(~hidden)[0]
        if not len(shown):
            return hidden
        basis = vectors[shown].T
        added = False
        for i in np.nonzero(hidden & (values != 0))[0]:
            coef, *_ = np.linalg.lstsq(basis, vectors[i], rcond=None)
            if not np.allclose(basis @ coef, vectors[i], atol=1e-8):
                continue  # not derivable
            involved = shown[np.abs(coef) > 1e-8]
            ranked = sorted(involved, key=lambda j: (not prefer[j], values[j] == 0, values[j]))
            hidden[ranked[0]] = True
            added = True
            break
        if not added and threshold is not None:
            added = _hide_small_gap(vectors, values, hidden, prefer, threshold)
        if not added:
            return hidden


def _hide_small_gap(vectors: np.ndarray, values: np.ndarray, hidden: np.ndarray, prefer, threshold: int) -> bool:
    """Hide one of two shown cells whose people nest and whose counts differ by 1 to threshold − 1; say if any."""
    shown = np.nonzero(~hidden)[0]
    members = vectors[shown] > 0
    sizes = members.sum(axis=1)
    overlap = members.astype(int) @ members.T.astype(int)
    inside = (overlap == sizes[:, None]) & (sizes[:, None] < sizes[None, :])  # i's people within j's
    gap = values[shown][None, :] - values[shown][:, None]
    pairs = np.argwhere(inside & (gap > 0) & (gap < threshold))
    if not len(pairs):
        return False
    i, j = shown[pairs[0][0]], shown[pairs[0][1]]
    hidden[min((i, j), key=lambda k: (not prefer[k], values[k]))] = True
    return True


def _table1_cells(table: pd.DataFrame, joint: pd.DataFrame, arm: str) -> tuple[list, np.ndarray, list]:
    """Return Table 1's counts of one arm as (cell keys, atom vectors, whether to hide them first)."""
    atoms = joint[joint["arm"] == arm].reset_index(drop=True)
    keys, vectors, prefer = [], [], []
    for index, row in table.iterrows():
        variable, statistic = row["variable"], row["statistic"]
        if statistic == "n":
            keys.append((index, "value"))
            vectors.append(np.ones(len(atoms)))
            prefer.append(False)
        elif statistic == "n (%)":
            keys.append((index, "value"))
            vectors.append((atoms[variable].astype(str) == str(row["level"])).to_numpy(dtype=float))
            prefer.append(variable != "age_band")
        if statistic != "n" and variable in ("age_band", "district") and not np.isnan(row[f"missing_{arm}"]):
            keys.append((index, "missing"))
            vectors.append(atoms[variable].isna().to_numpy(dtype=float))
            prefer.append(variable != "age_band")
    return keys, np.array(vectors).reshape(len(keys), len(atoms)), prefer


def show_table1(table: pd.DataFrame, selection, threshold: int, risks_for, joint: pd.DataFrame | None = None):
    """Return Table 1 as the Comparisons page shows it (level counts of every finest group checked).

    With ``joint`` (count_joint of the same view), a linear audit over all its counts hides more until
    no hidden count follows from the shown ones across variables (e.g. a district where everyone has
    one application type). In a filtered view the counts carry the cell key method's noise instead
    (place_table1_counts).
    """
    counts = risks_for(selection, "counts_table1")
    if counts is not None:
        return place_table1_counts(hide_baseline_cells(table, threshold), counts)
    shown = hide_baseline_cells(table, threshold, risks_for(selection, "table1"))
    # The n row and the age bands are the numbers randomized per band: hidden by their one rule, as everywhere.
    rows = (table["statistic"] == "n") | ((table["variable"] == "age_band") & (table["statistic"] == "n (%)"))
    people_risks = risks_for(selection, "randomized")
    for arm in ("intervention", "control"):
        counts = pd.DataFrame(
            {
                "age_band": np.where(table.loc[rows, "statistic"] == "n", ALL, table.loc[rows, "level"]),
                "arm": arm,
                "n": table.loc[rows, f"value_{arm}"].astype("float64").to_numpy(),
            },
            index=table.index[rows],
        )
        hidden = hide_people_counts(counts, threshold, people_risks)
        shown.loc[rows, f"value_{arm}"] = table.loc[rows, f"value_{arm}"].astype("float64").where(~hidden)
        # Percentages are of those inside the bands: with the people outside them hidden, they would tell it.
        bands = rows & (table["statistic"] != "n")
        outside = table.loc[bands, f"missing_{arm}"].fillna(0).sum()
        keep_share = ~hidden[bands] & (not few(outside, threshold))
        shown.loc[bands, f"value2_{arm}"] = table.loc[bands, f"value2_{arm}"].astype("float64").where(keep_share)
    if joint is not None:
        _audit_table1(table, shown, joint, threshold)
    return shown


def place_table1_counts(shown: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Return Table 1 with a filtered view's perturbed counts: n, level and missing counts, shares from them.

    Parameters
    ----------
    shown : DataFrame
        hide_baseline_cells' table (hidden cells NaN).
    counts : DataFrame
        linked 'counts_table1': arm, variable, level ('' for n and missing counts), n.

    Returns
    -------
    DataFrame
        Means, SDs and quantiles rounded as displayed (round_magnitudes), ``perturbed`` True.

    """
    out = shown.copy()
    is_count = out["statistic"].isin(["n", "n (%)"]).to_numpy()
    first = out["variable"].ne(out["variable"].shift()).to_numpy() & (out["statistic"] != "n").to_numpy()
    for arm in ("intervention", "control"):
        lookup = counts[counts["arm"] == arm].set_index(["variable", "level"])["n"]
        level_keys = list(zip(out["variable"], np.where(out["statistic"] == "n", "", out["level"].astype(str))))
        values = np.array([lookup.get(key, np.nan) for key in level_keys], dtype="float64")
        value = f"value_{arm}"
        out[value] = np.where(is_count & out[value].notna(), values, out[value])
        missing = np.array([lookup.get((variable, ""), np.nan) for variable in out["variable"]], dtype="float64")
        out[f"missing_{arm}"] = np.where(first & out[f"missing_{arm}"].notna(), missing, out[f"missing_{arm}"])
        levels = out["statistic"] == "n (%)"
        totals = out[levels].groupby("variable")[value].transform("sum")  # of those shown, not missing
        share = 100 * out.loc[levels, value] / totals.where(totals > 0)
        out.loc[levels, f"value2_{arm}"] = share.where(out.loc[levels, f"value2_{arm}"].notna())
    exact = [c for c in out.columns if c.startswith(("value_", "missing_"))]
    rounded = round_magnitudes(out.assign(perturbed=True), exact)  # the standardized differences
    for column in [c for c in out.columns if c.startswith("value")]:  # means, SDs, quantiles: as displayed
        if pd.api.types.is_float_dtype(out[column]):
            rounded.loc[~is_count, column] = out.loc[~is_count, column].round(1)
    return rounded


def _audit_table1(table: pd.DataFrame, shown: pd.DataFrame, joint: pd.DataFrame, threshold: int) -> None:
    """Hide, in place, Table 1 counts that would let a hidden one follow across variables (see protect_by_audit)."""
    for arm in ("intervention", "control"):
        if shown[f"value_{arm}"].isna().all():
            continue
        keys, vectors, prefer = _table1_cells(table, joint, arm)
        if not keys:
            continue
        column = {"value": f"value_{arm}", "missing": f"missing_{arm}"}
        values = np.array([float(table.at[i, column[kind]]) for i, kind in keys])
        hidden = np.array([np.isnan(float(shown.at[i, column[kind]])) for i, kind in keys])
        audited = protect_by_audit(vectors, values, hidden, np.array(prefer), threshold)
        for (index, kind), was, now in zip(keys, hidden, audited, strict=True):
            if now and not was:
                targets = [f"value_{arm}", f"value2_{arm}"] if kind == "value" else [f"missing_{arm}"]
                shown.loc[index, targets] = np.nan
                shown.loc[shown["variable"] == shown.at[index, "variable"], "smd"] = np.nan
        for variable in ("age_band", "district"):  # a hidden missing count hides its variable's shares
            rows = table.index[(table["variable"] == variable) & (table["statistic"] == "n (%)")]
            if len(rows) and np.isnan(shown.at[rows[0], f"missing_{arm}"]) and table.at[rows[0], f"missing_{arm}"] > 0:
                shown.loc[rows, f"value2_{arm}"] = np.nan


def combine_risks(*frames: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return the union of several risk frames on age_band and arm (None when all are None)."""
    given = [f[["age_band", "arm", "at_risk"]] for f in frames if f is not None]
    if not given:
        return None
    return pd.concat(given).groupby(["age_band", "arm"], as_index=False, sort=False)["at_risk"].any()


def hide_baseline_cells(table: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide small counts of a Table 1 (with secondary suppression per variable), and whole small or at-risk arms.

    Per arm and categorical variable, a level of 1 to threshold − 1 people, or one at risk of
    differencing, is hidden with its percentage, and a second level when the arm's n is shown (a
    missing count that is hidden counts as one more hidden part). A hidden missing count also hides the
    variable's percentages (they are of those not missing, so they would give it back).

    Parameters
    ----------
    table : DataFrame
        From describe_baseline.
    threshold : int
        Smallest number of people shown.
    risks : DataFrame, optional
        From find_risks 'table1' (arm, variable, level, at_risk: level '' is the n row or a variable's
        missing count), or an older frame of age_band and arm (the 'all' row of each arm decides).

    Returns
    -------
    DataFrame
        The table with hidden values as NaN and the standardized difference blanked where a cell is hidden.

    """
    out = table.copy()
    values = [c for c in out.columns if c.startswith(("value", "missing"))]
    for col in [*values, "smd"]:
        out[col] = out[col].astype("float64")
    per_cell = risks is not None and "variable" in risks.columns

    def risky(arm: str, variable: str, level: str) -> bool:
        if risks is None:
            return False
        if not per_cell:
            return bool(risks.loc[(risks["age_band"] == ALL) & (risks["arm"] == arm), "at_risk"].any())
        hit = risks[(risks["arm"] == arm) & (risks["variable"] == variable) & (risks["level"] == level)]
        return bool(hit["at_risk"].any())

    counts = out["statistic"] == "n (%)"
    first = out["variable"].ne(out["variable"].shift())  # a variable's missing count sits on its first row
    for arm in ("intervention", "control"):
        arm_columns = [c for c in values if c.endswith(f"_{arm}")]
        n_arm = float(out.loc[out["statistic"] == "n", f"value_{arm}"].iloc[0])
        if n_arm < threshold or risky(arm, "n", ""):
            out[arm_columns] = np.nan
            out["smd"] = np.nan
            continue
        missing_column = f"missing_{arm}"
        for index in out.index[first & (out["statistic"] != "n")]:
            missing = out.at[index, missing_column]
            if (0 < missing < threshold) or (missing > 0 and risky(arm, out.at[index, "variable"], "")):
                out.at[index, missing_column] = np.nan
        for variable, rows in out[counts].groupby("variable", sort=False):
            sizes = pd.concat([rows[f"value_{arm}"], pd.Series([n_arm], index=["total"])])
            is_total = pd.Series(sizes.index == "total", index=sizes.index)
            primary = pd.Series(
                [
                    (0 < size < threshold) or (size > 0 and risky(arm, variable, str(level)))
                    for size, level in zip(rows[f"value_{arm}"], rows["level"], strict=True)
                ]
                + [False],
                index=sizes.index,
            )
            missing_hidden = bool(out.loc[rows.index, missing_column].isna().any()) and bool(
                table.loc[rows.index, missing_column].fillna(0).gt(0).any()
            )
            hidden = hide_complements(primary, sizes, is_total, unshown=missing_hidden).drop("total")
            index = hidden[hidden].index
            out.loc[index, [f"value_{arm}", f"value2_{arm}"]] = np.nan
            if missing_hidden:
                out.loc[rows.index, f"value2_{arm}"] = np.nan
            if len(index) or missing_hidden:
                out.loc[rows.index, "smd"] = np.nan
    return out


def hide_split_rows(
    split: pd.DataFrame, threshold: int, risks: dict[str, pd.DataFrame | None] | None = None
) -> pd.DataFrame:
    """Hide a Totalt / Kvinnor / Män split of band rows so no hidden row follows from the others.

    Each group's table gets the band rule (small or at-risk bands, and a second band against 'all');
    then, per band, women and men are parts of the total, so one hidden sex with the total shown hides
    the other sex too. The two rules are applied until nothing changes.

    Parameters
    ----------
    split : DataFrame
        From compare_hours_by_sex: sex_group, age_band, n_intervention, n_control and statistics.
    threshold : int
        Smallest number of people shown.
    risks : dict, optional
        Differencing risks per sex group (None entries for unfiltered views).

    Returns
    -------
    DataFrame

    """
    out = split.reset_index(drop=True).copy()
    n_min = out[["n_intervention", "n_control"]].min(axis=1)
    n_max = out[["n_intervention", "n_control"]].max(axis=1)
    hidden = (n_min < threshold) | pd.Series(dominated(out) & (threshold > 1), index=out.index)
    for group, rows in out.groupby("sex_group", sort=False).groups.items():
        hidden[rows] |= _band_risk(out.loc[rows], (risks or {}).get(group))
    while True:
        before = hidden.copy()
        for _, rows in out.groupby("sex_group", sort=False).groups.items():
            protect = hide_complements(
                hidden[rows] & (n_max[rows] > 0), n_min[rows], out.loc[rows, "age_band"] == "all"
            )
            hidden[rows] |= protect
        for _, rows in out.groupby("age_band", sort=False).groups.items():
            is_total = out.loc[rows, "sex_group"] == "total"
            protect = hide_complements(hidden[rows] & (n_max[rows] > 0), n_min[rows], is_total)
            hidden[rows] |= protect
        if hidden.equals(before):
            break
    for column in [c for c in out.columns if c not in ("sex_group", "age_band")]:
        out[column] = out[column].astype("float64").where(~hidden)
    out["suppressed"] = hidden
    return out


FLOW_PARTS = ("at_home", "placed", "died", "left_followup")


def hide_flow_cells(flow: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide small counts of a CONSORT flow, each row's parts summing to those randomized.

    A part of 1 to threshold - 1 people is hidden with a second part (the smallest non-empty), so it
    cannot be got back from the randomized total; a whole row is hidden when the arm has fewer than
    threshold people or is at risk of differencing.

    Parameters
    ----------
    flow : DataFrame
        From count_flow: arm, month, randomized and the parts (at_home, placed, died, left_followup).
    threshold : int
        Smallest number of people shown.
    risks : DataFrame, optional
        From find_differencing_risks; the 'all' row of each arm decides.

    Returns
    -------
    DataFrame
        The flow with hidden counts as NaN.

    """
    out = flow.copy()
    columns = ["randomized", *FLOW_PARTS]
    for col in columns:
        out[col] = out[col].astype("float64")
    for index, row in flow.iterrows():
        sizes = row[columns].astype("float64")
        primary = (sizes > 0) & (sizes < threshold)
        primary["randomized"] = False
        hidden = hide_complements(primary, sizes, pd.Series(sizes.index == "randomized", index=sizes.index))
        out.loc[index, hidden[hidden].index] = np.nan
        if row["randomized"] < threshold:
            out.loc[index, columns] = np.nan
    keys = ["age_band", "arm", "month"] if risks is not None and "month" in risks.columns else ["age_band", "arm"]
    return hide_at_risk(out.assign(age_band=ALL), risks, keys, columns).drop(columns="age_band")
