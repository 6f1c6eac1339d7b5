"""Board briefing as an editable PowerPoint deck or a PDF, each page stamped with where its figures come from."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from analysis.economics.psa import summarize_study_money
from analysis.economics.scenario import unit_costs
from analysis.errors import InputError
from analysis.outcomes.compare import compare_hours
from analysis.outcomes.monitoring import monitor_primary
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.outcomes.placement import analyze_placement
from analysis.present.designs import name_design
from analysis.present.disclosure import SUPPRESSED, no_risks, show_comparison, show_outcomes, show_placement
from analysis.present.stamp import Stamp, make_stamp
from analysis.present.texts import (
    band_label,
    describe_plan,
    describe_primary,
    format_number,
    format_p,
    name_scenario,
    read_difference,
    read_examples,
    read_look,
    read_money,
    read_person_interaction,
    read_person_outcomes,
    read_placement,
    read_placement_parts,
    say_caveat_once,
    t,
)
from analysis.selection import Filters, Selection
from analysis.settings import get_setting
from analysis.store import db
from analysis.store.studies import check_groups, describe_study, fingerprint_study, load_plan

FORMATS = ("pdf", "pptx")
MIME = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
BODY_PT = 24  # the smallest type of a slide's message


HIDDEN = SUPPRESSED  # the mark drawn where a chart leaves a hidden figure out


@dataclass(frozen=True)
class Chart:
    """A slide's chart: categories (age bands or years), one series per arm (or one), the value axis's title."""

    kind: str  # "bar" (clustered columns) or "line"
    categories: list[str]
    series: dict[str, list[float | None]]  # name -> values; None where the figure is hidden
    axis: str
    decimals: int = 1


@dataclass(frozen=True)
class Slide:
    """One key message: a heading, its sentences (the message first) and its chart."""

    heading: str
    sentences: list[str]
    lead: int  # the first ``lead`` sentences are the slide's message; the others go to the speaker notes
    chart: Chart | None = None


@dataclass(frozen=True)
class Briefing:
    """The slides of a briefing, the stamp and method every page carries, and the demo warning if any."""

    title: str
    subtitle: str
    slides: list[Slide]
    stamp: Stamp
    methods: str
    warning: str | None  # said on every page of a synthetic study
    study: str
    primary: str = ""  # the primary analysis for the cover (with the date its plan was fixed)

    def stamp_text(self, lang: str) -> str:
        """Return the stamp as one line."""
        return self.stamp.text(lang)

    def short_stamp(self, lang: str) -> str:
        """Return the footer line: study, data version and date (the full stamp is in the notes)."""
        return t(
            "deck.stamp_short", lang, study=self.stamp.study, version=self.stamp.data_version, date=self.stamp.date
        )


def _value(v) -> float | None:
    """Return a chart value: None where hidden (NaN)."""
    return None if v is None or v != v else float(v)


def _band_chart(rows, column: str, axis: str, lang: str, scale: float = 1.0, decimals: int = 1) -> Chart:
    """Return a clustered-column chart of ``{column}_{arm}`` per band (everyone last), scaled for reading."""
    rows = sorted(rows, key=lambda row: row["age_band"] == "all")
    return Chart(
        "bar",
        [band_label(row["age_band"], lang) for row in rows],
        {
            t(f"arm.{arm}", lang): [_value(row[f"{column}_{arm}"] * scale) for row in rows]
            for arm in ("intervention", "control")
        },
        axis,
        decimals,
    )


def _everyone_first(frame) -> list:
    """Return a frame's rows with 'all' first."""
    return sorted((row for _, row in frame.iterrows()), key=lambda row: row["age_band"] != "all")


