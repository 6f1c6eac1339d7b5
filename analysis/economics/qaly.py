"""Quality-adjusted life years and cost-effectiveness per randomized person over a window of K months.

Estimand (ICH E9(R1), treatment policy): everyone randomized in the selection with at least one utility
measurement (EQ-5D index, or another instrument marked ``utility`` in the catalogue), whatever happened
after randomization. QALYs are the area under the utility curve from randomization to the window's end
(Manca, Hawkins & Sculpher 2005):

- a visit counts at its planned month (month × 30.4375 days); between two measured visits the utility
  is interpolated linearly; before the first measurement the first value holds, after the last the
  last value holds (a missed visit is bridged, never counted as zero);
- utility is 0 from the day of death: a person who dies adds nothing after death;
- people whose follow-up ends early, alive, are weighted out by inverse probability of censoring, as
  the per-person costs are (Bang & Tsiatis 2000);
- the difference in QALYs is adjusted for baseline utility by weighted least squares (Manca et al.
  2005); a missing baseline is replaced by the mean baseline (White & Thompson 2005: valid in a trial);
- not discounted: the window is at most a few years (TLV discounts 3 % a year; state it when K > 12).

Incremental cost is the difference in municipal care cost per randomized person (per_person.py) plus
the intervention's own cost per participant. Costs and QALYs are bootstrapped jointly (people resampled
within arm, seeded, weights re-estimated in each resample): the cost-effectiveness plane, net monetary
benefit and the acceptability curve over willingness to pay come from the same draws, so the curve at a
willingness to pay of zero is the probability that the intervention saves money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.economics.qaly_rows import load_qaly_people
from analysis.errors import InputError
from analysis.instruments import load_instruments
from analysis.outcomes.per_person import (
    BOOTSTRAP_DRAWS,
    BOOTSTRAP_MAX_PEOPLE,
    SEED,
    UnitCosts,
    resample_counts,
    resample_weights,
)
from analysis.selection import ALL, Selection
from analysis.stats.survival import censoring_weights
from analysis.store import db

WTP_GRID = tuple(range(0, 1_000_001, 50_000))  # SEK per QALY
TLV_RANGE = (500_000, 1_000_000)  # accepted in TLV practice: ~0.5 MSEK moderate, up to 1 MSEK very high severity
_CHUNK = 250


@dataclass(frozen=True)
class CostEffectiveness:
    """QALYs and cost-effectiveness per band and overall, with the joint bootstrap draws behind them."""

    months: int
    instrument: str
    intervention_cost: float
    groups: pd.DataFrame  # one row per band and 'all'
    draws: dict[str, np.ndarray]  # band → (draws × 2) incremental cost and QALYs


def utility_instrument(con: db.Connection, study: str) -> str:
    """Return the study's utility instrument (catalogue ``utility``) with measurements; raise when it has none."""
    utilities = [name for name, i in load_instruments().items() if i.utility]
    if db.has_table(con, "measurements"):
        for name in utilities:
            found = con.execute(
                "SELECT count(*) FROM measurements WHERE study = ? AND instrument = ?", [study, name]
            ).fetchone()[0]
            if found:
                return name
    raise InputError(
        f"Studien {study} har inga nyttovikter ({', '.join(utilities)}); importera en mätfil med EQ-5D-index.",
        f"The study {study} has no utilities ({', '.join(utilities)}); import a measurements file with EQ-5D index.",
    )


