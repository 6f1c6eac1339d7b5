"""Read the import files as text into TEMP tables and resolve which column holds which field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from analysis.errors import InputError
from analysis.intake.fileformat import (
    FIELD_LABELS,
    detect_mapping,
    fields_for,
    quote_identifier,
    read_text_table,
)
from analysis.intake.personnummer import shaped_personnummer
from analysis.intake.problems import Problem, ProblemLog
from analysis.intake.source import Source
from analysis.store import db

Progress = Callable[[float, str, str], None]
KINDS = ("participants", "hours", "visits", "measurements")  # the order files are read and reported in


@dataclass(frozen=True)
class Layout:
    """Where each field sits in the files just read (TEMP tables ``{kind}_src``; measurements optional)."""

    files: dict[str, str]  # kind -> file name
    columns: dict[str, dict[str, str]]  # kind -> field -> column
    id_kind: dict[str, str]  # kind -> 'person_id' or 'personnummer'
    offsets: dict[str, int]  # kind -> file row of the table's rowid 0
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> required fields not found
    design: str = "randomized"  # the study's design: which participant fields are required (fields_for)

    @property
    def complete(self) -> bool:
        """Return whether every file has every required column (else only the columns found are checked)."""
        return not any(self.missing.values())

    def id_sql(self, kind: str, alias: str = "") -> str:
        """Return the SQL of a file's trimmed id text (columns qualified by ``alias`` when given)."""
        column = (f"{alias}." if alias else "") + quote_identifier(self.columns[kind][self.id_kind[kind]])
        return f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"

    @property
    def kinds(self) -> tuple[str, ...]:
        """Return the kinds of file read, in order ('measurements' only when given)."""
        return tuple(kind for kind in KINDS if kind in self.columns)

    @property
    def pseudonymised(self) -> bool:
        """Return whether the files identify people by personnummer (to be replaced by pseudonyms)."""
        return self.id_kind[self.kinds[0]] == "personnummer"  # every file uses the first file's kind of id


def _resolve_columns(file: str, columns: list[str], fields, requested: dict[str, str] | None) -> dict[str, str]:
    """Return field -> column: the recognised names, overridden by the requested mapping."""
    mapping = detect_mapping(columns, fields)
    for name, column in (requested or {}).items():
        if name not in {f.name for f in fields}:
            raise InputError(
                f"{file}: okänt fält {name!r} i kolumnmappningen.",
                f"{file}: unknown field {name!r} in the column mapping.",
            )
        if column not in columns:
            raise InputError(
                f"{file}: kolumnen {column!r} finns inte i filen; kolumner: {', '.join(columns)}.",
                f"{file}: column {column!r} is not in the file; columns: {', '.join(columns)}.",
            )
        mapping[name] = column
    if "personnummer" in mapping and "person_id" in mapping and "personnummer" in (requested or {}):
        del mapping["person_id"]
    return mapping


def scan_personnummer(
    con: db.Connection, kind: str, file: str, offset: int, mapping: dict[str, str], id_kind: str, log: ProblemLog
) -> None:
    """Report every cell outside a personnummer id column that holds something shaped like a personnummer, masked.

    Every column of TEMP table ``{kind}_src`` is searched for every written form (10 or 12 digits in any
    script, with any dash, '+', '.', '/', spaces or nothing before the last four, a plausible date; valid
    check digit or not: a mistyped number is a person's number too), alone or inside a longer text. A
    plain ``person_id`` column holding one is reported as such (name it personnummer to pseudonymise it).
    """
    table = f"{kind}_src"
    skip = mapping.get("personnummer") if id_kind == "personnummer" else None
    for (column,) in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall():
        if column == skip:
            continue
        text = quote_identifier(column)
        six_digits = f"regexp_matches({text}, '\\p{{Nd}}{{6}}')"  # any script's digits (full-width too)
        candidates = con.execute(
            f"SELECT DISTINCT {text} FROM {table} WHERE length({text}) >= 10 AND {six_digits}"
        ).fetchall()
        found = [value for (value,) in candidates if shaped_personnummer(value)]
        if not found:
            continue
        code = "personnummer_as_id" if column == mapping.get("person_id") else "personnummer_in_column"
        where = f"{text} IN (SELECT unnest(?::VARCHAR[]))"
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", [found]).fetchone()[0]
        rows = con.execute(
            f"SELECT rowid + ?, {text} FROM {table} WHERE {where} ORDER BY rowid LIMIT ?", [offset, found, log.cap]
        ).fetchall()
        for row, value in rows:
            log.add(Problem(kind, file, int(row), column, value, code))
        log.error_total += total - len(rows)


