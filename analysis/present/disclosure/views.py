"""Disclosure control as a viewer sees it: the pages' rules per figure, callable from the command line too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.present.disclosure.differencing import _risk_of, few, few_outside
from analysis.present.disclosure.rows import (
    _protect_across_bands,
    coarsen_curve,
    hide_band_rows,
    hide_outcome_rows,
    hide_people_counts,
    hide_people_rows,
    hide_placement_rows,
)
from analysis.present.disclosure.shares import scale_curves
from analysis.present.disclosure.tables import FLOW_PARTS, hide_flow_cells, hide_split_rows
from analysis.present.perturb import place_counts, round_magnitudes
from analysis.selection import ALL
from analysis.stats.descriptive import holm

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
    if counts is not None:  # perturbed counts, and the shares and magnitudes scaled to them
        return hide_placement_rows(groups, threshold, counts=counts, placed_by=risks_for(selection, "counts_placed_by"))
    risks = risks_for(selection, "placement")
    return hide_placement_rows(groups, threshold, risks, risks_for(selection, "randomized"))


def show_curves(curves: pd.DataFrame, shown_groups: pd.DataFrame, selection, month: int, risks_for) -> pd.DataFrame:
    """Return the incidence curves as drawn: per band and shown arm, the values at each whole month's end.

    No event's day is shown (coarsen_curve). In a filtered view each month's values follow that month's
    perturbed number of placements (shares.scale_curves), hidden where it is 1 to threshold − 1.

    Parameters
    ----------
    curves : DataFrame
        PlacementResult.curves (age_band, arm, time and the curve's columns).
    shown_groups : DataFrame
        show_placement's table (an arm hidden there is not drawn).
    selection : Selection
        The view.
    month : int
        The window (the last month drawn).
    risks_for : callable
        As for show_placement ('counts_placed_by').

    Returns
    -------
    DataFrame
        age_band, arm, month, cuminc, ci_low, ci_high, one_minus_km.

    """
    out = []
    for (band, arm), part in curves.groupby(["age_band", "arm"], sort=False) if len(curves) else []:
        row = shown_groups[shown_groups["age_band"] == band]
        if row.empty or bool(row[f"hidden_{arm}"].iloc[0]):
            continue
        out.append(coarsen_curve(part.sort_values("time"), month).assign(age_band=band, arm=arm))
    if not out:
        return pd.DataFrame(columns=["age_band", "arm", "month", "cuminc", "ci_low", "ci_high", "one_minus_km"])
    monthly = pd.concat(out, ignore_index=True)
    placed_by = risks_for(selection, "counts_placed_by")
    if placed_by is None:
        return monthly
    return round_magnitudes(scale_curves(monthly, placed_by), ["age_band", "arm", "month"], decimals=3)


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


def show_looks(monitor: dict) -> pd.DataFrame:
    """Return the monthly looks at the primary outcome as the pages draw them (outcomes.monitoring).

    The looks are of everyone randomized (no filter) and a look needs the threshold of people per arm,
    so nothing is hidden; the number of people complete at each look is left out (the fraction says it).

    Returns
    -------
    DataFrame
        look, complete_through, information_fraction, z, efficacy_boundary_z (NaN while no boundary is
        crossable yet), futility_boundary_z (NaN: none), nominal_alpha, crossed, futility_crossed, and on the
        latest look the repeated 95% interval
        (repeated_ci_low, repeated_ci_high) and whether it is the final analysis (final).

    """
    columns = ["look", "complete_through", "information_fraction", "z", "efficacy_boundary_z", "futility_boundary_z"]
    columns += ["nominal_alpha", "crossed", "futility_crossed"]
    frame = pd.DataFrame(monitor.get("looks") or [], columns=columns).reindex(columns=columns)
    frame["futility_crossed"] = frame["futility_crossed"].fillna(False).astype(bool)
    frame = frame.astype({"z": "float64", "efficacy_boundary_z": "float64", "futility_boundary_z": "float64"})
    latest = np.arange(len(frame)) == len(frame) - 1
    for column in ("repeated_ci_low", "repeated_ci_high"):
        value = monitor.get(column)
        frame[column] = np.where(latest, np.nan if value is None else value, np.nan)
    frame["final"] = latest & bool(monitor.get("final"))
    return frame
