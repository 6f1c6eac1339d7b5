"""Benchmark of a monthly update and of adding a small study, beside a full import in the same run (issue 18).

Run: python bench/bench_update.py [--people 250000] [--months 138] [--repeat 3]
Builds the national stress-test population (bench_import.write_files) and writes it as the files a
municipality delivers, cut at the latest calendar month with at least half the busiest month's people at
home (most of the study lies before it): the store as it was the
month before (hours up to then, the participants as known then) and one month's delivery (that month's
hours and the participants file as known at its end). Times, in one run:
- the full import of all the data through that month into an empty store (what re-importing costs),
- importing the earlier months, then the monthly update with the new month (target: under 1/10 of the
  full import); the two stores must hold the same hours and cells,
- adding a 300-person study to an empty store and to the national store (target: within 2×), and the
  cost of copying the national store's tables into a new file, which every write paid before per-study files,
- a study of two hours measures: adding granted hours (the earlier months) to the national study, then the
  same monthly update of its performed hours (both measures' cells updated, not rebuilt).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import write_files  # noqa: E402

from analysis.demo import DemoSpec, build_demo_store  # noqa: E402
from analysis.intake.importer import import_study  # noqa: E402
from analysis.intake.update import update_study  # noqa: E402
from analysis.store import db  # noqa: E402

PEOPLE_COLUMNS = (
    "person_id, arm, randomized_on, age, sex, application_type, baseline_hours, {outcomes}, district"
)  # fmt: skip


def _known_at(end: str) -> str:
    """Return the SQL of the participants' outcome dates as known on ``end`` (later ones blank)."""
    return ", ".join(f"CASE WHEN {c} <= DATE '{end}' THEN {c} END AS {c}" for c in ("placed_on", "died_on",
                                                                                     "followup_end"))  # fmt: skip


def write_delivery(folder: Path, people: int, months: int) -> dict:
    """Write the files of the store before the update month, of the update, and of everything through it."""
    p, h, _ = write_files(folder, people, months, personnummer=False)
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT * FROM read_csv(?, header = true)", [str(p)])
    con.execute("CREATE TABLE h AS SELECT * FROM read_csv(?, header = true, types = {'month': 'VARCHAR'})", [str(h)])
    month = con.execute(  # the latest month with half the busiest month's rows or more: most of the study before it
        "WITH m AS (SELECT month, count(*) AS n FROM h GROUP BY month) "
        "SELECT max(month) FROM m WHERE n >= (SELECT max(n) FROM m) / 2"
    ).fetchone()[0]
    end = con.execute("SELECT last_day(strptime(?, '%Y-%m'))::DATE::VARCHAR", [month]).fetchone()[0]
    before_end = con.execute("SELECT (strptime(?, '%Y-%m') - INTERVAL 1 DAY)::DATE::VARCHAR", [month]).fetchone()[0]
    files = {}
    for name, sql in {
        "p_before": f"SELECT {PEOPLE_COLUMNS.format(outcomes=_known_at(before_end))} FROM p "
        f"WHERE randomized_on <= DATE '{before_end}'",
        "h_before": f"SELECT * FROM h WHERE month < '{month}'",
        "p_after": f"SELECT {PEOPLE_COLUMNS.format(outcomes=_known_at(end))} FROM p "
        f"WHERE randomized_on <= DATE '{end}'",
        "h_update": f"SELECT * FROM h WHERE month = '{month}'",
        "h_all": f"SELECT * FROM h WHERE month <= '{month}'",
    }.items():
        files[name] = folder / f"{name}.csv"
        con.execute(f"COPY ({sql}) TO '{files[name]}' (HEADER)")
    rows = {
        "update_month": month,
        "hours_rows_total": con.execute(f"SELECT count(*) FROM h WHERE month <= '{month}'").fetchone()[0],
        "hours_rows_update": con.execute(f"SELECT count(*) FROM h WHERE month = '{month}'").fetchone()[0],
    }
    con.close()
    return {"files": files, "before_end": before_end, "end": end, **rows}


