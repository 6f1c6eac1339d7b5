"""Disclosure audit of the embedded demo over many filter views: what a differencing attacker could get back.

Run: python bench/audit_demo.py [--people 2000] [--draws 20]
Builds the demo study (2,000 people, the embedded seed), collects every count a viewer sees on every page
(python -m analysis view) for each view: sex × application type (9) × district (none, each one, all
but each one: 13) = 117 views, and prints the number of counts, how many are hidden, shown exactly and
shown with the cell key method's noise, how many hidden counts would disclose a few people, how many of
those follow from the exactly shown ones (by any sum or difference, tests/audit.py), how many pairs of
nested exactly shown counts differ by 1-4, and, for nested pairs with noise whose true gap is 1-4, how
often the shown difference equals the true gap and how often the noise's bound pins it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo import DemoSpec, build_demo_store  # noqa: E402
from analysis.present.viewer import PAGES, ViewOptions  # noqa: E402
from analysis.selection import Filters, Selection, default_bands  # noqa: E402
from analysis.store import db  # noqa: E402
from tests.audit import (  # noqa: E402
    check_consistent,
    derivable_hidden,
    load_atoms,
    noisy_differences,
    sensitive_cells,
    small_differences,
)
from tests.test_audit import THRESHOLD, _audit  # noqa: E402

DISTRICTS = DemoSpec().districts


def views() -> list[Filters]:
    """Return the 117 views: sex × application type × (no district, each district, all but each)."""
    choices = [(), *((d,) for d in DISTRICTS), *(tuple(x for x in DISTRICTS if x != d) for d in DISTRICTS)]
    return [
        Filters(sex=sex, application_type=app, district=district)
        for sex in ((), ("F",), ("M",))
        for app in ((), ("new",), ("extended",))
        for district in choices
    ]


def main() -> None:
    """Build the demo, audit every view on every page, print a summary and JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=DemoSpec.n_people)
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        build_demo_store(path, DemoSpec(n_people=args.people))
        con = db.connect(path)
        start = time.perf_counter()
        bands = default_bands()
        cells = _audit(con, "demo", views(), PAGES, 24, ViewOptions(draws=args.draws), bands=bands)
        atoms = load_atoms(con, Selection("demo", bands=bands))
        con.close()
    sensitive = sensitive_cells(cells, THRESHOLD)
    derivable = derivable_hidden(cells, atoms, sensitive)
    noisy = noisy_differences(cells, atoms, THRESHOLD)
    report = {
        "views": len(views()),
        "counts": len(cells),
        "hidden": sum(not c.shown for c in cells),
        "shown_exact": sum(c.shown and not c.noisy for c in cells),
        "shown_with_noise": sum(c.shown and c.noisy for c in cells),
        "noisy_nested_pairs_gap_1_to_4": len(noisy),
        "share_where_the_shown_difference_is_the_true_gap": float((noisy["shown"] == noisy["gap"]).mean())
        if len(noisy)
        else None,
        "share_pinned_by_the_noise_bound": float(noisy["pinned"].mean()) if len(noisy) else None,
        "sensitive_hidden": sum(1 for i in sensitive if not cells[i].shown),
        "derivable_sensitive": len(derivable),
        "derivable_examples": derivable[:10],
        "nested_pairs_differing_by_1_to_4": len(small_differences(cells, atoms, THRESHOLD)),
        "inconsistent_kinds": len(check_consistent(cells, atoms)),
        "seconds": time.perf_counter() - start,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
