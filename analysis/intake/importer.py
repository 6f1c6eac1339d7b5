"""Import a study from participants and hours files: validate everything, pseudonymise, all or nothing.

Follows validate → preprocess → write: both files are read as text into temporary in-memory tables,
every rule is checked and every problem listed at once; only a clean pair of files replaces the study,
and it does so by building a new store file and swapping it in (see ``db.write_store``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import InputError, UserFacingError
from analysis.intake.fileformat import (
    FIELD_LABELS,
    HOURS_FIELDS,
    MAX_HOURS_PLAUSIBLE,
    PARTICIPANT_FIELDS,
    Field,
    detect_mapping,
    quote_identifier,
    read_text_table,
)
from analysis.intake.personnummer import normalize_personnummer
from analysis.intake.pseudonym import load_or_create_key, pseudonymize
from analysis.settings import get_setting
from analysis.store import db

HIDDEN = "(dolt / hidden)"
Progress = Callable[[float, str, str], None]

# What each problem expects, in Swedish and English.
EXPECTED: dict[str, tuple[str, str]] = {
    "missing_column": ("kolumnen saknas: {hint}", "the column is missing: {hint}"),
    "empty": ("ett värde krävs", "a value is required"),
    "code": ("ett av: {codes}", "one of: {codes}"),
    "date": ("ett datum ÅÅÅÅ-MM-DD", "a date YYYY-MM-DD"),
    "month": ("en månad ÅÅÅÅ-MM", "a month YYYY-MM"),
    "number": ("ett tal ≥ 0 (decimalkomma eller decimalpunkt)", "a number ≥ 0 (decimal comma or point)"),
    "age": ("ett heltal 18–120", "a whole number 18–120"),
    "duplicate_person": (
        "en rad per person; personen finns redan på rad {first}",
        "one row per person; already on row {first}",
    ),
    "duplicate_month": (
        "en rad per person och månad; finns redan på rad {first}",
        "one row per person and month; already on row {first}",
    ),
    "unknown_person": ("en person som finns i deltagarfilen", "a person present in the participants file"),
    "before_randomization": ("ett datum på eller efter randomiseringen", "a date on or after randomization"),
    "placed_after_death": ("flytt till särskilt boende före dödsdatum", "a move into a nursing home before death"),
    "personnummer": (
        "ett giltigt personnummer eller samordningsnummer (10 eller 12 siffror, rätt kontrollsiffra)",
        "a valid personnummer or samordningsnummer (10 or 12 digits, correct check digit)",
    ),
    "personnummer_as_id": (
        "ett studie-id; värdet ser ut som ett personnummer: döp kolumnen till personnummer så att det pseudonymiseras",
        "a study id; the value looks like a personnummer: name the column personnummer so it is pseudonymised",
    ),
    "id_kind": (
        "samma slags id i båda filerna (person_id i båda eller personnummer i båda)",
        "the same kind of id in both files (person_id in both or personnummer in both)",
    ),
    "high_hours": (
        f"högst {MAX_HOURS_PLAUSIBLE:.0f} timmar i månaden är vanligt; möjligt men kontrollera",
        f"at most {MAX_HOURS_PLAUSIBLE:.0f} hours a month is usual; possible, but check",
    ),
    "outside_home": (
        "timmar i månader före randomiseringen eller efter att personen lämnat hemmet/uppföljningen räknas inte",
        "hours in months before randomization or after the person left home or follow-up are not counted",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One problem found in an import file; value is never a personnummer."""

    kind: str  # participants or hours
    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    severity: str = "error"  # or "warning"
    details: dict = field(default_factory=dict)

    def expected(self, lang: str = "sv") -> str:
        """Return what was expected, in the requested language."""
        sv, en = EXPECTED[self.code]
        return (en if lang == "en" else sv).format(**self.details)

    def message(self, lang: str = "sv") -> str:
        """Return a one-line description: file, row, column, value and what was expected."""
        sv, en = FIELD_LABELS[self.kind]
        parts = [f"{en if lang == 'en' else sv} {self.file}"]
        if self.row is not None:
            parts.append(f"{'row' if lang == 'en' else 'rad'} {self.row}")
        if self.column is not None:
            parts.append(f"{'column' if lang == 'en' else 'kolumn'} {self.column!r}")
        if self.value is not None:
            parts.append(f"{'value' if lang == 'en' else 'värde'} {self.value!r}")
        label = "expected" if lang == "en" else "förväntat"
        if self.code in ("high_hours", "outside_home"):
            label = "note" if lang == "en" else "obs"
        return ", ".join(parts) + f": {label} {self.expected(lang)}"


