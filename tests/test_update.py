"""Monthly updates (issue 18): an update equals a full import of the same data; conflicts are refused unwritten."""

import datetime as dt
import json

import pandas as pd
import pytest
from conftest import run_cli, store_digest
from test_import import P_COLUMNS, participants_rows, write_csv, write_pair

from analysis.economics.scenario import unit_costs
from analysis.errors import InputError, StoreError
from analysis.intake.importer import ImportRejected, import_study
from analysis.intake.update import update_study
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.present.viewer import PAGES, ViewOptions, view_page
from analysis.selection import Selection
from analysis.store import db
from analysis.store.studies import describe_study

CUTOFF = dt.date(2017, 6, 30)  # the first delivery reaches to here; the update brings the rest


def _demo_files(small_demo_path, folder):
    """Write the small demo study as the files a municipality would deliver: participants and hours."""
    con = db.connect(small_demo_path)
    people = db.query(con, "SELECT * FROM participants WHERE study = 'demo' ORDER BY person_id")
    hours = db.query(con, "SELECT person_id, strftime(month, '%Y-%m') AS month, hours FROM hours WHERE study = 'demo'")
    end = con.execute("SELECT data_end FROM studies WHERE study = 'demo'").fetchone()[0]
    con.close()
    people = people[P_COLUMNS]
    return people, hours.assign(month_day=pd.to_datetime(hours["month"] + "-01").dt.date), end


def _write_people(path, people, known_until=None):
    """Write a participants file; outcome dates after known_until are not known yet (blank)."""
    frame = people.copy()
    if known_until is not None:
        frame = frame[pd.to_datetime(frame["randomized_on"]).dt.date <= known_until].copy()
        for name in ("placed_on", "died_on", "followup_end"):
            later = pd.to_datetime(frame[name]).dt.date > known_until
            frame.loc[later.fillna(False), name] = None
    rows = [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    return write_csv(path, P_COLUMNS, rows)


def _write_hours(path, hours):
    """Write an hours file from person_id, month and hours columns."""
    rows = [[p, m, repr(h)] for p, m, h in hours[["person_id", "month", "hours"]].itertuples(index=False)]
    return write_csv(path, ["person_id", "month", "hours"], rows)


@pytest.fixture(scope="module")
def stores(small_demo_path, tmp_path_factory):
    """A study imported at once, and the same study imported to the cutoff and then updated with the rest."""
    folder = tmp_path_factory.mktemp("update")
    people, hours, end = _demo_files(small_demo_path, folder)
    before = hours[hours["month_day"] <= CUTOFF]
    after = hours[hours["month_day"] > CUTOFF]
    full_p = _write_people(folder / "p_full.csv", people)
    whole, stepwise = folder / "whole.duckdb", folder / "stepwise.duckdb"
    import_study(whole, "demo", full_p, _write_hours(folder / "h_all.csv", hours), data_end=end)
    first_p = _write_people(folder / "p_first.csv", people, known_until=CUTOFF)
    import_study(stepwise, "demo", first_p, _write_hours(folder / "h_first.csv", before), data_end=CUTOFF)
    summary = update_study(stepwise, "demo", _write_hours(folder / "h_rest.csv", after), participants=full_p,
                           data_end=end)  # fmt: skip
    return whole, stepwise, summary, folder, people, hours, end


def test_update_reports_what_it_changed(stores):
    _, _, summary, _, people, hours, end = stores
    later = sorted(m for m in hours["month_day"].unique() if m > CUTOFF)
    assert summary.months_added == later and summary.months_replaced == []
    assert summary.people_added == int((pd.to_datetime(people["randomized_on"]).dt.date > CUTOFF).sum())
    assert summary.outcome_dates_changed > 0
    assert summary.data_end == end and summary.complete_through == end.replace(day=1)
    assert summary.hours_rows == int((hours["month_day"] > CUTOFF).sum())


@pytest.mark.parametrize("page", PAGES)
def test_an_update_gives_the_tables_of_a_full_import(stores, page):
    whole, stepwise, *_ = stores
    tables = []
    for path in (whole, stepwise):
        con = db.connect(path)
        tables.append(view_page(con, page, Selection("demo", month=12), 5, ViewOptions(draws=200)))
        con.close()
    for name in tables[0]:
        pd.testing.assert_frame_equal(tables[0][name], tables[1][name], obj=f"{page}/{name}")


def test_an_update_gives_the_per_person_outcomes_of_a_full_import(stores):
    whole, stepwise, *_ = stores
    results = []
    for path in (whole, stepwise):
        con = db.connect(path)
        results.append(compare_person_outcomes(con, Selection("demo", month=12), unit_costs(), draws=200))
        con.close()
    pd.testing.assert_frame_equal(results[0].groups, results[1].groups)


def test_a_redelivered_month_replaces_that_month(stores, tmp_path):
    whole, *_, hours, _ = stores
    path = tmp_path / "s.duckdb"
    db.copy_store(whole, path)
    month = "2017-03"
    again = hours[hours["month"] == month].assign(hours=1.5)
    summary = update_study(path, "demo", _write_hours(tmp_path / "again.csv", again))
    assert summary.months_replaced == [dt.date(2017, 3, 1)] and summary.months_added == []
    con = db.connect(path)
    got = con.execute("SELECT count(*), sum(hours) FROM hours WHERE month = DATE '2017-03-01'").fetchone()
    others = con.execute("SELECT sum(hours) FROM hours WHERE month <> DATE '2017-03-01'").fetchone()[0]
    con.close()
    assert got == (len(again), pytest.approx(1.5 * len(again)))
    assert others == pytest.approx(hours.loc[hours["month"] != month, "hours"].sum())


def _small_study(tmp_path):
    p, h = write_pair(tmp_path)
    path = tmp_path / "s.duckdb"
    import_study(path, "kommun", p, h, data_end=dt.date(2016, 12, 31))
    return path


def _people_with(index, column, value):
    rows = participants_rows()
    rows[index][P_COLUMNS.index(column)] = value
    return rows


CONFLICTS = [
    ("arm changed", _people_with(0, "arm", "control"), 2, "arm", "randomization_changed", "intervention"),
    ("randomized moved", _people_with(1, "randomized_on", "2016-02-02"), 3, "randomized_on", "randomization_changed",
     "2016-02-01"),
    ("placement earlier", _people_with(1, "placed_on", "2016-05-01"), 3, "placed_on", "date_moved_back", "2016-06-03"),
    ("death removed", _people_with(2, "died_on", ""), 4, "died_on", "date_moved_back", "2016-09-30"),
    ("person dropped", participants_rows()[:3], None, "person_id", "person_dropped", "1 are missing"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "rows", "row", "column", "code", "shown"), CONFLICTS, ids=[c[0] for c in CONFLICTS])
def test_conflicts_with_the_study_are_refused_and_change_nothing(tmp_path, label, rows, row, column, code, shown):
    path = _small_study(tmp_path)
    before = store_digest(path)
    p = write_csv(tmp_path / "p2.csv", P_COLUMNS, rows)
    h = write_csv(tmp_path / "h2.csv", ["person_id", "month", "hours"], [["a1", "2017-01", "4"]])
    with pytest.raises(ImportRejected) as err:
        update_study(path, "kommun", h, participants=p, data_end=dt.date(2017, 1, 31))
    problem = err.value.problems[0]
    assert (problem.row, problem.column, problem.code) == (row, column, code)
    assert shown in problem.message("en")
    assert store_digest(path) == before


def test_a_later_outcome_date_and_a_new_person_are_taken(tmp_path):
    path = _small_study(tmp_path)
    new = ["a5", "control", "2017-01-05", "72", "F", "new", "3", "", "", "", "Ärla"]
    rows = [*_people_with(0, "placed_on", "2017-01-20"), new]
    p = write_csv(tmp_path / "p2.csv", P_COLUMNS, rows)
    h = write_csv(tmp_path / "h2.csv", ["person_id", "month", "hours"], [["a5", "2017-01", "4"]])
    summary = update_study(path, "kommun", h, participants=p)
    assert (summary.people_added, summary.outcome_dates_changed) == (1, 1)
    assert summary.data_end == dt.date(2017, 1, 31)
    con = db.connect(path)
    assert describe_study(con, "kommun")["n_people"] == 5
    con.close()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"data_end": dt.date(2016, 11, 30)}, "end_moved_back"), ({"complete_through": dt.date(2016, 10, 1)},
                                                                 "complete_moved_back")],
)  # fmt: skip
def test_the_data_end_and_complete_through_do_not_move_back(tmp_path, kwargs, code):
    path = _small_study(tmp_path)
    before = store_digest(path)
    h = write_csv(tmp_path / "h2.csv", ["person_id", "month", "hours"], [["a1", "2016-11", "4"]])
    with pytest.raises(ImportRejected) as err:
        update_study(path, "kommun", h, **kwargs)
    assert [p.code for p in err.value.problems] == [code]
    assert store_digest(path) == before


