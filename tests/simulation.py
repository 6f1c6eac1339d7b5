"""Simulated trials whose working models are wrong on purpose, for checking estimators (tests and bench).

Hours of one person at one follow-up month, with four departures from the models the estimators
fit: the intervention lowers hours additively (not by a factor), many zeros (zero inflation), a
baseline that strongly predicts hours through a nonlinear curve, and exits (death, placement) that
depend on need and leave zero hours (the treatment-policy value of a randomized person).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EFFECT = -13.0  # hours a month, additive, before truncation at zero


def simulate_people(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (observed people, the same people under both arms) for n randomized people."""
    baseline = rng.gamma(2.0, 12.0, n)
    age = rng.integers(65, 96, n)
    sex = np.where(rng.random(n) < 0.6, "F", "M")
    app = np.where(rng.random(n) < 0.4, "extended", "new")
    need = 6 + 1.4 * baseline - 0.004 * baseline**2 + 0.25 * (age - 65) + 4 * (app == "extended")
    noise = rng.gamma(2.0, 4.0, n) - 8.0
    helped = rng.random(n) < np.clip(0.35 + 0.012 * baseline, 0, 0.95)  # zero inflation, baseline-dependent
    exit_risk = np.clip(0.04 + 0.004 * need, 0, 0.6)  # exits depend on need
    exits = rng.random(n)

    def outcome(arm: int) -> np.ndarray:
        hours = np.maximum(0.0, need + EFFECT * arm + noise) * helped
        left = exits < exit_risk * (0.7 if arm else 1.0)  # the intervention also prevents some exits
        return np.where(left, 0.0, hours)

    y1, y0 = outcome(1), outcome(0)
    arm = (rng.random(n) < 0.5).astype(int)
    observed = pd.DataFrame(
        {
            "intervention": arm,
            "hours": np.where(arm == 1, y1, y0),
            "baseline_hours": baseline,
            "age": age,
            "sex": sex,
            "application_type": app,
        }
    )
    return observed, pd.DataFrame({"y1": y1, "y0": y0})


def true_difference(rng: np.random.Generator, n: int = 400_000) -> float:
    """Return the population difference in mean hours (intervention minus control) by Monte Carlo."""
    _, both = simulate_people(n, rng)
    return float(both["y1"].mean() - both["y0"].mean())


def check_estimator(estimator, replicates: int, n: int, seed: int) -> dict:
    """Return mean estimate, bias, coverage of the 95% CI and SD over replicates of a misspecified trial."""
    truth = true_difference(np.random.default_rng(seed + 1))
    rng = np.random.default_rng(seed)
    estimates, covered = [], []
    for _ in range(replicates):
        values, _ = simulate_people(n, rng)
        out = estimator(values)
        estimates.append(out["difference"])
        covered.append(out["ci_low"] <= truth <= out["ci_high"])
    estimates = np.array(estimates)
    return {
        "truth": truth,
        "mean": float(estimates.mean()),
        "bias": float(estimates.mean() - truth),
        "coverage": float(np.mean(covered)),
        "sd": float(estimates.std(ddof=1)),
    }
