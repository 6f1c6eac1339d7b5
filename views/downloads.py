"""Tables and charts with stamped downloads (CSV, Excel, PNG, SVG) and each chart's values as text."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.economics.scenario import unit_costs
from analysis.outcomes.monitoring import monitor_primary
from analysis.present.designs import gives_page, name_design
from analysis.present.disclosure import SUPPRESSED
from analysis.present.exports import (
    SEPARATORS,
    figure_to_image,
    find_browser,
    table_to_csv,
    table_to_excel,
    table_to_html,
    tabulate_figure,
)
from analysis.present.stamp import Stamp, make_stamp
from analysis.present.texts import describe_plan, format_number, name_object, read_look, t
from analysis.selection import Selection
from analysis.settings import get_setting
from analysis.store.studies import describe_study, fingerprint_study, load_plan
from views.calls import Store, cached

logger = logging.getLogger(__name__)
INK = "#374151"  # chart text: 10:1 on white (Plotly's default ticks are #808495, 3.7:1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_stamp(store: Store, selection: Selection, methods: str, threshold: int, lang: str) -> Stamp:
    """Return the stamp that this page's exports carry."""
    configured = int(get_setting("suppression_threshold"))
    data = cached(fingerprint_study, store, selection.study)
    design = cached(describe_study, store, selection.study)["design"]
    words = name_design(design, lang) + ("" if design == "randomized" else ". " + t("design.not_randomized", lang))
    if not gives_page(design, "overview"):  # no two groups: no primary comparison and no looks at it
        return make_stamp(data, selection, methods, threshold, configured, lang, design=words)
    plan = cached(load_plan, store, selection.study)
    primary = describe_plan(plan, lang)
    look = read_look(cached(monitor_primary, store, selection.study, unit_costs()), plan.primary_outcome, lang)
    primary = f"{primary} {look or ''}".strip()
    return make_stamp(data, selection, methods, threshold, configured, lang, primary, design=words)


