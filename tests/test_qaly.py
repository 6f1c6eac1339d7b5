"""QALYs by area under the curve and cost-effectiveness (issue 17): hand computations and the joint bootstrap."""

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.economics.qaly import compare_cost_effectiveness, describe_icer, summarize_acceptability
from analysis.economics.qaly_rows import DAYS_PER_MONTH, DAYS_PER_YEAR
from analysis.economics.scenario import unit_costs
from analysis.errors import InputError
from analysis.selection import Selection
from analysis.store import db
from tests.conftest import run_cli
from tests.reference_qaly import compute_qalys

YEAR = 12 * DAYS_PER_MONTH  # the 12-month window in days


def test_qalys_equal_a_hand_computation_with_a_death_and_a_missed_visit():
    people = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d", "e"],
            "time": [YEAR, YEAR, 100.0, YEAR, YEAR],  # c died on day 100
        }
    )
    utilities = pd.DataFrame(
        [
            ("a", 0, 0.5), ("a", 6, 0.7),  # then the 12-month visit was missed: 0.7 holds, never 0
            ("b", 0, 0.8), ("b", 3, 0.6), ("b", 12, 0.9),  # month 6 missed: interpolated 0.6 → 0.9
            ("c", 0, 0.4), ("c", 6, 0.9),  # the 6-month value after death is never reached
            ("e", 3, 0.6),  # no baseline: 0.6 from the start
        ],
        columns=["person_id", "visit_month", "value"],
    )  # fmt: skip
    out = compute_qalys(people, utilities, 12).set_index("person_id")
    half = 6 * DAYS_PER_MONTH
    quarter = 3 * DAYS_PER_MONTH
    expected = {
        "a": ((0.5 + 0.7) / 2 * half + 0.7 * half) / DAYS_PER_YEAR,
        "b": ((0.8 + 0.6) / 2 * quarter + (0.6 + 0.9) / 2 * (YEAR - quarter)) / DAYS_PER_YEAR,
        "c": (0.4 + (0.4 + 0.5 * 100 / half)) / 2 * 100 / DAYS_PER_YEAR,  # the line towards 0.9, cut at death
        "e": 0.6 * YEAR / DAYS_PER_YEAR,
    }
    for pid, value in expected.items():
        assert out.loc[pid, "qaly"] == pytest.approx(value, rel=1e-12), pid
    assert np.isnan(out.loc["d", "qaly"])  # never measured: not a zero
    assert out.loc["a", "baseline_utility"] == 0.5 and np.isnan(out.loc["e", "baseline_utility"])


@pytest.mark.parametrize(
    ("cost", "qalys", "icer", "quadrant"),
    [
        (-1000.0, 0.1, None, "dominant"),
        (1000.0, -0.1, None, "dominated"),
        (50_000.0, 0.1, 500_000.0, "more_costly_more_effective"),
        (-50_000.0, -0.1, 500_000.0, "cheaper_less_effective"),
    ],
)
def test_the_icer_is_given_only_where_it_means_something(cost, qalys, icer, quadrant):
    out = describe_icer(cost, qalys)
    assert out["quadrant"] == quadrant
    assert out["icer"] == (None if icer is None else pytest.approx(icer))


def test_acceptability_at_zero_is_the_probability_of_saving_money():
    rng = np.random.default_rng(3)
    draws = np.column_stack([rng.normal(-1000, 3000, 500), rng.normal(0.01, 0.02, 500)])
    out = summarize_acceptability(draws, {"cost_difference": -1000.0, "qaly_difference": 0.01})
    assert out["p_cost_effective"]["0"] == np.mean(draws[:, 0] < 0)
    assert out["nmb"]["500000"] == pytest.approx(500_000 * 0.01 + 1000)
    curve = [out["p_cost_effective"][k] for k in out["p_cost_effective"]]
    assert len(curve) == 21 and all(0 <= p <= 1 for p in curve)


@pytest.fixture(scope="module")
def demo_result(small_demo_path):
    con = db.connect(small_demo_path)
    try:
        return compare_cost_effectiveness(con, Selection("demo", month=12), unit_costs(), 30_000.0, draws=300)
    finally:
        con.close()


def test_the_demo_curve_at_zero_equals_the_share_of_draws_that_save_money(demo_result):
    for band, draws in demo_result.draws.items():
        row = demo_result.groups.set_index("age_band").loc[band]
        assert row["p_cost_effective"]["0"] == np.mean(draws[:, 0] < 0), band


