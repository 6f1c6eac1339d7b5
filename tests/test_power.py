"""Planning the next trial (issue 17): sample sizes against statsmodels and a simulation, inputs from the study."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.power import TTestIndPower

from analysis.errors import InputError
from analysis.outcomes.planning import _pooled_correlation, _pooled_sd, estimate_power_inputs
from analysis.selection import Selection
from analysis.stats.power import PowerInputs, compute_power, simulate_ancova_power, size_trial, solve_n
from analysis.store import db
from tests.conftest import run_cli


@pytest.mark.parametrize(("n", "effect", "alpha"), [(20, 0.5, 0.05), (64, 0.5, 0.05), (200, 0.2, 0.01), (5, 1.5, 0.1)])
def test_power_equals_statsmodels(n, effect, alpha):
    # statsmodels.stats.power.TTestIndPower().power(effect_size, nobs1, alpha, ratio=1) (two-sided)
    expected = TTestIndPower().power(effect_size=effect, nobs1=n, alpha=alpha, ratio=1.0)
    assert compute_power(n, effect, alpha) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("effect", "power"), [(0.5, 0.8), (0.5, 0.9), (0.2, 0.8), (0.8, 0.9)])
def test_sample_size_equals_statsmodels_rounded_up(effect, power):
    # TTestIndPower().solve_power(effect_size, alpha=0.05, power, ratio=1): 63.77 per arm for d = 0.5 at 80 %
    expected = math.ceil(TTestIndPower().solve_power(effect_size=effect, alpha=0.05, power=power, ratio=1.0))
    assert solve_n(effect, 0.05, power) == expected


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.8])
def test_ancova_power_agrees_with_a_seeded_simulation(rho):
    inputs = PowerInputs(difference=5.0, sd=12.0, baseline_correlation=rho)
    n = size_trial(inputs)["n_per_arm_ancova"]
    claimed = compute_power(n, 5.0 / (12.0 * math.sqrt(1 - rho**2)), 0.05, lost_df=1)
    simulated = simulate_ancova_power(n, inputs, trials=4000)
    assert abs(simulated - claimed) < 0.02, (n, claimed, simulated)
    assert claimed >= 0.8 > compute_power(n - 1, 5.0 / (12.0 * math.sqrt(1 - rho**2)), 0.05, lost_df=1)


def test_the_designs_shrink_and_attrition_inflates():
    plain = size_trial(PowerInputs(difference=0.03, sd=0.15))
    rich = size_trial(PowerInputs(difference=0.03, sd=0.15, baseline_correlation=0.7, visits=3,
                                  within_correlation=0.5, attrition=0.25))  # fmt: skip
    assert rich["n_per_arm_ancova"] < plain["n_per_arm_ancova"]
    assert rich["sd_repeated"] == pytest.approx(0.15 * math.sqrt((1 + 2 * 0.5) / 3))
    assert rich["randomize_per_arm_ttest"] == math.ceil(rich["n_per_arm_ttest"] / 0.75)


@pytest.mark.parametrize(
    ("field", "value"),
    [("difference", 0.0), ("sd", -1.0), ("alpha", 1.2), ("power", 0.01), ("attrition", 1.0), ("visits", 0)],
)
def test_impossible_inputs_are_refused_by_name(field, value):
    with pytest.raises(InputError, match=field):
        PowerInputs(**{"difference": 1.0, "sd": 1.0, field: value})


def test_pooled_sd_and_correlation_by_hand():
    frame = pd.DataFrame({"y": [1.0, 3.0, 5.0, 10.0, 14.0], "x": [0.0, 1.0, 3.0, 2.0, 6.0], "arm": [1, 1, 1, 0, 0]})
    # within arm 1: deviations -2, 0, 2 (SS 8); arm 0: -2, 2 (SS 8); pooled variance 16 / (5 - 2)
    assert _pooled_sd(frame["y"], frame["arm"]) == pytest.approx(math.sqrt(16 / 3))
    cy = np.array([-2, 0, 2, -2, 2.0])
    cx = np.array([-4 / 3, -1 / 3, 5 / 3, -2, 2.0])
    expected = np.corrcoef(cx, cy)[0, 1]
    assert _pooled_correlation(frame["x"], frame["y"], frame["arm"]) == pytest.approx(expected)


def test_inputs_from_the_study_count_attrition_among_those_randomized(small_demo_path):
    con = db.connect(small_demo_path)
    inputs, source = estimate_power_inputs(con, Selection("demo", month=12), "eq5d_index", 0.03, band="76-85")
    con.close()
    assert source["randomized"] > source["n_used"] > 0
    assert inputs.attrition == pytest.approx(1 - source["n_used"] / source["randomized"])
    assert 0.3 < inputs.baseline_correlation < 0.99 and inputs.visits == 3 and 0 < inputs.within_correlation < 1


def test_an_unknown_outcome_or_band_is_a_clear_error(small_demo_path):
    con = db.connect(small_demo_path)
    with pytest.raises(InputError, match="Unknown outcome 'x'"):
        estimate_power_inputs(con, Selection("demo", month=12), "x", 1.0)
    with pytest.raises(InputError, match="age band '70-80'"):
        estimate_power_inputs(con, Selection("demo", month=12), "hours", 1.0, band="70-80")
    con.close()


@pytest.mark.slow
def test_the_command_line_sizes_a_trial_in_the_76_85_band(small_demo_path):
    done = run_cli("power", "--db", str(small_demo_path), "--study", "demo", "--outcome", "hours",
                   "--difference", "5", "--band", "76-85", "--months", "24", "--power", "0.9", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["inputs"]["power"] == 0.9 and out["source"]["band"] == "76-85"
    assert out["designs"]["randomize_per_arm_ancova"] >= out["designs"]["n_per_arm_ancova"] > 0
