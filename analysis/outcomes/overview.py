"""Overview figures per age band and arm: people randomized and placed, and hours over follow-up."""

from __future__ import annotations

import pandas as pd

from analysis.selection import Selection
from analysis.stats.descriptive import describe_cells, proportion_ci
from analysis.store import db
from analysis.store.cells import sum_by_band

_HOURS = {"n": "n", "total": "sum_hours", "total_sq": "sum_sq_hours"}


def _describe(sums: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Attach mean, SD and 95% CI to summed hours cells."""
    described = describe_cells(sums["n"], sums["total"], sums["total_sq"])
    return pd.concat([sums[keys].reset_index(drop=True), described], axis=1)


def trace_hours(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Mean home-care hours per month with 95% CI for every follow-up month, per band and arm.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands ('all' covers everyone); every month is traced, so its month is unused.

    Returns
    -------
    DataFrame
        age_band, arm, month_k, n, mean, sd, ci_low, ci_high.

    """
    sums = sum_by_band(con, "followup_cells", _HOURS, selection, by=("arm", "month_k"))
    return _describe(sums, ["age_band", "arm", "month_k"])


def summarize_people(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """People randomized, placed in a nursing home and dead during follow-up, per band and arm.

    The share placed is the crude proportion of those randomized who moved into a nursing home
    during follow-up (Wilson 95% CI); it does not account for death as a competing event.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands ('all' covers everyone); counted over the whole follow-up (month unused).

    Returns
    -------
    DataFrame
        age_band, arm, n, n_placed, share_placed, placed_ci_low, placed_ci_high, n_died.

    """
    measures = {"n": "n", "n_placed": "n_placed", "n_died": "n_died"}
    frame = sum_by_band(con, "people_cells", measures, selection)
    for col in ("n", "n_placed", "n_died"):
        frame[col] = frame[col].astype("int64")
    frame["share_placed"] = frame["n_placed"] / frame["n"]
    frame["placed_ci_low"], frame["placed_ci_high"] = proportion_ci(frame["n_placed"], frame["n"])
    return frame[["age_band", "arm", "n", "n_placed", "share_placed", "placed_ci_low", "placed_ci_high", "n_died"]]
