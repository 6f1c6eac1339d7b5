"""Command line: `python -m analysis <command>`; the same functions as the pages give the same numbers."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from analysis.demo import DEMO_STUDY, TRIAL_SIZED_STUDY, DemoSpec, build_demo_store, build_embedded_demo
from analysis.economics.costs import (
    PSA_DRAWS,
    eskilstuna_preset,
    estimate_study_effects,
    summarize_money,
    with_effects,
)
from analysis.economics.qaly import TLV_RANGE, compare_cost_effectiveness
from analysis.economics.scenario import Scenario, read_scenario, scenario_dict, unit_costs
from analysis.errors import UserFacingError
from analysis.intake.importer import ImportRejected, import_study
from analysis.intake.update import update_study
from analysis.outcomes.compare import GROUP_COLUMNS
from analysis.outcomes.comparisons import run_comparison
from analysis.outcomes.measures import compare_measures
from analysis.outcomes.per_person import BOOTSTRAP_DRAWS, UnitCosts, compare_person_outcomes, primary_figure
from analysis.outcomes.person_values import EXCLUDE, HANDLING
from analysis.outcomes.placement import analyze_placement
from analysis.outcomes.planning import estimate_power_inputs
from analysis.present.disclosure import show_comparison, show_outcomes, show_placement
from analysis.present.linked import find_risks
from analysis.present.report import FORMATS, write_report
from analysis.present.texts import describe_plan
from analysis.present.viewer import PAGES, ViewOptions, view_page
from analysis.records import to_all_records
from analysis.selection import (
    APPLICATION_TYPES,
    COVARIATES,
    HOURS_MEASURES,
    SEXES,
    Filters,
    Selection,
    edges_of,
    parse_band_edges,
)
from analysis.settings import get_setting
from analysis.stats.methods import METHODS
from analysis.stats.power import size_trial
from analysis.store import db
from analysis.store.studies import (
    PLAN_ESTIMATORS,
    PRIMARY_OUTCOMES,
    AnalysisPlan,
    check_covariates,
    check_districts,
    check_measure,
    check_month,
    describe_study,
    load_plan,
    parse_covariates,
    resolve_study,
    save_plan,
)


def _add_request(parser: argparse.ArgumentParser, month: str = "--month") -> argparse.ArgumentParser:
    """Add the arguments every analysis command shares: store, study, month (or window), JSON, filters, bands."""
    parser.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    parser.add_argument("--study", default=None, help="studie / study (default: the only or demo study)")
    parser.add_argument(month, dest="month", type=int, default=int(get_setting("default_month")))
    parser.add_argument("--json", action="store_true", help="skriv JSON / print JSON")
    parser.add_argument("--sex", action="append", choices=SEXES, default=[])
    parser.add_argument("--application-type", action="append", choices=APPLICATION_TYPES, default=[])
    parser.add_argument("--district", action="append", default=[])
    parser.add_argument("--bands", default=None, help="åldersgränser / age band edges, e.g. 65,76,86,96")
    parser.add_argument(
        "--hours-measure",
        choices=HOURS_MEASURES,
        default=None,
        help="timmått när studien har båda / hours measure when the study holds both (default: the study's)",
    )
    parser.add_argument(
        "--as-viewer",
        action="store_true",
        help="som en läsare ser det: små tal dolda (null), med skäl / as a viewer sees it, small counts null",
    )
    return parser


def _add_plan_choices(parser: argparse.ArgumentParser, bands_flag: str) -> None:
    """Add the analysis plan's estimator, covariates and bands to a command that stores a plan."""
    parser.add_argument("--estimator", choices=PLAN_ESTIMATORS, default=None, help="planens skattare / estimator")
    parser.add_argument(
        "--adjust-for", default=None, help=f"kovariater med anhecova / covariates: {','.join(COVARIATES)}"
    )
    parser.add_argument(bands_flag, dest="plan_bands", default=None, help="planens åldersgränser, t.ex. 65,76,86,96")


