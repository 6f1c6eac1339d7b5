import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import frame, hours_frame, person, write_tiny_store
from pptx import Presentation

from analysis.present.report import build_briefing, write_report
from analysis.store import db
from analysis.store.studies import fingerprint_study

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = bool(os.environ.get("CI"))  # CI installs poppler-utils and LibreOffice: there these checks must run


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_pptx_has_a_stamped_slide_per_message(small_demo_path, tmp_path, lang):
    con = db.connect(small_demo_path)
    out = write_report(con, "demo", "pptx", tmp_path / "b.pptx", lang)
    version = fingerprint_study(con, "demo")
    con.close()
    deck = Presentation(str(out))
    assert len(deck.slides) == 5  # title + per person + hours + placement + money
    for slide in deck.slides:
        text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert version in text and "demo" in text  # the footer: study, data version, date
        notes = slide.notes_slide.notes_text_frame.text  # the full stamp and the method
        assert version in notes and ("Dataversion" if lang == "sv" else "Data version") in notes


@pytest.mark.slow
def test_pdf_pages_counted(small_demo_path, tmp_path):
    con = db.connect(small_demo_path)
    out = write_report(con, "demo", "pdf", tmp_path / "b.pdf", "en")
    con.close()
    assert out.read_bytes().startswith(b"%PDF") and pdf_pages(out) >= 5  # a full page continues on the next


