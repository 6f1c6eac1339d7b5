import csv
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.demo import DemoSpec, build_demo_store
from analysis.errors import InputError
from analysis.intake.importer import ImportRejected, import_study
from analysis.store import db
from tests.conftest import store_bytes, store_digest

ROOT = Path(__file__).resolve().parent.parent
PNR_A = ("19640823-3234", "196408233234", "6408233234", "640823-3234")  # forms of one person
PNR_B = "640883-3231"  # a samordningsnummer

P_COLUMNS = [
    "person_id",
    "arm",
    "randomized_on",
    "age",
    "sex",
    "application_type",
    "baseline_hours",
    "placed_on",
    "died_on",
    "followup_end",
    "district",
]


def participants_rows():
    return [
        ["a1", "intervention", "2016-01-15", "70", "F", "new", "12.5", "", "", "", "Årby"],
        ["a2", "control", "2016-02-01", "81", "M", "extended", "20", "2016-06-03", "", "", "Ärla"],
        ["a3", "control", "2016-03-10", "90", "F", "new", "8", "", "2016-09-30", "", "Östra Torshälla"],
        ["a4", "intervention", "2016-03-11", "77", "M", "new", "0", "", "", "2016-10-31", ""],
    ]


def hours_rows():
    return [["a1", "2016-01", "10.5"], ["a1", "2016-02", "12"], ["a2", "2016-02", "20.25"], ["a3", "2016-05", "7"]]


def write_csv(path, header, rows, delimiter=",", encoding="utf-8", decimal_comma=False):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow([v.replace(".", ",") if decimal_comma and v.replace(".", "").isdigit() else v for v in row])
    return path


def write_pair(tmp_path, p_rows=None, h_rows=None, name="in", p_header=None, h_header=None, **kwargs):
    p = write_csv(
        tmp_path / f"{name}_p.csv", p_header or P_COLUMNS, participants_rows() if p_rows is None else p_rows, **kwargs
    )
    h = write_csv(
        tmp_path / f"{name}_h.csv",
        h_header or ["person_id", "month", "hours"],
        hours_rows() if h_rows is None else h_rows,
        **kwargs,
    )
    return p, h


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.setenv("IHR_PSEUDONYM_KEY", str(tmp_path / "keys" / "pseudonym.key"))


def table(path, sql, params=None):
    con = db.connect(path)
    try:
        return db.query(con, sql, params)
    finally:
        con.close()


def checksums(path):
    con = db.connect(path)
    try:
        return {
            t: db.query(con, f"SELECT count(*) AS n, coalesce(sum(hash(COLUMNS(*))), 0) AS h FROM {t}").to_dict(
                "records"
            )
            for t in ("studies", "participants", "hours", "followup_cells", "people_cells")
        }
    finally:
        con.close()


def test_windows_1252_semicolon_decimal_comma_swedish_names(tmp_path):
    header = [
        "löpnummer",
        "grupp",
        "randomiserad",
        "ålder",
        "kön",
        "ansökningstyp",
        "timmar_vid_start",
        "särskilt boende",
        "dödsdatum",
        "uppföljning slut",
        "distrikt",
    ]
    rows = [
        [
            r[0],
            {"intervention": "IHR", "control": "kontroll"}[r[1]],
            *r[2:4],
            {"F": "K", "M": "M"}[r[4]],
            {"new": "ny", "extended": "utökad"}[r[5]],
            *r[6:],
        ]
        for r in participants_rows()
    ]
    p, h = write_pair(
        tmp_path,
        rows,
        p_header=header,
        h_header=["löpnummer", "månad", "timmar"],
        delimiter=";",
        encoding="cp1252",
        decimal_comma=True,
    )
    assert "Ã" not in p.read_bytes().decode("cp1252") and b"\xc5rby" in p.read_bytes()  # really Windows-1252
    summary = import_study(tmp_path / "s.duckdb", "kommun", p, h)
    assert summary.people == {"control": 2, "intervention": 2}
    assert summary.total_hours == pytest.approx(49.75)
    got = table(
        tmp_path / "s.duckdb",
        "SELECT person_id, arm, sex, application_type, baseline_hours, district FROM participants ORDER BY person_id",
    )
    assert got["district"].tolist() == ["Årby", "Ärla", "Östra Torshälla", None]
    assert got["arm"].tolist() == ["intervention", "control", "control", "intervention"]
    assert got["sex"].tolist() == ["F", "M", "F", "M"] and got["application_type"].tolist()[1] == "extended"
    assert got["baseline_hours"].tolist() == [12.5, 20.0, 8.0, 0.0]


