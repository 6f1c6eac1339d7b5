"""Uncertainty of a cost projection: the probabilistic sensitivity analysis and the one-way (tornado) analysis.

The probabilistic analysis draws the unit costs and the intervention cost (gamma), the uptake (beta), the
study's effects (the per-person outcomes' joint bootstrap at each year's end within the window) and the
cohort model's inputs past the window (rates from their event counts, hours at home from their standard
error), so the extrapolated part is as uncertain as what it rests on (Briggs, Claxton & Sculpher 2006).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.economics.cohort import draw_cohort_savings
from analysis.economics.costs import (
    DISCOUNT_SENSITIVITY,
    PSA_DRAWS,
    SEED,
    WANING_SCENARIOS,
    CostProjection,
    _effects,
    _participants,
    present_value,
    project_costs,
    total_net,
)
from analysis.economics.effects import estimate_study_effects, window_marks, with_effects
from analysis.economics.saved import load_scenario
from analysis.economics.scenario import BANDS, Scenario, unit_costs

EXTRAPOLATION_DRAWS = 2000  # cohort-model draws past the window, cycled over the PSA's draws


def _gamma(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    """Draw a cost: gamma with the given mean and coefficient of variation (fixed at the mean when cv is 0)."""
    if mean <= 0 or cv <= 0:
        return np.full(n, mean)
    shape = 1.0 / cv**2
    return rng.gamma(shape, mean / shape, n)


def _beta(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    """Draw a proportion: beta with the given mean and coefficient of variation (method of moments)."""
    sd = mean * cv
    if sd <= 0 or mean <= 0 or mean >= 1:
        return np.full(n, mean)
    sd = min(sd, 0.99 * np.sqrt(mean * (1 - mean)))  # a beta cannot be wider than this
    common = mean * (1 - mean) / sd**2 - 1
    return rng.beta(mean * common, (1 - mean) * common, n)


def entrant_years(monthly: np.ndarray, years: int) -> np.ndarray:
    """Return the sums over each year since entry (months 1–12, 13–24, …) of series over the months since entry."""
    monthly = np.asarray(monthly, dtype=float)
    months = 12 * years
    padded = np.zeros((*monthly.shape[:-1], months))
    n = min(months, monthly.shape[-1])
    padded[..., :n] = monthly[..., :n]
    return padded.reshape(*monthly.shape[:-1], years, 12).sum(axis=-1)


def _study_years(draws: np.ndarray, window: int, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (draws × years) hours and days saved per entrant-year from cumulative differences at window_marks."""
    marks = window_marks(window)
    per_mark = np.diff(np.concatenate([np.zeros((len(draws), 1, 2)), draws], axis=1), axis=1)
    hours, days = np.zeros((len(draws), years)), np.zeros((len(draws), years))
    k = min(len(marks), years)
    hours[:, :k], days[:, :k] = -per_mark[:, :k, 0], -per_mark[:, :k, 1]
    return hours, days


