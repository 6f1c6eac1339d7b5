"""The import file format: fields, Swedish column names, and reading CSV, Excel and Parquet as text."""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.store import db


@dataclass(frozen=True)
class Field:
    """One column of an import file: its kind, whether it must exist and be filled, and its other names."""

    name: str
    kind: str  # id, personnummer, code, date, month, number, integer, text
    required: bool
    nonempty: bool
    synonyms: tuple[str, ...] = ()
    codes: dict[str, str] = field(default_factory=dict)  # accepted spelling (lower case) -> stored code


ARM_CODES = {
    "intervention": "intervention",
    "ihr": "intervention",
    "insats": "intervention",
    "control": "control",
    "kontroll": "control",
    "ordinarie": "control",
}
SEX_CODES = {"f": "F", "k": "F", "kvinna": "F", "female": "F", "m": "M", "man": "M", "male": "M"}
APPLICATION_CODES = {"new": "new", "ny": "new", "extended": "extended", "utökad": "extended", "utokad": "extended"}

ID_FIELDS = (
    Field("person_id", "id", False, True, ("id", "löpnummer", "lopnummer", "deltagare", "studie_id")),
    Field("personnummer", "personnummer", False, True, ("pnr", "personnr", "person_nr", "samordningsnummer")),
)
PARTICIPANT_FIELDS = (
    *ID_FIELDS,
    Field("arm", "code", True, True, ("grupp", "studiearm", "group"), ARM_CODES),
    Field("randomized_on", "date", True, True, ("randomiserad", "randomiseringsdatum", "randomiserad_datum")),
    Field("age", "integer", True, True, ("ålder", "alder", "ålder_vid_randomisering")),
    Field("sex", "code", True, True, ("kön", "kon", "gender"), SEX_CODES),
    Field(
        "application_type",
        "code",
        True,
        True,
        ("ansökningstyp", "ansokningstyp", "typ_av_ansökan", "ansökan"),
        APPLICATION_CODES,
    ),
    Field("baseline_hours", "number", True, True, ("timmar_vid_start", "beviljade_timmar", "baslinjetimmar")),
    Field("placed_on", "date", True, False, ("särskilt_boende", "sabo", "flytt_till_särskilt_boende", "sabo_datum")),
    Field("died_on", "date", True, False, ("dödsdatum", "dodsdatum", "avliden", "död")),
    Field("followup_end", "date", True, False, ("uppföljning_slut", "slutdatum", "uppföljningens_slut")),
    Field("district", "text", False, False, ("distrikt", "område", "omrade", "hemtjänstområde")),
)
HOURS_FIELDS = (
    *ID_FIELDS,
    Field("month", "month", True, True, ("månad", "manad", "period")),
    Field("hours", "number", True, True, ("timmar", "utförda_timmar", "utforda_timmar", "tid")),
)
MAX_HOURS_PLAUSIBLE = 300.0  # a month has about 730 hours; above 300 is possible but flagged

FIELD_LABELS = {
    "participants": ("Deltagarfil", "Participants file"),
    "hours": ("Timfil", "Hours file"),
}


def normalize_header(name: str) -> str:
    """Return a header in comparable form: lower case, trimmed, spaces and hyphens as underscores."""
    text = unicodedata.normalize("NFC", str(name)).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def detect_mapping(columns: list[str], fields: tuple[Field, ...]) -> dict[str, str]:
    """Map field names to the file's column names by exact name or a known Swedish/English synonym."""
    by_norm = {normalize_header(c): c for c in columns}
    mapping = {}
    for f in fields:
        for candidate in (f.name, *f.synonyms):
            if normalize_header(candidate) in by_norm:
                mapping[f.name] = by_norm[normalize_header(candidate)]
                break
    return mapping


def quote_identifier(name: str) -> str:
    """Quote a column name for SQL (identifiers cannot be bound parameters)."""
    return '"' + str(name).replace('"', '""') + '"'


