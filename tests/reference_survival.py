"""Per-person time-to-event code as it was before the estimators moved to counts: the reference in the tests.

These are the Fine–Gray risk sets and censoring distribution computed person by person (one row each),
kept unchanged so that tests can hold the estimators on grouped counts to them.
"""

from __future__ import annotations

import numpy as np

from analysis.stats.survival import _fit_fine_gray_beta


def censoring_survival_before(time: np.ndarray, event: np.ndarray) -> callable:
    """Return G(t−): the Kaplan–Meier probability of remaining uncensored just before t."""
    times, inverse = np.unique(time, return_inverse=True)
    censored = np.bincount(inverse, weights=(event == 0).astype(float), minlength=len(times))
    removed = np.bincount(inverse, minlength=len(times)).astype(float)
    at_risk = removed[::-1].cumsum()[::-1]
    g = np.cumprod(1.0 - censored / at_risk)

    def before(t: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(times, t, side="left") - 1  # last jump strictly before t
        return np.where(idx >= 0, g[np.clip(idx, 0, None)], 1.0)

    return before


def _fine_gray_terms(time: np.ndarray, event: np.ndarray, group: np.ndarray, cause: int):
    """Return, per distinct time of the cause, weighted risk sets per group and events per group.

    The Fine–Gray risk set at t holds everyone still event-free (time >= t) with weight 1 and
    everyone who had a competing event before t with weight G(t−)/G(T_i−), G being the censoring
    distribution (inverse probability of censoring weighting, Fine & Gray 1999).
    """
    g_before = censoring_survival_before(time, event)
    event_times = np.unique(time[event == cause])
    g_t = g_before(event_times)
    risk = np.zeros((len(event_times), 2))
    deaths = np.zeros((len(event_times), 2))
    for k in (0, 1):
        in_group = group == k
        t_k = np.sort(time[in_group])
        risk[:, k] = len(t_k) - np.searchsorted(t_k, event_times, side="left")
        competing = in_group & (event != 0) & (event != cause)
        t_c = time[competing]
        order = np.argsort(t_c)
        t_c = t_c[order]
        inv_g = np.concatenate([[0.0], np.cumsum(1.0 / g_before(t_c))])
        idx = np.searchsorted(t_c, event_times, side="left")  # number of competing events strictly before t
        risk[:, k] += g_t * inv_g[idx]
        cause_k = np.sort(time[in_group & (event == cause)])
        deaths[:, k] = np.searchsorted(cause_k, event_times, side="right") - np.searchsorted(
            cause_k, event_times, side="left"
        )
    return risk, deaths


def fit_fine_gray_beta(time, event, group, cause: int = 1) -> tuple[float, float]:
    """Return the Fine–Gray log sHR and information from the per-person risk sets (the product's Newton steps)."""
    terms = _fine_gray_terms(np.asarray(time, float), np.asarray(event, int), np.asarray(group, int), cause)
    return _fit_fine_gray_beta(*terms)