def _plan_from_args(args: argparse.Namespace, current: AnalysisPlan) -> AnalysisPlan | None:
    """Return the plan the arguments ask to store (unchanged parts from current), or None when none is asked."""
    asked = (args.primary, args.months, args.note, args.estimator, args.adjust_for, args.plan_bands)
    if all(value is None for value in asked):
        return None
    covariates = current.covariates if args.adjust_for is None else parse_covariates(args.adjust_for)
    estimator = args.estimator or ("anhecova" if covariates else "difference")
    if estimator == "difference" and args.adjust_for is None:
        covariates = ()
    edges = current.band_edges
    if args.plan_bands is not None:
        edges = None if args.plan_bands.strip().lower() in ("", "none") else edges_of(parse_band_edges(args.plan_bands))
    return AnalysisPlan(
        args.primary or current.primary_outcome,
        current.window_months if args.months is None else args.months,
        args.note if args.note is not None else current.note,
        None,
        estimator,
        covariates,
        edges,
    )


def _parser() -> argparse.ArgumentParser:
    """Build the argument parser with one subcommand per task."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Uppföljning av hemrehabiliteringsförsök / Follow-up of a home rehabilitation trial",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="bygg den syntetiska demo-studien / build the synthetic demo trial")
    demo.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    demo.add_argument("--seed", type=int, default=None, help=f"frö / seed (default {DemoSpec.seed})")
    demo.add_argument(
        "--people",
        type=int,
        default=None,
        help="antal randomiserade; utan --people/--seed byggs båda demo-studierna (2 000 och 237) / people; "
        "without --people/--seed both demo studies (2,000 and 237) are built",
    )
    demo.add_argument("--study", default=DEMO_STUDY, help="studiens namn med --people/--seed / study name")

    imp = sub.add_parser("import", help="importera en studie / import a study")
    imp.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    imp.add_argument("--study", required=True, help="studiens namn / study name")
    imp.add_argument("--participants", required=True, help="deltagarfil / participants file (.csv, .xlsx, .parquet)")
    given = imp.add_mutually_exclusive_group(required=True)
    given.add_argument("--hours", default=None, help="timfil / hours file (.csv, .xlsx, .parquet)")
    given.add_argument(
        "--visits", default=None, help="besöksfil i stället för timfil / visits file instead of hours: summed per month"
    )
    imp.add_argument(
        "--measurements", default=None, help="mätfil (valfri) / measurements file (optional): utfallsmått vid besök"
    )
    imp.add_argument(
        "--measure",
        choices=("performed", "granted"),
        default=None,
        help="timmarna är utförd (performed) eller beviljad (granted) tid; standard: performed för besök, "
        "okänt för timfil / which hours",
    )
    imp.add_argument(
        "--value-set", default=None, help="EQ-5D-värdemängd (term, decrement) / EQ-5D value set: index from dimensions"
    )
    imp.add_argument("--data-end", default=None, help="sista datadag / last day of data, YYYY-MM-DD")
    imp.add_argument("--complete-through", default=None, help=COMPLETE_HELP)
    imp.add_argument("--json", action="store_true", help="skriv JSON / print JSON")
    imp.add_argument("--primary", choices=PRIMARY_OUTCOMES, default=None, help="analysplanens primära utfall")
    imp.add_argument("--months", type=int, default=None, help="analysplanens fönster / the plan's window")
    imp.add_argument("--note", default=None, help="analysplanens anteckning / the plan's note")
    _add_plan_choices(imp, "--plan-bands")

    upd = sub.add_parser("update", help="lägg till nya månader i en studie / add new months to a study")
    upd.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    upd.add_argument("--study", required=True, help="studiens namn / study name (already imported)")
    upd.add_argument(
        "--participants", default=None, help="deltagarfilen som den är nu (valfri) / the participants file as it is now"
    )
    care = upd.add_mutually_exclusive_group(required=True)
    care.add_argument("--hours", default=None, help="timfil med de nya månaderna / hours file of the new months")
    care.add_argument("--visits", default=None, help="besöksfil med de nya månaderna / visits file of the new months")
    upd.add_argument(
        "--measure",
        choices=("performed", "granted"),
        default=None,
        help="filens mått; ett nytt läggs till / the file's measure; a new one is added (default: the study's only)",
    )
    upd.add_argument("--data-end", default=None, help="ny sista datadag / new last day of data, YYYY-MM-DD")
    upd.add_argument("--complete-through", default=None, help=COMPLETE_HELP)
    upd.add_argument("--json", action="store_true", help="skriv JSON / print JSON")

    compare = _add_request(sub.add_parser("compare", help="jämför timmar mellan armarna / compare hours between arms"))
    compare.add_argument("--method", choices=METHODS, default="welch", help="metod / method")
    compare.add_argument(
        "--deaths",
        choices=HANDLING,
        default=EXCLUDE,
        help="döda och flyttade: exclude (uteslut, standard) eller zero (0 timmar) / deaths and placements",
    )
    _add_request(sub.add_parser("placement", help="tid till särskilt boende / time to nursing-home placement"))
    outcomes = _add_request(
        sub.add_parser(
            "outcomes",
            help="kostnad och dagar hemma per randomiserad person / cost and days at home per randomized person",
        ),
        month="--months",
    )
    outcomes.add_argument(
        "--hour-cost", type=float, default=None, help="kr per hemtjänsttimme / SEK per home-care hour (default: KPB)"
    )
    outcomes.add_argument(
        "--day-cost", type=float, default=None, help="kr per dygn på särskilt boende / SEK per nursing-home day"
    )
    outcomes.add_argument(
        "--adjust-for",
        default=None,
        help="justera för / adjust for, e.g. baseline_hours,age ('none': no adjusted columns; default: the plan's)",
    )

    measures = sub.add_parser(
        "measures", help="utfallsmått vid besök, per arm / outcome measures at visits, per arm (Welch, ANCOVA)"
    )
    measures.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    measures.add_argument("--study", default=None, help="studie / study (default: the only or demo study)")
    measures.add_argument("--instrument", required=True, help="instrument, e.g. eq5d_index")
    measures.add_argument("--json", action="store_true", help="skriv JSON / print JSON")
    measures.add_argument("--sex", action="append", choices=SEXES, default=[])
    measures.add_argument("--application-type", action="append", choices=APPLICATION_TYPES, default=[])
    measures.add_argument("--district", action="append", default=[])
    measures.add_argument("--bands", default=None, help="åldersgränser / age band edges, e.g. 65,76,86,96")

    qaly = _add_request(
        sub.add_parser("qaly", help="QALY och kostnadseffektivitet / QALYs and cost-effectiveness (EQ-5D)"),
        month="--months",
    )
    qaly.add_argument("--hour-cost", type=float, default=None, help="kr per hemtjänsttimme (standard: KPB)")
    qaly.add_argument("--day-cost", type=float, default=None, help="kr per dygn på särskilt boende (standard: KPB)")
    qaly.add_argument(
        "--intervention-cost",
        type=float,
        default=None,
        help="insatsens kostnad per deltagare / the intervention's cost per participant (default: the scenario's "
        "assumption)",
    )

    power = _add_request(
        sub.add_parser("power", help="stickprovsstorlek för nästa studie / sample size for the next trial"),
        month="--months",
    )
    power.add_argument("--outcome", required=True, help="hours, cost eller ett instrument / or an instrument")
    power.add_argument("--difference", type=float, required=True, help="skillnaden att upptäcka / to detect")
    power.add_argument("--band", default="all", help="åldersgrupp, t.ex. 76-85 / age band (default: all)")
    power.add_argument("--alpha", type=float, default=0.05, help="tvåsidig nivå / two-sided level")
    power.add_argument("--power", dest="target_power", type=float, default=0.8, help="styrka / power, e.g. 0.9")
    power.add_argument("--hour-cost", type=float, default=None, help="kr per hemtjänsttimme (cost; standard: KPB)")
    power.add_argument("--day-cost", type=float, default=None, help="kr per dygn på särskilt boende (cost)")

    view = _add_request(
        sub.add_parser(
            "view",
            help="allt en läsare ser på en sida, med sidornas regler för små tal / everything a viewer sees on a page",
        )
    )
    view.add_argument("page", choices=PAGES, help="sidan / the page")
    view.add_argument("--method", choices=METHODS, default="welch", help="metod (Jämförelser) / method")
    view.add_argument("--deaths", choices=HANDLING, default=EXCLUDE, help="döda och flyttade / deaths and placements")
    view.add_argument("--draws", type=int, default=BOOTSTRAP_DRAWS, help="bootstrapdragningar / bootstrap draws")
    view.add_argument("--instrument", default=None, help="mätinstrument (Utfallsmått) / instrument (measures)")
    view.add_argument("--lang", choices=("sv", "en"), default="sv", help="språk (presentation) / language")

    plan = sub.add_parser("plan", help="studiens analysplan: visa eller spara / show or store the analysis plan")
    plan.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    plan.add_argument("--study", default=None, help="studie / study")
    plan.add_argument("--primary", choices=PRIMARY_OUTCOMES, default=None, help="primärt utfall / primary outcome")
    plan.add_argument("--months", type=int, default=None, help="fönster i månader / window in months")
    plan.add_argument("--note", default=None, help="t.ex. var planen är registrerad / e.g. where it is registered")
    _add_plan_choices(plan, "--bands")
    plan.add_argument("--json", action="store_true", help="skriv JSON / print JSON")

    report = sub.add_parser("report", help="rapport för nämnden / board briefing (pdf or pptx)")
    report.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    report.add_argument("--study", default=None, help="studie / study")
    report.add_argument("--format", choices=FORMATS, required=True)
    report.add_argument("--out", required=True, help="utfil / output file")
    report.add_argument("--lang", choices=("sv", "en"), default="sv")

    costs = sub.add_parser("costs", help="kostnader och budgetpåverkan / costs and budget impact")
    costs.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    costs.add_argument("--study", default=None, help="studie / study (for effects from the study)")
    costs.add_argument("--scenario", default=None, help="scenariofil (TOML) / scenario file; default: the example")
    costs.add_argument("--preset", choices=("eskilstuna",), default=None, help="förinställt scenario / preset")
    costs.add_argument("--draws", type=int, default=PSA_DRAWS, help="dragningar / probabilistic draws")
    costs.add_argument("--json", action="store_true", help="skriv JSON / print JSON")
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    """Build the demo store and say where it is."""
    if args.people is None and args.seed is None:
        build_embedded_demo(args.db)
        print(
            f"Demo-studierna {DEMO_STUDY} och {TRIAL_SIZED_STUDY} byggda i {args.db} / "
            f"Demo studies {DEMO_STUDY} and {TRIAL_SIZED_STUDY} built in {args.db}"
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


COMPLETE_HELP = (
    "sista månad med kompletta timmar / last month whose hours are complete, YYYY-MM (default: the data end's month "
    "if it ends there, else the month before); later months are left out of the analyses"
)


def _dates_of(args: argparse.Namespace) -> tuple[dt.date | None, dt.date | None]:
    """Return --data-end and --complete-through as dates (None when not given); raise on malformed ones."""
    data_end = complete = None
    if args.data_end:
        try:
            data_end = dt.date.fromisoformat(args.data_end)
        except ValueError:
            raise UserFacingError(
                f"--data-end {args.data_end!r} är inget datum ÅÅÅÅ-MM-DD.",
                f"--data-end {args.data_end!r} is not a date YYYY-MM-DD.",
            ) from None
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
            complete_through=complete,
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


def _open_request(args: argparse.Namespace, run):
    """Open the store, check study, month and filters from the arguments, and return (study, run(con, selection)).

    The hours measure used (asked for, else the study's) is left in ``args.hours_measure`` for the output.
    """
    filters = Filters(sex=tuple(args.sex), application_type=tuple(args.application_type), district=tuple(args.district))
    con = db.connect(args.db)
    try:
        study = resolve_study(con, args.study)
        bands = parse_band_edges(args.bands) if args.bands else load_plan(con, study).bands
        info = describe_study(con, study)
        check_month(info, args.month)
        check_districts(info, filters.district)
        filters = filters.covering(info["districts"])  # every district chosen is no filter
        args.hours_measure = check_measure(info, args.hours_measure)
        selection = Selection(study, filters, bands, args.month, info["merged_districts"], args.hours_measure)
        return study, run(con, selection)
    finally:
        con.close()


def _viewer(args: argparse.Namespace, con, selection, result, show):
    """Return the result as a viewer sees it (the pages' rule: threshold from the settings) when --as-viewer."""
    if not args.as_viewer:
        return result
    threshold = int(get_setting("suppression_threshold"))

    def risks_for(view, table, timepoints=()):
        return find_risks(con, view, threshold, table, timepoints)

    return replace(result, groups=show(result.groups, selection, threshold, risks_for))


def _run_compare(args: argparse.Namespace) -> int:
    """Compare hours between arms and print JSON or a table."""

    def run(con, selection):
        result = run_comparison(con, selection, args.method, args.deaths)
        return _viewer(args, con, selection, result, show_comparison)

    study, result = _open_request(args, run)
    if args.json:
        print(json.dumps(result.to_dict() | {"hours_measure": args.hours_measure}, ensure_ascii=False))
    else:
        print(
            f"Månad / month {args.month}, studie / study {study}, timmar / hours {args.hours_measure}, "
            f"metod / method {args.method}, döda / deaths {args.deaths}"
        )
        print(result.groups[[*GROUP_COLUMNS, "p_value_holm"]].to_string(index=False))
        print(f"Interaktion arm × åldersgrupp / interaction p = {result.interaction['p_value']:.4g}")
    return 0


def _run_placement(args: argparse.Namespace) -> int:
    """Analyse time to nursing-home placement and print JSON or a table."""
    study, result = _open_request(
        args, lambda con, selection: _viewer(args, con, selection, analyze_placement(con, selection), show_placement)
    )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(f"Fönster / window {args.month} månader / months, studie / study {study}")
        print(pd.DataFrame(result.to_dict()["groups"]).to_string(index=False))
    return 0


def _run_outcomes(args: argparse.Namespace) -> int:
    """Compare outcomes per randomized person over the window and print JSON or a table."""
    default = unit_costs()
    costs = UnitCosts(
        default.hour if args.hour_cost is None else args.hour_cost,
        default.day if args.day_cost is None else args.day_cost,
    )

    def run(con, selection):
        plan = load_plan(con, selection.study)
        chosen = plan.covariates if args.adjust_for is None else check_covariates(parse_covariates(args.adjust_for))
        result = compare_person_outcomes(con, selection, costs, covariates=chosen)
        return _viewer(args, con, selection, result, show_outcomes), plan

    study, (result, plan) = _open_request(args, run)
    if args.json:
        extra = {
            "analysis_plan": _plan_dict(plan),
            "primary": primary_figure(result, plan),
            "hours_measure": args.hours_measure,
        }
        out = result.to_dict() | extra
        if args.as_viewer:  # the promised keys stay; each group says whether and why it is hidden
            for group, (_, row) in zip(out["groups"], result.groups.iterrows(), strict=True):
                group["suppressed"] = bool(row["suppressed"])
                group["suppressed_reason"] = row["suppressed_reason"]
                group["perturbed"] = bool(row.get("perturbed", False))  # counts with the cell key method's noise
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"Fönster / window {args.month} månader / months, studie / study {study}, timmar / hours "
              f"{args.hours_measure}")  # fmt: skip
        print(f"Timkostnad / hour cost {costs.hour:g} kr, dygnskostnad / day cost {costs.day:g} kr")
        columns = ["age_band", "cost_difference", "cost_ci_low", "cost_ci_high", "days_home_difference"]
        print(result.groups[[*columns, "days_home_ci_low", "days_home_ci_high"]].to_string(index=False))
    return 0


def _run_view(args: argparse.Namespace) -> int:
    """Print every table of a page as a viewer sees it (always with the pages' rules: --as-viewer is implied)."""
    threshold = int(get_setting("suppression_threshold"))
    options = ViewOptions(args.method, args.deaths, args.draws, args.instrument, args.lang)
    study, tables = _open_request(args, lambda con, selection: view_page(con, args.page, selection, threshold, options))
    if args.json:
        out = {
            "page": args.page,
            "study": study,
            "month": args.month,
            "hours_measure": args.hours_measure,
            "threshold": threshold,
            "tables": {name: to_all_records(frame, ()) for name, frame in tables.items()},
        }
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"Sida / page {args.page}, studie / study {study}, månad / month {args.month}, gräns / threshold {threshold}")
    for name, frame in tables.items():
        print(f"\n[{name}]")
        print(frame.to_string(index=False))
    return 0


