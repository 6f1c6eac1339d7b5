"""The per-person outcomes of a large group from counts and sums per cell in DuckDB, not from the people.

Above BOOTSTRAP_MAX_PEOPLE in a group the per-person outcomes use a normal interval: the IPCW mean of each
total and the standard error std(w·x)/√n (weights taken as known). Both need, per band, arm, day of
completion or censoring and completeness, only the people and the sums of each total and of its square;
the dominance rule needs each total's largest value and the sum of the values; the deaths before placement
need people per day at home and first event. ``count_outcome_cells`` makes those cells in one grouped query,
so a national study's page holds a few thousand rows, not a million people; tests/test_person_cells.py holds
it equal to the per-person code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.outcomes.person_rows import ARMS, OUTCOMES, SKEWED, person_outcomes_sql, read_person_outcomes_sql
from analysis.outcomes.person_totals import estimate_weighted_totals
from analysis.outcomes.placement import DAYS_PER_MONTH, DIED
from analysis.selection import Selection
from analysis.stats.survival import Z95, estimate_cuminc, value_at
from analysis.stats.survival_counts import fit_cox_counts
from analysis.store import db


def count_outcome_cells(con: db.Connection, selection: Selection, costs) -> pd.DataFrame:
    """Count people and sum their outcomes per age band, arm, time and completeness over the selection's window.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters, bands and the window K (as load_person_outcomes).
    costs : UnitCosts
        What an hour and a day cost (the cost outcome).

    Returns
    -------
    DataFrame
        age_band, arm, time, complete, n, deaths, censored, ended_at_placement, and per outcome of
        OUTCOMES its sum, ``{outcome}_squared`` (sum of squares), ``{outcome}_largest`` (largest absolute
        value) and ``{outcome}_absolute`` (sum of absolute values).

    """
    sql, params = read_person_outcomes_sql(con, selection)
    sums = ", ".join(
        f"sum({o}) AS {o}, sum({o} * {o}) AS {o}_squared, max(abs({o})) AS {o}_largest, sum(abs({o})) AS {o}_absolute"
        for o in OUTCOMES  # names from a code constant
    )
    frame = db.query(
        con,
        f"""SELECT age_band, arm, time, complete, count(*) AS n, count_if(died) AS deaths,
                   count_if(NOT complete) AS censored, count_if(ended_at_placement) AS ended_at_placement, {sums}
            FROM (SELECT *, hours * ? + nursing_home_days * ? AS cost FROM ({sql}))
            GROUP BY ALL ORDER BY age_band NULLS LAST, arm, time, complete""",
        [float(costs.hour), float(costs.day), *params],
    )
    frame["complete"] = frame["complete"].astype(bool)
    return frame


def count_first_event_cells(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count people per age band, arm, day at home and first event (death_statistics' aggregates)."""
    sql, params = person_outcomes_sql(selection, with_hours=False)
    return db.query(
        con,
        f"""SELECT age_band, arm, intervention, days_home::DOUBLE AS days_home, first_event, count(*) AS n
            FROM ({sql}) GROUP BY ALL ORDER BY age_band NULLS LAST, arm, days_home, first_event""",
        params,
    )


def compare_group_cells(cells: pd.DataFrame) -> dict:
    """Return one group's row of the per-person outcomes from its cells, with normal intervals.

    Parameters
    ----------
    cells : DataFrame
        The group's rows of count_outcome_cells (a band, or everyone).

    Returns
    -------
    dict
        The keys per_person's group rows have: per arm n, deaths, censored, ended_at_placement, the
        largest shares of the skewed totals and the IPCW means; per outcome the difference, its 95% CI
        and SE (normal), and interval_method 'normal' (None when an arm cannot be estimated).

    """
    row: dict = {}
    found = {}
    for arm in ARMS:
        sub = cells[cells["arm"] == arm]
        row[f"n_{arm}"] = int(sub["n"].sum())
        for count in ("deaths", "censored", "ended_at_placement"):
            row[f"{count}_{arm}"] = int(sub[count].sum())
        for name in SKEWED:  # for the dominance rule (never shown)
            total = float(sub[f"{name}_absolute"].sum())
            row[f"largest_share_{name}_{arm}"] = float(sub[f"{name}_largest"].max()) / total if total > 0 else np.nan
        found[arm] = estimate_weighted_totals(sub, OUTCOMES)
    for arm in ARMS:
        for name in OUTCOMES:
            row[f"{name}_{arm}"] = float(found[arm][name][0])
    estimable = all(np.isfinite(found[arm][OUTCOMES[0]][0]) for arm in ARMS)
    for name in OUTCOMES:
        diff = found["intervention"][name][0] - found["control"][name][0]
        se = float(np.hypot(found["intervention"][name][1], found["control"][name][1])) if estimable else np.nan
        row[f"{name}_difference"] = float(diff)
        row[f"{name}_ci_low"], row[f"{name}_ci_high"] = float(diff - Z95 * se), float(diff + Z95 * se)
        row[f"{name}_se"] = se
    row["interval_method"] = "normal" if estimable else None
    return row


def count_first_events(part: pd.DataFrame) -> pd.DataFrame:
    """Count people per arm, day at home and first event: the sufficient aggregates of death_statistics."""
    counts = part.groupby(["arm", "intervention", "days_home", "first_event"], observed=True).size()
    return counts.reset_index(name="n")


def death_statistics(counts: pd.DataFrame, months: int) -> dict:
    """Cumulative incidence of death before placement (placement competing) and its cause-specific hazard ratio.

    ``counts``: people per arm, intervention, days_home and first_event (column n), as count_first_events.
    """
    row: dict = {}
    horizon = months * DAYS_PER_MONTH + 31  # every window ends within a few days of K months
    for arm in ARMS:
        sub = counts[counts["arm"] == arm]
        row[f"deaths_before_placement_{arm}"] = int(sub.loc[sub["first_event"] == DIED, "n"].sum())
        at = (
            value_at(estimate_cuminc(sub["days_home"], sub["first_event"], DIED, sub["n"]), horizon)
            if len(sub)
            else dict.fromkeys(("cuminc", "ci_low", "ci_high"), np.nan)
        )
        row[f"death_cuminc_{arm}"] = at["cuminc"]
        row[f"death_cuminc_ci_low_{arm}"], row[f"death_cuminc_ci_high_{arm}"] = at["ci_low"], at["ci_high"]
    row["model_warning"] = None
    row |= dict.fromkeys(
        ("death_hazard_ratio", "death_hazard_ratio_ci_low", "death_hazard_ratio_ci_high", "death_hazard_ratio_p_value"),
        np.nan,
    )
    if row["deaths_before_placement_intervention"] > 0 and row["deaths_before_placement_control"] > 0:
        cox = fit_cox_counts(counts["days_home"], counts["first_event"] == DIED, counts["intervention"], counts["n"])
        row["death_hazard_ratio"] = cox["hazard_ratio"]
        row["death_hazard_ratio_ci_low"], row["death_hazard_ratio_ci_high"] = cox["ci_low"], cox["ci_high"]
        row["death_hazard_ratio_p_value"] = cox["p_value"]
        row["model_warning"] = cox["warning"]
    return row
