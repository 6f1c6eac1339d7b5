"""The command line's parsers: every command, its flags and its help (the docs' reference is built from them)."""

from __future__ import annotations

import argparse
import datetime as dt

from analysis.demo import DEMO_STUDY, DemoSpec
from analysis.economics.costs import PSA_DRAWS
from analysis.economics.scenario import unit_costs
from analysis.errors import UserFacingError
from analysis.intake.fileformat import DESIGNS
from analysis.outcomes.per_person import BOOTSTRAP_DRAWS, UnitCosts
from analysis.outcomes.person_values import EXCLUDE, HANDLING
from analysis.present.report import FORMATS
from analysis.present.viewer import PAGES
from analysis.selection import (
    APPLICATION_TYPES,
    COVARIATES,
    HOURS_MEASURES,
    SEXES,
    edges_of,
    parse_band_edges,
)
from analysis.settings import get_setting
from analysis.stats.methods import METHODS
from analysis.store.plans import plan_to_dict
from analysis.store.studies import (
    PLAN_ESTIMATORS,
    PRIMARY_OUTCOMES,
    AnalysisPlan,
    parse_covariates,
)

COMPLETE_HELP = (
    "sista månad med kompletta timmar / last month whose hours are complete, YYYY-MM (default: the data end's month "
    "if it ends there, else the month before); later months are left out of the analyses"
)


def parse_date_flag(flag: str, text: str) -> dt.date:
    """Return a flag's date (ÅÅÅÅ-MM-DD), or raise UserFacingError naming the flag and the value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserFacingError(
            f"{flag} {text!r} är inget datum ÅÅÅÅ-MM-DD.", f"{flag} {text!r} is not a date YYYY-MM-DD."
        ) from None


def costs_from_args(args: argparse.Namespace) -> UnitCosts:
    """Return the cost of an hour and a day: --hour-cost and --day-cost where given, else the sourced defaults."""
    default = unit_costs()
    return UnitCosts(
        default.hour if args.hour_cost is None else args.hour_cost,
        default.day if args.day_cost is None else args.day_cost,
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
    monitoring = {name: getattr(args, name, None) for name in ("alpha", "spending", "planned_n", "final_on")}
    futility = getattr(args, "futility", False)
    asked = (args.primary, args.months, args.note, args.estimator, args.adjust_for, args.plan_bands)
    if all(value is None for value in (*asked, *monitoring.values())) and not futility:
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
        current.alpha if monitoring["alpha"] is None else monitoring["alpha"],
        monitoring["spending"] or current.spending,
        current.planned_n if monitoring["planned_n"] is None else monitoring["planned_n"],
        current.final_on if monitoring["final_on"] is None else parse_date_flag("--final-on", monitoring["final_on"]),
        futility or current.futility,
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
    demo.add_argument(
        "--if-missing",
        action="store_true",
        help="bygg bara om databasen saknas (startkommandot: klar innan servern tar emot första sidan) / "
        "build only when the database is missing (the start command: ready before the server takes the first page)",
    )

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
    imp.add_argument(
        "--design",
        choices=DESIGNS,
        default="randomized",
        help="hur grupperna uppstod: lottning, jämförelsegrupp, införande i steg, en grupp / how the groups came "
        "about: randomized, comparison_group, rollout (areas adopting at different dates), single_group",
    )
    imp.add_argument(
        "--adoption",
        default=None,
        help="införandefil för rollout (område, införd; tomt datum: införde aldrig) / adoption file for rollout "
        "(area, adopted_on; empty: never adopted)",
    )
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
    plan.add_argument(
        "--history", action="store_true", help="alla sparade versioner / every saved version (with --json: JSON)"
    )
    plan.add_argument("--alpha", type=float, default=None, help="övervakning: total tvåsidig alfa / overall alpha")
    plan.add_argument("--spending", choices=("obf", "pocock"), default=None, help="spenderingsfunktion / spending")
    plan.add_argument("--planned-n", type=int, default=None, help="planerat antal randomiserade / planned number")
    plan.add_argument("--final-on", default=None, help="datum för slutanalysen ÅÅÅÅ-MM-DD / date of the final look")
    plan.add_argument("--futility", action="store_true", help="också gräns för meningslöshet / also futility")
    _add_plan_choices(plan, "--bands")
    plan.add_argument("--json", action="store_true", help="skriv JSON / print JSON")

    monitor = sub.add_parser(
        "monitor", help="interimsanalyser mot stoppgränser / interim looks against stopping boundaries"
    )
    monitor.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    monitor.add_argument("--study", default=None, help="studie / study")
    monitor.add_argument("--hour-cost", type=float, default=None, help="kr per timme / SEK per hour")
    monitor.add_argument("--day-cost", type=float, default=None, help="kr per dygn / SEK per day")
    monitor.add_argument("--json", action="store_true", help="skriv JSON / print JSON")

    rollout = _add_request(
        sub.add_parser(
            "rollout", help="införande i steg: effekt efter införandet / staged roll-out: effect after adoption"
        )
    )
    rollout.add_argument(
        "--outcome", choices=("hours", "cost"), default="hours", help="timmar eller kostnad / hours or cost"
    )
    rollout.add_argument("--hour-cost", type=float, default=None, help="kr per timme / SEK per hour")
    rollout.add_argument("--day-cost", type=float, default=None, help="kr per dygn / SEK per day")

    report = sub.add_parser("report", help="rapport för nämnden / board briefing (pdf or pptx)")
    report.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    report.add_argument("--study", default=None, help="studie / study")
    report.add_argument("--format", choices=FORMATS, required=True)
    report.add_argument("--out", required=True, help="utfil / output file")
    report.add_argument("--lang", choices=("sv", "en"), default="sv")

    costs = sub.add_parser("costs", help="kostnader och budgetpåverkan / costs and budget impact")
    costs.add_argument("--db", default=str(get_setting("db_path")), help="DuckDB-fil / DuckDB file")
    costs.add_argument(
        "--study",
        default=None,
        help="studiens sparade scenario med dess effekter / the study's saved scenario with its effects",
    )
    costs.add_argument("--scenario", default=None, help="scenariofil (TOML) / scenario file; default: the example")
    costs.add_argument("--preset", choices=("eskilstuna",), default=None, help="förinställt scenario / preset")
    costs.add_argument("--draws", type=int, default=PSA_DRAWS, help="dragningar / probabilistic draws")
    costs.add_argument("--json", action="store_true", help="skriv JSON / print JSON")
    return parser


def _plan_dict(plan: AnalysisPlan) -> dict:
    """Return the JSON form of an analysis plan (plans.plan_to_dict)."""
    return plan_to_dict(plan)
