"""Inputs for planning the next trial, read from a study's own data: SD, correlations and attrition."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.outcomes.measures import list_instruments, load_measurements
from analysis.outcomes.per_person import UnitCosts, load_person_outcomes
from analysis.outcomes.person_values import EXCLUDE, _people_sql, load_month_values
from analysis.selection import ALL, Selection
from analysis.stats.power import PowerInputs
from analysis.store import db

OUTCOMES = ("hours", "cost")  # besides the study's instruments


def _pooled_sd(values: pd.Series, arm: pd.Series) -> float:
    """Return the SD pooled within the arms."""
    groups = [values[arm == flag].to_numpy(dtype=float) for flag in (0, 1)]
    groups = [g for g in groups if len(g) >= 2]
    if not groups:
        return float("nan")
    sum_sq = sum(((g - g.mean()) ** 2).sum() for g in groups)
    return float(np.sqrt(sum_sq / (sum(len(g) for g in groups) - len(groups))))


def _pooled_correlation(x: pd.Series, y: pd.Series, arm: pd.Series) -> float:
    """Return the correlation of x and y within the arms (each centred on its arm's means)."""
    frame = pd.DataFrame({"x": x, "y": y, "arm": arm}).dropna()
    if len(frame) < 4:
        return float("nan")
    centred = frame[["x", "y"]] - frame.groupby("arm")[["x", "y"]].transform("mean")
    if centred["x"].std() == 0 or centred["y"].std() == 0:
        return float("nan")
    return float(centred["x"].corr(centred["y"]))


def _randomized(con: db.Connection, selection: Selection, band: str) -> int:
    """Return the number randomized in the selection (one band, or all)."""
    people, params = _people_sql(selection)
    where = "" if band == ALL else "WHERE age_band = ?"
    sql = f"WITH people AS ({people}) SELECT count(*) FROM people {where}"
    return int(con.execute(sql, [*params] + ([] if band == ALL else [band])).fetchone()[0])


def estimate_power_inputs(
    con: db.Connection,
    selection: Selection,
    outcome: str,
    difference: float,
    band: str = ALL,
    costs: UnitCosts | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    month_values: pd.DataFrame | None = None,
) -> tuple[PowerInputs, dict]:
    """Return the power inputs for an outcome of the study, and where each figure came from.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the follow-up month (hours), the window (cost) or the last visit
        (an instrument) the next trial would measure.
    outcome : str
        'hours' (at month k, among those at home), 'cost' (per randomized person over the window), or an
        instrument the study has measured (at the last visit within the month).
    difference : float
        The difference to detect, in the outcome's unit.
    band : str
        An age band label of the selection, or 'all'.
    costs : UnitCosts, optional
        Needed for 'cost'.
    alpha, power : float
        Two-sided level and target power.
    month_values : DataFrame, optional
        For 'hours': the selection's load_month_values(con, selection, EXCLUDE), when the caller reads
        several bands of it (loaded here when omitted).

    Returns
    -------
    (PowerInputs, dict)
        The inputs, and a description: outcome, band, n_used, randomized, the figures and how they were read.

    Raises
    ------
    InputError
        When the outcome is unknown, the band is not one of the selection's, or too few people have it.

    """
    month = selection.required_month()
    labels = [b.label for b in selection.bands] + [ALL]
    if band not in labels:
        raise InputError(
            f"Åldersgruppen {band!r} finns inte; välj en av {', '.join(labels)}.",
            f"The age band {band!r} does not exist; choose one of {', '.join(labels)}.",
        )
    randomized = _randomized(con, selection, band)
    within, visits, note = 0.0, 1, ""
    if outcome == "hours":
        values = load_month_values(con, selection, EXCLUDE) if month_values is None else month_values
        values = values if band == ALL else values[values["age_band"] == band]
        y, baseline = values["hours"], values["baseline_hours"]
        used = len(values)
        note = f"hours in month {month} among those at home; attrition: randomized without hours that month"
    elif outcome == "cost":
        if costs is None:
            raise InputError("Ange kostnaderna per timme och dygn.", "Give the costs per hour and day.")
        values = load_person_outcomes(con, selection)
        values = values if band == ALL else values[values["age_band"] == band]
        values = values[values["complete"]].assign(
            cost=lambda d: d["hours"] * costs.hour + d["nursing_home_days"] * costs.day
        )
        y, baseline = values["cost"], values["baseline_hours"]
        used = len(values)
        note = f"care cost per randomized person over {month} months; attrition: followed less than the window"
    elif outcome in list_instruments(con, selection.study):
        data = load_measurements(con, selection, outcome)
        data = data if band == ALL else data[data["age_band"] == band]
        after = sorted(v for v in data["visit_month"].unique() if 0 < v <= month)
        if not after:
            raise InputError(
                f"Inga besök efter baslinjen till och med månad {month} för {outcome}.",
                f"No visit after baseline up to month {month} for {outcome}.",
            )
        values = data[data["visit_month"] == after[-1]]
        y, baseline = values["value"], values["baseline"]
        used = len(values)
        wide = data[data["visit_month"].isin(after)].pivot_table(
            index=["person_id", "intervention"], columns="visit_month", values="value"
        )
        pairs = [(a, b) for i, a in enumerate(after) for b in after[i + 1 :]]
        arm = wide.index.get_level_values("intervention").to_series(index=wide.index)
        found = [_pooled_correlation(wide[a], wide[b], arm) for a, b in pairs]
        within = float(np.nanmean(found)) if found and not np.all(np.isnan(found)) else 0.0
        visits = len(after)
        note = (
            f"{outcome} at month {after[-1]} among those measured; within-person correlation averaged over "
            f"{len(pairs)} pairs of the visits {', '.join(map(str, after))}; attrition: not measured then"
        )
    else:
        known = ", ".join([*OUTCOMES, *list_instruments(con, selection.study)])
        raise InputError(
            f"Okänt utfall {outcome!r}; välj ett av {known}.", f"Unknown outcome {outcome!r}; choose one of {known}."
        )
    if used < 4:  # the message names no count: 1-3 people would be a small count shown to anyone
        raise InputError(
            f"För få personer (färre än 4) med {outcome} för att skatta spridningen.",
            f"Too few people (fewer than 4) with {outcome} to estimate the spread.",
        )
    arm = values["intervention"]
    rho = _pooled_correlation(y, baseline, arm)
    inputs = PowerInputs(
        difference=difference,
        sd=_pooled_sd(y, arm),
        alpha=alpha,
        power=power,
        baseline_correlation=0.0 if np.isnan(rho) else float(np.clip(rho, -0.99, 0.99)),
        visits=visits,
        within_correlation=float(np.clip(within, 0.0, 0.99)),
        attrition=min(max(1 - used / randomized, 0.0), 0.95) if randomized else 0.0,
    )
    source = {"outcome": outcome, "band": band, "month": month, "n_used": used, "randomized": randomized,
              "note": note}  # fmt: skip
    return inputs, source