def build_briefing(con: db.Connection, study: str, lang: str = "sv", call=None) -> Briefing:
    """Build the four key messages (per person, hours, placement, money) as on the presentation page.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    lang : {'sv', 'en'}
        Language of the text.
    call : callable, optional
        call(fn, *args, **kwargs) runs an analysis fn(con, *args, **kwargs); the pages pass their cache, so
        the briefing reuses what the Overview, Placement and other pages computed for the same study, data
        version, plan and selection (issue 34), and they its. Default: run it on ``con``.

    Returns
    -------
    Briefing

    """
    run = call or (lambda fn, *args, **kwargs: fn(con, *args, **kwargs))
    info = describe_study(con, study)
    check_groups(info, "briefing")
    plan = load_plan(con, study)
    bands = plan.bands
    threshold = int(get_setting("suppression_threshold"))
    month = min(int(get_setting("default_month")), info["max_month"] or 0)
    # The pages' unfiltered selection exactly (merged districts, the study's hours measure): one cache entry.
    selection = Selection(study, Filters(), bands, month, tuple(info["merged_districts"]), info["hours_measure"])
    primary = selection.at(plan.window_within(info["max_month"]))  # the primary analysis
    person = run(compare_person_outcomes, primary, unit_costs(), covariates=plan.covariates)
    shown = show_outcomes(person.groups, primary, threshold, no_risks)
    person_sentences = read_person_outcomes(shown, primary.month, lang, plan)
    person_sentences.append(read_person_interaction(person.interaction, lang))
    cost_first = plan.primary_outcome == "cost"
    person_chart = _band_chart(
        (row for _, row in shown.iterrows()),
        "cost" if cost_first else "days_home",
        t(("deck.days_axis", "deck.cost_axis")[cost_first], lang),
        lang,
        scale=1e-3 if cost_first else 1.0,
        decimals=0,
    )
    person_sentences = say_caveat_once(person_sentences, lang)  # said once per slide, not once per band
    grouped = info["design"] == "comparison_group"  # not randomized: every slide of figures says so first
    caveat = [t("design.not_randomized", lang)] if grouped else []
    slides = [Slide(t("slides.person", lang, months=primary.month), [*caveat, *person_sentences], 2 + grouped,
                    person_chart)]  # fmt: skip

    hours = run(compare_hours, selection)
    hours_shown = show_comparison(hours.groups, selection, threshold, no_risks)
    sentences = [
        read_difference(
            band_label(row["age_band"], lang),
            row["ci_low"],
            row["ci_high"],
            lang,
            row.get("suppressed_reason"),
            estimate=row["difference"],
        )
        for row in _everyone_first(hours_shown)
    ]
    p = hours.interaction["p_value"]
    sentences.append(
        t(
            "slides.interaction",
            lang,
            verdict=t(("slides.interaction.unclear", "slides.interaction.clear")[bool(p == p and p < 0.05)], lang),
            p=format_p(p, lang, relation=True),
        )
    )
    sentences.append(t(f"measure.{info['hours_measure']}", lang))  # which hours (granted when the study has both)
    hours_chart = _band_chart(
        (row for _, row in hours_shown.iterrows()), "mean", t("deck.hours_axis", lang), lang, decimals=1
    )
    slides.append(Slide(t("slides.hours", lang, month=month), say_caveat_once(sentences, lang), 1, hours_chart))

    window = max(month, 1)
    placement = run(analyze_placement, selection.at(window))
    placement_shown = show_placement(placement.groups, selection.at(window), threshold, no_risks)
    rows = _everyone_first(placement_shown)
    lead = read_placement_parts(rows[0], window, lang)[:2]  # everyone: the risks and their difference
    placement_sentences = [*lead, *(read_placement(row, window, lang) for row in rows)]  # the notes: every band
    placement_chart = _band_chart(rows, "cuminc", t("deck.placement_axis", lang), lang, scale=100.0)
    slides.append(Slide(t("slides.placement", lang, month=window), placement_sentences, len(lead), placement_chart))

    summary = run(summarize_study_money, study, primary.month)
    money = read_money(summary, lang)
    years = summary.projection.years
    money_chart = Chart(
        "line",
        [t("deck.year", lang, year=int(y)) for y in years["year"]],
        {t("deck.money_series", lang): [_value(v / 1e6) for v in years["cumulative_net"]]},
        t("deck.money_axis", lang),
    )
    money = [t("design.money_caveat", lang), *money] if grouped else money
    slides.append(Slide(t("slides.money", lang), money, 2 + grouped, money_chart))

    scenario = summary.scenario
    methods = f"{t('deck.methods', lang)}; {name_scenario(scenario, lang)}: {read_examples(scenario, lang)}"
    version = fingerprint_study(con, study)
    look = read_look(run(monitor_primary, study, unit_costs()), plan.primary_outcome, lang)  # interim or final
    primary_words = f"{describe_plan(plan, lang)} {look or ''}".strip()
    design = " ".join([name_design(info["design"], lang) + ".", *caveat])
    stamp = make_stamp(version, selection, methods, threshold, threshold, lang, primary_words, design=design)
    title = info["title_en"] if lang == "en" else info["title_sv"]
    subtitle = t("deck.subtitle", lang, date=stamp.date) + " · " + t("design.label", lang, design=name_design(
        info["design"], lang)).rstrip(".")  # fmt: skip
    warning = t("deck.warning", lang) if info["is_demo"] else None
    methods = primary_words + " " + methods
    return Briefing(title, subtitle, slides, stamp, methods, warning, study, describe_primary(plan, lang))


