"""A monthly three-state cohort model (at home, nursing home, dead) per arm and band, estimated from a study.

It carries the money beyond the trial's window. Per arm and band, from the people randomized
(outcomes.per_person over the window): constant cause-specific hazards of moving from home to a
nursing home and of dying at home (events over days at home), of dying in a nursing home (deaths
over nursing-home days, pooled over the arms of a band), and the mean home-care hours per month at
home (hours over months at home).
A cohort starts at home; each month the competing exits from home follow the two hazards, and the
month's costs use the mean of the occupancy at its start and end (half-cycle correction). No costs
after death. The intervention's hazards and hours return to the control arm's with the scenario's
waning: the full difference until month F, then a linear decline to none at month W.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.outcomes.per_person import UnitCosts
from analysis.outcomes.person_rows import read_person_outcomes_sql
from analysis.outcomes.placement import DAYS_PER_MONTH, DIED, PLACED
from analysis.selection import Selection
from analysis.store import db

PARAMETERS = ("placement_rate", "home_death_rate", "nursing_death_rate", "hours_at_home")


def estimate_cohort_parameters(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Estimate the cohort model's rates and hours per band and arm over the selection's window.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the window K.

    Returns
    -------
    DataFrame
        age_band, arm, placements, home_deaths, nursing_deaths, home_days, nursing_days, hours,
        months_at_home, the PARAMETERS (rates per day; hours per month at home) and hours_at_home_se (the
        standard error of the hours at home, for the probabilistic analysis).

    """
    sql, params = read_person_outcomes_sql(con, selection)
    sums = db.query(
        con,
        f"""SELECT age_band, arm, count_if(first_event = {PLACED}) AS placements,
                   count_if(first_event = {DIED}) AS home_deaths,
                   count_if(first_event = {PLACED} AND died) AS nursing_deaths,
                   sum(days_home)::DOUBLE AS home_days, sum(nursing_home_days)::DOUBLE AS nursing_days,
                   sum(hours) AS hours, sum(months_at_home)::DOUBLE AS months_at_home,
                   sum(hours * hours) AS hours_squared, sum(hours * months_at_home) AS hours_months,
                   sum(months_at_home::DOUBLE * months_at_home) AS months_squared
            FROM ({sql}) WHERE age_band IS NOT NULL GROUP BY ALL ORDER BY age_band, arm""",
        params,
    )
    return _rates_of_sums(sums)


def parameters_of_people(people: pd.DataFrame) -> pd.DataFrame:
    """Return estimate_cohort_parameters' result from person rows already loaded (load_person_outcomes)."""
    people = people[people["age_band"].notna()]
    placed = people["first_event"] == PLACED
    frame = people.assign(
        placements=placed.astype(int),
        home_deaths=(people["first_event"] == DIED).astype(int),
        nursing_deaths=(placed & people["died"]).astype(int),
        _hh=people["hours"] ** 2,
        _hm=people["hours"] * people["months_at_home"],
        _mm=people["months_at_home"].astype(float) ** 2,
    )
    sums = (
        frame.groupby(["age_band", "arm"])
        .agg(
            placements=("placements", "sum"),
            home_deaths=("home_deaths", "sum"),
            nursing_deaths=("nursing_deaths", "sum"),
            home_days=("days_home", "sum"),
            nursing_days=("nursing_home_days", "sum"),
            hours=("hours", "sum"),
            months_at_home=("months_at_home", "sum"),
            hours_squared=("_hh", "sum"),
            hours_months=("_hm", "sum"),
            months_squared=("_mm", "sum"),
        )
        .reset_index()
    )
    return _rates_of_sums(sums)


def _rates_of_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Return the cohort parameters per band and arm from the people's counts and sums (and their squares)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["placement_rate"] = sums["placements"] / sums["home_days"]
        sums["home_death_rate"] = sums["home_deaths"] / sums["home_days"]
        # Deaths in a nursing home are pooled over the arms of a band: the intervention does not act there,
        # and a band's arm often has few such deaths.
        pooled = sums.groupby("age_band")[["nursing_deaths", "nursing_days"]].transform("sum")
        sums["nursing_death_rate"] = (pooled["nursing_deaths"] / pooled["nursing_days"]).where(
            pooled["nursing_days"] > 0, 0.0
        )
        sums["hours_at_home"] = sums["hours"] / sums["months_at_home"]
        # The ratio estimator's standard error (delta method): √Σ(hᵢ − r·mᵢ)² / Σmᵢ.
        r = sums["hours_at_home"]
        residual = sums["hours_squared"] - 2 * r * sums["hours_months"] + r**2 * sums["months_squared"]
        sums["hours_at_home_se"] = np.sqrt(residual.clip(lower=0)) / sums["months_at_home"]
    return sums.drop(columns=["hours_squared", "hours_months", "months_squared"])