def demo_people(path, months: int = 12) -> pd.DataFrame:
    """Return the demo's people over the window with their care cost (KPB 2015) and QALYs."""
    from analysis.economics.qaly import utility_instrument
    from analysis.outcomes.per_person import load_person_outcomes

    con = db.connect(path)
    people = load_person_outcomes(con, Selection("demo", month=months))
    utilities = db.query(con, "SELECT person_id, visit_month, value FROM measurements WHERE study = 'demo' "
                              "AND instrument = ?", [utility_instrument(con, "demo")])  # fmt: skip
    con.close()
    people = people.assign(cost=people["hours"] * 461 + people["nursing_home_days"] * 1809)
    return people.merge(compute_qalys(people, utilities, months), on="person_id")


def test_the_baseline_adjusted_qaly_difference_equals_statsmodels_weighted_least_squares(small_demo_path):
    # Manca et al. 2005: qaly ~ arm + baseline utility, people weighted by inverse probability of censoring
    # (Kaplan–Meier within arm, as the costs are); statsmodels WLS on the same rows is the reference.
    from analysis.stats.survival import censoring_weights

    con = db.connect(small_demo_path)
    result = compare_cost_effectiveness(con, Selection("demo", month=12), unit_costs(), 0.0, draws=50)
    con.close()
    people = demo_people(small_demo_path)
    weights = pd.Series(0.0, index=people.index)
    for flag in (0, 1):
        arm = people["intervention"] == flag
        weights[arm] = censoring_weights(people.loc[arm, "time"], people.loc[arm, "complete"])
    assert (weights[people["complete"]] > 1).any()  # censoring happens: the weights matter
    kept = people[people["qaly"].notna()]
    baseline = kept["baseline_utility"].fillna(kept["baseline_utility"].mean())
    design = sm.add_constant(pd.DataFrame({"arm": kept["intervention"], "baseline": baseline}))
    wls = sm.WLS(kept["qaly"], design, weights=weights[kept.index]).fit()
    overall = result.groups.set_index("age_band").loc["all"]
    assert overall["qaly_difference"] == pytest.approx(wls.params["arm"], rel=1e-9)


def test_a_study_without_utilities_is_a_clear_error(tmp_path):
    from analysis.intake.importer import import_study
    from tests.test_import import write_pair

    p, h = write_pair(tmp_path)
    import_study(tmp_path / "s.duckdb", "s", p, h)
    con = db.connect(tmp_path / "s.duckdb")
    with pytest.raises(InputError, match="has no utilities"):
        compare_cost_effectiveness(con, Selection("s", month=6), unit_costs(), 0.0)
    con.close()


