"""Benchmark of the comparison methods on the demo trial (2,000 people): median time per method.

Run: python bench/bench_methods.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo import build_demo_store  # noqa: E402
from analysis.outcomes.comparisons import run_comparison  # noqa: E402
from analysis.outcomes.person_values import load_month_values  # noqa: E402
from analysis.selection import Filters, Selection, default_bands  # noqa: E402
from analysis.stats.methods import compare_bootstrap  # noqa: E402
from analysis.store import db  # noqa: E402


def median_s(fn, repeat: int) -> float:
    """Return the median wall time of fn in seconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Time the bootstrap alone and every method end to end (bands + overall) on the demo trial."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        build_demo_store(path)
        con = db.connect(path)
        values = load_month_values(con, Selection("demo", Filters(), default_bands(), 0))  # month 0: all 2,000 people
        took = median_s(lambda: compare_bootstrap(values), 5)
        print(f"bootstrap, 2,000 resamples (BCa) on {len(values)} people: {took:.3f} s")
        took = {}
        for method in ("welch", "bootstrap", "ancova", "anhecova", "standardized", "two-part", "mixed"):
            repeat = 1 if method == "mixed" else 5
            took[method] = median_s(
                lambda m=method: run_comparison(con, Selection("demo", Filters(), default_bands(), 24), m), repeat
            )
            ratio = took[method] / took["welch"]
            print(f"run_comparison month 24, {method}: {took[method]:.2f} s ({ratio:.1f}× Welch in this run)")
        target = "met" if took["mixed"] < 10 else "MISSED"
        print(f"target: repeated measures (GEE) under 10 s on the demo: {target} ({took['mixed']:.2f} s)")
        con.close()


if __name__ == "__main__":
    main()
