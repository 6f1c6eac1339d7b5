"""Benchmark of the probabilistic sensitivity analysis: 10,000 draws with effects bootstrapped from the demo.

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
from analysis.economics.costs import (  # noqa: E402
    draw_effects,
    estimate_effects,
    load_effect_data,
    simulate_net,
    summarize_uncertainty,
    with_effects,
)
from analysis.economics.scenario import Scenario  # noqa: E402
from analysis.store import db  # noqa: E402


def main() -> None:
    """Time loading the effect data, drawing 10,000 bootstrap effects and simulating 10,000 nets."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        build_demo_store(path)
        con = db.connect(path)
        start = time.perf_counter()
        data = load_effect_data(con, "demo", 24)
        loaded = time.perf_counter()
        draws = draw_effects(data, 10_000)
        drawn = time.perf_counter()
        scenario = with_effects(Scenario(), estimate_effects(data))
        summary = summarize_uncertainty(simulate_net(scenario, draws, 10_000))
        done = time.perf_counter()
        con.close()
    print(
        f"load person effects: {loaded - start:.2f} s; bootstrap 10,000 draws: {drawn - loaded:.2f} s; "
        f"simulate 10,000 nets: {done - drawn:.3f} s; total {done - start:.2f} s"
    )
    print(summary)


if __name__ == "__main__":
    main()
