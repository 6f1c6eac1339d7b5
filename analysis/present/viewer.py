"""What a viewer sees on each page: every table, curve and count with the pages' disclosure rules applied.

The pages call the same show_* rules on the same analysis results; this module puts one page's tables
together so the command line (``python -m analysis view``) and the tests can audit all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.economics.qaly import compare_cost_effectiveness
from analysis.economics.scenario import Scenario, unit_costs
from analysis.errors import InputError
from analysis.outcomes.baseline import count_flow, count_joint, summarize_baseline
from analysis.outcomes.compare import compare_hours, compare_hours_by_sex
from analysis.outcomes.comparisons import run_comparison
from analysis.outcomes.groups import compare_weighted_groups
from analysis.outcomes.measures import compare_measures, list_instruments
from analysis.outcomes.monitoring import monitor_primary
from analysis.outcomes.overview import summarize_people, trace_hours
from analysis.outcomes.per_person import BOOTSTRAP_DRAWS, compare_person_outcomes
from analysis.outcomes.person_values import EXCLUDE, load_month_values
from analysis.outcomes.placement import analyze_placement
from analysis.outcomes.planning import estimate_power_inputs
from analysis.outcomes.rollout import analyse_rollout
from analysis.outcomes.single_group import follow_single_group
from analysis.present.designs import DESIGN_PAGES
from analysis.present.disclosure import (
    show_at_risk,
    show_comparison,
    show_curves,
    show_flow,
    show_looks,
    show_outcomes,
    show_people,
    show_placement,
    show_split,
    show_table1,
    show_timepoints,
    show_trajectory,
)
from analysis.present.disclosure.designs import show_rollout, show_single_group, show_weighted
from analysis.present.disclosure_measures import show_measures, show_planning, show_qalys
from analysis.present.linked import count_linked, find_risks
from analysis.present.viewer_board import view_costs, view_presentation
from analysis.selection import ALL, DESIGN_WORDS, Filters, Selection
from analysis.store import db
from analysis.store.studies import describe_study, load_plan

PAGES = ("overview", "comparisons", "placement", "measures", "costs", "presentation", "rollout", "single_group")
TIMEPOINTS = (3, 6, 12, 24)  # the Comparisons page's timepoints and flow months (with the chosen month)
SEX_GROUPS = ("total", "F", "M")


@dataclass(frozen=True)
class ViewOptions:
    """A page's own choices besides the selection: method and handling (Comparisons), draws, instrument (Measures)."""

    method: str = "welch"
    handling: str = EXCLUDE
    draws: int = BOOTSTRAP_DRAWS
    instrument: str | None = None  # outcome measures: the instrument shown (None: the study's first)
    lang: str = "sv"  # the presentation's language


def extra_cost() -> float:
    """Return the intervention's own cost per participant of the default scenario (the QALY section's)."""
    return Scenario().cost_per_participant()


def _call(memo: dict | None, fn, con: db.Connection, *args, **kwargs):
    """Return fn(con, *args, **kwargs), reusing an earlier result from ``memo`` (a dict the caller keeps)."""
    if memo is None:
        return fn(con, *args, **kwargs)
    key = (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))
    if key not in memo:
        memo[key] = fn(con, *args, **kwargs)
    return memo[key]


def _risks(con: db.Connection, threshold: int, memo: dict | None = None):
    """Return the risks_for callable the show_* rules take; the counts among everyone are kept in ``memo``."""

    def risks_for(view: Selection, table: str, timepoints=()):
        if not view.filters.fields() or threshold <= 1:
            return None
        counts = _call(memo, count_linked, con, view.with_filters(Filters()), table, tuple(timepoints))
        return find_risks(con, view, threshold, table, tuple(timepoints), counts=counts)

    return risks_for


def _outcomes(con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo) -> pd.DataFrame:
    """Return the per-person section as shown: the plan's window, covariates and the scenario's unit costs."""
    plan = load_plan(con, selection.study)
    window = plan.window_within(describe_study(con, selection.study)["max_month"])
    view = selection.at(window)
    result = _call(
        memo, compare_person_outcomes, con, view, unit_costs(), draws=options.draws, covariates=plan.covariates
    )
    return show_outcomes(result.groups, view, threshold, _risks(con, threshold, memo)).assign(month=window)


