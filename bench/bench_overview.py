"""Benchmark of the overview queries on the demo store and a national-scale store, beside pandas.

Run: python bench/bench_overview.py [--people 250000] [--months 120] [--repeat 21]
Prints build time, the median time per overview query (DuckDB on the pre-aggregated cells), the
same aggregation done in pandas from the raw rows, and the peak memory of a process that runs the
overview page (Streamlit AppTest) on the national store.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo import DemoSpec, build_demo_store  # noqa: E402
from analysis.outcomes.compare import compare_hours, compare_hours_by_sex  # noqa: E402
from analysis.outcomes.overview import summarize_people, trace_hours  # noqa: E402
from analysis.present.disclosure import find_differencing_risks  # noqa: E402
from analysis.present.linked import find_risks  # noqa: E402
from analysis.selection import Filters, Selection, default_bands  # noqa: E402
from analysis.store import db  # noqa: E402


def national_spec(people: int, months: int) -> DemoSpec:
    """Return a stress-test population: every person followed up to `months` months, few exits."""
    return replace(
        DemoSpec(),
        n_people=people,
        months=months,
        enrolment_days=365,
        annual_death=(0.01, 0.02, 0.03),
        two_year_placement_control=(0.01, 0.02, 0.03),
        annual_dropout=0.0,
        seed=1,
    )


def _median_ms(fn, repeat: int) -> float:
    """Return the median wall time of fn in milliseconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_queries(path: Path, repeat: int) -> dict[str, float]:
    """Time each overview query as the page calls it, with and without filters."""
    con = db.connect(path)
    bands = default_bands()
    some = Filters(sex=("F",), application_type=("new",), district=("Centrum", "Ärla"))
    out = {
        "summarize_people": _median_ms(lambda: summarize_people(con, Selection("demo", Filters(), bands)), repeat),
        "compare_hours (month 24)": _median_ms(
            lambda: compare_hours(con, Selection("demo", Filters(), bands, 24)), repeat
        ),
        "trace_hours (all months)": _median_ms(lambda: trace_hours(con, Selection("demo", Filters(), bands)), repeat),
        "compare_hours, filtered": _median_ms(lambda: compare_hours(con, Selection("demo", some, bands, 24)), repeat),
        "trace_hours, filtered": _median_ms(lambda: trace_hours(con, Selection("demo", some, bands)), repeat),
        "differencing risks, filtered (month 24)": _median_ms(
            lambda: find_differencing_risks(con, Selection("demo", some, bands, 24), 5), repeat
        ),
        "differencing risks, filtered (every month)": _median_ms(
            lambda: find_differencing_risks(con, Selection("demo", some, bands), 5, by_month=True), repeat
        ),
        **{
            f"linked risks '{table}', filtered (window 24)": _median_ms(
                lambda table=table: find_risks(con, Selection("demo", some, bands, 24), 5, table, (3, 6, 12, 24)),
                max(3, repeat // 4),
            )
            for table in ("people", "placement", "at_risk", "outcomes", "flow", "table1")
        },
        "hours by sex (total, women, men)": _median_ms(
            lambda: compare_hours_by_sex(con, Selection("demo", Filters(), bands, 24)), repeat
        ),
    }
    con.close()
    return out


def time_pandas(path: Path, repeat: int) -> dict[str, float]:
    """Time the same month-24 comparison and trajectory done in pandas from the raw rows."""
    con = db.connect(path)
    participants = db.query(con, "SELECT * FROM participants")
    hours = db.query(con, "SELECT * FROM hours")
    data_end = pd.Timestamp(db.query(con, "SELECT data_end FROM studies")["data_end"].iloc[0])
    con.close()

    def person_months() -> pd.DataFrame:
        p = participants.copy()
        m0 = p["randomized_on"].dt.to_period("M")
        exit_on = p[["placed_on", "died_on", "followup_end"]].min(axis=1).fillna(data_end)
        p["exit_k"] = (exit_on.dt.to_period("M") - m0).apply(lambda d: d.n)
        p["m0"] = m0.dt.to_timestamp()
        h = hours.merge(p[["person_id", "m0", "exit_k"]], on="person_id")
        h["k"] = (h["month"].dt.year - h["m0"].dt.year) * 12 + (h["month"].dt.month - h["m0"].dt.month)
        h = h[(h["k"] >= 0) & (h["k"] <= h["exit_k"])]
        return p, h

    def trajectory():
        p, h = person_months()
        sums = h.groupby(["k"])["hours"].agg(["sum", lambda v: (v**2).sum()])
        at_risk = p["exit_k"].value_counts().sort_index(ascending=False).cumsum()
        return sums, at_risk

    def month24():
        p, h = person_months()
        at = p[p["exit_k"] >= 24][["person_id", "arm"]]
        v = at.merge(h[h["k"] == 24][["person_id", "hours"]], on="person_id", how="left").fillna({"hours": 0})
        return v.groupby("arm")["hours"].agg(["mean", "std", "size"])

    return {
        "compare_hours (month 24)": _median_ms(month24, repeat),
        "trace_hours (all months)": _median_ms(trajectory, repeat),
    }


PAGE_PROBE = """
import os, sys
sys.path.insert(0, {root!r})
os.environ["IHR_DB_PATH"] = {path!r}
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=300).run()
assert not at.exception, at.exception
at.sidebar.multiselect(key="sex.sv").set_value(["F"]).run()
at.radio(key="trajectory_band").set_value("86-95").run()
# VmHWM is this process's own peak; ru_maxrss would include pages shared with the forking parent.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def page_peak_mb(path: Path) -> float:
    """Return the peak resident memory (MB) of a process that renders the overview page on path."""
    code = PAGE_PROBE.format(root=str(ROOT), path=str(path), app=str(ROOT / "dashboard.py"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def count_rows(path: Path) -> dict[str, int]:
    """Return people, hours rows and person-months (at home, followed) in the store."""
    con = db.connect(path)
    row = db.query(
        con,
        """SELECT (SELECT count(*) FROM participants) AS people, (SELECT count(*) FROM hours) AS hours_rows,
                  (SELECT sum(n) FROM followup_cells) AS person_months,
                  (SELECT count(*) FROM followup_cells) AS cells""",
    ).iloc[0]
    con.close()
    return {k: int(v) for k, v in row.items()}


def main() -> None:
    """Build both stores, time and measure, print a Markdown report and JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=250_000)
    parser.add_argument("--months", type=int, default=138)  # about 30 million person-months at 250,000 people
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in (("demo", DemoSpec()), ("national", national_spec(args.people, args.months))):
            path = Path(tmp) / f"{name}.duckdb"
            start = time.perf_counter()
            build_demo_store(path, spec)
            build_s = time.perf_counter() - start
            report[name] = {
                "rows": count_rows(path),
                "build_s": build_s,
                "duckdb_ms": time_queries(path, args.repeat),
                "pandas_ms": time_pandas(path, 3),
                "page_peak_mb": page_peak_mb(path),
            }
    report["bench_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name in ("demo", "national"):
        r = report[name]
        print(f"\n## {name}: {r['rows']} — built in {r['build_s']:.1f} s; page process peak {r['page_peak_mb']:.0f} MB")
        print("| query | DuckDB median ms | pandas median ms |\n|---|---|---|")
        for q, ms in r["duckdb_ms"].items():
            pd_ms = r["pandas_ms"].get(q)
            print(f"| {q} | {ms:.1f} | {'' if pd_ms is None else f'{pd_ms:.0f}'} |")
    print("\n" + json.dumps(report))


if __name__ == "__main__":
    main()
