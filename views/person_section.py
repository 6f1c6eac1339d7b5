"""The primary answer on a page: care cost and days at home per randomized person, with CIs and sentences."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.economics.scenario import unit_costs
from analysis.outcomes.monitoring import monitor_primary
from analysis.outcomes.per_person import BOOTSTRAP_DRAWS, BOOTSTRAP_MAX_PEOPLE, compare_person_outcomes
from analysis.present import figures
from analysis.present.disclosure import show_looks, show_outcomes
from analysis.present.texts import (
    describe_plan,
    file_name,
    format_number,
    read_look,
    read_person_interaction,
    read_person_note,
    read_person_row,
    say_caveat_once,
    t,
)
from analysis.selection import Selection
from analysis.store.studies import describe_study, load_plan
from views import calls, display, downloads, roles


def _table(groups: pd.DataFrame, plan, lang: str) -> pd.DataFrame:
    """Return the per-person outcomes as a table for people (whole kronor and days), the adjusted primary first."""

    def ci(kind: str) -> list[str]:
        return [
            display.format_ci(d, lo, hi, lang, decimals=0)
            for d, lo, hi in zip(groups[f"{kind}_difference"], groups[f"{kind}_ci_low"], groups[f"{kind}_ci_high"])
        ]

    table = pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in groups["age_band"]],
            t("col.n_intervention", lang): [display.format_count(v, lang) for v in groups["n_intervention"]],
            t("col.n_control", lang): [display.format_count(v, lang) for v in groups["n_control"]],
            t("col.cost_intervention", lang): [format_number(v, lang, 0) for v in groups["cost_intervention"]],
            t("col.cost_control", lang): [format_number(v, lang, 0) for v in groups["cost_control"]],
            t("col.cost_difference", lang): ci("cost"),
            t("col.days_home_intervention", lang): [
                format_number(v, lang, 0) for v in groups["days_home_intervention"]
            ],
            t("col.days_home_control", lang): [format_number(v, lang, 0) for v in groups["days_home_control"]],
            t("col.days_home_difference", lang): ci("days_home"),
            t("col.nursing_home_days_difference", lang): ci("nursing_home_days"),
            t("col.deaths_intervention", lang): [display.format_count(v, lang) for v in groups["deaths_intervention"]],
            t("col.deaths_control", lang): [display.format_count(v, lang) for v in groups["deaths_control"]],
        }
    )
    if plan.estimator == "anhecova":
        outcome = t(f"plan.outcome.{plan.primary_outcome}", lang)
        table.insert(
            3, t("col.primary_adjusted", lang, outcome=outcome.capitalize()), ci(f"{plan.primary_outcome}_adjusted")
        )
    return table


def _looks_chart(looks: pd.DataFrame, lang: str) -> go.Figure:
    """Draw each look's z against its information fraction, with the boundary at ± (show_looks)."""
    x = looks["information_fraction"] * 100
    fig = go.Figure()
    for sign in (1, -1):
        fig.add_trace(go.Scatter(x=x, y=sign * looks["efficacy_boundary_z"], mode="lines",  # NaN: no boundary yet
                                 line={"dash": "dash", "color": "#555555"}, name=t("look.boundary", lang),
                                 showlegend=sign == 1))  # fmt: skip
    if looks["futility_boundary_z"].notna().any():  # non-binding, on the side of benefit
        fig.add_trace(go.Scatter(x=x, y=looks["futility_boundary_z"], mode="lines", name=t("look.futility_line", lang),
                                 line={"dash": "dot", "color": "#b45f06"}))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=looks["z"], mode="lines+markers", name="z", line={"color": "#0b5394"}))
    fig.update_layout(xaxis_title=t("look.x", lang), yaxis_title=t("look.z", lang), height=360)
    fig.update_xaxes(range=[0, 100])
    return fig


def primary_window(store: calls.Store, info: dict) -> int:
    """Return the window of the study's analysis plan, within the months the study has followed."""
    return calls.cached(load_plan, store, info["study"]).window_within(info["max_month"])


