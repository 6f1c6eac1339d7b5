"""Importing outcome measures at visits (issue 17): missing stays missing, bad files are refused row by row."""

import pytest

from analysis.errors import InputError
from analysis.instruments import load_instruments
from analysis.intake.fileformat import template_csv
from analysis.intake.importer import ImportRejected, import_study
from analysis.store import db
from tests.conftest import read_documentation, store_digest
from tests.test_import import P_COLUMNS, PNR_A, participants_rows, write_csv, write_pair

M_COLUMNS = ["person_id", "visit_date", "instrument", "value"]


def measurements_rows():
    # a1 randomized 2016-01-15: baseline a week before, the 3-month visit 12 days late; a2 misses month 3.
    return [
        ["a1", "2016-01-08", "eq5d_index", "0.61"],
        ["a1", "2016-04-27", "eq5d_index", "0.70"],
        ["a1", "2016-04-27", "adl_katz", "5"],
        ["a2", "2016-02-01", "eq5d_index", "-0.12"],
        ["a3", "2016-03-10", "EQ5D_Index", "0,55"],  # any case, decimal comma
    ]


def rows_of(path, study="s"):
    con = db.connect(path)
    try:
        return con.execute(
            "SELECT person_id, visit_month, instrument, value FROM measurements WHERE study = ? ORDER BY ALL", [study]
        ).fetchall()
    finally:
        con.close()


def test_measurements_are_stored_at_their_planned_visit_and_a_missed_visit_stays_missing(tmp_path):
    p, h = write_pair(tmp_path)
    m = write_csv(tmp_path / "m.csv", M_COLUMNS, measurements_rows())
    summary = import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m)
    assert summary.measurement_rows == {"adl_katz": 1, "eq5d_index": 4}
    assert rows_of(tmp_path / "s.duckdb") == [
        ("a1", 0, "eq5d_index", 0.61),
        ("a1", 3, "adl_katz", 5.0),
        ("a1", 3, "eq5d_index", 0.70),
        ("a2", 0, "eq5d_index", -0.12),
        ("a3", 0, "eq5d_index", 0.55),
    ]  # a2 has no month-3 row (not a zero), a4 has none at all


def test_a_named_timepoint_and_swedish_column_names_are_accepted(tmp_path):
    p, h = write_pair(tmp_path)
    m = write_csv(tmp_path / "m.csv", ["löpnummer", "besöksmånad", "mått", "värde"], [["a1", "6", "eq_vas", "70"]])
    import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m)
    assert rows_of(tmp_path / "s.duckdb") == [("a1", 6, "eq_vas", 70.0)]


def test_the_template_imports(tmp_path):
    files = {}
    for kind in ("participants", "hours", "measurements"):
        files[kind] = tmp_path / f"{kind}.csv"
        files[kind].write_text(template_csv(kind), encoding="utf-8")
    summary = import_study(tmp_path / "s.duckdb", "s", files["participants"], files["hours"],
                           measurements=files["measurements"])  # fmt: skip
    assert sum(summary.measurement_rows.values()) == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (["a1", "2015-09-01", "eq5d_index", "0.5"], "visit_date", "days before randomization"),
        (["a1", "2016-04-14", "eq5d", "0.5"], "instrument", "an instrument of the catalogue"),
        (["a1", "2016-04-14", "eq_vas", "101"], "value", "a value 0–100 for eq_vas"),
        (["a1", "2016-04-14", "ucla3", "2"], "value", "a value 3–9 for ucla3"),
        (["a9", "2016-04-14", "eq_vas", "50"], "person_id", "a person present in the participants file"),
        (["a1", "2016-04-14", "eq_vas", "x"], "value", "a number"),
        (["a1", "2016-04-14", "eq_vas", ""], "value", "a value is required"),
        (["a1", "14/4/2016", "eq_vas", "50"], "visit_date", "a date YYYY-MM-DD"),
        (["a3", "2016-10-01", "eq_vas", "50"], "visit_date", "a visit before the date of death"),
        (["a1", "2030-01-01", "eq_vas", "50"], "visit_date", "no later than today"),
    ],
)
def test_a_bad_measurements_file_is_refused_row_by_row_and_the_store_is_unchanged(tmp_path, row, column, expected):
    p, h = write_pair(tmp_path)
    store = tmp_path / "s.duckdb"
    import_study(store, "s", p, h)
    before = store_digest(store)
    m = write_csv(tmp_path / "m.csv", M_COLUMNS, [["a1", "2016-01-15", "eq_vas", "60"], row])
    with pytest.raises(ImportRejected) as caught:
        import_study(store, "s", p, h, measurements=m)
    messages = [problem.message("en") for problem in caught.value.problems]
    assert any("Measurements file m.csv, row 3" in m and f"column '{column}'" in m and expected in m for m in messages)
    assert store_digest(store) == before


