"""Outcomes per randomized person over a window of K months (treatment policy): cost, days at home, death.

Estimand (ICH E9(R1)): everyone randomized in the selection, whatever happened to them after
randomization (treatment-policy strategy for placement and death: a placed person's nursing-home
days count, a dead person adds nothing after death). Variables over the window of K months from
randomization, ending on the same day of the month K months later:

- hours: home-care hours of follow-up months 1..K while living at home (month 0, the month of
  randomization, is left out; it is mostly before the intervention starts);
- nursing-home days: from placement to death or the window's end;
- municipal care cost: hours × hour cost + nursing-home days × day cost;
- days alive at home: from randomization to the earliest of placement, death and the window's end.

People whose follow-up ends before the window's end without death (moved away, withdrew, the data
end) have an incomplete total; means are the simple inverse-probability-of-censoring weighted
means of Bang & Tsiatis (2000), censoring estimated by Kaplan–Meier within each arm of each group.
With nobody censored they are the plain means. Intervals come from a seeded bootstrap of people,
drawn within arm, with the weights estimated again in every resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.outcomes.person_cells import (
    compare_group_cells,
    count_first_event_cells,
    count_first_events,
    count_outcome_cells,
    death_statistics,
)
from analysis.outcomes.person_rows import (  # noqa: F401  (the loaders' home; named here by older callers)
    ARMS,
    OUTCOMES,
    SKEWED,
    count_person_events,
    load_person_outcomes,
    person_outcomes_sql,
)
from analysis.records import json_value, to_records
from analysis.selection import ALL, Selection
from analysis.stats.adjusted import adjusted_means, adjusted_means_of_resamples, adjusted_normal_se, build_covariates
from analysis.stats.budget import check_memory
from analysis.stats.descriptive import assess_heterogeneity
from analysis.stats.survival import censoring_weights
from analysis.store import db
from analysis.store.studies import AnalysisPlan

BOOTSTRAP_DRAWS = 2000
SEED = 20150831
BOOTSTRAP_MAX_PEOPLE = 10_000  # above this, per group, the interval is a normal approximation (the CLT holds)
_CHUNK = 250  # resamples drawn at a time (memory)

# The JSON of `python -m analysis outcomes`: keys promised in issue 12 first, then the rest.
KEYS = (
    "age_band",
    "n_intervention",
    "n_control",
    "cost_intervention",
    "cost_control",
    "cost_difference",
    "cost_ci_low",
    "cost_ci_high",
    "days_home_intervention",
    "days_home_control",
    "days_home_difference",
    "days_home_ci_low",
    "days_home_ci_high",
    "nursing_home_days_intervention",
    "nursing_home_days_control",
    "hours_intervention",
    "hours_control",
    "deaths_intervention",
    "deaths_control",
    "death_cuminc_intervention",
    "death_cuminc_control",
    "death_hazard_ratio",
    "nursing_home_days_difference",
    "nursing_home_days_ci_low",
    "nursing_home_days_ci_high",
    "hours_difference",
    "hours_ci_low",
    "hours_ci_high",
    "death_cuminc_ci_low_intervention",
    "death_cuminc_ci_high_intervention",
    "death_cuminc_ci_low_control",
    "death_cuminc_ci_high_control",
    "death_hazard_ratio_ci_low",
    "death_hazard_ratio_ci_high",
    "death_hazard_ratio_p_value",
    "deaths_before_placement_intervention",
    "deaths_before_placement_control",
    "censored_intervention",
    "censored_control",
    "ended_at_placement_intervention",
    "ended_at_placement_control",
    "cost_se",
    "days_home_se",
    "interval_method",
    "model_warning",
    *(
        f"{name}_adjusted_{what}"
        for name in ("cost", "days_home", "nursing_home_days", "hours")
        for what in ("difference", "ci_low", "ci_high", "se")
    ),
    "adjusted_for",
)


@dataclass(frozen=True)
class UnitCosts:
    """What an hour of home care and a day in a nursing home cost the municipality (SEK)."""

    hour: float
    day: float

    def __post_init__(self) -> None:
        """Reject negative or non-finite costs, naming the value."""
        for name, value in (("hour", self.hour), ("day", self.day)):
            if not np.isfinite(value) or value < 0:
                raise InputError(
                    f"Kostnaden per {'timme' if name == 'hour' else 'dygn'} måste vara ett tal ≥ 0; fick {value!r}.",
                    f"The cost per {name} must be a number ≥ 0; got {value!r}.",
                )


@dataclass(frozen=True)
class PersonOutcomes:
    """Result of compare_person_outcomes: one row per band and overall."""

    months: int
    costs: UnitCosts
    groups: pd.DataFrame
    interaction: dict  # per outcome: Welch–James test that the difference is equal across the bands
    covariates: tuple[str, ...] = ()  # asked for the adjusted columns (each group says what it could use)

    def to_dict(self) -> dict:
        """Return the JSON-ready form of the command line (NaN becomes None)."""
        return {
            "months": self.months,
            "hour_cost": self.costs.hour,
            "day_cost": self.costs.day,
            "estimand": "treatment policy: every randomized person, means per person over the window",
            "groups": to_records(self.groups, KEYS),
            **{f"interaction_p_value_{name}": json_value(test["p_value"]) for name, test in self.interaction.items()},
        }


def _weighted_means(values: np.ndarray, time: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """Return the IPCW means (Bang & Tsiatis) of each column of values."""
    weights = censoring_weights(time, complete)
    return weights @ values / len(weights)


def resample_counts(n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Return (draws × n) counts: how often each of n people is drawn in each resample with replacement."""
    idx = rng.integers(0, n, (draws, n))
    return np.bincount((idx + n * np.arange(draws)[:, None]).ravel(), minlength=draws * n).reshape(draws, n)


