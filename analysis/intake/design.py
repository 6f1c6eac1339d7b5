"""A study's design at import (issue 33): the adoption file of a staged roll-out, and each design's own checks.

A staged roll-out needs, besides the participants (whose district is their area) and their hours, an
adoption file: one row per area with the date it adopted the new way of working; an empty date is an area
that never adopted (a comparison area). Every area of the participants must be listed; the dates must lie
within the data (from the first month of hours to the data end); each area once. Problems are listed like
those of the other files (file, row, column, value, expected) and nothing is written while any remains.
"""

from __future__ import annotations

import datetime as dt

from analysis.errors import InputError
from analysis.intake.fileformat import ADOPTION_FIELDS, DESIGNS, quote_identifier
from analysis.intake.problems import Problem, ProblemLog
from analysis.intake.read import _resolve_columns
from analysis.intake.source import Source, read_text_table
from analysis.intake.validate import _date
from analysis.store import db


def check_design(design: str, adoption: Source | None) -> str:
    """Return the design when known and the adoption file is given exactly for a roll-out; else raise InputError."""
    if design not in DESIGNS:
        raise InputError(
            f"Designen {design!r} finns inte; välj en av {', '.join(DESIGNS)}.",
            f"The design {design!r} does not exist; choose one of {', '.join(DESIGNS)}.",
        )
    if (design == "rollout") != (adoption is not None):
        raise InputError(
            "Ett införande i steg (rollout) behöver en införandefil (område, införd), och bara det.",
            "A staged roll-out (rollout) needs an adoption file (area, adopted_on), and only it does.",
        )
    return design


def read_adoption(con: db.Connection, source: Source, log: ProblemLog) -> dict[str, str]:
    """Read the adoption file into TEMP table ``adoption_typed`` (area, adopted_on), list its own problems.

    Returns the file's column of each field found.
    """
    file = log.files["adoption"]
    found, offset = read_text_table(con, source, "adoption_src", file)
    mapping = _resolve_columns(file, found, ADOPTION_FIELDS, None)
    for f in ADOPTION_FIELDS:
        if f.name not in mapping:
            hint = f"{f.name} ({', '.join(f.synonyms[:3])})"
            log.add(Problem("adoption", file, None, f.name, None, "missing_column", details={"hint": hint}))
    if "area" not in mapping:
        log.raise_if_errors()
    area = f"NULLIF(trim(CAST({quote_identifier(mapping['area'])} AS VARCHAR)), '')"
    when = mapping.get("adopted_on")
    raw = "NULL::VARCHAR" if when is None else f"NULLIF(trim(CAST({quote_identifier(when)} AS VARCHAR)), '')"
    con.execute(
        f"""CREATE TEMP TABLE adoption_typed AS SELECT rowid + {int(offset)} AS _row, {area} AS area_raw,
            {area} AS area, {raw} AS adopted_on_raw, {_date(raw)} AS adopted_on FROM adoption_src"""
    )
    con.execute("DROP TABLE adoption_src")
    column = mapping["area"]
    log.check(con, "adoption", column, "empty", "area_raw IS NULL", value=None)
    con.execute(
        "CREATE TEMP TABLE _first_area AS SELECT area, min(_row) AS first FROM adoption_typed "
        "WHERE area IS NOT NULL GROUP BY area HAVING count(*) > 1"
    )
    con.execute("ALTER TABLE adoption_typed ADD COLUMN first_row BIGINT")
    con.execute("UPDATE adoption_typed t SET first_row = f.first FROM _first_area f WHERE t.area = f.area")
    con.execute("DROP TABLE _first_area")
    log.check(con, "adoption", column, "duplicate_area", "first_row IS NOT NULL AND _row > first_row",
              value="area_raw", extra=", first_row")  # fmt: skip
    if when is not None:
        log.check(con, "adoption", when, "date", "adopted_on_raw IS NOT NULL AND adopted_on IS NULL",
                  value="adopted_on_raw")  # fmt: skip
    return mapping


def check_adoption(con: db.Connection, log: ProblemLog, data_end: dt.date, district: str, columns: dict) -> None:
    """Check the adoption file against the study: dates within the data, every participant's area listed.

    ``district``: the participants file's area column; ``columns``: the adoption file's (read_adoption).
    """
    if "adopted_on" not in columns:
        return
    first = con.execute("SELECT min(month) FROM hours_typed").fetchone()[0]
    first = first or data_end.replace(day=1)
    where = "adopted_on IS NOT NULL AND (adopted_on < ? OR adopted_on > ?)"
    details = {"first": f"{first:%Y-%m-%d}", "last": data_end.isoformat()}
    log.check(con, "adoption", columns["adopted_on"], "adoption_outside", where, [first, data_end],
              value="adopted_on_raw", details=details)  # fmt: skip
    known = "SELECT area FROM adoption_typed WHERE area IS NOT NULL"
    log.check(con, "participants", district, "unknown_area",
              f"district_raw IS NOT NULL AND district_raw NOT IN ({known})", value="district_raw")  # fmt: skip


def check_single_group(con: db.Connection, log: ProblemLog, column: str) -> None:
    """Refuse a control group in a single-group follow-up (everyone had the service); ``column``: the arm's."""
    log.check(con, "participants", column, "single_group_control", "arm = 'control'", value="arm_raw")


def assign_design_arms(con: db.Connection, study: str, design: str, layout, log: ProblemLog) -> None:
    """Give an update's participants the group their study's design gives them (a roll-out: their area's).

    A roll-out's areas are those imported with it (``area_adoptions``): a person of another area is a
    problem (a new area, or a changed adoption date, is a new import). A single group is all 'intervention'.
    """
    columns = layout.columns["participants"]
    if design == "rollout":
        known = "SELECT area FROM area_adoptions WHERE study = ?"
        log.check(con, "participants", columns.get("district", "district"), "unknown_area",
                  f"district_raw IS NULL OR district_raw NOT IN ({known})", [study], value="district_raw")  # fmt: skip
        adopted = f"{known} AND adopted_on IS NOT NULL"
        con.execute(f"UPDATE participants_typed SET arm = CASE WHEN district_raw IN ({adopted}) "
                    "THEN 'intervention' ELSE 'control' END", [study])  # fmt: skip
    elif design == "single_group":
        if "arm" in columns:
            check_single_group(con, log, columns["arm"])
        con.execute("UPDATE participants_typed SET arm = 'intervention'")


def write_adoption(con: db.Connection, study: str) -> None:
    """Write the checked adoption dates into the study's file."""
    con.execute("INSERT INTO area_adoptions SELECT ?, area, adopted_on FROM adoption_typed", [study])
    con.execute("DROP TABLE adoption_typed")
