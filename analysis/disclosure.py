"""Small-cell suppression: hide statistics computed from too few people, as Kolada does with '..'."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

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