def view_overview(
    con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo: dict | None = None
) -> dict:
    """Return the Overview page's tables as a viewer sees them (selection's month: the hours month)."""
    risks_for = _risks(con, threshold, memo)
    everyone = selection.at(None)
    tables = {
        "outcomes": _outcomes(con, selection, threshold, options, memo),
        "hours": show_comparison(_call(memo, compare_hours, con, selection).groups, selection, threshold, risks_for),
        "trajectory": show_trajectory(_call(memo, trace_hours, con, everyone), everyone, threshold, risks_for),
        "people": show_people(_call(memo, summarize_people, con, everyone), everyone, threshold, risks_for),
        "looks": show_looks(_call(memo, monitor_primary, con, selection.study, unit_costs())),
    } | _weighted_tables(con, selection, threshold, EXCLUDE, risks_for, memo)
    if not selection.filters.sex:
        tables["by_sex"] = show_split(
            _call(memo, compare_hours_by_sex, con, selection), selection, threshold, risks_for
        )
    return tables


def view_comparisons(
    con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo: dict | None = None
) -> dict:
    """Return the Comparisons page's tables as a viewer sees them (selection's month: the comparison's)."""
    risks_for = _risks(con, threshold, memo)
    month = selection.required_month()
    top = describe_study(con, selection.study)["max_month"] or 0
    points = [m for m in TIMEPOINTS if m <= top]
    everyone = selection.at(None)
    groups = _call(memo, run_comparison, con, selection, options.method, options.handling).groups
    shown_points = points if options.method != "mixed" else []
    rows = [
        show_comparison(
            _call(memo, run_comparison, con, selection.at(m), options.method, options.handling).groups,
            selection.at(m),
            threshold,
            risks_for,
        ).iloc[-1]
        for m in shown_points
    ]
    flow = _call(memo, count_flow, con, everyone, tuple(sorted({*points, month})))
    return {
        "outcomes": _outcomes(con, selection, threshold, options, memo),
        "results": show_comparison(groups, selection, threshold, risks_for),
        "timepoints": show_timepoints(rows, shown_points),
        "table1": show_table1(
            _call(memo, summarize_baseline, con, everyone),
            everyone,
            threshold,
            risks_for,
            _call(memo, count_joint, con, everyone),
        ),
        "flow": show_flow(flow, everyone, threshold, risks_for),
    } | _weighted_tables(con, selection, threshold, options.handling, risks_for, memo)


def _weighted_tables(con, selection: Selection, threshold: int, handling: str, risks_for, memo) -> dict:
    """Return a comparison group's weighted differences and balance as shown (none for a randomized study)."""
    if describe_study(con, selection.study)["design"] != "comparison_group":
        return {}
    crude = _call(memo, run_comparison, con, selection, "welch", handling).groups
    shown = show_comparison(crude, selection, threshold, risks_for)
    found = _call(memo, compare_weighted_groups, con, selection, handling)
    weighted = show_weighted(found, shown, threshold)
    if found["cannot_estimate"]:
        weighted["groups"] = weighted["groups"].assign(message_sv=found["cannot_estimate"][0],
                                                       message_en=found["cannot_estimate"][1])  # fmt: skip
    return {"weighted": weighted["groups"], "balance": weighted["balance"]}


def view_placement(
    con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo: dict | None = None
) -> dict:
    """Return the Nursing-home page's tables as a viewer sees them (selection's month: the window)."""
    risks_for = _risks(con, threshold, memo)
    result = _call(memo, analyze_placement, con, selection)
    groups = show_placement(result.groups, selection, threshold, risks_for)
    return {
        "placement": groups,
        "at_risk": show_at_risk(result.at_risk, groups, selection, threshold, risks_for),
        "curves": show_curves(result.curves, groups, selection, result.month, risks_for),
    }