def test_two_rows_for_one_visit_are_refused(tmp_path):
    p, h = write_pair(tmp_path)
    rows = [["a1", "2016-04-14", "eq_vas", "60"], ["a1", "2016-04-20", "eq_vas", "62"]]  # both the 3-month visit
    with pytest.raises(ImportRejected) as caught:
        import_study(tmp_path / "s.duckdb", "s", p, h, measurements=write_csv(tmp_path / "m.csv", M_COLUMNS, rows))
    assert "already on row 2" in caught.value.problems[0].message("en")


def test_a_file_with_neither_visit_date_nor_visit_month_is_refused(tmp_path):
    p, h = write_pair(tmp_path)
    m = write_csv(tmp_path / "m.csv", ["person_id", "instrument", "value"], [["a1", "eq_vas", "60"]])
    with pytest.raises(ImportRejected) as caught:
        import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m)
    assert "visit_date / visit_month" in caught.value.problems[0].message("en")


def test_personnummer_in_a_measurements_file_get_the_participants_pseudonyms(tmp_path):
    p_rows = [[PNR_A[0], *participants_rows()[0][1:]]]
    p = write_csv(tmp_path / "p.csv", ["personnummer", *P_COLUMNS[1:]], p_rows)
    h = write_csv(tmp_path / "h.csv", ["personnummer", "month", "hours"], [[PNR_A[1], "2016-02", "3"]])
    m = write_csv(tmp_path / "m.csv", ["personnummer", "visit_date", "instrument", "value"],
                  [[PNR_A[2], "2016-01-15", "eq_vas", "55"]])  # fmt: skip
    import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m, key_file=tmp_path / "key")
    con = db.connect(tmp_path / "s.duckdb")
    ids = con.execute("SELECT (SELECT person_id FROM participants), (SELECT person_id FROM measurements)").fetchone()
    con.close()
    assert ids[0] == ids[1] and "6408" not in ids[0]


def test_a_reimport_without_measurements_removes_the_old_ones(tmp_path):
    p, h = write_pair(tmp_path)
    m = write_csv(tmp_path / "m.csv", M_COLUMNS, measurements_rows())
    import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m)
    import_study(tmp_path / "s.duckdb", "s", p, h)
    assert rows_of(tmp_path / "s.duckdb") == []


def test_own_instruments_are_added_and_may_not_redefine_a_built_in_one(tmp_path, monkeypatch):
    own = tmp_path / "own.toml"
    entry = ('label_sv = "Gång"\nlabel_en = "Walk"\nlow = 0\nhigh = 60\nhigher_is_better = false\n'
             'unit_sv = "sekunder"\nunit_en = "seconds"\nsource = "Timed up and go"\n')  # fmt: skip
    own.write_text("[tug]\n" + entry, encoding="utf-8")
    monkeypatch.setenv("IHR_INSTRUMENTS_FILE", str(own))
    assert load_instruments()["tug"].label("en") == "Walk"
    own.write_text("[eq_vas]\n" + entry, encoding="utf-8")
    with pytest.raises(InputError, match="redefines built-in instruments: eq_vas"):
        load_instruments()
    own.write_text("[bad]\nlabel_sv = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[bad\]: missing"):
        load_instruments()


# An invented additive value set for the tests (not a published one: none may be typed in from memory).
VALUE_SET = [["constant", "0.05"]] + [
    [f"{dim}{level}", f"{0.01 * level * (i + 1):.2f}"] for i, dim in enumerate(["MO", "SC", "UA", "PD", "AD"])
    for level in range(2, 6)
]  # fmt: skip


def eq5d_rows(pid, visit, levels):
    return [[pid, str(visit), f"eq5d_{d}", str(v)] for d, v in zip(["mo", "sc", "ua", "pd", "ad"], levels)]


