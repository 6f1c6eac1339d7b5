"""Presentation mode for a board meeting: one clean slide per key message, large type, no filters."""

from __future__ import annotations

import streamlit as st

from analysis.economics.costs import (
    PSA_DRAWS,
    estimate_study_effects,
    summarize_money,
    with_effects,
)
from analysis.economics.scenario import Scenario, unit_costs
from analysis.outcomes.compare import compare_hours
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.outcomes.placement import analyze_placement
from analysis.present.disclosure import no_risks, show_comparison, show_outcomes, show_placement
from analysis.present.report import MIME, render_report, report_file_name
from analysis.present.texts import (
    describe_plan,
    format_number,
    format_p,
    format_probability,
    read_difference,
    read_money,
    read_person_interaction,
    read_person_note,
    read_person_outcomes,
    read_placement,
    t,
)
from analysis.selection import Filters, Selection
from analysis.settings import get_setting
from analysis.store.studies import load_plan
from views import calls, display, downloads, state
from views.person_section import primary_window

SLIDES = ("person", "hours", "placement", "money")
BIG = "<p style='font-size:1.9rem; line-height:1.35; margin:0.4rem 0'>{}</p>"


def _big(text: str) -> None:
    """Show a sentence in large type (text is produced by the app, never user input)."""
    st.markdown(BIG.format(text), unsafe_allow_html=True)


def _person(store: calls.Store, selection: Selection, threshold: int, lang: str) -> None:
    """Slide: care cost and days at home per randomized person, in words with the 95% intervals."""
    months = selection.month
    st.header(t("slides.person", lang, months=months))
    plan = calls.cached(load_plan, store, selection.study)
    result = calls.cached(compare_person_outcomes, store, selection, unit_costs(), covariates=plan.covariates)
    shown = show_outcomes(result.groups, selection, threshold, no_risks)  # everyone: no filters
    sentences = read_person_outcomes(shown, months, lang, plan)
    for sentence in sentences[:2]:  # everyone: the answer, in large type
        _big(sentence)
    for sentence in sentences[2:]:  # the bands and the subgroup caveat
        st.markdown("- " + sentence)
    st.caption(read_person_interaction(result.interaction, lang))
    st.caption(describe_plan(plan, lang) + " " + read_person_note(unit_costs(), months, lang))


def _hours(store: calls.Store, selection: Selection, threshold: int, lang: str) -> None:
    """Slide: difference in hours per band, in words with the 95% interval."""
    st.header(t("slides.hours", lang, month=selection.month))
    result = calls.cached(compare_hours, store, selection)
    for _, row in show_comparison(result.groups, selection, threshold, no_risks).iterrows():
        band = display.band_name(row["age_band"], lang)
        reason = row.get("suppressed_reason")
        _big(read_difference(band, row["ci_low"], row["ci_high"], lang, reason, estimate=row["difference"]))
    p = result.interaction["p_value"]
    verdict = t("slides.interaction.clear" if p == p and p < 0.05 else "slides.interaction.unclear", lang)
    st.caption(t("slides.interaction", lang, verdict=verdict, p=format_p(p, lang, relation=True)))


def _placement(store: calls.Store, selection: Selection, threshold: int, lang: str) -> None:
    """Slide: share moving into a nursing home per band, with the hazard ratio in words."""
    st.header(t("slides.placement", lang, month=selection.month))
    result = calls.cached(analyze_placement, store, selection)
    for _, row in show_placement(result.groups, selection, threshold, no_risks).iterrows():
        _big(read_placement(row, selection.month, lang))


def _money(store: calls.Store, info: dict, lang: str) -> None:
    """Slide: net savings, payback and how sure we are, with effects estimated from the study."""
    st.header(t("slides.money", lang))
    estimated = calls.cached(estimate_study_effects, store, info["study"], primary_window(store, info))
    summary = summarize_money(with_effects(Scenario(), estimated), estimated.draws, PSA_DRAWS)
    cols = st.columns(3)
    unit = "MSEK" if lang == "en" else "Mkr"
    projection = summary.projection
    cols[0].metric(
        t("costs.net", lang, years=summary.scenario.years),
        f"{format_number(projection.present_value / 1e6, lang)} {unit}",
    )
    payback = projection.payback_month
    cols[1].metric(t("costs.payback", lang), t("costs.months", lang, m=payback) if payback else t("costs.never", lang))
    cols[2].metric(
        t("costs.probability", lang), format_probability(summary.uncertainty["probability_saves_money"], lang)
    )
    sentences = read_money(summary, lang, example_costs=True)
    _big(sentences[0])
    for sentence in sentences[2:]:
        _big(sentence)


def render(lang: str) -> None:
    """Render the presentation: a slide chosen in the URL (?slide=hours|placement|money)."""
    store = calls.open_store(lang)
    info = state.choose_study(store, lang)
    st.title(display.plain(info["title_en"] if lang == "en" else info["title_sv"]))  # the page's one top heading
    slide = state.url_widget(
        st.radio,
        "slide",
        SLIDES[0],
        t("slides.choose", lang),
        SLIDES,
        options=SLIDES,
        format_func=lambda s: str(SLIDES.index(s) + 1),
        horizontal=True,
    )
    display.show_demo_banner(info, lang)
    threshold = int(get_setting("suppression_threshold"))
    month = min(int(get_setting("default_month")), info["max_month"] or 0)
    with st.sidebar.expander(t("slides.export", lang), expanded=True):
        for fmt in ("pptx", "pdf"):  # one click: the file is built when the button is pressed
            st.download_button(
                t(f"slides.download_{fmt}", lang),
                downloads.deferred(lambda fmt=fmt: calls.cached(render_report, store, info["study"], fmt, lang)),
                report_file_name(info["study"], fmt, lang),
                MIME[fmt],
                key=f"download_{fmt}",
                on_click="ignore",
                icon=":material/download:",
            )
    bands = calls.cached(load_plan, store, info["study"]).bands
    everyone = Selection(info["study"], Filters(), bands, month)  # no filters on the board's slides
    if slide == "person":
        _person(store, everyone.at(primary_window(store, info)), threshold, lang)
    elif slide == "hours":
        _hours(store, everyone, threshold, lang)
    elif slide == "placement":
        _placement(store, everyone.at(max(month, 1)), threshold, lang)
    else:
        _money(store, info, lang)


display.run_page(render)
