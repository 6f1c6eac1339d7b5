"""Budget impact of a scenario as ISPOR reports it, with its present value, sensitivity and uncertainty.

Conventions (shown on the Costs page): each year's cohort of participants enters at the start of its
year and pays the intervention cost then. With effects typed in, a participant's saving per month follows
the effect profile: nothing during the first ``ramp_up_months`` (the intervention itself), the full effect
until ``full_effect_months`` (else the duration), then a linear decline to none at ``waning_months`` when
given. With effects from a study, the months of its window take the study's own difference month by month
(economics.effects) and the cohort model carries on after it (economics.cohort), unless ``extrapolate`` is
off. Effects are per participant (per randomized person: deaths and placements included, see the
estimands). Savings are positive; yearly rows are undiscounted (Mauskopf 2007; Sullivan 2014); the
present value discounts year t by (1 + rate)^(t − 1), at 3% with 0% and 5% as sensitivity (TLV). The
payback month is the first month at whose end the undiscounted cumulative net is ≥ 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.economics.cohort import PARAMETERS, project_cohort
from analysis.economics.scenario import BANDS, Scenario, unit_costs
from analysis.outcomes.per_person import UnitCosts

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
    """One participant's hours and nursing-home days saved per month since entry, per band, in two parts.

    ``inside``: within the study's window (the study's own months, or the scenario's rates and profile);
    ``after``: beyond the window by the cohort model (study effects only; empty when not extrapolated).
    Each is band -> (hours saved, days saved), arrays over the months since entry.
    """

    inside: dict
    after: dict


def study_months(scenario: Scenario, band: str, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the hours and days one participant saves in each month of the study's window (then 0).

    The study's difference in each month 1..K (with_effects), moved evenly by the difference between the
    scenario's rate and the study's (the tornado sets the rate to an end of its interval): the months keep
    their timing and the window's total equals the rate × K.
    """
    increments = np.asarray(scenario.monthly_effects[band], dtype=float)
    window = len(increments)
    shift = np.array([scenario.hours_per_month[band], scenario.nursing_home_days_per_year[band] / 12.0])
    shift = shift - increments.mean(axis=0)
    saved = np.zeros((months, 2))
    n = min(window, months)
    saved[:n] = -(increments[:n] + shift)
    return saved[:, 0], saved[:, 1]


def _effects(scenario: Scenario, months: int) -> _Effects:
    """Split a participant's savings over the months since entry into the window's part and the cohort model's."""
    profile = effect_profile(scenario, months)
    study = scenario.from_study
    if study:
        profile = profile * (np.arange(months) < int(scenario.study_window_months))
    inside = {}
    for band in BANDS:
        if study and scenario.monthly_effects is not None:
            inside[band] = study_months(scenario, band, months)
        else:
            hours = -scenario.hours_per_month[band] * profile
            inside[band] = (hours, -scenario.nursing_home_days_per_year[band] / 12.0 * profile)
    if not study or not scenario.extrapolate:
        return _Effects(inside, {})
    window = int(scenario.study_window_months)
    full = max(scenario.effect_end_months(), float(window))
    key = tuple(map(tuple, scenario.cohort[["age_band", "arm", *PARAMETERS]].itertuples(index=False)))
    scale = scenario.extrapolation_scale
    after = {}
    for band in BANDS:
        hours, days = _saved_beyond(key, band, months, window, full, scenario.waning_months)
        after[band] = (hours * scale, days * scale)
    return _Effects(inside, after)


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


def _in_kronor(scenario: Scenario, parts: dict, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (home-care, nursing-home) SEK saved per month since entry by one year's participants of some parts."""
    people = _participants(scenario)
    price = unit_costs(scenario)
    home, nursing = np.zeros(months), np.zeros(months)
    for band, (hours, days) in parts.items():
        home += people[band] * hours * price.hour
        nursing += people[band] * days * price.day
    return home * scenario.cash_releasing_share, nursing * scenario.cash_releasing_share


def _savings_in_parts(scenario: Scenario, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return one year's participants' SEK saved per month since entry: home care, nursing home, past the window."""
    effects = _effects(scenario, months)
    home, nursing = _in_kronor(scenario, effects.inside, months)
    after_home, after_nursing = _in_kronor(scenario, effects.after, months)
    return home + after_home, nursing + after_nursing, after_home + after_nursing


def _entrant_savings(scenario: Scenario, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (home-care, nursing-home) SEK saved per month since entry by one year's participants."""
    return _savings_in_parts(scenario, months)[:2]


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
    post_window_savings: float = 0.0  # undiscounted, projected past the study's window by the cohort model
    post_window_share: float | None = None  # of the gross savings over the horizon (None without study effects)
    window_months: int | None = None

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
            "post_window_savings": self.post_window_savings,
            "post_window_share": self.post_window_share,
            "window_months": self.window_months,
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
        cohort alone (the claim "paid for itself after a year" is about one cohort). With study effects,
        ``post_window_savings`` (SEK, undiscounted) and ``post_window_share`` (of the gross savings): the
        part the cohort model projects past the study's window.

    """
    horizon = 12 * scenario.years
    participants = sum(_participants(scenario).values())
    cost = participants * scenario.cost_per_participant()
    home, nursing, after = _savings_in_parts(scenario, horizon)
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
    study = scenario.from_study
    after = float(_by_calendar(after, scenario.years).sum())  # 0 without study effects or extrapolation
    gross = float(frame["home_care_savings"].sum() + frame["nursing_home_savings"].sum())
    return CostProjection(
        frame,
        _payback(monthly_home + monthly_nursing - monthly_cost),
        _payback(one),
        float(present_value(net, scenario.discount_rate)),
        scenario.discount_rate,
        {rate: float(present_value(net, rate)) for rate in DISCOUNT_SENSITIVITY},
        after,
        (after / gross if gross else None) if study else None,
        int(scenario.study_window_months) if study else None,
    )


def total_net(scenario: Scenario) -> float:
    """Return the present value of the net over the horizon at the scenario's discount rate (SEK)."""
    return project_costs(scenario).present_value


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