def test_utf8_with_bom(tmp_path):
    p, h = write_pair(tmp_path, encoding="utf-8-sig")
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    assert import_study(tmp_path / "s.duckdb", "s", p, h).people == {"control": 2, "intervention": 2}


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_excel_and_parquet_load_the_same_as_csv(tmp_path, fmt):
    p_csv, h_csv = write_pair(tmp_path)
    import_study(tmp_path / "csv.duckdb", "s", p_csv, h_csv)
    p_frame = pd.DataFrame(participants_rows(), columns=P_COLUMNS).replace("", None)
    h_frame = pd.DataFrame(hours_rows(), columns=["person_id", "month", "hours"])
    if fmt == "xlsx":
        p_frame["age"] = p_frame["age"].astype(int)  # typed cells, as Excel holds them
        h_frame["hours"] = h_frame["hours"].astype(float)
        p_path, h_path = tmp_path / "p.xlsx", tmp_path / "h.xlsx"
        p_frame.to_excel(p_path, index=False)
        h_frame.to_excel(h_path, index=False)
    else:
        for col in ("randomized_on", "placed_on", "died_on", "followup_end"):
            p_frame[col] = pd.to_datetime(p_frame[col]).dt.date
        p_frame["age"] = p_frame["age"].astype("int32")
        p_frame["baseline_hours"] = p_frame["baseline_hours"].astype(float)
        h_frame["hours"] = h_frame["hours"].astype(float)
        p_path, h_path = tmp_path / "p.parquet", tmp_path / "h.parquet"
        p_frame.to_parquet(p_path)
        h_frame.to_parquet(h_path)
    import_study(tmp_path / "other.duckdb", "s", p_path, h_path)
    for sql in (
        "SELECT * EXCLUDE (study) FROM participants ORDER BY person_id",
        "SELECT * FROM hours ORDER BY person_id, month",
        "SELECT * FROM followup_cells ORDER BY ALL",
    ):
        pd.testing.assert_frame_equal(table(tmp_path / "csv.duckdb", sql), table(tmp_path / "other.duckdb", sql))


def _rows_with(index, column, value):
    rows = participants_rows()
    rows[index][P_COLUMNS.index(column)] = value
    return rows


BAD_PARTICIPANTS = [
    ("unknown arm", _rows_with(0, "arm", "behandling"), 2, "arm", "code"),
    ("unknown sex", _rows_with(1, "sex", "X"), 3, "sex", "code"),
    ("unknown application type", _rows_with(2, "application_type", "akut"), 4, "application_type", "code"),
    ("bad date", _rows_with(0, "randomized_on", "2016-02-30"), 2, "randomized_on", "date"),
    ("slashed date", _rows_with(0, "placed_on", "2016/05/01"), 2, "placed_on", "date"),
    ("empty date", _rows_with(1, "randomized_on", ""), 3, "randomized_on", "empty"),
    ("age text", _rows_with(0, "age", "sjuttio"), 2, "age", "age"),
    ("age fraction", _rows_with(0, "age", "70.5"), 2, "age", "age"),
    ("age too low", _rows_with(0, "age", "17"), 2, "age", "age"),
    ("age too high", _rows_with(0, "age", "121"), 2, "age", "age"),
    ("negative baseline", _rows_with(3, "baseline_hours", "-2"), 5, "baseline_hours", "number"),
    ("text baseline", _rows_with(3, "baseline_hours", "många"), 5, "baseline_hours", "number"),
    ("infinite baseline", _rows_with(3, "baseline_hours", "inf"), 5, "baseline_hours", "number"),
    ("duplicate person", _rows_with(1, "person_id", "a1"), 3, "person_id", "duplicate_person"),
    ("empty id", _rows_with(1, "person_id", ""), 3, "person_id", "empty"),
    (
        "placement before randomization",
        _rows_with(1, "placed_on", "2016-01-31"),
        3,
        "placed_on",
        "before_randomization",
    ),
    ("death before randomization", _rows_with(0, "died_on", "2015-12-31"), 2, "died_on", "before_randomization"),
    (
        "end before randomization",
        _rows_with(0, "followup_end", "2016-01-14"),
        2,
        "followup_end",
        "before_randomization",
    ),
    ("personnummer as plain id", _rows_with(0, "person_id", PNR_A[0]), 2, "person_id", "personnummer_as_id"),
]


