"""Costs page for a board meeting: net savings, payback, uncertainty, tornado and plain sentences."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.economics.costs import (
    DISCOUNT_SENSITIVITY,
    PSA_DRAWS,
    PUBLISHED_RESULTS,
    check_published_claims,
    eskilstuna_preset,
)
from analysis.economics.effects import estimate_study_effects, with_effects
from analysis.economics.psa import MoneySummary, summarize_money, tornado
from analysis.economics.saved import load_scenario, save_scenario
from analysis.economics.scenario import BANDS, SOURCES, Scenario, list_example_inputs, unit_costs, validate_scenario
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.present.access import SINGLE_USER
from analysis.present.disclosure import no_risks, show_outcomes
from analysis.present.exports import COUNT, Figure, figure_table
from analysis.present.texts import (
    band_label,
    describe_scenario,
    file_name,
    format_number,
    format_probability,
    input_label,
    read_examples,
    read_money,
    read_person_row,
    t,
)
from analysis.selection import Selection
from analysis.store.studies import load_plan
from views import calls, display, downloads, roles, state
from views.person_section import primary_window

SCENARIOS = ("study", "example", "eskilstuna")  # the study's effects first: the board's scenario


PERCENT = frozenset(
    {"cash_releasing_share", "uptake", "discount_rate", "unit_cost_cv", "intervention_cost_cv", "uptake_cv"}
)  # shares and rates, entered in whole per cent: '3' not '0.03', which Streamlit would show with a decimal point


def _number(prefix: str, key: str, default, label: str, whole: bool = False, **kwargs):
    """Render a number input whose value lives in the URL (so a copied link carries every edited input).

    Streamlit writes a number input's value with a decimal point whatever the language; ``whole`` inputs (kronor,
    people, years, months) show none (format '%d'), and a key in PERCENT is entered in whole per cent and
    returned as a share. Other inputs show as few decimals as the value has ('%g').
    """
    if key in PERCENT:
        shown = None if default is None else round(default * 100)
        share = url_number(prefix, key, shown, label, int, min_value=0, step=1, format="%d")
        return None if share is None else share / 100
    if whole:
        limits = {k: None if v is None else int(v) for k, v in kwargs.items() if k in ("min_value", "max_value")}
        rest = {k: v for k, v in kwargs.items() if k not in ("min_value", "max_value", "step")}
        shown = None if default is None else round(default)
        value = url_number(prefix, key, shown, label, int, step=1, format="%d", **limits, **rest)
        return None if value is None else float(value)
    return url_number(prefix, key, default, label, float, format="%g", **kwargs)


def url_number(prefix: str, key: str, default, label: str, cast, **kwargs):
    """Render one number input bound to the URL (?prefix_key=value)."""
    return state.url_widget(st.number_input, f"{prefix}_{key}", default, label, cast=cast, **kwargs)


def _inputs(scenario: Scenario, lang: str, editable_effects: bool, prefix: str) -> Scenario:
    """Render editable inputs with unit, source and year, bound to the URL; return the edited scenario."""
    with st.expander(t("costs.inputs", lang)):
        values = {}
        keys = ("home_care_hour", "nursing_home_day", "price_index", "cash_releasing_share", "uptake", "discount_rate")
        for key in keys:
            src = SOURCES[key]
            unit = "%" if key in PERCENT else src.unit_in(lang)
            label = f"{input_label(key, lang)} ({unit}; {src.source_in(lang)}; {src.year})"
            whole = key in ("home_care_hour", "nursing_home_day")  # kronor
            values[key] = _number(prefix, key, float(getattr(scenario, key)), label, whole=whole, min_value=0.0)
        src = SOURCES["intervention_per_participant"]
        cost = _number(
            prefix,
            "cost",
            float(scenario.cost_per_participant() / scenario.price_index),
            f"{input_label('intervention_per_participant', lang)} ({src.unit_in(lang)}; {src.source_in(lang)})",
            whole=True,
            min_value=0.0,
        )
        years = _number(
            prefix, "years", float(scenario.years), input_label("years", lang), whole=True, min_value=1, max_value=50
        )
        applicants = {
            b: _number(
                prefix,
                f"app_{b}",
                float(scenario.applicants_per_year[b]),
                f"{input_label(f'applicants_per_year {b}', lang)} ({SOURCES['applicants_per_year'].source_in(lang)})",
                whole=True,
                min_value=0.0,
            )
            for b in BANDS
        }
        changes = dict(
            values,
            years=int(years),
            applicants_per_year=applicants,
            intervention_per_participant=cost,
            intervention_per_team_year=None,
            participants_per_team_year=None,
        )
        timing = {}
        for key in ("ramp_up_months", "full_effect_months", "waning_months"):
            src = SOURCES[key]
            current = getattr(scenario, key)
            timing[key] = _number(
                prefix,
                key,
                None if current is None else float(current),
                f"{input_label(key, lang)} ({src.unit_in(lang)}; {src.source_in(lang)})",
                whole=True,
                value=None,
                min_value=0.0,
                placeholder=t("costs.none", lang),
            )
        changes["ramp_up_months"] = int(timing["ramp_up_months"] or 0)
        changes["full_effect_months"] = timing["full_effect_months"]
        changes["waning_months"] = timing["waning_months"]
        for key in ("unit_cost_cv", "intervention_cost_cv", "uptake_cv"):
            changes[key] = _number(prefix, key, float(getattr(scenario, key)), f"{input_label(key, lang)} (%)")
        if editable_effects:
            changes["hours_per_month"] = {
                b: _number(
                    prefix, f"h_{b}", float(scenario.hours_per_month[b]), input_label(f"hours_per_month {b}", lang)
                )
                for b in BANDS
            }
            changes["nursing_home_days_per_year"] = {
                b: _number(
                    prefix,
                    f"d_{b}",
                    float(scenario.nursing_home_days_per_year[b]),
                    input_label(f"nursing_home_days_per_year {b}", lang),
                )
                for b in BANDS
            }
    return validate_scenario(replace(scenario, **changes))


def _cumulative_chart(summary: MoneySummary, lang: str) -> go.Figure:
    """Cumulative undiscounted net per year with the 2.5–97.5 percentile band of the draws."""
    years = summary.projection.years["year"].to_numpy()
    cumulative = np.cumsum(summary.yearly_draws, axis=1)
    low, high = np.percentile(cumulative, [2.5, 97.5], axis=0) / 1e6
    fig = go.Figure()
    fig.add_trace(display.ci_ribbon(years, low, high, display.ARM_COLOURS["intervention"]))
    fig.add_trace(
        go.Scatter(
            x=years,
            y=summary.projection.years["cumulative_net"] / 1e6,
            mode="lines+markers",
            line={"color": display.ARM_COLOURS["intervention"]},
            name=t("col.cumulative_net", lang),
        )
    )
    fig.add_hline(y=0, line_dash="dash", line_color="grey")
    fig.update_layout(xaxis_title=t("col.year", lang), yaxis_title=t("unit.million", lang), showlegend=False)
    fig.update_xaxes(dtick=1)
    return fig


def _tornado_chart(table: pd.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars from the low-value net to the high-value net, around the central net."""
    top = table.head(10).iloc[::-1]
    base = table.attrs["base"] / 1e6
    fig = go.Figure()
    for column, name, colour in (
        ("net_low", t("costs.input_low", lang), display.ARM_COLOURS["control"]),
        ("net_high", t("costs.input_high", lang), display.ARM_COLOURS["intervention"]),
    ):
        fig.add_trace(
            go.Bar(
                y=[input_label(name, lang) for name in top["input"]],
                x=top[column] / 1e6 - base,
                base=base,
                orientation="h",
                name=name,
                marker_color=colour,
            )
        )
    fig.update_layout(barmode="overlay", xaxis_title=t("unit.million", lang), legend={"orientation": "h"})
    fig.update_yaxes(automargin=True)  # the inputs' long names are never cut, in the page or a PNG/SVG
    return fig


