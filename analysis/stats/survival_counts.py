"""The Cox model of two groups from counts per (group, time, event): a few thousand rows whatever the number of people.

With one binary covariate the Efron partial likelihood, its score and information, and the
Grambsch–Therneau test of proportional hazards need, at each distinct event time, only the people at
risk and the events in each group. ``fit_cox_counts`` computes them from rows that each stand for
``counts`` people; tests/test_survival_counts.py holds it equal to lifelines on the people one by one.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from analysis.stats.survival import Z95

MAX_STEPS = 60
PRECISION = 1e-12  # the step in log hazard ratio at which Newton–Raphson stops (lifelines' fit uses 1e-12 here too)
NOT_CONVERGED = "Newton–Raphson did not converge: the hazard ratio may run off to 0 or infinity"
UNBOUNDED = "The interval of the hazard ratio is unbounded: too few events in one arm (near separation)"


def _risk_table(time, event, group, counts) -> dict[str, np.ndarray]:
    """Return per distinct event time: at risk and events in group 0 and 1."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    group = np.asarray(group, dtype=int)
    counts = np.ones(len(time)) if counts is None else np.asarray(counts, dtype=float)
    if len(counts) != len(time) or (counts < 0).any():
        raise ValueError("counts must be one non-negative number of people per row")
    if not np.isin(group, (0, 1)).all():
        raise ValueError("group must be 0 or 1")
    times, inverse = np.unique(time, return_inverse=True)
    table = {}
    for k in (0, 1):
        mine = counts * (group == k)
        removed = np.bincount(inverse, weights=mine, minlength=len(times))
        table[f"r{k}"] = removed[::-1].cumsum()[::-1]
        table[f"d{k}"] = np.bincount(inverse, weights=mine * event, minlength=len(times))
    has_event = (table["d0"] + table["d1"]) > 0
    return {key: value[has_event] for key, value in table.items()} | {"time": times[has_event]}


def _efron_terms(table: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Expand each event time into its d tied events: (time index, l/d) for Efron's correction."""
    d = table["d0"] + table["d1"]
    whole = np.rint(d).astype(int)
    if np.abs(d - whole).max(initial=0.0) > 1e-9:
        raise ValueError("counts of events must be whole numbers of people for Efron's ties")
    at = np.repeat(np.arange(len(d)), whole)
    starts = np.concatenate([[0], np.cumsum(whole)[:-1]])
    share = (np.arange(len(at)) - starts[at]) / d[at]
    return at, share


def _expected_share(beta: float, table: dict, at: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Return, per tied event, the Efron-weighted probability that it falls in group 1."""
    e = np.exp(beta)
    r0, r1, d0, d1 = (table[k][at] for k in ("r0", "r1", "d0", "d1"))
    return e * (r1 - share * d1) / (r0 + e * r1 - share * (d0 + e * d1))


def fit_cox_counts(time, event, group, counts=None) -> dict:
    """Fit the Cox model of group 1 vs group 0 (Efron ties) from rows of counted people.

    Parameters
    ----------
    time : array-like
        Time to the event or censoring.
    event : array-like of bool
        Whether the row's people had the event (others, competing events too, are censored at time).
    group : array-like of 0/1
        1 for the intervention arm.
    counts : array-like, optional
        People behind each row; one each when omitted.

    Returns
    -------
    dict
        coef, se, hazard_ratio, ci_low, ci_high, p_value (Wald), ph_p_value (Grambsch–Therneau on
        event times ranked 1..D, ties sharing their mean rank, as lifelines' scaled-Schoenfeld test),
        warning (why the fit may not be trusted, else None). NaN when a group has no events.

    """
    nan = float("nan")
    table = _risk_table(time, event, group, counts)
    out = dict(coef=nan, se=nan, hazard_ratio=nan, ci_low=nan, ci_high=nan, p_value=nan, ph_p_value=nan)
    out["warning"] = None
    events_1 = table["d1"].sum()
    if events_1 == 0 or table["d0"].sum() == 0:
        return out
    at, share = _efron_terms(table)
    beta, converged = 0.0, False
    for _ in range(MAX_STEPS):
        p = _expected_share(beta, table, at, share)
        info = np.sum(p * (1 - p))
        if not info > 0:
            break
        step = (events_1 - p.sum()) / info
        step = float(np.clip(step, -2.0, 2.0))  # halving-free damping: a step of e² in the ratio at most
        beta += step
        if abs(step) < PRECISION:
            converged = True
            break
    p = _expected_share(beta, table, at, share)
    info = float(np.sum(p * (1 - p)))
    if not info > 0 or not np.isfinite(beta):
        return out | {"warning": NOT_CONVERGED}
    se = 1.0 / np.sqrt(info)
    with np.errstate(over="ignore"):  # an interval beyond e^709 is unbounded: said in the warning below
        low, high = float(np.exp(beta - Z95 * se)), float(np.exp(beta + Z95 * se))
    out |= {
        "coef": beta,
        "se": se,
        "hazard_ratio": float(np.exp(beta)),
        "ci_low": low,
        "ci_high": high,
        "p_value": float(2 * stats.norm.sf(abs(beta / se))),
        "ph_p_value": _test_proportional_hazards(table, at, p, se),
        "warning": NOT_CONVERGED if not converged else (None if np.isfinite(high) and low > 0 else UNBOUNDED),
    }
    return out


def _test_proportional_hazards(table: dict, at: np.ndarray, p: np.ndarray, se: float) -> float:
    """Return the Grambsch–Therneau p-value on mean-ranked event times (lifelines' approximation, one covariate)."""
    d = table["d0"] + table["d1"]
    total = d.sum()
    # Sum of Schoenfeld residuals x - E[x] at each event time: d1 - Σ over its tied events of p.
    residual = table["d1"] - np.bincount(at, weights=p, minlength=len(d))
    rank = np.cumsum(d) - (d - 1) / 2  # the mean of the ranks the time's d events take
    centred = rank - (total + 1) / 2
    spread = np.sum(d * centred**2)
    if not spread > 0:
        return float("nan")
    statistic = total * se**2 * np.sum(centred * residual) ** 2 / spread
    return float(stats.chi2.sf(statistic, 1))