@pytest.mark.parametrize(
    ("case", "rows", "row", "column", "code"), BAD_PARTICIPANTS, ids=[c[0] for c in BAD_PARTICIPANTS]
)
def test_bad_participants_are_reported_with_row_column_value(tmp_path, case, rows, row, column, code):
    p, h = write_pair(tmp_path, rows, hours_rows() if code != "duplicate_person" and case != "empty id" else [])
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    found = [(x.row, x.column, x.code) for x in err.value.problems]
    assert (row, column, code) in found, found
    problem = next(x for x in err.value.problems if x.code == code)
    assert problem.file == p.name and p.name in problem.message("en") and f"row {row}" in problem.message("en")
    assert not (tmp_path / "s.duckdb").exists()


BAD_HOURS = [
    ("negative hours", [["a1", "2016-01", "-1"]], 2, "hours", "number"),
    ("text hours", [["a1", "2016-01", "tio"]], 2, "hours", "number"),
    ("bad month", [["a1", "2016-13", "3"]], 2, "month", "month"),
    ("month text", [["a1", "januari", "3"]], 2, "month", "month"),
    ("unknown person", [["a1", "2016-01", "3"], ["zz", "2016-01", "3"]], 3, "person_id", "unknown_person"),
    ("duplicate person-month", [["a1", "2016-01", "3"], ["a1", "2016-01-01", "4"]], 3, "month", "duplicate_month"),
    ("empty hours", [["a1", "2016-01", ""]], 2, "hours", "empty"),
]


@pytest.mark.parametrize(("case", "rows", "row", "column", "code"), BAD_HOURS, ids=[c[0] for c in BAD_HOURS])
def test_bad_hours_are_reported(tmp_path, case, rows, row, column, code):
    p, h = write_pair(tmp_path, None, rows)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert (row, column, code) in [(x.row, x.column, x.code) for x in err.value.problems]


def test_missing_columns_are_listed_together(tmp_path):
    header = [c for c in P_COLUMNS if c not in ("arm", "died_on")]
    rows = [[v for c, v in zip(P_COLUMNS, r) if c in header] for r in participants_rows()]
    p, h = write_pair(tmp_path, rows, p_header=header)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert {(x.column, x.code) for x in err.value.problems} == {
        ("arm", "missing_column"),
        ("died_on", "missing_column"),
    }


def test_all_problems_at_once_and_the_cap(tmp_path, monkeypatch):
    rows = participants_rows()
    for r in rows:
        r[1] = "fel"
        r[3] = "x"
    p, h = write_pair(tmp_path, rows)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert err.value.total == 8 and len(err.value.problems) == 8
    monkeypatch.setenv("IHR_MAX_PROBLEMS", "3")
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert err.value.total == 8 and len(err.value.problems) == 3
    assert "8" in err.value.en