def deferred(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """Wrap a download's builder so a failure is logged (it runs on click, off the page script)."""

    def build() -> bytes:
        try:
            return make()
        except Exception:
            logger.exception("export failed")
            raise

    return build


def offer_table(
    table: pd.DataFrame,
    name: str,
    stamp: Stamp,
    lang: str,
    key: str | None = None,
    figures: pd.DataFrame | None = None,
    reflow: bool = False,
) -> None:
    """Show a table with CSV and Excel downloads that carry the stamp (built only when clicked).

    ``figures`` (exports.figure_table) is what the files hold when given: one column per figure, numbers
    at full precision with Excel number formats; otherwise the files hold the table as shown. ``reflow``
    shows a wide table turned a quarter (a row per figure, a column per age band) as a static HTML table
    whose text wraps, so no column is cut off at 1280 px or on a tablet; the files keep the table's own layout.
    """
    what = name_object(key or name, "table", lang)
    if reflow:  # one HTML table: st.table drew a markdown component per cell (issue 34)
        turned = table.set_index(table.columns[0]).T
        turned.columns.name = None
        st.html(table_to_html(turned, lang, what))
    else:
        st.dataframe(table, hide_index=True, key=key)
    exported = table if figures is None else figures
    key = key or name
    row = st.container(horizontal=True)
    for fmt, build, mime in (("csv", table_to_csv, "text/csv"), ("xlsx", table_to_excel, XLSX)):
        row.download_button(  # named with its object for screen readers: "Tabell 1 som CSV"
            t("export.as", lang, what=what, fmt=t(f"export.{fmt}", lang)),
            deferred(lambda build=build: build(exported, stamp, lang)),
            f"{name}.{fmt}",
            mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )


def _chart_values(figure, lang: str) -> pd.DataFrame:
    """Return the chart's values as a readable table: series, x, y and CI ends in the language's format."""
    values = tabulate_figure(figure)
    if values.empty:
        return values
    x_title = figure.layout.xaxis.title.text or "x"
    y_title = figure.layout.yaxis.title.text or "y"
    out = pd.DataFrame({t("export.series", lang): values["series"]})
    for column, title in (("x", x_title), ("y", y_title)):
        out[title] = [v if isinstance(v, str) else format_number(v, lang, 2) for v in values[column]]
    if "low" in values:
        word = t("word.to", lang)
        out[t("col.ci", lang)] = [
            SUPPRESSED if lo != lo else f"{format_number(lo, lang, 2)} {word} {format_number(hi, lang, 2)}"
            for lo, hi in zip(values["low"], values["high"])
        ]
    return out


def localize_figure(figure: go.Figure, lang: str) -> go.Figure:
    """Return a copy of a chart with number formats of the language and whole series names in hover labels."""
    return _localize(go.Figure(figure), lang)


def _localize(out: go.Figure, lang: str) -> go.Figure:
    """Give a chart, in place, the language's number formats and whole series names in hover labels."""
    out.update_layout(separators=SEPARATORS[lang], hoverlabel={"namelength": -1}, font={"color": INK})
    out.update_yaxes(hoverformat=",.2~f", tickfont={"color": INK}, title_font={"color": INK})
    out.update_xaxes(hoverformat=",.2~f", tickfont={"color": INK}, title_font={"color": INK})
    return out


def title_selection(figure: go.Figure, filters: str, lang: str) -> go.Figure:
    """Return a copy of a chart whose title says which people it is about (as subtitle when it has a title)."""
    return _title(go.Figure(figure), filters, lang)


def _title(out: go.Figure, filters: str, lang: str) -> go.Figure:
    """Title a chart, in place, with which people it is about (as subtitle when it has a title)."""
    line = t("selection.shown", lang, filters=filters)
    at_top = {"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 8}, "automargin": True}
    if out.layout.title.text:
        out.update_layout(title={"subtitle": {"text": line}, **at_top})
    else:
        left = {"x": 0, "xref": "paper", "xanchor": "left"}
        out.update_layout(title={"text": line, "font": {"size": 13}, **left, **at_top})
    return out


def offer_chart(figure, name: str, stamp: Stamp, lang: str, key: str, values: pd.DataFrame | None = None) -> None:
    """Show a chart with PNG and SVG downloads (stamped) and its values as a text alternative.

    Hover labels and ticks follow the page's language (decimal comma and a space between thousands in
    Swedish), values are rounded to two decimals and arm names are never cut. The title names the
    selection, so a chart copied into a memo keeps which people it shows. The figure is changed in place
    (each page builds its figures for this call; two copies of each took an eighth of the overview's script
    in a sampling profile of four filter changes).
    """
    figure = _title(_localize(figure, lang), stamp.filters, lang)
    # No Plotly toolbar: its camera wrote an unstamped PNG, and its eight buttons were tab stops per chart.
    st.plotly_chart(figure, key=key, config={"displayModeBar": False})
    if find_browser():
        row = st.container(horizontal=True)
        what = name_object(key, "chart", lang)
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            row.download_button(
                t("export.as", lang, what=what, fmt=t(f"export.{fmt}", lang)),
                deferred(lambda fmt=fmt: figure_to_image(figure, fmt, stamp, lang)),
                f"{name}.{fmt}",
                mime,
                key=f"{key}_{fmt}",
                on_click="ignore",
                icon=":material/image:",
            )
    else:
        st.caption(t("export.no_browser", lang))
    with lazy_expander(t("export.chart_data", lang), f"{key}_values") as shelf:
        if shelf.open:  # drawn when opened: a closed panel costs the browser nothing
            st.dataframe(_chart_values(figure, lang) if values is None else values, hide_index=True)


def lazy_expander(label: str, key: str):
    """Return an expander whose body runs only while it is open (opening it reruns the page; check ``.open``).

    A closed expander's content is otherwise computed, sent and drawn on every run: with the overview's four
    tables of chart values and its looks chart drawn each time, a filter change on the demo took 2.1–2.3 s in
    the browser bench, 1.7–1.9 s without them.
    """
    return st.expander(label, key=key, on_change="rerun")
