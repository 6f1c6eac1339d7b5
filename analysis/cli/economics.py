"""Commands on costs, measures and briefings: costs, power, qaly, measures and report."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import pandas as pd

from analysis.cli.outcomes import _open_request
from analysis.cli.parser import costs_from_args
from analysis.economics.costs import eskilstuna_preset
from analysis.economics.effects import estimate_study_effects, with_effects
from analysis.economics.psa import summarize_money
from analysis.economics.qaly import TLV_RANGE, compare_cost_effectiveness
from analysis.economics.saved import load_scenario
from analysis.economics.scenario import Scenario, list_example_inputs, read_scenario, scenario_dict
from analysis.errors import UserFacingError
from analysis.outcomes.measures import compare_measures
from analysis.outcomes.planning import estimate_power_inputs
from analysis.present.report import write_report
from analysis.present.texts import format_probability, name_scenario, read_examples
from analysis.records import to_all_records
from analysis.selection import (
    Filters,
    Selection,
    parse_band_edges,
)
from analysis.stats.power import size_trial
from analysis.store import db
from analysis.store.studies import (
    check_districts,
    describe_study,
    load_plan,
    resolve_study,
)


def _run_costs(args: argparse.Namespace) -> int:
    """Project costs for a scenario (effects typed in or from the study) and print JSON or a table."""
    if args.draws < 100 or args.draws > 1_000_000:
        raise UserFacingError("--draws måste vara 100–1 000 000.", "--draws must be 100–1,000,000.")
    saved = None
    if args.preset:
        scenario = eskilstuna_preset()[0]
    elif args.scenario:
        scenario = read_scenario(args.scenario)
    elif args.study:  # the study's saved scenario (the board's), with the study's effects
        con = db.connect(args.db)
        try:
            scenario, saved = load_scenario(con, resolve_study(con, args.study))
        finally:
            con.close()
        scenario = replace(scenario, effects_source="study")
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
    probability = summary.uncertainty["probability_saves_money"]
    draws_used = summary.uncertainty["draws"]
    out = summary.projection.to_dict() | {
        "probability_saves_money": probability,
        "probability_saves_money_text": {
            lang: format_probability(probability, lang, draws_used) for lang in ("sv", "en")
        },  # "mer än 99 % (10 000 dragningar)": a count from draws is never a certainty
        "net_interval": summary.uncertainty["net_interval"],
        "psa_draws": draws_used,
        "scenario": scenario_dict(scenario),
        "scenario_name": {lang: name_scenario(scenario, lang, args.preset) for lang in ("sv", "en")},
        "example_inputs": list_example_inputs(scenario),
        "comparison": summary.comparison,
        "saved_scenario": None if saved is None else {k: str(v) for k, v in saved.items()},
    }
    if not (args.preset or args.scenario or args.study):
        out["note"] = "Exempel med påhittade siffror / example with invented numbers"
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(summary.projection.years.round(0).to_string(index=False))
        print(f"Nuvärde / present value ({scenario.discount_rate:.0%}): {summary.projection.present_value:,.0f} SEK")
        print(f"Återbetald månad / payback month: {out['payback_month']}")
        texts = out["probability_saves_money_text"]
        print(f"Sannolikhet att spara pengar / probability of saving money: {texts['sv']} / {texts['en']}")
        if out["example_inputs"]:
            print(f"{read_examples(scenario, 'sv')} / {read_examples(scenario, 'en')}")
        low, high = out["net_interval"]
        print(f"95 % intervall för nuvärdet / 95% interval of the present value: {low:,.0f} – {high:,.0f} SEK")
    return 0


def _run_power(args: argparse.Namespace) -> int:
    """Size the next trial from the study's own SD, correlations and attrition; print JSON or a summary."""
    costs = costs_from_args(args)
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
    costs = costs_from_args(args)
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