def _plan_dict(plan: AnalysisPlan) -> dict:
    """Return the JSON form of an analysis plan."""
    return {
        "primary_outcome": plan.primary_outcome,
        "window_months": plan.window_months,
        "note": plan.note,
        "set_on": plan.set_on.isoformat(timespec="seconds") if plan.set_on else None,
        "pre_specified": plan.pre_specified,
        "estimator": plan.estimator,
        "covariates": list(plan.covariates),
        "band_edges": list(plan.band_edges) if plan.band_edges is not None else None,
    }


def _run_plan(args: argparse.Namespace) -> int:
    """Show the study's analysis plan, or store a new one when --primary or --months is given."""
    con = db.connect(args.db)
    try:
        study = resolve_study(con, args.study)
        current = load_plan(con, study)
    finally:
        con.close()
    wanted = _plan_from_args(args, current)
    if wanted is not None:
        current = save_plan(args.db, study, wanted)
    if args.json:
        print(json.dumps({"study": study, **_plan_dict(current)}, ensure_ascii=False))
    else:
        print(f"{describe_plan(current, 'sv')} / {describe_plan(current, 'en')}")
    return 0


def _run_costs(args: argparse.Namespace) -> int:
    """Project costs for a scenario (effects typed in or from the study) and print JSON or a table."""
    if args.draws < 100 or args.draws > 1_000_000:
        raise UserFacingError("--draws måste vara 100–1 000 000.", "--draws must be 100–1,000,000.")
    if args.preset:
        scenario = eskilstuna_preset()[0]
    elif args.scenario:
        scenario = read_scenario(args.scenario)
    else:
        scenario = Scenario()
    draws = None
    if scenario.effects_source == "study":
        con = db.connect(args.db)
        try:
            study = resolve_study(con, args.study)
            window = load_plan(con, study).window_within(describe_study(con, study)["max_month"])  # as the pages
            estimated = estimate_study_effects(con, study, window)
        finally:
            con.close()
        scenario = with_effects(scenario, estimated)
        draws = estimated.draws
    summary = summarize_money(scenario, draws, args.draws)
    out = summary.projection.to_dict() | {
        "probability_saves_money": summary.uncertainty["probability_saves_money"],
        "net_interval": summary.uncertainty["net_interval"],
        "scenario": scenario_dict(scenario),
    }
    if not (args.preset or args.scenario):
        out["note"] = "Exempel med påhittade siffror / example with invented numbers"
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(summary.projection.years.round(0).to_string(index=False))
        print(f"Nuvärde / present value ({scenario.discount_rate:.0%}): {summary.projection.present_value:,.0f} SEK")
        print(f"Återbetald månad / payback month: {out['payback_month']}")
        print(f"Sannolikhet att spara pengar / probability of saving money: {out['probability_saves_money']:.3f}")
        low, high = out["net_interval"]
        print(f"95 % intervall för nuvärdet / 95% interval of the present value: {low:,.0f} – {high:,.0f} SEK")
    return 0