def read_files(
    con: db.Connection,
    paths: dict[str, Source],
    mappings: dict[str, dict[str, str] | None],
    log: ProblemLog,
    progress: Progress,
    design: str = "randomized",
) -> Layout:
    """Read the files as text into TEMP tables ``{kind}_src`` and resolve their columns.

    Parameters
    ----------
    con : Connection
        A connection whose TEMP tables receive the files (they never reach a store file).
    paths : dict
        'participants', 'hours' or 'visits', and optionally 'measurements' → file path or Upload (a monthly
        update may come without participants: the study's are then in TEMP table ``participants_typed``).
    mappings : dict
        Kind → field → column, for names the automatic recognition misses.
    log : ProblemLog
        Names the files shown in messages; receives missing columns and mixed kinds of id.
    progress : callable
        Called as progress(fraction, text_sv, text_en).
    design : str
        The study's design (fileformat.DESIGNS): which participant columns are required.

    Returns
    -------
    Layout

    Raises
    ------
    ImportRejected
        When a file has no id column or the files use different kinds of id. Other missing columns are
        in ``Layout.missing`` and the log: validate_files checks the columns found, then raises with all.
    InputError
        When a file cannot be read or a requested mapping names an unknown field or column.

    """
    files = log.files
    columns, id_kind, offsets, missing = {}, {}, {}, {}
    kinds = [kind for kind in KINDS if kind in paths]
    for i, kind in enumerate(kinds):
        fields = fields_for(kind, design)
        sv, en = FIELD_LABELS[kind]
        step = 0.2 * i / len(kinds)
        progress(0.05 + step, f"Läser {sv.lower()} {files[kind]}", f"Reading {en.lower()} {files[kind]}")
        found, offsets[kind] = read_text_table(con, paths[kind], f"{kind}_src", files[kind])
        mapping = _resolve_columns(files[kind], found, fields, mappings.get(kind))
        id_kind[kind] = "personnummer" if "personnummer" in mapping else "person_id"
        columns[kind] = mapping
        lacking = _find_missing(kind, fields, mapping)
        for name, hint in lacking:
            log.add(Problem(kind, files[kind], None, name, None, "missing_column", details={"hint": hint}))
        missing[kind] = tuple(name for name, _ in lacking)
    no_id = any("person_id" in names for names in missing.values())
    mixed = [] if no_id else [kind for kind in kinds[1:] if id_kind[kinds[0]] != id_kind[kind]]
    for kind in mixed:
        column = columns[kind].get("person_id") or columns[kind].get("personnummer")
        log.add(Problem(kind, files[kind], None, column, None, "id_kind"))
    if no_id or mixed:  # without one kind of id no row can be read
        log.raise_if_errors()
    # A missing column of another field is listed with every problem of the columns found (validate_files).
    for kind in kinds:  # listed with every other problem: validation raises with them all
        scan_personnummer(con, kind, files[kind], offsets[kind], columns[kind], id_kind[kind], log)
    return Layout(files, columns, id_kind, offsets, missing, design)


def _find_missing(kind: str, fields, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """Return the required fields a file lacks, each with a hint of the names recognised for it."""
    out = [(f.name, f"{f.name} ({', '.join(f.synonyms[:3])})") for f in fields if f.required and f.name not in mapping]
    if "person_id" not in mapping and "personnummer" not in mapping:
        out.append(("person_id", "person_id / personnummer"))
    if kind == "visits" and "end" not in mapping and "minutes" not in mapping:
        out.append(("end", "end / minutes (sluttid / minuter)"))
    if kind == "measurements" and "visit_date" not in mapping and "visit_month" not in mapping:
        out.append(("visit_date", "visit_date / visit_month (besöksdatum / besöksmånad)"))
    return out
