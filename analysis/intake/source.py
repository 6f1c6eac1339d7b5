"""Import files as they arrive (a path or uploaded bytes): limits checked before parsing, read as text in memory.

Nothing read from a file is written to disk: an upload and a Windows-1252 file transcoded to UTF-8 are
handed to DuckDB through an in-memory file system (fsspec's ``memory://``), removed when reading ends.
Size, unpacked size (xlsx), rows, columns and header length are checked against the ``max_*`` settings
before a parser sees the content, so a zip bomb or a file of 100,000 columns is refused in seconds.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import stat
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import fsspec
import pandas as pd

from analysis.errors import InputError
from analysis.settings import get_setting
from analysis.store import db

_MEMORY = fsspec.filesystem("memory")  # one process-wide store; every reading gets its own folder
_CHUNK = 1 << 24
_MB = 1 << 20


@dataclass(frozen=True)
class Upload:
    """A file received as bytes (an upload on the Data page); its name gives the format."""

    name: str
    data: bytes


Source = str | os.PathLike[str] | Upload


@dataclass(frozen=True)
class Limits:
    """What an import file may be: size, unpacked xlsx size, rows, columns and header length (settings)."""

    file_mb: int
    unpacked_mb: int
    rows: int
    columns: int
    header_kb: int

    @classmethod
    def from_settings(cls) -> Limits:
        """Return the limits set by the max_file_mb, max_unpacked_mb, max_rows, max_columns, max_header_kb settings."""
        return cls(
            int(get_setting("max_file_mb")),
            int(get_setting("max_unpacked_mb")),
            int(get_setting("max_rows")),
            int(get_setting("max_columns")),
            int(get_setting("max_header_kb")),
        )


def normalize_header(name: str) -> str:
    """Return a header in comparable form: lower case, trimmed, spaces and hyphens as underscores."""
    text = unicodedata.normalize("NFC", str(name)).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def quote_identifier(name: str) -> str:
    """Quote a column name for SQL (identifiers cannot be bound parameters)."""
    return '"' + str(name).replace('"', '""') + '"'


def name_of(source: Source) -> str:
    """Return the file name a person knows the source by."""
    return Path(source.name if isinstance(source, Upload) else source).name


def _open(source: Source) -> BinaryIO:
    """Open the source's bytes for reading."""
    return io.BytesIO(source.data) if isinstance(source, Upload) else open(source, "rb")


def _size(source: Source) -> int:
    """Return the size in bytes."""
    return len(source.data) if isinstance(source, Upload) else os.stat(source).st_size


def _refuse(label: str, sv: str, en: str) -> InputError:
    """Return an InputError naming the file."""
    return InputError(f"{label}: {sv}", f"{label}: {en}")


def check_size(source: Source, label: str, limits: Limits) -> None:
    """Refuse a file larger than the max_file_mb setting, before it is opened."""
    size = _size(source)
    if size > limits.file_mb * _MB:
        raise _refuse(
            label,
            f"filen är {size / _MB:,.0f} MB; högst {limits.file_mb} MB tas emot (inställningen max_file_mb).",
            f"the file is {size / _MB:,.0f} MB; at most {limits.file_mb} MB is accepted (setting max_file_mb).",
        )


def _header_line(source: Source, label: str, limits: Limits) -> bytes:
    """Return the first line's bytes, refusing a header longer than the max_header_kb setting."""
    cap = limits.header_kb * 1024
    with _open(source) as handle:
        head = handle.read(cap + 1)
    end = head.find(b"\n")
    if end < 0 and len(head) > cap:
        raise _refuse(
            label,
            f"rubrikraden är längre än {limits.header_kb} kB (inställningen max_header_kb); är det en CSV-fil med "
            "radbrytningar?",
            f"the header row is longer than {limits.header_kb} kB (setting max_header_kb); is it a CSV file with "
            "line breaks?",
        )
    return head if end < 0 else head[:end]


@dataclass(frozen=True)
class TextFile:
    """What one pass over a CSV's bytes found: its encoding and number of lines."""

    encoding: str  # 'utf-8' or 'cp1252'
    lines: int