def _timed(fn) -> float:
    """Return the wall time of one call of fn in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _state(path: Path, study: str) -> tuple:
    """Return what must agree between the updated and the re-imported store: rows, hours and cells."""
    con = db.connect(path)
    try:
        return con.execute(
            """SELECT (SELECT count(*) FROM participants WHERE study = $1),
                      (SELECT count(*) FROM hours WHERE study = $1),
                      (SELECT round(sum(hours), 3) FROM hours WHERE study = $1),
                      (SELECT sum(n) FROM followup_cells WHERE study = $1),
                      (SELECT round(sum(sum_hours), 3) FROM followup_cells WHERE study = $1),
                      (SELECT sum(n_placed) + sum(n_died) FROM people_cells WHERE study = $1),
                      (SELECT complete_through FROM studies WHERE study = $1)""",
            [study],
        ).fetchone()
    finally:
        con.close()


def _copy_whole_store(path: Path, target: Path) -> None:
    """Copy every table of a store into a new file: what each write cost before per-study files."""
    con = duckdb.connect(str(target))
    con.execute(db.SCHEMA_PATH.read_text(encoding="utf-8"))
    for file in db.store_files(path)[1:]:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(file)])
        for table in db.TABLES:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")
        con.execute("DETACH src")
    con.execute("CHECKPOINT")
    con.close()


def main() -> None:
    """Write the files, run the imports and the update, and print the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=250_000)
    parser.add_argument("--months", type=int, default=138)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        delivery = write_delivery(folder, args.people, args.months)
        f = delivery["files"]
        whole, stepwise = folder / "whole.duckdb", folder / "stepwise.duckdb"
        full_s = _timed(lambda: import_study(whole, "national", f["p_after"], f["h_all"]))
        first_s = _timed(lambda: import_study(stepwise, "national", f["p_before"], f["h_before"]))
        update_s = _timed(lambda: update_study(stepwise, "national", f["h_update"], participants=f["p_after"]))
        same = _state(whole, "national") == _state(stepwise, "national")
        both = folder / "both.duckdb"
        import_study(both, "national", f["p_before"], f["h_before"], measure="performed")
        add_s = _timed(lambda: update_study(both, "national", f["h_before"], measure="granted"))
        both_update_s = _timed(
            lambda: update_study(both, "national", f["h_update"], participants=f["p_after"], measure="performed")
        )
        small = folder / "small.duckdb"
        build_demo_store(small, replace(DemoSpec(), n_people=300, seed=5))
        con = db.connect(small)
        p_small, h_small = folder / "p_small.csv", folder / "h_small.csv"
        con.execute(f"COPY (SELECT {PEOPLE_COLUMNS.format(outcomes='placed_on, died_on, followup_end')} "
                    f"FROM participants) TO '{p_small}' (HEADER)")  # fmt: skip
        con.execute(f"COPY (SELECT person_id, strftime(month, '%Y-%m') AS month, hours FROM hours) TO '{h_small}' "
                    "(HEADER)")  # fmt: skip
        con.close()
        into_empty, into_national, copy_old = [], [], []
        for i in range(args.repeat):
            into_empty.append(_timed(lambda i=i: import_study(folder / f"empty{i}.duckdb", "small", p_small, h_small)))
            into_national.append(_timed(lambda: import_study(whole, "small", p_small, h_small)))
            copy_old.append(_timed(lambda i=i: _copy_whole_store(whole, folder / f"copy{i}.duckdb")))
            (folder / f"copy{i}.duckdb").unlink()
    empty_s, national_s, copy_s = (statistics.median(v) for v in (into_empty, into_national, copy_old))
    report = {
        "people": args.people,
        "update_month": delivery["update_month"],
        "hours_rows_total": delivery["hours_rows_total"],
        "hours_rows_update": delivery["hours_rows_update"],
        "full_import_s": full_s,
        "import_before_s": first_s,
        "update_s": update_s,
        "update_over_full_import": update_s / full_s,
        "update_equals_full_import": same,
        "small_into_empty_s": empty_s,
        "small_into_national_s": national_s,
        "small_national_over_empty": national_s / empty_s,
        "copy_whole_store_s": copy_s,
        "add_granted_measure_s": add_s,
        "update_with_two_measures_s": both_update_s,
        "update_with_two_measures_over_full_import": both_update_s / full_s,
    }
    print(
        f"Monthly update of {delivery['hours_rows_update']:,} hours rows ({delivery['update_month']}) into a study of "
        f"{delivery['hours_rows_total']:,}: {update_s:.1f} s = {update_s / full_s:.3f} × the full import "
        f"({full_s:.1f} s, same run); same hours and cells as the full import: {same}"
    )
    print(
        f"A 300-person study: {empty_s:.2f} s into an empty store, {national_s:.2f} s into the national store "
        f"({national_s / empty_s:.2f} ×); copying the national store's tables, as every write did before: "
        f"{copy_s:.1f} s"
    )
    print(
        f"Two measures: adding granted hours (the months before the update) {add_s:.1f} s; the monthly "
        f"update of the performed hours then {both_update_s:.1f} s = {both_update_s / full_s:.3f} × the full import"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
