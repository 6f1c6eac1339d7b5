"""Commands that write a store: demo, import and update."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from analysis.cli.parser import _plan_dict, _plan_from_args, parse_date_flag
from analysis.demo import DEMO_STUDY, TRIAL_SIZED_STUDY, DemoSpec, build_demo_store, build_embedded_demo
from analysis.demo_rollout import ROLLOUT_STUDY
from analysis.errors import UserFacingError
from analysis.intake.importer import ImportRejected, import_study
from analysis.intake.update import update_study
from analysis.present.texts import describe_plan
from analysis.store.studies import (
    AnalysisPlan,
    save_plan,
)


def _run_demo(args: argparse.Namespace) -> int:
    """Build the demo store and say where it is (with --if-missing, leave an existing store as it is)."""
    if args.if_missing and Path(args.db).is_file():
        print(f"Databasen finns redan: {args.db} / The database already exists: {args.db}")
        return 0
    if args.people is None and args.seed is None:
        build_embedded_demo(args.db)
        print(
            f"Demo-studierna {DEMO_STUDY}, {TRIAL_SIZED_STUDY} och {ROLLOUT_STUDY} byggda i {args.db} / "
            f"Demo studies {DEMO_STUDY}, {TRIAL_SIZED_STUDY} and {ROLLOUT_STUDY} built in {args.db}"
        )
        return 0
    people = DemoSpec.n_people if args.people is None else args.people
    if people < 10:
        raise UserFacingError("--people måste vara minst 10.", "--people must be at least 10.")
    build_demo_store(
        args.db, DemoSpec(n_people=people, seed=DemoSpec.seed if args.seed is None else args.seed), args.study
    )
    print(f"Demo-studien {args.study} byggd i {args.db} / Demo study {args.study} built in {args.db}")
    return 0


def _dates_of(args: argparse.Namespace) -> tuple[dt.date | None, dt.date | None]:
    """Return --data-end and --complete-through as dates (None when not given); raise on malformed ones."""
    data_end = complete = None
    if args.data_end:
        data_end = parse_date_flag("--data-end", args.data_end)
    if args.complete_through:
        try:
            complete = dt.datetime.strptime(args.complete_through, "%Y-%m").date()
        except ValueError:
            raise UserFacingError(
                f"--complete-through {args.complete_through!r} är ingen månad ÅÅÅÅ-MM.",
                f"--complete-through {args.complete_through!r} is not a month YYYY-MM.",
            ) from None
    return data_end, complete


def _print_rejected(exc: ImportRejected) -> int:
    """Print a rejected import's problems, one per line, and return the exit code 1."""
    print(f"Fel: {exc.sv} / Error: {exc.en}", file=sys.stderr)
    for problem in exc.problems:
        print(f"- {problem.message('sv')} / {problem.message('en')}", file=sys.stderr)
    return 1


def _run_update(args: argparse.Namespace) -> int:
    """Add new months to a study and print what changed, or the problem list."""
    data_end, complete = _dates_of(args)
    try:
        summary = update_study(
            args.db, args.study, args.hours, visits=args.visits, participants=args.participants, measure=args.measure,
            data_end=data_end, complete_through=complete,
        )  # fmt: skip
    except ImportRejected as exc:
        return _print_rejected(exc)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
        return 0
    months = ", ".join(f"{m:%Y-%m}" for m in summary.months_added) or "-"
    again = ", ".join(f"{m:%Y-%m}" for m in summary.months_replaced) or "-"
    print(f"Uppdaterad / updated: {summary.study}")
    print(f"Nya månader / new months: {months}; ersatta / replaced: {again}")
    if summary.visit_rows is not None:
        print(f"Besök / visits: {summary.visit_rows}")
    print(f"Timrader / hours rows: {summary.hours_rows}; timmar / hours: {summary.total_hours:.1f}")
    print(
        f"Nya personer / people added: {summary.people_added}; ändrade utfallsdatum / outcome dates changed: "
        f"{summary.outcome_dates_changed}"
    )
    print(
        f"Sista datadag / data end: {summary.data_end}; {summary.hours_measure} komplett t.o.m. / complete through: "
        f"{summary.complete_through:%Y-%m}" + (" (nytt mått / measure added)" if summary.measure_added else "")
    )
    if len(summary.measures or {}) > 1:
        print(f"Analyserna slutar / the analyses end: {summary.study_complete_through:%Y-%m} (tidigaste måttet / "
              "earliest measure)")  # fmt: skip
    print(f"Varningar / warnings: {summary.warnings_total}")
    for warning in summary.warnings:
        print(f"- {warning.message('sv')} / {warning.message('en')}")
    return 0


def _run_import(args: argparse.Namespace) -> int:
    """Import a study and print what was loaded, or the problem list."""
    data_end, complete = _dates_of(args)
    plan = _plan_from_args(args, AnalysisPlan("cost", 24))  # checked before anything is written
    try:
        summary = import_study(
            args.db, args.study, args.participants, args.hours, visits=args.visits, data_end=data_end,
            measurements=args.measurements, value_set=args.value_set, measure=args.measure,
            complete_through=complete, design=args.design, adoption=args.adoption,
        )  # fmt: skip
    except ImportRejected as exc:
        return _print_rejected(exc)
    stored = save_plan(args.db, summary.study, plan) if plan is not None else None
    if args.json:
        extra = {"analysis_plan": _plan_dict(stored)} if stored is not None else {}
        print(json.dumps(summary.to_dict() | extra, ensure_ascii=False))
        return 0
    if stored is not None:
        print(f"{describe_plan(stored, 'sv')} / {describe_plan(stored, 'en')}")
    people = ", ".join(f"{arm}: {n}" for arm, n in summary.people.items())
    print(f"Importerad / imported: {summary.study}")
    print(f"Personer per arm / people per arm: {people}")
    print(
        f"Månader / months: {summary.first_month:%Y-%m} – {summary.last_month:%Y-%m}"
        if summary.first_month
        else "Månader / months: -"
    )
    if summary.visit_rows is not None:
        print(f"Besök / visits: {summary.visit_rows} (summerade per person och månad / summed per person and month)")
    print(f"Timrader / hours rows: {summary.hours_rows}; timmar totalt / total hours: {summary.total_hours:.1f}")
    print(f"Sista datadag / data end: {summary.data_end}; pseudonymiserad / pseudonymised: {summary.pseudonymised}")
    print(f"Komplett t.o.m. / complete through: {summary.complete_through:%Y-%m}")
    if summary.measurement_rows is not None:
        counts = ", ".join(f"{name}: {n}" for name, n in summary.measurement_rows.items()) or "-"
        print(f"Mätningar / measurements: {counts}")
    print(f"Varningar / warnings: {summary.warnings_total}")
    for warning in summary.warnings:
        print(f"- {warning.message('sv')} / {warning.message('en')}")
    return 0
