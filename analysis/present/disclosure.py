"""Small-cell suppression: hide statistics computed from too few people, as Kolada does with '..'."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.outcomes.placement import CONTRASTS, DAYS_PER_MONTH
from analysis.selection import Filters, Selection
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
    out = hidden.copy()
    parts = ~is_total
    total_shown = bool((~out[is_total]).all()) if is_total.any() else False
    if total_shown and int(out[parts].sum()) + int(unshown) == 1:
        candidates = sizes[parts & ~out & (sizes > 0)]  # a hidden zero protects nothing: zeros are known
        if len(candidates):
            out[candidates.idxmin()] = True
        else:  # every other part is empty, so the total equals the hidden part
            out[is_total] = True
    return out


def find_differencing_risks(
    con: db.Connection, selection: Selection, threshold: int, by_month: bool = False
) -> pd.DataFrame:
    """Mark the cells of a filtered view that another filter choice could be subtracted from to reveal a few people.

    Any two views that filter on the same fields differ by a union of the finest groups those fields
    make (e.g. women and men; each district). A cell of a filtered view is therefore shown only when,
    among everyone in that band and arm, every non-empty finest group over the filtered fields holds
    at least ``threshold`` people; then no difference of two shown views rests on fewer. Views without
    filters are never at risk from this rule (their own small cells are hidden by the other rules).

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

    Returns
    -------
    DataFrame
        age_band, arm (and month_k when by_month), at_risk (bool).

    """
    fields = [f for f in ("sex", "application_type", "district") if getattr(selection.filters, f)]
    month = selection.month
    keys = ["age_band", "arm", *(["month_k"] if by_month else [])]
    if by_month or month is not None:
        table, where, params = "followup_cells", ("TRUE" if by_month else "month_k = ?"), ([] if by_month else [month])
    else:
        table, where, params = "people_cells", "TRUE", []
    everyone = selection.with_filters(Filters())
    counts = sum_by_band(con, table, {"n": "n"}, everyone, by=(*keys[1:], *fields), where=where, where_params=params)
    if not fields:
        return counts[keys].drop_duplicates().assign(at_risk=False).reset_index(drop=True)
    small = (counts["n"] > 0) & (counts["n"] < threshold)
    return counts.assign(at_risk=small).groupby(keys, as_index=False, sort=False)["at_risk"].any()


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


def hide_trace_rows(trace: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide monthly means resting on fewer than threshold people, or at risk of differencing."""
    columns = ["n", "mean", "sd", "ci_low", "ci_high"]
    out = suppress_small(trace, threshold, "n", columns)
    return hide_at_risk(out, risks, ["age_band", "arm", "month_k"], columns)


def _band_risk(groups: pd.DataFrame, risks: pd.DataFrame | None) -> np.ndarray:
    """Return, per band row, whether either arm's cell is at risk."""
    if risks is None:
        return np.zeros(len(groups), dtype=bool)
    either = risks.groupby("age_band", as_index=False)["at_risk"].any()
    return _risk_of(groups, either, ["age_band"])


def outside_bands(rows: pd.DataFrame, column: str) -> float:
    """Return how much of a count the 'all' row holds beyond the band rows (people outside every band)."""
    is_total = rows["age_band"] == "all"
    if not is_total.any():
        return 0.0
    return float(rows.loc[is_total, column].sum() - rows.loc[~is_total, column].fillna(0).sum())


def few_outside(rows: pd.DataFrame, columns, threshold: int) -> bool:
    """Return whether 'all' minus the bands would reveal 1 to threshold − 1 people or events in any column."""
    return any(0 < outside_bands(rows, column) < threshold for column in columns)


