"""Bounded computations: the repeated model's linear-cost fit, and a memory budget checked before a computation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from analysis.errors import InputError
from analysis.stats import repeated
from analysis.stats.budget import BYTES_PER_UNIT, MB, check_memory, estimate_bytes
from analysis.stats.repeated import fit_repeated_measures
from tests.test_methods import repeated_people

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def linear_path(monkeypatch):
    """Fit every repeated model by the sparse least-squares path, whatever its size."""
    monkeypatch.setattr(repeated, "GEE_MAX_ROWS", 0)


@pytest.mark.parametrize("adjust", [True, False])
def test_the_linear_cost_fit_equals_statsmodels_gee_with_independence(linear_path, adjust):
    data = repeated_people(8)
    if not adjust:
        data = data.assign(baseline_hours=5.0)  # constant: left out, as in the reference formula below
    out = fit_repeated_measures(data, [1, 3, 8]).set_index("month")
    assert set(out["working_correlation"]) == {"independence"}
    later = data[data.month_k >= 1].assign(month=lambda d: d.month_k)
    formula = "hours ~ C(month) * intervention" + (" + baseline_hours" if adjust else "")
    # statsmodels GEE, independence working correlation, robust (sandwich) covariance, no small-sample correction
    ref = smf.gee(formula, "person", later, cov_struct=sm.cov_struct.Independence()).fit()
    for month in (1, 3, 8):
        c = pd.Series(0.0, index=ref.params.index)
        c["intervention"] = 1.0
        if month > 1:
            c[f"C(month)[T.{month}]:intervention"] = 1.0
        est = float(c @ ref.params)
        se = float(np.sqrt(c @ ref.cov_params() @ c))
        assert out.loc[str(month), "difference"] == pytest.approx(est, rel=1e-9)
        half_width = out.loc[str(month), "ci_high"] - out.loc[str(month), "difference"]
        assert half_width == pytest.approx(1.959964 * se, rel=1e-6)


def test_the_linear_cost_fit_stays_right_when_its_working_model_is_wrong(linear_path):
    # Within-person correlation that is not independent (a person effect), skewed noise larger in one arm,
    # hours not linear in the baseline: the average effect (months 6..8) is still -6.
    estimates, covered = [], []
    for seed in range(40):
        out = fit_repeated_measures(repeated_people(300 + seed, n=160), []).set_index("month").loc["average"]
        estimates.append(out["difference"])
        covered.append(out["ci_low"] < -6.0 < out["ci_high"])
    assert abs(np.mean(estimates) + 6.0) < 3 * np.std(estimates) / np.sqrt(40)  # no bias beyond simulation error
    assert np.mean(covered) >= 0.85  # 40 trials: a true 95% stays above 0.85 with probability > 0.99


def test_the_large_path_is_chosen_by_size(monkeypatch):
    data = repeated_people(8)
    rows = int((data["month_k"] >= 1).sum())
    monkeypatch.setattr(repeated, "GEE_MAX_ROWS", rows)
    assert set(fit_repeated_measures(data, [3])["working_correlation"]) == {"exchangeable"}
    monkeypatch.setattr(repeated, "GEE_MAX_ROWS", rows - 1)
    assert set(fit_repeated_measures(data, [3])["working_correlation"]) == {"independence"}


@pytest.mark.parametrize(
    ("computation", "units", "sizes", "expected_mb"),
    [
        ("welch", 100_000, {}, 64 + 3_000 * 100_000 / MB),
        ("bootstrap", 5_000, {"bca_people": 5_000}, 64 + (3_000 * 5_000 + 24 * 5_000**2) / MB),
        ("mixed", 300_000, {}, 64 + 3_000 * 300_000 / MB),
        ("mixed", 300_001, {}, 64 + 1_400 * 300_001 / MB),  # the linear-cost fit takes over
    ],
)
def test_the_estimate_by_hand(computation, units, sizes, expected_mb):
    assert estimate_bytes(computation, units, **sizes) / MB == pytest.approx(expected_mb)


def test_a_computation_over_the_budget_is_refused_before_it_starts(monkeypatch):
    monkeypatch.setenv("IHR_MEMORY_BUDGET_MB", "100")
    assert check_memory("welch", 1_000) > 0
    with pytest.raises(InputError) as caught:
        check_memory("standardized", 1_000_000)
    assert "memory_budget_mb" in str(caught.value) and "100 MB" in str(caught.value)
    assert "5\u00a0787 MB" in caught.value.sv  # Swedish digit grouping


def test_every_unit_cost_is_named():
    assert set(BYTES_PER_UNIT) >= {"welch", "bootstrap", "ancova", "anhecova", "standardized", "two-part", "mixed"}


PEAK = """
import json, resource, sys
from analysis.economics.scenario import unit_costs
from analysis.outcomes.comparisons import run_comparison
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.outcomes.person_values import load_all_months, load_month_values
from analysis.selection import COVARIATES, Selection
from analysis.stats.budget import estimate_bytes
from analysis.stats.methods import BOOTSTRAP_BCA_MAX
from analysis.outcomes.per_person import BOOTSTRAP_MAX_PEOPLE
from analysis.store import db