def _fit(weights: np.ndarray, treated: np.ndarray, baseline: np.ndarray, qaly: np.ndarray) -> np.ndarray:
    """Return the arm coefficient of weighted least squares qaly ~ 1 + arm + baseline for each row of weights.

    A resample whose baseline utility does not vary (one person measured at baseline, the rest imputed)
    is fitted without it; one where an arm has no weight cannot be fitted and gives NaN (never an error).
    """
    x = np.column_stack([np.ones_like(qaly), treated, baseline])
    outer = np.einsum("ni,nj->nij", x, x).reshape(len(qaly), 9)
    gram = (weights @ outer).reshape(-1, 3, 3)
    cross = weights @ (x * qaly[:, None])
    out = np.full(len(gram), np.nan)
    for size in (3, 2):  # with the baseline, then without it for the resamples it made singular
        todo = np.isnan(out)
        if not todo.any():
            break
        part, rhs = gram[todo][:, :size, :size], cross[todo][:, :size, None]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            ok = np.linalg.cond(part) < 1e10
        if ok.any():
            fitted = np.full(int(todo.sum()), np.nan)
            fitted[ok] = np.linalg.solve(part[ok], rhs[ok])[:, 1, 0]
            out[np.flatnonzero(todo)] = fitted
    return out


def _estimate(arms: list[pd.DataFrame], counts: list[np.ndarray], baseline: np.ndarray, intervention_cost: float):
    """Return per resample (rows of counts) the cost difference, adjusted QALY difference and arm QALY means."""
    cost_means, qaly_means, weights = [], [], []
    for arm, count in zip(arms, counts, strict=True):
        w = resample_weights(arm["time"].to_numpy(), arm["complete"].to_numpy(), count)
        cost_means.append(w @ arm["cost"].to_numpy() / len(arm))
        has = arm["qaly"].notna().to_numpy()
        w_q = w * has  # people without any utility take no part in the QALY fit
        qaly_means.append((w_q @ arm["qaly"].fillna(0).to_numpy()) / np.maximum(w_q.sum(axis=1), 1e-12))
        weights.append(w_q)
    both = pd.concat(arms)
    has = both["qaly"].notna().to_numpy()
    fitted = _fit(np.hstack(weights)[:, has], both["intervention"].to_numpy(float)[has], baseline[has],
                  both["qaly"].to_numpy(float)[has])  # fmt: skip
    return cost_means[0] - cost_means[1] + intervention_cost, fitted, qaly_means


def _normal_draws(arms, baseline, d_cost, d_qaly, draws, rng) -> np.ndarray:
    """Return (draws × 2) normal draws of cost and QALY differences from their influence functions.

    For groups above BOOTSTRAP_MAX_PEOPLE (the central limit theorem holds there): weights taken as known;
    cost: per-arm means of w·c; QALYs: the sandwich of the weighted least squares; their covariance from
    the same people's influence on both.
    """
    both = pd.concat(arms)
    weights = np.concatenate([censoring_weights(a["time"], a["complete"]) for a in arms])
    treated = both["intervention"].to_numpy(float)
    has = both["qaly"].notna().to_numpy()
    influence_cost = np.zeros(len(both))
    start = 0
    for sign, arm in zip((1.0, -1.0), arms, strict=True):
        part = slice(start, start + len(arm))
        wc = weights[part] * arm["cost"].to_numpy()
        influence_cost[part] = sign * (wc - wc.mean()) / len(arm)
        start += len(arm)
    x = np.column_stack([np.ones(has.sum()), treated[has], baseline[has]])
    w, q = weights[has], both["qaly"].to_numpy(float)[has]
    bread = np.linalg.pinv((x * w[:, None]).T @ x)  # a constant baseline: its share of the intercept is moot
    beta = bread @ ((x * w[:, None]).T @ q)
    influence_qaly = np.zeros(len(both))
    influence_qaly[has] = (x * (w * (q - x @ beta))[:, None]) @ bread[1]
    stacked = np.vstack([influence_cost, influence_qaly])
    return rng.multivariate_normal([d_cost, d_qaly], stacked @ stacked.T, size=draws)


