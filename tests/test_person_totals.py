"""Counts and sums of the per-person totals for every window equal the people one by one (1e-9)."""

import numpy as np
import pandas as pd
import pytest

from analysis.economics import effects as effects_module
from analysis.economics.cohort import estimate_cohort_parameters, parameters_of_people
from analysis.economics.effects import COST_BANDS, estimate_study_effects, window_marks
from analysis.outcomes import per_person
from analysis.outcomes.per_person import differences_of_people, load_person_outcomes
from analysis.outcomes.person_totals import TOTALS, count_person_totals, estimate_weighted_totals
from analysis.selection import Filters, Selection
from analysis.stats.survival import censoring_weights
from analysis.store import db


@pytest.mark.parametrize("filters", [Filters(), Filters(sex="F"), Filters(application_type=("new",))])
def test_cells_give_the_weighted_means_of_the_people_one_by_one(small_demo_path, filters):
    con = db.connect(small_demo_path)
    cells = count_person_totals(con, Selection("demo", filters, COST_BANDS, 24))
    assert sorted(cells["month"].unique()) == list(range(1, 25))
    for k in (1, 7, 12, 24):
        people = load_person_outcomes(con, Selection("demo", filters, COST_BANDS, k))
        for (band, arm), sub in people.groupby(["age_band", "arm"]):
            mine = cells[(cells["month"] == k) & (cells["age_band"] == band) & (cells["arm"] == arm)]
            assert mine["n"].sum() == len(sub)
            weights = censoring_weights(sub["time"].to_numpy(), sub["complete"].to_numpy())
            got = estimate_weighted_totals(mine)
            for name in TOTALS:
                weighted = weights * sub[name].to_numpy(dtype=float)
                assert got[name][0] == pytest.approx(weighted.mean(), abs=1e-9)
                assert got[name][1] == pytest.approx(weighted.std(ddof=1) / np.sqrt(len(sub)), abs=1e-9)
    con.close()


def test_a_group_without_a_complete_total_cannot_be_estimated():
    sums = {f"{total}{kind}": [1.0] for total in TOTALS for kind in ("", "_squared")}
    cells = pd.DataFrame({"complete": [False], "time": [30], "n": [3]} | sums)
    assert all(np.isnan(v).all() for v in estimate_weighted_totals(cells).values())


def _per_person_effects(con, draws: int):
    """The cost model's cumulative differences as they were computed before: people loaded for every window."""
    out = {}
    for k in range(1, 25):
        people = load_person_outcomes(con, Selection("demo", Filters(), COST_BANDS, k))
        found = differences_of_people(people, COST_BANDS, draws if k in window_marks(24) else 0, overall=False)
        out[k] = found
    return out, parameters_of_people(people)


@pytest.mark.parametrize("largest_bootstrap", [per_person.BOOTSTRAP_MAX_PEOPLE, 40])
def test_study_effects_from_cells_equal_the_people_window_by_window(small_demo_path, monkeypatch, largest_bootstrap):
    # 40 sends every band to the normal draws of large groups, the path a national store takes.
    monkeypatch.setattr(per_person, "BOOTSTRAP_MAX_PEOPLE", largest_bootstrap)
    monkeypatch.setattr(effects_module, "BOOTSTRAP_MAX_PEOPLE", largest_bootstrap)
    con = db.connect(small_demo_path)
    ours = estimate_study_effects(con, "demo", 24, draws=200)
    reference, cohort = _per_person_effects(con, 200)
    for band in ours.monthly:
        cumulative = np.cumsum(ours.monthly[band], axis=0)
        for k in range(1, 25):
            want = [reference[k][band]["hours"], reference[k][band]["nursing_home_days"]]
            assert cumulative[k - 1] == pytest.approx(want, abs=1e-9)
        for j, k in enumerate(window_marks(24)):
            assert np.allclose(ours.draws[band][:, j], reference[k][band]["draws"], atol=1e-9, rtol=0)
    numbers = cohort.select_dtypes("number").columns
    assert np.allclose(ours.cohort[numbers], cohort[numbers], atol=1e-9, rtol=1e-12)
    con.close()


def test_cohort_parameters_from_duckdb_equal_the_people_one_by_one(small_demo_path):
    con = db.connect(small_demo_path)
    selection = Selection("demo", Filters(sex="M"), COST_BANDS, 12)
    ours = estimate_cohort_parameters(con, selection)
    theirs = parameters_of_people(load_person_outcomes(con, selection))
    con.close()
    assert list(ours.columns) == list(theirs.columns)
    numbers = theirs.select_dtypes("number").columns
    assert np.allclose(ours[numbers], theirs[numbers], atol=1e-9, rtol=1e-12)
