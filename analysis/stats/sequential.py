"""Group-sequential boundaries: alpha spending at the observed information fractions (Lan & DeMets 1983).

A trial looked at month by month must not read each look's plain 95% interval: under no effect the chance
that some look shows a "clear" difference grows with the looks. The error is spent over the information
fractions t₁ < … < t_K ≤ 1 by a spending function α(t) (O'Brien–Fleming type, the default, or Pocock type),
and the boundary c_k at look k is the z that spends α(t_k) − α(t_{k−1}) given no crossing before. The
probabilities are those of the multivariate normal of the sequential z statistics (corr(Z_i, Z_j) =
√(t_i / t_j)), integrated by the recursion of Armitage, McPherson & Rowe (1969) on a grid (Jennison &
Turnbull 2000, ch. 19), as rpact and gsDesign do; checked against rpact and by simulation in the tests.
Repeated confidence intervals (Jennison & Turnbull, ch. 9) keep the overall coverage at every look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

SPENDING = ("obf", "pocock")  # Lan–DeMets O'Brien–Fleming type; Pocock type
FUTILITY_BETA = 0.2  # the type II error futility spends (power 80 %, the power page's default)
GRID = 12  # grid points per standard deviation of the recursion (boundaries within 1e-6 of GRID = 48)


def spend_alpha(fraction, alpha: float, spending: str = "obf", sided: int = 2) -> np.ndarray:
    """Return the cumulative error spent by information fraction t (0 < t ≤ 1).

    Parameters
    ----------
    fraction : float or array
        Information fractions.
    alpha : float
        Overall error: two-sided when sided is 2 (split equally over the two tails), one-sided when 1.
    spending : str
        'obf': α(t) = 2 − 2Φ(z_{1−α/2} / √t) per the sides' total (Lan–DeMets O'Brien–Fleming type,
        rpact "asOF"); 'pocock': α(t) = α · log(1 + (e − 1) t) (rpact "asP").
    sided : int
        1 or 2.

    Returns
    -------
    ndarray
        α(t), the error spent in total over the sides.

    """
    t = np.clip(np.asarray(fraction, dtype=float), 0.0, 1.0)
    if spending == "obf":
        level = alpha / 2 if sided == 2 else alpha
        with np.errstate(divide="ignore"):
            one_side = 2.0 * stats.norm.sf(stats.norm.isf(level / 2.0) / np.sqrt(t))  # sf: no cancellation
        return np.where(t > 0, one_side * (2 if sided == 2 else 1), 0.0)
    if spending == "pocock":
        return alpha * np.log(1.0 + (np.e - 1.0) * t)
    raise ValueError(f"spend_alpha: unknown spending {spending!r}; expected one of {SPENDING}")


def _grid(sd: float, centre: float, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Return Simpson's rule points and weights on [low, high] (an odd number of points, at most GRID per sd)."""
    n = max(3, int(np.ceil((high - low) / sd * GRID)) | 1)
    points = np.linspace(low, high, n)
    weights = np.full(n, 2.0)
    weights[1::2] = 4.0
    weights[0] = weights[-1] = 1.0
    return points, weights * (points[1] - points[0]) / 3.0


@dataclass(frozen=True)
class _State:
    """The sub-density of the score S_k = Z_k √t_k on the continuation region after look k (grid and values)."""

    points: np.ndarray
    weights: np.ndarray
    density: np.ndarray
    fraction: float


def _exit_probability(state: _State | None, fraction: float, bound: float, sided: int) -> float:
    """Return P(no crossing before, Z at this look beyond ±bound) (beyond bound when one-sided)."""
    edge = bound * np.sqrt(fraction)  # on the score scale
    if state is None:
        upper = stats.norm.sf(bound)
        return float(upper * (2 if sided == 2 else 1))
    spread = np.sqrt(fraction - state.fraction)
    upper = stats.norm.sf((edge - state.points) / spread)
    total = upper if sided == 1 else upper + stats.norm.cdf((-edge - state.points) / spread)
    return float(np.sum(state.weights * state.density * total))


def _advance(state: _State | None, fraction: float, bound: float, sided: int) -> _State:
    """Return the score's sub-density on the continuation region at this look, by the recursion."""
    edge = bound * np.sqrt(fraction)
    low = -edge if sided == 2 else -8.0 * np.sqrt(fraction)  # one-sided: no lower bound (below 8 SD: nothing)
    points, weights = _grid(np.sqrt(fraction - (state.fraction if state else 0.0)), 0.0, low, edge)
    if state is None:
        density = stats.norm.pdf(points / np.sqrt(fraction)) / np.sqrt(fraction)
    else:
        spread = np.sqrt(fraction - state.fraction)
        gap = (points[:, None] - state.points[None, :]) / spread
        kernel = np.exp(-0.5 * gap * gap) / (np.sqrt(2.0 * np.pi) * spread)  # the normal density, without overhead
        density = kernel @ (state.weights * state.density)
    return _State(points, weights, density, fraction)