def waning_weight(months: int, full: float, waning: float | None) -> np.ndarray:
    """Return the share of the intervention's difference kept in each month: 1 until full, then linear to 0."""
    m = np.arange(months) + 0.5
    weight = (m < full).astype(float)
    if waning is not None and waning > full:
        between = (m >= full) & (m < waning)
        weight[between] = 1.0 - (m[between] - full) / (waning - full)
    return weight


def _moved_and_alive(home: float, placement: float, leave: float, nursing_death: float) -> float:
    """Return who moves from home to a nursing home within a month and is alive there at its end (exact)."""
    if leave <= 0:
        return 0.0
    if abs(leave - nursing_death) < 1e-15:
        return home * placement * DAYS_PER_MONTH * np.exp(-nursing_death * DAYS_PER_MONTH)
    spread = np.exp(-nursing_death * DAYS_PER_MONTH) - np.exp(-leave * DAYS_PER_MONTH)
    return home * placement / (leave - nursing_death) * spread


def occupancy(rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the share at home and in a nursing home at the start of each month and after the last (months + 1).

    ``rates`` is (months × 3): placement, home death and nursing-home death rates per day in each month.
    With constant rates within a month the step is exact (the closed form of the three-state chain).
    """
    months = len(rates)
    home, nursing = np.empty(months + 1), np.empty(months + 1)
    home[0], nursing[0] = 1.0, 0.0
    for m in range(months):
        placement, home_death, nursing_death = rates[m]
        leave = placement + home_death
        home[m + 1] = home[m] * np.exp(-leave * DAYS_PER_MONTH)
        moved = _moved_and_alive(home[m], placement, leave, nursing_death)
        nursing[m + 1] = nursing[m] * np.exp(-nursing_death * DAYS_PER_MONTH) + moved
    return home, nursing


def _monthly_costs(values: np.ndarray, costs: UnitCosts) -> tuple[np.ndarray, np.ndarray]:
    """Return (home-care, nursing-home) cost per starting person and month (half-cycle: mean of start and end).

    No home-care hours are counted in month 0, as in the per-person outcomes (the month of randomization).
    """
    home, nursing = occupancy(values[:, :3])
    at_home = (home[:-1] + home[1:]) / 2
    in_nursing = (nursing[:-1] + nursing[1:]) / 2
    home_cost = at_home * values[:, 3] * costs.hour
    home_cost[0] = 0.0
    return home_cost, in_nursing * DAYS_PER_MONTH * costs.day


def project_cohort(
    parameters: pd.DataFrame, band: str, months: int, costs: UnitCosts, full: float, waning: float | None
) -> pd.DataFrame:
    """Project one band's cohort per arm and month: expected home-care and nursing-home cost per person.

    Parameters
    ----------
    parameters : DataFrame
        From estimate_cohort_parameters.
    band : str
        The band's label.
    months : int
        Months to project from randomization.
    costs : UnitCosts
        Cost of an hour and a day.
    full, waning : float, float or None
        The intervention's difference is kept in full until month ``full`` and declines linearly to none
        at ``waning`` (None: it ends at ``full``).

    Returns
    -------
    DataFrame
        month (0-based), home_care_intervention, nursing_home_intervention, home_care_control,
        nursing_home_control (SEK per person randomized), saving_home_care, saving_nursing_home
        (control minus intervention).

    """
    table = parameters.set_index(["age_band", "arm"])
    for arm, sv in (("control", "kontrollarmen"), ("intervention", "interventionsarmen")):
        if (band, arm) not in table.index:  # nothing to estimate that arm's course from: no number, not a guess
            raise InputError(
                f"Åldersgruppen {band} har ingen randomiserad i {sv}; kostnaderna efter studiens fönster kan inte "
                "skattas från studien för den gruppen.",
                f"The age band {band} has no one randomized to the {arm} arm; costs after the study's window "
                "cannot be estimated from the study for that band.",
            )
    control = table.loc[(band, "control"), list(PARAMETERS)].to_numpy(dtype=float)
    treated = table.loc[(band, "intervention"), list(PARAMETERS)].to_numpy(dtype=float)
    weight = waning_weight(months, full, waning)[:, None]
    out = {"month": np.arange(months)}
    for arm, values in (
        ("intervention", control + weight * (treated - control)),
        ("control", np.tile(control, (months, 1))),
    ):
        out[f"home_care_{arm}"], out[f"nursing_home_{arm}"] = _monthly_costs(values, costs)
    frame = pd.DataFrame(out)
    frame["saving_home_care"] = frame["home_care_control"] - frame["home_care_intervention"]
    frame["saving_nursing_home"] = frame["nursing_home_control"] - frame["nursing_home_intervention"]
    return frame


def occupancy_of_draws(rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return occupancy for many draws at once: ``rates`` (draws × months × 3) -> (draws × months + 1) twice.

    The same closed-form monthly step as occupancy, vectorised over the draws.
    """
    draws, months, _ = rates.shape
    home, nursing = np.empty((draws, months + 1)), np.empty((draws, months + 1))
    home[:, 0], nursing[:, 0] = 1.0, 0.0
    for m in range(months):
        placement, home_death, nursing_death = rates[:, m, 0], rates[:, m, 1], rates[:, m, 2]
        leave = placement + home_death
        stay_home, stay_nursing = np.exp(-leave * DAYS_PER_MONTH), np.exp(-nursing_death * DAYS_PER_MONTH)
        with np.errstate(divide="ignore", invalid="ignore"):
            apart = placement / (leave - nursing_death) * (stay_nursing - stay_home)
        same = placement * DAYS_PER_MONTH * stay_nursing
        moved = home[:, m] * np.where(leave <= 0, 0.0, np.where(np.abs(leave - nursing_death) < 1e-15, same, apart))
        home[:, m + 1] = home[:, m] * stay_home
        nursing[:, m + 1] = nursing[:, m] * stay_nursing + moved
    return home, nursing


def _draw_rate(rng: np.random.Generator, events: float, exposure: float, n: int) -> np.ndarray:
    """Draw a rate from its events and exposure: gamma(events, 1 / exposure); 0 with no events or exposure."""
    if events <= 0 or exposure <= 0:
        return np.zeros(n)
    return rng.gamma(events, 1.0 / exposure, n)


def draw_cohort_savings(
    parameters: pd.DataFrame, band: str, months: int, full: float, waning: float | None, n: int, rng
) -> tuple[np.ndarray, np.ndarray]:
    """Return (draws × months) hours and nursing-home days one participant saves, with the inputs drawn.

    Each arm's placement and home-death rates are drawn from their event counts and days at home
    (gamma), the band's nursing-home death rate from its pooled deaths and days, and the hours at home
    from a normal with the ratio estimator's standard error (not below 0): the uncertainty of the
    projection's inputs, as the probabilistic analysis needs it (Briggs, Claxton & Sculpher 2006).

    Parameters
    ----------
    parameters : DataFrame
        From estimate_cohort_parameters (with the counts and hours_at_home_se).
    band : str
        The band's label.
    months : int
        Months to project from entry.
    full, waning : float, float or None
        As for project_cohort.
    n : int
        Draws.
    rng : Generator
        The random stream.

    Returns
    -------
    tuple of ndarray
        Hours and days saved (control minus intervention) per month since entry, for each draw.

    """
    table = parameters.set_index(["age_band", "arm"])
    pooled = table.loc[band] if band in table.index.get_level_values(0) else None
    if pooled is None or not {"control", "intervention"} <= set(pooled.index):
        return np.zeros((n, months)), np.zeros((n, months))
    nursing_death = _draw_rate(rng, pooled["nursing_deaths"].sum(), pooled["nursing_days"].sum(), n)
    values = {}
    for arm in ("control", "intervention"):
        row = table.loc[(band, arm)]
        hours = rng.normal(row["hours_at_home"], np.nan_to_num(row.get("hours_at_home_se", 0.0)), n)
        values[arm] = np.column_stack(
            [
                _draw_rate(rng, row["placements"], row["home_days"], n),
                _draw_rate(rng, row["home_deaths"], row["home_days"], n),
                nursing_death,
                np.clip(np.nan_to_num(hours), 0.0, None),
            ]
        )
    weight = waning_weight(months, full, waning)[None, :, None]
    control = np.repeat(values["control"][:, None, :], months, axis=1)
    treated = control + weight * (values["intervention"][:, None, :] - control)
    out = []
    for arm_values in (control, treated):
        home, nursing = occupancy_of_draws(arm_values[:, :, :3])
        at_home = (home[:, :-1] + home[:, 1:]) / 2 * arm_values[:, :, 3]
        at_home[:, 0] = 0.0  # no home-care hours in the month of randomization, as in _monthly_costs
        out.append((at_home, (nursing[:, :-1] + nursing[:, 1:]) / 2 * DAYS_PER_MONTH))
    (hours_c, days_c), (hours_i, days_i) = out
    return hours_c - hours_i, days_c - days_i
