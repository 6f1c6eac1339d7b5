"""Small-cell suppression: hide statistics computed from too few people, as Kolada does with '..'."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.placement import RISK_MONTHS

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


def hide_complements(hidden: pd.Series, sizes: pd.Series, is_total: pd.Series) -> pd.Series:
    """Secondary suppression: when exactly one part of a shown total is hidden, hide the smallest other part too.

    A table that shows a total and all but one of its parts gives the hidden part away by subtraction;
    hiding a second part (the smallest shown) closes that. Apply once per total (e.g. per arm).

    Parameters
    ----------
    hidden : Series of bool
        Primary suppression per row.
    sizes : Series
        The rows' counts (to choose the smallest part).
    is_total : Series of bool
        True on the row that is the sum of the others.

    Returns
    -------
    Series of bool
        The rows to hide.

    """
    out = hidden.copy()
    parts = ~is_total
    total_shown = bool((~out[is_total]).all()) if is_total.any() else False
    if total_shown and int(out[parts].sum()) == 1:
        candidates = sizes[parts & ~out]
        if len(candidates):
            out[candidates.idxmin()] = True
    return out


def hide_band_rows(groups: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Hide a band row (both arms) when either arm has fewer than threshold people, plus its complement."""
    n_min = groups[["n_intervention", "n_control"]].min(axis=1)
    hidden = hide_complements(n_min < threshold, n_min, groups["age_band"] == "all")
    out = groups.copy()
    for column in [c for c in groups.columns if c != "age_band"]:
        out[column] = out[column].astype("float64").where(~hidden)
    out["suppressed"] = hidden
    return out


def hide_people_rows(people: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Hide small people/placement cells per arm, with secondary suppression against the arm's total."""
    columns = ["n", "n_placed", "share_placed", "placed_ci_low", "placed_ci_high", "n_died"]
    out = suppress_small(people, threshold, "n", columns, numerators=["n_placed", "n_died"])
    for arm in ("intervention", "control"):
        rows = out["arm"] == arm
        hidden = hide_complements(
            out.loc[rows, "suppressed"], people.loc[rows, "n"], out.loc[rows, "age_band"] == "all"
        )
        out.loc[hidden[hidden].index, columns] = float("nan")
        out.loc[hidden.index, "suppressed"] = hidden
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
CONTRASTS = (
    "hazard_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "ph_p_value",
    "shr",
    "shr_ci_low",
    "shr_ci_high",
    "shr_p_value",
    *(
        f"{k}_{m}"
        for m in RISK_MONTHS
        for k in ("risk_difference", "rd_ci_low", "rd_ci_high", "risk_ratio", "rr_ci_low", "rr_ci_high")
    ),
)


def hide_placement_rows(groups: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Hide an arm's figures when it has too few people or placements, and comparisons when either arm is hidden."""
    out = groups.copy()
    hidden_any = np.zeros(len(out), dtype=bool)
    for arm in ("intervention", "control"):
        n, placed = out[f"n_{arm}"].to_numpy(), out[f"placed_{arm}"].to_numpy()
        hidden = (n < threshold) | ((placed > 0) & (placed < threshold))
        hidden_any |= hidden
        for key in ARM_STATS:
            column = f"{key}_{arm}"
            out[column] = out[column].astype("float64").where(~hidden, np.nan)
    for column in CONTRASTS:
        out[column] = out[column].astype("float64").where(~hidden_any, np.nan)
    out["hidden_intervention"] = out["n_intervention"].isna()
    out["hidden_control"] = out["n_control"].isna()
    return out