def _drawn_after(scenario: Scenario, band: str, n_draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (n_draws × years) hours and days saved per entrant-year past the window, with the cohort drawn."""
    months = 12 * scenario.years
    window = int(scenario.study_window_months)
    full = max(scenario.effect_end_months(), float(window))
    rng = np.random.default_rng((seed, 7, BANDS.index(band)))
    hours, days = draw_cohort_savings(
        scenario.cohort, band, months, full, scenario.waning_months, min(n_draws, EXTRAPOLATION_DRAWS), rng
    )
    hours[:, :window] = days[:, :window] = 0.0
    pick = np.arange(n_draws) % len(hours)
    scale = scenario.extrapolation_scale
    return entrant_years(hours, scenario.years)[pick] * scale, entrant_years(days, scenario.years)[pick] * scale


def simulate_net(
    scenario: Scenario,
    effect_draws: dict[str, np.ndarray] | None,
    n_draws: int = PSA_DRAWS,
    seed: int = SEED,
    progress: Callable[[float], None] | None = None,
    draw_extrapolation: bool = True,
) -> np.ndarray:
    """Return the undiscounted net per draw and year of a probabilistic sensitivity analysis.

    Unit costs and the intervention cost are gamma, the uptake beta (Briggs, Claxton & Sculpher 2006),
    with the scenario's coefficients of variation. Study effects: within the window, the study's joint
    bootstrap draws of the cumulative differences at each year's end (cycled when fewer than n_draws);
    past it, the cohort model with its inputs drawn from their event counts and standard errors
    (draw_extrapolation; else at its estimates). Effects typed in are fixed. The price index and
    discount rate are conventions, not drawn.

    Parameters
    ----------
    scenario : Scenario
        The central inputs.
    effect_draws : dict or None
        Per band (n × marks × 2) cumulative differences at window_marks (StudyEffects.draws); None keeps
        the effects within the window at their estimates.
    n_draws : int
        Number of draws.
    seed : int
        Random seed.
    progress : callable, optional
        Called with the share done.
    draw_extrapolation : bool
        Draw the cohort model's inputs past the window (False: at their estimates, for comparison).

    Returns
    -------
    ndarray
        (n_draws × years) undiscounted net.

    """
    rng = np.random.default_rng(seed + 1)
    price = unit_costs(scenario)
    hour = _gamma(rng, price.hour, scenario.unit_cost_cv, n_draws)
    day = _gamma(rng, price.day, scenario.unit_cost_cv, n_draws)
    cost = _gamma(rng, scenario.cost_per_participant(), scenario.intervention_cost_cv, n_draws)
    uptake = _beta(rng, scenario.uptake, scenario.uptake_cv, n_draws)
    years = scenario.years
    effects = _effects(scenario, 12 * years)
    yearly = np.zeros((n_draws, years))  # savings per unit of uptake, each entrant-year, summed over bands
    for i, band in enumerate(BANDS):
        if effect_draws is not None and scenario.monthly_effects is not None:
            picked = effect_draws[band][np.arange(n_draws) % len(effect_draws[band])]
            hours, days = _study_years(picked, int(scenario.study_window_months), years)
        else:
            hours, days = (entrant_years(v, years)[None, :] for v in effects.inside[band])
        if band in effects.after:
            if draw_extrapolation:
                more_hours, more_days = _drawn_after(scenario, band, n_draws, seed)
            else:
                more_hours, more_days = (entrant_years(v, years)[None, :] for v in effects.after[band])
            hours, days = hours + more_hours, days + more_days
        applicants = scenario.applicants_per_year[band]
        yearly += applicants * (hour[:, None] * hours + day[:, None] * days)
        if progress:
            progress((i + 1) / len(BANDS))
    yearly = np.cumsum(yearly, axis=1)  # each calendar year: every cohort under way (one enters each year)
    yearly *= (uptake * scenario.cash_releasing_share)[:, None]
    entrants = uptake * sum(scenario.applicants_per_year.values())
    return yearly - (entrants * cost)[:, None]


def summarize_uncertainty(yearly: np.ndarray, discount_rate: float) -> dict[str, float]:
    """Return the probability that the present value of the net is positive, its mean and 95% interval."""
    nets = present_value(yearly, discount_rate)
    low, high = np.percentile(nets, [2.5, 97.5])
    return {
        "probability_saves_money": float(np.mean(nets > 0)),
        "mean": float(np.mean(nets)),
        "net_interval": [float(low), float(high)],
        "draws": len(nets),
    }


@dataclass(frozen=True)
class MoneySummary:
    """A scenario's budget impact with its probabilistic uncertainty (what the Costs page and the slides read)."""

    scenario: Scenario
    projection: CostProjection
    uncertainty: dict  # probability_saves_money, mean, net_interval (present value), draws
    yearly_draws: np.ndarray  # (draws × years) undiscounted net
    comparison: dict | None = None  # with study effects: the same with the extrapolation fixed, and without it


def summarize_money(
    scenario: Scenario,
    effect_draws: dict[str, np.ndarray] | None,
    n_draws: int = PSA_DRAWS,
    progress: Callable[[float], None] | None = None,
) -> MoneySummary:
    """Project a scenario and run its probabilistic sensitivity analysis.

    Parameters
    ----------
    scenario : Scenario
        Validated inputs (effects typed in, from the study, or the preset).
    effect_draws : dict or None
        Per band the effect draws of estimate_study_effects (StudyEffects.draws); None keeps them fixed.
    n_draws : int
        Draws of the probabilistic analysis (seeded).
    progress : callable, optional
        Called with the share done.

    Returns
    -------
    MoneySummary

    """
    yearly = simulate_net(scenario, effect_draws, n_draws, progress=progress)
    comparison = None
    if scenario.from_study and scenario.extrapolate:
        fixed = simulate_net(scenario, effect_draws, n_draws, draw_extrapolation=False)
        inside = replace(scenario, extrapolate=False)
        comparison = {
            "extrapolation_fixed": summarize_uncertainty(fixed, scenario.discount_rate),
            "window_only": {
                "present_value": project_costs(inside).present_value,
                **summarize_uncertainty(simulate_net(inside, effect_draws, n_draws), scenario.discount_rate),
            },
        }
    return MoneySummary(
        scenario,
        project_costs(scenario),
        summarize_uncertainty(yearly, scenario.discount_rate),
        yearly,
        comparison,
    )


def _interval(draw: Callable[[np.random.Generator, float, float, int], np.ndarray], mean: float, cv: float):
    """Return the 2.5 and 97.5 percentiles of a distribution by drawing it (seeded)."""
    values = draw(np.random.default_rng(SEED), mean, cv, 100_000)
    return tuple(float(v) for v in np.percentile(values, [2.5, 97.5]))


def extrapolation_range(scenario: Scenario, n_draws: int = EXTRAPOLATION_DRAWS) -> tuple[float, float]:
    """Return the 95% range of the savings past the window as multiples of its estimate (cohort inputs drawn).

    The undiscounted savings the cohort model projects past the window over the horizon, at the
    scenario's unit costs, for each draw of its inputs (rates from event counts, hours at home from
    their standard error); NaN when there is nothing past the window.
    """
    price = unit_costs(scenario)
    people = _participants(scenario)
    drawn, point = np.zeros(n_draws), 0.0
    effects = _effects(scenario, 12 * scenario.years)
    for band in effects.after:
        hours, days = _drawn_after(scenario, band, n_draws, SEED)
        drawn += people[band] * np.cumsum(hours * price.hour + days * price.day, axis=1).sum(axis=1)
        point_years = [entrant_years(v, scenario.years) for v in effects.after[band]]
        point += people[band] * np.cumsum(point_years[0] * price.hour + point_years[1] * price.day).sum()
    if abs(point) < 1e-9:
        return float("nan"), float("nan")
    low, high = np.percentile(drawn / point, [2.5, 97.5])
    return float(low), float(high)


def tornado(scenario: Scenario, effect_intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One-way sensitivity of the present value: each input at the ends of a range that means something.

    Unit costs, intervention cost and uptake: the 95% interval of their PSA distribution; discount rate
    0% and 5%; effect duration: full effect for 6 months then gone over 12 (the shortest waning
    scenario; for study effects the difference then ends with the window) against an effect that lasts
    the whole horizon; effects: their study interval, or typed in, none (0) against the value; with study
    effects, the savings past the window at the ends of their 95% range (extrapolation_range). The price
    index is a convention, not varied.

    Returns
    -------
    DataFrame
        input, low_value, high_value, net_low, net_high, range (sorted, widest first).

    """
    base = total_net(scenario)
    rows = []

    def add(name: str, low_s: Scenario, high_s: Scenario, low_v, high_v) -> None:
        a, b = total_net(low_s), total_net(high_s)
        rows.append(
            {"input": name, "low_value": low_v, "high_value": high_v, "net_low": a, "net_high": b, "range": abs(b - a)}
        )

    for key in ("home_care_hour", "nursing_home_day"):
        lo, hi = _interval(_gamma, getattr(scenario, key), scenario.unit_cost_cv)
        add(key, replace(scenario, **{key: lo}), replace(scenario, **{key: hi}), lo, hi)
    lo, hi = _interval(_beta, scenario.uptake, scenario.uptake_cv)
    add("uptake", replace(scenario, uptake=lo), replace(scenario, uptake=hi), lo, hi)
    add(
        "discount_rate",
        replace(scenario, discount_rate=DISCOUNT_SENSITIVITY[0]),
        replace(scenario, discount_rate=DISCOUNT_SENSITIVITY[1]),
        *DISCOUNT_SENSITIVITY,
    )
    shortest, horizon = WANING_SCENARIOS[0], 12.0 * scenario.years
    waning = replace(scenario, full_effect_months=float(shortest), waning_months=float(shortest + 12))
    lasting = replace(scenario, full_effect_months=horizon, waning_months=None)
    add("waning", waning, lasting, float(shortest), horizon)
    if scenario.from_study and scenario.extrapolate:
        low, high = extrapolation_range(scenario)
        if np.isfinite(low) and np.isfinite(high):
            less, more = replace(scenario, extrapolation_scale=low), replace(scenario, extrapolation_scale=high)
            add("extrapolation", less, more, low, high)
    per_participant = scenario.cost_per_participant() / scenario.price_index
    lo, hi = _interval(_gamma, per_participant, scenario.intervention_cost_cv)
    direct = {"intervention_per_team_year": None, "participants_per_team_year": None}
    add(
        "intervention_per_participant",
        replace(scenario, intervention_per_participant=lo, **direct),
        replace(scenario, intervention_per_participant=hi, **direct),
        lo,
        hi,
    )
    intervals = effect_intervals.set_index("age_band") if effect_intervals is not None else None
    for field_name in ("hours_per_month", "nursing_home_days_per_year"):
        for band in BANDS:
            v = getattr(scenario, field_name)[band]
            if intervals is not None:
                lo, hi = intervals.loc[band, f"{field_name}_low"], intervals.loc[band, f"{field_name}_high"]
            else:
                lo, hi = sorted((0.0, v))
            if not (np.isfinite(lo) and np.isfinite(hi)):
                continue
            add(
                f"{field_name} {band}",
                replace(scenario, **{field_name: {**getattr(scenario, field_name), band: lo}}),
                replace(scenario, **{field_name: {**getattr(scenario, field_name), band: hi}}),
                lo,
                hi,
            )
    frame = pd.DataFrame(rows).sort_values("range", ascending=False).reset_index(drop=True)
    frame.attrs["base"] = base
    return frame


def summarize_study_money(con, study: str, window: int, n_draws: int = PSA_DRAWS):
    """Return the board's money: the study's effects month by month with the study's saved scenario.

    The one scenario the Costs page opens on, the presentation, the PowerPoint, the PDF and
    ``costs --study`` show: the latest scenario saved for the study (economics.saved; the defaults,
    flagged as examples, until one is saved), with the study's effects (board_scenario).

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    window : int
        The plan's window K.
    n_draws : int
        Draws of the probabilistic analysis.

    Returns
    -------
    MoneySummary

    """
    estimated = estimate_study_effects(con, study, window)
    return summarize_money(board_scenario(con, study, estimated), estimated.draws, n_draws)


def board_scenario(con, study: str, estimated) -> Scenario:
    """Return the study's scenario with its effects: the saved one (economics.saved), else the defaults."""
    return with_effects(load_scenario(con, study)[0], estimated)
