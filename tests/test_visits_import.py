"""Visit-level import (issue 18): visits summed per person and month give what the monthly file gives."""

import json

import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.intake.fileformat import template_csv
from analysis.intake.importer import ImportRejected, import_study
from analysis.present.viewer import PAGES, ViewOptions, view_page
from analysis.selection import Selection
from analysis.store import db
from tests.conftest import run_cli, store_digest
from tests.test_import import write_csv, write_pair

V_COLUMNS = ["person_id", "start", "end", "service", "unit"]


def visits_rows():
    # a1: 1.5 h on Jan 15, a visit from 23:30 on Jan 31 to 00:30 on Feb 1 (counts in January, where it
    # starts), 45 min in February; a2 (randomized Feb 1): two staff at once on Feb 10 (overlapping), 1 h each.
    return [
        ["a1", "2016-01-15 08:00", "2016-01-15 09:30", "Omvårdnad", "Centrum"],
        ["a1", "2016-01-31 23:30", "2016-02-01 00:30", "Omvårdnad", "Centrum"],
        ["a1", "2016-02-03T10:00", "2016-02-03T10:45", "Service", "Centrum"],
        ["a2", "2016-02-10 10:00", "2016-02-10 11:00", "Omvårdnad", "Årby"],
        ["a2", "2016-02-10 10:00:00", "2016-02-10 11:00:00", "Omvårdnad", "Årby"],
        ["a3", "2016-05-02 07:15", "2016-05-02 14:15", "Omvårdnad", "Östra"],
    ]


# The same care summed by hand: person, month, hours.
MONTHLY = [["a1", "2016-01", "2.5"], ["a1", "2016-02", "0.75"], ["a2", "2016-02", "2"], ["a3", "2016-05", "7"]]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("visits")
    p, h = write_pair(folder, h_rows=MONTHLY)
    v = write_csv(folder / "v.csv", V_COLUMNS, visits_rows())
    summary = import_study(folder / "visits.duckdb", "s", p, visits=v)
    import_study(folder / "monthly.duckdb", "s", p, h)
    return folder / "visits.duckdb", folder / "monthly.duckdb", summary


def test_visits_are_summed_where_they_start_and_overlaps_are_a_warning(stores):
    visits, _, summary = stores
    con = db.connect(visits)
    rows = con.execute("SELECT person_id, strftime(month, '%Y-%m'), hours FROM hours ORDER BY ALL").fetchall()
    con.close()
    assert rows == [("a1", "2016-01", 2.5), ("a1", "2016-02", 0.75), ("a2", "2016-02", 2.0), ("a3", "2016-05", 7.0)]
    assert summary.visit_rows == 6 and summary.hours_rows == 4
    assert any("overlap in time" in w.message("en") for w in summary.warnings)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_same_from_visits_as_from_the_monthly_file(stores, page):
    visits, monthly, _ = stores
    tables = []
    for path in (visits, monthly):
        con = db.connect(path)
        tables.append(view_page(con, page, Selection("s", month=6), 1, ViewOptions(draws=200)))
        con.close()
    assert tables[0].keys() == tables[1].keys()
    for name in tables[0]:
        pd.testing.assert_frame_equal(tables[0][name], tables[1][name], obj=f"{page}/{name}")


@pytest.mark.slow
def test_the_command_line_gives_the_same_numbers_from_visits(stores):
    visits, monthly, _ = stores
    outs = []
    for path in (visits, monthly):
        done = run_cli("compare", "--db", str(path), "--study", "s", "--month", "1", "--json")
        assert done.returncode == 0, done.stderr
        outs.append(json.loads(done.stdout))
    assert [out.pop("hours_measure") for out in outs] == ["performed", "unknown"]  # a visits file is performed time
    assert outs[0] == outs[1]


