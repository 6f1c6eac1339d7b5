"""Single-group follow-up page: how each measure changed from baseline, and why that is not an effect."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.instruments import load_instruments
from analysis.outcomes.single_group import follow_single_group
from analysis.present.disclosure import SUPPRESSED, show_single_group
from analysis.present.texts import file_name, format_number, format_share, t
from analysis.settings import get_setting
from views import calls, display, downloads, roles, state

PARTS = (("share_better", "share_lower"), ("share_unchanged", "share_unchanged"), ("share_worse", "share_higher"))
COLOURS = ("#0b5394", "#9ca3af", "#b45f06")


def _label(measure: str, lang: str) -> str:
    """Return a measure's name: hours, or the instrument's label from the catalogue."""
    if measure == "hours":
        return t("single.hours", lang)
    instruments = load_instruments()
    return instruments[measure].label(lang) if measure in instruments else measure


def _part(row: pd.Series, part: int) -> float:
    """Return a row's share better/unchanged/worse (lower/unchanged/higher for a measure without direction)."""
    return row.get(PARTS[part][bool(pd.isna(row["higher_is_better"]))])


def _share(row: pd.Series, part: int, lang: str) -> str:
    """Return one of the three shares as read ('..' when hidden)."""
    value = _part(row, part)
    return SUPPRESSED if value is None or pd.isna(value) else format_share(value, lang)


def _table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the change per measure as read."""
    return pd.DataFrame(
        {
            t("single.col.measure", lang): [_label(m, lang) for m in rows["measure"]],
            t("single.col.visit", lang): rows["visit"].astype(int),
            t("single.col.n", lang): [display.format_count(v, lang) for v in rows["n"]],
            t("single.col.before", lang): [format_number(v, lang, 2) for v in rows["mean_before"]],
            t("single.col.after", lang): [format_number(v, lang, 2) for v in rows["mean_after"]],
            t("single.col.change", lang): [display.format_ci(d, lo, hi, lang, decimals=2) for d, lo, hi in
                                           zip(rows["mean_change"], rows["ci_low"], rows["ci_high"], strict=True)],
            t("single.col.better", lang): [_share(row, 0, lang) for _, row in rows.iterrows()],
            t("single.col.unchanged", lang): [_share(row, 1, lang) for _, row in rows.iterrows()],
            t("single.col.worse", lang): [_share(row, 2, lang) for _, row in rows.iterrows()],
        }
    )  # fmt: skip


def _chart(rows: pd.DataFrame, lang: str) -> go.Figure:
    """Draw, per measure, the shares better (lower), unchanged and worse (higher) as stacked bars."""
    fig = go.Figure()
    names = [_label(m, lang) for m in rows["measure"]]
    for part, colour in enumerate(COLOURS):
        values = [_part(row, part) for _, row in rows.iterrows()]
        fig.add_trace(go.Bar(y=names, x=[None if pd.isna(v) else v * 100 for v in values], orientation="h",
                             marker_color=colour, name=t(f"single.part.{part}", lang)))  # fmt: skip
    fig.update_layout(barmode="stack", xaxis_title=t("single.x", lang), height=120 + 60 * len(rows),
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})  # fmt: skip
    fig.update_xaxes(range=[0, 100])
    return fig


def render(lang: str) -> None:
    """Render the single-group follow-up page."""
    store, info, chosen = state.open_page(lang)
    top = info["max_month"] or 0
    month = state.url_widget(
        st.sidebar.slider, "single_month", min(int(get_setting("default_month")), max(top, 1)),
        t("single.month", lang), 1, max(top, 1), options=range(1, max(top, 1) + 1), cast=int,
        help=t("help.single_month", lang),
    )  # fmt: skip
    threshold = roles.suppression_threshold()
    st.title(t("single.title", lang))
    display.show_study_banner(info, lang)
    if display.stop_for_design(info, "single_group", lang):
        return
    display.show_selection(chosen, lang)
    display.show_completeness(info, lang)
    selection = chosen.at(month)
    st.info(t("single.question", lang, month=month))
    result = calls.cached(follow_single_group, store, selection)
    rows = show_single_group(result, threshold)
    stamp = downloads.page_stamp(store, selection, t("single.method", lang), threshold, lang)
    table = _table(rows, lang)
    downloads.offer_table(table, file_name("single_group", lang, month=month), stamp, lang, "single")
    display.caption_hidden(rows, lang)
    downloads.offer_chart(_chart(rows, lang), file_name("single_group_chart", lang, month=month), stamp, lang,
                          "single_chart", table)  # fmt: skip
    st.caption(t("single.method", lang))
    st.subheader(t("rollout.caveats", lang))
    st.markdown("\n".join(f"- {text}" for text in result["caveats" if lang == "en" else "caveats_sv"]))


display.run_page(render)
