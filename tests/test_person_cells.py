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


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(sex=("F",)), Filters(application_type=("new",)), Filters(sex=("M",), district=("Centrum",))],
)
def test_kept_window_hours_give_the_rows_summed_again(small_demo_path, filters):
    """Each person's hours read from the kept table equal the hours summed from every month (the inline query)."""
    con = db.connect(small_demo_path)
    selection = Selection("demo", filters, BANDS, 12)
    inline_sql, inline_params = person_rows.person_outcomes_sql(selection)
    inline = db.query(con, inline_sql, inline_params)
    kept = person_rows.load_person_outcomes(con, selection)
    con.close()
    assert len(kept) == len(inline) > 0
    assert kept["person_id"].tolist() == inline["person_id"].tolist()
    np.testing.assert_array_equal(kept["hours"].to_numpy(), inline["hours"].to_numpy(dtype=float))


def test_a_kept_table_is_made_once_per_connection_and_query(small_demo_path):
    """The same query reuses its table, another window gets its own, and a new connection starts without any."""
    con = db.connect(small_demo_path)
    first = person_rows.window_hours_table(con, Selection("demo", Filters(sex=("F",)), BANDS, 12))
    again = person_rows.window_hours_table(con, Selection("demo", Filters(application_type=("new",)), BANDS, 12))
    other = person_rows.window_hours_table(con, Selection("demo", month=6))
    tables = db.query(con, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'kept_%'")
    con.close()
    assert first == again != other  # filters and bands do not change a person's window hours; the window does
    assert sorted(tables["table_name"]) == sorted({first, other})
    con = db.connect(small_demo_path)
    assert db.query(con, "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'kept_%'")["n"][0] == 0
    con.close()