def test_high_hours_and_hours_outside_home_are_warnings(tmp_path):
    rows = [*hours_rows(), ["a1", "2016-03", "350"], ["a2", "2016-08", "5"], ["a1", "2015-12", "2"]]
    p, h = write_pair(tmp_path, None, rows)
    summary = import_study(tmp_path / "s.duckdb", "s", p, h)
    codes = [w.code for w in summary.warnings]
    assert codes.count("high_hours") == 1 and "outside_home" in codes
    outside = next(w for w in summary.warnings if w.code == "outside_home")
    assert outside.value == "2"  # a2 placed in June: August not counted; a1 before randomization


def test_csv_with_wrong_field_count_names_the_row(tmp_path):
    p, h = write_pair(tmp_path)
    with open(h, "a", encoding="utf-8") as handle:
        handle.write("a1,2016-09,3,extra\r\n")  # csv.writer ends lines with CRLF
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert "row 6" in err.value.en and h.name in err.value.en


@pytest.mark.parametrize(("name", "content"), [("x.txt2", b"a"), ("bad.xlsx", b"not excel"), ("bad.parquet", b"nope")])
def test_unreadable_files_give_clear_errors(tmp_path, name, content):
    p, _ = write_pair(tmp_path)
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, bad)
    assert name in err.value.en or ".txt2" in err.value.en


def test_rejected_import_leaves_store_exactly_as_before(tmp_path):
    path = tmp_path / "s.duckdb"
    build_demo_store(path, DemoSpec(n_people=200, seed=2))
    p, h = write_pair(tmp_path)
    import_study(path, "kommun", p, h)
    before_bytes = store_digest(path)
    before = checksums(path)
    bad_p, bad_h = write_pair(tmp_path, _rows_with(0, "arm", "x"), name="bad")
    with pytest.raises(ImportRejected):
        import_study(path, "kommun", bad_p, bad_h)
    assert checksums(path) == before
    assert store_digest(path) == before_bytes
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith(".s.duckdb")) == []
    assert [x.name for x in db.studies_folder(path).iterdir() if x.name.endswith(".tmp")] == []


def test_import_replaces_only_its_own_study(tmp_path):
    path = tmp_path / "s.duckdb"
    build_demo_store(path, DemoSpec(n_people=200, seed=2))
    demo_before = table(path, "SELECT count(*) AS n, sum(hours) AS h FROM hours WHERE study = 'demo'")
    p, h = write_pair(tmp_path)
    import_study(path, "kommun", p, h)
    p2, h2 = write_pair(tmp_path, participants_rows()[:2], hours_rows()[:2], name="second")
    import_study(path, "kommun", p2, h2)
    studies = table(path, "SELECT study, count(*) AS n FROM participants GROUP BY study ORDER BY study")
    assert studies.to_dict("records") == [{"study": "demo", "n": 200}, {"study": "kommun", "n": 2}]
    pd.testing.assert_frame_equal(
        table(path, "SELECT count(*) AS n, sum(hours) AS h FROM hours WHERE study = 'demo'"), demo_before
    )


def pnr_files(tmp_path, pnr_a_participants, pnr_a_hours, name="pnr"):
    rows = participants_rows()[:2]
    rows[0][0], rows[1][0] = pnr_a_participants, PNR_B
    header = ["personnummer", *P_COLUMNS[1:]]
    return write_pair(
        tmp_path,
        rows,
        [[pnr_a_hours, "2016-01", "3"], [PNR_B, "2016-02", "4"]],
        name=name,
        p_header=header,
        h_header=["personnummer", "månad", "timmar"],
    )


def test_personnummer_get_the_same_pseudonym_across_files_forms_and_imports(tmp_path):
    p, h = pnr_files(tmp_path, PNR_A[0], PNR_A[2])  # 12 digits with dash vs 10 digits
    import_study(tmp_path / "s.duckdb", "s", p, h)
    first = table(tmp_path / "s.duckdb", "SELECT person_id, sum(hours) AS h FROM hours GROUP BY ALL ORDER BY ALL")
    assert len(first) == 2  # both hours rows matched their participants
    p2, h2 = pnr_files(tmp_path, PNR_A[3], PNR_A[1], name="again")
    import_study(tmp_path / "s2.duckdb", "s", p2, h2)
    again = table(tmp_path / "s2.duckdb", "SELECT person_id, sum(hours) AS h FROM hours GROUP BY ALL ORDER BY ALL")
    pd.testing.assert_frame_equal(first, again)
    assert all(pid.startswith("P") and len(pid) == 21 for pid in first["person_id"])