def find_boundaries(fractions, alpha: float = 0.05, spending: str = "obf", sided: int = 2) -> dict:
    """Return the efficacy boundaries (z) at the given information fractions for an alpha-spending design.

    Parameters
    ----------
    fractions : sequence of float
        Information fractions of the looks so far, increasing, in (0, 1] (the last may be below 1: an
        interim look; looks above 1 are cut to 1).
    alpha : float
        Overall error (two-sided with sided 2, as rpact's alpha with sided = 2).
    spending : str
        'obf' or 'pocock' (spend_alpha).
    sided : int
        1 (reject for large z only) or 2 (|z|).

    Returns
    -------
    dict
        fractions, boundaries (z per look), nominal_alpha (the error a look alone would have at its
        boundary, over the sides), spent (α(t) cumulative) and exit (the error spent at each look).

    """
    t = np.minimum(np.asarray(fractions, dtype=float), 1.0)
    if len(t) == 0 or t[0] <= 0 or np.any(np.diff(t) <= 0):
        raise ValueError("find_boundaries: fractions must increase strictly and be above 0")
    if sided not in (1, 2) or not 0 < alpha < 1:
        raise ValueError("find_boundaries: sided must be 1 or 2 and alpha in (0, 1)")
    spent = spend_alpha(t, alpha, spending, sided)
    state, bounds, exits = None, [], []
    for k, fraction in enumerate(t):
        target = spent[k] - (spent[k - 1] if k else 0.0)
        if target <= 1e-15:  # nothing to spend yet: no crossing possible
            bound = np.inf
        else:
            bound = optimize.brentq(
                lambda c, s=state, f=fraction, g=target: _exit_probability(s, f, c, sided) - g, 0.0, 40.0, xtol=1e-10
            )
        bounds.append(bound)
        exits.append(target)
        state = _advance(state, fraction, min(bound, 12.0), sided)
    bounds = np.array(bounds)
    nominal = stats.norm.sf(bounds) * (2 if sided == 2 else 1)
    return {"fractions": t, "boundaries": bounds, "nominal_alpha": nominal, "spent": spent, "exit": np.array(exits)}


def repeated_interval(estimate: float, se: float, boundary: float) -> tuple[float, float]:
    """Return the repeated confidence interval at a look: estimate ± c_k · SE (Jennison & Turnbull 2000, ch. 9)."""
    return estimate - boundary * se, estimate + boundary * se


def _step(state: _State | None, fraction: float, low: float, high: float, drift: float) -> _State:
    """Return the score's sub-density on (low, high) (z scale) at this look under the drift θ, by the recursion."""
    root = np.sqrt(fraction)
    previous = state.fraction if state else 0.0
    spread = np.sqrt(fraction - previous)
    points, weights = _grid(spread, 0.0, low * root, high * root)
    if state is None:
        density = stats.norm.pdf((points - drift * fraction) / root) / root
    else:
        gap = (points[:, None] - state.points[None, :] - drift * (fraction - previous)) / spread
        density = (np.exp(-0.5 * gap * gap) / (np.sqrt(2.0 * np.pi) * spread)) @ (state.weights * state.density)
    return _State(points, weights, density, fraction)


def _below(state: _State | None, fraction: float, bound: float, drift: float) -> float:
    """Return P(no stop before, Z at this look below bound) under the drift θ."""
    edge = bound * np.sqrt(fraction)
    if state is None:
        return float(stats.norm.cdf(bound - drift * np.sqrt(fraction)))
    spread = np.sqrt(fraction - state.fraction)
    below = stats.norm.cdf((edge - state.points - drift * (fraction - state.fraction)) / spread)
    return float(np.sum(state.weights * state.density * below))


def find_futility(fractions, efficacy, beta: float = 0.2, spending: str = "obf", drift: float | None = None,
                  alpha: float = 0.05) -> dict:  # fmt: skip
    """Return non-binding futility boundaries (z, in the direction of benefit) by beta spending.

    At look k the trial stops for futility when Z_k < b_k, where b_k spends β(t_k) − β(t_{k−1}) of the type II
    error under the alternative (the drift θ: E Z_k = θ √t_k) given no stop before, with the continuation
    region (b_j, c_j) of the earlier looks (rpact's typeBetaSpending, bindingFutility = FALSE: the efficacy
    boundaries c_j are computed without the futility ones, so stopping for futility or not never inflates
    alpha). The final look has no futility boundary: it is one test.

    Parameters
    ----------
    fractions : sequence of float
        Information fractions of the looks, as for find_boundaries.
    efficacy : sequence of float
        Upper efficacy boundaries at those looks (inf: none yet).
    beta : float
        Type II error at the planned size (0.2: power 80 %).
    spending : str
        'obf' (β(t) = 2 − 2Φ(z_{1−β/2}/√t), rpact "bsOF") or 'pocock' (rpact "bsP").
    drift : float, optional
        θ; default z_{1−α/2} + z_{1−β}: the alternative a fixed design of the planned size has power 1 − β
        against (two-sided alpha).
    alpha : float
        Two-sided alpha of the default drift.

    Returns
    -------
    dict
        fractions, boundaries (z per look; NaN at the final look, −inf while nothing is spent), spent
        (β(t) cumulative), drift.

    """
    t = np.minimum(np.asarray(fractions, dtype=float), 1.0)
    upper = np.minimum(np.asarray(efficacy, dtype=float), 12.0)
    if drift is None:
        drift = float(stats.norm.isf(alpha / 2) + stats.norm.isf(beta))
    spent = spend_alpha(t, beta, spending, 1)
    state, bounds = None, []
    for k, fraction in enumerate(t):
        if fraction >= 1.0:
            bounds.append(np.nan)  # the final look is one test: its efficacy boundary decides
            break
        target = spent[k] - (spent[k - 1] if k else 0.0)
        lowest = drift * np.sqrt(fraction) - 12.0
        if target <= 1e-15:
            bound = -np.inf
        else:
            bound = optimize.brentq(
                lambda b, s=state, f=fraction, g=target: _below(s, f, b, drift) - g, lowest, upper[k], xtol=1e-10
            )
        bounds.append(bound)
        state = _step(state, fraction, max(bound, lowest), upper[k], drift)
    return {"fractions": t, "boundaries": np.array(bounds), "spent": spent, "drift": drift}
