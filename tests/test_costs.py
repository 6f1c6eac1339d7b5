import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_SPEC
from reference import month_values

from analysis.demo import generate_demo_trial, study_data_end
from analysis.economics.costs import (
    _active_years,
    check_published_claims,
    draw_effects,
    effect_intervals,
    eskilstuna_preset,
    estimate_effects,
    load_effect_data,
    project_costs,
    simulate_net,
    summarize_uncertainty,
    tornado,
    total_net,
    with_effects,
)
from analysis.economics.scenario import LAYOUT, Scenario, read_scenario
from analysis.errors import InputError
from analysis.store import db

ROOT = Path(__file__).resolve().parent.parent
ZERO = {"65-75": 0.0, "76-85": 0.0, "86-95": 0.0}


def small(**changes):
    base = Scenario(
        home_care_hour=500.0,
        nursing_home_day=2000.0,
        price_index=1.2,
        intervention_per_participant=10_000.0,
        applicants_per_year={"65-75": 100.0, "76-85": 0.0, "86-95": 0.0},
        uptake=0.5,
        hours_per_month={**ZERO, "65-75": -10.0},
        nursing_home_days_per_year={**ZERO, "65-75": -5.0},
        duration_years=1.5,
        years=3,
        discount_rate=0.10,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("duration", "years", "expected"),
    [(1.5, 3, [1, 1.5, 1.5]), (2, 3, [1, 2, 2]), (0.5, 2, [0.5, 0.5]), (5, 2, [1, 2])],
)
def test_cohort_carry_over(duration, years, expected):
    np.testing.assert_allclose(_active_years(small(duration_years=duration, years=years)), expected)


def test_arithmetic_by_hand():
    s = small()
    years = project_costs(s).years
    # 50 participants a year. Per participant-year: 10 h × 12 × 500 × 1.2 = 72,000 SEK home care,
    # 5 days × 2000 × 1.2 = 12,000 SEK nursing home. Cost 50 × 10,000 = 500,000 a year.
    active = np.array([1.0, 1.5, 1.5])
    disc = np.array([1.0, 1 / 1.1, 1 / 1.1**2])
    np.testing.assert_allclose(years["participants"], 50)
    np.testing.assert_allclose(years["intervention_cost"], 500_000 * disc)
    np.testing.assert_allclose(years["home_care_savings"], 50 * 72_000 * active * disc)
    np.testing.assert_allclose(years["nursing_home_savings"], 50 * 12_000 * active * disc)
    np.testing.assert_allclose(years["net"], (50 * 84_000 * active - 500_000) * disc)
    np.testing.assert_allclose(years["cumulative_net"], np.cumsum((50 * 84_000 * active - 500_000) * disc))


def test_team_year_cost():
    s = small(
        intervention_per_participant=None, intervention_per_team_year=1_000_000.0, participants_per_team_year=25.0
    )
    assert s.cost_per_participant() == 40_000
    assert project_costs(s).years["intervention_cost"].iloc[0] == 50 * 40_000


def test_payback_month_by_hand():
    # Cost 500,000 at the start; savings 4.2 M a year = 350,000 a month: cumulative ≥ 0 at the end of month 2.
    assert project_costs(small()).payback_month == 2
    never = small(hours_per_month=ZERO, nursing_home_days_per_year=ZERO)
    assert project_costs(never).payback_month is None
    # One cohort alone: cost 500,000, savings 350,000/month -> month 2 too.
    assert project_costs(small()).cohort_payback_month == 2


def test_price_index_scales_savings_only():
    a, b = project_costs(small(price_index=1.0)).years, project_costs(small(price_index=2.0)).years
    np.testing.assert_allclose(b["home_care_savings"], 2 * a["home_care_savings"])
    np.testing.assert_allclose(b["intervention_cost"], a["intervention_cost"])


def test_psa_is_seeded_and_centred_on_the_deterministic_result():
    s = small()
    a, b = simulate_net(s, None, 10_000, seed=3), simulate_net(s, None, 10_000, seed=3)
    np.testing.assert_array_equal(a, b)
    nets = a.sum(axis=1)
    mc_error = nets.std(ddof=1) / np.sqrt(len(nets))
    assert abs(nets.mean() - total_net(s)) < 4 * mc_error  # symmetric triangular draws: unbiased
    out = summarize_uncertainty(a)
    assert out["net_interval"][0] < total_net(s) < out["net_interval"][1]
    assert out["probability_saves_money"] == 1.0


def test_psa_with_study_effects_matches_deterministic(small_demo_path):
    con = db.connect(small_demo_path)
    data = load_effect_data(con, "demo", 24)
    con.close()
    s = with_effects(Scenario(), estimate_effects(data))
    draws = draw_effects(data, 4000, seed=1)
    nets = simulate_net(s, draws, 4000).sum(axis=1)
    mc_error = nets.std(ddof=1) / np.sqrt(len(nets))
    assert abs(nets.mean() - total_net(s)) < 4 * mc_error + 0.01 * abs(total_net(s))  # bootstrap bias is small