@pytest.mark.slow
def test_no_personnummer_in_store_logs_or_output(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    p, h = pnr_files(tmp_path, PNR_A[0], PNR_A[2])
    path = tmp_path / "s.duckdb"
    import_study(path, "s", p, h)
    bad_p, bad_h = pnr_files(tmp_path, "640823-3235", PNR_A[2], name="bad")  # wrong check digit
    with pytest.raises(ImportRejected) as err:
        import_study(path, "s", bad_p, bad_h)
    shown = " ".join(x.message("sv") + x.message("en") for x in err.value.problems)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "import",
            "--db",
            str(path),
            "--study",
            "t",
            "--participants",
            str(bad_p),
            "--hours",
            str(bad_h),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ},
    )
    assert done.returncode == 1
    haystacks = [store_bytes(path), caplog.text.encode(), shown.encode(), done.stdout.encode(), done.stderr.encode()]
    wal = Path(f"{path}.wal")
    if wal.exists():
        haystacks.append(wal.read_bytes())
    for form in (*PNR_A, "640823-3235", "6408233235", PNR_B, "6408833231", "196408833231", "640823", "19640823"):
        for hay in haystacks:
            assert form.encode() not in hay, form
    assert {x.code for x in err.value.problems} >= {"personnummer", "unknown_person"}


def test_different_id_kinds_in_the_two_files_are_rejected(tmp_path):
    p, _ = write_pair(tmp_path)
    _, h = pnr_files(tmp_path, PNR_A[0], PNR_A[2])
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert [x.code for x in err.value.problems] == ["id_kind"]


def test_column_mapping_for_other_layouts(tmp_path):
    header = ["Nr", "Behandling", "Start", "Alder år", "Kon2", "Typ", "Tim", "SÄBO", "Död", "Slut", "Omr"]
    p, h = write_pair(tmp_path, p_header=header, h_header=["Nr", "Period", "Tid"])
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert {x.code for x in err.value.problems} == {"missing_column"}
    mapping = dict(zip(P_COLUMNS, header))
    summary = import_study(
        tmp_path / "s.duckdb",
        "s",
        p,
        h,
        participants_mapping=mapping,
        hours_mapping={"person_id": "Nr", "month": "Period", "hours": "Tid"},
    )
    assert summary.people == {"control": 2, "intervention": 2}
    with pytest.raises(InputError):
        import_study(tmp_path / "s.duckdb", "s", p, h, participants_mapping={"arm": "Nope"})


@pytest.mark.slow
def test_cli_import_prints_summary_and_compare_takes_the_study(tmp_path):
    p, h = write_pair(tmp_path)
    path = tmp_path / "s.duckdb"
    run = lambda *a: subprocess.run([sys.executable, "-m", "analysis", *a], capture_output=True, text=True, cwd=ROOT)  # noqa: E731
    done = run("import", "--db", str(path), "--study", "kommun", "--participants", str(p), "--hours", str(h))
    assert done.returncode == 0, done.stderr
    assert "control: 2, intervention: 2" in done.stdout and "2016-01 – 2016-05" in done.stdout
    done = run("compare", "--db", str(path), "--study", "kommun", "--month", "1", "--json")
    assert done.returncode == 0 and '"month": 1' in done.stdout
    bad_p, bad_h = write_pair(tmp_path, _rows_with(0, "age", "x"), name="bad")
    done = run("import", "--db", str(path), "--study", "kommun", "--participants", str(bad_p), "--hours", str(bad_h))
    assert done.returncode == 1 and "rad 2" in done.stderr and "row 2" in done.stderr and "Traceback" not in done.stderr