def _is_utf8(path: Path) -> bool:
    """Return True when the whole file decodes as UTF-8 (read in chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def _as_utf8(path: Path, label: str) -> Iterator[Path]:
    """Yield a UTF-8 version of a text file: the file itself, or a Windows-1252 file transcoded to a temp file."""
    if _is_utf8(path):
        yield path
        return
    tmp = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".csv", delete=False)  # noqa: SIM115
    try:
        with tmp, open(path, encoding="cp1252", newline="") as source:
            while chunk := source.read(1 << 22):
                tmp.write(chunk)
    except UnicodeDecodeError:
        os.unlink(tmp.name)
        raise InputError(
            f"{label}: filen är varken UTF-8 eller Windows-1252. Spara den som CSV UTF-8.",
            f"{label}: the file is neither UTF-8 nor Windows-1252. Save it as CSV UTF-8.",
        ) from None
    try:
        yield Path(tmp.name)
    finally:
        os.unlink(tmp.name)


def _read_header(path: Path, label: str) -> tuple[str, list[str]]:
    """Return the delimiter (';', ',' or tab: the most frequent in the header) and the column names."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    delimiter = max([";", ",", "\t"], key=first.count)
    columns = next(csv.reader([first], delimiter=delimiter, quotechar='"'), [])
    columns = [c.strip() for c in columns]
    if not any(columns):
        raise InputError(f"{label}: filen saknar rubrikrad.", f"{label}: the file has no header row.")
    seen = set()
    for name in columns:
        if not name or normalize_header(name) in seen:
            raise InputError(
                f"{label}: kolumnnamnet {name!r} är tomt eller förekommer två gånger i rubrikraden.",
                f"{label}: the column name {name!r} is empty or appears twice in the header row.",
            )
        seen.add(normalize_header(name))
    return delimiter, columns


def read_text_table(con: db.Connection, path: str | os.PathLike[str], table: str, label: str) -> tuple[list[str], int]:
    """Load a CSV, Excel (.xlsx) or Parquet file into TEMP table ``table`` with every value as text.

    The table keeps the file's order, so ``rowid + offset`` is the row number as a person sees it in
    the file (CSV and Excel: the header is row 1, so offset is 2; Parquet: the first record is 1).

    Parameters
    ----------
    con : Connection
        A writable connection (the temp table lives only in this connection's memory).
    path : str or Path
        The file.
    table : str
        Name of the temp table (a code constant).
    label : str
        How the file is named in messages.

    Returns
    -------
    list of str
        The file's column names.

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"{label}: filen {path.name} finns inte.", f"{label}: the file {path.name} does not exist.")
    if suffix in (".csv", ".txt"):
        _read_csv(con, path, table, label)
        offset = 2
    elif suffix == ".xlsx":
        _read_excel(con, path, table, label)
        offset = 2
    elif suffix == ".parquet":
        _read_parquet(con, path, table, label)
        offset = 1
    else:
        raise InputError(
            f"{label}: filtypen {suffix or '(ingen)'} stöds inte; använd .csv, .xlsx eller .parquet.",
            f"{label}: file type {suffix or '(none)'} is not supported; use .csv, .xlsx or .parquet.",
        )
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    return columns, offset


def _csv_error(exc: db.Error, label: str) -> InputError:
    """Turn a CSV reader error into a message naming the line, never quoting the line's content."""
    match = re.search(r"[Ll]ine:? ?(\d+)", str(exc))
    where = f" (rad {match.group(1)})" if match else ""
    where_en = f" (row {match.group(1)})" if match else ""
    return InputError(
        f"{label}: CSV-filen kunde inte läsas{where}: en rad har fel antal fält eller ett citattecken som inte "
        "stängs. Kontrollera avgränsaren och att decimaltal med komma står inom citattecken.",
        f"{label}: the CSV file could not be read{where_en}: a row has the wrong number of fields or an "
        "unclosed quote. Check the delimiter and that decimal commas are quoted.",
    )


