"""The demo generator reproduces the published figures within sampling error, and has their shape."""

import numpy as np
import pandas as pd
import pytest
from reference import month_values
from scipy import stats

from analysis.demo import TRIAL_SIZED, DemoSpec, generate_demo_trial, study_data_end

# Published two-year figures (SKR 2020, Eskilstuna section; shared/domain.md): hours per month.
PUBLISHED = {
    ("65-75", "intervention"): 10,
    ("65-75", "control"): 26,
    ("86-95", "intervention"): 21,
    ("86-95", "control"): 36,
}


def _band(age):
    return pd.cut(age, [64, 75, 85, 95], labels=["65-75", "76-85", "86-95"]).astype(str)


@pytest.fixture(scope="module")
def demo():
    spec = DemoSpec()
    participants, hours = generate_demo_trial(spec)
    at24 = month_values(participants, hours, study_data_end(spec), 24)
    at24["band"] = _band(at24["age"])
    return spec, participants, hours, at24


def test_size_and_arms(demo):
    _, participants, _, _ = demo
    assert len(participants) == 2000
    assert participants["arm"].value_counts().to_dict() == {"intervention": 1000, "control": 1000}
    assert participants["age"].between(65, 95).all()


@pytest.mark.parametrize(("band", "arm"), list(PUBLISHED))
def test_month_24_means_reproduce_published_figures(demo, band, arm):
    # Tolerance: the sampling error of the mean itself. The target must lie inside the 99.9% t interval
    # of the demo's mean (about ±3.3 standard errors, ±3-9 hours here), so a generator whose expected
    # mean sits at the target passes, and one off by more than a few standard errors fails.
    _, _, _, at24 = demo
    x = at24.loc[(at24["band"] == band) & (at24["arm"] == arm), "hours"]
    low, high = stats.t.interval(0.999, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert low <= PUBLISHED[(band, arm)] <= high


def test_no_difference_at_76_85(demo):
    # "No difference" is not a number: check the Welch 99.9% CI of the difference contains zero.
    _, _, _, at24 = demo
    part = at24[at24["band"] == "76-85"]
    res = stats.ttest_ind(
        part.loc[part.arm == "intervention", "hours"], part.loc[part.arm == "control", "hours"], equal_var=False
    )
    ci = res.confidence_interval(0.999)
    assert ci.low < 0 < ci.high


def test_placement_about_half_as_frequent(demo):
    # Risk ratio of moving into a nursing home during follow-up; its 99% CI (log method) must hold 0.5.
    _, participants, _, _ = demo
    placed = participants.groupby("arm")["placed_on"].agg(lambda s: s.notna().sum())
    n = participants["arm"].value_counts()
    rr = (placed["intervention"] / n["intervention"]) / (placed["control"] / n["control"])
    se = np.sqrt(1 / placed["intervention"] - 1 / n["intervention"] + 1 / placed["control"] - 1 / n["control"])
    z = stats.norm.ppf(0.995)
    assert rr * np.exp(-z * se) <= 0.5 <= rr * np.exp(z * se)


@pytest.mark.parametrize("seed", [101, 202, 303, 404])
def test_generator_is_unbiased_across_seeds(seed):
    # The default seed was chosen; other seeds must also land within sampling error (99.9% interval).
    spec = DemoSpec(seed=seed)
    participants, hours = generate_demo_trial(spec)
    at24 = month_values(participants, hours, study_data_end(spec), 24)
    at24["band"] = _band(at24["age"])
    for (band, arm), target in PUBLISHED.items():
        x = at24.loc[(at24["band"] == band) & (at24["arm"] == arm), "hours"]
        low, high = stats.t.interval(0.999, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert low <= target <= high, (band, arm, x.mean())


def test_shape_zero_heavy_and_right_skewed(demo):
    _, _, _, at24 = demo
    # By design about a fifth of month-24 values are zero (1 − share_with_hours weighted over the cells: 0.197).
    assert (at24["hours"] == 0).mean() > 0.15
    assert stats.skew(at24["hours"]) > 1.0


def test_baseline_hours_predict_later_hours(demo):
    # A realistic trial: those who needed much help at the start need more later (Spearman, each band).
    _, participants, _, at24 = demo
    merged = at24.merge(participants[["person_id", "baseline_hours"]], on="person_id")
    for band, part in merged.groupby("band"):
        assert stats.spearmanr(part["baseline_hours"], part["hours"]).statistic > 0.15, band


def test_those_who_leave_home_needed_more_help(demo):
    # Exits depend on need: within each band, people placed or dead had more baseline hours than the rest
    # (relative to their band's mean: 1.23-1.30 over four seeds; the generator without need gave 0.96-1.00).
    _, participants, _, _ = demo
    band = _band(participants["age"])
    relative = participants["baseline_hours"] / participants.groupby(band)["baseline_hours"].transform("mean")
    left = participants["placed_on"].notna() | participants["died_on"].notna()
    assert relative[left].mean() > 1.15 * relative[~left].mean()


def test_trial_sized_demo_is_the_real_trial_size():
    participants, _ = generate_demo_trial(TRIAL_SIZED)
    assert len(participants) == 237


def test_deaths_and_placements_rise_with_age(demo):
    _, participants, _, _ = demo
    band = _band(participants["age"])
    died = participants["died_on"].notna().groupby(band).mean()
    placed = participants["placed_on"].notna().groupby(band).mean()
    assert died["65-75"] < died["76-85"] < died["86-95"]
    assert placed["65-75"] < placed["76-85"] < placed["86-95"]


def test_events_are_consistent(demo):
    _, participants, hours, _ = demo
    for col in ("placed_on", "died_on", "followup_end"):
        ok = participants[col].isna() | (participants[col] >= participants["randomized_on"])
        assert ok.all(), col
    assert (
        participants["placed_on"].isna()
        | participants["died_on"].isna()
        | (participants["placed_on"] < participants["died_on"])
    ).all()
    assert (hours["hours"] > 0).all()
    assert not hours.duplicated(["person_id", "month"]).any()


def test_same_seed_same_data():
    a = generate_demo_trial(DemoSpec(n_people=100, seed=5))
    b = generate_demo_trial(DemoSpec(n_people=100, seed=5))
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
