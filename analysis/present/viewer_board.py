"""What a viewer sees on the pages about everyone: the Costs page and the Presentation (and the board report).

Both are about the whole study (no filters): their figures come from the same rules as every other page
(show_outcomes and the deck's show_* calls with exact counts and secondary suppression), and the money
figures are projections from magnitudes per randomized person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.economics.costs import PSA_DRAWS
from analysis.economics.effects import COST_BANDS, estimate_study_effects
from analysis.economics.psa import board_scenario, summarize_money, tornado
from analysis.economics.scenario import list_example_inputs, unit_costs
from analysis.outcomes.per_person import compare_person_outcomes, count_person_events
from analysis.present.disclosure import no_risks, show_outcomes
from analysis.present.report import build_briefing
from analysis.present.texts import name_scenario
from analysis.selection import Filters, Selection
from analysis.store import db
from analysis.store.studies import describe_study, load_plan


def view_costs(con: db.Connection, selection: Selection, threshold: int, draws: int) -> dict[str, pd.DataFrame]:
    """Return the Costs page's figures with the study's effects as a viewer sees them (the page has no filters).

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Its study (filters and month are not the page's).
    threshold : int
        Smallest number shown.
    draws : int
        Bootstrap resamples of the per-person outcomes.

    Returns
    -------
    dict of str to DataFrame
        outcomes (per randomized person over the plan's window), effects (the cost model's per band: hidden
        when a band has fewer than the threshold randomized in an arm), money (present value, payback,
        probability of saving), years and tornado.

    """
    plan = load_plan(con, selection.study)
    window = plan.window_within(describe_study(con, selection.study)["max_month"])
    everyone = Selection(selection.study, Filters(), plan.bands, window, selection.merged, selection.measure)
    person = compare_person_outcomes(con, everyone, unit_costs(), draws=draws, covariates=plan.covariates)
    estimated = estimate_study_effects(con, selection.study, window, draws)
    people = count_person_events(con, Selection(selection.study, Filters(), COST_BANDS, window), by=())
    smallest = people.dropna(subset=["age_band"]).groupby("age_band")["n"].min()
    effects = estimated.effects.copy()
    few = effects["age_band"].map(smallest).fillna(0).to_numpy() < threshold
    for column in [c for c in effects.columns if c not in ("age_band", "window_months")]:
        effects[column] = effects[column].astype("float64").where(~few)
    effects["suppressed"] = few
    scenario = board_scenario(con, selection.study, estimated)  # the study's saved scenario, or the defaults
    summary = summarize_money(scenario, estimated.draws, PSA_DRAWS)
    projection = summary.projection
    money = pd.DataFrame(
        [
            {
                "present_value": projection.present_value,
                "payback_month": projection.payback_month,
                "probability_saves_money": summary.uncertainty["probability_saves_money"],
                "net_low": summary.uncertainty["net_interval"][0],
                "net_high": summary.uncertainty["net_interval"][1],
                "post_window_savings": projection.post_window_savings,
                "post_window_share": projection.post_window_share,
                "scenario": name_scenario(scenario, "en"),
                "example_inputs": ", ".join(list_example_inputs(scenario)),
            }
        ]
    )
    return {
        "outcomes": show_outcomes(person.groups, everyone, threshold, no_risks).assign(month=window),
        "effects": effects,
        "money": money,
        "years": projection.years,
        "tornado": tornado(scenario, estimated.intervals),
    }


def view_presentation(con: db.Connection, selection: Selection, lang: str = "sv") -> dict[str, pd.DataFrame]:
    """Return the board presentation's sentences and chart values as its slides, PowerPoint and PDF show them.

    Returns
    -------
    dict of str to DataFrame
        slides (slide, heading, position, lead: on the slide or in the notes, sentence) and charts
        (slide, category, series, value; hidden: the value is not drawn and the chart marks its place).

    """
    briefing = build_briefing(con, selection.study, lang)
    sentences, values = [], []
    for number, slide in enumerate(briefing.slides, start=1):
        for position, sentence in enumerate(slide.sentences):
            sentences.append({"slide": number, "heading": slide.heading, "position": position,
                              "lead": position < slide.lead, "sentence": sentence})  # fmt: skip
        if slide.chart is not None:
            for series, points in slide.chart.series.items():
                for category, value in zip(slide.chart.categories, points, strict=True):
                    values.append({"slide": number, "category": category, "series": series,
                                   "value": np.nan if value is None else value, "hidden": value is None})  # fmt: skip
    return {"slides": pd.DataFrame(sentences), "charts": pd.DataFrame(values)}
