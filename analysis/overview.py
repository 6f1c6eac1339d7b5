"""Overview figures per age band and arm: people randomized and placed, and hours over follow-up."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from analysis.bands import AgeBand
from analysis.cells import Filters, sum_by_band
from analysis.stats import describe_cells, proportion_ci

_HOURS = {"n": "n", "total": "sum_hours", "total_sq": "sum_sq_hours"}


def _describe(sums: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Attach mean, SD and 95% CI to summed hours cells."""
    described = describe_cells(sums["n"], sums["total"], sums["total_sq"])
    return pd.concat([sums[keys].reset_index(drop=True), described], axis=1)


def trace_hours(con: duckdb.DuckDBPyConnection, study: str, filters: Filters, bands: Sequence[AgeBand]) -> pd.DataFrame:
    """Mean home-care hours per month with 95% CI for every follow-up month, per band and arm.

    Parameters
    ----------
    con : DuckDBPyConnection
        An open store.
    study : str
        Study name.
    filters : Filters
        Subgroup filters.
    bands : sequence of AgeBand
        Age bands; 'all' covers everyone.

    Returns
    -------
    DataFrame
        age_band, arm, month_k, n, mean, sd, ci_low, ci_high.

    """
    sums = sum_by_band(con, "followup_cells", _HOURS, study, filters, bands, by=("arm", "month_k"))
    return _describe(sums, ["age_band", "arm", "month_k"])


def summarize_people(
    con: duckdb.DuckDBPyConnection, study: str, filters: Filters, bands: Sequence[AgeBand]
) -> pd.DataFrame:
    """People randomized, placed in a nursing home and dead during follow-up, per band and arm.

    The share placed is the crude proportion of those randomized who moved into a nursing home
    during follow-up (Wilson 95% CI); it does not account for death as a competing event.

    Parameters
    ----------
    con : DuckDBPyConnection
        An open store.
    study : str
        Study name.
    filters : Filters
        Subgroup filters.
    bands : sequence of AgeBand
        Age bands; 'all' covers everyone.

    Returns
    -------
    DataFrame
        age_band, arm, n, n_placed, share_placed, placed_ci_low, placed_ci_high, n_died.

    """
    measures = {"n": "n", "n_placed": "n_placed", "n_died": "n_died"}
    frame = sum_by_band(con, "people_cells", measures, study, filters, bands)
    for col in ("n", "n_placed", "n_died"):
        frame[col] = frame[col].astype("int64")
    frame["share_placed"] = frame["n_placed"] / frame["n"]
    frame["placed_ci_low"], frame["placed_ci_high"] = proportion_ci(frame["n_placed"], frame["n"])
    return frame[["age_band", "arm", "n", "n_placed", "share_placed", "placed_ci_low", "placed_ci_high", "n_died"]]