def hide_band_rows(groups: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide a band row (both arms) when either arm is small or at risk of differencing, plus its complement.

    People outside every band are in 'all' but in no band row: when they are few, one band is hidden too,
    so that 'all' minus the shown bands never gives them back.
    """
    n_min = groups[["n_intervention", "n_control"]].min(axis=1)
    n_max = groups[["n_intervention", "n_control"]].max(axis=1)
    uniform = _uniform(groups) if threshold > 1 else np.zeros(len(groups), dtype=bool)  # off: nothing hidden
    primary = (n_min < threshold) | uniform | _band_risk(groups, risks)
    # An empty band hides nobody, so only hidden bands with people need a second hidden band.
    unshown = few_outside(groups, ["n_intervention", "n_control"], threshold)
    protect = hide_complements(primary & (n_max > 0), n_min, groups["age_band"] == "all", unshown)
    hidden = primary | protect
    out = groups.copy()
    for column in [c for c in groups.columns if c != "age_band"]:
        numeric = pd.api.types.is_numeric_dtype(out[column])  # text (a method, a fit warning) is hidden as is
        out[column] = (out[column].astype("float64") if numeric else out[column]).where(~hidden)
    out["suppressed"] = hidden
    out["suppressed_reason"] = _reasons(n_min < threshold, uniform, _band_risk(groups, risks), protect)
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


REASONS = ("few_people", "few_events", "uniform", "differencing", "protects_other")  # why a row is hidden


def _reasons(*masks) -> list:
    """Return per row the first reason whose mask is true, else None.

    Four masks are (few_people, uniform, differencing, protects_other); five follow REASONS.
    """
    names = ("few_people", "uniform", "differencing", "protects_other") if len(masks) == 4 else REASONS
    out = []
    for values in zip(*(np.asarray(m, dtype=bool) for m in masks), strict=True):
        out.append(next((name for name, on in zip(names, values, strict=True) if on), None))
    return out


def hide_people_rows(people: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide small or differencing-prone people/placement cells per arm, with secondary suppression."""
    columns = ["n", "n_placed", "share_placed", "placed_ci_low", "placed_ci_high", "n_died"]
    out = suppress_small(people, threshold, "n", columns, numerators=["n_placed", "n_died"])
    out = hide_at_risk(out, risks, ["age_band", "arm"], columns)
    for arm in ("intervention", "control"):
        rows = out["arm"] == arm
        sizes = people.loc[rows, "n"]
        # An empty cell hides nobody, so only hidden cells with people need a second hidden cell.
        unshown = few_outside(people.loc[rows], ["n", "n_placed", "n_died"], threshold)
        protect = hide_complements(
            out.loc[rows, "suppressed"] & (sizes > 0), sizes, out.loc[rows, "age_band"] == "all", unshown
        )
        hidden = out.loc[rows, "suppressed"] | protect
        out.loc[hidden[hidden].index, columns] = float("nan")
        out.loc[hidden.index, "suppressed"] = hidden
    return out


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


def hide_outcome_rows(groups: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide per-person outcome rows as hide_band_rows does, then death and censoring counts of 1 to threshold − 1.

    A small count is hidden with everything computed from it (a cumulative incidence gives the count
    back), and secondary suppression across the bands keeps 'all' minus the others from revealing it;
    the hazard ratio of death is hidden when either arm's deaths before placement are.
    """
    out = hide_band_rows(groups, threshold, risks)
    is_total = out["age_band"] == "all"
    hidden_deaths = np.zeros(len(out), dtype=bool)
    for count, figures in DEATH_FIGURES.items():
        for arm in ("intervention", "control"):
            values = out[count + f"_{arm}"].fillna(0)
            small = (values > 0) & (values < threshold)
            unshown = 0 < outside_bands(groups, count + f"_{arm}") < threshold
            hidden = hide_complements(small, values, is_total, unshown) & ~out["suppressed"]
            for figure in figures:
                column = figure.format(arm=arm)
                out[column] = out[column].where(~hidden)
            if count == "deaths_before_placement":
                hidden_deaths |= hidden.to_numpy()
    for column in DEATH_CONTRASTS:
        out[column] = out[column].where(~hidden_deaths)
    partly = out["suppressed_reason"].isna() & out[[f"deaths_{arm}" for arm in ("intervention", "control")]].isna().any(
        axis=1
    )
    out.loc[partly, "suppressed_reason"] = "few_events"  # the row is shown, its death figures are not
    return out


ARM_STATS = (
    "n",
    "placed",
    "cuminc",
    "cuminc_ci_low",
    "cuminc_ci_high",
    "one_minus_km",
    "nursing_home_days_per_person_year",
)


def hide_placement_rows(groups: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide an arm's figures when it has too few people or placements (or is at risk of differencing).

    Comparisons are hidden when either arm is.
    """
    out = groups.copy()
    hidden_any = np.zeros(len(out), dtype=bool)
    is_total = out["age_band"] == "all"
    reasons = {}
    for arm in ("intervention", "control"):
        n, placed = out[f"n_{arm}"].to_numpy(), out[f"placed_{arm}"].to_numpy()
        arm_risks = None if risks is None else risks[risks["arm"] == arm].drop(columns="arm")
        primary = (n < threshold) | ((placed > 0) & (placed < threshold)) | _risk_of(out, arm_risks, ["age_band"])
        # Complementary suppression across the bands ('all' minus the shown bands), people outside them included.
        unshown = few_outside(groups, [f"n_{arm}", f"placed_{arm}"], threshold)
        sizes = pd.Series(n, index=out.index)
        hidden = hide_complements(pd.Series(primary, index=out.index) & (sizes > 0), sizes, is_total, unshown)
        hidden = hidden.to_numpy() | primary
        reasons[arm] = _reasons(
            n < threshold,
            (placed > 0) & (placed < threshold),
            np.zeros(len(out), dtype=bool),  # a uniform placement share is already 0 or all: hidden as few events
            _risk_of(out, arm_risks, ["age_band"]),
            hidden & ~primary,
        )
        hidden_any |= hidden
        arm_columns = [f"{key}_{arm}" for key in ARM_STATS]
        arm_columns += [  # every other figure of the arm too (deaths, person-years, days), shown or exported
            c for c in out.columns if c.endswith(f"_{arm}") and c not in arm_columns and c != f"hidden_{arm}"
        ]
        for column in arm_columns:
            if pd.api.types.is_numeric_dtype(out[column]):
                out[column] = out[column].astype("float64").where(~hidden, np.nan)
        died = f"died_{arm}"
        if died in out.columns:  # 1 to threshold − 1 deaths are a small count of their own
            deaths = out[died].astype("float64")
            out[died] = deaths.where(~((deaths > 0) & (deaths < threshold)), np.nan)
    for column in CONTRASTS:
        out[column] = out[column].astype("float64").where(~hidden_any, np.nan)
    out["hidden_intervention"] = out["n_intervention"].isna()
    out["hidden_control"] = out["n_control"].isna()
    out["suppressed"] = out["hidden_intervention"] | out["hidden_control"]
    out["suppressed_reason"] = [a or b for a, b in zip(reasons["intervention"], reasons["control"], strict=True)]
    return out


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


def show_comparison(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the hours comparison as the Comparisons page shows it to a viewer.

    Parameters
    ----------
    groups : DataFrame
        run_comparison's groups.
    selection : Selection
        The view (its month is the comparison's).
    threshold : int
        Smallest number shown.
    risks_for : callable
        Selection -> differencing risks (None without filters): find_differencing_risks, cached on pages.

    Returns
    -------
    DataFrame
        The groups with hidden figures NaN, ``suppressed`` and ``suppressed_reason``.

    """
    return hide_band_rows(groups, threshold, combine_risks(risks_for(selection.at(None)), risks_for(selection)))


def show_placement(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the placement table as the Nursing-home page shows it to a viewer (risks among everyone randomized)."""
    return hide_placement_rows(groups, threshold, risks_for(selection.at(None)))


def show_outcomes(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return the per-person outcomes as the pages show them to a viewer (risks among everyone randomized)."""
    return hide_outcome_rows(groups, threshold, risks_for(selection.at(None)))


def hide_against_total(shown: pd.Series, total: pd.Series, threshold: int) -> pd.Series:
    """Return where a filtered count differs from the unfiltered one by a few people (1 to threshold - 1).

    Subtracting the two would reveal that small group, so such filtered counts must be hidden.
    """
    gap = total.to_numpy(dtype="float64") - shown.to_numpy(dtype="float64")
    return pd.Series((gap > 0) & (gap < threshold), index=shown.index)


def hide_at_risk_counts(
    at_risk: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None, everyone: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Hide small numbers at risk, arms at risk of differencing, and counts a few below the unfiltered ones.

    Parameters
    ----------
    at_risk : DataFrame
        age_band, arm, month, n of the (possibly filtered) view.
    threshold : int
        Smallest number of people shown.
    risks : DataFrame, optional
        From find_differencing_risks (people randomized); None when nothing is filtered.
    everyone : DataFrame, optional
        The same table without filters; needed when ``risks`` is given.

    Returns
    -------
    DataFrame

    """
    out = suppress_small(at_risk, threshold, "n", ["n"])
    if risks is None or everyone is None:
        return out
    out = hide_at_risk(out, risks, ["age_band", "arm"], ["n"])
    total = out[["age_band", "arm", "month"]].merge(everyone, how="left", on=["age_band", "arm", "month"])["n"]
    gap = hide_against_total(out["n"], total.set_axis(out.index), threshold)
    out.loc[gap, "n"] = np.nan
    out["suppressed"] = out["suppressed"] | gap
    return out


def combine_risks(*frames: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return the union of several risk frames on age_band and arm (None when all are None)."""
    given = [f[["age_band", "arm", "at_risk"]] for f in frames if f is not None]
    if not given:
        return None
    return pd.concat(given).groupby(["age_band", "arm"], as_index=False, sort=False)["at_risk"].any()


def hide_baseline_cells(table: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide small counts of a Table 1 (with secondary suppression per variable), and whole small or at-risk arms.

    Parameters
    ----------
    table : DataFrame
        From describe_baseline.
    threshold : int
        Smallest number of people shown.
    risks : DataFrame, optional
        From find_differencing_risks; the 'all' row of each arm decides.

    Returns
    -------
    DataFrame
        The table with hidden values as NaN and the standardized difference blanked where a cell is hidden.

    """
    out = table.copy()
    values = [c for c in out.columns if c.startswith(("value", "missing"))]
    for col in [*values, "smd"]:
        out[col] = out[col].astype("float64")
    counts = out["statistic"] == "n (%)"
    for arm in ("intervention", "control"):
        arm_columns = [c for c in values if c.endswith(f"_{arm}")]
        n_arm = float(out.loc[out["statistic"] == "n", f"value_{arm}"].iloc[0])
        at_risk = risks is not None and bool(
            risks.loc[(risks["age_band"] == "all") & (risks["arm"] == arm), "at_risk"].any()
        )
        if n_arm < threshold or at_risk:
            out[arm_columns] = np.nan
            out["smd"] = np.nan
            continue
        for _, rows in out[counts].groupby("variable", sort=False):
            sizes = pd.concat([rows[f"value_{arm}"], pd.Series([n_arm], index=["total"])])
            is_total = pd.Series(sizes.index == "total", index=sizes.index)
            primary = (sizes > 0) & (sizes < threshold) & ~is_total
            hidden = hide_complements(primary, sizes, is_total).drop("total")
            index = hidden[hidden].index
            out.loc[index, [f"value_{arm}", f"value2_{arm}"]] = np.nan
            if len(index):
                out.loc[rows.index, "smd"] = np.nan
        missing = out[f"missing_{arm}"]
        out.loc[(missing > 0) & (missing < threshold), f"missing_{arm}"] = np.nan
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
    hidden = n_min < threshold
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
    return hide_at_risk(out.assign(age_band="all"), risks, ["age_band", "arm"], columns).drop(columns="age_band")
