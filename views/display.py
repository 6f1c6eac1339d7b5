"""How pages look and fail: arm colours, CI ribbons, number formats, banners, and the page guard."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from analysis.errors import UserFacingError
from analysis.present.designs import gives_page, name_design
from analysis.present.disclosure import SUPPRESSED
from analysis.present.exports import GAP_MARKS
from analysis.present.stamp import describe_filters
from analysis.present.texts import band_label, describe_hidden, format_number, t
from views.state import page_language

logger = logging.getLogger(__name__)

ARM_ORDER = ("intervention", "control")
# Okabe-Ito colour-blind-safe pair (blue, vermilion), each at least 3:1 against white (WCAG 2.1, 1.4.11);
# the arms also differ by line dash and marker.
ARM_COLOURS = {"intervention": "#0072B2", "control": "#D55E00"}
ARM_DASH = {"intervention": "solid", "control": "dash"}
ARM_SYMBOL = {"intervention": "circle", "control": "square"}


def gap_trace(x, y, lang: str, offsetgroup: str | None = None, legend: bool = True) -> go.Scatter | None:
    """Return a '..' mark at the foot of each hidden point (y NaN) of a trace, at its place; None when none is hidden.

    A hidden figure drawn as nothing reads as "none"; the mark says it is there but not shown, and the
    legend entry (once per chart: ``legend``) says what '..' means. ``offsetgroup``: the arm's group in a
    grouped dot plot, so the mark sits where that arm's dot would.
    """
    x, y = np.asarray(list(x), dtype=object), np.asarray(list(y), dtype="float64")
    hidden = ~np.isfinite(y)
    if not hidden.any():
        return None
    return go.Scatter(
        x=list(x[hidden]),
        y=[0.0] * int(hidden.sum()),
        mode="text",
        text=[t("chart.hidden", lang)] * int(hidden.sum()),
        textfont={"size": 18, "color": "#374151"},
        textposition="top center",
        hovertext=[t("chart.hidden_hover", lang)] * int(hidden.sum()),
        hoverinfo="text",
        name=t("chart.hidden_legend", lang),
        showlegend=legend,
        legendgroup=GAP_MARKS,
        offsetgroup=offsetgroup,
        cliponaxis=False,
    )


def add_gap_marks(fig: go.Figure, points: list[tuple], lang: str) -> go.Figure:
    """Add gap_trace marks to a figure for (x, y, offsetgroup) of each trace; one legend entry in all."""
    shown_legend = False
    for x, y, group in points:
        mark = gap_trace(x, y, lang, group, legend=not shown_legend)
        if mark is not None:
            fig.add_trace(mark)
            shown_legend = True
    return fig


def ci_ribbon(x, low, high, colour: str, shape: str = "linear") -> go.Scatter:
    """Return a shaded 95% CI band between low and high over x (no legend entry, no hover).

    Hidden or missing points (NaN) break the band: each run of shown points is its own closed shape,
    upper edge forward and lower edge back, so no piece is closed across a gap onto the wrong edge.
    """
    x, low, high = np.asarray(x), np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    shown = np.isfinite(low) & np.isfinite(high)
    xs: list = []
    ys: list = []
    edges = np.flatnonzero(np.diff(np.r_[0, shown.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend([*x[start:stop], *x[start:stop][::-1]])
        ys.extend([*high[start:stop], *low[start:stop][::-1]])
    return go.Scatter(
        x=xs,
        y=ys,
        fill="toself",
        fillcolor=colour,
        opacity=0.2,
        line={"width": 0, "shape": shape},
        hoverinfo="skip",
        showlegend=False,
    )


def caption_hidden(rows, lang: str) -> None:
    """Show below a table which rows are hidden and why (nothing when none is)."""
    text = describe_hidden(rows, lang)
    if text:
        st.caption(text)


def say_list(sentences) -> None:
    """Write sentences as one bulleted list (one element, one list for a screen reader: "list, 4 items")."""
    lines = ["- " + " ".join(str(sentence).split("\n")) for sentence in sentences]
    if lines:
        st.markdown("\n".join(lines))


def caption_rule(threshold: int, lang: str) -> None:
    """Show what '..' means: every rule that hides a figure (the reasons per row are given under the tables)."""
    st.caption(t("overview.suppressed", lang, t=threshold, t1=threshold - 1))


def format_ci(value: float, low: float, high: float, lang: str, decimals: int = 1) -> str:
    """Format 'value (low to high)', or '..' when hidden or missing."""
    if value != value:
        return SUPPRESSED
    if low == high == value:  # no spread (e.g. no event yet): an interval of one point says nothing more
        return format_number(value, lang, decimals)
    word = t("word.to", lang)
    low_text, high_text = format_number(low, lang, decimals), format_number(high, lang, decimals)
    return f"{format_number(value, lang, decimals)} ({low_text} {word} {high_text})"


_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit's Markdown turns a bare address into a link after escapes are read (GFM autolink literals): a
# word joiner (U+2060, invisible) inside "://", after "www" and before "@" keeps such text from forming one.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Return text (a study title, a name from a file) escaped so Streamlit's Markdown shows it as written.

    Every ASCII punctuation character gets a backslash (CommonMark allows it for all of them), so no
    link, image, heading, emphasis, HTML or formula forms; an invisible word joiner keeps a bare
    address from becoming a link; line breaks become spaces.
    """
    joined = _AUTOLINK.sub(WORD_JOINER, " ".join(str(text).split()))
    return _MARKDOWN.sub(r"\\\1", joined)


