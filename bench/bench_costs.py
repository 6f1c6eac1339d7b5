"""Benchmark of the money: study effects per randomized person with their bootstrap, and 10,000 PSA draws.

Run: python bench/bench_costs.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo import build_demo_store  # noqa: E402
from analysis.economics.effects import estimate_study_effects, with_effects  # noqa: E402
from analysis.economics.psa import summarize_money  # noqa: E402
from analysis.economics.scenario import Scenario  # noqa: E402
from analysis.store import db  # noqa: E402


def main() -> None:
    """Time the study effects (2,000 joint resamples per band) and 10,000 draws of the probabilistic analysis."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        build_demo_store(path)
        con = db.connect(path)
        start = time.perf_counter()
        estimated = estimate_study_effects(con, "demo", 24)
        drawn = time.perf_counter()
        summary = summarize_money(with_effects(Scenario(), estimated), estimated.draws, 10_000)
        done = time.perf_counter()
        con.close()
    print(
        f"study effects with 2,000 joint resamples: {drawn - start:.2f} s; "
        f"projection and 10,000 PSA draws: {done - drawn:.3f} s; total {done - start:.2f} s"
    )
    print(summary.projection.present_value, summary.projection.payback_month, summary.uncertainty)


if __name__ == "__main__":
    main()
