"""Disclosure control, shares of counts: a filtered view's incidences follow its perturbed counts, not the true ones.

A cumulative incidence is (nearly) an exact share of a count: with no censoring it is placed / n, and
read to three decimals beside a count with ±2 of noise it gives the true count back, which two views
could then subtract. So in a filtered view each such figure is multiplied by its count's perturbed to
true ratio (placed shown / placed): the figure then gives back the perturbed count, whose noise two views
do not cancel, and moves by the count's noise (about 2 in 20 placements) — as the statistics offices
perturb magnitudes in proportion to their counts. Months whose count is hidden (1 to threshold − 1) are
hidden. A month's value on a curve follows that month's own count, so the ratios between months do not
give the counts back either. Hazard ratios and p-values come from the fitted models, not from a share of
one count, and are shown rounded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.outcomes.placement import RISK_MONTHS

ARMS = ("intervention", "control")


def ratio_to_true(shown, true) -> np.ndarray:
    """Return shown / true per count: 1 where the true count is 0 (its figures are 0), NaN where it is hidden."""
    shown, true = np.asarray(shown, dtype="float64"), np.asarray(true, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(true > 0, shown / true, 1.0)


def _lookup(frame: pd.DataFrame, counts: pd.DataFrame, arm: str, column: str, month: int | None = None) -> np.ndarray:
    """Return per row of frame (by age band) the ratio of one arm's perturbed count to its true one."""
    part = counts[counts["arm"] == arm]
    if month is not None:
        part = part[part["month"] == month]
    ratio = part.assign(_ratio=ratio_to_true(part[column], part[f"true_{column}"]))
    merged = frame[["age_band"]].merge(ratio[["age_band", "_ratio"]], on="age_band", how="left")
    return merged["_ratio"].to_numpy(dtype="float64")


def _restate_contrasts(out: pd.DataFrame, before: pd.DataFrame, suffix: str, cuminc: dict) -> None:
    """Move a risk difference and ratio (and their intervals) with the arms' scaled incidences, in place."""
    diff = f"risk_difference_{suffix}"
    if diff not in out.columns:
        return
    c1, c0 = (out[cuminc[arm]].to_numpy(dtype="float64") for arm in ARMS)
    b1, b0 = (before[cuminc[arm]].to_numpy(dtype="float64") for arm in ARMS)
    shift = (c1 - c0) - (b1 - b0)
    for column in (diff, f"rd_ci_low_{suffix}", f"rd_ci_high_{suffix}"):
        out[column] = out[column].to_numpy(dtype="float64") + shift
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = (c1 / c0) / (b1 / b0)
    for column in (f"risk_ratio_{suffix}", f"rr_ci_low_{suffix}", f"rr_ci_high_{suffix}"):
        out[column] = out[column].to_numpy(dtype="float64") * factor


def scale_placement(groups: pd.DataFrame, counts: pd.DataFrame, placed_by: pd.DataFrame) -> pd.DataFrame:
    """Return the placement table's shares and magnitudes scaled to a filtered view's perturbed counts.

    Parameters
    ----------
    groups : DataFrame
        analyze_placement's groups (exact figures; hidden ones may already be NaN).
    counts : DataFrame
        The view's perturbed counts per band and arm (linked 'counts_placement': n, placed, died and true_*).
    placed_by : DataFrame
        The view's perturbed placements up to each month's end (linked 'counts_placed_by').

    Returns
    -------
    DataFrame
        The same table: each arm's cumulative incidence, its interval, 1 − Kaplan–Meier and nursing-home
        days times placed shown / placed, person-years times n shown / n, days per person-year and the risk
        differences and ratios restated from them (intervals moved with them, widths kept).

    """
    out = groups.copy()
    for arm in ARMS:
        placed = _lookup(out, counts, arm, "placed")
        people = _lookup(out, counts, arm, "n")
        for column in (f"cuminc_{arm}", f"cuminc_ci_low_{arm}", f"cuminc_ci_high_{arm}", f"one_minus_km_{arm}"):
            if column in out.columns:  # a share stays a share
                out[column] = np.clip(out[column].to_numpy(dtype="float64") * placed, 0.0, 1.0)
        if f"nursing_home_days_{arm}" in out.columns:
            out[f"nursing_home_days_{arm}"] = out[f"nursing_home_days_{arm}"].to_numpy(dtype="float64") * placed
            out[f"person_years_{arm}"] = out[f"person_years_{arm}"].to_numpy(dtype="float64") * people
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"nursing_home_days_per_person_year_{arm}"] = (
                    out[f"nursing_home_days_{arm}"] / out[f"person_years_{arm}"]
                )
        for k in RISK_MONTHS:
            if f"cuminc_{k}_{arm}" in out.columns:
                factor = _lookup(out, placed_by, arm, "placed_full", k)
                out[f"cuminc_{k}_{arm}"] = np.clip(out[f"cuminc_{k}_{arm}"].to_numpy(dtype="float64") * factor, 0, 1)
    _restate_contrasts(out, groups, "window", {arm: f"cuminc_{arm}" for arm in ARMS})
    for k in RISK_MONTHS:
        if all(f"cuminc_{k}_{arm}" in out.columns for arm in ARMS):
            _restate_contrasts(out, groups, str(k), {arm: f"cuminc_{k}_{arm}" for arm in ARMS})
    return out


def scale_curves(monthly: pd.DataFrame, placed_by: pd.DataFrame) -> pd.DataFrame:
    """Return month-end curve values scaled, month by month, to a filtered view's perturbed placements.

    Parameters
    ----------
    monthly : DataFrame
        age_band, arm, month and the curve's columns at each month's end (coarsen_curve).
    placed_by : DataFrame
        The view's perturbed placements up to each month's end (linked 'counts_placed_by').

    Returns
    -------
    DataFrame
        The same rows: each value times that month's placed shown / placed (NaN where that count is
        hidden; month 0 stays 0).

    """
    out = monthly.copy()
    ratio = placed_by.assign(_ratio=ratio_to_true(placed_by["placed_window"], placed_by["true_placed_window"]))
    merged = out[["age_band", "arm", "month"]].merge(
        ratio[["age_band", "arm", "month", "_ratio"]], on=["age_band", "arm", "month"], how="left"
    )
    factor = np.where(out["month"].to_numpy() == 0, 1.0, merged["_ratio"].to_numpy(dtype="float64"))
    columns = [c for c in ("cuminc", "ci_low", "ci_high", "one_minus_km") if c in out.columns]
    for column in columns:
        out[column] = np.clip(out[column].to_numpy(dtype="float64") * factor, 0.0, 1.0)
    # Each month's noise is its own, so a scaled curve could step down; a cumulative incidence never does.
    # Each value is lowered to the smallest one after it (the window's end keeps the table's value).
    out = out.sort_values(["age_band", "arm", "month"], kind="stable")
    for column in columns:
        backward = out.iloc[::-1].groupby(["age_band", "arm"], sort=False)[column]
        lowest = backward.transform(lambda v: v.fillna(np.inf).cummin())
        out[column] = np.where(out[column].isna(), np.nan, lowest.reindex(out.index))
    if {"ci_low", "ci_high", "cuminc"} <= set(out.columns):  # the interval still holds its estimate
        out["ci_low"] = np.fmin(out["ci_low"], out["cuminc"])
        out["ci_high"] = np.fmax(out["ci_high"], out["cuminc"])
    return out.sort_index()
