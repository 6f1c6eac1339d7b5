"""Bias and coverage of every hours estimator on a simulated trial whose working models are wrong.

Run: python bench/bench_estimators.py [--replicates 500] [--people 500]
The trial (tests/simulation.py): additive effect, zero inflation, a strongly prognostic nonlinear
baseline, and exits that depend on need. Prints, per estimator, the true difference, the mean
estimate, the bias, the 95% CI coverage and the SD; docs/benchmarks.md reports a run. A check that fails the
targets (|bias| < 2.5 h/month, coverage >= 0.90) exits 1.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.stats.methods import (  # noqa: E402
    compare_ancova,
    compare_anhecova,
    compare_bootstrap,
    compare_standardized,
    compare_two_part,
    compare_welch,
)
from tests.simulation import check_estimator  # noqa: E402


def main() -> int:
    """Run every estimator on the misspecified trial and print bias and coverage."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--people", type=int, default=500)
    args = parser.parse_args()
    estimators = {
        "welch": compare_welch,
        "bootstrap (BCa, 500)": lambda v: compare_bootstrap(v, n_resamples=500),
        "ancova (HC3)": compare_ancova,
        "anhecova (Ye et al.)": compare_anhecova,
        "standardized (quasi-Poisson)": compare_standardized,
        "two-part (description)": compare_two_part,
    }
    failed = False
    print(f"{args.replicates} replicates of {args.people} people")
    for name, estimator in estimators.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = check_estimator(estimator, args.replicates, args.people, seed=2026)
        ok = abs(r["bias"]) < 2.5 and r["coverage"] >= 0.90
        failed |= not ok
        print(
            f"{name:30s} truth {r['truth']:7.3f}  mean {r['mean']:7.3f}  bias {r['bias']:+.3f}  "
            f"coverage {r['coverage']:.3f}  sd {r['sd']:.3f}  ({time.perf_counter() - start:.1f} s)"
            + ("" if ok else "  FAIL")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