def _group(
    part: pd.DataFrame, draws: int, seed: int, intervention_cost: float, max_people: int = BOOTSTRAP_MAX_PEOPLE
) -> tuple[dict, np.ndarray]:
    """Return one group's point estimates and its (draws × 2) incremental cost and QALY draws.

    Resamples are drawn and fitted _CHUNK at a time, so memory stays bounded; above ``max_people`` the draws
    are normal, from the influence functions (``_normal_draws``), as the per-person outcomes do.
    """
    rng = np.random.default_rng(seed)
    arms = [part[part["intervention"] == flag] for flag in (1, 0)]
    row = {"n_intervention": len(arms[0]), "n_control": len(arms[1])}
    row |= {"n_utility_intervention": int(arms[0]["qaly"].notna().sum()),
            "n_utility_control": int(arms[1]["qaly"].notna().sum())}  # fmt: skip
    if min(len(a) for a in arms) < 2 or min(a["qaly"].notna().sum() for a in arms) < 2:
        return row | {"qaly_difference": np.nan}, np.full((0, 2), np.nan)
    both = pd.concat(arms)
    baseline = both["baseline_utility"].to_numpy(dtype=float)
    known = baseline[both["qaly"].notna().to_numpy() & np.isfinite(baseline)]
    baseline = np.where(np.isnan(baseline), known.mean() if len(known) else 0.0, baseline)  # none: a constant
    d_cost, fitted, qaly_means = _estimate(arms, [np.ones((1, len(a))) for a in arms], baseline, intervention_cost)
    if len(part) > max_people:
        draws_out = _normal_draws(arms, baseline, float(d_cost[0]), float(fitted[0]), draws, rng)
        row["interval_method"] = "normal"
    else:
        chunks = []
        for start in range(0, draws, _CHUNK):
            k = min(_CHUNK, draws - start)
            counts = [resample_counts(len(a), k, rng) for a in arms]
            cost_k, fitted_k, _ = _estimate(arms, counts, baseline, intervention_cost)
            chunks.append(np.column_stack([cost_k, fitted_k]))
        draws_out = np.vstack(chunks)
        row["interval_method"] = "bootstrap"
    if not np.isfinite(fitted[0]):
        reason = "the QALY model cannot be fitted: an arm has no one with utilities to compare"
        return row | {"qaly_difference": np.nan, "model_warning": reason}, np.full((0, 2), np.nan)
    usable = np.isfinite(draws_out).all(axis=1)  # resamples that could not be fitted are left out, and said
    row["resamples_left_out"] = int((~usable).sum())
    if usable.mean() < 0.95:
        row["model_warning"] = f"{int((~usable).sum())} of {len(usable)} resamples could not be fitted and are left out"
    draws_out = draws_out[usable]
    if len(draws_out) < 2:
        reason = "the QALY interval cannot be estimated: almost no resample could be fitted"
        return row | {"qaly_difference": np.nan, "model_warning": reason}, np.full((0, 2), np.nan)
    low, high = np.percentile(draws_out, [2.5, 97.5], axis=0)
    row |= {
        "qaly_intervention": float(qaly_means[0][0]),
        "qaly_control": float(qaly_means[1][0]),
        "qaly_difference": float(fitted[0]),
        "qaly_ci_low": float(low[1]),
        "qaly_ci_high": float(high[1]),
        "cost_difference": float(d_cost[0]),
        "cost_ci_low": float(low[0]),
        "cost_ci_high": float(high[0]),
    }
    return row | describe_icer(row["cost_difference"], row["qaly_difference"]), draws_out


def describe_icer(cost: float, qalys: float) -> dict:
    """Return the ICER (SEK per QALY) when it means something, and the quadrant of the plane.

    Parameters
    ----------
    cost, qalys : float
        Incremental cost and QALYs, intervention minus control.

    Returns
    -------
    dict
        icer (None unless more QALYs at a higher cost, or fewer QALYs at a lower cost) and quadrant:
        'dominant' (more QALYs, lower cost), 'dominated', 'more_costly_more_effective',
        'cheaper_less_effective'.

    """
    if qalys > 0 and cost <= 0:
        return {"icer": None, "quadrant": "dominant"}
    if qalys <= 0 and cost >= 0:
        return {"icer": None, "quadrant": "dominated"}
    quadrant = "more_costly_more_effective" if qalys > 0 else "cheaper_less_effective"
    return {"icer": cost / qalys, "quadrant": quadrant}


