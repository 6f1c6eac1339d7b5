"""Time the outcome measures, QALYs and trial planning at several sizes, beside the per-person outcomes.

Run: python bench/bench_measures.py [--people 2000 60000]
Builds demo stores (with EQ-5D and ADL at five visits) in a temporary folder and prints, per size, the
median of three runs of: compare_measures with and without the repeated-measures model (GEE),
compare_cost_effectiveness (2,000 joint bootstrap resamples) and estimate_power_inputs; the baseline in the
same run is compare_person_outcomes over 24 months (the page's primary analysis), so each is also given
as a ratio to it. docs/benchmarks.md reports a run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_person import _median_seconds  # noqa: E402

from analysis.demo import DemoSpec, build_demo_store  # noqa: E402
from analysis.economics.qaly import compare_cost_effectiveness  # noqa: E402
from analysis.economics.scenario import unit_costs  # noqa: E402
from analysis.outcomes.measures import compare_measures  # noqa: E402
from analysis.outcomes.per_person import compare_person_outcomes  # noqa: E402
from analysis.outcomes.planning import estimate_power_inputs  # noqa: E402
from analysis.selection import Selection  # noqa: E402
from analysis.store import db  # noqa: E402


def time_calls(con, costs) -> dict[str, float]:
    """Return the median seconds of each call on one store."""
    window = Selection("demo", month=24)
    calls = {
        "person_outcomes_s (baseline)": lambda: compare_person_outcomes(con, window, costs),
        "measures_s": lambda: compare_measures(con, Selection("demo"), "eq5d_index", 24),
        "measures_without_repeated_s": lambda: compare_measures(
            con, Selection("demo"), "eq5d_index", 24, repeated=False
        ),
        "qaly_s": lambda: compare_cost_effectiveness(con, window, costs, 30_000.0),
        "power_inputs_s": lambda: estimate_power_inputs(con, Selection("demo", month=12), "eq5d_index", 0.03),
    }
    return {name: _median_seconds(run) for name, run in calls.items()}


def main() -> int:
    """Build the stores, time every call and print one JSON line per size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 60000])
    args = parser.parse_args()
    costs = unit_costs()
    with tempfile.TemporaryDirectory() as folder:
        for people in args.people:
            path = Path(folder) / f"demo{people}.duckdb"
            build_demo_store(path, DemoSpec(n_people=people, seed=3))
            con = db.connect(path)
            times = time_calls(con, costs)
            con.close()
            base = times["person_outcomes_s (baseline)"]
            report = {"people": people} | {k: round(v, 2) for k, v in times.items()}
            report |= {k.replace("_s", "_ratio"): round(v / base, 2) for k, v in times.items() if "baseline" not in k}
            print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
