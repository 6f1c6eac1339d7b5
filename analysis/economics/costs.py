"""Cost projection and budget impact with yearly cohorts, discounting, sensitivity and uncertainty.

Conventions (shown on the Costs page): each year's cohort enters at the start of its year, pays the
intervention cost in that year, and has its effects in full for ``duration_years`` years (a fraction
in the last one) within the horizon; year 1 is not discounted and year t is divided by
(1 + rate)^(t − 1); savings are positive numbers; within a year money accrues evenly by month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.economics.scenario import BANDS, Scenario
from analysis.selection import parse_band_edges
from analysis.store import db
from analysis.store.cells import band_case

PSA_DRAWS = 10_000
SEED = 20150831
BOOTSTRAP_MAX_PEOPLE = 20_000  # above this the effect draws use a normal approximation
COST_SPREAD = 0.25  # cost inputs vary ±25% (triangular) in the probabilistic analysis and the tornado


def _active_years(scenario: Scenario) -> np.ndarray:
    """Return, per horizon year, the cohort-years of effect under way (cohorts × share of the year)."""
    years, duration = scenario.years, scenario.duration_years
    active = np.zeros(years)
    for cohort in range(years):  # cohort enters at the start of year cohort + 1
        for t in range(cohort, years):
            active[t] += float(np.clip(duration - (t - cohort), 0.0, 1.0))
    return active


def _discount(scenario: Scenario) -> np.ndarray:
    """Return the discount factor of each year: 1 / (1 + rate)^(t − 1)."""
    return 1.0 / (1.0 + scenario.discount_rate) ** np.arange(scenario.years)


def _participants(scenario: Scenario) -> dict[str, float]:
    """Return participants per year and band: applicants × uptake."""
    return {band: scenario.applicants_per_year[band] * scenario.uptake for band in BANDS}


def _savings_per_participant_year(scenario: Scenario) -> tuple[float, float]:
    """Return (home-care SEK, nursing-home SEK) saved per year of effect of one cohort, summed over bands."""
    people = _participants(scenario)
    hour = scenario.home_care_hour * scenario.price_index
    day = scenario.nursing_home_day * scenario.price_index
    home = sum(-scenario.hours_per_month[b] * 12 * hour * people[b] for b in BANDS)
    nursing = sum(-scenario.nursing_home_days_per_year[b] * day * people[b] for b in BANDS)
    return home, nursing


@dataclass(frozen=True)
class CostProjection:
    """Yearly budget impact of a scenario."""

    years: pd.DataFrame
    payback_month: int | None
    cohort_payback_month: int | None

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
        return {"years": rows, "payback_month": self.payback_month}


def _payback(monthly_net: np.ndarray) -> int | None:
    """Return the first month (1-based) at whose end the cumulative net is ≥ 0, or None."""
    cumulative = np.cumsum(monthly_net)
    hit = np.nonzero(cumulative >= -1e-9)[0]
    return int(hit[0] + 1) if len(hit) else None


def _monthly(costs: np.ndarray, savings: np.ndarray) -> np.ndarray:
    """Spread yearly figures over months: costs at the start of each year, savings evenly across it."""
    months = np.repeat(savings / 12.0, 12)
    months[::12] -= costs
    return months


def project_costs(scenario: Scenario) -> CostProjection:
    """Project participants, costs, savings and net per year, discounted, with the payback month.

    Parameters
    ----------
    scenario : Scenario
        Validated inputs.

    Returns
    -------
    CostProjection
        ``years``: year, participants, intervention_cost, home_care_savings, nursing_home_savings, net,
        cumulative_net (SEK, discounted). ``payback_month``: first month the cumulative discounted net
        of all cohorts is ≥ 0. ``cohort_payback_month``: the same for one cohort alone (the claim "paid
        for itself after a year" is about one cohort).

    """
    participants = sum(_participants(scenario).values())
    discount = _discount(scenario)
    active = _active_years(scenario)
    home, nursing = _savings_per_participant_year(scenario)
    cost = np.full(scenario.years, participants * scenario.cost_per_participant())
    frame = pd.DataFrame(
        {
            "year": np.arange(1, scenario.years + 1),
            "participants": np.full(scenario.years, participants),
            "intervention_cost": cost * discount,
            "home_care_savings": home * active * discount,
            "nursing_home_savings": nursing * active * discount,
        }
    )
    frame["net"] = frame["home_care_savings"] + frame["nursing_home_savings"] - frame["intervention_cost"]
    frame["cumulative_net"] = frame["net"].cumsum()
    monthly_discount = np.repeat(discount, 12)
    all_cohorts = _monthly(cost, (home + nursing) * active) * monthly_discount
    one_active = np.clip(scenario.duration_years - np.arange(scenario.years), 0.0, 1.0)
    one_cost = np.zeros(scenario.years)
    one_cost[0] = cost[0]
    one_cohort = _monthly(one_cost, (home + nursing) * one_active) * monthly_discount
    return CostProjection(frame, _payback(all_cohorts), _payback(one_cohort))


def total_net(scenario: Scenario) -> float:
    """Return the discounted net over the horizon (SEK)."""
    return float(project_costs(scenario).years["net"].sum())


# ---- effects estimated from a study -------------------------------------------------------------------


def load_effect_data(con: db.Connection, study: str, followup_months: int) -> pd.DataFrame:
    """Return one row per person: band, arm, mean hours per counted month 1..F, nursing-home days, person-years.

    Hours follow the README's definitions (counted while at home and followed); nursing-home days and
    person-years are counted within the first ``followup_months`` months.
    """
    band_sql, band_params = band_case(parse_band_edges("65,76,86,96"))
    return db.query(
        con,
        f"""
        WITH p AS (
            SELECT p.person_id, p.arm, {band_sql} AS age_band, p.randomized_on, p.placed_on, p.died_on,
                   date_trunc('month', p.randomized_on)::DATE AS m0,
                   least(coalesce(p.followup_end, s.data_end),
                         (p.randomized_on + to_months(?::INTEGER))::DATE) AS stop_on
            FROM participants p JOIN studies s USING (study) WHERE p.study = ?
        ), months AS (
            SELECT p.person_id, count(*) AS months_counted, coalesce(sum(h.hours), 0) AS hours
            FROM (SELECT *, unnest(range(1, datediff('month', m0, least(coalesce(placed_on, stop_on),
                         coalesce(died_on, stop_on), stop_on)) + 1)) AS k FROM p) p
            LEFT JOIN hours h ON h.study = ? AND h.person_id = p.person_id AND h.month = (p.m0 + to_months(p.k))::DATE
            WHERE p.k <= ?
            GROUP BY p.person_id
        )
        SELECT p.arm, (p.arm = 'intervention')::INTEGER AS intervention, p.age_band,
               m.hours / nullif(m.months_counted, 0) AS mean_hours,
               CASE WHEN p.placed_on IS NOT NULL AND p.placed_on <= p.stop_on
                    THEN datediff('day', p.placed_on, least(coalesce(p.died_on, p.stop_on), p.stop_on)) ELSE 0 END
                    AS nursing_home_days,
               datediff('day', p.randomized_on, least(coalesce(p.died_on, p.stop_on), p.stop_on)) / 365.25
                   AS person_years
        FROM p LEFT JOIN months m USING (person_id)
        WHERE p.age_band IS NOT NULL
        ORDER BY p.person_id
        """,
        [*band_params, followup_months, study, study, followup_months],
    )


def _effects_of(frame: pd.DataFrame) -> tuple[float, float]:
    """Return (hours per month difference, nursing-home days per person-year difference) for one band."""
    i, c = frame[frame["intervention"] == 1], frame[frame["intervention"] == 0]
    hours = i["mean_hours"].mean() - c["mean_hours"].mean()
    days = (
        i["nursing_home_days"].sum() / i["person_years"].sum() - c["nursing_home_days"].sum() / c["person_years"].sum()
    )
    return float(hours), float(days)


def estimate_effects(data: pd.DataFrame) -> pd.DataFrame:
    """Return per band the estimated effects per participant (intervention minus control).

    Returns
    -------
    DataFrame
        age_band, hours_per_month, nursing_home_days_per_year.

    """
    rows = []
    for band in BANDS:
        hours, days = _effects_of(data[data["age_band"] == band])
        rows.append({"age_band": band, "hours_per_month": hours, "nursing_home_days_per_year": days})
    return pd.DataFrame(rows)


def draw_effects(data: pd.DataFrame, n_draws: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Draw effects by bootstrapping people within band and arm (seeded); normal approximation at large n.

    Returns
    -------
    dict
        For each band: an array (n_draws, 2) of (hours per month, nursing-home days per year) differences.

    """
    rng = np.random.default_rng(seed)
    out = {}
    for band in BANDS:
        part = data[data["age_band"] == band]
        stats = []
        for arm in (1, 0):
            sub = part[part["intervention"] == arm]
            h = sub["mean_hours"].dropna().to_numpy()
            d, y = sub["nursing_home_days"].to_numpy(dtype=float), sub["person_years"].to_numpy(dtype=float)
            if len(h) == 0 or len(d) == 0:  # nobody in this band and arm: the effect is unknown
                hours, days = np.full(n_draws, np.nan), np.full(n_draws, np.nan)
            elif len(sub) > BOOTSTRAP_MAX_PEOPLE:
                hours = rng.normal(h.mean(), h.std(ddof=1) / np.sqrt(len(h)), n_draws)
                rate = d.sum() / y.sum()
                se = np.sqrt(np.sum((d - rate * y) ** 2)) / y.sum()  # delta method for a ratio estimator
                days = rng.normal(rate, se, n_draws)
            else:
                hours = np.empty(n_draws)
                days = np.empty(n_draws)
                for start in range(0, n_draws, 1000):
                    k = min(1000, n_draws - start)
                    ih = rng.integers(0, len(h), (k, len(h)))
                    hours[start : start + k] = h[ih].mean(axis=1)
                    idx = rng.integers(0, len(d), (k, len(d)))
                    days[start : start + k] = d[idx].sum(axis=1) / y[idx].sum(axis=1)
            stats.append((hours, days))
        out[band] = np.column_stack([stats[0][0] - stats[1][0], stats[0][1] - stats[1][1]])
    return out


def with_effects(scenario: Scenario, effects: pd.DataFrame) -> Scenario:
    """Return the scenario with effects replaced by estimated ones (a row per band)."""
    table = effects.set_index("age_band")
    return replace(
        scenario,
        hours_per_month={b: float(table.loc[b, "hours_per_month"]) for b in BANDS},
        nursing_home_days_per_year={b: float(table.loc[b, "nursing_home_days_per_year"]) for b in BANDS},
    )


# ---- uncertainty ----------------------------------------------------------------------------------------


def simulate_net(
    scenario: Scenario,
    effect_draws: dict[str, np.ndarray] | None,
    n_draws: int = PSA_DRAWS,
    seed: int = SEED,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Return discounted net per draw and year: effects bootstrapped, cost inputs triangular ±25%.

    Parameters
    ----------
    scenario : Scenario
        The central inputs.
    effect_draws : dict or None
        Per band an (n, 2) array of effect draws (from draw_effects); None keeps the effects fixed.
    n_draws : int
        Number of draws.
    seed : int
        Random seed.
    progress : callable, optional
        Called with the share done.

    Returns
    -------
    ndarray

    """
    rng = np.random.default_rng(seed + 1)

    def tri(value: float) -> np.ndarray:
        if not value:
            return np.zeros(n_draws)
        return rng.triangular(value * (1 - COST_SPREAD), value, value * (1 + COST_SPREAD), n_draws)

    hour = tri(scenario.home_care_hour) * scenario.price_index
    day = tri(scenario.nursing_home_day) * scenario.price_index
    cost = tri(scenario.cost_per_participant())
    people = _participants(scenario)
    discount = _discount(scenario)
    effect_years = _active_years(scenario) * discount  # per year: discounted cohort-years of effect
    savings = np.zeros(n_draws)  # per participant-year of effect, summed over bands
    for i, band in enumerate(BANDS):
        if effect_draws is not None:
            hours, days = effect_draws[band][:n_draws, 0], effect_draws[band][:n_draws, 1]
        else:
            hours = np.full(n_draws, scenario.hours_per_month[band])
            days = np.full(n_draws, scenario.nursing_home_days_per_year[band])
        savings += people[band] * (-hours * 12 * hour - days * day)
        if progress:
            progress((i + 1) / len(BANDS))
    # (draws × years): savings of the cohorts under way minus the entering cohort's cost, discounted.
    return np.outer(savings, effect_years) - np.outer(cost * sum(people.values()), discount)


def summarize_uncertainty(yearly: np.ndarray) -> dict[str, float]:
    """Return the probability that the intervention saves money, the mean, and the 95% interval of net savings."""
    nets = yearly.sum(axis=1)
    low, high = np.percentile(nets, [2.5, 97.5])
    return {
        "probability_saves_money": float(np.mean(nets > 0)),
        "mean": float(np.mean(nets)),
        "net_interval": [float(low), float(high)],
    }


def tornado(scenario: Scenario, effect_intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One-way sensitivity: discounted net with each input at its low and high value, the others central.

    Effects use their 95% interval where given (effect_intervals: age_band, *_low, *_high columns),
    otherwise ±25%; every other input ±25%.

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

    for key in ("home_care_hour", "nursing_home_day", "price_index", "uptake", "discount_rate", "duration_years"):
        v = getattr(scenario, key)
        lo, hi = v * (1 - COST_SPREAD), v * (1 + COST_SPREAD)
        if key == "uptake":
            hi = min(hi, 1.0)
        add(key, replace(scenario, **{key: lo}), replace(scenario, **{key: hi}), lo, hi)
    c = scenario.cost_per_participant()
    add(
        "intervention_per_participant",
        replace(
            scenario,
            intervention_per_participant=c * 0.75,
            intervention_per_team_year=None,
            participants_per_team_year=None,
        ),
        replace(
            scenario,
            intervention_per_participant=c * 1.25,
            intervention_per_team_year=None,
            participants_per_team_year=None,
        ),
        c * 0.75,
        c * 1.25,
    )
    intervals = effect_intervals.set_index("age_band") if effect_intervals is not None else None
    for field_name in ("hours_per_month", "nursing_home_days_per_year"):
        for band in BANDS:
            v = getattr(scenario, field_name)[band]
            if intervals is not None:
                lo, hi = intervals.loc[band, f"{field_name}_low"], intervals.loc[band, f"{field_name}_high"]
            else:
                lo, hi = sorted((v * 0.75, v * 1.25))
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


def effect_intervals(draws: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return per band the 95% percentile intervals of the effect draws."""
    rows = []
    for band in BANDS:
        lo, hi = np.percentile(draws[band], [2.5, 97.5], axis=0)
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


@dataclass(frozen=True)
class StudyEffects:
    """Effects estimated from a study: point estimates, bootstrap draws and their 95% intervals."""

    effects: pd.DataFrame
    draws: dict[str, np.ndarray]
    intervals: pd.DataFrame


def estimate_study_effects(
    con: db.Connection, study: str, followup_months: int, n_draws: int = PSA_DRAWS
) -> StudyEffects:
    """Estimate the cost model's effects from a study, with bootstrap draws for the uncertainty.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    followup_months : int
        Months of follow-up the effects are estimated over.
    n_draws : int
        Bootstrap draws of the effects (fixed seed).

    Returns
    -------
    StudyEffects

    """
    data = load_effect_data(con, study, followup_months)
    draws = draw_effects(data, n_draws)
    return StudyEffects(estimate_effects(data), draws, effect_intervals(draws))


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
        years=5,
        discount_rate=0.03,
    )
    assumptions = [
        (
            "Effekter: 10 mot 26 timmar/månad (65–75), ingen skillnad (76–85), 21 mot 36 (86–95), SKR 2020.",
            "Effects: 10 vs 26 hours/month (65–75), no difference (76–85), 21 vs 36 (86–95), SKR 2020.",
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
            "300 deltagare per teamår och 400/600/300 sökande per år i åldersgrupperna (antaganden).",
            "300 participants per team-year and 400/600/300 applicants a year by band (assumptions).",
        ),
        (
            "Två tredjedelar deltar; effekten varar två år (försökets uppföljning).",
            "Two thirds take part; the effect lasts two years (the trial's follow-up).",
        ),
    ]
    return scenario, assumptions


def check_published_claims(scenario: Scenario) -> list[dict]:
    """Check whether the scenario reproduces the two published claims; say what it would take if not.

    Returns
    -------
    list of dict
        claim (key), reproduced (bool), value, needed (what would reproduce it).

    """
    projection = project_costs(scenario)
    home, nursing = _savings_per_participant_year(scenario)
    steady = (home + nursing) * min(scenario.duration_years, scenario.years)  # cohorts under way, undiscounted
    per_person = steady / max(sum(_participants(scenario).values()), 1e-9)
    users_needed = CLAIMED_YEARLY_SAVINGS / per_person if per_person > 0 else float("inf")
    month = projection.cohort_payback_month
    return [
        {"claim": "payback_one_year", "reproduced": month is not None and month <= 12, "value": month, "needed": 12},
        {
            "claim": "80_msek_a_year",
            "reproduced": abs(steady - CLAIMED_YEARLY_SAVINGS) <= 0.25 * CLAIMED_YEARLY_SAVINGS,
            "value": steady,
            "needed": users_needed / scenario.uptake if scenario.uptake else float("inf"),
        },
    ]