def _read_csv(con: db.Connection, path: Path, table: str, label: str) -> None:
    """Load a CSV (comma, semicolon or tab; UTF-8 with or without BOM, or Windows-1252) as text."""
    with _as_utf8(path, label) as utf8:
        delimiter, columns = _read_header(utf8, label)
        # Columns are given, not sniffed: the sniffer can drop malformed rows silently on small files.
        try:
            con.execute(
                f"""CREATE TEMP TABLE {table} AS SELECT * FROM read_csv(?, delim = ?, header = true,
                    columns = ?, auto_detect = false, quote = '"', escape = '"', strict_mode = true,
                    null_padding = false, encoding = 'utf-8')""",
                [str(utf8), delimiter, dict.fromkeys(columns, "VARCHAR")],
            )
        except db.Error as exc:
            raise _csv_error(exc, label) from None


def _read_excel(con: db.Connection, path: Path, table: str, label: str) -> None:
    """Load the first sheet of an .xlsx file as text."""
    try:
        frame = pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception:  # openpyxl raises many types for a damaged file
        raise InputError(
            f"{label}: Excel-filen {path.name} kunde inte läsas.",
            f"{label}: the Excel file {path.name} could not be read.",
        ) from None
    frame = frame.astype(object).where(frame.notna(), None)
    con.register("_excel_frame", frame)
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM _excel_frame")
    con.unregister("_excel_frame")


def _read_parquet(con: db.Connection, path: Path, table: str, label: str) -> None:
    """Load a Parquet file with every column cast to text."""
    try:
        columns = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
        select = ", ".join(f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c)}" for c in columns)
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select} FROM read_parquet(?)", [str(path)])
    except db.Error:
        raise InputError(
            f"{label}: Parquet-filen {path.name} kunde inte läsas.",
            f"{label}: the Parquet file {path.name} could not be read.",
        ) from None


_TEMPLATE_ROWS = {
    "participants": [
        ["a001", "intervention", "2016-01-15", "72", "F", "new", "12.5", "", "", "2018-01-31", "Centrum"],
        [
            "a002",
            "control",
            "2016-01-18",
            "88",
            "M",
            "extended",
            "30",
            "2017-03-02",
            "2017-09-20",
            "2018-01-31",
            "Årby",
        ],
    ],
    "hours": [["a001", "2016-01", "14.5"], ["a001", "2016-02", "9"], ["a002", "2016-01", "31.25"]],
}


def template_csv(kind: str) -> str:
    """Return a template CSV (UTF-8, comma separated) for 'participants' or 'hours', with example rows."""
    fields = PARTICIPANT_FIELDS if kind == "participants" else HOURS_FIELDS
    header = [f.name for f in fields if f.name != "personnummer"]
    lines = [",".join(header)] + [",".join(row) for row in _TEMPLATE_ROWS[kind]]
    return "\n".join(lines) + "\n"


_PNR_LIKE = re.compile(r"^\s*(\d{2})?\d{6}[-+]?\d{4}\s*$")
MASK = "••••••••-••••"


def preview_file(con: db.Connection, path: str | os.PathLike[str], label: str, rows: int = 10) -> pd.DataFrame:
    """Return the first rows of a file as text, with personnummer (and anything shaped like one) masked."""
    read_text_table(con, path, "_preview", label)
    try:
        frame = con.execute("SELECT * FROM _preview ORDER BY rowid LIMIT ?", [rows]).df()
    finally:
        con.execute("DROP TABLE _preview")
    id_columns = {detect_mapping(list(frame.columns), ID_FIELDS).get("personnummer")}
    for column in frame.columns:
        values = frame[column].astype(str)
        if column in id_columns or values.str.match(_PNR_LIKE).any():
            frame[column] = frame[column].where(frame[column].isna(), MASK)
    return frame


def preview_upload(name: str, data: bytes, rows: int = 10) -> pd.DataFrame:
    """Return the masked preview (see preview_file) of an uploaded file's bytes, read in a private temp folder."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / Path(name).name
        target.write_bytes(data)
        con = db.scratch()
        try:
            return preview_file(con, target, target.name, rows)
        finally:
            con.close()