def _mixed_rows(source: Source) -> list[int]:
    """Return the rows that are not UTF-8 when others hold UTF-8 letters (a file of mixed encodings), else []."""
    utf8_letters, not_utf8 = False, []
    with _open(source) as handle:
        for row, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_letters = True
            except UnicodeDecodeError:
                not_utf8.append(row)
    return not_utf8 if utf8_letters else []


def inspect_text(source: Source, label: str, limits: Limits) -> TextFile:
    """Read a CSV's bytes once: refuse NUL bytes, too many rows and mixed encodings; tell UTF-8 from Windows-1252.

    Parameters
    ----------
    source : path or Upload
        The file.
    label : str
        How the file is named in messages.
    limits : Limits
        The rows limit applies to lines (a quoted line break counts as one more).

    Returns
    -------
    TextFile

    Raises
    ------
    InputError
        Naming the file and the cause.

    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines = True, 0
    with _open(source) as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                raise _refuse(
                    label,
                    "filen innehåller NUL-tecken: den är inte en textfil, eller sparad som UTF-16. Spara den som "
                    "CSV UTF-8.",
                    "the file contains NUL characters: it is not a text file, or saved as UTF-16. Save it as CSV "
                    "UTF-8.",
                )
            lines += chunk.count(b"\n")
            if lines - 1 > limits.rows:
                raise _refuse(
                    label,
                    f"filen har fler än {limits.rows:,} rader (inställningen max_rows).",
                    f"the file has more than {limits.rows:,} rows (setting max_rows).",
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return TextFile("utf-8", lines)
    mixed = _mixed_rows(source)
    if mixed:
        shown = ", ".join(str(r) for r in mixed[:10]) + (" …" if len(mixed) > 10 else "")
        raise _refuse(
            label,
            f"filen blandar teckenkodningar: de flesta rader är UTF-8 men rad {shown} är det inte (troligen "
            "Windows-1252). Spara hela filen som CSV UTF-8.",
            f"the file mixes encodings: most rows are UTF-8 but row {shown} is not (probably Windows-1252). "
            "Save the whole file as CSV UTF-8.",
        )
    return TextFile("cp1252", lines)


@contextmanager
def _in_memory(con: db.Connection, name: str, data: bytes) -> Iterator[str]:
    """Yield a ``memory://`` path DuckDB reads ``data`` from; the bytes are dropped on every exit."""
    folder = f"/ihr-{uuid.uuid4().hex}"
    path = f"{folder}/{Path(name).name}"
    _MEMORY.pipe(path, data)
    db.use_file_system(con, _MEMORY)
    try:
        yield f"memory://{path}"
    finally:
        _MEMORY.rm(folder, recursive=True)


@contextmanager
def readable(con: db.Connection, source: Source, label: str, encoding: str = "binary") -> Iterator[str]:
    """Yield a path DuckDB can read the source from, as UTF-8 when ``encoding`` is 'cp1252', never a file on disk."""
    if encoding == "cp1252":
        with _open(source) as handle:
            raw = handle.read()
        try:
            data = raw.decode("cp1252").encode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(
                label,
                "filen är varken UTF-8 eller Windows-1252. Spara den som CSV UTF-8.",
                "the file is neither UTF-8 nor Windows-1252. Save it as CSV UTF-8.",
            ) from None
        del raw
        with _in_memory(con, name_of(source), data) as path:
            yield path
    elif isinstance(source, Upload):
        with _in_memory(con, source.name, source.data) as path:
            yield path
    else:
        yield str(source)


