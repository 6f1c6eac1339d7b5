"""Presentation mode for a board meeting: the briefing's slides one at a time, large type, no sidebar.

The page shows exactly what the PowerPoint and PDF briefing show (``report.build_briefing``): each slide's
message in large type with its estimate and interval, its chart, and the age bands under "more". Arrow keys
(or the buttons) move between slides; the page fits a 1280×720 projector without scrolling.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from analysis.present.exports import SEPARATORS
from analysis.present.report import MIME, Chart, briefing_file, build_briefing, report_file_name
from analysis.present.texts import format_number, t
from views import calls, display, downloads, state

SLIDES = ("person", "hours", "placement", "money")  # the order of the briefing's slides
BIG = "<p style='font-size:clamp(1.05rem, 3.1vh, 1.9rem); line-height:1.3; margin:0.3rem 0'>{}</p>"
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1rem 2.5rem 0.5rem 2.5rem !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: clamp(1.3rem, 3.6vh, 2.2rem) !important; padding: 0 !important; }
[data-testid="stMainBlockContainer"] h2 { font-size: clamp(1.2rem, 3.3vh, 2rem) !important;
  padding: 0.2rem 0 !important; }
</style>"""


def _big(text: str) -> None:
    """Show a sentence in large type (text is produced by the app, never user input)."""
    st.markdown(BIG.format(text), unsafe_allow_html=True)


def _figure(chart: Chart, lang: str) -> go.Figure:
    """Return a slide's chart as on the deck: columns per arm and band, or the cumulative net per year."""
    colours = [display.ARM_COLOURS[arm] for arm in display.ARM_ORDER]
    fig = go.Figure()
    for colour, (name, values) in zip(colours, chart.series.items(), strict=False):
        labels = [t("chart.hidden", lang) if v is None else format_number(v, lang, chart.decimals) for v in values]
        if chart.kind == "bar":  # a hidden bar: no height, '..' at its place (hover says why)
            fig.add_bar(
                x=chart.categories, y=[0.0 if v is None else v for v in values], name=name, marker_color=colour,
                text=labels, textposition="outside", textfont={"size": 14},
                hovertext=[t("chart.hidden_hover", lang) if v is None else None for v in values],
            )  # fmt: skip
        else:
            fig.add_scatter(
                x=chart.categories, y=values, name=name, mode="lines+markers+text", text=labels,
                textposition="top center", line={"color": colour, "width": 3}, cliponaxis=False,
            )  # fmt: skip
    fig.update_layout(
        height=200, margin={"l": 10, "r": 30, "t": 36, "b": 10}, yaxis_title=chart.axis, barmode="group",
        legend={"orientation": "h", "y": 1.15}, separators=SEPARATORS[lang],
        showlegend=len(chart.series) > 1,
    )  # fmt: skip
    fig.update_yaxes(rangemode="tozero")
    if chart.kind != "bar":  # a hidden point of a line: '..' at its foot
        display.add_gap_marks(fig, [(chart.categories, [np.nan if v is None else v for v in values], None)
                                    for values in chart.series.values()], lang)  # fmt: skip
    return fig


def _step(by: int) -> None:
    """Move to the previous or next slide (a button's callback, before the slide radio is drawn)."""
    current = SLIDES.index(st.session_state.get("slide", SLIDES[0]))
    st.session_state["slide"] = SLIDES[max(0, min(len(SLIDES) - 1, current + by))]


def render(lang: str) -> None:
    """Render the presentation: the slide chosen in the URL (?slide=person|hours|placement|money)."""
    store = calls.open_store(lang)
    info = state.choose_study(store, lang)
    st.markdown(STYLE, unsafe_allow_html=True)  # the app's own CSS: no sidebar, compact spacing
    st.title(display.plain(info["title_en"] if lang == "en" else info["title_sv"]))  # the page's one top heading
    choose, back, forward, leave = st.columns([3, 2, 2, 2], vertical_alignment="center")  # readable at 820 px
    back.button(t("slides.previous", lang), key="slide_back", on_click=_step, args=(-1,), shortcut="left")
    forward.button(t("slides.next", lang), key="slide_next", on_click=_step, args=(1,), shortcut="right")
    with choose:
        slide = state.url_widget(
            st.radio,
            "slide",
            SLIDES[0],
            t("slides.choose", lang),
            SLIDES,
            options=SLIDES,
            format_func=lambda s: str(SLIDES.index(s) + 1),
            horizontal=True,
            label_visibility="collapsed",
        )
    with leave:  # the way out is visible, not only inside the download panel (there is no sidebar here)
        st.page_link("views/overview.py", label=t("slides.leave", lang), icon=":material/arrow_back:")
    display.show_study_banner(info, lang, name_randomized=False)  # a projector's height: named in the stamp
    if display.stop_for_design(info, "presentation", lang):
        return
    display.show_completeness(info, lang)
    # Each computation through the pages' cache: what the Overview or Placement page computed is reused.
    briefing = build_briefing(calls.connection(store), info["study"], lang, call=calls.caller(store))
    page = briefing.slides[SLIDES.index(slide)]
    st.header(page.heading)
    for sentence in page.sentences[: page.lead]:
        _big(sentence)
    if page.chart is not None:
        st.plotly_chart(_figure(page.chart, lang), key=f"slide_chart_{slide}", config={"displayModeBar": False})
    with st.expander(t("slides.more", lang)):
        display.say_list(page.sentences[page.lead :])
        st.caption(briefing.methods)
    with st.expander(t("slides.export", lang)):
        for fmt in ("pptx", "pdf"):  # one click: the file is built when the button is pressed
            st.download_button(
                t(f"slides.download_{fmt}", lang),
                downloads.deferred(lambda fmt=fmt: briefing_file(briefing, fmt, lang)),  # the slides shown, not rebuilt
                report_file_name(info["study"], fmt, lang),
                MIME[fmt],
                key=f"download_{fmt}",
                on_click="ignore",
                icon=":material/download:",
            )


display.run_page(render)
