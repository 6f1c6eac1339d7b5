import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from analysis.economics.costs import (
    check_published_claims,
    effect_profile,
    eskilstuna_preset,
    present_value,
    project_costs,
    total_net,
)
from analysis.economics.effects import estimate_study_effects, with_effects
from analysis.economics.psa import simulate_net, summarize_money, summarize_uncertainty, tornado
from analysis.economics.scenario import LAYOUT, Scenario, read_scenario
from analysis.errors import InputError
from analysis.outcomes.per_person import UnitCosts, compare_person_outcomes
from analysis.present.texts import format_probability, read_money
from analysis.selection import Selection, parse_band_edges
from analysis.store import db
from tests.conftest import read_documentation

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
        nursing_home_days_per_year={**ZERO, "65-75": -6.0},
        duration_years=1.5,
        ramp_up_months=0,
        years=3,
        discount_rate=0.10,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, [1.0] * 18 + [0.0] * 6),  # 1.5 years of full effect
        ({"ramp_up_months": 3}, [0.0] * 3 + [1.0] * 15 + [0.0] * 6),  # no saving in the intervention months
        ({"full_effect_months": 6.0, "waning_months": 10.0}, [1.0] * 6 + [0.875, 0.625, 0.375, 0.125] + [0.0] * 14),
    ],
)
def test_effect_profile_by_hand(changes, expected):
    np.testing.assert_allclose(effect_profile(small(**changes), 24), expected)


def test_yearly_rows_are_undiscounted_arithmetic_by_hand():
    s = small()
    years = project_costs(s).years
    # 50 participants a year. Per participant-month of full effect: 10 h × 500 × 1.2 = 6,000 SEK home care and
    # 6 / 12 days × 2000 × 1.2 = 1,200 SEK nursing home. Cost 50 × 10,000 × 1.2 (the index prices every cost).
    # Cohort months of full effect per year: year 1: 12; year 2: 6 (cohort 1) + 12; year 3: 6 + 12 + 12... but
    # cohort 3 has 12 in year 3 and cohort 2 has 6 in year 3: 18, 18 (each cohort 18 months in all).
    months = np.array([12.0, 18.0, 18.0])
    np.testing.assert_allclose(years["participants"], 50)
    np.testing.assert_allclose(years["intervention_cost"], 600_000)
    np.testing.assert_allclose(years["home_care_savings"], 50 * 6_000 * months)
    np.testing.assert_allclose(years["nursing_home_savings"], 50 * 1_200 * months)
    np.testing.assert_allclose(years["net"], 50 * 7_200 * months - 600_000)
    np.testing.assert_allclose(years["cumulative_net"], np.cumsum(50 * 7_200 * months - 600_000))


def test_present_value_by_hand_at_3_0_and_5_percent():
    s = small(discount_rate=0.03)
    projection = project_costs(s)
    net = projection.years["net"].to_numpy()
    assert projection.present_value == pytest.approx(net[0] + net[1] / 1.03 + net[2] / 1.03**2, rel=1e-12)
    assert projection.present_value_sensitivity[0.0] == pytest.approx(net.sum(), rel=1e-12)
    assert projection.present_value_sensitivity[0.05] == pytest.approx(
        net[0] + net[1] / 1.05 + net[2] / 1.05**2, rel=1e-12
    )
    assert total_net(s) == projection.present_value


def test_team_year_cost():
    s = small(
        intervention_per_participant=None, intervention_per_team_year=1_000_000.0, participants_per_team_year=25.0
    )
    assert s.cost_per_participant() == pytest.approx(40_000 * 1.2)
    assert project_costs(s).years["intervention_cost"].iloc[0] == pytest.approx(50 * 40_000 * 1.2)


def test_payback_month_by_hand_and_later_with_a_longer_ramp_up():
    # Cost 600,000 at the start; savings 50 × 7,200 = 360,000 a month: cumulative ≥ 0 at the end of month 2.
    assert project_costs(small()).payback_month == 2
    assert project_costs(small()).cohort_payback_month == 2
    # No saving in the first 3 months: month 3 + 2 = 5; a longer ramp-up moves it later still.
    assert project_costs(small(ramp_up_months=3)).payback_month == 5
    assert project_costs(small(ramp_up_months=6)).payback_month == 8
    never = small(hours_per_month=ZERO, nursing_home_days_per_year=ZERO)
    assert project_costs(never).payback_month is None


def test_price_index_prices_every_cost_and_cash_share_only_savings():
    a, b = project_costs(small(price_index=1.0)).years, project_costs(small(price_index=2.0)).years
    np.testing.assert_allclose(b["home_care_savings"], 2 * a["home_care_savings"])
    np.testing.assert_allclose(b["intervention_cost"], 2 * a["intervention_cost"])
    half = project_costs(small(cash_releasing_share=0.5)).years
    full = project_costs(small()).years
    np.testing.assert_allclose(half["home_care_savings"], 0.5 * full["home_care_savings"])
    np.testing.assert_allclose(half["intervention_cost"], full["intervention_cost"])


