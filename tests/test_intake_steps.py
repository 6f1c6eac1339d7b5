"""Each step of an import on its own: read → pseudonymise → validate → write (import_study runs them in order)."""

import datetime as dt

import pytest

from analysis.errors import InputError
from analysis.intake.problems import ImportRejected, Problem, ProblemLog
from analysis.intake.pseudonymise import map_personnummer
from analysis.intake.read import read_files
from analysis.intake.validate import resolve_data_end, validate_files
from analysis.intake.write import write_study
from analysis.store import db
from tests.test_import import P_COLUMNS, PNR_A, PNR_B, hours_rows, participants_rows, write_pair

HOURS = ["person_id", "month", "hours"]


def quiet(*_):
    """Progress callback that shows nothing."""


@pytest.fixture
def con():
    connection = db.scratch()
    yield connection
    connection.close()


def new_log(cap=50):
    return ProblemLog({"participants": "p.csv", "hours": "h.csv"}, cap)


def read(con, tmp_path, log=None, mappings=None, **pair):
    p, h = write_pair(tmp_path, **pair)
    return read_files(con, {"participants": p, "hours": h}, mappings or {}, log or new_log(), quiet)


def test_read_finds_swedish_column_names_and_the_kind_of_id(con, tmp_path):
    swedish = ["löpnummer", "grupp", "randomiseringsdatum", "ålder", "kön", "ansökningstyp", "timmar vid start"]
    swedish += ["särskilt boende", "dödsdatum", "uppföljning slut", "distrikt"]
    layout = read(con, tmp_path, p_header=swedish, h_header=["löpnummer", "månad", "timmar"])
    assert layout.columns["participants"]["age"] == "ålder"
    assert layout.columns["participants"]["person_id"] == "löpnummer"
    assert layout.id_kind == {"participants": "person_id", "hours": "person_id"}
    assert not layout.pseudonymised
    assert layout.offsets == {"participants": 2, "hours": 2}  # CSV: rowid 0 is file row 2, under the header
    assert con.execute("SELECT count(*) FROM participants_src").fetchone()[0] == len(participants_rows())


def test_read_lists_every_missing_column_and_validation_adds_the_values_problems(con, tmp_path):
    # Issue 30 item 10: a missing column used to stop the check, so a bad date and negative hours in the same
    # files were not listed although the page promises every problem.
    header = [c for c in P_COLUMNS if c not in ("age", "died_on")]
    rows = [[v for c, v in zip(P_COLUMNS, r) if c in header] for r in participants_rows()]
    rows[1][header.index("randomized_on")] = "2016-13-01"
    hours = hours_rows()
    hours[0][2] = "-4"
    log = new_log()
    layout = read(con, tmp_path, log=log, p_header=header, p_rows=rows, h_rows=hours)
    assert layout.missing["participants"] == ("age", "died_on") and not layout.complete
    assert {(p.column, p.code) for p in log.errors} == {("age", "missing_column"), ("died_on", "missing_column")}
    with pytest.raises(ImportRejected) as caught:
        validate_files(con, layout, log)
    found = {(p.kind, p.row, p.column, p.code) for p in caught.value.problems}
    assert found == {
        ("participants", None, "age", "missing_column"),
        ("participants", None, "died_on", "missing_column"),
        ("participants", 3, "randomized_on", "date"),
        ("hours", 2, "hours", "number"),
    }


def test_a_file_without_an_id_column_stops_at_reading(con, tmp_path):
    header = ["nummer", *P_COLUMNS[1:]]
    with pytest.raises(ImportRejected) as caught:
        read(con, tmp_path, p_header=header)
    assert [(p.column, p.code) for p in caught.value.problems] == [("person_id", "missing_column")]


def test_read_rejects_a_personnummer_file_paired_with_a_study_id_file(con, tmp_path):
    header = ["personnummer", *P_COLUMNS[1:]]
    rows = [[PNR_A[0], *r[1:]] for r in participants_rows()]
    with pytest.raises(ImportRejected) as caught:
        read(con, tmp_path, p_header=header, p_rows=rows)
    assert [p.code for p in caught.value.problems] == ["id_kind"]


def test_read_names_a_mapping_to_a_column_the_file_lacks(con, tmp_path):
    with pytest.raises(InputError, match="'ålder' is not in the file"):
        read(con, tmp_path, mappings={"participants": {"age": "ålder"}})
    other = db.scratch()
    with pytest.raises(InputError, match="unknown field 'shoe_size'"):
        read(other, tmp_path, mappings={"participants": {"shoe_size": "age"}})
    other.close()