def view_measures(
    con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo: dict | None = None
) -> dict:
    """Return the outcome-measures page's tables as a viewer sees them: one instrument's visits, QALYs, planning.

    The planning table gives, for the form's default outcome (hours at month 12), each band's people with
    the outcome and people randomized as the form's description shows them.
    """
    risks_for = _risks(con, threshold, memo)
    instruments = list_instruments(con, selection.study)
    if not instruments:
        return {}
    instrument = options.instrument or instruments[0]
    if instrument not in instruments:
        raise InputError(
            f"Studien har inga mätningar av {instrument!r}; den har: {', '.join(instruments)}.",
            f"The study has no measurements of {instrument!r}; it has: {', '.join(instruments)}.",
        )
    plan = load_plan(con, selection.study)
    top = describe_study(con, selection.study)["max_month"]
    window = plan.window_within(top)
    result = _call(memo, compare_measures, con, selection.at(None), instrument, window=window, repeated=False)
    tables = {"visits": show_measures(result.visits, selection, threshold, risks_for, result.instrument)}
    if "eq5d_index" in instruments:
        qaly = _call(
            memo, compare_cost_effectiveness, con, selection.at(window), unit_costs(), extra_cost(), options.draws
        )
        tables["qaly"] = show_qalys(qaly.groups, selection, threshold, risks_for)
    people = _call(memo, summarize_people, con, selection.at(None))
    rows = []
    planned = selection.at(min(12, top or 1))  # the form's default month
    wanted = ("intervention", "age_band", "baseline_hours")  # what the planning reads: no text columns
    values = _call(memo, load_month_values, con, planned, EXCLUDE, wanted)  # read once for every band
    for band in [*(b.label for b in selection.bands), ALL]:
        try:
            _, source = estimate_power_inputs(con, planned, "hours", 5.0, band, month_values=values)
            shown = show_planning(source, people, selection, threshold, risks_for)
            rows.append({"age_band": band, "n_used": shown["n_used"], "randomized": shown["randomized"],
                         "perturbed": bool(shown.get("rounded", False))})  # fmt: skip
        except InputError as error:
            rows.append({"age_band": band, "n_used": np.nan, "randomized": np.nan, "message": error.message("en")})
    tables["planning"] = pd.DataFrame(rows)
    return tables


def view_rollout(
    con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo: dict | None = None
) -> dict:
    """Return the Staged roll-out page's figures as a viewer sees them (the hours outcome)."""
    return show_rollout(_call(memo, analyse_rollout, con, selection, unit_costs(), "hours"), threshold)


def view_single_group(
    con: db.Connection, selection: Selection, threshold: int, options: ViewOptions, memo: dict | None = None
) -> dict:
    """Return the single-group follow-up page's figures as a viewer sees them (the selection's month)."""
    return {"change": show_single_group(_call(memo, follow_single_group, con, selection), threshold)}


def _not_for_design(page: str, design: str) -> dict[str, pd.DataFrame]:
    """Return why a page has no figures for a study of this design, as the page says it."""
    sv, en = DESIGN_WORDS[design]
    reason = {
        "message_sv": f"Sidan {page} visar inget för en studie av designen {sv}; se sidan för designen.",
        "message_en": f"The page {page} shows nothing for a study of the design {en}; see the design's own page.",
        "design": design,
    }
    return {"cannot_estimate": pd.DataFrame([reason])}


def _or_reason(view, *args) -> dict[str, pd.DataFrame]:
    """Return a page's tables or, when the study cannot give its figures, the reason as the page says it."""
    try:
        return view(*args)
    except InputError as error:  # e.g. a band without one arm: the cost model has nothing to project from
        reason = {"message_sv": error.message("sv"), "message_en": error.message("en")}
        return {"cannot_estimate": pd.DataFrame([reason])}


def view_page(
    con: db.Connection,
    page: str,
    selection: Selection,
    threshold: int,
    options: ViewOptions = ViewOptions(),
    memo: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Return every table of one page as a viewer sees it.

    Parameters
    ----------
    con : Connection
        An open store.
    page : str
        One of PAGES.
    selection : Selection
        Study, filters, bands and the page's month (hours month, comparison month or placement window).
    threshold : int
        Smallest number shown.
    options : ViewOptions
        The page's method, handling and bootstrap draws.
    memo : dict, optional
        Keeps the analysis results between calls (e.g. the same page at two thresholds); never the rules.

    Returns
    -------
    dict of str to DataFrame
        Table name -> rows with hidden figures NaN (and ``suppressed``/``suppressed_reason`` where the
        table says why).

    """
    pages = {
        "overview": view_overview,
        "comparisons": view_comparisons,
        "placement": view_placement,
        "measures": view_measures,
        "costs": lambda con, selection, threshold, options, memo: _or_reason(
            view_costs, con, selection, threshold, options.draws
        ),
        "presentation": lambda con, selection, threshold, options, memo: _or_reason(
            view_presentation, con, selection, options.lang
        ),
        "rollout": lambda con, selection, threshold, options, memo: _or_reason(
            view_rollout, con, selection, threshold, options, memo
        ),
        "single_group": view_single_group,
    }
    if page not in pages:
        raise ValueError(f"view_page: unknown page {page!r}; expected one of {PAGES}")
    design = describe_study(con, selection.study)["design"]
    if page not in DESIGN_PAGES[design]:
        if design == "rollout" and page == "overview":  # the Overview says the roll-out's answer in words
            return {"summary": view_rollout(con, selection, threshold, options, memo)["summary"]} | _not_for_design(
                page, design
            )
        return _not_for_design(page, design)
    return pages[page](con, selection, threshold, options, memo)