def report_file_name(study: str, fmt: str, lang: str, day: dt.date | None = None) -> str:
    """Return a download's file name: 'underlag' or 'briefing', the study, the language and the date."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", unicodedata.normalize("NFKD", study).encode("ascii", "ignore").decode())
    word = "underlag" if lang == "sv" else "briefing"
    return f"{word}_{slug.strip('-').lower() or 'studie'}_{lang}_{(day or dt.date.today()).isoformat()}.{fmt}"


def _lines_needed(text: str, width_in: float, size_pt: float, bold: bool = False) -> int:
    """Return how many lines a text needs in a box of this width (average glyph 0.53 em, bold 0.6: safe)."""
    per_line = max(1, int(width_in * 72 / ((0.6 if bold else 0.53) * size_pt)))
    lines = 0
    for paragraph in text.split("\n"):
        words, current = paragraph.split(), 0
        lines += 1
        for word in words:
            if current and current + 1 + len(word) > per_line:
                lines += 1
                current = len(word)
            else:
                current += (1 if current else 0) + len(word)
    return lines


def height_needed(paragraphs: list[str], width_in: float, size_pt: float, bold_first: bool = False) -> float:
    """Return the height in inches that paragraphs set at ``size_pt`` need (line spacing 1.2, a gap after each)."""
    lines = sum(_lines_needed(p, width_in, size_pt, bold_first and i == 0) for i, p in enumerate(paragraphs))
    return (lines * 1.2 + 0.35 * len(paragraphs)) * size_pt / 72


def split_message(slide: Slide, width_in: float, height_in: float, size_pt: float) -> tuple[list[str], list[str]]:
    """Return (sentences on the slide, sentences for the notes): the message in order, as much as fits.

    The first sentence is always shown (the layout gives it the room it needs, see ``message_height``).
    """
    shown: list[str] = slide.sentences[:1]
    for sentence in slide.sentences[1 : slide.lead]:
        if height_needed([*shown, sentence], width_in, size_pt, bold_first=True) > height_in:
            break
        shown.append(sentence)
    rest = [s for s in slide.sentences if s not in shown]
    return shown, rest


def heading_size(text: str, width_in: float, height_in: float, largest: float) -> float:
    """Return the largest bold size from ``largest`` down to 24 pt at which a heading fits its box."""
    size = largest
    while size > BODY_PT and height_needed([text], width_in, size, bold_first=True) > height_in:
        size -= 2
    return size


# Slide geometry, inches (16:9, 13.333 × 7.5).
_W, _H, _M = 13.333, 7.5, 0.5
_TITLE = (_M, 0.3, _W - 2 * _M, 1.2)
_WARNING = (_M, 1.55, _W - 2 * _M, 0.45)
_BODY_TOP, _BODY_BOTTOM, _CHART_MIN = 2.1, 6.9, 2.0  # the message, then the chart, share this band
_FOOTER = (_M, 6.98, _W - 2 * _M, 0.4)
_INSET = 0.2  # a text box's left and right margins together
INK, MUTED, ALERT = (0x1F, 0x29, 0x37), (0x4B, 0x55, 0x63), (0x9B, 0x1C, 0x1C)
ARM_COLOURS = ((0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00))  # intervention, control (Okabe–Ito, as on the pages)


def _box(slide, frame: tuple, paragraphs: list[tuple[str, float, bool, tuple]], fill: tuple | None = None):
    """Add a text box with word wrap and fixed size; each paragraph is (text, points, bold, colour)."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    x, y, w, h = frame
    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    text = box.text_frame
    text.word_wrap = True
    text.auto_size = MSO_AUTO_SIZE.NONE
    text.margin_left = text.margin_right = Inches(0.08)
    if fill is not None:
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(*fill)
    for i, (content, size, bold, colour) in enumerate(paragraphs):
        paragraph = text.paragraphs[0] if i == 0 else text.add_paragraph()
        paragraph.text = content
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold
        paragraph.font.color.rgb = RGBColor(*colour)
        paragraph.space_after = Pt(size * 0.35)
        paragraph.line_spacing = 1.0
    return box


