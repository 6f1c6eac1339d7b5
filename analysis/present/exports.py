"""Exports of tables (CSV, Excel) and charts (PNG, SVG), each carrying its stamp."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import html
import io
import numbers
import os
import shutil
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.errors import UserFacingError
from analysis.present.stamp import Stamp
from analysis.present.texts import format_number, t

IMAGE_FORMATS = ("png", "svg")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class ExportError(UserFacingError):
    """An export could not be made; the message says what to install or change."""


SEPARATORS = {"sv": ",\u00a0", "en": ".,"}  # Plotly's decimal and thousands separators per language
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet may read such a text cell as a formula


@dataclass(frozen=True)
class Figure:
    """One column of an exported table: its header, its values (numbers at full precision, or labels) and format.

    ``number_format`` is an Excel format code ('#,##0.0'); Excel shows it with the reader's own separators
    (a Swedish Excel writes 1 234,5). None marks a text column.
    """

    header: str
    values: Sequence
    number_format: str | None = None


def number_format(decimals: int) -> str:
    """Return the Excel format code for a number with thousands grouping and ``decimals`` decimals."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


P_FORMAT = "0.000"
COUNT = number_format(0)


def estimate_figures(header: str, estimate, low, high, lang: str, decimals: int = 1) -> list[Figure]:
    """Return three figures: an estimate and its 95% CI's ends, as numbers (NaN where hidden)."""
    code = number_format(decimals)
    return [
        Figure(header, list(estimate), code),
        Figure(f"{header} – {t('export.ci_low', lang)}", list(low), code),
        Figure(f"{header} – {t('export.ci_high', lang)}", list(high), code),
    ]


def figure_table(figures: list[Figure]) -> pd.DataFrame:
    """Return the figures as a table of numbers (text for labels) that carries each column's Excel format."""
    columns = {}
    for f in figures:
        values = pd.Series(list(f.values), dtype=object)
        columns[f.header] = pd.to_numeric(values, errors="coerce") if f.number_format else values
    frame = pd.DataFrame(columns)
    frame.attrs["number_formats"] = {f.header: f.number_format for f in figures if f.number_format}
    return frame


