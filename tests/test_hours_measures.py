"""Granted and performed hours in one study (issue 18, item 2): each measure as if it were the study's only one."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.intake.importer import import_study
from analysis.intake.update import update_study
from analysis.outcomes.compare import compare_hours
from analysis.present.viewer import PAGES, ViewOptions, view_page
from analysis.selection import Selection
from analysis.store import db
from analysis.store.studies import describe_study
from tests.conftest import run_cli
from tests.test_import import write_csv, write_pair
from tests.test_update import _cells

END = dt.date(2016, 12, 31)
H_COLUMNS = ["person_id", "month", "hours"]
# Granted hours differ from the performed ones (hours_rows of test_import) in every person and month.
GRANTED = [
    ["a1", "2016-01", "14"],
    ["a1", "2016-02", "14"],
    ["a1", "2016-03", "9.5"],
    ["a2", "2016-02", "24"],
    ["a2", "2016-03", "24"],
    ["a3", "2016-05", "10"],
    ["a4", "2016-04", "6"],
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measures")
    p, performed = write_pair(folder)
    granted = write_csv(folder / "granted.csv", H_COLUMNS, GRANTED)
    both = folder / "both.duckdb"
    import_study(both, "kommun", p, performed, measure="performed", data_end=END)
    added = update_study(both, "kommun", granted, measure="granted")
    import_study(folder / "performed.duckdb", "kommun", p, performed, measure="performed", data_end=END)
    import_study(folder / "granted.duckdb", "kommun", p, granted, measure="granted", data_end=END)
    return {"both": both, "performed": folder / "performed.duckdb", "granted": folder / "granted.duckdb",
            "folder": folder, "added": added}  # fmt: skip


def _tables(path, page, measure=None):
    con = db.connect(path)
    try:
        return view_page(con, page, Selection("kommun", month=3, measure=measure), 1, ViewOptions(draws=200))
    finally:
        con.close()


def _assert_same(left: dict, right: dict, page: str) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=f"{page}/{name}")


def test_a_second_measure_is_added_by_an_update_and_granted_is_shown_first(stores):
    added = stores["added"]
    assert added.measure_added and added.hours_measure == "granted" and added.hours_rows == len(GRANTED)
    assert added.months_added == sorted({dt.date(2016, int(r[1][5:]), 1) for r in GRANTED})
    assert added.to_dict()["measures"] == {"granted": "2016-12", "performed": "2016-12"}
    con = db.connect(stores["both"])
    info = describe_study(con, "kommun")
    per_measure = con.execute("SELECT measure, count(*), sum(hours) FROM hours GROUP BY 1 ORDER BY 1").fetchall()
    con.close()
    assert info["measures"] == {"granted": dt.date(2016, 12, 1), "performed": dt.date(2016, 12, 1)}
    assert info["hours_measure"] == "granted"  # the unit cost is per granted hour
    assert per_measure == [("granted", 7, 101.5), ("performed", 4, 49.75)]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("measure", ["performed", "granted"])
def test_every_page_of_each_measure_equals_a_study_holding_only_that_measure(stores, page, measure):
    _assert_same(_tables(stores["both"], page, measure), _tables(stores[measure], page), page)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_without_a_choice_the_pages_show_granted_hours(stores, page):
    _assert_same(_tables(stores["both"], page), _tables(stores["granted"], page), page)


def test_the_measures_really_differ_in_the_comparison(stores):
    # Guards the tests above against passing because the measure is ignored.
    con = db.connect(stores["both"])
    means = {
        m: compare_hours(con, Selection("kommun", month=1, measure=m)).groups.query("age_band == 'all'")
        for m in ("performed", "granted")
    }
    con.close()
    assert means["performed"]["mean_intervention"].tolist() != means["granted"]["mean_intervention"].tolist()


@pytest.mark.slow
def test_the_command_line_takes_the_measure_and_says_which_it_used(stores):
    outs = {}
    for name, extra in (("both", ["--hours-measure", "performed"]), ("performed", [])):
        done = run_cli("compare", "--db", str(stores[name]), "--month", "1", "--json", *extra)
        assert done.returncode == 0, done.stderr
        outs[name] = json.loads(done.stdout)
    assert outs["both"] == outs["performed"] and outs["both"]["hours_measure"] == "performed"
    done = run_cli("outcomes", "--db", str(stores["both"]), "--months", "6", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hours_measure"] == "granted"
    done = run_cli("compare", "--db", str(stores["performed"]), "--month", "1", "--hours-measure", "granted")
    assert done.returncode == 1
    assert "Studien har ingen beviljad tid (granted); den har: utförd tid (performed)." in done.stderr
    assert "The study holds no granted time (granted); it holds: performed time (performed)." in done.stderr
    assert "Traceback" not in done.stderr


def test_an_update_of_a_study_with_two_measures_must_say_which(stores, tmp_path):
    path = tmp_path / "s.duckdb"
    db.copy_store(stores["both"], path)
    before = db.store_files(path)
    h = write_csv(tmp_path / "h.csv", H_COLUMNS, [["a1", "2016-04", "3"]])
    with pytest.raises(InputError, match="holds both granted time and performed time; say which measure"):
        update_study(path, "kommun", h)
    assert db.store_files(path) == before


@pytest.mark.slow
def test_each_measure_has_its_complete_through_and_the_analyses_stop_at_the_earliest(stores, tmp_path):
    path = tmp_path / "s.duckdb"
    db.copy_store(stores["both"], path)
    january = write_csv(tmp_path / "jan.csv", H_COLUMNS, [["a1", "2017-01", "11"], ["a4", "2017-01", "2"]])
    done = run_cli("update", "--db", str(path), "--study", "kommun", "--hours", str(january),
                   "--measure", "performed", "--data-end", "2017-01-31", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["measures"] == {"granted": "2016-12", "performed": "2017-01"}
    assert out["complete_through"] == "2017-01" and out["study_complete_through"] == "2016-12"
    assert not out["measure_added"]
    con = db.connect(path)
    info = describe_study(con, "kommun")
    assert db.study_end(con, "kommun") == dt.date(2016, 12, 31)  # granted hours are not complete in January
    con.close()
    assert info["complete_through"] == dt.date(2016, 12, 1) and info["data_end"] == dt.date(2017, 1, 31)
    # The cells of both measures equal cells built from scratch at the new study end.
    rebuilt = tmp_path / "rebuilt.duckdb"
    db.copy_store(path, rebuilt)
    db.write_study(rebuilt, "kommun", lambda con: db.build_aggregates(con, "kommun"), update=True)
    pd.testing.assert_frame_equal(_cells(path), _cells(rebuilt), check_exact=False, rtol=1e-12)
    # Granted January arrives: both measures complete through January, and so are the analyses.
    granted_jan = write_csv(tmp_path / "gjan.csv", H_COLUMNS, [["a1", "2017-01", "12"]])
    summary = update_study(path, "kommun", granted_jan, measure="granted")
    assert summary.study_complete_through == dt.date(2017, 1, 1)
    con = db.connect(path)
    assert db.study_end(con, "kommun") == dt.date(2017, 1, 31)
    sql = "SELECT sum(sum_hours) FROM followup_cells WHERE measure = ? AND month_k = 12 AND arm = 'intervention'"
    january_k = {m: con.execute(sql, [m]).fetchone()[0] for m in ("granted", "performed")}
    con.close()
    assert january_k == {"granted": 12.0, "performed": 11.0}  # a1 (randomized 2016-01) in month 12; a4 had left


@pytest.mark.slow
def test_a_study_file_written_before_two_measures_reads_as_one_measure_and_takes_a_second(stores, tmp_path):
    path = tmp_path / "old.duckdb"
    db.copy_store(stores["performed"], path)
    before = {page: _tables(path, page) for page in PAGES}
    study_file = db.store_files(path)[1]
    old = duckdb.connect(str(study_file))  # as the previous version wrote it
    old.execute("ALTER TABLE hours DROP COLUMN measure")
    old.execute("ALTER TABLE followup_cells DROP COLUMN measure")
    old.execute("DROP TABLE study_measures")
    old.close()
    assert not db._written_with_current_schema(study_file)
    con = db.connect(path)
    info = describe_study(con, "kommun")
    con.close()
    assert info["measures"] == {"performed": dt.date(2016, 12, 1)} and info["hours_measure"] == "performed"
    for page in PAGES:
        _assert_same(_tables(path, page), before[page], page)
    update_study(path, "kommun", write_csv(tmp_path / "g.csv", H_COLUMNS, GRANTED), measure="granted")
    assert db._written_with_current_schema(db.store_files(path)[1])
    for page in PAGES:
        _assert_same(_tables(path, page, "performed"), before[page], page)
        _assert_same(_tables(path, page, "granted"), _tables(stores["granted"], page), page)


@pytest.mark.slow
def test_the_pages_offer_the_measure_and_say_which_is_shown(stores, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("IHR_DB_PATH", str(stores["both"]))
    app = Path(__file__).resolve().parent.parent / "dashboard.py"
    at = AppTest.from_file(str(app), default_timeout=60).run()
    assert not at.exception and not at.error
    choice = at.sidebar.radio(key="hours.sv")
    assert choice.options == ["Beviljad tid", "Utförd tid"] and choice.value == "granted"
    assert any("Timmarna är beviljad tid" in c.value for c in at.caption)
    choice.set_value("performed").run()
    assert not at.exception and not at.error
    assert any("Timmarna är utförd tid" in c.value for c in at.caption)
    assert at.query_params.get("hours") == "performed"
