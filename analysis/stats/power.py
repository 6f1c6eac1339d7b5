"""Sample size for the next trial: two arms of equal size, a difference in means, t-test, ANCOVA or repeated visits.

Power of a two-sided two-sample t-test comes from the noncentral t distribution (scipy); ANCOVA on a
baseline measure with correlation ρ shrinks the outcome SD to SD·√(1 − ρ²) and costs one degree of
freedom (Borm, Fransen & Lemmens 2007); the mean of m visits with within-person correlation r (compound
symmetry) has SD·√((1 + (m − 1)r) / m) (Frison & Pocock 1992). The people needed are inflated by
1 / (1 − attrition) for those who will have no outcome (death, placement, dropout, missed visit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.errors import InputError

MAX_PER_ARM = 10_000_000


@dataclass(frozen=True)
class PowerInputs:
    """What a sample size rests on: the difference to detect, the SD, the test's levels and the design's gains."""

    difference: float
    sd: float
    alpha: float = 0.05
    power: float = 0.8
    baseline_correlation: float = 0.0  # correlation of the outcome with its baseline (ANCOVA)
    visits: int = 1  # visits after baseline whose mean is the outcome (repeated measures)
    within_correlation: float = 0.0  # correlation between two visits of one person
    attrition: float = 0.0  # share of those randomized who will have no outcome

    def __post_init__(self) -> None:
        """Reject values that make no sample size, naming the value and what is expected."""
        checks = [
            ("difference", self.difference != 0 and math.isfinite(self.difference), "≠ 0"),
            ("sd", self.sd > 0 and math.isfinite(self.sd), "> 0"),
            ("alpha", 0 < self.alpha < 1, "0–1"),
            ("power", self.alpha < self.power < 1, "between alpha and 1"),
            ("baseline_correlation", -1 < self.baseline_correlation < 1, "−1 to 1"),
            ("visits", self.visits >= 1, "≥ 1"),
            ("within_correlation", 0 <= self.within_correlation < 1, "0 to 1"),
            ("attrition", 0 <= self.attrition < 1, "0 to 1 (a share)"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InputError(
                    f"{name} = {getattr(self, name)!r} går inte; förväntat {expected}.",
                    f"{name} = {getattr(self, name)!r} is not possible; expected {expected}.",
                )


def compute_power(n_per_arm: int, effect_size: float, alpha: float, lost_df: int = 0) -> float:
    """Return the power of a two-sided two-sample t-test with n per arm (df = 2n − 2 − lost_df).

    Parameters
    ----------
    n_per_arm : int
        People per arm with the outcome.
    effect_size : float
        Difference divided by the (residual) SD.
    alpha : float
        Two-sided significance level.
    lost_df : int
        Degrees of freedom spent on covariates (1 for ANCOVA on baseline).

    Returns
    -------
    float

    """
    df = 2 * n_per_arm - 2 - lost_df
    if df < 1:
        return float("nan")
    ncp = abs(effect_size) * math.sqrt(n_per_arm / 2)
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, ncp) + stats.nct.cdf(-critical, df, ncp))


def solve_n(effect_size: float, alpha: float, power: float, lost_df: int = 0) -> int:
    """Return the smallest n per arm whose power reaches the target (bisection over whole people)."""
    low, high = 2 + lost_df, 4
    while compute_power(high, effect_size, alpha, lost_df) < power:
        low, high = high, high * 2
        if high > MAX_PER_ARM:
            raise InputError(
                "Skillnaden är för liten för att upptäckas med en rimlig studie (över 10 miljoner per arm).",
                "The difference is too small to detect with any feasible trial (over 10 million per arm).",
            )
    while high - low > 1:
        middle = (low + high) // 2
        if compute_power(middle, effect_size, alpha, lost_df) >= power:
            high = middle
        else:
            low = middle
    return high


def size_trial(inputs: PowerInputs) -> dict:
    """Return the people needed per arm for the three designs, with the outcome and randomized counts.

    Parameters
    ----------
    inputs : PowerInputs
        Difference, SD, α, power, correlations, visits and attrition.

    Returns
    -------
    dict
        effect_size; per design ('ttest', 'ancova', 'repeated'): n_per_arm_<design> (people with the outcome),
        randomize_per_arm_<design> (inflated for attrition) and sd_<design> (the SD the test sees).

    """
    out = {"effect_size": inputs.difference / inputs.sd}
    repeated_factor = (1 + (inputs.visits - 1) * inputs.within_correlation) / inputs.visits
    designs = {
        "ttest": (inputs.sd, 0),
        "ancova": (inputs.sd * math.sqrt(1 - inputs.baseline_correlation**2), 1),
        "repeated": (inputs.sd * math.sqrt(repeated_factor), 0),
    }
    for name, (sd, lost) in designs.items():
        n = solve_n(inputs.difference / sd, inputs.alpha, inputs.power, lost)
        out[f"sd_{name}"] = sd
        out[f"n_per_arm_{name}"] = n
        out[f"randomize_per_arm_{name}"] = math.ceil(n / (1 - inputs.attrition))
    return out


def simulate_ancova_power(n_per_arm: int, inputs: PowerInputs, trials: int = 4000, seed: int = 20150831) -> float:
    """Return the share of simulated trials in which ANCOVA on baseline rejects (normal outcome and baseline).

    Parameters
    ----------
    n_per_arm : int
        People per arm.
    inputs : PowerInputs
        Difference, SD, α and the baseline correlation.
    trials : int
        Simulated trials (seeded).
    seed : int
        Seed.

    Returns
    -------
    float

    """
    rng = np.random.default_rng(seed)
    rho = inputs.baseline_correlation
    n = 2 * n_per_arm
    arm = np.repeat([1.0, 0.0], n_per_arm)
    baseline = rng.normal(0, inputs.sd, (trials, n))
    noise = rng.normal(0, inputs.sd * math.sqrt(1 - rho**2), (trials, n))
    outcome = rho * baseline + noise + inputs.difference * arm
    x = np.stack([np.ones((trials, n)), np.broadcast_to(arm, (trials, n)), baseline], axis=2)
    gram = np.einsum("tni,tnj->tij", x, x)
    coef = np.linalg.solve(gram, np.einsum("tni,tn->ti", x, outcome)[..., None])[..., 0]
    residual = outcome - np.einsum("tni,ti->tn", x, coef)
    sigma2 = (residual**2).sum(axis=1) / (n - 3)
    se = np.sqrt(sigma2 * np.linalg.inv(gram)[:, 1, 1])
    critical = stats.t.ppf(1 - inputs.alpha / 2, n - 3)
    return float(np.mean(np.abs(coef[:, 1] / se) > critical))
