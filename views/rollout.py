"""Staged roll-out page: the effect after adoption, area by area, with its event study and what it cannot show."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.economics.scenario import unit_costs
from analysis.outcomes.rollout import analyse_rollout
from analysis.present.designs import read_rollout
from analysis.present.disclosure import SUPPRESSED, show_rollout
from analysis.present.texts import file_name, format_number, t
from views import calls, display, downloads, roles, state


def _event_chart(series: pd.DataFrame, lang: str) -> go.Figure:
    """Draw each month's difference from adoption with its 95% CI; hidden months are gaps."""
    fig = go.Figure()
    x = series["event_month"]
    fig.add_trace(display.ci_ribbon(x.to_numpy(dtype=float), series["ci_low"], series["ci_high"], "#0b5394"))
    fig.add_trace(go.Scatter(x=x, y=series["att"], mode="lines+markers", name=t("rollout.col.difference", lang),
                             line={"color": "#0b5394"}))  # fmt: skip
    fig.add_hline(y=0, line={"color": "#555555", "width": 1})
    fig.add_vline(x=-0.5, line={"color": "#555555", "dash": "dash", "width": 1})
    fig.update_layout(xaxis_title=t("rollout.x", lang), yaxis_title=t("rollout.y", lang), height=400)
    return fig


def _event_table(series: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the event study as read: month from adoption, difference with CI, people and areas."""
    return pd.DataFrame(
        {
            t("rollout.col.event_month", lang): series["event_month"].astype(int),
            t("rollout.col.difference", lang): [
                display.format_ci(d, lo, hi, lang) if d == d else SUPPRESSED
                for d, lo, hi in zip(series["att"], series["ci_low"], series["ci_high"], strict=True)
            ],
            t("rollout.col.people", lang): [display.format_count(v, lang) for v in series["n_people"]],
            t("rollout.col.areas", lang): series["n_areas"].astype(int),
        }
    )


def render(lang: str) -> None:
    """Render the staged roll-out page."""
    store, info, chosen = state.open_page(lang)
    threshold = roles.suppression_threshold()
    st.title(t("rollout.title", lang))
    display.show_study_banner(info, lang)
    if display.stop_for_design(info, "rollout", lang):
        return
    display.show_selection(chosen, lang)
    display.show_completeness(info, lang)
    st.info(t("rollout.question", lang))
    result = calls.cached(analyse_rollout, store, chosen, unit_costs(), "hours")  # run_page says why it cannot
    shown = show_rollout(result, threshold)
    for sentence in read_rollout(shown["summary"].iloc[0].to_dict(), lang):  # the figures as the viewer sees them
        st.write(sentence)
    if result["left_out"]["months_without_comparison"] or result["left_out"]["areas_adopted_before_data"]:
        st.caption(t("rollout.left_out", lang, months=result["left_out"]["months_without_comparison"],
                     areas=result["left_out"]["areas_adopted_before_data"]))  # fmt: skip
    for warning in result["warnings"]:  # the fitting library's own words, in English
        st.warning(t("rollout.fit_warning", lang, warning=warning))
    stamp = downloads.page_stamp(store, chosen, t("rollout.method", lang), threshold, lang)
    st.header(t("rollout.chart", lang))
    st.caption(t("rollout.chart_note", lang))
    series = shown["event_study"]
    downloads.offer_chart(_event_chart(series, lang), file_name("rollout", lang), stamp, lang, "rollout_chart",
                          _event_table(series, lang))  # fmt: skip
    st.subheader(t("rollout.caveats", lang))
    caveats = result["caveats"] if lang == "en" else result["caveats_sv"]
    st.markdown("\n".join(f"- {text}" for text in caveats))
    people = format_number(shown["summary"]["n_people"].iloc[0], lang, 0)
    st.caption(t("rollout.method", lang) + " " + t("rollout.people", lang, people=people, areas=int(result["n_areas"])))


display.run_page(render)