def resample_weights(time: np.ndarray, complete: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Return (draws × n) IPCW weights of resamples given as counts per person (0 for the incomplete).

    In resample b person j stands counts[b, j] times. The censoring Kaplan–Meier of each resample is
    computed from the counts over the distinct times (censoring after completion at equal times), so
    the weights equal censoring_weights applied to each resample written out person by person.
    """
    if complete.all():
        return counts.astype(float)
    order = np.argsort(time, kind="stable")
    time, complete, sorted_counts = time[order], complete[order], counts[:, order]
    starts = np.flatnonzero(np.r_[True, np.diff(time) > 0])  # first person of each distinct time
    slot = np.cumsum(np.r_[False, np.diff(time) > 0])  # distinct-time index of each person
    removed = np.add.reduceat(sorted_counts, starts, axis=1).astype(float)
    censored = np.add.reduceat(sorted_counts * ~complete, starts, axis=1).astype(float)
    at_risk = removed[:, ::-1].cumsum(axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - censored / at_risk, 1.0)
    survival = np.cumprod(factor, axis=1)
    before = np.concatenate([np.ones((len(counts), 1)), survival[:, :-1]], axis=1)[:, slot]  # G(t−) per person
    weights = np.empty(counts.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights[:, order] = np.where(complete & (sorted_counts > 0), sorted_counts / before, 0.0)
    return weights


def weighted_means_of_resamples(values: np.ndarray, time: np.ndarray, complete: np.ndarray, counts: np.ndarray):
    """Return (draws × columns) IPCW means of resamples given as counts per person, all at once."""
    return resample_weights(time, complete, counts) @ values / len(time)


def _bootstrap_means(values, time, complete, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Return (draws × columns) IPCW means of people resampled with replacement.

    The resamples and means are weighted_means_of_resamples' of resample_counts (the same draws from rng), with
    the people sorted by time once rather than per resample and the weights formed only for the complete.
    """
    n = len(time)
    order = np.argsort(time, kind="stable")
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n)  # where each person stands in time order
    time, complete, values = time[order], complete[order], values[order]
    new = np.r_[True, np.diff(time) > 0]
    starts, slot = np.flatnonzero(new), np.cumsum(new) - 1  # first person of each distinct time; each one's time
    done, gone = np.flatnonzero(complete), np.flatnonzero(~complete)
    gone_new = np.r_[True, np.diff(slot[gone]) > 0] if len(gone) else np.zeros(0, dtype=bool)
    gone_starts, gone_slots = np.flatnonzero(gone_new), slot[gone][gone_new]  # the distinct censoring times
    out = np.empty((draws, values.shape[1]))
    for start in range(0, draws, _CHUNK):
        k = min(_CHUNK, draws - start)
        drawn_at = rank[rng.integers(0, n, (k, n))]  # resample_counts' draws, each person at its place in time order
        counts = np.bincount((drawn_at + n * np.arange(k)[:, None]).ravel(), minlength=k * n).reshape(k, n)
        counts = counts.astype(float)
        weights = counts[:, done]
        if len(gone):  # the censoring Kaplan–Meier of each resample, changing only at censoring times
            at_risk = np.add.reduceat(counts, starts, axis=1)[:, ::-1].cumsum(axis=1)[:, ::-1]
            risk, factor = at_risk[:, gone_slots], np.ones_like(at_risk)
            censored = np.add.reduceat(counts[:, gone], gone_starts, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor[:, gone_slots] = np.where(risk > 0, 1.0 - censored / risk, 1.0)
            before = np.concatenate([np.ones((k, 1)), np.cumprod(factor, axis=1)[:, :-1]], axis=1)[:, slot[done]]
            weights = np.divide(weights, before, out=np.zeros_like(weights), where=weights > 0)
        out[start : start + k] = weights @ values[done] / n
    return out


def _arm_estimates(part: pd.DataFrame, draws: int, seed: int) -> dict:
    """Return per arm the IPCW means of OUTCOMES and their bootstrap draws (or normal SEs above the limit).

    Per arm: (means, spread), spread a (draws × outcomes) array of resampled means, or a pair (SEs, n) for
    a normal interval when the group is large, or None when nothing can be resampled. The rng is seeded
    once per group and drawn in arm order, so every caller with the same seed gets the same resamples.
    """
    rng = np.random.default_rng(seed)
    large = len(part) > BOOTSTRAP_MAX_PEOPLE
    out = {}
    for arm in ARMS:
        sub = part[part["arm"] == arm]
        values = sub[list(OUTCOMES)].to_numpy(dtype=float)
        time, complete = sub["time"].to_numpy(), sub["complete"].to_numpy()
        if len(sub) == 0 or not complete.any():
            out[arm] = (np.full(len(OUTCOMES), np.nan), None)
        elif large:  # normal approximation: SE of the weighted mean, weights taken as known
            weighted = censoring_weights(time, complete)[:, None] * values
            out[arm] = (
                _weighted_means(values, time, complete),
                (weighted.std(axis=0, ddof=1) / np.sqrt(len(sub)), len(sub)),
            )
        elif len(sub) >= 2:
            out[arm] = (_weighted_means(values, time, complete), _bootstrap_means(values, time, complete, draws, rng))
        else:
            out[arm] = (_weighted_means(values, time, complete), None)
    return out


def largest_share(values: np.ndarray) -> float:
    """Return the largest share one person has of the values' total (NaN when there is none or it is 0).

    For the dominance rule: a mean over many people that one of them mostly makes up tells that person's value.
    """
    values = np.abs(np.nan_to_num(np.asarray(values, dtype=float)))
    total = values.sum()
    return float(values.max() / total) if values.size and total > 0 else float("nan")


def _compare_group(part: pd.DataFrame, draws: int, seed: int) -> dict:
    """Compute every outcome of one band (or everyone), intervention minus control (rows carry their cost)."""
    row: dict = {}
    for arm in ARMS:
        sub = part[part["arm"] == arm]
        row[f"n_{arm}"] = len(sub)
        row[f"deaths_{arm}"] = int(sub["died"].sum())
        row[f"censored_{arm}"] = int((~sub["complete"]).sum())
        row[f"ended_at_placement_{arm}"] = int(sub["ended_at_placement"].sum())
        for name in SKEWED:  # for the dominance rule (never shown)
            row[f"largest_share_{name}_{arm}"] = largest_share(sub[name].to_numpy(dtype=float))
    estimates = _arm_estimates(part, draws, seed)
    means = {arm: estimates[arm][0] for arm in ARMS}
    boot = {arm: estimates[arm][1] for arm in ARMS}
    large = len(part) > BOOTSTRAP_MAX_PEOPLE
    for arm in ARMS:
        for k, name in enumerate(OUTCOMES):
            row[f"{name}_{arm}"] = float(means[arm][k])
    for k, name in enumerate(OUTCOMES):
        diff = means["intervention"][k] - means["control"][k]
        row[f"{name}_difference"] = float(diff)
        low = high = se = np.nan
        if boot["intervention"] is not None and boot["control"] is not None:
            if large:
                (se_i, _), (se_c, _) = boot["intervention"], boot["control"]
                se = float(np.hypot(se_i[k], se_c[k]))
                low, high = diff - 1.959963984540054 * se, diff + 1.959963984540054 * se
            else:
                spread = boot["intervention"][:, k] - boot["control"][:, k]
                low, high = np.percentile(spread, [2.5, 97.5])
                se = float(np.std(spread, ddof=1))
        row[f"{name}_ci_low"], row[f"{name}_ci_high"] = float(low), float(high)
        row[f"{name}_se"] = float(se)
    estimable = boot["intervention"] is not None and boot["control"] is not None
    row["interval_method"] = ("normal" if large else "bootstrap") if estimable else None
    return row


def draw_person_differences(
    con: db.Connection, selection: Selection, draws: int = BOOTSTRAP_DRAWS, seed: int = SEED
) -> dict[str, dict]:
    """Return per band and 'all' the hours and nursing-home-day differences per randomized person with their draws.

    The draws are the resamples behind compare_person_outcomes' intervals (same seed: the same people
    drawn), so money computed from them carries the same uncertainty; hours and days come from the same
    resample, keeping their correlation. Above BOOTSTRAP_MAX_PEOPLE per group the draws are normal with
    the SEs of the intervals (their correlation then ignored).

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the window K.
    draws : int
        Resamples (as compare_person_outcomes).
    seed : int
        Seed (as compare_person_outcomes).

    Returns
    -------
    dict
        label -> {"hours": difference, "nursing_home_days": difference, "draws": (draws × 2) array or None}.

    """
    return differences_of_people(load_person_outcomes(con, selection), selection.bands, draws, seed)


def differences_of_people(
    people: pd.DataFrame, bands, draws: int = BOOTSTRAP_DRAWS, seed: int = SEED, overall: bool = True
) -> dict:
    """Return draw_person_differences' result from person rows already loaded (load_person_outcomes).

    ``overall`` False leaves out everyone ('all'): the bands' figures and draws are the same either way.
    """
    people = people.assign(cost=0.0)  # a column of OUTCOMES; its values do not enter the two used here
    columns = [OUTCOMES.index("hours"), OUTCOMES.index("nursing_home_days")]
    out = {}
    for i, label in enumerate([b.label for b in bands] + ([ALL] if overall else [])):
        part = people if label == ALL else people[people["age_band"] == label]
        estimates = _arm_estimates(part, draws, seed + i)
        (mean_i, boot_i), (mean_c, boot_c) = estimates["intervention"], estimates["control"]
        diff = mean_i[columns] - mean_c[columns]
        spread = None
        if boot_i is not None and boot_c is not None:
            if isinstance(boot_i, tuple):
                se = np.hypot(boot_i[0][columns], boot_c[0][columns])
                spread = np.random.default_rng((seed + i, 2)).normal(diff, se, (draws, 2))
            else:
                spread = boot_i[:, columns] - boot_c[:, columns]
        out[label] = {"hours": float(diff[0]), "nursing_home_days": float(diff[1]), "draws": spread}
    return out


ADJUSTED = ("difference", "ci_low", "ci_high", "se")


def _compare_adjusted(part: pd.DataFrame, covariates: tuple[str, ...], draws: int, seed: int) -> dict:
    """Covariate-adjusted differences of every outcome (ANHECOVA with IPCW) with their bootstrap CIs and SEs."""
    row = {f"{name}_adjusted_{what}": np.nan for name in OUTCOMES for what in ADJUSTED} | {"adjusted_for": None}
    arm = part["intervention"].to_numpy() == 1
    time, complete = part["time"].to_numpy(), part["complete"].to_numpy()
    if not covariates or min(arm.sum(), (~arm).sum()) < 2 or not (complete[arm].any() and complete[~arm].any()):
        return row
    x, used = build_covariates(part, tuple(c for c in covariates if part[c].notna().all()))
    if not used:
        return row
    y = part[list(OUTCOMES)].to_numpy(dtype=float)
    people = [np.flatnonzero(arm), np.flatnonzero(~arm)]
    weights = np.zeros(len(part))
    for idx in people:
        weights[idx] = censoring_weights(time[idx], complete[idx])
    mean1, mean0, _ = adjusted_means(x, y, arm, weights)
    diff = mean1 - mean0
    if len(part) > BOOTSTRAP_MAX_PEOPLE:
        se = adjusted_normal_se(x, y, arm, weights)
        low, high = diff - 1.959963984540054 * se, diff + 1.959963984540054 * se
    else:
        rng = np.random.default_rng((seed, 1))  # a stream of its own: the unadjusted intervals stay as they were
        spread = np.empty((draws, len(OUTCOMES)))
        for start in range(0, draws, _CHUNK):
            k = min(_CHUNK, draws - start)
            counts, resampled = np.zeros((k, len(part))), np.zeros((k, len(part)))
            for idx in people:
                drawn = resample_counts(len(idx), k, rng)
                counts[:, idx] = drawn
                resampled[:, idx] = resample_weights(time[idx], complete[idx], drawn)
            spread[start : start + k] = adjusted_means_of_resamples(x, y, arm, counts, resampled)
        if np.isnan(
            spread
        ).any():  # a resample with no complete total in an arm: no interval rather than a truncated one
            low = high = se = np.full(len(OUTCOMES), np.nan)
        else:
            low, high = np.percentile(spread, [2.5, 97.5], axis=0)
            se = spread.std(axis=0, ddof=1)
    for k, name in enumerate(OUTCOMES):
        for what, value in zip(ADJUSTED, (diff[k], low[k], high[k], se[k]), strict=True):
            row[f"{name}_adjusted_{what}"] = float(value)
    row["adjusted_for"] = ",".join(used)
    return row


def compare_person_outcomes(
    con: db.Connection,
    selection: Selection,
    costs: UnitCosts,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = SEED,
    covariates: tuple[str, ...] = (),
) -> PersonOutcomes:
    """Compare outcomes per randomized person over the window, intervention minus control, per band and overall.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the window K in months (at least 1).
    costs : UnitCosts
        Cost of a home-care hour and of a nursing-home day.
    draws : int
        Bootstrap resamples of people (seeded, drawn within arm).
    seed : int
        Seed of the bootstrap.
    covariates : tuple of str
        Baseline covariates (from adjusted.COVARIATES) for the adjusted differences; none: not computed.

    Returns
    -------
    PersonOutcomes
        ``interaction``: per outcome ('cost', 'days_home') Welch's test that the band differences are equal
        (their bootstrap variances, on the kronor or days scale). ``groups``: per band and 'all', the keys
        of KEYS: per arm the number randomized and the mean per randomized person of cost (SEK), days
        alive at home, nursing-home days and hours; each difference with its 95% CI and SE (cost, days
        at home, nursing-home days, hours); deaths within the window; the Aalen–Johansen cumulative
        incidence of death before placement with its CI and the cause-specific hazard ratio of death
        (Cox); how many were censored before the window's end. With covariates, also
        ``{outcome}_adjusted_difference/_ci_low/_ci_high/_se`` (ANHECOVA with IPCW, adjusted.py) and
        ``adjusted_for`` (the covariates used in that group; NaN and None without covariates).

    """
    months = selection.required_month()
    if months < 1:
        raise InputError("Fönstret måste vara minst 1 månad.", "The window must be at least 1 month.")
    sizes = count_person_events(con, selection, by=()).groupby("age_band", dropna=False)["n"].sum()
    people = int(sizes.sum())
    if not covariates and people > BOOTSTRAP_MAX_PEOPLE:  # large: normal intervals from the cells
        return _compare_cells(con, selection, costs, count_outcome_cells(con, selection, costs), draws, seed)
    largest = int(sizes.max()) if len(sizes) else 0
    check_memory("person_outcomes", people, resampled_people=min(largest, BOOTSTRAP_MAX_PEOPLE))
    return _compare_people(con, selection, costs, draws, seed, covariates)


def _compare_people(con, selection: Selection, costs: UnitCosts, draws: int, seed: int, covariates) -> PersonOutcomes:
    """Compare the outcomes person by person (bootstrap intervals; the adjusted differences need the people)."""
    months = selection.required_month()
    people = load_person_outcomes(con, selection)
    people = people.assign(cost=people["hours"] * costs.hour + people["nursing_home_days"] * costs.day)
    rows = []
    for i, label in enumerate([b.label for b in selection.bands] + [ALL]):
        part = people if label == ALL else people[people["age_band"] == label]
        row = {"age_band": label} | _compare_group(part, draws, seed + i)
        row |= _compare_adjusted(part, tuple(covariates), draws, seed + i)
        rows.append(row | death_statistics(count_first_events(part), months))
    groups = pd.DataFrame(rows)
    return PersonOutcomes(months, costs, groups, _band_interaction(groups), tuple(covariates))


def _compare_cells(con, selection: Selection, costs: UnitCosts, cells: pd.DataFrame, draws: int, seed: int):
    """Compare the outcomes from counts and sums per cell; a band of at most BOOTSTRAP_MAX_PEOPLE person by person."""
    months = selection.required_month()
    events = count_first_event_cells(con, selection)
    nan_adjusted = {f"{name}_adjusted_{what}": np.nan for name in OUTCOMES for what in ADJUSTED}
    rows = []
    for i, label in enumerate([b.label for b in selection.bands] + [ALL]):
        mine = cells if label == ALL else cells[cells["age_band"] == label]
        if label != ALL and 0 < mine["n"].sum() <= BOOTSTRAP_MAX_PEOPLE:  # a small band keeps its bootstrap
            part = load_person_outcomes(con, selection, band=label)
            part = part.assign(cost=part["hours"] * costs.hour + part["nursing_home_days"] * costs.day)
            row = _compare_group(part, draws, seed + i)
        else:
            row = compare_group_cells(mine)
        counted = events if label == ALL else events[events["age_band"] == label]
        counted = counted.groupby(["arm", "intervention", "days_home", "first_event"], as_index=False)["n"].sum()
        row |= nan_adjusted | {"adjusted_for": None}
        rows.append({"age_band": label} | row | death_statistics(counted, months))
    groups = pd.DataFrame(rows)
    return PersonOutcomes(months, costs, groups, _band_interaction(groups), ())


def primary_figure(result: PersonOutcomes, plan: AnalysisPlan, label: str = ALL) -> dict:
    """Return the analysis plan's primary figure for one group: the outcome by the plan's estimator.

    Parameters
    ----------
    result : PersonOutcomes
        From compare_person_outcomes (with the plan's covariates when its estimator is 'anhecova').
    plan : AnalysisPlan
        The study's plan.
    label : str
        The group ('all' by default).

    Returns
    -------
    dict
        outcome, estimator, covariates (asked), adjusted_for (used), window_months, difference, ci_low,
        ci_high, se; the numbers are None when the result was not computed as the plan says.

    """
    row = result.groups.set_index("age_band").loc[label]
    adjusted = plan.estimator == "anhecova"
    prefix = f"{plan.primary_outcome}_adjusted" if adjusted else plan.primary_outcome
    as_planned = not adjusted or tuple(result.covariates) == tuple(plan.covariates)
    figure = {
        "outcome": plan.primary_outcome,
        "estimator": plan.estimator,
        "covariates": list(plan.covariates),
        "adjusted_for": (row.get("adjusted_for") or None) if adjusted and as_planned else None,
        "window_months": result.months,
    }
    for what in ("difference", "ci_low", "ci_high", "se"):
        figure[what] = json_value(row[f"{prefix}_{what}"]) if as_planned else None
    return figure


def _band_interaction(groups: pd.DataFrame) -> dict:
    """Test, per outcome, whether the difference is the same in every band (Welch–James on the band estimates)."""
    bands = groups[groups["age_band"] != ALL]
    dfs = (bands["n_intervention"] + bands["n_control"] - 2).clip(lower=1)  # large-sample df of each estimate
    return {
        name: assess_heterogeneity(bands[f"{name}_difference"], bands[f"{name}_se"] ** 2, dfs)
        for name in ("cost", "days_home")
    }