def test_the_eq5d_index_is_computed_from_the_dimensions_with_the_users_value_set(tmp_path):
    p, h = write_pair(tmp_path)
    vs = write_csv(tmp_path / "vs.csv", ["term", "decrement"], VALUE_SET)
    rows = eq5d_rows("a1", 0, [1, 1, 1, 1, 1]) + eq5d_rows("a1", 3, [2, 1, 3, 1, 5]) + [["a2", "0", "eq5d_mo", "2"]]
    m = write_csv(tmp_path / "m.csv", ["person_id", "visit_month", "instrument", "value"], rows)
    summary = import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m, value_set=vs)
    index = [r for r in rows_of(tmp_path / "s.duckdb") if r[2] == "eq5d_index"]
    # 1 − constant − MO2 − UA3 − AD5 = 1 − 0.05 − 0.02 − 0.09 − 0.25; full health (11111) is 1 without the constant
    assert index == [("a1", 0, "eq5d_index", 1.0), ("a1", 3, "eq5d_index", pytest.approx(0.59, abs=1e-12))]
    assert any("not all five EQ-5D dimensions" in w.message("en") for w in summary.warnings)  # a2: no index


@pytest.mark.parametrize(
    ("value_set", "rows", "expected"),
    [
        (VALUE_SET[:-1], eq5d_rows("a1", 3, [1, 1, 1, 1, 5]), "a value set with the term AD5"),
        (VALUE_SET, eq5d_rows("a1", 3, [1, 1, 1, 1, 2.5]), "a whole number"),
        (VALUE_SET, [*eq5d_rows("a1", 3, [2, 1, 1, 1, 1]), ["a1", "3", "eq5d_index", "0.7"]], "not both for one visit"),
    ],
)
def test_an_eq5d_index_that_cannot_be_computed_rightly_is_refused(tmp_path, value_set, rows, expected):
    p, h = write_pair(tmp_path)
    vs = write_csv(tmp_path / "vs.csv", ["term", "decrement"], value_set)
    m = write_csv(tmp_path / "m.csv", ["person_id", "visit_month", "instrument", "value"], rows)
    with pytest.raises(ImportRejected) as caught:
        import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m, value_set=vs)
    assert any(expected in problem.message("en") for problem in caught.value.problems)
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["constant", "0.05"], ["N3", "0.2"]], "row 3, column term, value 'N3'"),
        ([["constant", "x"]], "row 2, column decrement, value 'x'"),
        ([["MO2", "0.1"], ["mo2", "0.1"]], "once per term"),
    ],
)
def test_a_value_set_file_that_is_not_additive_or_not_numbers_is_refused(tmp_path, rows, expected):
    p, h = write_pair(tmp_path)
    vs = write_csv(tmp_path / "vs.csv", ["term", "decrement"], rows)
    m = write_csv(tmp_path / "m.csv", ["person_id", "visit_month", "instrument", "value"], eq5d_rows("a1", 0, [1] * 5))
    with pytest.raises(InputError, match=expected):
        import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m, value_set=vs)
    with pytest.raises(InputError, match="only used with a measurements file"):
        import_study(tmp_path / "s.duckdb", "s", p, h, value_set=vs)


def test_every_built_in_instrument_is_in_the_readme():
    # Like the settings: an instrument a file may name is documented, or this fails.
    readme = read_documentation()
    missing = [name for name in load_instruments() if f"`{name}`" not in readme]
    assert not missing, missing


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_a_measurements_file_in_excel_or_parquet_imports_as_the_csv_does(tmp_path, fmt):
    import pandas as pd

    p, h = write_pair(tmp_path)
    frame = pd.DataFrame(measurements_rows(), columns=M_COLUMNS)
    frame["value"] = frame["value"].str.replace(",", ".").astype(float)
    path = tmp_path / f"m.{fmt}"
    frame.to_excel(path, index=False) if fmt == "xlsx" else frame.to_parquet(path, index=False)
    import_study(tmp_path / "s.duckdb", "s", p, h, measurements=path)
    csv = tmp_path / "c"
    csv.mkdir()
    p2, h2 = write_pair(csv)
    import_study(csv / "s.duckdb", "s", p2, h2, measurements=write_csv(csv / "m.csv", M_COLUMNS, measurements_rows()))
    assert rows_of(tmp_path / "s.duckdb") == rows_of(csv / "s.duckdb")