@pytest.mark.slow
def test_the_command_line_prints_the_promised_keys(small_demo_path):
    done = run_cli("qaly", "--db", str(small_demo_path), "--study", "demo", "--months", "12", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    keys = ["age_band", "qaly_intervention", "qaly_control", "qaly_difference", "qaly_ci_low", "qaly_ci_high",
            "cost_difference", "icer", "nmb", "p_cost_effective"]  # fmt: skip
    assert list(out["groups"][0])[: len(keys)] == keys and out["groups"][-1]["age_band"] == "all"
    assert set(out["groups"][-1]["p_cost_effective"]) == {str(w) for w in range(0, 1_000_001, 50_000)}
    assert out["assumptions"]["intervention_cost_is_assumption"] is True


@pytest.mark.slow
def test_the_adjusted_qaly_difference_stays_right_when_its_model_is_wrong():
    # FDA 2023: QALYs depend on baseline utility through a curve and a threshold, the effect is additive
    # (0.05), noise is skewed and a fifth of people end follow-up early (weighted out); 200 trials of 240.
    from analysis.economics.qaly import _group

    rng = np.random.default_rng(20171123)
    estimates, covered = [], 0
    for trial in range(200):
        n = 240
        arm = rng.permutation(np.arange(n) % 2)
        baseline = rng.beta(4, 2, n)
        qaly = 0.8 * baseline**2 + 0.2 * (baseline > 0.6) + 0.05 * arm + rng.gamma(2, 0.05, n)
        complete = rng.random(n) > 0.2
        part = pd.DataFrame(
            {
                "intervention": arm,
                "time": np.where(complete, 365.25, rng.uniform(30, 360, n)),
                "complete": complete,
                "cost": rng.gamma(2, 5000, n),
                "qaly": qaly,
                "baseline_utility": baseline,
            }
        )
        row, _ = _group(part, 300, trial, 0.0)
        estimates.append(row["qaly_difference"])
        covered += row["qaly_ci_low"] <= 0.05 <= row["qaly_ci_high"]
    assert abs(np.mean(estimates) - 0.05) < 3 * np.std(estimates) / np.sqrt(200)
    assert 0.9 <= covered / 200 <= 0.99


def test_large_groups_draw_from_the_influence_functions_as_wide_as_the_bootstrap(small_demo_path):
    # Above 10,000 people a group's draws are normal (influence functions, weights taken as known), as the
    # per-person outcomes do; on the demo both ways give the same spread and correlation.
    from analysis.economics.qaly import _group

    people = demo_people(small_demo_path)
    boot_row, boot = _group(people, 2000, 1, 0.0)
    normal_row, normal = _group(people, 20000, 1, 0.0, max_people=0)
    assert (boot_row["interval_method"], normal_row["interval_method"]) == ("bootstrap", "normal")
    assert normal_row["qaly_difference"] == boot_row["qaly_difference"]  # the same point estimate
    ratio = normal.std(axis=0) / boot.std(axis=0)
    assert np.all((ratio > 0.85) & (ratio < 1.15)), ratio
    assert abs(np.corrcoef(normal.T)[0, 1] - np.corrcoef(boot.T)[0, 1]) < 0.1


@pytest.mark.parametrize("baselines", [0, 1, 2])
def test_a_qaly_group_with_almost_no_baseline_utility_is_estimated_not_a_crash(baselines):
    # Issue 28 item 4: on a 184-person study "Singular matrix" took the page down. With no one, one or two people
    # measured at baseline (the rest imputed with their mean, so most resamples hold a constant baseline), the
    # group is fitted without the baseline where it does not vary, and the rest of the page stays.
    from analysis.economics.qaly import _group

    rng = np.random.default_rng(28)
    n = 40
    part = pd.DataFrame(
        {
            "intervention": np.repeat([1, 0], n // 2),
            "qaly": rng.uniform(0.5, 1.5, n),
            "baseline_utility": [0.7 - 0.1 * i if i < baselines else np.nan for i in range(n)],
            "time": np.full(n, 730.0),
            "complete": np.ones(n, dtype=bool),
            "cost": rng.gamma(2, 50_000, n),
        }
    )
    row, draws = _group(part, 200, 1, 0.0)
    assert np.isfinite(row["qaly_difference"]) and np.isfinite(row["qaly_ci_low"]) and len(draws) > 100
    plain = part["qaly"][part["intervention"] == 1].mean() - part["qaly"][part["intervention"] == 0].mean()
    if baselines == 0:  # nothing to adjust for: the difference of the arms' means
        assert row["qaly_difference"] == pytest.approx(plain)


def test_a_qaly_group_where_an_arm_has_no_utilities_says_why():
    from analysis.economics.qaly import _group

    part = pd.DataFrame(
        {
            "intervention": [1, 1, 1, 0, 0, 0],
            "qaly": [1.0, 1.1, 0.9, 1.0, 1.2, np.nan],
            "baseline_utility": [0.7, 0.6, 0.8, 0.7, 0.7, np.nan],
            "time": np.full(6, 730.0),
            "complete": np.ones(6, dtype=bool),
            "cost": np.full(6, 1000.0),
        }
    )
    part.loc[part["intervention"] == 0, "qaly"] = [1.0, np.nan, np.nan]  # one with utilities: too few
    row, draws = _group(part, 50, 1, 0.0)
    assert np.isnan(row["qaly_difference"]) and len(draws) == 0


def _qalys_person_by_person(people, utilities, months):
    """The loop compute_qalys used before it was vectorised: the reference (np.interp and np.trapezoid)."""
    end_of_window = months * DAYS_PER_MONTH
    qalys, baselines = [], []
    for pid, time in zip(people["person_id"], people["time"], strict=True):
        mine = utilities[utilities["person_id"] == pid].sort_values("visit_month")
        if mine.empty:
            qalys.append(np.nan)
            baselines.append(np.nan)
            continue
        days, values = mine["visit_month"].to_numpy(float) * DAYS_PER_MONTH, mine["value"].to_numpy(float)
        baselines.append(values[0] if days[0] == 0 else np.nan)
        end = min(time, end_of_window)
        grid = np.unique(np.concatenate([[0.0, end], days[(days > 0) & (days < end)]]))
        qalys.append(float(np.trapezoid(np.interp(grid, days, values), grid)) / DAYS_PER_YEAR)
    return np.array(qalys), np.array(baselines)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_qalys_equal_the_person_by_person_loop(seed):
    rng = np.random.default_rng(seed)
    n = 300
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(n)],
                           "time": rng.choice([0.0, 10.0, 200.0, 400.0, 800.0], n)})  # fmt: skip
    rows = []
    for i in range(n + 20):  # 20 measured people outside the selection are ignored
        visits = sorted(rng.choice([0, 3, 6, 12, 24, 30], rng.integers(0, 5), replace=False))
        rows += [(f"p{i}", int(v), float(rng.uniform(-0.2, 1.0))) for v in visits]
    utilities = pd.DataFrame(rows, columns=["person_id", "visit_month", "value"])
    ours = compute_qalys(people, utilities, 12)
    qalys, baselines = _qalys_person_by_person(people, utilities, 12)
    assert np.allclose(ours["qaly"], qalys, atol=1e-12, rtol=0, equal_nan=True)
    assert np.array_equal(np.isnan(ours["qaly"]), np.isnan(qalys))
    assert np.allclose(ours["baseline_utility"], baselines, atol=0, rtol=0, equal_nan=True)


