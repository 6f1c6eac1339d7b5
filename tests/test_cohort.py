"""The three-state cohort model: exact against the closed form, by hand on a tiny store, and within sampling
error of the per-person outcomes over the trial's window."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import frame, hours_frame, person, write_tiny_store

from analysis.economics.cohort import (
    PARAMETERS,
    estimate_cohort_parameters,
    occupancy,
    project_cohort,
    waning_weight,
)
from analysis.economics.costs import project_costs
from analysis.economics.effects import COST_BANDS, estimate_study_effects, with_effects
from analysis.economics.scenario import Scenario
from analysis.outcomes.per_person import UnitCosts, compare_person_outcomes
from analysis.outcomes.placement import DAYS_PER_MONTH
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.store import db


@pytest.mark.parametrize(
    ("placement", "home_death", "nursing_death"), [(0.002, 0.001, 0.0005), (0.0004, 0.0006, 0.004)]
)
def test_occupancy_is_the_closed_form_of_the_three_state_chain(placement, home_death, nursing_death):
    # Home: exp(−λt) with λ = placement + home death; nursing home: λp/(λ − μ) (exp(−μt) − exp(−λt)).
    months = 36
    home, nursing = occupancy(np.tile([placement, home_death, nursing_death], (months, 1)))
    t = np.arange(months + 1) * DAYS_PER_MONTH
    leave = placement + home_death
    np.testing.assert_allclose(home, np.exp(-leave * t), rtol=1e-12)
    expected = placement / (leave - nursing_death) * (np.exp(-nursing_death * t) - np.exp(-leave * t))
    np.testing.assert_allclose(nursing, expected, rtol=1e-9, atol=1e-15)


def test_equal_exit_rates_use_the_limit_of_the_closed_form():
    _, nursing = occupancy(np.tile([0.002, 0.001, 0.003], (12, 1)))
    t = np.arange(13) * DAYS_PER_MONTH
    np.testing.assert_allclose(nursing, 0.002 * t * np.exp(-0.003 * t), rtol=1e-12)


def test_waning_weight_by_hand():
    np.testing.assert_allclose(waning_weight(6, 2, 6), [1, 1, 0.875, 0.625, 0.375, 0.125])
    np.testing.assert_allclose(waning_weight(4, 2, None), [1, 1, 0, 0])


def test_nobody_leaving_costs_the_hours_every_month_but_the_first():
    parameters = pd.DataFrame(
        [
            {
                "age_band": "65-75",
                "arm": arm,
                "placement_rate": 0.0,
                "home_death_rate": 0.0,
                "nursing_death_rate": 0.0,
                "hours_at_home": hours,
            }
            for arm, hours in (("intervention", 10.0), ("control", 20.0))
        ]
    )
    out = project_cohort(parameters, "65-75", 6, UnitCosts(500.0, 2000.0), full=3, waning=None)
    np.testing.assert_allclose(out["home_care_control"], [0] + [20 * 500.0] * 5)
    # The intervention's 10 fewer hours last until month 3, then its hours are the control's.
    np.testing.assert_allclose(out["saving_home_care"], [0, 5000, 5000, 0, 0, 0])
    np.testing.assert_allclose(out["nursing_home_intervention"], 0.0)


def test_parameters_by_hand_on_a_tiny_store(tmp_path):
    # Control 70-year-olds: one placed on day 100 who dies on day 200, one dead at home on day 50, one at home
    # all year with 10 hours in each of months 1-12; window 12 months from randomization on 2016-01-01.
    rows = [
        person("a", arm="control", randomized="2016-01-01", placed="2016-04-10", died="2016-07-19"),
        person("b", arm="control", randomized="2016-01-01", died="2016-02-20"),
        person("c", arm="control", randomized="2016-01-01"),
        person("d", arm="intervention", randomized="2016-01-01"),
    ]
    months = [f"2016-{m:02d}" for m in range(2, 13)] + ["2017-01"]
    hours = hours_frame([("c", m, 10.0) for m in months])
    path = tmp_path / "tiny.duckdb"
    write_tiny_store(path, frame(rows), hours, data_end=dt.date(2017, 12, 31))
    con = db.connect(path)
    got = estimate_cohort_parameters(con, Selection("tiny", Filters(), parse_band_edges("65,76"), 12))
    con.close()
    control = got.set_index(["age_band", "arm"]).loc[("65-75", "control")]
    assert (control["placements"], control["home_deaths"], control["nursing_deaths"]) == (1, 1, 1)
    home_days = 100 + 50 + 366  # the window ends on 2017-01-01, 366 days after randomization
    assert control["home_days"] == home_days and control["nursing_days"] == 100
    assert control["placement_rate"] == pytest.approx(1 / home_days)
    assert control["home_death_rate"] == pytest.approx(1 / home_days)
    assert control["nursing_death_rate"] == pytest.approx(1 / 100)  # pooled: the intervention arm had no placement
    # Months at home 1..12: a was at home in months 1-3, b in month 1 (died in February), c in 1-12.
    assert control["months_at_home"] == 3 + 1 + 12
    assert control["hours_at_home"] == pytest.approx(120 / 16)
    assert set(PARAMETERS) <= set(got.columns)


def test_over_the_window_the_model_agrees_with_the_per_person_outcomes(small_demo_path):
    # Issue 13: the cohort model's cost difference over the trial window equals the per-person figure within
    # sampling error (2 standard errors of the per-person difference), in every band.
    costs = UnitCosts(461.0, 1809.0)
    con = db.connect(small_demo_path)
    selection = Selection("demo", Filters(), COST_BANDS, 24)
    parameters = estimate_cohort_parameters(con, selection)
    outcomes = compare_person_outcomes(con, selection, costs).groups.set_index("age_band")
    con.close()
    for band in ("65-75", "76-85", "86-95"):
        model = project_cohort(parameters, band, 24, costs, full=24, waning=None)
        saving = (model["saving_home_care"] + model["saving_nursing_home"]).sum()
        control = (model["home_care_control"] + model["nursing_home_control"]).sum()
        assert abs(saving + outcomes.loc[band, "cost_difference"]) < 2 * outcomes.loc[band, "cost_se"], band
        assert control == pytest.approx(outcomes.loc[band, "cost_control"], rel=0.1), band


def test_beyond_the_window_the_money_comes_from_the_cohort_model(small_demo_path):
    con = db.connect(small_demo_path)
    estimated = estimate_study_effects(con, "demo", 24)
    con.close()
    scenario = with_effects(Scenario(), estimated)
    with_model = project_costs(scenario).years
    without = project_costs(replace(scenario, extrapolate=False)).years
    # Years 1-2 of the first cohort are the study's own figures; later the model adds what the people kept at
    # home (or out of a nursing home) still save after their difference has ended.
    assert with_model.loc[0, "net"] == pytest.approx(without.loc[0, "net"])
    assert with_model.loc[4, "nursing_home_savings"] != without.loc[4, "nursing_home_savings"]


def test_a_band_without_a_control_person_says_so_instead_of_a_number(tmp_path):
    # Found in a user check: a tiny study whose 65-75 band had only an intervention person broke the
    # presentation page with "an unexpected error". The cohort model has nothing to project that band from.
    from analysis.errors import InputError
    from analysis.intake.importer import import_study
    from analysis.present.report import build_briefing
    from tests.test_import import write_pair

    p, h = write_pair(tmp_path)  # 65-75: a1 (intervention) only
    path = tmp_path / "s.duckdb"
    import_study(path, "kommun", p, h, data_end=dt.date(2016, 12, 31))
    con = db.connect(path)
    with pytest.raises(InputError, match="The age band 65-75 has no one randomized to the control arm"):
        build_briefing(con, "kommun", "en")
    con.close()


@pytest.fixture(scope="module")
def month_by_month(small_demo_path):
    con = db.connect(small_demo_path)
    estimated = estimate_study_effects(con, "demo", 24, draws=400)
    at_12 = compare_person_outcomes(con, Selection("demo", Filters(), COST_BANDS, 12), UnitCosts(461.0, 1809.0))
    con.close()
    return estimated, at_12.groups.set_index("age_band")


def test_savings_come_in_the_months_they_came_in_the_trial(month_by_month):
    # Issue 31 done when: one cohort's undiscounted saving by month 12 (before the intervention cost) equals the
    # trial's cumulative per-person cost difference at month 12 × participants, and payback is the first month
    # in which the trial's cumulative saving exceeds the intervention cost.
    from analysis.economics.costs import _entrant_savings, _participants

    estimated, at_12 = month_by_month
    scenario = with_effects(replace(Scenario(), cash_releasing_share=1.0, price_index=1.0), estimated)
    home, nursing = _entrant_savings(scenario, 60)
    by_12 = (home + nursing)[:12].sum()
    people = _participants(scenario)
    trial = sum(-at_12.loc[band, "cost_difference"] * people[band] for band in people)
    assert by_12 == pytest.approx(trial, rel=1e-9)
    cumulative = np.cumsum(home + nursing)
    cost = sum(people.values()) * scenario.cost_per_participant()
    first = int(np.argmax(cumulative >= cost)) + 1 if (cumulative >= cost).any() else None
    assert project_costs(scenario).cohort_payback_month == first
    # Not an even spread: month 1 (the intervention itself) saves less than an even share of the window.
    assert (home + nursing)[0] < (home + nursing)[:24].sum() / 24


def test_the_part_after_the_window_is_shown_and_its_uncertainty_drawn(month_by_month):
    from analysis.economics.psa import summarize_money, tornado

    estimated, _ = month_by_month
    scenario = with_effects(Scenario(), estimated)
    summary = summarize_money(scenario, estimated.draws, 2000)
    projection = summary.projection
    assert 0 < projection.post_window_share < 1
    gross = projection.years[["home_care_savings", "nursing_home_savings"]].to_numpy().sum()
    assert projection.post_window_savings == pytest.approx(projection.post_window_share * gross)
    drawn = np.diff(summary.uncertainty["net_interval"])[0]
    fixed = np.diff(summary.comparison["extrapolation_fixed"]["net_interval"])[0]
    assert drawn > fixed  # drawing the cohort model's inputs widens the interval
    window_only = summary.comparison["window_only"]
    assert window_only["present_value"] < projection.present_value  # the model adds savings after the window
    table = tornado(scenario, estimated.intervals).set_index("input")
    low, high = table.loc["extrapolation", ["low_value", "high_value"]]
    assert low < 1 < high
    from analysis.present.texts import input_label

    assert all(input_label(name, lang) for name in table.index for lang in ("sv", "en"))  # every row has a name
    stopped = project_costs(replace(scenario, extrapolate=False))
    assert stopped.post_window_savings == 0 and stopped.post_window_share == 0
