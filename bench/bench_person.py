"""Time the outcomes per randomized person, unadjusted and adjusted (ANHECOVA with IPCW), at several sizes.

Run: python bench/bench_person.py [--people 2000 60000]
Builds demo stores of the given sizes in a temporary folder and prints the median of three runs of
compare_person_outcomes over 24 months, without covariates (the baseline) and with the plan covariates
baseline hours and age, and their ratio measured in the same run. docs/benchmarks.md reports a run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo import DemoSpec, build_demo_store  # noqa: E402
from analysis.economics.scenario import unit_costs  # noqa: E402
from analysis.outcomes.per_person import compare_person_outcomes  # noqa: E402
from analysis.selection import Selection  # noqa: E402
from analysis.store import db  # noqa: E402


def _median_seconds(run, repeats: int = 3) -> float:
    """Return the median wall time of repeats calls of run."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    """Build the stores, time both estimators and print one line per size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 60000])
    args = parser.parse_args()
    costs = unit_costs()
    with tempfile.TemporaryDirectory() as folder:
        for people in args.people:
            path = Path(folder) / f"demo_{people}.duckdb"
            build_demo_store(path, replace(DemoSpec(), n_people=people))
            con = db.connect(path)
            selection = Selection("demo", month=24)
            plain = _median_seconds(lambda: compare_person_outcomes(con, selection, costs))  # noqa: B023
            adjusted = _median_seconds(
                lambda: compare_person_outcomes(con, selection, costs, covariates=("baseline_hours", "age"))  # noqa: B023
            )
            con.close()
            print(
                f"{people:>7} people: unadjusted {plain:6.2f} s, adjusted {adjusted:6.2f} s, "
                f"ratio {adjusted / plain:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