def _write_hand_store(path):
    """Write the hand computation's five people and their utilities as study 'm' (c dies on day 100)."""
    from tests.conftest import fill_tiny, frame, hours_frame, person

    people = frame([person(p, arm="intervention" if p in "ace" else "control") for p in "abde"]
                   + [person("c", died="2016-04-24")])  # fmt: skip
    utilities = pd.DataFrame(
        [("a", 0, 0.5), ("a", 6, 0.7), ("b", 0, 0.8), ("b", 3, 0.6), ("b", 12, 0.9), ("c", 0, 0.4), ("c", 6, 0.9),
         ("e", 3, 0.6)],
        columns=["person_id", "visit_month", "value"],
    )  # fmt: skip

    def fill(con):
        fill_tiny(con, people, hours_frame([("a", "2016-02", 1.0)]), study="m")
        con.register("uu", utilities)
        con.execute("INSERT INTO measurements SELECT 'm', person_id, visit_month, NULL, 'eq5d_index', value FROM uu")

    db.write_study(path, "m", fill)


def test_qalys_in_duckdb_equal_the_hand_computation(tmp_path):
    from analysis.economics.qaly_rows import load_qaly_people

    _write_hand_store(tmp_path / "h.duckdb")
    con = db.connect(tmp_path / "h.duckdb")
    out = load_qaly_people(con, Selection("m", month=12), "eq5d_index", unit_costs())
    con.close()
    half, quarter = 6 * DAYS_PER_MONTH, 3 * DAYS_PER_MONTH
    expected = [  # people in the order of their identifiers: a, b, c, d, e
        ((0.5 + 0.7) / 2 * half + 0.7 * half) / DAYS_PER_YEAR,
        ((0.8 + 0.6) / 2 * quarter + (0.6 + 0.9) / 2 * (YEAR - quarter)) / DAYS_PER_YEAR,
        (0.4 + (0.4 + 0.5 * 100 / half)) / 2 * 100 / DAYS_PER_YEAR,
        np.nan,
        0.6 * YEAR / DAYS_PER_YEAR,
    ]
    assert np.allclose(out["qaly"], expected, rtol=1e-12, atol=0, equal_nan=True)
    assert np.allclose(out["baseline_utility"], [0.5, 0.8, 0.4, np.nan, np.nan], rtol=0, atol=0, equal_nan=True)
    assert "person_id" not in out.columns  # no identifier leaves DuckDB for the QALYs


@pytest.mark.parametrize("months", [1, 5, 12, 24, 30])
def test_qalys_in_duckdb_equal_the_numpy_reference_on_the_demo(small_demo_path, months):
    from analysis.economics.qaly_rows import load_qaly_people

    con = db.connect(small_demo_path)
    ours = load_qaly_people(con, Selection("demo", month=months), "eq5d_index", unit_costs())
    con.close()
    theirs = demo_people(small_demo_path, months)
    costs = unit_costs()
    assert len(ours) == len(theirs) and ours["qaly"].notna().sum() > 300
    assert np.allclose(ours["qaly"], theirs["qaly"], rtol=1e-12, atol=1e-15, equal_nan=True)
    assert np.array_equal(ours["baseline_utility"].isna(), theirs["baseline_utility"].isna())
    assert np.allclose(ours["baseline_utility"], theirs["baseline_utility"], rtol=0, atol=0, equal_nan=True)
    cost = theirs["hours"] * costs.hour + theirs["nursing_home_days"] * costs.day
    assert np.allclose(ours["cost"], cost, rtol=1e-12)
    assert (ours["intervention"].to_numpy() == theirs["intervention"].to_numpy()).all()
    assert (ours["time"].to_numpy() == theirs["time"].to_numpy()).all()
