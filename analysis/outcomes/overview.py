"""Overview figures per age band and arm: people randomized and placed, and hours over follow-up."""

from __future__ import annotations

import pandas as pd

from analysis.selection import ALL, Selection
from analysis.stats.descriptive import describe_cells, proportion_ci
from analysis.store import db
from analysis.store.cells import band_case, filter_sql, sum_by_band

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


def count_incomplete_months(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count, per follow-up month, the people left out because their calendar month is not complete yet.

    A study's months after its "complete through" month are still being registered; every analysis stops
    there (``db.STUDY_END``), so those months are left out rather than shown as a fall in hours. This
    counts, per band, arm and follow-up month, the people who would be at home and followed in that month
    by the data end but whose calendar month lies after the complete one.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands ('all' covers everyone).

    Returns
    -------
    DataFrame
        age_band, arm, month_k, left_out (only months where someone is left out; empty when all data are complete).

    """
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    raw_exit = "least(coalesce(p.placed_on, s.data_end), coalesce(p.died_on, s.data_end), " \
               "coalesce(p.followup_end, s.data_end), s.data_end)"  # fmt: skip
    counts = db.query(
        con,
        f"""
        WITH people AS (
            SELECT {band_sql} AS age_band, p.arm,
                   datediff('month', date_trunc('month', p.randomized_on), {db.EXIT_ON}) AS exit_k,
                   datediff('month', date_trunc('month', p.randomized_on), {raw_exit}) AS raw_k
            FROM participants p JOIN studies s USING (study)
            WHERE p.study = ? AND {cond_sql}
        )
        SELECT age_band, arm, k AS month_k, count(*) AS left_out
        FROM (SELECT age_band, arm, unnest(range(greatest(exit_k + 1, 0), raw_k + 1)) AS k
              FROM people WHERE raw_k > exit_k)
        GROUP BY ALL
        """,
        [*band_params, selection.study, *cond_params],
    )
    everyone = counts.groupby(["arm", "month_k"], as_index=False)["left_out"].sum().assign(age_band=ALL)
    bands = counts[counts["age_band"].notna()]  # 'all' also counts people outside every band, as the cells do
    frame = pd.concat([bands, everyone], ignore_index=True)[["age_band", "arm", "month_k", "left_out"]]
    frame["left_out"] = frame["left_out"].astype("int64")
    return frame.sort_values(["age_band", "arm", "month_k"], ignore_index=True)
