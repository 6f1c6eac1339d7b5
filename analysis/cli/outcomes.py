"""Commands that read outcomes: compare, placement, outcomes, view and plan."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import pandas as pd

from analysis.cli.parser import _plan_dict, _plan_from_args, costs_from_args
from analysis.outcomes.compare import GROUP_COLUMNS
from analysis.outcomes.comparisons import run_comparison
from analysis.outcomes.groups import compare_weighted_groups
from analysis.outcomes.monitoring import monitor_primary
from analysis.outcomes.per_person import compare_person_outcomes, primary_figure
from analysis.outcomes.placement import analyze_placement
from analysis.outcomes.rollout import analyse_rollout
from analysis.present.disclosure import show_comparison, show_outcomes, show_placement, show_rollout
from analysis.present.linked import find_risks
from analysis.present.texts import describe_plan
from analysis.present.viewer import ViewOptions, view_page
from analysis.records import to_all_records
from analysis.selection import (
    Filters,
    Selection,
    parse_band_edges,
)
from analysis.settings import get_setting
from analysis.store import db
from analysis.store.plans import list_plan_versions
from analysis.store.studies import (
    check_covariates,
    check_districts,
    check_groups,
    check_measure,
    check_month,
    describe_study,
    load_plan,
    parse_covariates,
    resolve_study,
    save_plan,
)


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
        if args.command not in ("rollout", "view"):  # view says per page what a design cannot give
            check_groups(info, args.command)
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
        design = describe_study(con, selection.study)["design"]
        weighted = compare_weighted_groups(con, selection, args.deaths) if design == "comparison_group" else None
        return _viewer(args, con, selection, result, show_comparison), design, weighted

    study, (result, design, weighted) = _open_request(args, run)
    if args.json:
        out = result.to_dict() | {"hours_measure": args.hours_measure, "design": design}
        if weighted is not None:
            out = _with_weighted(out, weighted)
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(
            f"Månad / month {args.month}, studie / study {study}, timmar / hours {args.hours_measure}, "
            f"metod / method {args.method}, döda / deaths {args.deaths}"
        )
        print(result.groups[[*GROUP_COLUMNS, "p_value_holm"]].to_string(index=False))
        print(f"Interaktion arm × åldersgrupp / interaction p = {result.interaction['p_value']:.4g}")
    return 0


def _with_weighted(out: dict, weighted: dict) -> dict:
    """Add a comparison group's balance, E-values and weighted differences to compare's JSON (hidden as shown)."""
    by_band = weighted["groups"].set_index("age_band")
    columns = ("weighted_difference", "weighted_ci_low", "weighted_ci_high", "weighted_p_value", "e_value",
               "e_value_ci")  # fmt: skip
    for group in out["groups"]:
        row = by_band.loc[group["age_band"]]
        hidden = group.get("difference") is None  # a figure the viewer's rules hid stays hidden in its weighted form
        group.update({c: None if hidden or pd.isna(row[c]) else float(row[c]) for c in columns})
    balance = weighted["balance"].to_dict("records")
    return out | {"balance": balance, "e_value": _number(weighted["e_value"]),
                  "e_value_ci": _number(weighted["e_value_ci"]), "weighting": "overlap weights (Li, Morgan & "
                  "Zaslavsky 2018) on age, sex, application type and baseline hours",
                  "weighting_warnings": weighted["warnings"],
                  "weighting_cannot_estimate": (weighted["cannot_estimate"] or (None, None))[1]}  # fmt: skip


def _number(value) -> float | None:
    """Return a float for JSON, None for NaN."""
    return None if value is None or pd.isna(value) else float(value)


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
    costs = costs_from_args(args)

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
        save_plan(args.db, study, wanted)
    con = db.connect(args.db)
    try:
        current = load_plan(con, study)  # the primary: a version saved after data existed does not replace it
        versions = list_plan_versions(con, study)
    finally:
        con.close()
    if args.history:
        history = {
            "study": study,
            "versions": [v.to_dict() for v in versions],
            "primary_version": current.version,
        }
        if args.json:
            print(json.dumps(history, ensure_ascii=False))
        else:
            for v in versions:
                flag = " (ändrad efter att data fanns / changed after data existed)" if v.changed_after_data else ""
                print(f"{v.version}: {describe_plan(v.plan, 'sv')}{flag}")
        return 0
    if args.json:
        print(json.dumps({"study": study, **_plan_dict(current)}, ensure_ascii=False))
    else:
        print(f"{describe_plan(current, 'sv')} / {describe_plan(current, 'en')}")
    return 0


def _run_rollout(args: argparse.Namespace) -> int:
    """Print a staged roll-out's effect after adoption, its event study and the naive two-way estimate."""

    def run(con, selection):
        result = analyse_rollout(con, selection, costs_from_args(args), args.outcome)
        if not args.as_viewer:
            return result
        shown = show_rollout(result, int(get_setting("suppression_threshold")))
        series = shown["event_study"].astype(object).where(shown["event_study"].notna(), None)
        return result | {"event_study": series.to_dict("records")}

    study, result = _open_request(args, run)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{study}: {result['estimator']}, {result['unit']}")
    print(
        f"effekt efter införandet / effect after adoption {result['att']:.2f} "
        f"({result['ci_low']:.2f} till / to {result['ci_high']:.2f}), p = {result['p_value']:.3g}; "
        f"{result['n_areas']} områden / areas, {result['n_people']} personer / people"
    )
    pre = result["pre_trend_p_value"]
    print(f"naiv tvåvägs-FE / naive two-way FE {result['twfe_att']:.2f}; förtrend / pre-trend p = "
          f"{'—' if pre is None else f'{pre:.3f}'}")  # fmt: skip
    for sv, en in zip(result["caveats_sv"], result["caveats"], strict=True):
        print(f"- {sv} / {en}")
    return 0


def _run_monitor(args: argparse.Namespace) -> int:
    """Print every monthly look at the primary outcome against the plan's group-sequential boundaries."""
    con = db.connect(args.db)
    try:
        study = resolve_study(con, args.study)
        out = monitor_primary(con, study, costs_from_args(args))
    finally:
        con.close()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{study}: {out['spending']}, alfa / alpha {out['alpha']}, {out['information_definition']}")
    print(f"tittar / looks: {out['looks_from']}")
    for look in out["looks"]:
        z = "—" if look["z"] is None else f"{look['z']:.2f}"
        bound = "—" if look["efficacy_boundary_z"] is None else f"{look['efficacy_boundary_z']:.2f}"
        futile = look.get("futility_boundary_z")
        futile = "" if futile is None else f" futility z={futile:.2f}{' *' if look['futility_crossed'] else ''}"
        print(
            f"{look['look']:>3} {look['complete_through']} t={look['information_fraction']:.3f} z={z} "
            f"|z|≥{bound}{' *' if look['crossed'] else ''}{futile}"
        )
    return 0