def test_minutes_and_swedish_headers_are_accepted(tmp_path):
    p, _ = write_pair(tmp_path)
    v = write_csv(tmp_path / "v.csv", ["löpnummer", "starttid", "minuter", "insats"],
                  [["a1", "2016-01-15 08:00", "90", "x"], ["a1", "2016-01-16 08:00", "30", "x"]])  # fmt: skip
    summary = import_study(tmp_path / "s.duckdb", "s", p, visits=v)
    assert summary.total_hours == 2.0 and summary.hours_rows == 1


def test_the_visits_template_imports(tmp_path):
    files = {}
    for kind in ("participants", "visits"):
        files[kind] = tmp_path / f"{kind}.csv"
        files[kind].write_text(template_csv(kind), encoding="utf-8")
    summary = import_study(tmp_path / "s.duckdb", "s", files["participants"], visits=files["visits"])
    assert summary.visit_rows == 3 and summary.total_hours == pytest.approx(0.75 + 0.5 + 1.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (["a1", "2016-01-15 08:00", "2016-01-15 07:59", "", ""], "end", "a visit of 0–24 hours"),
        (["a1", "2016-01-15 08:00", "2016-01-16 08:01", "", ""], "end", "a visit of 0–24 hours"),
        (["a1", "15/1/2016 8:00", "2016-01-15 09:00", "", ""], "start", "a date and time YYYY-MM-DD HH:MM"),
        (["a1", "2016-01-15", "2016-01-15 09:00", "", ""], "start", "a date and time YYYY-MM-DD HH:MM"),
        (["a9", "2016-01-15 08:00", "2016-01-15 09:00", "", ""], "person_id", "a person present in the participants"),
        (["a1", "2031-01-15 08:00", "2031-01-15 09:00", "", ""], "start", "no later than today"),
        (["a1", "", "2016-01-15 09:00", "", ""], "start", "a value is required"),
    ],
)
def test_a_bad_visit_is_refused_by_row_and_the_store_is_unchanged(tmp_path, row, column, expected):
    p, h = write_pair(tmp_path)
    store = tmp_path / "s.duckdb"
    import_study(store, "s", p, h)
    before = store_digest(store)
    v = write_csv(tmp_path / "v.csv", V_COLUMNS, [["a1", "2016-01-15 10:00", "2016-01-15 11:00", "", ""], row])
    with pytest.raises(ImportRejected) as caught:
        import_study(store, "s", p, visits=v)
    messages = [problem.message("en") for problem in caught.value.problems]
    assert any("Visits file v.csv, row 3" in m and f"column '{column}'" in m and expected in m for m in messages)
    assert store_digest(store) == before


def test_minutes_out_of_range_and_a_missing_length_column_are_refused(tmp_path):
    p, _ = write_pair(tmp_path)
    v = write_csv(tmp_path / "v.csv", ["person_id", "start", "minutes"], [["a1", "2016-01-15 08:00", "1500"]])
    with pytest.raises(ImportRejected, match="rejected") as caught:
        import_study(tmp_path / "s.duckdb", "s", p, visits=v)
    assert "minutes 0–1440" in caught.value.problems[0].message("en")
    v = write_csv(tmp_path / "w.csv", ["person_id", "start"], [["a1", "2016-01-15 08:00"]])
    with pytest.raises(ImportRejected) as caught:
        import_study(tmp_path / "s.duckdb", "s", p, visits=v)
    assert "end / minutes" in caught.value.problems[0].message("en")


@pytest.mark.slow
def test_hours_and_visits_are_one_or_the_other(tmp_path):
    p, h = write_pair(tmp_path)
    with pytest.raises(InputError, match="either an hours file or a visits file"):
        import_study(tmp_path / "s.duckdb", "s", p, h, visits=h)
    with pytest.raises(InputError, match="either an hours file or a visits file"):
        import_study(tmp_path / "s.duckdb", "s", p)
    done = run_cli("import", "--db", str(tmp_path / "s.duckdb"), "--study", "s", "--participants", str(p))
    assert done.returncode == 2 and "--hours" in done.stderr and "--visits" in done.stderr