def test_an_unknown_person_in_an_hours_only_update_is_named_by_row(tmp_path):
    path = _small_study(tmp_path)
    h = write_csv(
        tmp_path / "h2.csv", ["person_id", "month", "hours"], [["a1", "2017-01", "4"], ["zz", "2017-01", "2"]]
    )
    with pytest.raises(ImportRejected) as err:
        update_study(path, "kommun", h)
    assert [(p.row, p.column, p.value, p.code) for p in err.value.problems] == [
        (3, "person_id", "zz", "unknown_person")
    ]


def test_a_missing_study_or_another_measure_is_refused(tmp_path):
    path = _small_study(tmp_path)
    h = write_csv(tmp_path / "h2.csv", ["person_id", "month", "hours"], [["a1", "2017-01", "4"]])
    with pytest.raises(StoreError, match="import it first"):
        update_study(path, "annan", h)
    with pytest.raises(InputError, match="same measure"):
        update_study(path, "kommun", h, measure="granted")


def test_the_update_command_prints_json_and_exits_non_zero_on_conflicts(tmp_path):
    path = _small_study(tmp_path)
    h = write_csv(tmp_path / "h2.csv", ["person_id", "month", "hours"], [["a1", "2017-01", "4"]])
    done = run_cli("update", "--db", str(path), "--study", "kommun", "--hours", str(h), "--complete-through",
                   "2016-12", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["months_added"], out["complete_through"], out["data_end"]) == (["2017-01"], "2016-12", "2017-01-31")
    p = write_csv(tmp_path / "p2.csv", P_COLUMNS, _people_with(0, "arm", "control"))
    done = run_cli("update", "--db", str(path), "--study", "kommun", "--hours", str(h), "--participants", str(p))
    assert done.returncode == 1
    assert "row 2, column 'arm', value 'control'" in done.stderr and "Traceback" not in done.stderr