def _native_chart(slide, chart: Chart, top: float, lang: str) -> None:
    """Add an editable PowerPoint chart (its data open in PowerPoint's sheet) from ``top`` down, with its values."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format="0" if chart.decimals == 0 else "0." + "0" * chart.decimals)
    data.categories = chart.categories
    for name, values in chart.series.items():
        data.add_series(name, values)
    kind = XL_CHART_TYPE.COLUMN_CLUSTERED if chart.kind == "bar" else XL_CHART_TYPE.LINE_MARKERS
    x, y, w, h = _M, top, _W - 2 * _M, _BODY_BOTTOM - top
    frame = slide.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h), data)
    graph = frame.chart
    graph.font.size = Pt(16)
    graph.has_legend = len(chart.series) > 1
    if graph.has_legend:
        graph.legend.position = XL_LEGEND_POSITION.TOP
        graph.legend.include_in_layout = False
    axis = graph.value_axis
    axis.has_title = True
    axis.axis_title.text_frame.text = chart.axis
    axis.axis_title.text_frame.paragraphs[0].font.size = Pt(14)
    axis.has_major_gridlines = True
    plot = graph.plots[0]
    plot.has_data_labels = True
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END if chart.kind == "bar" else XL_LABEL_POSITION.ABOVE
    plot.data_labels.number_format = data.number_format
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(14)
    for series, values in zip(plot.series, chart.series.values(), strict=True):  # '..' where a value is hidden
        for index in [i for i, v in enumerate(values) if v is None]:
            label = series.points[index].data_label
            label.has_text_frame = True
            label.text_frame.text = HIDDEN
            label.position = XL_LABEL_POSITION.INSIDE_BASE if chart.kind == "bar" else XL_LABEL_POSITION.ABOVE
    for series, colour in zip(plot.series, ARM_COLOURS, strict=False):
        fill = series.format.line if chart.kind == "line" else series.format.fill
        if chart.kind == "bar":
            fill.solid()
            fill.fore_color.rgb = RGBColor(*colour)
        else:
            fill.color.rgb = RGBColor(*colour)
            fill.width = Pt(3)


LANGUAGE_TAGS = {"sv": "sv-SE", "en": "en-GB"}  # what PowerPoint and LibreOffice spell-check and format numbers by


def tag_language(deck, lang: str) -> None:
    """Tag every text run, paragraph default and chart text of a deck with the language (sv-SE or en-GB).

    Without a tag the text counts as the reader's own language: LibreOffice showed "9.7" for a Swedish deck
    and spell-checked Swedish as English. Charts carry their own text properties, tagged too.
    """
    tag = LANGUAGE_TAGS.get(lang, LANGUAGE_TAGS["sv"])
    names = {"rPr", "defRPr", "endParaRPr"}
    parts = []
    for slide in deck.slides:
        parts.append(slide.shapes._spTree)
        parts.append(slide.notes_slide.notes_text_frame._txBody)
        parts += [shape.chart._chartSpace for shape in slide.shapes if getattr(shape, "has_chart", False)]
    for shape in (shape for slide in deck.slides for shape in slide.shapes if getattr(shape, "has_chart", False)):
        space = shape.chart._chartSpace  # the chart's own language (c:lang), which number formats follow
        chart_ns = space.tag.rsplit("}", 1)[0] + "}"
        language = space.find(chart_ns + "lang")
        if language is None:
            language = space.makeelement(chart_ns + "lang", {})
            date1904 = space.find(chart_ns + "date1904")
            space.insert(0 if date1904 is None else list(space).index(date1904) + 1, language)
        language.set("val", tag)
    for root in parts:
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] in names:
                element.set("lang", tag)


def _notes(slide, lines: list[str]) -> None:
    """Write the speaker notes."""
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def write_pptx(briefing: Briefing, path: str | os.PathLike[str] | BinaryIO, lang: str = "sv") -> None:
    """Write a 16:9 deck of its own design (python-pptx): message in large type, an editable chart, the stamp.

    Every slide has its heading, the message (at least 24 pt; what does not fit goes to the notes), a native
    chart whose data stay editable in PowerPoint, the demo warning on a synthetic study, a one-line footer
    (study, data version, date) and speaker notes with the bands' sentences, the method and the full stamp.
    """
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(_W), Inches(_H)
    blank = deck.slide_layouts[6]
    footer = briefing.short_stamp(lang)
    method = f"{t('deck.notes_method', lang)}: {briefing.methods}"
    full_stamp = f"{t('deck.notes_stamp', lang)}: {briefing.stamp_text(lang)}"

    def frame(page, heading: str, largest: float) -> None:
        size = heading_size(heading, _TITLE[2] - _INSET, _TITLE[3], largest)
        _box(page, _TITLE, [(heading, size, True, INK)])
        if briefing.warning:
            _box(page, _WARNING, [(briefing.warning, 20, True, (0xFF, 0xFF, 0xFF))], fill=ALERT)
        _box(page, _FOOTER, [(footer, 11, False, MUTED)])

    title = deck.slides.add_slide(blank)
    frame(title, briefing.title, 40)
    _box(title, (_M, 2.3, _W - 2 * _M, 0.6), [(briefing.subtitle, 28, False, MUTED)])
    _box(title, (_M, 3.1, _W - 2 * _M, 3.6), [(briefing.primary, BODY_PT, False, INK)])
    _notes(title, [method, full_stamp])
    for slide in briefing.slides:
        page = deck.slides.add_slide(blank)
        frame(page, slide.heading, 32)
        width = _W - 2 * _M
        room = _BODY_BOTTOM - _BODY_TOP - (_CHART_MIN if slide.chart is not None else 0)
        shown, rest = split_message(slide, width - _INSET, room, BODY_PT)
        height = min(room, height_needed(shown, width - _INSET, BODY_PT, bold_first=True) + 0.1)
        _box(page, (_M, _BODY_TOP, width, height), [(s, BODY_PT, i == 0, INK) for i, s in enumerate(shown)])
        if slide.chart is not None:
            _native_chart(page, slide.chart, _BODY_TOP + height + 0.1, lang)
        _notes(page, [*shown, "", *rest, "", method, full_stamp])
    tag_language(deck, lang)
    deck.save(path if hasattr(path, "write") else str(path))


class _PdfPages:
    """A4 pages filled from the top: every page starts with the demo warning and ends with the full stamp."""

    WIDTH, HEIGHT, MARGIN = 8.27, 11.69, 0.6  # inches

    def __init__(self, pdf, briefing: Briefing, lang: str) -> None:
        import textwrap

        self.pdf, self.briefing, self.lang = pdf, briefing, lang
        per_line = int((self.WIDTH - 2 * self.MARGIN) * 72 / (7 * 0.62))  # 7 pt, DejaVu's widest average glyph
        self.stamp = textwrap.fill(briefing.stamp_text(lang), per_line)
        self.footer = (self.stamp.count("\n") + 1) * 7 * 1.35 / 72 + 0.3
        self.fig = None
        self.y = 0.0

    def new_page(self) -> None:
        """Finish the current page and start another with the warning and the stamp."""
        from matplotlib import pyplot as plt

        self.finish()
        self.fig = plt.figure(figsize=(self.WIDTH, self.HEIGHT))
        self.fig.text(self._x(self.MARGIN), self._y(0.3), self.stamp, fontsize=7, color="#374151", va="bottom")
        self.y = self.HEIGHT - self.MARGIN
        if self.briefing.warning:
            self.fig.text(
                self._x(self.MARGIN), self._y(self.y - 0.12), " " + self.briefing.warning + " ", fontsize=12,
                weight="bold", color="white", va="top", bbox={"facecolor": "#9b1c1c", "edgecolor": "none", "pad": 5},
            )  # fmt: skip
            self.y -= 0.6

    def _x(self, inches: float) -> float:
        return inches / self.WIDTH

    def _y(self, inches: float) -> float:
        return inches / self.HEIGHT

    def room(self) -> float:
        """Return the height left above the stamp, in inches."""
        return self.y - self.footer - 0.2

    def text(self, content: str, size: float, bold: bool = False, colour: str = "#1f2937", gap: float = 0.12) -> None:
        """Add a wrapped paragraph, on a new page when it does not fit."""
        import textwrap

        width = int((self.WIDTH - 2 * self.MARGIN) * 72 / ((0.6 if bold else 0.53) * size))
        wrapped = textwrap.fill(content, width)
        height = (wrapped.count("\n") + 1) * size * 1.3 / 72
        if self.fig is None or height > self.room():
            self.new_page()
        weight = "bold" if bold else "normal"
        self.fig.text(
            self._x(self.MARGIN), self._y(self.y), wrapped, fontsize=size, weight=weight, color=colour, va="top",
            linespacing=1.3,
        )  # fmt: skip
        self.y -= height + gap

    def chart(self, chart: Chart, height: float = 3.4) -> None:
        """Add a chart, on a new page when it does not fit."""
        if self.fig is None or height + 0.3 > self.room():
            self.new_page()
        bottom = self.y - height
        axes = self.fig.add_axes(
            (self._x(self.MARGIN + 0.7), self._y(bottom + 0.35), self._x(self.WIDTH - 2 * self.MARGIN - 0.8),
             self._y(height - 0.75))
        )  # fmt: skip
        _draw_chart(axes, chart, ["#{:02x}{:02x}{:02x}".format(*c) for c in ARM_COLOURS], self.lang)
        self.y = bottom - 0.15

    def finish(self) -> None:
        """Write the current page."""
        from matplotlib import pyplot as plt

        if self.fig is not None:
            self.pdf.savefig(self.fig)
            plt.close(self.fig)
            self.fig = None


def write_pdf(briefing: Briefing, path: str | os.PathLike[str] | BinaryIO, lang: str = "sv") -> None:
    """Write the PDF briefing (matplotlib, A4): the deck's content and charts, warning and stamp on every page.

    Each message starts a page: the wrapped heading, the message, the chart, then the bands' sentences and
    the method; a page that fills up continues on the next with the warning and stamp again. (Matplotlib
    cannot write a tagged PDF.)
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path if hasattr(path, "write") else str(path)) as pdf:
        pages = _PdfPages(pdf, briefing, lang)
        pages.new_page()
        pages.text(briefing.title, 24, bold=True)
        pages.text(briefing.subtitle, 14, colour="#4b5563", gap=0.3)
        pages.text(briefing.primary, 11, colour="#374151")
        for slide in briefing.slides:
            pages.new_page()
            pages.text(slide.heading, 20, bold=True, gap=0.2)
            for sentence in slide.sentences[: slide.lead]:
                pages.text(sentence, 13, bold=sentence == slide.sentences[0])
            if slide.chart is not None:
                pages.chart(slide.chart)
            for sentence in slide.sentences[slide.lead :]:
                pages.text(sentence, 10, colour="#374151", gap=0.08)
        pages.text(f"{t('deck.notes_method', lang)}: {briefing.methods}", 9, colour="#4b5563")
        pages.finish()