def test_study_effects_match_pandas(small_demo_path):
    con = db.connect(small_demo_path)
    ours = estimate_effects(load_effect_data(con, "demo", 24)).set_index("age_band")
    con.close()
    participants, hours = generate_demo_trial(SMALL_SPEC)
    per_month = []
    for k in range(1, 25):
        v = month_values(participants, hours, study_data_end(SMALL_SPEC), k)
        per_month.append(v[["person_id", "arm", "age", "hours"]])
    long = pd.concat(per_month)
    person = long.groupby(["person_id", "arm", "age"])["hours"].mean().reset_index()
    person["band"] = pd.cut(person["age"], [64, 75, 85, 95], labels=["65-75", "76-85", "86-95"]).astype(str)
    means = person.groupby(["band", "arm"])["hours"].mean()
    for band in ("65-75", "76-85", "86-95"):
        expected = means[(band, "intervention")] - means[(band, "control")]
        assert ours.loc[band, "hours_per_month"] == pytest.approx(expected, rel=1e-9)


def test_tornado_sorted_and_centred():
    s = small()
    table = tornado(s)
    assert table.attrs["base"] == pytest.approx(total_net(s))
    assert (np.diff(table["range"]) <= 1e-9).all()
    assert {"home_care_hour", "intervention_per_participant", "hours_per_month 65-75"} <= set(table["input"])
    for _, row in table.iterrows():
        assert (
            min(row["net_low"], row["net_high"])
            <= table.attrs["base"] + 1e-6
            <= max(row["net_low"], row["net_high"]) + 2e-6
        )


def test_tornado_uses_effect_intervals(small_demo_path):
    con = db.connect(small_demo_path)
    data = load_effect_data(con, "demo", 24)
    con.close()
    intervals = effect_intervals(draw_effects(data, 500))
    s = with_effects(Scenario(), estimate_effects(data))
    row = tornado(s, intervals).set_index("input").loc["hours_per_month 65-75"]
    assert row["low_value"] == intervals.set_index("age_band").loc["65-75", "hours_per_month_low"]


def test_example_scenario_file_is_the_issue_example():
    assert read_scenario(ROOT / "data" / "scenarios" / "example.toml") == Scenario()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[costs]\nhome_care_hours = 5\n", "home_care_hours"),
        ("[money]\nx = 1\n", "[money]"),
        ("[horizon]\nyears = 0\n", "years"),
        ("[horizon]\ndiscount_rate = 'low'\n", "discount_rate"),
        ("[population]\nuptake = 1.5\n", "uptake"),
        ('[population]\napplicants_per_year = { "65-75" = 1 }\n', "applicants_per_year"),
        ('[effects]\nsource = "guess"\n', "source"),
        ("[costs]\nintervention_per_team_year = 5\n", "participants_per_team_year"),
        ("not toml [", "TOML"),
    ],
)
def test_bad_scenario_files_say_what_is_wrong(tmp_path, text, fragment):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_scenario(path)
    assert fragment in err.value.en and "s.toml" in err.value.en


def test_every_scenario_key_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section, keys in LAYOUT.items():
        assert f"[{section}]" in readme
        for key in keys:
            assert f"`{key}`" in readme, key


def test_eskilstuna_preset_reproduces_the_claims_and_says_when_not():
    scenario, assumptions = eskilstuna_preset()
    assert len(assumptions) >= 4
    claims = {c["claim"]: c for c in check_published_claims(scenario)}
    assert claims["payback_one_year"]["reproduced"] and claims["80_msek_a_year"]["reproduced"]
    costly = replace(scenario, intervention_per_team_year=60e6)
    claims = {c["claim"]: c for c in check_published_claims(costly)}
    assert not claims["payback_one_year"]["reproduced"]
    few = replace(scenario, applicants_per_year={"65-75": 40.0, "76-85": 60.0, "86-95": 30.0})
    claim = {c["claim"]: c for c in check_published_claims(few)}["80_msek_a_year"]
    assert not claim["reproduced"] and claim["needed"] == pytest.approx(
        {c["claim"]: c for c in check_published_claims(scenario)}["80_msek_a_year"]["needed"]
    )


def test_cli_costs_json(small_demo_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "costs",
            "--db",
            str(small_demo_path),
            "--scenario",
            str(ROOT / "data" / "scenarios" / "from_study.toml"),
            "--draws",
            "2000",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"years", "payback_month", "probability_saves_money", "net_interval"}
    assert [y["year"] for y in out["years"]] == [1, 2, 3, 4, 5]
    assert set(out["years"][0]) == {
        "year",
        "participants",
        "intervention_cost",
        "home_care_savings",
        "nursing_home_savings",
        "net",
        "cumulative_net",
    }
    assert 0 <= out["probability_saves_money"] <= 1 and out["net_interval"][0] <= out["net_interval"][1]
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", "costs", "--scenario", "/nonexistent.toml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "nonexistent.toml" in bad.stderr and "Traceback" not in bad.stderr