def test_psa_is_seeded_centred_and_drawn_from_gamma_and_beta():
    s = small()
    a, b = simulate_net(s, None, 20_000, seed=3), simulate_net(s, None, 20_000, seed=3)
    np.testing.assert_array_equal(a, b)
    nets = present_value(a, s.discount_rate)
    mc_error = nets.std(ddof=1) / np.sqrt(len(nets))
    assert abs(nets.mean() - total_net(s)) < 4 * mc_error  # mean-preserving draws: the mean is the central value
    out = summarize_uncertainty(a, s.discount_rate)
    assert out["net_interval"][0] < total_net(s) < out["net_interval"][1]
    # No uncertainty at all when every coefficient of variation is 0.
    fixed = simulate_net(small(unit_cost_cv=0.0, intervention_cost_cv=0.0, uptake_cv=0.0), None, 100)
    np.testing.assert_allclose(fixed, np.tile(project_costs(small()).years["net"].to_numpy(), (100, 1)))


def test_probability_reads_more_than_99_percent_never_100():
    assert format_probability(1.0, "sv") == "mer än 99 %"
    assert format_probability(0.999, "en") == "more than 99%"
    assert format_probability(0.0, "en") == "less than 1%"
    assert format_probability(0.5, "en") == "50%"
    summary = summarize_money(small(), None, 2000)
    assert summary.uncertainty["probability_saves_money"] == 1.0
    text = " ".join(read_money(summary, "en"))
    assert "more than 99%" in text and "100%" not in text and "typed-in effects held fixed" in text


@pytest.fixture(scope="module")
def study_effects(small_demo_path):
    con = db.connect(small_demo_path)
    estimated = estimate_study_effects(con, "demo", 24)
    outcomes = compare_person_outcomes(
        con, Selection("demo", bands=parse_band_edges("65,76,86,96"), month=24), UnitCosts(500.0, 2000.0)
    )
    con.close()
    return estimated, outcomes


def test_trial_window_savings_equal_the_per_person_cost_difference(study_effects):
    # Done when of issue 13: with effects from the study, the savings over the window per randomized person
    # equal the outcomes' cost difference, and their draws give the same interval (the same resamples).
    estimated, outcomes = study_effects
    s = with_effects(replace(Scenario(), home_care_hour=500.0, nursing_home_day=2000.0, price_index=1.0), estimated)
    groups = outcomes.groups.set_index("age_band")
    effects = estimated.effects.set_index("age_band")
    for band in ("65-75", "76-85", "86-95"):
        rate = -(
            effects.loc[band, "hours_per_month"] * 500.0 + effects.loc[band, "nursing_home_days_per_year"] / 12 * 2000.0
        )
        window_saving = rate * effect_profile(s, 120).sum()
        assert window_saving == pytest.approx(-groups.loc[band, "cost_difference"], rel=1e-9)
        draws = estimated.draws[band][:, -1, :]  # cumulative at the window's end (the last mark)
        cost = draws[:, 0] * 500.0 + draws[:, 1] * 2000.0
        low, high = np.percentile(cost, [2.5, 97.5])
        assert (low, high) == pytest.approx(
            (groups.loc[band, "cost_ci_low"], groups.loc[band, "cost_ci_high"]), rel=1e-9
        )


def test_study_effects_end_with_the_window_unless_the_scenario_extends_them(study_effects):
    estimated, _ = study_effects
    s = with_effects(Scenario(), estimated)
    assert (s.ramp_up_months, s.full_effect_months, s.waning_months) == (0, 24.0, None)
    longer = with_effects(replace(Scenario(), full_effect_months=36.0, waning_months=48.0), estimated)
    assert (longer.full_effect_months, longer.waning_months) == (36.0, 48.0)
    summary = summarize_money(s, estimated.draws, 2000)
    assert (
        summary.uncertainty["net_interval"][0]
        < summary.projection.present_value
        < summary.uncertainty["net_interval"][1]
    )


def test_tornado_sorted_centred_and_without_the_price_index():
    s = small(discount_rate=0.03)
    table = tornado(s)
    assert table.attrs["base"] == pytest.approx(total_net(s))
    assert (np.diff(table["range"]) <= 1e-9).all()
    assert {
        "home_care_hour",
        "intervention_per_participant",
        "hours_per_month 65-75",
        "discount_rate",
        "waning",
    } <= set(table["input"])
    assert "price_index" not in set(table["input"]) and "duration_years" not in set(table["input"])
    rate = table.set_index("input").loc["discount_rate"]
    assert (rate["low_value"], rate["high_value"]) == (0.0, 0.05)
    effect = table.set_index("input").loc["hours_per_month 65-75"]
    assert (effect["low_value"], effect["high_value"]) == (-10.0, 0.0)  # typed in: the value against none
    for _, row in table.iterrows():
        assert (
            min(row["net_low"], row["net_high"]) - 1e-6
            <= table.attrs["base"]
            <= max(row["net_low"], row["net_high"]) + 1e-6
            or row["input"] == "waning"
        )