def format_count(value: float, lang: str) -> str:
    """Format a count with the language's thousands grouping (1 234 or 1,234), '..' when hidden."""
    return SUPPRESSED if value != value else format_number(int(value), lang, 0)


def band_name(label: str, lang: str) -> str:
    """Return a band label for people: 'Alla åldrar' for all, '65–75 år' otherwise."""
    return band_label(label, lang)


def show_selection(selection, lang: str) -> None:
    """Say at the top of a page which people its figures are about (a screenshot keeps what the sidebar chose)."""
    st.caption(t("selection.shown", lang, filters=plain(describe_filters(selection.filters, lang))))


def show_study_banner(info: dict, lang: str, name_randomized: bool = True) -> None:
    """Say plainly, on every page, when the data are synthetic, and the study's design (with its caveat).

    ``name_randomized`` False: a randomized study's design is not named (the presentation, whose slides must
    fit a projector; its downloads' stamp names it). A study of any other design is always named.
    """
    if info["is_demo"]:
        st.warning(t("demo.banner", lang), icon="⚠️")
    design = info.get("design", "randomized")
    if design != "randomized" or name_randomized:
        st.caption(t("design.label", lang, design=name_design(design, lang)), help=t("glossary.design.text", lang))
    if design == "comparison_group":
        st.warning(t("design.not_randomized", lang))


def stop_for_design(info: dict, page: str, lang: str) -> bool:
    """Say so and return True when the study's design gives no figures on this page (designs.gives_page)."""
    design = info.get("design", "randomized")
    if gives_page(design, page):
        return False
    home = DESIGN_HOME[design]  # the page that gives this design's answer
    if design == "single_group":
        st.info(t("design.single_group_page", lang))
    else:
        st.info(t("design.page_not_for", lang, design=name_design(design, lang), page=t(home[1], lang)))
    st.page_link(home[0], label=t(home[1], lang), icon=home[2])
    return True


DESIGN_HOME = {  # page file, its name's key and icon: where each design's answer is
    "randomized": ("views/overview.py", "nav.overview", ":material/home:"),
    "comparison_group": ("views/overview.py", "nav.overview", ":material/home:"),
    "rollout": ("views/rollout.py", "nav.rollout", ":material/stacked_line_chart:"),
    "single_group": ("views/single_group.py", "nav.single_group", ":material/timeline:"),
}


def show_completeness(info: dict, lang: str) -> None:
    """Say, on every page, when months after the study's complete-through month are left out (and each measure's)."""
    if info.get("complete_through") is not None:
        st.info(t("complete.note", lang, month=f"{info['complete_through']:%Y-%m}", end=info["data_end"].isoformat()))
    measures = info.get("measures") or {}
    if len(set(measures.values())) > 1:
        months = ", ".join(f"{t(f'measure.name.{m}', lang).lower()} {c:%Y-%m}" for m, c in measures.items())
        st.caption(t("complete.measures", lang, months=months))


def run_page(render: Callable[[str], None]) -> None:
    """Run a page body, showing user errors with st.error and never a traceback."""
    lang = page_language()
    st.session_state["_progress_slot"] = st.empty()  # slow work is announced here, at the top (calls.cached)
    try:
        render(lang)
    except UserFacingError as exc:
        st.error(exc.message(lang))
    except Exception:  # the last guard: no traceback reaches a user; details go to the server log
        logger.exception("page failed")
        st.error(t("error.unexpected", lang))
