"""Benchmark of every page's own figures as the viewer layer builds them, on the demo and on a large demo study.

For each page, ``python -m analysis view PAGE --json --as-viewer`` runs as its own process on a
2,000-person demo study and on a study of ``--people`` people (100,000 by default) built the same way;
the report gives the median seconds, the ratio large : demo (issue 34's target: at most 2× for every
page) and each process's peak memory (target at 1,000,000 people: at most 1.5 GB). The time includes
starting Python and importing the analysis (about 2.4 s of the demo's figure), as a tool calling the
command line would see it; ``--in-process`` reports the same pages timed inside one process instead.

Run: python bench/bench_pages.py [--people 100000] [--repeat 3] [--pages overview,placement] [--in-process]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "comparisons", "placement", "measures", "costs", "presentation")
DEMO_PEOPLE = 2_000


def build_store(path: Path, people: int) -> float:
    """Build a demo study of ``people`` people (study 'demo') into path; return the seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "analysis", "demo", "--db", str(path), "--people", str(people), "--study", "demo"],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - start


def run_page(path: Path, page: str) -> tuple[float, float]:
    """Run one page's view as its own process; return (seconds, peak memory in MB from wait4)."""
    command = [sys.executable, "-m", "analysis", "view", page, "--db", str(path), "--study", "demo", "--json"]
    start = time.perf_counter()
    process = subprocess.Popen([*command, "--as-viewer"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Read the output first (a full pipe would block the child), then reap it ourselves to get its rusage.
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    took = time.perf_counter() - start
    if process.returncode:  # e.g. the memory budget refused a computation: reported, not timed
        message = err.decode().strip().splitlines()[-1] if err.strip() else f"exit {process.returncode}"
        print(f"  {page} on {path.name}: {message[-300:]}")
        return float("nan"), usage.ru_maxrss / 1024
    json.loads(out)  # a page that prints something else is not a page that worked
    return took, usage.ru_maxrss / 1024


def run_in_process(path: Path, page: str) -> float:
    """Time one page's view inside this process (imports already done)."""
    from analysis.cli.main import main as cli

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        cli(["view", page, "--db", str(path), "--study", "demo", "--json", "--as-viewer"])
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    """Return the median of a few numbers."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    """Build both stores, time every page on each and print seconds, ratios and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    pages = [p for p in args.pages.split(",") if p]
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"demo": Path(tmp) / "demo.duckdb", "large": Path(tmp) / "large.duckdb"}
        built = {name: build_store(path, DEMO_PEOPLE if name == "demo" else args.people)
                 for name, path in stores.items()}  # fmt: skip
        print(f"built: demo {DEMO_PEOPLE:,} people {built['demo']:.1f} s; large {args.people:,} people "
              f"{built['large']:.1f} s")  # fmt: skip
        print(f"{'page':<14}{'demo s':>9}{'large s':>10}{'ratio':>8}{'demo MB':>10}{'large MB':>10}")
        report = {}
        for page in pages:
            seconds, memory = {}, {}
            for name, path in stores.items():
                if args.in_process:
                    run_in_process(path, page)  # the first call pays the imports and DuckDB's first plans
                    seconds[name] = median([run_in_process(path, page) for _ in range(args.repeat)])
                    memory[name] = float("nan")
                else:
                    runs = [run_page(path, page) for _ in range(args.repeat)]
                    seconds[name] = median([r[0] for r in runs])
                    memory[name] = max(r[1] for r in runs)
            ratio = seconds["large"] / seconds["demo"]
            report[page] = {"demo_s": seconds["demo"], "large_s": seconds["large"], "ratio": ratio,
                            "demo_mb": memory["demo"], "large_mb": memory["large"]}  # fmt: skip
            print(f"{page:<14}{seconds['demo']:>9.2f}{seconds['large']:>10.2f}{ratio:>7.2f}×"
                  f"{memory['demo']:>10.0f}{memory['large']:>10.0f}")  # fmt: skip
        timed = [r for r in report.values() if r["ratio"] == r["ratio"]]
        worst = max(timed, key=lambda r: r["ratio"]) if timed else {"ratio": float("nan")}
        print(f"largest ratio {worst['ratio']:.2f}× (target ≤ 2×); peak memory "
              f"{max(r['large_mb'] for r in report.values()):.0f} MB at {args.people:,} people")  # fmt: skip


if __name__ == "__main__":
    main()
