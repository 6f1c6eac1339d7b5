"""Benchmark of the staged roll-out analysis: accuracy with known truth, and time as the people grow.

1. Accuracy (issue 33): synthetic roll-outs of 12 areas adopting in 4 waves (6, 12, 18, 24 months into 36),
   effects that differ by wave and grow with the months since adoption; per replicate the robust estimate
   (did2s on area-months, adjusted for the people's baseline hours) and the naive two-way fixed effects
   against the truth (the people-weighted mean of each person-month's hours with minus without).
2. Time: the same roll-out with 1× and 10× the people; the estimator works on area-months, so its time
   should not grow (the ratio is reported; target ≤ 2×).

Run: python bench/bench_rollout.py [replicates]
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo_rollout import RolloutSpec, fill_rollout, generate_rollout  # noqa: E402
from analysis.economics.scenario import unit_costs  # noqa: E402
from analysis.outcomes.rollout import analyse_rollout, load_rollout_cells  # noqa: E402
from analysis.selection import Selection  # noqa: E402
from analysis.store import db  # noqa: E402


def truth_of(con, study: str, truth: pd.DataFrame) -> float:
    """Return the people-weighted true effect over the adopted area-months that have a comparison."""
    cells = load_rollout_cells(con, Selection(study))
    both = cells.assign(month=pd.to_datetime(cells["month"])).merge(
        truth.assign(month=lambda f: pd.to_datetime(f["month"])), on=["area", "month"], suffixes=("", "_t")
    )
    comparable = both.groupby("month_index")["adopted"].transform(lambda a: (a.isna() | (a > a.name)).any())
    adopted = both[both["adopted"].notna() & (both["month_index"] >= both["adopted"]) & comparable]
    return float(adopted["sum_effect"].sum() / adopted["n"].sum())


def run(spec: RolloutSpec, folder: Path) -> tuple[dict, float, float]:
    """Build one roll-out store, analyse it and return (answer, truth, seconds of the analysis)."""
    path = folder / f"r{spec.seed}_{spec.people_at_start}.duckdb"
    db.write_study(path, "r", lambda con: fill_rollout(con, "r", spec))
    con = db.connect(path)
    start = time.perf_counter()
    answer = analyse_rollout(con, Selection("r"), unit_costs())
    took = time.perf_counter() - start
    truth = truth_of(con, "r", generate_rollout(spec)["truth"])
    con.close()
    return answer, truth, took


def main() -> None:
    """Print bias, spread and coverage of the robust and naive estimates, then the time ratio 10× : 1×."""
    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for seed in range(replicates):
            answer, truth, _ = run(RolloutSpec(seed=1000 + seed), folder)
            rows.append((answer["att"] - truth, answer["ci_low"] <= truth <= answer["ci_high"],
                         answer["twfe_att"] - truth, answer["se"]))  # fmt: skip
        errors = np.array(rows, dtype=float)
        print(f"{replicates} synthetic roll-outs (12 areas, 4 waves, growing wave-specific effects):")
        print(f"  did2s: bias {errors[:, 0].mean():+.3f} h/month, SD {errors[:, 0].std():.3f}, "
              f"max |error| {np.abs(errors[:, 0]).max():.3f}, 95% CI coverage {errors[:, 1].mean():.2f}, "
              f"mean SE {errors[:, 3].mean():.3f}")  # fmt: skip
        print(f"  naive two-way FE: bias {errors[:, 2].mean():+.3f} h/month, SD {errors[:, 2].std():.3f}")
        base = RolloutSpec(seed=7)
        _, _, small = run(base, folder)
        small = min(small, run(base, folder)[2])  # warm: pyfixest compiles on its first call
        big_spec = replace(base, people_at_start=400, new_per_month=40.0)
        answer, _, big = run(big_spec, folder)
        print(f"  time: {small:.2f} s at 1× people, {big:.2f} s at 10× ({answer['n_people']} people): "
              f"{big / small:.2f}× (target ≤ 2×)")  # fmt: skip


if __name__ == "__main__":
    main()
