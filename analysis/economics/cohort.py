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
from analysis.outcomes.per_person import UnitCosts, load_person_outcomes
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
        age_band, arm, placements, home_deaths, nursing_deaths, home_days, nursing_days, months_at_home,
        and the PARAMETERS (rates per day; hours per month at home).

    """
    return parameters_of_people(load_person_outcomes(con, selection))


def parameters_of_people(people: pd.DataFrame) -> pd.DataFrame:
    """Return estimate_cohort_parameters' result from person rows already loaded (load_person_outcomes)."""
    people = people[people["age_band"].notna()]
    placed = people["first_event"] == PLACED
    frame = people.assign(
        placements=placed.astype(int),
        home_deaths=(people["first_event"] == DIED).astype(int),
        nursing_deaths=(placed & people["died"]).astype(int),
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
        )
        .reset_index()
    )
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
    return sums


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
