"""The time-to-event estimators on counts per (group, time, event) equal the per-person references to 1e-9."""

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import proportional_hazard_test
from reference_survival import fit_fine_gray_beta
from statsmodels.duration.hazard_regression import PHReg

from analysis.demo import TRIAL_SIZED, TRIAL_SIZED_STUDY, build_demo_store
from analysis.outcomes.placement import PLACED, analyze_placement, load_placement_data
from analysis.selection import ALL, Filters, Selection, parse_band_edges
from analysis.stats.survival import estimate_cuminc, estimate_km_complement, fit_fine_gray, rank_event_times
from analysis.stats.survival_counts import fit_cox_counts
from analysis.store import db

BANDS = parse_band_edges("65,76,86,96")


def tied_data(seed: int, n: int = 1500, days: int = 120, hr: float = 0.7):
    """Return day-level competing-risks data full of ties: time, event (0, 1, 2), group."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    t1 = rng.exponential(300 / np.where(group == 1, hr, 1.0))
    t2 = rng.exponential(500, n)
    censor = rng.uniform(20, days, n)
    time = np.ceil(np.minimum.reduce([t1, t2, censor]))
    event = np.select([t1 <= np.minimum(t2, censor), t2 <= censor], [1, 2], 0)
    return time, event, group


def grouped(time, event, group) -> pd.DataFrame:
    """Return the counts per (time, event, group) of per-person rows."""
    frame = pd.DataFrame({"time": time, "event": event, "group": group})
    return frame.groupby(["time", "event", "group"]).size().reset_index(name="n")


@pytest.mark.parametrize("seed,hr", [(1, 0.7), (2, 1.0), (3, 1.6), (4, 0.3)])
def test_cox_from_counts_equals_statsmodels_person_by_person(seed, hr):
    # statsmodels PHReg(time, group, status, ties="efron") on the people one by one.
    time, event, group = tied_data(seed, hr=hr)
    ref = PHReg(time, group[:, None].astype(float), status=(event == 1).astype(int), ties="efron").fit()
    counts = grouped(time, event, group)
    ours = fit_cox_counts(counts["time"], counts["event"] == 1, counts["group"], counts["n"])
    assert len(counts) < len(time) / 2  # the ties are real
    assert ours["coef"] == pytest.approx(ref.params[0], abs=1e-9)
    assert ours["se"] == pytest.approx(ref.bse[0], abs=1e-9)
    assert ours["p_value"] == pytest.approx(ref.pvalues[0], abs=1e-9)
    assert ours["warning"] is None


@pytest.mark.parametrize("seed", [5, 6])
def test_ph_test_from_counts_equals_lifelines_scaled_schoenfeld(seed):
    # lifelines: proportional_hazard_test(cph, data, time_transform=rank_event_times) (mean ranks for ties).
    # lifelines' own fit stops about 1e-7 from the maximum on tied data, so its p-value is held to 1e-6.
    time, event, group = tied_data(seed)
    data = pd.DataFrame({"time": time, "placed": (event == 1).astype(float), "group": group.astype(float)})
    cph = CoxPHFitter().fit(data, "time", "placed", fit_options={"precision": 1e-12})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = proportional_hazard_test(cph, data, time_transform=rank_event_times).summary["p"].iloc[0]
    counts = grouped(time, event, group)
    ours = fit_cox_counts(counts["time"], counts["event"] == 1, counts["group"], counts["n"])
    assert ours["ph_p_value"] == pytest.approx(ref, abs=1e-6)
    # Person by person (counts of one) the same code gives the same answer as grouped.
    single = fit_cox_counts(time, event == 1, group)
    assert single["ph_p_value"] == pytest.approx(ours["ph_p_value"], abs=1e-12)


def test_ph_test_rejects_crossing_hazards_and_keeps_its_level_under_proportional_ones():
    # Misspecified working model: hazards that cross (ratio 3 early, 1/3 late) break proportionality.
    rng = np.random.default_rng(11)
    rejected = []
    for crossing in (False, True):
        p_values = []
        for _ in range(200):
            n = 1000
            group = rng.integers(0, 2, n)
            early = rng.exponential(np.where(group == 1, 100 / (3 if crossing else 1), 100))
            late = 100 + rng.exponential(np.where(group == 1, 100 * (3 if crossing else 1), 100))
            t = np.ceil(np.where(early < 100, early, late))
            censor = np.ceil(rng.uniform(50, 300, n))
            event = (t <= censor).astype(int)
            fit = fit_cox_counts(np.minimum(t, censor), event == 1, group)
            p_values.append(fit["ph_p_value"])
        rejected.append(np.mean(np.array(p_values) < 0.05))
    assert rejected[0] < 0.09  # nominal 0.05; 200 trials give ±0.03
    assert rejected[1] > 0.6  # 0.755 with this seed


def test_cox_from_counts_cannot_be_estimated_without_events_in_a_group():
    out = fit_cox_counts([1, 2, 3, 4], [1, 0, 1, 0], [1, 1, 1, 0])
    assert np.isnan(out["hazard_ratio"]) and out["warning"] is None


@pytest.mark.parametrize(
    "counts,group,message",
    [([1, -1, 1], [0, 1, 0], "non-negative"), ([1, 1], [0, 1, 0], "non-negative"), ([1, 1, 1], [0, 2, 1], "0 or 1")],
)
def test_cox_from_counts_refuses_bad_input(counts, group, message):
    with pytest.raises(ValueError, match=message):
        fit_cox_counts([1, 2, 3], [True, True, False], group, counts)


def test_cox_from_counts_refuses_fractions_of_an_event():
    with pytest.raises(ValueError, match="whole numbers"):
        fit_cox_counts([1, 2, 3], [True, True, False], [0, 1, 0], [1.5, 1, 1])


@pytest.mark.parametrize("seed", [7, 8])
def test_fine_gray_from_counts_equals_the_per_person_code(seed):
    time, event, group = tied_data(seed, n=800)
    ref_beta, ref_info = fit_fine_gray_beta(time, event, group)
    counts = grouped(time, event, group)
    ours = fit_fine_gray(
        counts["time"].to_numpy(), counts["event"].to_numpy(), counts["group"].to_numpy(), counts=counts["n"], n_boot=0
    )
    assert ours["coef"] == pytest.approx(ref_beta, abs=1e-9)
    assert ours["se_model"] == pytest.approx(1 / np.sqrt(ref_info), abs=1e-9)


def test_fine_gray_bootstrap_of_counts_is_the_bootstrap_of_people():
    # Resampling people with replacement is a multinomial draw over the distinct rows: the spread of the
    # draws must match a bootstrap that resamples the people one by one (the old code, 400 draws each).
    time, event, group = tied_data(9, n=600)
    rng = np.random.default_rng(3)
    per_person = []
    for _ in range(400):
        idx = rng.integers(0, len(time), len(time))
        per_person.append(fit_fine_gray_beta(time[idx], event[idx], group[idx])[0])
    counts = grouped(time, event, group)
    columns = (counts[k].to_numpy() for k in ("time", "event", "group"))
    ours = fit_fine_gray(*columns, counts=counts["n"], n_boot=400)
    assert ours["se_method"] == "bootstrap"
    assert ours["se"] == pytest.approx(np.std(per_person, ddof=1), rel=0.15)
    again = fit_fine_gray(*(counts[k].to_numpy() for k in ("time", "event", "group")), counts=counts["n"], n_boot=400)
    assert again == ours  # seeded


def test_cumulative_incidence_and_km_from_counts_equal_the_people_one_by_one():
    time, event, _ = tied_data(10, n=900)
    counts = grouped(time, event, np.zeros(len(time), int))
    ours = estimate_cuminc(counts["time"], counts["event"], 1, counts["n"]).set_index("time")
    ref = estimate_cuminc(time, event, 1).set_index("time")
    pd.testing.assert_frame_equal(ours, ref, check_exact=False, atol=1e-12, rtol=0, check_dtype=False)
    km = estimate_km_complement(counts["time"], counts["event"], 1, counts["n"]).set_index("time")
    fitted = KaplanMeierFitter().fit(time, event == 1)  # lifelines on the people one by one
    assert np.allclose(km["one_minus_km"], 1 - fitted.survival_function_.iloc[:, 0].to_numpy(), atol=1e-12, rtol=0)
    assert np.allclose(km["ci_low"], 1 - fitted.confidence_interval_.iloc[:, 1].to_numpy(), atol=1e-12, rtol=0)


def _reference_band(part: pd.DataFrame) -> dict:
    """Every model figure of one band from the people one by one: statsmodels Cox, per-person Fine–Gray."""
    placed = (part["event"] == PLACED).astype(int)
    cox = PHReg(part["time"].astype(float), part[["intervention"]].astype(float), status=placed, ties="efron").fit()
    beta, _ = fit_fine_gray_beta(part["time"], part["event"], part["intervention"], PLACED)
    return {"hazard_ratio": np.exp(cox.params[0]), "p_value": cox.pvalues[0], "shr": np.exp(beta)}


def _check_against_people(path, study: str):
    """Hold analyze_placement (counts from DuckDB) to the per-person computation on each band and overall."""
    con = db.connect(path)
    for month in (12, 24):
        selection = Selection(study, Filters(), BANDS, month)
        people = load_placement_data(con, selection)
        groups = analyze_placement(con, selection).groups.set_index("age_band")
        for label in [b.label for b in BANDS] + [ALL]:
            part = people if label == ALL else people[people["age_band"] == label]
            row = groups.loc[label]
            for arm in ("intervention", "control"):
                sub = part[part["arm"] == arm]
                assert row[f"n_{arm}"] == len(sub)
                curve = estimate_cuminc(sub["time"], sub["event"], PLACED)
                at = curve[curve["time"] <= month * 365.25 / 12 + 31].iloc[-1]
                assert row[f"cuminc_{arm}"] == pytest.approx(at["cuminc"], abs=1e-12)
                assert row[f"cuminc_ci_low_{arm}"] == pytest.approx(at["ci_low"], abs=1e-12)
                assert row[f"person_years_{arm}"] == pytest.approx(sub["person_years"].sum(), rel=1e-12)
            if np.isfinite(row["hazard_ratio"]):
                ref = _reference_band(part)
                for key in ("hazard_ratio", "p_value", "shr"):
                    assert row[key] == pytest.approx(ref[key], abs=1e-9), (study, month, label, key)
    con.close()


def test_placement_from_counts_equals_the_people_one_by_one_on_the_demo(small_demo_path):
    _check_against_people(small_demo_path, "demo")


def test_placement_from_counts_equals_the_people_one_by_one_on_the_trial_sized_study(tmp_path):
    path = tmp_path / "trial.duckdb"
    build_demo_store(path, TRIAL_SIZED, study=TRIAL_SIZED_STUDY)
    _check_against_people(path, TRIAL_SIZED_STUDY)


def test_an_unbounded_interval_is_said_not_overflowed():
    # One event in the intervention arm at the very end, many in control: the upper end runs past e^709.
    time = np.r_[np.arange(1, 201), 500.0]
    event = np.r_[np.ones(200, bool), True]
    group = np.r_[np.zeros(200, int), 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning escapes
        out = fit_cox_counts(time, event, group)
    assert out["ci_low"] == 0 and out["ci_high"] == np.inf
    assert out["warning"].startswith("The interval of the hazard ratio is unbounded")


@pytest.mark.parametrize("lang,start", [("sv", "hazardkvotens intervall saknar"), ("en", "the interval of the hazard")])
def test_our_fit_warnings_are_read_in_the_language_and_a_library_s_as_it_came(lang, start):
    from analysis.present.texts import name_fit_warning
    from analysis.stats.survival_counts import UNBOUNDED

    assert name_fit_warning(UNBOUNDED, lang).startswith(start)
    assert name_fit_warning("lifelines: step size", lang) == "lifelines: step size"
