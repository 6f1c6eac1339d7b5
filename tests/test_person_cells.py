"""The per-person outcomes of large groups from cells equal the per-person code (1e-9), small bands keep theirs."""

import numpy as np
import pytest

from analysis.economics.scenario import unit_costs
from analysis.outcomes import per_person, person_rows
from analysis.outcomes.per_person import _compare_people, compare_person_outcomes
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.store import db

BANDS = parse_band_edges("65,76,86,96")


def _assert_same(ours, theirs):
    """Hold two PersonOutcomes equal: the same columns in the same order, numbers to 1e-9, words exactly."""
    x, y = ours.groups, theirs.groups
    assert list(x.columns) == list(y.columns)
    for column in x.columns:
        if x[column].dtype.kind in "fi":
            assert np.allclose(x[column], y[column], rtol=1e-9, atol=1e-9, equal_nan=True), column
        else:
            assert x[column].astype(str).tolist() == y[column].astype(str).tolist(), column
    for name, test in theirs.interaction.items():
        assert ours.interaction[name]["p_value"] == pytest.approx(test["p_value"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "largest_bootstrap,filters",
    [(100, Filters()), (100, Filters(sex=("F",))), (120, Filters()), (60, Filters(application_type=("new",)))],
)
def test_cells_give_the_per_person_outcomes(small_demo_path, monkeypatch, largest_bootstrap, filters):
    # A low limit sends the demo's groups to the normal interval of large groups (120: one band stays small
    # and keeps its bootstrap, person by person, beside the others' cells).
    monkeypatch.setattr(per_person, "BOOTSTRAP_MAX_PEOPLE", largest_bootstrap)
    con = db.connect(small_demo_path)
    selection = Selection("demo", filters, BANDS, 12)
    ours = compare_person_outcomes(con, selection, unit_costs(), draws=200)
    theirs = _compare_people(con, selection, unit_costs(), 200, per_person.SEED, ())
    con.close()
    assert set(ours.groups["interval_method"]) <= {"normal", "bootstrap"}
    assert "normal" in set(ours.groups["interval_method"])
    _assert_same(ours, theirs)


def test_a_large_study_is_compared_without_loading_its_people(small_demo_path, monkeypatch):
    monkeypatch.setattr(per_person, "BOOTSTRAP_MAX_PEOPLE", 50)
    loaded = []
    original = person_rows.load_person_outcomes
    monkeypatch.setattr(per_person, "load_person_outcomes", lambda *a, **k: loaded.append(1) or original(*a, **k))
    con = db.connect(small_demo_path)
    result = compare_person_outcomes(con, Selection("demo", Filters(), BANDS, 12), unit_costs(), draws=100)
    con.close()
    assert not loaded
    assert (result.groups["interval_method"] == "normal").all()


def test_covariates_keep_the_people_whatever_the_size(small_demo_path, monkeypatch):
    monkeypatch.setattr(per_person, "BOOTSTRAP_MAX_PEOPLE", 50)
    con = db.connect(small_demo_path)
    result = compare_person_outcomes(
        con, Selection("demo", Filters(), BANDS, 12), unit_costs(), draws=100, covariates=("age", "sex")
    )
    con.close()
    assert result.groups["cost_adjusted_difference"].notna().all()
