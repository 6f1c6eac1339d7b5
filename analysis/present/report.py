"""Board briefing as an editable PowerPoint deck or a PDF, each page stamped with where its figures come from."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from analysis.economics.costs import (
    PSA_DRAWS,
    estimate_study_effects,
    summarize_money,
    with_effects,
)
from analysis.economics.scenario import Scenario, unit_costs
from analysis.errors import InputError
from analysis.outcomes.compare import compare_hours
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.outcomes.placement import analyze_placement
from analysis.present.disclosure import no_risks, show_comparison, show_outcomes, show_placement
from analysis.present.stamp import Stamp, make_stamp
from analysis.present.texts import (
    band_label,
    describe_plan,
    format_p,
    read_difference,
    read_money,
    read_person_interaction,
    read_person_outcomes,
    read_placement,
    t,
)
from analysis.selection import Filters, Selection
from analysis.settings import get_setting
from analysis.store import db
from analysis.store.studies import describe_study, fingerprint_study, load_plan

FORMATS = ("pdf", "pptx")


@dataclass(frozen=True)
class Slide:
    """One key message: a heading and plain-language sentences."""

    heading: str
    sentences: list[str]


@dataclass(frozen=True)
class Briefing:
    """The slides of a briefing and the stamp every page carries."""

    title: str
    slides: list[Slide]
    stamp: Stamp

    def stamp_text(self, lang: str) -> str:
        """Return the stamp as one line."""
        return self.stamp.text(lang)


def build_briefing(con: db.Connection, study: str, lang: str = "sv") -> Briefing:
    """Build the three key messages (hours, placement, money) as on the presentation page.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    lang : {'sv', 'en'}
        Language of the text.

    Returns
    -------
    Briefing

    """
    info = describe_study(con, study)
    plan = load_plan(con, study)
    bands = plan.bands
    threshold = int(get_setting("suppression_threshold"))
    month = min(int(get_setting("default_month")), info["max_month"] or 0)
    selection = Selection(study, Filters(), bands, month)
    primary = selection.at(plan.window_within(info["max_month"]))  # the primary analysis
    person = compare_person_outcomes(con, primary, unit_costs(), covariates=plan.covariates)
    shown = show_outcomes(person.groups, primary, threshold, no_risks)
    person_sentences = read_person_outcomes(shown, primary.month, lang, plan)
    person_sentences.append(read_person_interaction(person.interaction, lang))
    hours = compare_hours(con, selection)
    sentences = [
        read_difference(
            band_label(row["age_band"], lang),
            row["ci_low"],
            row["ci_high"],
            lang,
            row.get("suppressed_reason"),
            estimate=row["difference"],
        )
        for _, row in show_comparison(hours.groups, selection, threshold, no_risks).iterrows()
    ]
    p = hours.interaction["p_value"]
    sentences.append(
        t(
            "slides.interaction",
            lang,
            verdict=t("slides.interaction.clear" if p == p and p < 0.05 else "slides.interaction.unclear", lang),
            p=format_p(p, lang, relation=True),
        )
    )
    slides = [Slide(t("slides.person", lang, months=primary.month), person_sentences)]
    slides.append(Slide(t("slides.hours", lang, month=month), sentences))
    window = max(month, 1)
    placement = analyze_placement(con, selection.at(window))
    slides.append(
        Slide(
            t("slides.placement", lang, month=window),
            [
                read_placement(row, window, lang)
                for _, row in show_placement(placement.groups, selection.at(window), threshold, no_risks).iterrows()
            ],
        )
    )
    estimated = estimate_study_effects(con, study, primary.month)
    summary = summarize_money(with_effects(Scenario(), estimated), estimated.draws, PSA_DRAWS)
    money = read_money(summary, lang, example_costs=True)
    slides.append(Slide(t("slides.money", lang), money))
    methods = (
        "per randomiserad person (IPCW, bootstrap); timmar bland dem som bor kvar hemma (Welch); Aalen–Johansen, "
        "Cox; kostnadsmodell med bootstrap"
        if lang == "sv"
        else "per randomized person (IPCW, bootstrap); hours among those still at home (Welch); Aalen–Johansen, "
        "Cox; cost model with bootstrap"
    )
    version = fingerprint_study(con, study)
    stamp = make_stamp(version, selection, methods, threshold, threshold, lang, describe_plan(plan, lang))
    title = info["title_en"] if lang == "en" else info["title_sv"]
    if info["is_demo"]:
        title += " — " + t("demo.banner", lang).split(":")[0]
    return Briefing(title, slides, stamp)


def write_pptx(briefing: Briefing, path: str | os.PathLike[str] | BinaryIO, lang: str = "sv") -> None:
    """Write an editable PowerPoint deck (python-pptx): a title slide and one slide per message, all stamped."""
    from pptx import Presentation
    from pptx.util import Pt

    deck = Presentation()
    stamp = briefing.stamp_text(lang)
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = briefing.title
    title.placeholders[1].text = stamp
    for slide in briefing.slides:
        page = deck.slides.add_slide(deck.slide_layouts[1])
        page.shapes.title.text = slide.heading
        body = page.placeholders[1].text_frame
        body.clear()
        for i, sentence in enumerate(slide.sentences):
            paragraph = body.paragraphs[0] if i == 0 else body.add_paragraph()
            paragraph.text = sentence
            paragraph.font.size = Pt(16)
        box = page.shapes.add_textbox(Pt(20), deck.slide_height - Pt(40), deck.slide_width - Pt(40), Pt(30))
        box.text_frame.text = stamp
        box.text_frame.paragraphs[0].font.size = Pt(9)
    deck.save(path if hasattr(path, "write") else str(path))


def write_pdf(briefing: Briefing, path: str | os.PathLike[str] | BinaryIO, lang: str = "sv") -> None:
    """Write a PDF briefing (matplotlib, A4 landscape): one page per message, each with the stamp."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    stamp = briefing.stamp_text(lang)
    with PdfPages(path if hasattr(path, "write") else str(path)) as pdf:
        for heading, lines in [(briefing.title, []), *[(s.heading, s.sentences) for s in briefing.slides]]:
            fig = plt.figure(figsize=(11.69, 8.27))
            fig.text(0.06, 0.9, heading, fontsize=22, weight="bold")
            y = 0.8
            for line in lines:
                wrapped = textwrap.fill(line, 95)
                fig.text(0.06, y, wrapped, fontsize=13, va="top")
                y -= 0.045 * (wrapped.count("\n") + 1) + 0.03
            fig.text(0.06, 0.04, textwrap.fill(stamp, 150), fontsize=8, color="#444444")
            pdf.savefig(fig)
            plt.close(fig)


def render_report(con: db.Connection, study: str, fmt: str, lang: str = "sv") -> bytes:
    """Return the briefing as the bytes of a 'pdf' or 'pptx' file (for downloads)."""
    if fmt not in FORMATS:
        raise InputError(f"Okänt format {fmt!r}; välj pdf eller pptx.", f"Unknown format {fmt!r}; choose pdf or pptx.")
    buffer = io.BytesIO()
    (write_pdf if fmt == "pdf" else write_pptx)(build_briefing(con, study, lang), buffer, lang)
    return buffer.getvalue()


def write_report(con: db.Connection, study: str, fmt: str, out: str | os.PathLike[str], lang: str = "sv") -> Path:
    """Build the briefing and write it as 'pdf' or 'pptx' to ``out``; return the path."""
    out = Path(out)
    out.write_bytes(render_report(con, study, fmt, lang))
    return out