def neutralize_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy where text cells that a spreadsheet could run as a formula start with an apostrophe.

    OWASP's advice for CSV injection: a district named ``=HYPERLINK(...)`` must reach Excel as text. Numbers
    (numeric columns) are left as they are; text such as '-3.2' gets the apostrophe too, which Excel shows.
    """
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    out.columns = [f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c for c in out.columns]
    return out


def table_to_html(table: pd.DataFrame, lang: str, label: str | None = None) -> str:
    """Return a table as one accessible HTML table: its columns as column headers, its index as row headers.

    A static table drawn this way is one element in the browser, where ``st.table`` draws a markdown
    component per cell (issue 34: the overview's two headline tables were about 80 of them; the demo's page
    settled after a filter change in 0.80-0.91 s with them, 0.41-0.63 s without, on one machine). Text is
    escaped; a number is written in the language's format (texts.format_number) and a missing value as '..';
    the class ``ihr-table`` is styled by the app (dashboard.py).

    Parameters
    ----------
    table : DataFrame
        The table as shown: a row per figure, its label in the index.
    lang : {'sv', 'en'}
        Language of the numbers' format.
    label : str, optional
        What the table holds, for screen readers (``aria-label``).

    Returns
    -------
    str

    """

    def cell(value) -> str:
        if isinstance(value, str):
            return html.escape(value)
        if value is None or value is pd.NA or value is pd.NaT:
            return ".."
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return format_number(int(value), lang, 0)
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return format_number(float(value), lang)
        return html.escape(str(value))

    named = f' aria-label="{html.escape(label)}"' if label else ""
    corner = "<td></td>" if table.index.name is None else f'<th scope="col">{cell(table.index.name)}</th>'
    head = "".join(f'<th scope="col">{cell(c)}</th>' for c in table.columns)
    rows = "".join(
        f'<tr><th scope="row">{cell(name)}</th>' + "".join(f"<td>{cell(v)}</td>" for v in values) + "</tr>"
        for name, values in zip(table.index, table.itertuples(index=False, name=None))
    )
    return f'<table class="ihr-table"{named}><thead><tr>{corner}{head}</tr></thead><tbody>{rows}</tbody></table>'


def table_to_csv(table: pd.DataFrame, stamp: Stamp, lang: str) -> bytes:
    """Return a table as UTF-8 CSV (with BOM, for Excel) headed by the stamp as '#' comment lines.

    Parameters
    ----------
    table : DataFrame
        The table as shown (hidden cells already '..').
    stamp : Stamp
        Where the figures come from.
    lang : {'sv', 'en'}
        Language of the stamp's labels.

    Returns
    -------
    bytes
        Read back with ``pandas.read_csv(..., comment='#')``.

    """
    lines = list(stamp.lines(lang))
    if table.attrs.get("number_formats"):
        lines.append((t("export.numbers", lang), t("export.numbers_note", lang)))
    header = "".join(f"# {label}: {value}\n" for label, value in lines)
    return (header + neutralize_formulas(table).to_csv(index=False)).encode("utf-8-sig")


def table_to_excel(table: pd.DataFrame, stamp: Stamp, lang: str) -> bytes:
    """Return a table as an .xlsx workbook: the table on one sheet, the stamp on a second and under the table.

    Parameters
    ----------
    table : DataFrame
        The table as shown.
    stamp : Stamp
        Where the figures come from.
    lang : {'sv', 'en'}
        Language of the sheet names and labels.

    Returns
    -------
    bytes

    """
    buffer = io.BytesIO()
    lines = list(stamp.lines(lang))
    formats = table.attrs.get("number_formats", {})
    if formats:
        lines.append((t("export.numbers", lang), t("export.numbers_note", lang)))
    source = neutralize_formulas(pd.DataFrame(lines, columns=["label", "value"]))
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralize_formulas(table).to_excel(writer, sheet_name=t("export.sheet", lang), index=False)
        sheet = writer.sheets[t("export.sheet", lang)]
        for index, column in enumerate(table.columns, start=1):
            code = formats.get(column)
            if code:
                for row in range(2, len(table) + 2):
                    sheet.cell(row=row, column=index).number_format = code
            widest = max([len(str(column))] + [len(_shown(v, code)) for v in table[column]])
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(60, widest + 2)
        text = stamp.text(lang)
        sheet.cell(row=len(table) + 3, column=1, value=f"'{text}" if text.startswith(FORMULA_STARTS) else text)
        source.to_excel(writer, sheet_name=t("export.source_sheet", lang), index=False, header=False)
        writer.sheets[t("export.source_sheet", lang)].column_dimensions["A"].width = 22
        writer.sheets[t("export.source_sheet", lang)].column_dimensions["B"].width = 100
    return buffer.getvalue()


def _shown(value, code: str | None) -> str:
    """Return a cell about as wide as Excel shows it (for the column width)."""
    if code and isinstance(value, int | float | np.number) and value == value:
        decimals = len(code.split(".")[1]) if "." in code else 0
        return f"{value:,.{decimals}f}"
    return "" if value is None or value != value else str(value)


def find_browser() -> str | None:
    """Return the path of a Chrome or Chromium that Kaleido can use, or None."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and shutil.which(configured):
        return shutil.which(configured)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def stamp_figure(figure: go.Figure, stamp: Stamp, lang: str) -> go.Figure:
    """Return a copy of a figure with the stamp written under the plot (the original is left as it is)."""
    out = go.Figure(copy.deepcopy(figure.to_dict()))
    text = "<br>".join(textwrap.wrap(stamp.text(lang), 140))
    lines = text.count("<br>") + 1
    margin = out.layout.margin
    bottom = (margin.b if margin and margin.b is not None else 80) + 14 * lines + 20
    out.update_layout(margin={"b": bottom}, width=out.layout.width or 1000, height=(out.layout.height or 500) + 60)
    out.update_layout(separators=SEPARATORS[lang])  # 1 234,5 in Swedish, 1,234.5 in English
    out.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-bottom + 8,
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        font={"size": 10, "color": "#444444"},
    )
    return out