def _local_result(store: calls.Store, info: dict, lang: str) -> str:
    """Say the chosen study's own primary result (care cost per randomized person, all ages) beside the claims."""
    plan = calls.cached(load_plan, store, info["study"])
    selection = Selection(info["study"], bands=plan.bands, month=primary_window(store, info))
    result = calls.cached(compare_person_outcomes, store, selection, unit_costs(), covariates=plan.covariates)
    shown = show_outcomes(result.groups, selection, roles.suppression_threshold(), no_risks)  # everyone
    everyone = shown[shown["age_band"] == "all"].iloc[0]
    title = display.plain(info.get("title_en" if lang == "en" else "title_sv") or info["study"])
    sentence = read_person_row(everyone, band_label("all", lang), selection.month, lang, plan)[0]
    return t("costs.local", lang, study=title, sentence=sentence) + " " + t(f"measure.{info['hours_measure']}", lang)


def _offer_save(store: calls.Store, info: dict, scenario: Scenario, differs: bool, saved: dict | None, lang: str):
    """Say whether the study has a saved scenario and whether the page's inputs differ; let analysts save them."""
    if saved is None:
        st.caption(t("costs.not_saved", lang))
    else:
        who = saved["saved_by"]
        who = t("access.single_user_name", lang) if who == SINGLE_USER else display.plain(who)
        st.caption(t("costs.saved", lang, when=f"{saved['saved_at']:%Y-%m-%d %H:%M}", who=who))
    if differs:
        st.info(t("costs.differs", lang))
    access = roles.page_access()
    if not access.is_analyst:
        return
    if st.button(t("costs.save", lang), key="save_scenario", help=t("help.costs_save", lang)):
        save_scenario(store.path, info["study"], scenario, access.signature)
        st.cache_data.clear()  # the saved scenario is read through the cache: read it anew
        st.success(t("costs.saved_now", lang))