def _format_value_axis(axes, lang: str) -> None:
    """Write the value axis's ticks in the language's number format ('17,5' in Swedish), as few decimals as needed."""
    import numpy as np
    from matplotlib.ticker import FixedFormatter, FixedLocator

    ticks = axes.get_yticks()
    decimals = next((d for d in range(4) if np.allclose(np.round(ticks, d), ticks, atol=1e-9)), 3)
    axes.yaxis.set_major_locator(FixedLocator(ticks))
    axes.yaxis.set_major_formatter(FixedFormatter([format_number(v, lang, decimals) for v in ticks]))


def _draw_chart(axes, chart: Chart, colours: list[str], lang: str) -> None:
    """Draw a slide's chart with matplotlib (bars per arm, or a line), hidden values left out."""
    import numpy as np

    names = list(chart.series)
    x = np.arange(len(chart.categories))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = np.array([np.nan if v is None else v for v in chart.series[name]], dtype=float)
        places = x + (i - (len(names) - 1) / 2) * width if chart.kind == "bar" else x
        if chart.kind == "bar":  # a hidden bar has no height and '..' at its foot
            bars = axes.bar(places, np.nan_to_num(values, nan=0.0), width, label=name, color=colours[i])
            labels = [format_number(v, lang, chart.decimals) if v == v else "" for v in values]
            axes.bar_label(bars, labels=labels, fontsize=9)
        else:
            axes.plot(x, values, marker="o", color=colours[i], label=name, linewidth=2.5)
        for position in np.flatnonzero(np.isnan(values)):
            axes.annotate(HIDDEN, (places[position], 0), ha="center", va="bottom", fontsize=16, fontweight="bold",
                          color="#374151")  # fmt: skip
    if any(v is None for values in chart.series.values() for v in values):
        axes.text(1.0, 1.12, t("chart.hidden_deck", lang), transform=axes.transAxes, ha="right", fontsize=9)
    axes.axhline(0, color="#6b7280", linewidth=0.8)
    _format_value_axis(axes, lang)
    axes.set_xticks(x, chart.categories, fontsize=10)
    axes.set_ylabel(chart.axis, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    if len(names) > 1:
        axes.legend(frameon=False, fontsize=10, loc="upper left", bbox_to_anchor=(0, 1.12), ncol=len(names))


def briefing_file(briefing: Briefing, fmt: str, lang: str = "sv") -> bytes:
    """Return a built briefing as the bytes of a 'pdf' or 'pptx' file."""
    if fmt not in FORMATS:
        raise InputError(f"Okänt format {fmt!r}; välj pdf eller pptx.", f"Unknown format {fmt!r}; choose pdf or pptx.")
    buffer = io.BytesIO()
    (write_pdf if fmt == "pdf" else write_pptx)(briefing, buffer, lang)
    return buffer.getvalue()


def render_report(con: db.Connection, study: str, fmt: str, lang: str = "sv") -> bytes:
    """Return the briefing as the bytes of a 'pdf' or 'pptx' file (for downloads)."""
    return briefing_file(build_briefing(con, study, lang), fmt, lang)


def write_report(con: db.Connection, study: str, fmt: str, out: str | os.PathLike[str], lang: str = "sv") -> Path:
    """Build the briefing and write it as 'pdf' or 'pptx' to ``out``; return the path."""
    out = Path(out)
    out.write_bytes(render_report(con, study, fmt, lang))
    return out
