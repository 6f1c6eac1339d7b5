"""The command line's entry: parse, dispatch to the command, one line per error and never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from analysis.cli.economics import _run_costs, _run_measures, _run_power, _run_qaly, _run_report
from analysis.cli.intake import _run_demo, _run_import, _run_update
from analysis.cli.outcomes import (
    _run_compare,
    _run_monitor,
    _run_outcomes,
    _run_placement,
    _run_plan,
    _run_rollout,
    _run_view,
)
from analysis.cli.parser import _parser
from analysis.errors import UserFacingError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code; user errors print one line, no traceback."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "import":
            return _run_import(args)
        if args.command == "update":
            return _run_update(args)
        if args.command == "placement":
            return _run_placement(args)
        if args.command == "outcomes":
            return _run_outcomes(args)
        if args.command == "plan":
            return _run_plan(args)
        if args.command == "monitor":
            return _run_monitor(args)
        if args.command == "rollout":
            return _run_rollout(args)
        if args.command == "view":
            return _run_view(args)
        if args.command == "costs":
            return _run_costs(args)
        if args.command == "report":
            return _run_report(args)
        if args.command == "measures":
            return _run_measures(args)
        if args.command == "qaly":
            return _run_qaly(args)
        if args.command == "power":
            return _run_power(args)
        return _run_compare(args)
    except UserFacingError as exc:
        print(f"Fel: {exc.sv} / Error: {exc.en}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last guard: one line, no traceback, never a data value
        print(
            f"Fel: oväntat fel ({type(exc).__name__}) / Error: unexpected error ({type(exc).__name__})", file=sys.stderr
        )
        return 2