def pdf_text_per_page(path: Path) -> list[str]:
    """Return the text of every page of a PDF (poppler's pdftotext, installed by .ci/run)."""
    if shutil.which("pdftotext") is None:
        if REQUIRED:
            pytest.fail("pdftotext is missing; .ci/run installs poppler-utils")
        pytest.skip("no pdftotext here (CI installs poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_pdf_page_says_the_data_are_synthetic_and_carries_the_stamp(small_demo_path, tmp_path, lang):
    con = db.connect(small_demo_path)
    out = write_report(con, "demo", "pdf", tmp_path / "b.pdf", lang)
    version = fingerprint_study(con, "demo")
    con.close()
    pages = pdf_text_per_page(out)
    warning = "Syntetiska demodata" if lang == "sv" else "Synthetic demo data"
    assert len(pages) >= 5 and all(warning in page and version in page for page in pages)


@pytest.mark.slow
def test_the_deck_is_16_9_with_large_type_native_charts_and_a_warning_on_every_slide(small_demo_path, tmp_path):
    from pptx.util import Emu, Pt

    con = db.connect(small_demo_path)
    out = write_report(con, "demo", "pptx", tmp_path / "b.pptx", "sv")
    briefing = build_briefing(con, "demo", "sv")
    con.close()
    deck = Presentation(str(out))
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    for number, slide in enumerate(deck.slides):
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        assert "Syntetiska demodata – inga slutsatser om verkliga personer" in texts, number
        for shape in slide.shapes:  # nothing extends past the slide
            assert shape.left >= 0 and shape.top >= 0, number
            assert shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height
        if number == 0:
            continue
        message = briefing.slides[number - 1].sentences[0]
        box = next(
            shape for shape in slide.shapes if shape.has_text_frame and shape.text_frame.text.startswith(message)
        )
        sizes = {paragraph.font.size for paragraph in box.text_frame.paragraphs}
        assert sizes and min(sizes) >= Pt(24)  # the message in large type
        charts = [shape for shape in slide.shapes if shape.has_chart]
        assert len(charts) == 1 and Emu(charts[0].top) >= Emu(box.top + box.height)  # below the message, editable
        assert len(charts[0].chart.plots[0].categories) >= 4
        notes = slide.notes_slide.notes_text_frame.text
        assert message in notes and all(s in notes for s in briefing.slides[number - 1].sentences)


def test_report_file_names_carry_study_language_and_date():
    import datetime as dt

    from analysis.present.report import report_file_name

    day = dt.date(2026, 11, 23)
    assert report_file_name("demo", "pptx", "sv", day) == "underlag_demo_sv_2026-11-23.pptx"
    assert report_file_name("Örebro län/=1+1", "pdf", "en", day) == "briefing_orebro-lan-1-1_en_2026-11-23.pdf"


def test_data_version_follows_the_data(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    write_tiny_store(a, frame([person("x"), person("y", arm="control")]), hours_frame([("x", "2016-01", 3.0)]))
    write_tiny_store(b, frame([person("x"), person("y", arm="control")]), hours_frame([("x", "2016-01", 3.5)]))
    versions = []
    for path in (a, b, a):
        con = db.connect(path)
        versions.append(fingerprint_study(con, "tiny"))
        con.close()
    assert versions[0] == versions[2] != versions[1]


def test_briefing_hides_small_bands(tmp_path):
    rows = []
    for age, size in ((70, 3), (80, 10), (90, 12)):
        rows += [person(f"i{age}_{i}", arm="intervention", age=age) for i in range(size)]
        rows += [person(f"c{age}_{i}", arm="control", age=age) for i in range(size)]
    path = tmp_path / "t.duckdb"
    write_tiny_store(path, frame(rows), hours_frame([("i80_0", "2016-02", 4.0)]))
    con = db.connect(path)
    briefing = build_briefing(con, "tiny", "en")
    con.close()
    for slide in briefing.slides[:2]:  # per person, and hours among those at home
        assert any(s.startswith("65–75 years: hidden, fewer than 5 people") for s in slide.sentences)
        # the complement of 65–75 is hidden too and says why (hours: there everyone but one has 0 hours)
        assert any(
            s.startswith(("76–85 years: hidden to protect another", "76–85 years: hidden, everyone in an arm"))
            for s in slide.sentences
        )


@pytest.mark.slow
def test_cli_report(small_demo_path, tmp_path):
    out = tmp_path / "r.pptx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--db",
            str(small_demo_path),
            "--format",
            "pptx",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert len(Presentation(str(out)).slides) == 5
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--db",
            str(tmp_path / "none.duckdb"),
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "x.pdf"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_the_per_person_slide_leads_with_everyone_and_warns_about_subgroups(small_demo_path):
    con = db.connect(small_demo_path)
    briefing = build_briefing(con, "demo", "en")
    con.close()
    sentences = briefing.slides[0].sentences
    assert sentences[0].startswith("All ages") and sentences[1].startswith("All ages")
    assert "subgroup analyses" in sentences[-2] and "test of interaction" in sentences[-1]


def test_money_slide_says_which_costs_are_invented(small_demo_path):
    # The board's money uses the study's effects but the example's intervention cost and applicants: the
    # slide must say those are invented, with the figures it used.
    con = db.connect(small_demo_path)
    briefing = build_briefing(con, "demo", "en")
    con.close()
    slide = briefing.slides[-1]
    on_slide = " ".join(slide.sentences[: slide.lead])  # issue 31: on the slide itself, not only in the notes
    assert "Examples, not the municipality's figures" in on_slide
    assert "SEK 30,000 per participant" in on_slide and "1,000 applicants a year" in on_slide
    assert "effects month by month" in slide.heading  # the scenario named on the slide
    assert "2015 prices" in on_slide
    assert not any("100%" in s or "1.000" in s for s in slide.sentences)
    assert any("(10,000 draws)" in s for s in slide.sentences)  # a probability from draws says how many
    assert any("comes after the study's" in s for s in slide.sentences)  # the projected part, on its own


def test_a_hidden_bar_is_marked_in_the_powerpoint_data_and_on_the_pdf_chart(tmp_path):
    # Issue 27: a hidden bar read as "nobody moved" in a board meeting. The PowerPoint keeps the value empty in
    # the chart's data and labels its point '..'; the PDF draws '..' at the bar's place, with a legend line.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.demo import DemoSpec, build_demo_store
    from analysis.present.report import HIDDEN, _draw_chart, write_pptx

    path = tmp_path / "demo.duckdb"
    build_demo_store(path, DemoSpec(n_people=300, seed=1))  # three placement bars are hidden
    con = db.connect(path)
    briefing = build_briefing(con, "demo", "sv")
    con.close()
    chart = next(s.chart for s in briefing.slides if s.chart and any(None in v for v in s.chart.series.values()))
    hidden = {(name, i) for name, values in chart.series.items() for i, v in enumerate(values) if v is None}
    assert len(hidden) >= 3
    write_pptx(briefing, tmp_path / "deck.pptx", "sv")
    marked = set()
    for slide in Presentation(str(tmp_path / "deck.pptx")).slides:
        for shape in [s for s in slide.shapes if s.has_chart]:
            for series in shape.chart.plots[0].series:
                for i, value in enumerate(series.values):
                    label = series.points[i].data_label
                    if value is None and label.has_text_frame and label.text_frame.text == HIDDEN:
                        marked.add((series.name, i))
    assert hidden <= marked
    figure, axes = plt.subplots()
    _draw_chart(axes, chart, ["#0072B2", "#D55E00"], "sv")
    texts = [text.get_text() for text in axes.texts]
    plt.close(figure)
    assert texts.count(HIDDEN) == len(hidden) and any(text.startswith(".. = dolt") for text in texts)


@pytest.fixture(scope="module")
def embedded_demo(tmp_path_factory):
    """The store the dashboard builds on first start: both demo studies with their dated plan."""
    from analysis.demo import build_embedded_demo

    path = tmp_path_factory.mktemp("embedded") / "ihr.duckdb"
    build_embedded_demo(path)
    return path


def _all_text(deck) -> str:
    """Return every text of a deck: shapes and notes."""
    parts = []
    for slide in deck.slides:
        parts += [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_deck_opens_on_the_plan_and_holds_no_command_line(embedded_demo, tmp_path, lang):
    # Issue 30: slide 1 said "…spara en plan innan jämförelsen läses (python -m analysis plan)".
    con = db.connect(embedded_demo)
    try:
        deck = Presentation(str(write_report(con, "demo", "pptx", tmp_path / "b.pptx", lang)))
        pdf = write_report(con, "demo", "pdf", tmp_path / "b.pdf", lang)
    finally:
        con.close()
    cover = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    fixed = "Fastställt 2015-12-15" if lang == "sv" else "Fixed on 2015-12-15"
    assert fixed in cover and ("vårdkostnad" if lang == "sv" else "care cost") in cover
    for text in [_all_text(deck), *pdf_text_per_page(pdf)]:
        assert not re.search(r"python|\s-m\s|--[a-z]", text), text[:300]
    assert "utforskande. per" not in _all_text(deck) and "exploratory. per" not in _all_text(deck)


def test_a_study_without_a_plan_says_so_in_words_but_not_on_the_cover(small_demo_path, tmp_path):
    con = db.connect(small_demo_path)
    try:
        deck = Presentation(str(write_report(con, "demo", "pptx", tmp_path / "b.pptx", "sv")))
    finally:
        con.close()
    cover = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Primärt utfall" in cover and "Ingen analysplan" not in cover
    assert "Spara en plan under Analysplan på sidan Data" in deck.slides[0].notes_slide.notes_text_frame.text


@pytest.mark.parametrize(("lang", "tag"), [("sv", "sv-SE"), ("en", "en-GB")])
def test_the_deck_text_and_charts_carry_the_language(small_demo_path, tmp_path, lang, tag):
    # Issue 30: untagged text counted as the reader's language (LibreOffice spell-checked Swedish as English).
    import zipfile

    con = db.connect(small_demo_path)
    try:
        out = write_report(con, "demo", "pptx", tmp_path / "b.pptx", lang)
    finally:
        con.close()
    with zipfile.ZipFile(out) as deck:
        names = [n for n in deck.namelist() if re.match(r"ppt/(slides|charts)/\w+\.xml", n)]
        parts = {n: deck.read(n).decode("utf-8") for n in names}
    charts = [x for n, x in parts.items() if "/charts/" in n]
    assert len(charts) == 4 and all(f'<c:lang val="{tag}"/>' in x for x in charts)
    for name, xml in parts.items():
        langs = set(re.findall(r'<a:(?:rPr|defRPr|endParaRPr)[^>]*?lang="([^"]+)"', xml))
        assert langs == {tag}, (name, langs)


def test_the_pdf_axes_use_the_swedish_decimal_comma(small_demo_path, tmp_path):
    con = db.connect(small_demo_path)
    try:
        out = write_report(con, "demo", "pdf", tmp_path / "b.pdf", "sv")
    finally:
        con.close()
    text = "\n".join(pdf_text_per_page(out))
    assert not re.search(r"(?<![\d.])\d+\.\d(?![\d.])", text.replace("...", "")), "a decimal point in the Swedish PDF"


def test_the_deck_and_the_costs_page_show_the_same_money(small_demo_path):
    # Issue 31: the presentation said 243,0 Mkr and 8 months where the Costs page opened on 234,4 and 9: two
    # scenarios, neither named. Now one scenario (the study's effects), the same present value and payback.
    from analysis.present.texts import format_number
    from analysis.present.viewer_board import view_costs
    from analysis.selection import Selection

    con = db.connect(small_demo_path)
    briefing = build_briefing(con, "demo", "sv")
    money = view_costs(con, Selection("demo"), 5, 200)["money"].iloc[0]
    con.close()
    slide = briefing.slides[-1].sentences
    assert f"{format_number(money['present_value'] / 1e6, 'sv')} Mkr" in slide[0]
    assert f"{int(money['payback_month'])} månader" in slide[1]
    assert money["scenario"] == "Effects from the study, month by month"
    assert "Effekter från studien, månad för månad" in briefing.stamp.methods
