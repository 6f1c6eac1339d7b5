"""Budget impact of a scenario as ISPOR reports it, with its present value, sensitivity and uncertainty.

Conventions (shown on the Costs page): each year's cohort of participants enters at the start of its
year and pays the intervention cost then. A participant's saving per month follows the effect profile:
nothing during the first ``ramp_up_months`` (the intervention itself), the full effect until
``full_effect_months`` (else the duration), then a linear decline to none at ``waning_months`` when
given. Effects are per participant (per randomized person: deaths and placements included, see the
estimands). Savings are positive; yearly rows are undiscounted (Mauskopf 2007; Sullivan 2014); the
present value discounts year t by (1 + rate)^(t − 1), at 3% with 0% and 5% as sensitivity (TLV). The
payback month is the first month at whose end the undiscounted cumulative net is ≥ 0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.economics.cohort import PARAMETERS, parameters_of_people, project_cohort
from analysis.economics.scenario import BANDS, Scenario, unit_costs
from analysis.outcomes.per_person import BOOTSTRAP_DRAWS, UnitCosts, differences_of_people, load_person_outcomes
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.store import db

PSA_DRAWS = 10_000
SEED = 20150831
DISCOUNT_SENSITIVITY = (0.0, 0.05)
WANING_SCENARIOS = (6, 12, 18)  # full effect for F months, then gone over the next 12 (tornado)
Z95 = 1.959963984540054


def effect_profile(scenario: Scenario, months: int) -> np.ndarray:
    """Return the share of the full effect in each month since entry (0-based), over ``months`` months.

    Month m has no effect before ramp_up_months, the full effect until the effect's end, and with
    waning_months a linear decline between them (evaluated at the month's middle).
    """
    m = np.arange(months) + 0.5
    end = scenario.effect_end_months()
    profile = ((m >= scenario.ramp_up_months) & (m < end)).astype(float)
    if scenario.waning_months is not None and scenario.waning_months > end:
        waning = (m >= end) & (m < scenario.waning_months)
        profile[waning] = 1.0 - (m[waning] - end) / (scenario.waning_months - end)
    return profile


def _by_calendar(per_entrant: np.ndarray, years: int) -> np.ndarray:
    """Return per calendar month of the horizon the sum over yearly cohorts of a per-entrant monthly series."""
    horizon = 12 * years
    total = np.zeros(horizon)
    for cohort in range(years):
        start = 12 * cohort
        total[start:] += per_entrant[: horizon - start]
    return total


def _participants(scenario: Scenario) -> dict[str, float]:
    """Return participants per year and band: applicants × uptake."""
    return {band: scenario.applicants_per_year[band] * scenario.uptake for band in BANDS}


@dataclass(frozen=True)
class _Effects:
    """A participant's effect per month since entry, split in two.

    ``rate_share``: the share of the scenario's effect rates that applies; ``extra``: for study effects,
    per band the hours and nursing-home days saved per participant beyond the window by the cohort
    model (band -> (hours, days)); empty otherwise.
    """

    rate_share: np.ndarray
    extra: dict


def _effects(scenario: Scenario, months: int) -> _Effects:
    """Split a participant's effect over the months since entry into the rate part and the cohort model part."""
    profile = effect_profile(scenario, months)
    if scenario.cohort is None or scenario.study_window_months is None:
        return _Effects(profile, {})
    window = int(scenario.study_window_months)
    inside = profile * (np.arange(months) < window)
    full = max(scenario.effect_end_months(), float(window))
    key = tuple(map(tuple, scenario.cohort[["age_band", "arm", *PARAMETERS]].itertuples(index=False)))
    extra = {band: _saved_beyond(key, band, months, window, full, scenario.waning_months) for band in BANDS}
    return _Effects(inside, extra)


@functools.lru_cache(maxsize=256)
def _saved_beyond(key: tuple, band: str, months: int, window: int, full: float, waning: float | None):
    """Return the hours and days one participant saves per month after the window (cohort model), cached.

    ``key`` is the cohort parameters as a tuple of rows (age_band, arm, *PARAMETERS): the tornado and the
    claims check project the same cohort many times with only costs changing, which do not enter here.
    """
    parameters = pd.DataFrame(list(key), columns=["age_band", "arm", *PARAMETERS])
    model = project_cohort(parameters, band, months, UnitCosts(1.0, 1.0), full, waning)
    hours = model["saving_home_care"].to_numpy().copy()  # at 1 SEK an hour and a day: hours and days saved
    days = model["saving_nursing_home"].to_numpy().copy()
    hours[:window] = 0.0
    days[:window] = 0.0
    hours.flags.writeable = days.flags.writeable = False  # shared by every caller of the cache
    return hours, days


def _entrant_savings(scenario: Scenario, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (home-care, nursing-home) SEK saved per month since entry by one year's participants."""
    effects = _effects(scenario, months)
    people = _participants(scenario)
    price = unit_costs(scenario)
    home, nursing = np.zeros(months), np.zeros(months)
    for band in BANDS:
        home += people[band] * -scenario.hours_per_month[band] * price.hour * effects.rate_share
        nursing += people[band] * -scenario.nursing_home_days_per_year[band] / 12 * price.day * effects.rate_share
        if band in effects.extra:
            hours, days = effects.extra[band]
            home += people[band] * hours * price.hour
            nursing += people[band] * days * price.day
    return home * scenario.cash_releasing_share, nursing * scenario.cash_releasing_share


def present_value(yearly_net: np.ndarray, rate: float) -> np.ndarray:
    """Return Σ net_t / (1 + rate)^(t − 1) over the last axis (years)."""
    return np.asarray(yearly_net) @ (1.0 / (1.0 + rate) ** np.arange(np.shape(yearly_net)[-1]))


@dataclass(frozen=True)
class CostProjection:
    """Yearly budget impact of a scenario (undiscounted) and its present value."""

    years: pd.DataFrame
    payback_month: int | None
    cohort_payback_month: int | None
    present_value: float
    discount_rate: float
    present_value_sensitivity: dict[float, float]

    def to_dict(self) -> dict:
        """Return the JSON-ready part of the command line's output."""
        keys = (
            "year",
            "participants",
            "intervention_cost",
            "home_care_savings",
            "nursing_home_savings",
            "net",
            "cumulative_net",
        )
        rows = [{k: (int(r[k]) if k == "year" else float(r[k])) for k in keys} for _, r in self.years.iterrows()]
        sensitivity = {
            f"at_{round(rate * 100)}_percent": value for rate, value in self.present_value_sensitivity.items()
        }
        return {
            "years": rows,
            "present_value": {"net": self.present_value, "discount_rate": self.discount_rate, **sensitivity},
            "payback_month": self.payback_month,
            "cohort_payback_month": self.cohort_payback_month,
        }


def _payback(monthly_net: np.ndarray) -> int | None:
    """Return the first month (1-based) at whose end the cumulative net is ≥ 0, or None."""
    cumulative = np.cumsum(monthly_net)
    hit = np.nonzero(cumulative >= -1e-9)[0]
    return int(hit[0] + 1) if len(hit) else None


def project_costs(scenario: Scenario) -> CostProjection:
    """Project participants, intervention cost, savings and net per year (undiscounted), present value and payback.

    Parameters
    ----------
    scenario : Scenario
        Validated inputs.

    Returns
    -------
    CostProjection
        ``years``: year, participants, intervention_cost, home_care_savings, nursing_home_savings, net,
        cumulative_net (SEK, undiscounted). ``present_value``: the net discounted at the scenario's rate,
        with the same at 0% and 5% in ``present_value_sensitivity``. ``payback_month``: first month the
        undiscounted cumulative net of all cohorts is ≥ 0; ``cohort_payback_month``: the same for one
        cohort alone (the claim "paid for itself after a year" is about one cohort).

    """
    horizon = 12 * scenario.years
    participants = sum(_participants(scenario).values())
    cost = participants * scenario.cost_per_participant()
    home, nursing = _entrant_savings(scenario, horizon)
    monthly_cost = np.zeros(horizon)
    monthly_cost[::12] = cost
    monthly_home, monthly_nursing = _by_calendar(home, scenario.years), _by_calendar(nursing, scenario.years)
    frame = pd.DataFrame(
        {
            "year": np.arange(1, scenario.years + 1),
            "participants": np.full(scenario.years, participants),
            "intervention_cost": monthly_cost.reshape(-1, 12).sum(axis=1),
            "home_care_savings": monthly_home.reshape(-1, 12).sum(axis=1),
            "nursing_home_savings": monthly_nursing.reshape(-1, 12).sum(axis=1),
        }
    )
    frame["net"] = frame["home_care_savings"] + frame["nursing_home_savings"] - frame["intervention_cost"]
    frame["cumulative_net"] = frame["net"].cumsum()
    one = home + nursing
    one[0] -= cost
    net = frame["net"].to_numpy()
    return CostProjection(
        frame,
        _payback(monthly_home + monthly_nursing - monthly_cost),
        _payback(one),
        float(present_value(net, scenario.discount_rate)),
        scenario.discount_rate,
        {rate: float(present_value(net, rate)) for rate in DISCOUNT_SENSITIVITY},
    )


def total_net(scenario: Scenario) -> float:
    """Return the present value of the net over the horizon at the scenario's discount rate (SEK)."""
    return project_costs(scenario).present_value


# ---- effects estimated from a study: outcomes per randomized person -------------------------------------

COST_BANDS = parse_band_edges("65,76,86,96")  # the cost model's bands, whatever the study's plan says


@dataclass(frozen=True)
class StudyEffects:
    """Effects per randomized person from a study over its window, with joint bootstrap draws and 95% intervals."""

    effects: pd.DataFrame  # age_band, hours_per_month, nursing_home_days_per_year, window_months
    draws: dict[str, np.ndarray]  # per band (draws × 2): hours per month, nursing-home days per year
    intervals: pd.DataFrame
    window_months: int
    cohort: pd.DataFrame  # the three-state cohort model's parameters per band and arm (economics.cohort)


def estimate_study_effects(
    con: db.Connection, study: str, window_months: int, draws: int = BOOTSTRAP_DRAWS
) -> StudyEffects:
    """Estimate the cost model's effects from a study: differences per randomized person over its window.

    The hours and nursing-home days per randomized person over the first ``window_months`` months
    (treatment policy: deaths and placements as they happen; see outcomes.per_person) are divided by
    the window into a monthly and a yearly rate, so that the savings over the window equal the study's
    difference in care cost per randomized person. Their draws are the resamples of the per-person
    outcomes (same seed: the same interval), hours and days from the same resample.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    window_months : int
        The window K (months from randomization), at least 1.
    draws : int
        Resamples (as compare_person_outcomes).

    Returns
    -------
    StudyEffects

    """
    window = max(1, int(window_months))
    people = load_person_outcomes(con, Selection(study, Filters(), COST_BANDS, window))  # one query for both
    found = differences_of_people(people, COST_BANDS, draws)
    rows, out = [], {}
    for band in BANDS:
        got = found[band]
        rows.append(
            {
                "age_band": band,
                "hours_per_month": got["hours"] / window,
                "nursing_home_days_per_year": got["nursing_home_days"] / window * 12,
                "window_months": window,
            }
        )
        spread = got["draws"]
        out[band] = np.full((draws, 2), np.nan) if spread is None else spread / np.array([window, window / 12.0])
    cohort = parameters_of_people(people)
    return StudyEffects(pd.DataFrame(rows), out, effect_intervals(out), window, cohort)


def with_effects(scenario: Scenario, effects: StudyEffects) -> Scenario:
    """Return the scenario with the study's effects: a constant rate over the window, the cohort model after it.

    The ramp-up is in the study's own figures (the intervention months are inside the window), so it
    is 0 here. Beyond the window the three-state cohort model carries on from the study's hazards and
    hours: the intervention's difference ends with the window unless the scenario's full_effect_months
    and waning_months reach past it, but the people it kept at home (or alive) still differ in what
    they cost (economics.cohort).
    """
    table = effects.effects.set_index("age_band")
    window = float(effects.window_months)
    full = (
        scenario.full_effect_months if scenario.full_effect_months and scenario.full_effect_months > window else window
    )
    return replace(
        scenario,
        effects_source="study",
        hours_per_month={b: float(table.loc[b, "hours_per_month"]) for b in BANDS},
        nursing_home_days_per_year={b: float(table.loc[b, "nursing_home_days_per_year"]) for b in BANDS},
        ramp_up_months=0,
        full_effect_months=full,
        waning_months=scenario.waning_months if scenario.waning_months and scenario.waning_months > full else None,
        study_window_months=effects.window_months,
        cohort=effects.cohort,
    )


def effect_intervals(draws: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return per band the 95% percentile intervals of the effect draws."""
    rows = []
    for band in BANDS:
        lo, hi = (
            np.nanpercentile(draws[band], [2.5, 97.5], axis=0)
            if np.isfinite(draws[band]).any()
            else ([np.nan] * 2,) * 2
        )
        rows.append(
            {
                "age_band": band,
                "hours_per_month_low": lo[0],
                "hours_per_month_high": hi[0],
                "nursing_home_days_per_year_low": lo[1],
                "nursing_home_days_per_year_high": hi[1],
            }
        )
    return pd.DataFrame(rows)


# ---- uncertainty ----------------------------------------------------------------------------------------


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


def simulate_net(
    scenario: Scenario,
    effect_draws: dict[str, np.ndarray] | None,
    n_draws: int = PSA_DRAWS,
    seed: int = SEED,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Return the undiscounted net per draw and year of a probabilistic sensitivity analysis.

    Unit costs and the intervention cost are gamma, the uptake beta (Briggs, Claxton & Sculpher 2006),
    with the scenario's coefficients of variation; effects are the study's bootstrap draws (cycled when
    fewer than n_draws) or, typed in, fixed. The price index and discount rate are conventions, not
    drawn.

    Parameters
    ----------
    scenario : Scenario
        The central inputs.
    effect_draws : dict or None
        Per band an (n, 2) array of effect draws (from estimate_study_effects); None keeps them fixed.
    n_draws : int
        Number of draws.
    seed : int
        Random seed.
    progress : callable, optional
        Called with the share done.

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
    horizon = 12 * scenario.years
    effects = _effects(scenario, horizon)
    rate_years = _by_calendar(effects.rate_share, scenario.years).reshape(-1, 12).sum(axis=1)  # per entrant
    yearly = np.zeros((n_draws, scenario.years))  # savings per uptake, summed over bands
    for i, band in enumerate(BANDS):
        if effect_draws is not None:
            pick = np.arange(n_draws) % len(effect_draws[band])
            hours, days = effect_draws[band][pick, 0], effect_draws[band][pick, 1]
        else:
            hours = np.full(n_draws, scenario.hours_per_month[band])
            days = np.full(n_draws, scenario.nursing_home_days_per_year[band])
        rate = scenario.applicants_per_year[band] * (-hours * hour - days / 12 * day)
        yearly += np.outer(rate, rate_years)
        if band in effects.extra:  # beyond the window: the cohort model at its estimates, costs drawn
            extra_hours, extra_days = (
                _by_calendar(v, scenario.years).reshape(-1, 12).sum(axis=1) for v in effects.extra[band]
            )
            applicants = scenario.applicants_per_year[band]
            yearly += applicants * (np.outer(hour, extra_hours) + np.outer(day, extra_days))
        if progress:
            progress((i + 1) / len(BANDS))
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
    }


@dataclass(frozen=True)
class MoneySummary:
    """A scenario's budget impact with its probabilistic uncertainty (what the Costs page and the slides read)."""

    scenario: Scenario
    projection: CostProjection
    uncertainty: dict  # probability_saves_money, mean, net_interval (present value)
    yearly_draws: np.ndarray  # (draws × years) undiscounted net


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
        Per band (draws × 2) effect draws from estimate_study_effects; None keeps the effects fixed.
    n_draws : int
        Draws of the probabilistic analysis (seeded).
    progress : callable, optional
        Called with the share done.

    Returns
    -------
    MoneySummary

    """
    yearly = simulate_net(scenario, effect_draws, n_draws, progress=progress)
    return MoneySummary(
        scenario, project_costs(scenario), summarize_uncertainty(yearly, scenario.discount_rate), yearly
    )


def _interval(draw: Callable[[np.random.Generator, float, float, int], np.ndarray], mean: float, cv: float):
    """Return the 2.5 and 97.5 percentiles of a distribution by drawing it (seeded)."""
    values = draw(np.random.default_rng(SEED), mean, cv, 100_000)
    return tuple(float(v) for v in np.percentile(values, [2.5, 97.5]))


def tornado(scenario: Scenario, effect_intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One-way sensitivity of the present value: each input at the ends of a range that means something.

    Unit costs, intervention cost and uptake: the 95% interval of their PSA distribution; discount rate
    0% and 5%; effect duration: full effect for 6 months then gone over 12 (the shortest waning
    scenario; for study effects the difference then ends with the window) against an effect that lasts
    the whole horizon; effects: their study interval, or typed in, none (0)
    against the value. The price index is a convention, not varied.

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


# ---- the published Eskilstuna claims --------------------------------------------------------------------

CLAIMED_YEARLY_SAVINGS = 80e6  # SEK, SKR 2020: "about 80 MSEK a year in the long run"


def eskilstuna_preset() -> tuple[Scenario, list[tuple[str, str]]]:
    """Return the "Eskilstuna as published" scenario and every assumption it needs, in Swedish and English."""
    scenario = Scenario(
        intervention_per_participant=None,
        intervention_per_team_year=22 * 550_000.0,
        participants_per_team_year=300.0,
        applicants_per_year={"65-75": 400.0, "76-85": 600.0, "86-95": 300.0},
        uptake=2 / 3,
        hours_per_month={"65-75": 10.0 - 26.0, "76-85": 0.0, "86-95": 21.0 - 36.0},
        nursing_home_days_per_year={"65-75": 0.0, "76-85": 0.0, "86-95": 0.0},
        duration_years=2.0,
        ramp_up_months=3,
        years=5,
        discount_rate=0.03,
    )
    assumptions = [
        (
            "Effekter: 10 mot 26 timmar/månad (65–75), ingen skillnad (76–85), 21 mot 36 (86–95), SKR 2020; här "
            "tagna som skillnad per deltagare, fast de gäller dem som bodde kvar hemma.",
            "Effects: 10 vs 26 hours/month (65–75), no difference (76–85), 21 vs 36 (86–95), SKR 2020; taken here "
            "as a difference per participant, though they are about those still living at home.",
        ),
        (
            "Ingen besparing under de tre insatsmånaderna; full effekt därefter i två år (försökets uppföljning).",
            "No saving during the three intervention months; the full effect for two years after (the follow-up).",
        ),
        (
            "Flytt till särskilt boende: halverat behov är publicerat men inte i dagar; satt till 0 här.",
            "Nursing homes: a halved need is published but not in days; set to 0 here.",
        ),
        (
            "Teamkostnad: 22 heltidstjänster à 550 000 kr = 12,1 Mkr/år (antagande; ingen kostnad publicerad).",
            "Team cost: 22 full-time posts at 550,000 SEK = 12.1 MSEK/year (assumption; no cost published).",
        ),
        (
            "300 deltagare per teamår och 400/600/300 sökande per år i åldersgrupperna (antaganden; inte "
            "publicerade), två tredjedelar deltar (SKR 2020).",
            "300 participants per team-year and 400/600/300 applicants a year by band (assumptions; not "
            "published); two thirds take part (SKR 2020).",
        ),
    ]
    return scenario, assumptions


def check_published_claims(scenario: Scenario) -> list[dict]:
    """Check whether the scenario is consistent with the two published claims, and what would make it so.

    Returns
    -------
    list of dict
        claim (key), consistent (bool), value (the scenario's figure), needed (the break-even value:
        the largest intervention cost per participant that pays back within 12 months, or the applicants
        a year that give 80 MSEK), effect_multiple (how many times as large the effects would have to be
        for the claim, other inputs as they are).

    """
    home, nursing = _entrant_savings(scenario, max(12 * scenario.years, 12))
    participants = sum(_participants(scenario).values())
    first_year = (home + nursing)[:12].sum() / max(participants, 1e-9)  # undiscounted, one participant
    cost = scenario.cost_per_participant()
    month = project_costs(scenario).cohort_payback_month
    yearly = (home + nursing).sum()  # all cohorts under way: each year's entrants' whole saving
    applicants = sum(scenario.applicants_per_year.values())
    per_applicant = yearly / applicants if applicants else 0.0
    return [
        {
            "claim": "payback_one_year",
            "consistent": month is not None and month <= 12,
            "value": month,
            "needed": first_year,
            "effect_multiple": cost / first_year if first_year > 0 else float("inf"),
        },
        {
            "claim": "80_msek_a_year",
            "consistent": abs(yearly - CLAIMED_YEARLY_SAVINGS) <= 0.25 * CLAIMED_YEARLY_SAVINGS,
            "value": yearly,
            "needed": CLAIMED_YEARLY_SAVINGS / per_applicant if per_applicant > 0 else float("inf"),
            "effect_multiple": CLAIMED_YEARLY_SAVINGS / yearly if yearly > 0 else float("inf"),
        },
    ]


# The published results beside the claims, each with its source (shared/domain.md).
PUBLISHED_RESULTS = (
    (
        "SKR 2020 (kommunens redovisning): 10 mot 26 timmar/månad vid 65–75 och 21 mot 36 vid 86–95 efter två år, "
        'ingen skillnad vid 76–85, hälften så många flyttar; "betalade sig efter ett år", "cirka 80 Mkr per år".',
        "SKR 2020 (the municipality's account): 10 vs 26 hours/month at 65–75 and 21 vs 36 at 86–95 after two years, "
        'no difference at 76–85, half as many moves; "paid for itself after one year", "about 80 MSEK a year".',
    ),
    (
        "Granskad utvärdering (Gustafsson m.fl., randomiserad studie, n = 237, NCT03565614): båda grupperna "
        "förbättrades; ingen skillnad mellan grupperna var statistiskt säker efter tre och sex månader; "
        "hemtjänsttimmarna något, inte signifikant, lägre med intensiv hemrehabilitering.",
        "Peer-reviewed evaluation (Gustafsson et al., randomized trial, n = 237, NCT03565614): both groups "
        "improved; no difference between the groups was statistically significant at three and six months; "
        "home-care hours slightly, not significantly, lower with intensive home rehabilitation.",
    ),
    (
        'Eskilstunas webbsida (omkring 2019–2020): 65–79 år "behovet av hemtjänst minskade med 87 %"; inom ett år '
        "lämnade 58 % hemtjänsten mot 39 % med ordinarie hemtjänst.",
        'Eskilstuna\'s web page (about 2019–2020): ages 65–79 "need for home care fell by 87%"; within a year 58% '
        "left home care against 39% with ordinary home care.",
    ),
)