def summarize_acceptability(draws: np.ndarray, point: dict, grid=WTP_GRID) -> dict:
    """Return net monetary benefit and the probability of cost-effectiveness over willingness to pay.

    Parameters
    ----------
    draws : ndarray
        (draws × 2) incremental cost and QALYs.
    point : dict
        The group's cost_difference and qaly_difference.
    grid : sequence of int
        Willingness to pay, SEK per QALY.

    Returns
    -------
    dict
        nmb, nmb_ci_low, nmb_ci_high, p_cost_effective: each a dict willingness to pay (str) → value.
        At 0 the probability is the share of draws in which the intervention saves money.

    """
    out = {"nmb": {}, "nmb_ci_low": {}, "nmb_ci_high": {}, "p_cost_effective": {}}
    for wtp in grid:
        key = str(wtp)
        out["nmb"][key] = wtp * point.get("qaly_difference", np.nan) - point.get("cost_difference", np.nan)
        if len(draws) == 0:
            out["nmb_ci_low"][key] = out["nmb_ci_high"][key] = out["p_cost_effective"][key] = np.nan
            continue
        benefit = wtp * draws[:, 1] - draws[:, 0]
        out["nmb_ci_low"][key], out["nmb_ci_high"][key] = (float(v) for v in np.percentile(benefit, [2.5, 97.5]))
        out["p_cost_effective"][key] = float(np.mean(benefit > 0))
    return out


def compare_cost_effectiveness(
    con: db.Connection,
    selection: Selection,
    costs: UnitCosts,
    intervention_cost: float,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = SEED,
) -> CostEffectiveness:
    """Compare QALYs and costs per randomized person over the window, per band and overall.

    Parameters
    ----------
    con : Connection
        An open store with the study's utilities (see ``utility_instrument``).
    selection : Selection
        Study, filters and bands; month: the window K in months.
    costs : UnitCosts
        Cost of a home-care hour and a nursing-home day.
    intervention_cost : float
        The intervention's own cost per participant (SEK), added to the incremental cost.
    draws : int
        Joint bootstrap resamples (seeded, within arm).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    CostEffectiveness
        ``groups``: age_band, n_ and n_utility_ per arm, qaly_intervention/_control (weighted means),
        qaly_difference (adjusted for baseline utility) with qaly_ci_low/_high, cost_difference with
        cost_ci_low/_high (care cost + intervention cost), icer, quadrant, nmb/nmb_ci_low/nmb_ci_high and
        p_cost_effective (dicts over WTP_GRID).

    Raises
    ------
    InputError
        When the window is shorter than a month, the intervention cost is negative or the study has no
        utilities.

    """
    months = selection.required_month()
    if months < 1:
        raise InputError("Fönstret måste vara minst 1 månad.", "The window must be at least 1 month.")
    if not np.isfinite(intervention_cost) or intervention_cost < 0:
        raise InputError(
            f"Insatsens kostnad per deltagare måste vara ≥ 0; fick {intervention_cost!r}.",
            f"The intervention's cost per participant must be ≥ 0; got {intervention_cost!r}.",
        )
    instrument = utility_instrument(con, selection.study)
    people = load_qaly_people(con, selection, instrument, costs)
    rows, all_draws = [], {}
    for i, label in enumerate([b.label for b in selection.bands] + [ALL]):
        part = people if label == ALL else people[people["age_band"] == label]
        row, found = _group(part, draws, seed + i, intervention_cost)
        row = {"age_band": label} | row
        rows.append(row | summarize_acceptability(found, row))
        all_draws[label] = found
    return CostEffectiveness(months, instrument, intervention_cost, pd.DataFrame(rows), all_draws)