class ImportRejected(UserFacingError):  # noqa: N818 - named for what the user reads
    """The files have errors; nothing was written. ``problems`` lists up to max_problems of ``total``."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        self.problems = sorted(problems, key=lambda p: (p.kind != "participants", p.row or 0))
        self.total = total
        shown = len(problems)
        super().__init__(
            f"Importen avvisades: {total} problem ({shown} visas). Databasen är oförändrad.",
            f"The import was rejected: {total} problems ({shown} shown). The database is unchanged.",
        )


@dataclass(frozen=True)
class ImportSummary:
    """What an import loaded."""

    study: str
    people: dict[str, int]
    first_month: dt.date | None
    last_month: dt.date | None
    hours_rows: int
    total_hours: float
    data_end: dt.date
    pseudonymised: bool
    warnings: list[Problem]
    warnings_total: int

    def to_dict(self) -> dict:
        """Return a JSON-ready form."""
        return {
            "study": self.study,
            "people": self.people,
            "first_month": None if self.first_month is None else self.first_month.strftime("%Y-%m"),
            "last_month": None if self.last_month is None else self.last_month.strftime("%Y-%m"),
            "hours_rows": self.hours_rows,
            "total_hours": self.total_hours,
            "data_end": self.data_end.isoformat(),
            "pseudonymised": self.pseudonymised,
            "warnings_total": self.warnings_total,
            "warnings": [w.message("en") for w in self.warnings],
        }


def _number(col: str) -> str:
    """Return SQL parsing text to a number, accepting decimal comma and spaces as thousands separators.

    Non-finite results ('nan', 'inf') are rejected by the checks, not here.
    """
    return f"TRY_CAST(replace(replace(replace({col}, ' ', ''), chr(160), ''), ',', '.') AS DOUBLE)"


def _date(col: str) -> str:
    """Return SQL parsing YYYY-MM-DD (optionally with a midnight time, as Excel writes dates) to a DATE."""
    pattern = "'\\d{4}-\\d{2}-\\d{2}( 00:00:00)?'"
    return f"CASE WHEN regexp_full_match({col}, {pattern}) THEN TRY_CAST(left({col}, 10) AS DATE) END"


def _month(col: str) -> str:
    """Return SQL parsing YYYY-MM (or a date, taking its month) to the first day of the month."""
    return (
        f"CASE WHEN regexp_full_match({col}, '\\d{{4}}-\\d{{2}}') THEN TRY_CAST({col} || '-01' AS DATE) "
        f"ELSE date_trunc('month', {_date(col)})::DATE END"
    )


_PARSERS = {"number": _number, "integer": _number, "date": _date, "month": _month, "text": lambda c: c}


class _Run:
    """One import: state shared by the validation steps (temporary tables live on ``con``)."""

    def __init__(self, con, study, paths, mappings, key_file, data_end, progress):
        self.con = con
        self.study = study
        self.paths = paths
        self.mappings = mappings
        self.key_file = key_file
        self.data_end = data_end
        self.progress = progress or (lambda *_: None)
        self.cap = int(get_setting("max_problems"))
        self.errors: list[Problem] = []
        self.error_total = 0
        self.warnings: list[Problem] = []
        self.warning_total = 0
        self.files = {kind: Path(p).name for kind, p in paths.items()}
        self.id_kind: dict[str, str] = {}
        self.columns: dict[str, dict[str, str]] = {}
        self.offsets: dict[str, int] = {}

    # -- collecting problems -------------------------------------------------------------------
    def add(self, problem: Problem, count: int = 1) -> None:
        """Record a problem standing for ``count`` rows; list it while fewer than ``cap`` are listed."""
        listed = self.warnings if problem.severity == "warning" else self.errors
        if problem.severity == "warning":
            self.warning_total += count
        else:
            self.error_total += count
        if len(listed) < self.cap:
            listed.append(problem)

    def check(
        self,
        kind: str,
        column: str | None,
        code: str,
        where: str,
        params=(),
        value="raw",
        severity="error",
        details=None,
        extra: str = "",
    ) -> None:
        """Count rows of ``{kind}_typed`` matching ``where``; list the first ones as problems."""
        table = f"{kind}_typed"
        total = self.con.execute(f"SELECT count(*) FROM {table} WHERE {where}", list(params)).fetchone()[0]
        if not total:
            return
        value_sql = "NULL" if value is None else value
        rows = self.con.execute(
            f"SELECT _row, {value_sql} {extra} FROM {table} WHERE {where} ORDER BY _row LIMIT ?", [*params, self.cap]
        ).fetchall()
        for row in rows:
            more = dict(details or {}) | ({"first": row[2]} if extra else {})
            shown = None if row[1] is None else str(row[1])[:60]
            self.add(Problem(kind, self.files[kind], int(row[0]), column, shown, code, severity, more))
        unlisted = total - len(rows)
        if severity == "warning":
            self.warning_total += unlisted
        else:
            self.error_total += unlisted

    # -- steps ---------------------------------------------------------------------------------
    def read(self) -> None:
        """Read both files as text and resolve their column mappings."""
        for i, (kind, fields) in enumerate((("participants", PARTICIPANT_FIELDS), ("hours", HOURS_FIELDS))):
            sv, en = FIELD_LABELS[kind]
            self.progress(
                0.05 + 0.15 * i, f"Läser {sv.lower()} {self.files[kind]}", f"Reading {en.lower()} {self.files[kind]}"
            )
            columns, self.offsets[kind] = read_text_table(self.con, self.paths[kind], f"{kind}_src", self.files[kind])
            mapping = detect_mapping(columns, fields)
            for name, column in (self.mappings.get(kind) or {}).items():
                if name not in {f.name for f in fields}:
                    raise InputError(
                        f"{self.files[kind]}: okänt fält {name!r} i kolumnmappningen.",
                        f"{self.files[kind]}: unknown field {name!r} in the column mapping.",
                    )
                if column not in columns:
                    raise InputError(
                        f"{self.files[kind]}: kolumnen {column!r} finns inte i filen; kolumner: {', '.join(columns)}.",
                        f"{self.files[kind]}: column {column!r} is not in the file; columns: {', '.join(columns)}.",
                    )
                mapping[name] = column
            if (
                "personnummer" in mapping
                and "person_id" in mapping
                and "personnummer" in (self.mappings.get(kind) or {})
            ):
                del mapping["person_id"]
            self.id_kind[kind] = "personnummer" if "personnummer" in mapping else "person_id"
            self.columns[kind] = mapping
            for f in fields:
                if f.required and f.name not in mapping:
                    hint = f"{f.name} ({', '.join(f.synonyms[:3])})"
                    self.add(
                        Problem(kind, self.files[kind], None, f.name, None, "missing_column", details={"hint": hint})
                    )
            if "person_id" not in mapping and "personnummer" not in mapping:
                hint = "person_id / personnummer"
                self.add(
                    Problem(kind, self.files[kind], None, "person_id", None, "missing_column", details={"hint": hint})
                )
        if self.error_total == 0 and self.id_kind["participants"] != self.id_kind["hours"]:
            column = self.columns["hours"].get("person_id") or self.columns["hours"].get("personnummer")
            self.add(Problem("hours", self.files["hours"], None, column, None, "id_kind"))
        if self.error_total:
            raise ImportRejected(self.errors, self.error_total)

    def _id_sql(self, kind: str, alias: str = "") -> str:
        """Return the SQL of a file's trimmed id text (columns qualified by ``alias`` when given)."""
        column = (f"{alias}." if alias else "") + quote_identifier(self.columns[kind][self.id_kind[kind]])
        return f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"

    def map_personnummer(self) -> bool:
        """Build TEMP table _pnr_map (raw number -> keyed pseudonym) when the files use personnummer."""
        if self.id_kind["participants"] != "personnummer":
            return False
        distinct = self.con.execute(
            f"SELECT {self._id_sql('participants')} AS raw FROM participants_src "
            f"UNION SELECT {self._id_sql('hours')} FROM hours_src"
        ).fetchall()
        raw = [v for (v,) in distinct if v is not None]
        normalized = [normalize_personnummer(v) for v in raw]
        valid = [(r, n) for r, n in zip(raw, normalized, strict=True) if n is not None]
        key = load_or_create_key(self.key_file)
        mapping = pd.DataFrame(
            {"raw": [r for r, _ in valid], "id": pseudonymize([n for _, n in valid], key)}, dtype=object
        )
        self.con.register("_pnr_frame", mapping)
        self.con.execute("CREATE TEMP TABLE _pnr_map AS SELECT * FROM _pnr_frame")
        self.con.unregister("_pnr_frame")
        del mapping, raw, normalized, valid, distinct
        return True

    def type_columns(self, kind: str, fields: tuple[Field, ...]) -> None:
        """Create ``{kind}_typed``: row number, id, and for every field its text ``<name>_raw`` and parsed ``<name>``.

        With personnummer, ``id`` is the pseudonym and ``id_raw`` holds no number: NULL when empty,
        a marker when invalid, '' otherwise. The source table with the raw numbers is dropped.
        """
        mapping = self.columns[kind]
        selects = [f"s.rowid + {int(self.offsets[kind])} AS _row"]
        params: list = []
        for f in fields:
            if f.kind in ("id", "personnummer"):
                continue
            raw = (
                f"NULLIF(trim(CAST(s.{quote_identifier(mapping[f.name])} AS VARCHAR)), '')"
                if f.name in mapping
                else "NULL::VARCHAR"
            )
            selects.append(f"{raw} AS {f.name}_raw")
            if f.kind == "code":
                whens = " ".join("WHEN ? THEN ?" for _ in f.codes)
                for spelling, code in f.codes.items():
                    params += [spelling, code]
                selects.append(f"CASE lower({raw}) {whens} END AS {f.name}")
            else:
                selects.append(f"{_PARSERS[f.kind](raw)} AS {f.name}")
        id_text = self._id_sql(kind, "s")
        if self.pseudonymised:
            selects.append("m.id AS id")
            selects.append(f"CASE WHEN {id_text} IS NULL THEN NULL WHEN m.id IS NULL THEN ? ELSE '' END AS id_raw")
            params.append(HIDDEN)
            source = f"{kind}_src s LEFT JOIN _pnr_map m ON m.raw = {id_text}"
        else:
            selects += [f"{id_text} AS id", f"{id_text} AS id_raw"]
            source = f"{kind}_src s"
        self.con.execute(f"CREATE TEMP TABLE {kind}_typed AS SELECT {', '.join(selects)} FROM {source}", params)
        self.con.execute(f"DROP TABLE {kind}_src")

    def check_ids(self) -> None:
        """Report invalid personnummer, or personnummer sitting in a plain id column (values never shown)."""
        if self.pseudonymised:
            self.con.execute("DROP TABLE _pnr_map")
            for kind in ("participants", "hours"):
                self.check(kind, self.columns[kind]["personnummer"], "personnummer", "id_raw = ?", [HIDDEN], value=None)
            return
        candidates = self.con.execute(
            "SELECT DISTINCT id_raw FROM participants_typed "
            "WHERE regexp_full_match(id_raw, '(\\d{2})?\\d{6}[-+]?\\d{4}')"
        ).fetchall()
        bad = [v for (v,) in candidates if normalize_personnummer(v) is not None]
        if bad:
            self.con.execute("CREATE TEMP TABLE _bad_ids AS SELECT unnest(?::VARCHAR[]) AS id_raw", [bad])
            self.check(
                "participants",
                self.columns["participants"]["person_id"],
                "personnummer_as_id",
                "id_raw IN (SELECT id_raw FROM _bad_ids)",
                value=None,
            )

    def check_fields(self, kind: str, fields: tuple[Field, ...]) -> None:
        """Check emptiness and format of every field of one file."""
        mapping = self.columns[kind]
        id_column = mapping[self.id_kind[kind]]
        self.check(kind, id_column, "empty", "id_raw IS NULL", value=None)
        for f in fields:
            if f.kind in ("id", "personnummer") or f.name not in mapping:
                continue
            column = mapping[f.name]
            if f.nonempty:
                self.check(kind, column, "empty", f"{f.name}_raw IS NULL", value=None)
            if f.kind == "code":
                codes = ", ".join(dict.fromkeys(f.codes.values()))
                self.check(
                    kind,
                    column,
                    "code",
                    f"{f.name}_raw IS NOT NULL AND {f.name} IS NULL",
                    value=f"{f.name}_raw",
                    details={"codes": codes},
                )
            elif f.name == "age":
                self.check(
                    kind,
                    column,
                    "age",
                    "age_raw IS NOT NULL AND (age IS NULL OR NOT isfinite(age) OR age <> floor(age) "
                    "OR age < 18 OR age > 120)",
                    value="age_raw",
                )
            elif f.kind in ("number", "integer"):
                self.check(
                    kind,
                    column,
                    "number",
                    f"{f.name}_raw IS NOT NULL AND ({f.name} IS NULL OR NOT isfinite({f.name}) OR {f.name} < 0)",
                    value=f"{f.name}_raw",
                )
            elif f.kind in ("date", "month"):
                self.check(
                    kind, column, f.kind, f"{f.name}_raw IS NOT NULL AND {f.name} IS NULL", value=f"{f.name}_raw"
                )

    def check_relations(self) -> None:
        """Check duplicates, unknown people, and event dates against randomization."""
        p_id = self.columns["participants"][self.id_kind["participants"]]
        h_id = self.columns["hours"][self.id_kind["hours"]]
        id_value = None if self.id_kind["participants"] == "personnummer" else "id_raw"
        self.con.execute(
            "CREATE TEMP TABLE _first_person AS SELECT id, min(_row) AS first FROM participants_typed "
            "WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1"
        )
        self.con.execute("ALTER TABLE participants_typed ADD COLUMN first_row BIGINT")
        self.con.execute("UPDATE participants_typed t SET first_row = f.first FROM _first_person f WHERE t.id = f.id")
        self.check(
            "participants",
            p_id,
            "duplicate_person",
            "first_row IS NOT NULL AND _row > first_row",
            value=id_value,
            extra=", first_row",
        )
        for name in ("placed_on", "died_on", "followup_end"):
            if name in self.columns["participants"]:
                self.check(
                    "participants",
                    self.columns["participants"][name],
                    "before_randomization",
                    f"{name} < randomized_on",
                    value=f"{name}_raw",
                )
        if "placed_on" in self.columns["participants"]:
            self.check(
                "participants",
                self.columns["participants"]["placed_on"],
                "placed_after_death",
                "placed_on > died_on",
                value="placed_on_raw",
            )
        self.con.execute(
            "CREATE TEMP TABLE _people AS SELECT DISTINCT id, date_trunc('month', randomized_on)::DATE AS m0, "
            "least(coalesce(placed_on, DATE '9999-12-31'), coalesce(died_on, DATE '9999-12-31'), "
            "coalesce(followup_end, DATE '9999-12-31')) AS exit_on FROM participants_typed WHERE id IS NOT NULL"
        )
        self.check(
            "hours", h_id, "unknown_person", "id IS NOT NULL AND id NOT IN (SELECT id FROM _people)", value=id_value
        )
        self.con.execute(
            "CREATE TEMP TABLE _dup_months AS SELECT id, month, min(_row) AS first FROM hours_typed "
            "WHERE id IS NOT NULL AND month IS NOT NULL GROUP BY id, month HAVING count(*) > 1"
        )
        if self.con.execute("SELECT count(*) FROM _dup_months").fetchone()[0]:
            self.con.execute("ALTER TABLE hours_typed ADD COLUMN first_row BIGINT")
            self.con.execute(
                "UPDATE hours_typed t SET first_row = d.first FROM _dup_months d "
                "WHERE t.id = d.id AND t.month = d.month"
            )
            self.check(
                "hours",
                self.columns["hours"]["month"],
                "duplicate_month",
                "first_row IS NOT NULL AND _row > first_row",
                value="month_raw",
                extra=", first_row",
            )
        self.check(
            "hours",
            self.columns["hours"]["hours"],
            "high_hours",
            "hours > ?",
            [MAX_HOURS_PLAUSIBLE],
            value="hours_raw",
            severity="warning",
        )
        outside = self.con.execute(
            "SELECT count(*) FROM hours_typed h JOIN _people p USING (id) WHERE h.month < p.m0 OR h.month > p.exit_on"
        ).fetchone()[0]
        if outside:
            self.add(Problem("hours", self.files["hours"], None, None, str(outside), "outside_home", "warning"))

    def resolve_data_end(self) -> dt.date:
        """Return the study's last data day: given, else the end of the latest hours month or latest date."""
        if self.data_end is not None:
            return self.data_end
        row = self.con.execute(
            """SELECT greatest(
                   (SELECT last_day(max(month)) FROM hours_typed),
                   (SELECT max(greatest(randomized_on, coalesce(placed_on, randomized_on),
                                        coalesce(died_on, randomized_on),
                                        coalesce(followup_end, randomized_on))) FROM participants_typed))"""
        ).fetchone()
        return row[0]

    def prepare(self, con: db.Connection) -> None:
        """Read, type, pseudonymise and check; raise ImportRejected listing every error found."""
        self.con = con
        self.read()
        self.progress(0.3, "Pseudonymiserar och tolkar värden", "Pseudonymising and parsing values")
        self.pseudonymised = self.map_personnummer()
        self.type_columns("participants", PARTICIPANT_FIELDS)
        self.type_columns("hours", HOURS_FIELDS)
        self.progress(0.45, "Kontrollerar", "Checking")
        self.check_ids()
        self.check_fields("participants", PARTICIPANT_FIELDS)
        self.check_fields("hours", HOURS_FIELDS)
        self.check_relations()
        if self.error_total:
            raise ImportRejected(self.errors, self.error_total)
        self.resolved_end = self.resolve_data_end()

    def fill(self, con: db.Connection) -> None:
        """Replace the study with the checked rows and rebuild its aggregates."""
        self.progress(0.6, "Skriver studien", "Writing the study")
        db.delete_study(con, self.study)
        con.execute(
            "INSERT INTO studies VALUES (?, ?, ?, FALSE, ?, now())",
            [self.study, self.study, self.study, self.resolved_end],
        )
        con.execute(
            """INSERT INTO participants SELECT ?, id, arm, randomized_on, age::INTEGER, sex, application_type,
               baseline_hours, placed_on, died_on, followup_end, district_raw FROM participants_typed""",
            [self.study],
        )
        con.execute("INSERT INTO hours SELECT ?, id, month, hours FROM hours_typed", [self.study])
        self.progress(0.8, "Beräknar sammanställningar", "Computing aggregates")
        db.build_aggregates(con, self.study)
        people = dict(con.execute("SELECT arm, count(*) FROM participants_typed GROUP BY arm ORDER BY arm").fetchall())
        first, last, rows, total = con.execute(
            "SELECT min(month), max(month), count(*), coalesce(sum(hours), 0) FROM hours_typed"
        ).fetchone()
        self.summary = ImportSummary(
            self.study,
            people,
            first,
            last,
            int(rows),
            float(total),
            self.resolved_end,
            self.pseudonymised,
            self.warnings,
            self.warning_total,
        )
        for table in ("participants_typed", "hours_typed"):
            con.execute(f"DROP TABLE {table}")