path, method = sys.argv[1], sys.argv[2]
con = db.connect(path)
selection = Selection("demo", month=12)
if method == "person_outcomes":
    n = len(load_month_values(con, selection.at(0), "exclude"))
    estimate = estimate_bytes(method, n, resampled_people=min(n, BOOTSTRAP_MAX_PEOPLE))
elif method == "mixed":
    estimate = estimate_bytes(method, len(load_all_months(con, selection, "exclude")))
else:
    n = len(load_month_values(con, selection, "exclude"))
    estimate = estimate_bytes(method, n, bca_people=n if n <= BOOTSTRAP_BCA_MAX else 0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if method == "person_outcomes":
    compare_person_outcomes(con, selection, unit_costs(), covariates=COVARIATES)
else:
    run_comparison(con, selection, method, "zero")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"before": before, "peak": peak, "estimate": estimate}))
"""


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """A 100,000-person demo store."""
    from analysis.demo import DemoSpec, build_demo_store

    path = tmp_path_factory.mktemp("national") / "national.duckdb"
    build_demo_store(path, DemoSpec(n_people=100_000))
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "method", ["welch", "bootstrap", "ancova", "anhecova", "standardized", "two-part", "mixed", "person_outcomes"]
)
def test_every_method_at_100000_people_stays_within_its_estimate_and_the_budget(national, method):
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(national), method], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["peak"] < 2048 * MB  # the default budget (resource.getrusage: the process's peak)
    assert measured["peak"] - measured["before"] <= measured["estimate"]  # the estimate is an upper bound


def test_a_month_with_one_arm_only_cannot_be_estimated_on_the_linear_path_not_a_crash(linear_path):
    data = repeated_people(8)
    data = data[~((data["month_k"] == 3) & (data["intervention"] == 0))]  # month 3: nobody in control
    out = fit_repeated_measures(data, [2, 3]).set_index("month")
    assert out.loc["3", "cannot_estimate"] == "fit_failed" and np.isnan(out.loc["3", "difference"])
    assert out.loc["2", "cannot_estimate"] is None and np.isfinite(out.loc["2", "difference"])


def test_what_the_gee_fit_warns_reaches_the_row(monkeypatch):
    import warnings as w

    from analysis.stats import repeated as module

    def warned(data, adjust):
        w.warn("iteration limit reached", Warning, stacklevel=1)
        return module._fit_independence(data, adjust)

    warned.correlation = "independence"
    monkeypatch.setattr(module, "_fit_exchangeable", warned)
    out = fit_repeated_measures(repeated_people(8), [3])
    assert set(out["warning"]) == {"iteration limit reached"} and out["cannot_estimate"].isna().all()
