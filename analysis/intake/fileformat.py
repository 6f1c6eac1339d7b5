"""The import file format: fields, Swedish column names, and reading CSV, Excel and Parquet as text."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from analysis.errors import MASK, shaped_personnummer
from analysis.intake.source import Source, Upload, normalize_header, quote_identifier, read_text_table
from analysis.selection import DESIGNS
from analysis.store import db

__all__ = ["DESIGNS", "MASK", "normalize_header", "quote_identifier", "read_text_table"]


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
    Field(
        "randomized_on",
        "date",
        True,
        True,
        ("randomiserad", "randomiseringsdatum", "randomiserad_datum", "startdatum", "start_datum", "inskrivningsdatum"),
    ),
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
MEASUREMENT_FIELDS = (
    *ID_FIELDS,
    Field("visit_date", "date", False, True, ("besöksdatum", "besoksdatum", "mätdatum", "matdatum", "datum")),
    Field("visit_month", "integer", False, True, ("besöksmånad", "besoksmanad", "tidpunkt", "timepoint", "besök")),
    Field("instrument", "text", True, True, ("mått", "matt", "skala", "measure", "formulär")),
    Field("value", "score", True, True, ("värde", "varde", "poäng", "poang", "score")),
)
VISIT_FIELDS = (
    *ID_FIELDS,
    Field("start", "timestamp", True, True, ("starttid", "start_tid", "besök_start", "besok_start", "från", "fran")),
    Field("end", "timestamp", False, True, ("sluttid", "slut_tid", "besök_slut", "besok_slut", "till", "slut")),
    Field("minutes", "number", False, True, ("minuter", "tid_minuter", "utförd_tid", "utford_tid", "varaktighet")),
    Field("service", "text", False, False, ("insats", "insatstyp", "tjänst", "tjanst", "service_type")),
    Field("unit", "text", False, False, ("enhet", "grupp", "hemtjänstgrupp", "hemtjanstgrupp", "utförare")),
)
MAX_HOURS_PLAUSIBLE = 300.0  # a month has about 730 hours; above 300 is possible but flagged

FIELDS = {
    "participants": PARTICIPANT_FIELDS,
    "hours": HOURS_FIELDS,
    "visits": VISIT_FIELDS,
    "measurements": MEASUREMENT_FIELDS,
}

ADOPTION_FIELDS = (
    Field(
        "area", "text", True, True, ("område", "omrade", "hemtjänstområde", "hemtjanstomrade", "distrikt", "district")
    ),
    Field(
        "adopted_on",
        "date",
        True,
        False,
        ("införd", "infört", "införandedatum", "inforandedatum", "infördes", "startdatum", "adopted"),
    ),
)  # empty adopted_on: an area that never adopted (a comparison area)


def fields_for(kind: str, design: str = "randomized") -> tuple[Field, ...]:
    """Return a file's fields for a study design: no group column in a roll-out or single group; areas in a roll-out.

    Parameters
    ----------
    kind : str
        'participants', 'hours', 'visits' or 'measurements'.
    design : str
        One of DESIGNS. In a staged roll-out a person's group is the area (district, required) and its
        adoption date; in a single-group follow-up everyone had the service. The group column may then be
        left out (a value given is ignored in a roll-out and must be 'intervention' in a single group).

    Returns
    -------
    tuple of Field

    """
    if design not in DESIGNS:
        raise ValueError(f"fields_for: unknown design {design!r}")
    fields = FIELDS[kind]
    if kind != "participants" or design in ("randomized", "comparison_group"):
        return fields
    loose = {"arm": {"required": False, "nonempty": False}}
    if design == "rollout":
        loose["district"] = {"required": True, "nonempty": True}
    return tuple(replace(f, **loose[f.name]) if f.name in loose else f for f in fields)


FIELD_LABELS = {
    "adoption": ("Införandefil", "Adoption file"),
    "participants": ("Deltagarfil", "Participants file"),
    "hours": ("Timfil", "Hours file"),
    "visits": ("Besöksfil", "Visits file"),
    "visit_months": ("Besöksfil (summerad per månad)", "Visits file (summed per month)"),
    "measurements": ("Mätfil", "Measurements file"),
}


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
    "visits": [
        ["a001", "2016-01-15 08:30", "2016-01-15 09:15", "Personlig omvårdnad", "Centrum"],
        ["a001", "2016-01-15 17:00", "2016-01-15 17:30", "Service", "Centrum"],
        ["a002", "2016-01-18 10:00", "2016-01-18 11:00", "Personlig omvårdnad", "Årby"],
    ],
    "measurements": [
        ["a001", "2016-01-12", "eq5d_index", "0.62"],
        ["a001", "2016-04-14", "eq5d_index", "0.71"],
        ["a002", "2016-01-18", "adl_katz", "4"],
    ],
}


def template_csv(kind: str) -> str:
    """Return a template CSV (UTF-8, comma separated) for a kind of file (FIELDS), with example rows."""
    fields = FIELDS[kind]
    skip = {"personnummer", "visit_month", "minutes"}  # a date or a visit_month; an end or the minutes
    header = [f.name for f in fields if f.name not in skip]
    lines = [",".join(header)] + [",".join(row) for row in _TEMPLATE_ROWS[kind]]
    return "\n".join(lines) + "\n"


def preview_file(con: db.Connection, source: Source, label: str, rows: int = 10) -> pd.DataFrame:
    """Return the first rows of a file as text, with personnummer (and anything shaped like one) masked.

    The whole file passes the limits and the encoding check before it is parsed (see ``source``).
    """
    read_text_table(con, source, "_preview", label, limit=rows)
    try:
        frame = con.execute("SELECT * FROM _preview ORDER BY rowid LIMIT ?", [rows]).df()
    finally:
        con.execute("DROP TABLE _preview")
    id_columns = {detect_mapping(list(frame.columns), ID_FIELDS).get("personnummer")}
    for column in frame.columns:
        values = frame[column].astype(str)
        if column in id_columns or values.map(lambda v: bool(shaped_personnummer(v))).any():
            frame[column] = frame[column].where(frame[column].isna(), MASK)
    return frame


def preview_upload(name: str, data: bytes, rows: int = 10) -> pd.DataFrame:
    """Return the masked preview (see preview_file) of an uploaded file's bytes, read in memory."""
    con = db.scratch()
    try:
        return preview_file(con, Upload(name, data), name, rows)
    finally:
        con.close()
