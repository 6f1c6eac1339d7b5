"""Baseline table ("Table 1") by arm and a CONSORT-style flow of participants over follow-up."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.selection import FILTER_FIELDS, Selection
from analysis.stats.descriptive import standardized_difference_categorical, standardized_difference_continuous
from analysis.store import db
from analysis.store.cells import band_case, district_sql, filter_sql

CONTINUOUS = ("age", "baseline_hours")
CATEGORICAL = ("age_band", "sex", "application_type", "district")
ARMS = ("intervention", "control")


def load_baseline(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Return one row per randomized person of the selection (month not used) with the baseline columns, no ids."""
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(district, '')", selection.merged)
    district, district_params = district_sql("coalesce(district, '')", selection.merged)
    return db.query(
        con,
        f"""SELECT arm, age, {band_sql} AS age_band, sex, application_type, baseline_hours,
                   NULLIF({district}, '') AS district
            FROM participants WHERE study = ? AND {cond_sql} ORDER BY person_id""",
        [*band_params, *district_params, selection.study, *cond_params],
    )


def describe_baseline(people: pd.DataFrame) -> pd.DataFrame:
    """Describe baseline characteristics by arm, as a tidy table.

    Parameters
    ----------
    people : DataFrame
        One row per randomized person (see load_baseline).

    Returns
    -------
    DataFrame
        variable, level, statistic, and per arm (suffix _intervention/_control): value, value2 and
        value3 (mean, SD, and n for 'mean (SD)'; median, Q1, Q3 for 'median [IQR]'; n, %, - for 'n (%)'),
        n and missing; smd (standardized difference, on the variable's first row).

    """
    rows = []
    arms = {arm: people[people["arm"] == arm] for arm in ARMS}
    rows.append(
        {
            "variable": "n",
            "level": "",
            "statistic": "n",
            **{f"value_{a}": float(len(arms[a])) for a in ARMS},
            "smd": np.nan,
        }
    )
    for var in CONTINUOUS:
        x = {a: arms[a][var].dropna().to_numpy(dtype=float) for a in ARMS}
        smd = standardized_difference_continuous(x["intervention"], x["control"])
        base = {"variable": var, "level": ""}
        mean_row = {**base, "statistic": "mean (SD)", "smd": smd}
        median_row = {**base, "statistic": "median [IQR]", "smd": np.nan}
        for a in ARMS:
            v = x[a]
            mean_row |= {
                f"value_{a}": v.mean() if len(v) else np.nan,
                f"value2_{a}": v.std(ddof=1) if len(v) > 1 else np.nan,
            }
            q = np.percentile(v, [50, 25, 75]) if len(v) else [np.nan] * 3
            median_row |= {f"value_{a}": q[0], f"value2_{a}": q[1], f"value3_{a}": q[2]}
            mean_row[f"missing_{a}"] = int(arms[a][var].isna().sum())
        rows += [mean_row, median_row]
    for var in CATEGORICAL:
        levels = sorted(people[var].dropna().unique().tolist())
        if not levels:
            continue
        shares = {}
        for a in ARMS:
            counts = arms[a][var].value_counts().reindex(levels, fill_value=0)
            total = counts.sum()
            shares[a] = (counts / total).to_numpy() if total else np.zeros(len(levels))
        smd = standardized_difference_categorical(shares["intervention"], shares["control"])
        for i, level in enumerate(levels):
            row = {"variable": var, "level": level, "statistic": "n (%)", "smd": smd if i == 0 else np.nan}
            for a in ARMS:
                n = int((arms[a][var] == level).sum())
                row |= {f"value_{a}": float(n), f"value2_{a}": 100 * shares[a][i]}
                if i == 0:
                    row[f"missing_{a}"] = int(arms[a][var].isna().sum())
            rows.append(row)
    table = pd.DataFrame(rows)
    for a in ARMS:
        for col in (f"value2_{a}", f"value3_{a}", f"missing_{a}"):
            if col not in table:
                table[col] = np.nan
    return table


def count_joint(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Return how many randomized people of the selection share each combination of Table 1's categories.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands (month unused).

    Returns
    -------
    DataFrame
        arm, age_band (None outside every band), sex, application_type, district (None when unknown), n,
        missing_age, missing_baseline_hours: the cells whose sums are every count Table 1 shows (for the
        disclosure audit and checks).

    """
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(district, '')", selection.merged)
    district, district_params = district_sql("coalesce(district, '')", selection.merged)
    return db.query(
        con,
        f"""SELECT arm, {band_sql} AS age_band, sex, application_type, NULLIF({district}, '') AS district,
                   count(*) AS n, count_if(age IS NULL) AS missing_age,
                   count_if(baseline_hours IS NULL) AS missing_baseline_hours
            FROM participants WHERE study = ? AND {cond_sql} GROUP BY ALL ORDER BY ALL""",
        [*band_params, *district_params, selection.study, *cond_params],
    )


def summarize_baseline(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Return Table 1 of the selection's randomized people (describe_baseline of load_baseline)."""
    return describe_baseline(load_baseline(con, selection))


def count_flow(
    con: db.Connection, selection: Selection, timepoints: Sequence[int], by: Sequence[str] = ()
) -> pd.DataFrame:
    """CONSORT-style flow: per arm, randomized, and at each timepoint where people stand at its start.

    At the first day of follow-up month k a person is either still at home and followed, or has
    (first) moved into a nursing home, died, or left follow-up for another reason, whichever came
    first. Uses the selection's study and filters; everyone randomized counts, whatever their age.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study and filters (bands and month unused).
    timepoints : sequence of int
        Follow-up months to count at.
    by : sequence of str
        Filter fields (sex, application_type, district) to count per value of, too.

    Returns
    -------
    DataFrame
        arm, month, (the ``by`` fields,) randomized, at_home, placed, died, left_followup.

    """
    unknown = [f for f in by if f not in FILTER_FIELDS]
    if unknown:
        raise ValueError(f"count_flow: unknown field(s) {unknown}; expected some of {FILTER_FIELDS}")
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    district, district_params = district_sql("coalesce(p.district, '')", selection.merged)
    extra = "".join(f"{f}, " for f in by)  # field names checked against FILTER_FIELDS above
    order = "".join(f", {f}" for f in by)
    return db.query(
        con,
        f"""
        WITH p AS (
            SELECT p.arm, date_trunc('month', p.randomized_on)::DATE AS m0, p.placed_on, p.died_on,
                   {db.FOLLOWUP_END} AS end_on,
                   p.sex, p.application_type, {district} AS district
            FROM participants p JOIN studies s USING (study) WHERE p.study = ? AND {cond_sql}
        ), t AS (SELECT unnest(?::INTEGER[]) AS month)
        SELECT arm, month, {extra}count(*) AS randomized,
               count(*) FILTER (WHERE status = 'home') AS at_home,
               count(*) FILTER (WHERE status = 'placed') AS placed,
               count(*) FILTER (WHERE status = 'died') AS died,
               count(*) FILTER (WHERE status = 'left') AS left_followup
        FROM (
            SELECT arm, month, {extra}
                   CASE WHEN placed_on < start_on AND placed_on <= coalesce(died_on, placed_on)
                             AND placed_on <= end_on THEN 'placed'
                        WHEN died_on < start_on AND died_on <= end_on THEN 'died'
                        WHEN end_on < start_on THEN 'left'
                        ELSE 'home' END AS status
            FROM (SELECT *, (m0 + to_months(month))::DATE AS start_on FROM p, t)
        )
        GROUP BY ALL ORDER BY arm DESC, month{order}
        """,
        [*district_params, selection.study, *cond_params, list(timepoints)],
    )
