import datetime as dt

import duckdb
import pandas as pd
import pytest
from conftest import SMALL_SPEC, frame, hours_frame, person, store_digest, write_tiny_store
from reference import month_values

from analysis.demo import generate_demo_trial, study_data_end
from analysis.errors import StoreError
from analysis.store import db


def _cells(path, month):
    con = db.connect(path)
    try:
        return db.query(
            con,
            "SELECT arm, sum(n) AS n, sum(sum_hours) AS total FROM followup_cells WHERE month_k = ? GROUP BY arm",
            [month],
        ).set_index("arm")
    finally:
        con.close()


def test_followup_month_membership_by_hand(tmp_path):
    path = tmp_path / "s.duckdb"
    people = frame(
        [
            person("a", randomized="2016-01-20"),  # followed to data_end
            person("b", randomized="2016-01-05", died="2016-03-01"),  # dies on day 1 of month 2
            person("c", randomized="2016-01-31", placed="2016-02-28"),  # placed during month 1
            person("d", randomized="2016-02-10", end="2016-02-29"),  # leaves in month 0
            person("e", arm="control", randomized="2015-12-31"),  # month 0 is December
        ]
    )
    hours = hours_frame(
        [
            ("a", "2016-01", 4.0),
            ("a", "2016-03", 6.0),
            ("b", "2016-03", 2.5),
            ("c", "2016-02", 8.0),
            ("c", "2016-03", 99.0),  # after placement: ignored
            ("d", "2016-01", 50.0),  # before randomization: ignored
            ("e", "2016-02", 3.0),
        ]
    )
    write_tiny_store(path, people, hours, data_end=dt.date(2016, 4, 30))
    # Month 0: a, b, c, d (intervention) and e. Hours a=4, b=0, c=0, d=0.
    m0 = _cells(path, 0)
    assert m0.loc["intervention", "n"] == 4 and m0.loc["intervention", "total"] == 4.0
    # Month 1: a, b, c (placed on 28 Feb, inside month 1); d left in month 0.
    m1 = _cells(path, 1)
    assert m1.loc["intervention", "n"] == 3 and m1.loc["intervention", "total"] == 8.0
    # Month 2 (March): a and b (died on 1 March, not before the month); c placed before March.
    m2 = _cells(path, 2)
    assert m2.loc["intervention", "n"] == 2 and m2.loc["intervention", "total"] == 8.5
    # e: randomized 31 Dec 2015, month 2 is February 2016 with 3 hours.
    assert _cells(path, 2).loc["control", "total"] == 3.0
    # Month 3 (April): only a, to data_end; e's month 3 is March (0 hours); month 4 is April.
    assert _cells(path, 3).loc["intervention", "n"] == 1
    assert _cells(path, 4).loc["control", "n"] == 1
    assert 5 not in set(_cells(path, 5)["n"])  # nobody is followed past April 2016


def test_people_cells_count_outcomes_inside_followup_only(tmp_path):
    path = tmp_path / "s.duckdb"
    people = frame(
        [
            person("a", placed="2016-06-01", died="2016-09-01"),
            person("b", placed="2018-06-01", end="2017-01-31"),  # placement after follow-up ended
            person("c", died="2016-02-01"),
        ]
    )
    write_tiny_store(path, people, hours_frame([]), data_end=dt.date(2017, 12, 31))
    con = db.connect(path)
    row = db.query(con, "SELECT sum(n) n, sum(n_placed) p, sum(n_died) d FROM people_cells").iloc[0]
    con.close()
    assert (row["n"], row["p"], row["d"]) == (3, 1, 2)


@pytest.mark.parametrize("month", [0, 1, 6, 12, 24])
def test_aggregates_match_person_level_reference(small_demo_path, month):
    participants, hours = generate_demo_trial(SMALL_SPEC)
    ref = month_values(participants, hours, study_data_end(SMALL_SPEC), month)
    expected = ref.groupby(["arm", "sex"]).agg(
        n=("hours", "size"), total=("hours", "sum"), sq=("hours", lambda v: (v**2).sum())
    )
    con = db.connect(small_demo_path)
    got = db.query(
        con,
        """SELECT arm, sex, sum(n) AS n, sum(sum_hours) AS total, sum(sum_sq_hours) AS sq
           FROM followup_cells WHERE study = 'demo' AND month_k = ? GROUP BY arm, sex""",
        [month],
    ).set_index(["arm", "sex"])
    con.close()
    pd.testing.assert_frame_equal(got.sort_index()[["n", "total", "sq"]], expected.sort_index(), check_dtype=False)


def test_connect_missing_file_names_the_file(tmp_path):
    with pytest.raises(StoreError) as err:
        db.connect(tmp_path / "none.duckdb")
    assert "none.duckdb" in err.value.sv and "none.duckdb" in err.value.en


def test_failed_write_leaves_store_untouched(tmp_path):
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame([person("a")]), hours_frame([("a", "2016-01", 3.0)]))
    before = store_digest(path)

    def broken(con):
        con.execute("DELETE FROM participants")
        raise RuntimeError("boom")

    for update in (False, True):
        with pytest.raises(RuntimeError):
            db.write_study(path, "tiny", broken, update=update)
        assert store_digest(path) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb", "s.duckdb.lock", "s.duckdb.studies"]
        assert [p.name for p in db.studies_folder(path).iterdir()] == [db.store_files(path)[1].name]
        assert (tmp_path / "s.duckdb.lock").stat().st_size == 0  # the lock file is empty


def test_reader_keeps_old_data_while_store_is_replaced(tmp_path):
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame([person("a")]), hours_frame([]))
    reader = db.connect(path)
    old_version = db.data_version(path)
    write_tiny_store(path, frame([person("a"), person("b")]), hours_frame([]))  # a writer while a reader is open
    assert db.query(reader, "SELECT count(*) AS n FROM participants")["n"].iloc[0] == 1
    assert db.data_version(path) != old_version
    fresh = db.connect(path)
    assert db.query(fresh, "SELECT count(*) AS n FROM participants")["n"].iloc[0] == 2
    reader.close()
    fresh.close()


def test_connections_are_read_only(small_demo_path):
    con = db.connect(small_demo_path)
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM participants")
    con.close()