def _run_power(args: argparse.Namespace) -> int:
    """Size the next trial from the study's own SD, correlations and attrition; print JSON or a summary."""
    defaults = unit_costs()
    costs = UnitCosts(
        defaults.hour if args.hour_cost is None else args.hour_cost,
        defaults.day if args.day_cost is None else args.day_cost,
    )
    study, (inputs, source) = _open_request(
        args,
        lambda con, sel: estimate_power_inputs(
            con, sel, args.outcome, args.difference, args.band, costs, args.alpha, args.target_power
        ),
    )
    designs = size_trial(inputs)
    out = {"study": study, "hours_measure": args.hours_measure, "inputs": vars(inputs), "source": source,
           "designs": designs}  # fmt: skip
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{study}, {args.outcome}, {args.band}: SD {inputs.sd:.3g}, ρ {inputs.baseline_correlation:.2f}, "
          f"bortfall / attrition {inputs.attrition:.0%}")  # fmt: skip
    for design in ("ttest", "ancova", "repeated"):
        print(f"{design}: {designs[f'n_per_arm_{design}']} med utfall per arm / with the outcome per arm, "
              f"randomisera / randomize {designs[f'randomize_per_arm_{design}']} per arm")  # fmt: skip
    return 0


QALY_KEYS = ("age_band", "qaly_intervention", "qaly_control", "qaly_difference", "qaly_ci_low", "qaly_ci_high",
             "cost_difference", "icer", "nmb", "p_cost_effective")  # fmt: skip