def test_pseudonymise_maps_each_valid_number_once_and_no_raw_number_survives(con, tmp_path):
    header = ["personnummer", *P_COLUMNS[1:]]
    numbers = [PNR_A[0], PNR_B, "19121212-1213", "not a number"]  # the third has a wrong check digit
    rows = [[n, *r[1:]] for n, r in zip(numbers, participants_rows())]
    hours = [[PNR_A[1], "2016-01", "3"], [PNR_B, "2016-03", "4"]]  # the same people written differently
    layout = read(
        con, tmp_path, p_header=header, p_rows=rows, h_header=["personnummer", "month", "hours"], h_rows=hours
    )
    assert map_personnummer(con, layout, tmp_path / "key") is True
    mapped = dict(con.execute("SELECT raw, id FROM _pnr_map").fetchall())
    assert set(mapped) == {PNR_A[0], PNR_A[1], PNR_B}
    assert mapped[PNR_A[0]] == mapped[PNR_A[1]] != mapped[PNR_B]
    assert not any(digit in pseudonym for pseudonym in mapped.values() for digit in ("640823", "3234"))


def test_pseudonymise_does_nothing_for_study_ids(con, tmp_path):
    layout = read(con, tmp_path)
    assert map_personnummer(con, layout, tmp_path / "key") is False
    assert not (tmp_path / "key").exists()


def test_validate_types_values_and_names_row_column_and_value(con, tmp_path):
    rows = participants_rows()
    rows[1][3] = "äldre"  # age, file row 3
    rows[2] = [rows[0][0], *rows[2][1:]]  # a duplicate of the first person, file row 4
    hours = [*hours_rows(), ["zz", "2016-02", "1"]]
    layout = read(con, tmp_path, p_rows=rows, h_rows=hours)
    log = new_log()
    with pytest.raises(ImportRejected):
        validate_files(con, layout, log)
    found = {(p.kind, p.row, p.column, p.value, p.code) for p in log.errors}
    assert found == {
        ("participants", 3, "age", "äldre", "age"),
        ("participants", 4, "person_id", "a1", "duplicate_person"),
        ("hours", 5, "person_id", "a3", "unknown_person"),  # a3's row was replaced by the duplicate
        ("hours", 6, "person_id", "zz", "unknown_person"),
    }
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%_src'").fetchone()[0] == 0


def test_validate_keeps_warnings_without_rejecting(con, tmp_path):
    layout = read(con, tmp_path, h_rows=[*hours_rows(), ["a2", "2016-03", "400"]])
    log = new_log()
    validate_files(con, layout, log)
    assert log.error_total == 0
    assert [(w.code, w.value) for w in log.warnings] == [("high_hours", "400")]
    assert resolve_data_end(con, None) == dt.date(2016, 10, 31)  # the latest date: a4's end of follow-up
    assert resolve_data_end(con, dt.date(2017, 1, 31)) == dt.date(2017, 1, 31)


def test_the_log_counts_every_problem_and_lists_up_to_its_cap(con, tmp_path):
    rows = [[f"p{i}", "intervention", "2016-01-15", "200", "F", "new", "1", "", "", "", ""] for i in range(7)]
    layout = read(con, tmp_path, p_rows=rows, h_rows=[])
    log = new_log(cap=3)
    with pytest.raises(ImportRejected) as caught:
        validate_files(con, layout, log)
    assert caught.value.total == 7 and len(caught.value.problems) == 3


def test_write_replaces_the_study_and_summarises_it(con, tmp_path):
    con.execute(db.SCHEMA_PATH.read_text(encoding="utf-8"))
    layout = read(con, tmp_path)
    log = new_log()
    validate_files(con, layout, log)
    log.add(Problem("hours", "h.csv", None, None, "2", "outside_home", "warning"))
    steps = []
    summary = write_study(con, "s", dt.date(2016, 12, 31), False, log, lambda f, sv, en: steps.append(f))
    assert summary.people == {"control": 2, "intervention": 2}
    assert (summary.hours_rows, summary.total_hours) == (4, 49.75)
    assert summary.first_month == dt.date(2016, 1, 1) and summary.last_month == dt.date(2016, 5, 1)
    assert summary.warnings_total == 1 and steps == [0.8]
    assert con.execute("SELECT count(*) FROM participants WHERE study = 's'").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM people_cells WHERE study = 's'").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%_typed'").fetchone()[0] == 0
