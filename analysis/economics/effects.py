"""The cost model's effects estimated from a study: the trial's own per-person differences, month by month.

Inside the study's window the money follows the trial: the difference (intervention minus control) in
home-care hours and nursing-home days per randomized person, cumulated over months 1..k for every k up
to the window, with the same censoring-weighted estimator as the per-person outcomes (treatment policy:
deaths and placements as they happen). Its increments are the savings in the months they happened, not
an even spread. The probabilistic analysis reads the same estimator's joint bootstrap draws at each
year's end within the window (the resamples are the same people at every k: same seed, same order).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.economics.cohort import estimate_cohort_parameters
from analysis.economics.scenario import BANDS, Scenario
from analysis.outcomes.per_person import (
    BOOTSTRAP_DRAWS,
    BOOTSTRAP_MAX_PEOPLE,
    SEED,
    differences_of_people,
    load_person_outcomes,
)
from analysis.outcomes.person_totals import TOTALS, count_person_totals, estimate_weighted_totals
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.store import db
from analysis.store.studies import check_groups, describe_study

COST_BANDS = parse_band_edges("65,76,86,96")  # the cost model's bands, whatever the study's plan says


def window_marks(window: int) -> tuple[int, ...]:
    """Return the months whose cumulative differences the probabilistic analysis draws: each year's end, and K."""
    return tuple(sorted({*range(12, int(window) + 1, 12), int(window)}))


@dataclass(frozen=True)
class StudyEffects:
    """Effects per randomized person from a study, month by month over its window, with joint bootstrap draws."""

    effects: pd.DataFrame  # age_band, hours_per_month, nursing_home_days_per_year, window_months
    draws: dict[str, np.ndarray]  # per band (draws × marks × 2): cumulative hours and days at window_marks
    intervals: pd.DataFrame
    window_months: int
    cohort: pd.DataFrame  # the three-state cohort model's parameters per band and arm (economics.cohort)
    monthly: dict[str, np.ndarray] | None = None  # per band (K × 2): the difference in each month 1..K


def estimate_study_effects(
    con: db.Connection, study: str, window_months: int, draws: int = BOOTSTRAP_DRAWS
) -> StudyEffects:
    """Estimate the cost model's effects from a study: differences per randomized person, month by month.

    For each k = 1..K the hours and nursing-home days per randomized person over months 1..k are
    compared between the arms (outcomes.per_person); their increments are each month's difference.
    The monthly and yearly rates (the totals over K divided by the window) are what the page and the
    tornado show; the savings over the window equal the study's difference in care cost per randomized
    person. Draws: the per-person outcomes' resamples at each year's end within the window and at K.

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
        ``monthly`` per band: the difference in hours and nursing-home days in each month 1..K;
        ``draws`` per band: (draws × marks × 2) cumulative differences at window_marks(K).

    """
    check_groups(describe_study(con, study), "costs")
    window = max(1, int(window_months))
    marks = window_marks(window)
    cumulative = {band: np.zeros((window + 1, 2)) for band in BANDS}
    at_marks = {band: np.full((draws, len(marks), 2), np.nan) for band in BANDS}
    # Every window 1..K from one query of counts and sums; people one by one only for a bootstrap.
    cells = count_person_totals(con, Selection(study, Filters(), COST_BANDS, window))
    first = cells[cells["month"] == 1]
    small = [b for b in BANDS if first.loc[first["age_band"] == b, "n"].sum() <= BOOTSTRAP_MAX_PEOPLE]
    for k in range(1, window + 1):
        at_k = cells[cells["month"] == k]
        resampled = {}
        if k in marks and draws and small:  # only the small bands' people (the seeds follow the band's place)
            view = Selection(study, Filters(), COST_BANDS, k)
            people = pd.concat([load_person_outcomes(con, view, band=band) for band in small], ignore_index=True)
            resampled = differences_of_people(people, COST_BANDS, draws, overall=False)
        for i, band in enumerate(BANDS):
            part = at_k[at_k["age_band"] == band]
            arms = {arm: estimate_weighted_totals(part[part["arm"] == arm]) for arm in ("intervention", "control")}
            diff = np.array([arms["intervention"][name][0] - arms["control"][name][0] for name in TOTALS])
            cumulative[band][k] = diff
            if k not in marks or not draws:
                continue
            if band in small:
                spread = resampled[band]["draws"]
            else:  # a normal draw with the SEs of the large-group interval (differences_of_people's rule and seed)
                se = np.hypot(*(np.array([arms[arm][name][1] for name in TOTALS]) for arm in arms))
                spread = np.random.default_rng((SEED + i, 2)).normal(diff, se, (draws, 2))
                spread = spread if np.isfinite(se).all() else None
            if spread is not None:
                at_marks[band][:, marks.index(k)] = spread
    rows = [
        {
            "age_band": band,
            "hours_per_month": cumulative[band][window, 0] / window,
            "nursing_home_days_per_year": cumulative[band][window, 1] / window * 12,
            "window_months": window,
        }
        for band in BANDS
    ]
    rates = {band: at_marks[band][:, -1, :] / np.array([window, window / 12.0]) for band in BANDS}
    monthly = {band: np.diff(cumulative[band], axis=0) for band in BANDS}
    cohort = estimate_cohort_parameters(con, Selection(study, Filters(), COST_BANDS, window))
    return StudyEffects(pd.DataFrame(rows), at_marks, effect_intervals(rates), window, cohort, monthly)


def with_effects(scenario: Scenario, effects: StudyEffects) -> Scenario:
    """Return the scenario with the study's effects: month by month over the window, the cohort model after it.

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
        monthly_effects=effects.monthly,
    )


def effect_intervals(draws: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return per band the 95% percentile intervals of the effect draws (draws × 2: per month, per year)."""
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