def _run_qaly(args: argparse.Namespace) -> int:
    """Compare QALYs and costs per randomized person and print JSON or a table."""
    if args.as_viewer:
        raise UserFacingError(
            "QALY-jämförelsen har ännu ingen läsarvy med dolda små tal; den är för analytiker.",
            "The QALY comparison has no viewer form with small counts hidden yet; it is for analysts.",
        )
    scenario = Scenario()
    defaults = unit_costs(scenario)
    costs = UnitCosts(
        defaults.hour if args.hour_cost is None else args.hour_cost,
        defaults.day if args.day_cost is None else args.day_cost,
    )
    extra = scenario.cost_per_participant() if args.intervention_cost is None else args.intervention_cost
    study, result = _open_request(args, lambda con, sel: compare_cost_effectiveness(con, sel, costs, extra))
    out = {
        "study": study,
        "hours_measure": args.hours_measure,
        "months": result.months,
        "instrument": result.instrument,
        "assumptions": {
            "hour_cost": costs.hour,
            "day_cost": costs.day,
            "intervention_cost": extra,
            "intervention_cost_is_assumption": args.intervention_cost is None,
        },
        "tlv_range": list(TLV_RANGE),
        "groups": to_all_records(result.groups, QALY_KEYS),
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    shown = result.groups[["age_band", "qaly_difference", "qaly_ci_low", "qaly_ci_high", "cost_difference", "icer"]]
    print(shown.round(3).to_string(index=False))
    print(f"Insatsens kostnad per deltagare / intervention cost per participant: {extra:,.0f} SEK")
    return 0


MEASURE_KEYS = ("visit_month", "n_intervention", "n_control", "mean_intervention", "mean_control", "difference",
                "ci_low", "ci_high", "p_value", "ancova_difference", "ancova_ci_low", "ancova_ci_high")  # fmt: skip


def _run_measures(args: argparse.Namespace) -> int:
    """Compare one instrument between the arms at every visit and print JSON or a table."""
    filters = Filters(sex=tuple(args.sex), application_type=tuple(args.application_type), district=tuple(args.district))
    con = db.connect(args.db)
    try:
        study = resolve_study(con, args.study)
        plan = load_plan(con, study)
        info = describe_study(con, study)
        check_districts(info, filters.district)
        filters = filters.covering(info["districts"])  # every district chosen is no filter
        bands = parse_band_edges(args.bands) if args.bands else plan.bands
        selection = Selection(study, filters, bands, None, info["merged_districts"])
        result = compare_measures(con, selection, args.instrument, window=plan.window_within(info["max_month"]))
    finally:
        con.close()
    visits = result.visits
    overall = visits[visits["age_band"] == "all"]
    primary = result.primary()
    out = {
        "instrument": result.instrument.name,
        "label": result.instrument.label("en"),
        "higher_is_better": result.instrument.higher_is_better,
        "visits": to_all_records(overall, MEASURE_KEYS),
        "by_band": to_all_records(visits[visits["age_band"] != "all"], ("age_band", *MEASURE_KEYS)),
        "repeated": to_all_records(result.repeated, ()),
        "repeated_note": result.repeated_note,
        "primary": None if primary is None else to_all_records(pd.DataFrame([primary]), MEASURE_KEYS)[0],
        "estimand": (
            "Among randomized people measured at the visit: mean score, intervention minus control (Welch), and "
            "adjusted for the baseline score (ANCOVA, HC3). The primary figure is the ANCOVA at the last visit "
            "within the analysis plan's window. Deaths and missed visits are missing, never zero; the estimates "
            "assume missing at random given arm and baseline."
        ),
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{result.instrument.label('sv')} / {result.instrument.label('en')} — {study}")
    print(overall[list(MEASURE_KEYS)].round(3).to_string(index=False))
    if primary is not None:
        print(f"Primärt (ANCOVA, månad {result.primary_visit}) / primary: {primary['ancova_difference']:.3f} "
              f"({primary['ancova_ci_low']:.3f} – {primary['ancova_ci_high']:.3f})")  # fmt: skip
    return 0


def _run_report(args: argparse.Namespace) -> int:
    """Write the board briefing as PDF or PowerPoint."""
    con = db.connect(args.db)
    try:
        out = write_report(con, resolve_study(con, args.study), args.format, args.out, args.lang)
    finally:
        con.close()
    print(f"Rapport skriven / report written: {out}")
    return 0


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