def figure_to_image(figure: go.Figure, fmt: str, stamp: Stamp, lang: str) -> bytes:
    """Return a chart as PNG or SVG bytes with its stamp, drawn by Kaleido in a headless Chromium.

    Parameters
    ----------
    figure : plotly Figure
        The chart as shown.
    fmt : {'png', 'svg'}
        Image format.
    stamp : Stamp
        Where the figures come from.
    lang : {'sv', 'en'}
        Language of the stamp.

    Returns
    -------
    bytes

    Raises
    ------
    ExportError
        When the format is unknown or no Chrome/Chromium is installed.

    """
    if fmt not in IMAGE_FORMATS:
        raise ExportError(
            f"Okänt bildformat {fmt!r}; välj png eller svg.", f"Unknown image format {fmt!r}; use png or svg."
        )
    browser = find_browser()
    if browser is None:
        raise ExportError(t("export.no_browser", "sv"), t("export.no_browser", "en"))
    os.environ.setdefault("BROWSER_PATH", browser)
    stamped = stamp_figure(figure, stamp, lang)
    opts = {
        "format": fmt,
        "width": stamped.layout.width,
        "height": stamped.layout.height,
        "scale": 2 if fmt == "png" else 1,
    }
    return RENDERER.render(stamped.to_dict(), opts)


class ChartRenderer:
    """One headless Chromium (Kaleido) kept open for chart images, shared by every caller, one image at a time.

    Starting Chromium costs about 3 s; a kept browser draws the next image in about 0.25 s. Kaleido's own
    ``start_sync_server`` is not safe for two threads (two Streamlit sessions could receive each other's image),
    so calls go through a lock here, each with a time limit; a failed call closes the browser and the next one
    starts a new one.
    """

    def __init__(self, timeout_s: float = 60.0) -> None:
        """Prepare an unstarted renderer; the browser starts at the first image."""
        self._lock = threading.Lock()
        self._timeout_s = timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        atexit.register(self.close)

    def render(self, figure: dict, opts: dict) -> bytes:
        """Return the image bytes of a figure dictionary with Kaleido's options (format, width, height, scale)."""
        with self._lock:
            try:
                if self._kaleido is None:
                    self._start()
                job = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(figure, opts=opts), self._loop)
                return job.result(self._timeout_s)
            except Exception as error:
                self._close_unlocked()
                raise ExportError(
                    f"Diagrammet kunde inte ritas som bild ({type(error).__name__}); försök igen.",
                    f"The chart could not be drawn as an image ({type(error).__name__}); try again.",
                ) from error

    def _start(self) -> None:
        """Start the event loop thread and open Kaleido's browser in it."""
        import kaleido  # imported when the first image is asked for

        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="chart-images", daemon=True).start()
        self._loop = loop

        async def open_browser():
            browser = kaleido.Kaleido(n=1, timeout=self._timeout_s)
            await browser.open()
            return browser

        self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(self._timeout_s)

    def close(self) -> None:
        """Close the browser and stop its thread (at exit, or to start afresh)."""
        with self._lock:
            self._close_unlocked()

    def _close_unlocked(self) -> None:
        """Close the browser and the loop; the caller holds the lock."""
        loop, browser = self._loop, self._kaleido
        self._loop = self._kaleido = None
        if loop is None:
            return
        if browser is not None:
            with contextlib.suppress(Exception):  # a browser that died cannot be closed; the loop still stops
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)


RENDERER = ChartRenderer()


GAP_MARKS = "gap_marks"  # legend group of the '..' marks where a chart leaves a hidden figure out


def tabulate_figure(figure: go.Figure) -> pd.DataFrame:
    """Return the values a chart draws, one row per point: series, x, y and error-bar ends (low, high).

    Traces without a legend entry (such as shaded CI ribbons) and the '..' marks of hidden points (their
    points are rows of their own series, shown as '..') are left out. Used as the chart's text alternative
    where the page has no table of its own.
    """
    rows = []
    for trace in figure.data:
        if trace.showlegend is False or trace.name is None or trace.legendgroup == GAP_MARKS:
            continue
        xs = list(trace.x) if trace.x is not None else []
        ys = list(trace.y) if trace.y is not None else []
        error = trace.error_y if getattr(trace, "error_y", None) and trace.error_y.array is not None else None
        error_x = trace.error_x if getattr(trace, "error_x", None) and trace.error_x.array is not None else None
        for i, (x, y) in enumerate(zip(xs, ys, strict=False)):
            row = {"series": trace.name, "x": x, "y": y}
            if error is not None:
                row["low"] = y - error.arrayminus[i] if error.arrayminus is not None else y - error.array[i]
                row["high"] = y + error.array[i]
            if error_x is not None:
                row["low"] = x - error_x.arrayminus[i] if error_x.arrayminus is not None else x - error_x.array[i]
                row["high"] = x + error_x.array[i]
            rows.append(row)
    return pd.DataFrame(rows)