def test_tornado_uses_the_study_intervals(study_effects):
    estimated, _ = study_effects
    s = with_effects(Scenario(), estimated)
    row = tornado(s, estimated.intervals).set_index("input").loc["hours_per_month 65-75"]
    assert row["low_value"] == estimated.intervals.set_index("age_band").loc["65-75", "hours_per_month_low"]


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
    readme = read_documentation()
    for section, keys in LAYOUT.items():
        assert f"[{section}]" in readme
        for key in keys:
            assert f"`{key}`" in readme, key


def test_eskilstuna_preset_is_consistent_only_if_and_gives_break_even_values():
    scenario, assumptions = eskilstuna_preset()
    assert len(assumptions) >= 4
    claims = {c["claim"]: c for c in check_published_claims(scenario)}
    # With no saving in the three intervention months, one cohort pays back in month 14, not within a year;
    # with the full saving from day 1 it would (month 11).
    assert claims["payback_one_year"]["value"] == 14 and not claims["payback_one_year"]["consistent"]
    assert project_costs(replace(scenario, ramp_up_months=0)).cohort_payback_month == 11
    # Break-even: the cost at which a cohort pays back in 12 months is the first year's saving per participant.
    needed = claims["payback_one_year"]["needed"]
    cheaper = replace(
        scenario,
        intervention_per_team_year=None,
        participants_per_team_year=None,
        intervention_per_participant=needed * 0.999,
    )
    assert project_costs(cheaper).cohort_payback_month <= 12
    multiple = claims["payback_one_year"]["effect_multiple"]
    stronger = replace(scenario, hours_per_month={b: v * multiple * 1.001 for b, v in scenario.hours_per_month.items()})
    assert project_costs(stronger).cohort_payback_month <= 12
    few = replace(scenario, applicants_per_year={"65-75": 40.0, "76-85": 60.0, "86-95": 30.0})
    claim = {c["claim"]: c for c in check_published_claims(few)}["80_msek_a_year"]
    assert not claim["consistent"] and claim["needed"] == pytest.approx(claims["80_msek_a_year"]["needed"])


@pytest.mark.slow
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
    assert {"years", "payback_month", "probability_saves_money", "net_interval", "present_value", "scenario"} <= set(
        out
    )
    net = [y["net"] for y in out["years"]]
    assert out["present_value"]["discount_rate"] == 0.03
    assert out["present_value"]["net"] == pytest.approx(sum(v / 1.03**t for t, v in enumerate(net)), rel=1e-12)
    assert out["scenario"]["effects"]["ramp_up_months"] == 0 and out["scenario"]["effects"]["source"] == "study"
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


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        eskilstuna_preset()[0],
        replace(Scenario(), extrapolate=False, full_effect_months=12.0, waning_months=30.0),
    ],
    ids=["default", "eskilstuna", "waning"],
)
def test_a_scenario_written_as_toml_reads_back_equal(scenario):
    from analysis.economics.scenario import parse_scenario, write_scenario

    assert parse_scenario(write_scenario(scenario)) == scenario


def test_saved_scenarios_are_kept_and_the_latest_is_the_studys(tmp_path):
    from analysis.demo import build_demo_store
    from analysis.economics.saved import load_scenario, save_scenario
    from tests.conftest import SMALL_SPEC

    path = tmp_path / "s.duckdb"
    build_demo_store(path, SMALL_SPEC)
    con = db.connect(path)
    assert load_scenario(con, "demo") == (Scenario(), None)  # nothing saved: the defaults, said as such
    con.close()
    save_scenario(path, "demo", replace(Scenario(), uptake=0.5), "anna@example.se")
    save_scenario(path, "demo", replace(Scenario(), uptake=0.6, effects_source="study"), "single-user mode")
    con = db.connect(path)
    scenario, saved = load_scenario(con, "demo")
    rows = con.execute("SELECT saved_by, scenario FROM cost_scenarios ORDER BY saved_at").fetchall()
    con.close()
    assert scenario.uptake == 0.6 and scenario.effects_source == "study" and saved["saved_by"] == "single-user mode"
    assert [r[0] for r in rows] == ["anna@example.se", "single-user mode"] and "uptake = 0.5" in rows[0][1]
    with pytest.raises(InputError, match="does not exist"):
        save_scenario(path, "nobody", Scenario(), "anna")