def _check_columns(label: str, columns: list[str], limits: Limits) -> list[str]:
    """Return trimmed column names; refuse too many, an empty one or one appearing twice."""
    if len(columns) > limits.columns:
        raise _refuse(
            label,
            f"filen har {len(columns):,} kolumner; högst {limits.columns} tas emot (inställningen max_columns).",
            f"the file has {len(columns):,} columns; at most {limits.columns} are accepted (setting max_columns).",
        )
    columns = ["" if c is None else str(c).strip() for c in columns]
    if not any(columns):
        raise _refuse(label, "filen saknar rubrikrad.", "the file has no header row.")
    seen = set()
    for name in columns:
        if not name or normalize_header(name) in seen:
            raise _refuse(
                label,
                f"kolumnnamnet {name!r} är tomt eller förekommer två gånger i rubrikraden.",
                f"the column name {name!r} is empty or appears twice in the header row.",
            )
        seen.add(normalize_header(name))
    return columns


def describe_not_a_file(path: Path) -> tuple[str, str]:
    """Say what a path that is not a regular file is (missing, a folder, a pipe, a device), in Swedish and English.

    Nothing is opened: reading a named pipe would wait forever and a device such as /dev/zero never ends.
    """
    name = path.name or str(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        return f"filen {name} finns inte.", f"the file {name} does not exist."
    kinds = (
        (stat.S_ISDIR, "en mapp, inte en fil", "a folder, not a file"),
        (stat.S_ISFIFO, "en namngiven pipe (FIFO), inte en fil", "a named pipe (FIFO), not a file"),
        (stat.S_ISCHR, "en enhet (teckenenhet), inte en fil", "a device (character device), not a file"),
        (stat.S_ISBLK, "en enhet (blockenhet), inte en fil", "a device (block device), not a file"),
        (stat.S_ISSOCK, "en socket, inte en fil", "a socket, not a file"),
    )
    sv, en = next(((sv, en) for test, sv, en in kinds if test(mode)), ("inte en vanlig fil", "not a regular file"))
    return (
        f"{name} är {sv}; välj en CSV-, Excel- eller Parquet-fil.",
        f"{name} is {en}; choose a CSV, Excel or Parquet file.",
    )


def _read_error(exc: Exception, label: str, kind: str) -> InputError:
    """Turn a reader's error into a message naming the file and cause, never quoting the file's content."""
    if isinstance(exc, MemoryError | db.OutOfMemory):
        return _refuse(
            label,
            "filen kräver mer minne än datorn har. Dela upp den, eller kör importen på en dator med mer minne.",
            "the file needs more memory than this computer has. Split it, or run the import on a computer with "
            "more memory.",
        )
    too_long = re.search(r"[Mm]aximum line size of (\d+) bytes exceeded\. Actual Size: ?(\d+)", str(exc))
    if kind == "csv" and too_long:
        line = re.search(r"[Ll]ine:? ?(\d+)", str(exc))
        row_sv, row_en = (f"rad {line.group(1)}", f"row {line.group(1)}") if line else ("en rad", "a row")
        size, most = int(too_long.group(2)) / _MB, int(too_long.group(1)) / _MB
        return _refuse(
            label,
            f"{row_sv} är {size:.1f}".replace(".", ",") + f" MB lång; högst {most:.0f} MB per rad tas emot. En cell "
            "är troligen för stor (en hel text inklistrad i en cell?). Korta den eller ta bort raden.",
            f"{row_en} is {size:.1f} MB long; at most {most:.0f} MB per row is accepted. A cell is probably too "
            "large (a whole text pasted into one cell?). Shorten it or remove the row.",
        )
    if kind == "csv" and isinstance(exc, db.BadInput):
        match = re.search(r"[Ll]ine:? ?(\d+)", str(exc))
        where = f" (rad {match.group(1)})" if match else ""
        where_en = f" (row {match.group(1)})" if match else ""
        return _refuse(
            label,
            f"CSV-filen kunde inte läsas{where}: en rad har fel antal fält eller ett citattecken som inte stängs. "
            "Kontrollera avgränsaren och att decimaltal med komma står inom citattecken.",
            f"the CSV file could not be read{where_en}: a row has the wrong number of fields or an unclosed "
            "quote. Check the delimiter and that decimal commas are quoted.",
        )
    if kind == "csv":
        return _refuse(
            label,
            f"CSV-filen kunde inte läsas ({type(exc).__name__}).",
            f"the CSV file could not be read ({type(exc).__name__}).",
        )
    names = {"xlsx": ("Excel", "Excel"), "parquet": ("Parquet", "Parquet")}[kind]
    return _refuse(
        label,
        f"{names[0]}-filen kunde inte läsas: den är skadad eller inte en {names[0]}-fil ({type(exc).__name__}).",
        f"the {names[1]} file could not be read: it is damaged or not an {names[1]} file ({type(exc).__name__}).",
    )


def _first_lines(source: Source, count: int) -> bytes:
    """Return the bytes of the first ``count`` lines."""
    lines = []
    with _open(source) as handle:
        for line in handle:
            lines.append(line)
            if len(lines) == count:
                break
    return b"".join(lines)


def _read_csv(con: db.Connection, source: Source, table: str, label: str, limits: Limits, limit: int | None) -> None:
    """Load a CSV (comma, semicolon or tab; UTF-8 with or without BOM, or Windows-1252) as text."""
    text = inspect_text(source, label, limits)
    first = _header_line(source, label, limits).decode(text.encoding).lstrip("\ufeff").rstrip("\r")
    delimiter = max([";", ",", "\t"], key=first.count)
    columns = _check_columns(label, next(csv.reader([first], delimiter=delimiter, quotechar='"'), []), limits)
    if limit is not None:
        source = Upload(name_of(source), _first_lines(source, limit + 1))  # a preview parses what it shows
    with readable(con, source, label, text.encoding) as path:
        # Columns are given, not sniffed: the sniffer can drop malformed rows silently on small files.
        try:
            con.execute(
                f"""CREATE TEMP TABLE {table} AS SELECT * FROM read_csv(?, delim = ?, header = true,
                    columns = ?, auto_detect = false, quote = '"', escape = '"', strict_mode = true,
                    null_padding = false, encoding = 'utf-8') LIMIT ?""",
                [path, delimiter, dict.fromkeys(columns, "VARCHAR"), _no_limit(limit)],
            )
        except db.Error as exc:
            raise _read_error(exc, label, "csv") from None


def _check_unpacked(source: Source, label: str, limits: Limits) -> None:
    """Refuse an xlsx whose parts unpack to more than the max_unpacked_mb setting (a zip bomb), before parsing."""
    try:
        with _open(source) as handle, zipfile.ZipFile(handle) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _read_error(exc, label, "xlsx") from None
    if unpacked > limits.unpacked_mb * _MB:
        raise _refuse(
            label,
            f"Excel-filen packas upp till {unpacked / _MB:,.0f} MB; högst {limits.unpacked_mb} MB tas emot "
            "(inställningen max_unpacked_mb). Spara stora filer som CSV.",
            f"the Excel file unpacks to {unpacked / _MB:,.0f} MB; at most {limits.unpacked_mb} MB is accepted "
            "(setting max_unpacked_mb). Save large files as CSV.",
        )


def _cell_text(value: object) -> str | None:
    """Return an Excel cell as the text a person sees (dates as YYYY-MM-DD, with the time when there is one)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_excel(con: db.Connection, source: Source, table: str, label: str, limits: Limits, limit: int | None) -> None:
    """Load the first sheet of an .xlsx file as text, refusing duplicate headers and too many rows or columns."""
    import openpyxl  # imported when an Excel file arrives

    _check_unpacked(source, label, limits)
    try:
        with _open(source) as handle:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                rows = sheet.iter_rows(values_only=True)
                header = next(rows, None)
                if header is None:
                    raise _refuse(label, "Excel-filens första blad är tomt.", "the Excel file's first sheet is empty.")
                while header and header[-1] is None:
                    header = header[:-1]  # trailing empty cells of a formatted row
                columns = _check_columns(label, list(header), limits)
                width = len(columns)
                values: list[list[str | None]] = [[] for _ in columns]
                for count, row in enumerate(rows, start=1):
                    if limit is not None and count > limit:
                        break
                    if count > limits.rows:
                        raise _refuse(
                            label,
                            f"filen har fler än {limits.rows:,} rader (inställningen max_rows).",
                            f"the file has more than {limits.rows:,} rows (setting max_rows).",
                        )
                    if all(v is None for v in row):
                        continue
                    cells = list(row[:width]) + [None] * (width - len(row))
                    for target, value in zip(values, cells, strict=True):
                        target.append(_cell_text(value))
            finally:
                book.close()
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _read_error(exc, label, "xlsx") from None
    frame = pd.DataFrame(dict(zip(columns, values, strict=True)), dtype=object)
    con.register("_excel_frame", frame)
    try:
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM _excel_frame")
    finally:
        con.unregister("_excel_frame")


def _read_parquet(
    con: db.Connection, source: Source, table: str, label: str, limits: Limits, limit: int | None
) -> None:
    """Load a Parquet file with every column cast to text, refusing duplicate names and too many rows or columns."""
    import pyarrow.parquet as pq  # imported when a Parquet file arrives

    try:
        with _open(source) as handle:
            meta = pq.ParquetFile(handle).metadata
            names, rows = list(meta.schema.to_arrow_schema().names), meta.num_rows
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _read_error(exc, label, "parquet") from None
    columns = _check_columns(label, names, limits)
    if rows > limits.rows:
        raise _refuse(
            label,
            f"filen har {rows:,} rader; högst {limits.rows:,} tas emot (inställningen max_rows).",
            f"the file has {rows:,} rows; at most {limits.rows:,} are accepted (setting max_rows).",
        )
    with readable(con, source, label) as path:
        try:
            found = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()]
            select = ", ".join(
                f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(name)}"
                for c, name in zip(found, columns, strict=True)
            )
            con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT {select} FROM read_parquet(?) LIMIT ?", [path, _no_limit(limit)]
            )
        except (db.Error, ValueError) as exc:
            raise _read_error(exc, label, "parquet") from None


def _no_limit(limit: int | None) -> int:
    """Return a SQL LIMIT that keeps ``limit`` rows, or every row when None."""
    return (1 << 62) if limit is None else int(limit)


_READERS = {".csv": _read_csv, ".txt": _read_csv, ".xlsx": _read_excel, ".parquet": _read_parquet}


def read_text_table(
    con: db.Connection,
    source: Source,
    table: str,
    label: str,
    limits: Limits | None = None,
    limit: int | None = None,
) -> tuple[list[str], int]:
    """Load a CSV, Excel (.xlsx) or Parquet file into TEMP table ``table`` with every value as text.

    The table keeps the file's order, so ``rowid + offset`` is the row number as a person sees it in
    the file (CSV and Excel: the header is row 1, so offset is 2; Parquet: the first record is 1).

    Parameters
    ----------
    con : Connection
        A writable connection (the temp table lives only in this connection's memory).
    source : str, Path or Upload
        The file, on disk or as uploaded bytes.
    table : str
        Name of the temp table (a code constant).
    label : str
        How the file is named in messages.
    limits : Limits, optional
        Default: from the settings.
    limit : int, optional
        Parse only the first ``limit`` rows (a preview); the limits are checked on the whole file.

    Returns
    -------
    tuple
        The file's column names, and the offset from rowid to the file's row number.

    Raises
    ------
    InputError
        Naming the file and the cause: missing, unsupported type, over a limit, unreadable.

    """
    limits = limits or Limits.from_settings()
    suffix = Path(name_of(source)).suffix.lower()
    if not isinstance(source, Upload) and not Path(source).is_file():
        raise _refuse(label, *describe_not_a_file(Path(source)))
    if suffix not in _READERS:
        raise _refuse(
            label,
            f"filtypen {suffix or '(ingen)'} stöds inte; använd .csv, .xlsx eller .parquet.",
            f"file type {suffix or '(none)'} is not supported; use .csv, .xlsx or .parquet.",
        )
    check_size(source, label, limits)
    _READERS[suffix](con, source, table, label, limits, limit)
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    return columns, 1 if suffix == ".parquet" else 2
