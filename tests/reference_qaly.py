"""QALYs per person in numpy as computed before they moved to DuckDB: the tests' reference (``qaly_rows``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.economics.qaly_rows import DAYS_PER_MONTH, DAYS_PER_YEAR


def compute_qalys(people: pd.DataFrame, utilities: pd.DataFrame, months: int) -> pd.DataFrame:
    """Return each person's QALYs over the window by the area under the utility curve, and baseline utility.

    Parameters
    ----------
    people : DataFrame
        One row per randomized person: person_id, died (within the window), time (days from randomization
        to death, the window's end, or censoring), complete.
    utilities : DataFrame
        person_id, visit_month, value: the measured utilities (missing visits have no row).
    months : int
        The window K in months.

    Returns
    -------
    DataFrame
        person_id, qaly (NaN without any utility measurement), baseline_utility (NaN when visit 0 was not
        measured).

    """
    end_of_window = months * DAYS_PER_MONTH
    position = pd.Series(np.arange(len(people)), index=people["person_id"].to_numpy())
    ordered = utilities[utilities["person_id"].isin(position.index)].sort_values(["person_id", "visit_month"])
    who = position.loc[ordered["person_id"].to_numpy()].to_numpy()
    days = ordered["visit_month"].to_numpy(dtype=float) * DAYS_PER_MONTH
    values = ordered["value"].to_numpy(dtype=float)
    # death, the window's end, or censoring (weighted out later)
    end = np.minimum(people["time"].to_numpy(dtype=float), end_of_window)[who]
    first = np.r_[True, who[1:] != who[:-1]] if len(who) else np.array([], dtype=bool)
    last = np.r_[who[1:] != who[:-1], True] if len(who) else np.array([], dtype=bool)
    # The curve is flat before the first and after the last measurement and linear between them; its area
    # over [0, end] is summed piece by piece: before the first visit, each segment clipped to [0, end], after
    # the last visit (exactly the trapezoid rule on the visits within the window, as the curve is linear there).
    area = np.where(first, values * np.clip(np.minimum(days, end), 0.0, None), 0.0)
    area += np.where(last, values * np.clip(end - np.maximum(days, 0.0), 0.0, None), 0.0)
    following = ~last
    d0, d1 = days[following], days[1:][following[:-1]] if len(days) else days
    v0, v1 = values[following], values[1:][following[:-1]] if len(values) else values
    low, high = np.maximum(d0, 0.0), np.minimum(d1, end[following])
    with np.errstate(divide="ignore", invalid="ignore"):  # two visits on one day: no segment between them
        slope = (v1 - v0) / (d1 - d0)
    inside = high > low
    segment = np.where(inside, (high - low) * (2 * v0 + slope * (low - d0 + high - d0)) / 2, 0.0)
    area[np.flatnonzero(following)] += segment
    qalys = np.full(len(people), np.nan)
    measured = np.unique(who)
    qalys[measured] = np.bincount(who, weights=area, minlength=len(people))[measured] / DAYS_PER_YEAR
    baselines = np.full(len(people), np.nan)
    at_zero = first & (days == 0)
    baselines[who[at_zero]] = values[at_zero]
    return pd.DataFrame({"person_id": people["person_id"], "qaly": qalys, "baseline_utility": baselines})