def render(lang: str) -> None:
    """Render the costs page."""
    store = calls.open_store(lang)
    info = state.choose_study(store, lang)
    choice = state.url_widget(
        st.sidebar.radio,
        "scenario",
        SCENARIOS[0],
        t("costs.scenario", lang),
        SCENARIOS,
        options=SCENARIOS,
        format_func=lambda s: t(f"costs.scenario.{s}", lang),
    )
    st.title(t("costs.title", lang))
    assumptions = []
    draws, intervals = None, None
    saved = None
    if choice == "eskilstuna":
        scenario, assumptions = eskilstuna_preset()
    else:
        scenario = Scenario()
    board = None
    if choice == "study":  # the study's saved scenario (or the defaults) with its effects: the board's figures
        display.show_study_banner(info, lang)
        if display.stop_for_design(info, "costs", lang):
            return
        if info["design"] == "comparison_group":  # the effects behind the money were not randomized
            st.warning(t("design.money_caveat", lang))
        display.show_completeness(info, lang)
        stored, saved = calls.cached(load_scenario, store, info["study"])
        estimated = calls.cached(estimate_study_effects, store, info["study"], primary_window(store, info))
        draws, intervals = estimated.draws, estimated.intervals
        board = scenario = with_effects(stored, estimated)
    scenario = _inputs(scenario, lang, editable_effects=choice != "study", prefix=choice)
    if board is not None:
        extrapolate = state.url_widget(
            st.toggle, "extrapolate", board.extrapolate, t("costs.extrapolate", lang), options=(True, False),
            cast=lambda v: v == "True", help=t("help.extrapolate", lang),
        )  # fmt: skip
        scenario = replace(scenario, extrapolate=bool(extrapolate))

    bar = st.progress(0.0)
    summary = summarize_money(scenario, draws, PSA_DRAWS, progress=lambda f: bar.progress(f))
    bar.empty()
    projection = summary.projection
    if choice == "example":
        st.warning(t("costs.invented", lang))
    st.caption(t("costs.scenario_named", lang, name=t(f"costs.scenario.{choice}", lang)))  # the one chosen
    if board is not None:
        _offer_save(store, info, scenario, scenario != board, saved, lang)
    if list_example_inputs(scenario):  # in every mode, until the user sets them
        st.warning(read_examples(scenario, lang), icon=":material/edit_note:")

    cols = st.columns(3)
    cols[0].metric(
        t("costs.net", lang, years=scenario.years),
        f"{format_number(projection.present_value / 1e6, lang)} {t('unit.million', lang)}",
    )
    payback = projection.payback_month
    cols[1].metric(t("costs.payback", lang), t("costs.months", lang, m=payback) if payback else t("costs.never", lang))
    probability = format_probability(summary.uncertainty["probability_saves_money"], lang)  # draws: in the text
    cols[2].metric(t("costs.probability", lang), probability)
    for sentence in read_money(summary, lang):
        st.markdown(sentence)
    pv0, pv5 = (projection.present_value_sensitivity[rate] / 1e6 for rate in DISCOUNT_SENSITIVITY)
    st.caption(
        t(
            "costs.present_value",
            lang,
            pv=format_number(projection.present_value / 1e6, lang),
            rate=format_number(scenario.discount_rate * 100, lang),
            pv0=format_number(pv0, lang),
            pv5=format_number(pv5, lang),
        )
    )
    st.caption(t("costs.cash", lang, share=format_number(scenario.cash_releasing_share, lang, 2)))

    st.subheader(t("costs.cumulative", lang))
    stamp = downloads.page_stamp(
        store,
        Selection(info["study"]),
        f"{t('methods.costs', lang)}; {t(f'costs.scenario.{choice}', lang)}; {describe_scenario(scenario, lang)}",
        roles.suppression_threshold(),
        lang,
    )
    cumulative = _cumulative_chart(summary, lang)
    downloads.offer_chart(cumulative, file_name("costs_cumulative", lang), stamp, lang, "cumulative")
    table = projection.years.copy()
    downloads.offer_table(
        pd.DataFrame({t(f"col.{c}", lang): [format_number(v, lang, 0) for v in table[c]] for c in table.columns}),
        file_name("costs_per_year", lang),
        stamp,
        lang,
        "cost_years",
        figure_table([Figure(t(f"col.{c}", lang), table[c], COUNT) for c in table.columns]),
    )

    st.subheader(t("costs.tornado", lang))
    st.caption(t("costs.tornado_note", lang))
    sensitivity = tornado(scenario, intervals)
    values = pd.DataFrame(
        {
            t("col.input", lang): [input_label(name, lang) for name in sensitivity["input"]],
            t("costs.input_low", lang): [format_number(v, lang, 2) for v in sensitivity["low_value"]],
            t("costs.input_high", lang): [format_number(v, lang, 2) for v in sensitivity["high_value"]],
            t("col.net_low", lang): [format_number(v / 1e6, lang) for v in sensitivity["net_low"]],
            t("col.net_high", lang): [format_number(v / 1e6, lang) for v in sensitivity["net_high"]],
        }
    )
    downloads.offer_chart(
        _tornado_chart(sensitivity, lang), file_name("tornado", lang), stamp, lang, "tornado", values=values
    )

    if assumptions:
        st.subheader(t("costs.assumptions", lang))
        for sv, en in assumptions:
            st.markdown(f"- {en if lang == 'en' else sv}")
        for claim in check_published_claims(scenario):
            verdict = t(("costs.not_consistent", "costs.consistent")[bool(claim["consistent"])], lang)
            value = claim["value"]
            shown = (
                t("costs.months", lang, m=value)
                if claim["claim"] == "payback_one_year" and value
                else format_number(value, lang, 0)
            )
            detail = t(
                f"costs.claim_detail.{claim['claim']}",
                lang,
                value=shown,
                needed=format_number(claim["needed"], lang, 0),
                multiple=format_number(claim["effect_multiple"], lang, 2),
            )
            name = t(f"costs.claim.{claim['claim']}", lang)
            (st.success if claim["consistent"] else st.warning)(f"{name} {verdict}. {detail}")
        st.subheader(t("costs.published", lang))
        columns = st.columns(len(PUBLISHED_RESULTS) + 1)
        for column, (sv, en) in zip(columns[:-1], PUBLISHED_RESULTS, strict=True):
            column.info(en if lang == "en" else sv)
        columns[-1].info(_local_result(store, info, lang))
    st.caption(t("costs.conventions", lang))


display.run_page(render)