def import_study(
    db_path: str | os.PathLike[str],
    study: str,
    participants: str | os.PathLike[str],
    hours: str | os.PathLike[str],
    *,
    participants_mapping: dict[str, str] | None = None,
    hours_mapping: dict[str, str] | None = None,
    key_file: str | os.PathLike[str] | None = None,
    data_end: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate two files and, only if they are clean, replace ``study`` in the store at ``db_path``.

    Parameters
    ----------
    db_path : str or Path
        The store; created when missing. Other studies in it are kept.
    study : str
        Name of the study to create or replace.
    participants, hours : str or Path
        The files (.csv, .xlsx or .parquet); see the README for their columns.
    participants_mapping, hours_mapping : dict, optional
        Field name → column name, for layouts the automatic Swedish/English names do not cover.
    key_file : str or Path, optional
        The pseudonymisation key (default: the pseudonym_key_path setting); created on first use.
    data_end : date, optional
        Last day of data, where people without followup_end stop being followed (default: end of the
        latest hours month, or the latest date in the participants file if later).
    progress : callable, optional
        Called as progress(fraction, text_sv, text_en).

    Returns
    -------
    ImportSummary

    Raises
    ------
    ImportRejected
        With every problem found (up to the max_problems setting); the store is unchanged.
    InputError
        When a file cannot be read at all.

    """
    name = str(study).strip()
    if not name or len(name) > 64:
        raise InputError("Studiens namn måste ha 1–64 tecken.", "The study name must have 1–64 characters.")
    run = _Run(
        None,
        name,
        {"participants": participants, "hours": hours},
        {"participants": participants_mapping, "hours": hours_mapping},
        key_file,
        data_end,
        progress,
    )
    db.write_store(db_path, run.fill, prepare=run.prepare)
    run.progress(1.0, "Klart", "Done")
    return run.summary
