"""Benchmark of importing a national-scale file set (CSV): 250,000 people, about 30 million hours rows.

Run: python bench/bench_import.py [--people 250000] [--months 138] [--personnummer] [--visits]
Generates the files with the demo generator (stress-test population as in bench_overview.py), writes
them as CSV, and times `import_study` into an empty store, step by step. With --visits it also writes the
same care as a visits file (each month's hours as equal visits of at most 24 hours on consecutive days:
about 30 million visits at national scale) and times importing that instead, beside the hours import in
the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_overview import national_spec  # noqa: E402

from analysis.demo import build_demo_store  # noqa: E402
from analysis.intake.importer import import_study  # noqa: E402
from analysis.intake.personnummer import luhn_check_digit  # noqa: E402
from analysis.store import db  # noqa: E402


def fake_personnummer(n: int, seed: int = 1) -> list[str]:
    """Return n distinct valid personnummer (12 digits with dash) of people born 1921-1951."""
    rng = np.random.default_rng(seed)
    out: set[str] = set()
    while len(out) < n:
        year, month, day, serial = (
            rng.integers(1921, 1952),
            rng.integers(1, 13),
            rng.integers(1, 29),
            rng.integers(0, 1000),
        )
        nine = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
        out.add(f"{year}{month:02d}{day:02d}-{serial:03d}{luhn_check_digit(nine)}")
    return sorted(out)


def write_files(folder: Path, people: int, months: int, personnummer: bool) -> tuple[Path, Path, dict]:
    """Build the population in a scratch store and export it as the two CSV files an analyst would have."""
    store = folder / "source.duckdb"
    # Enrolment (a year) and follow-up end before today: an import refuses dates after today.
    first = (dt.date.today().replace(day=1) - dt.timedelta(days=31 * (months + 14))).replace(day=1)
    build_demo_store(store, replace(national_spec(people, months), first_randomization=first))
    con = db.connect(store)
    p_path, h_path = folder / "participants.csv", folder / "hours.csv"
    id_col = "person_id"
    if personnummer:
        ids = fake_personnummer(people)
        con.execute(
            "CREATE TEMP TABLE ids AS SELECT unnest(?::VARCHAR[]) AS pnr, unnest(?::VARCHAR[]) AS person_id",
            [ids, [f"D{i:06d}" for i in range(1, people + 1)]],
        )
        id_col = "personnummer"
        p_from = "participants JOIN ids USING (person_id)"
        h_from = "hours JOIN ids USING (person_id)"
        p_id, h_id = "pnr AS personnummer", "pnr AS personnummer"
    else:
        p_from, h_from, p_id, h_id = "participants", "hours", "person_id", "person_id"
    con.execute(
        f"""COPY (SELECT {p_id}, arm, randomized_on, age, sex, application_type, baseline_hours, placed_on, died_on,
                  followup_end, district FROM {p_from}) TO '{p_path}' (HEADER, DELIMITER ',')"""
    )
    con.execute(f"COPY (SELECT {h_id}, strftime(month, '%Y-%m') AS month, hours FROM {h_from}) TO '{h_path}' (HEADER)")
    # The same care as visits: a month's hours in ceil(hours / 24) equal visits on days 1, 2, … (each at most
    # 24 hours, so the file passes the checks; real visits are shorter and more, the row count is the point).
    con.execute(
        f"""COPY (
            SELECT {h_id.split(" AS ")[-1]} AS {id_col},
                   strftime(month + to_days(i) + INTERVAL 8 HOUR, '%Y-%m-%d %H:%M') AS start,
                   round(hours * 60 / k, 2) AS minutes
            FROM (SELECT {h_id}, month, hours, greatest(1, ceil(hours / 24))::INTEGER AS k FROM {h_from}),
                 LATERAL (SELECT unnest(range(k)) AS i)
        ) TO '{folder / "visits.csv"}' (HEADER)"""
    )
    rows = {
        "people": con.execute("SELECT count(*) FROM participants").fetchone()[0],
        "hours_rows": con.execute("SELECT count(*) FROM hours").fetchone()[0],
        "visit_rows": int(con.execute(f"SELECT sum(greatest(1, ceil(hours / 24))) FROM {h_from}").fetchone()[0]),
        "id": id_col,
    }
    con.close()
    store.unlink()
    return p_path, h_path, rows


def main() -> None:
    """Write the files, import them once, and print the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=250_000)
    parser.add_argument("--months", type=int, default=138)
    parser.add_argument("--personnummer", action="store_true")
    parser.add_argument("--visits", action="store_true", help="also import the same care as a visits file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["IHR_PSEUDONYM_KEY"] = str(folder / "key")
        p, h, rows = write_files(folder, args.people, args.months, args.personnummer)
        sizes = {"participants_mb": p.stat().st_size / 1e6, "hours_mb": h.stat().st_size / 1e6}
        start = time.perf_counter()
        baseline = db.scratch()  # the same run's baseline: DuckDB reading the two files as text, nothing else
        for path in (p, h):
            baseline.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
            baseline.execute("DROP TABLE t")
        baseline.close()
        read_s = time.perf_counter() - start
        steps = []
        start = time.perf_counter()
        summary = import_study(
            folder / "store.duckdb",
            "national",
            p,
            h,
            progress=lambda f, sv, en: steps.append((round(time.perf_counter() - start, 2), en)),
        )
        total = time.perf_counter() - start
        visits = {}
        if args.visits:
            start = time.perf_counter()
            visit_steps = []
            from_visits = import_study(
                folder / "visits.duckdb", "national", p, visits=folder / "visits.csv",
                progress=lambda f, sv, en: visit_steps.append((round(time.perf_counter() - start, 2), en)),
            )  # fmt: skip
            visits = {
                "visits_mb": (folder / "visits.csv").stat().st_size / 1e6,
                "visits_import_s": time.perf_counter() - start,
                "visits_over_hours_import": (time.perf_counter() - start) / total,
                # minutes are written with two decimals, as time systems do: totals agree to rounding
                "same_total_hours": abs(from_visits.total_hours - summary.total_hours) < 1e-5 * summary.total_hours,
                "visit_steps": visit_steps,
            }
    report = {
        **rows,
        **sizes,
        "import_s": total,
        "baseline_read_s": read_s,
        "import_over_read": total / read_s,
        "steps": steps,
        "loaded_people": sum(summary.people.values()),
        "loaded_hours_rows": summary.hours_rows,
        **visits,
    }
    print(
        f"Imported {report['loaded_people']:,} people and {report['loaded_hours_rows']:,} hours rows "
        f"({sizes['hours_mb']:.0f} MB CSV, id: {rows['id']}) in {total:.1f} s; reading the files alone "
        f"took {read_s:.1f} s (import = {total / read_s:.1f} × reading)"
    )
    for at, step in steps:
        print(f"  {at:7.2f} s  {step}")
    if visits:
        print(
            f"The same care as {rows['visit_rows']:,} visits ({visits['visits_mb']:.0f} MB CSV): "
            f"{visits['visits_import_s']:.1f} s = {visits['visits_over_hours_import']:.2f} × the hours import; "
            f"same total hours: {visits['same_total_hours']}"
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