def show_person_outcomes(store: calls.Store, selection: Selection, threshold: int, lang: str, key: str) -> pd.DataFrame:
    """Render the primary analysis per randomized person over the selection's window; return the shown rows."""
    months = selection.required_month()
    methods = t("methods.person", lang, draws=format_number(BOOTSTRAP_DRAWS, lang, 0))
    methods += " " + t("methods.person_large", lang, n=format_number(BOOTSTRAP_MAX_PEOPLE, lang, 0))
    stamp = downloads.page_stamp(store, selection, methods, threshold, lang)
    plan = calls.cached(load_plan, store, selection.study)
    costs = unit_costs()
    result = calls.cached(compare_person_outcomes, store, selection, costs, covariates=plan.covariates)
    shown = show_outcomes(result.groups, selection, threshold, calls.risks_for(store, threshold))
    grouped = calls.cached(describe_study, store, selection.study)["design"] == "comparison_group"
    st.header(t(("person.title", "person.title.group")[grouped], lang, months=months))  # nobody was randomized
    st.info(describe_plan(plan, lang))
    monitor = calls.cached(monitor_primary, store, selection.study, unit_costs())
    look = read_look(monitor, plan.primary_outcome, lang)
    if look:  # the primary read against its boundary: an interim look is not a final answer
        st.info(look, icon=":material/timeline:")
        with downloads.lazy_expander(t("look.chart", lang), f"{key}_looks_open") as shelf:
            if shelf.open:
                st.caption(t("look.chart_note", lang))
                downloads.offer_chart(_looks_chart(show_looks(monitor), lang), file_name("looks", lang), stamp, lang,
                                      f"{key}_looks")  # fmt: skip
    if not plan.pre_specified and roles.page_access().is_analyst:  # the way to the form, for who may save a plan
        st.page_link("views/data.py", label=t("plan.go_to_form", lang), icon=":material/edit_note:")
    if months != plan.window_months:
        st.caption(t("plan.window_cut", lang, months=months))
    measure = selection.measure or calls.cached(describe_study, store, selection.study)["hours_measure"]
    note = read_person_note(costs, months, lang) + " " + t(f"measure.{measure}", lang)
    st.caption(note + (" " + t("measure.cost_performed", lang) if measure == "performed" else ""))
    downloads.offer_table(
        _table(shown, plan, lang),
        file_name("per_person", lang, months=months),
        stamp,
        lang,
        key,
        figures.person_figures(shown, plan, lang),
        reflow=True,
    )
    display.caption_hidden(shown, lang)
    sentences = [  # the plan's primary outcome first, read by the plan's estimator
        sentence
        for _, row in shown.iterrows()
        for sentence in read_person_row(row, display.band_name(row["age_band"], lang), months, lang, plan)
    ]
    display.say_list(say_caveat_once(sentences, lang))  # the caveat once per section, not once per band
    st.info(read_person_interaction(result.interaction, lang))
    total = shown[shown["age_band"] == "all"].iloc[0]
    if total["death_cuminc_intervention"] == total["death_cuminc_intervention"] and (
        total["death_cuminc_control"] == total["death_cuminc_control"]
    ):
        ci = format_number(total["death_cuminc_intervention"] * 100, lang)
        cc = format_number(total["death_cuminc_control"] * 100, lang)
        st.info(t("person.deaths", lang, months=months, ci=ci, cc=cc))
    ended = result.groups.loc[
        result.groups["age_band"] == "all", ["ended_at_placement_intervention", "ended_at_placement_control"]
    ]
    if int(ended.to_numpy().sum()) > 0:  # the warning names no count: a small one could identify people
        st.warning(t("person.ended_at_placement", lang))
    censored = total["censored_intervention"] + total["censored_control"]
    if censored == censored and censored > 0:
        st.caption(t("person.censored", lang, n=int(censored)))
    return shown
