"""Type every value of the files read and check every rule, listing all problems at once (never a personnummer)."""

from __future__ import annotations

import datetime as dt

from analysis.errors import InputError
from analysis.instruments import Instrument, load_instruments
from analysis.intake.eq5d import derive_index
from analysis.intake.fileformat import FIELDS, MAX_HOURS_PLAUSIBLE, Field, fields_for, quote_identifier
from analysis.intake.problems import Problem, ProblemLog
from analysis.intake.read import Layout
from analysis.settings import get_setting
from analysis.store import db

HIDDEN = "(dolt / hidden)"


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


def _timestamp(col: str) -> str:
    """Return SQL parsing 'YYYY-MM-DD HH:MM[:SS[.f]]' (or with a 'T') to a TIMESTAMP (strptime: no regex)."""
    formats = ", ".join(
        f"'%Y-%m-%d{sep}%H:%M{rest}'" for sep in (" ", "T") for rest in ("", ":%S", ":%S.%f")
    )  # fmt: skip
    return f"try_strptime({col}, [{formats}])"


_PARSERS = {
    "timestamp": _timestamp,
    "number": _number,
    "integer": _number,
    "score": _number,
    "date": _date,
    "month": _month,
    "text": lambda c: c,
}
DAYS_PER_MONTH = 30.4375  # a visit date's distance from randomization in months
BASELINE_DAYS_BEFORE = 92  # a visit up to three months before randomization is its baseline (month 0)


def type_columns(con: db.Connection, layout: Layout, kind: str, fields: tuple[Field, ...]) -> None:
    """Create ``{kind}_typed``: row number, id, and for every field its text ``<name>_raw`` and parsed ``<name>``.

    With personnummer, ``id`` is the pseudonym (from ``_pnr_map``) and ``id_raw`` holds no number:
    NULL when empty, a marker when invalid, '' otherwise. The source table with the raw numbers is dropped.
    """
    mapping = layout.columns[kind]
    selects = [f"s.rowid + {int(layout.offsets[kind])} AS _row"]
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
            selects.append(f"CASE lower({raw}) {whens} END AS {quote_identifier(f.name)}")
        else:
            selects.append(f"{_PARSERS[f.kind](raw)} AS {quote_identifier(f.name)}")
    id_text = layout.id_sql(kind, "s")
    if layout.pseudonymised:
        selects.append("m.id AS id")
        selects.append(f"CASE WHEN {id_text} IS NULL THEN NULL WHEN m.id IS NULL THEN ? ELSE '' END AS id_raw")
        params.append(HIDDEN)
        source = f"{kind}_src s LEFT JOIN _pnr_map m ON m.raw = {id_text}"
    else:
        selects += [f"{id_text} AS id", f"{id_text} AS id_raw"]
        source = f"{kind}_src s"
    con.execute(f"CREATE TEMP TABLE {kind}_typed AS SELECT {', '.join(selects)} FROM {source}", params)
    con.execute(f"DROP TABLE {kind}_src")


def check_ids(con: db.Connection, layout: Layout, log: ProblemLog) -> None:
    """Report invalid personnummer in a personnummer id column (values never shown).

    A personnummer in a plain id column or any other column was reported when the files were read
    (``read.scan_personnummer``).
    """
    if not layout.pseudonymised:
        return
    con.execute("DROP TABLE _pnr_map")
    for kind in layout.kinds:
        log.check(con, kind, layout.columns[kind]["personnummer"], "personnummer", "id_raw = ?", [HIDDEN], value=None)


def check_fields(con: db.Connection, layout: Layout, log: ProblemLog, kind: str, fields: tuple[Field, ...]) -> None:
    """Check emptiness and format of every field of one file."""
    mapping = layout.columns[kind]
    log.check(con, kind, mapping[layout.id_kind[kind]], "empty", "id_raw IS NULL", value=None)
    for f in fields:
        if f.kind in ("id", "personnummer") or f.name not in mapping:
            continue
        column = mapping[f.name]
        q, raw = quote_identifier(f.name), f"{f.name}_raw"  # 'end' is an SQL keyword: quoted
        if f.nonempty:
            log.check(con, kind, column, "empty", f"{f.name}_raw IS NULL", value=None)
        if f.kind == "code":
            codes = ", ".join(dict.fromkeys(f.codes.values()))
            where = f"{f.name}_raw IS NOT NULL AND {q} IS NULL"
            log.check(con, kind, column, "code", where, value=f"{f.name}_raw", details={"codes": codes})
        elif f.name == "age":
            where = (
                "age_raw IS NOT NULL AND (age IS NULL OR NOT isfinite(age) OR age <> floor(age) "
                "OR age < 18 OR age > 120)"
            )
            log.check(con, kind, column, "age", where, value="age_raw")
        elif f.kind == "integer":
            where = f"{raw} IS NOT NULL AND ({q} IS NULL OR NOT isfinite({q}) OR {q} < 0 OR {q} <> floor({q}))"
            log.check(con, kind, column, "integer", where, value=f"{f.name}_raw")
        elif f.kind == "number":
            where = f"{raw} IS NOT NULL AND ({q} IS NULL OR NOT isfinite({q}) OR {q} < 0)"
            log.check(con, kind, column, "number", where, value=f"{f.name}_raw")
        elif f.kind == "score":
            where = f"{raw} IS NOT NULL AND ({q} IS NULL OR NOT isfinite({q}))"
            log.check(con, kind, column, "score", where, value=f"{f.name}_raw")
        elif f.kind in ("date", "month", "timestamp"):
            where = f"{f.name}_raw IS NOT NULL AND {q} IS NULL"
            log.check(con, kind, column, f.kind, where, value=f"{f.name}_raw")


def check_dates(con: db.Connection, layout: Layout, log: ProblemLog, data_end: dt.date | None, today: dt.date) -> None:
    """Refuse dates after today, and after the data end when one is given (a 9999-12-31 would span 8,000 years)."""
    last = min(today, data_end) if data_end is not None else today
    code = "after_data_end" if data_end is not None and data_end < today else "future_date"
    details = {"last": last.isoformat()}
    for kind in layout.kinds:
        for f in FIELDS[kind]:
            if f.kind in ("date", "month", "timestamp") and f.name in layout.columns[kind]:
                where = f"CAST({quote_identifier(f.name)} AS DATE) > ?"
                column = layout.columns[kind][f.name]
                log.check(con, kind, column, code, where, [last], value=f"{f.name}_raw", details=details)


def check_people(con: db.Connection, layout: Layout, log: ProblemLog) -> None:
    """Check the participants file: one row each, no outcome before randomization, no placement after death."""
    p_columns = layout.columns["participants"]
    p_id = p_columns[layout.id_kind["participants"]]
    id_value = None if layout.pseudonymised else "id_raw"
    con.execute(
        "CREATE TEMP TABLE _first_person AS SELECT id, min(_row) AS first FROM participants_typed "
        "WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1"
    )
    con.execute("ALTER TABLE participants_typed ADD COLUMN first_row BIGINT")
    con.execute("UPDATE participants_typed t SET first_row = f.first FROM _first_person f WHERE t.id = f.id")
    duplicate = "first_row IS NOT NULL AND _row > first_row"
    log.check(con, "participants", p_id, "duplicate_person", duplicate, value=id_value, extra=", first_row")
    for name in ("placed_on", "died_on", "followup_end"):
        if name in p_columns:
            where = f"{name} < randomized_on"
            log.check(con, "participants", p_columns[name], "before_randomization", where, value=f"{name}_raw")
    if "placed_on" in p_columns:
        where = "placed_on > died_on"
        log.check(con, "participants", p_columns["placed_on"], "placed_after_death", where, value="placed_on_raw")


def check_relations(con: db.Connection, layout: Layout, log: ProblemLog) -> None:
    """Check duplicates, unknown people, and event dates against randomization (hours or visits alike)."""
    id_value = None if layout.pseudonymised else "id_raw"
    duplicate = "first_row IS NOT NULL AND _row > first_row"
    if "participants" in layout.kinds:  # else an update's people are the study's own, checked when imported
        check_people(con, layout, log)
    con.execute(
        "CREATE TEMP TABLE _people AS SELECT DISTINCT id, date_trunc('month', randomized_on)::DATE AS m0, "
        "least(coalesce(placed_on, DATE '9999-12-31'), coalesce(died_on, DATE '9999-12-31'), "
        "coalesce(followup_end, DATE '9999-12-31')) AS exit_on FROM participants_typed WHERE id IS NOT NULL"
    )
    unknown = "id IS NOT NULL AND id NOT IN (SELECT id FROM _people)"
    if "visits" in layout.kinds:  # row by row in the visits file; months are checked once summed
        v_columns = layout.columns["visits"]
        log.check(con, "visits", v_columns[layout.id_kind["visits"]], "unknown_person", unknown, value=id_value)
        sum_visits(con, layout, log)
        kind, h_columns = "visit_months", {"month": v_columns["start"], "hours": v_columns.get("minutes") or
                                           v_columns["end"]}  # fmt: skip
    else:
        h_columns = layout.columns["hours"]
        log.check(con, "hours", h_columns[layout.id_kind["hours"]], "unknown_person", unknown, value=id_value)
        kind = "hours"
        con.execute(
            "CREATE TEMP TABLE _dup_months AS SELECT id, month, min(_row) AS first FROM hours_typed "
            "WHERE id IS NOT NULL AND month IS NOT NULL GROUP BY id, month HAVING count(*) > 1"
        )
        if con.execute("SELECT count(*) FROM _dup_months").fetchone()[0]:
            con.execute("ALTER TABLE hours_typed ADD COLUMN first_row BIGINT")
            con.execute(
                "UPDATE hours_typed t SET first_row = d.first FROM _dup_months d "
                "WHERE t.id = d.id AND t.month = d.month"
            )
            log.check(con, "hours", h_columns["month"], "duplicate_month", duplicate, value="month_raw",
                      extra=", first_row")  # fmt: skip
    log.check(con, kind, h_columns["hours"], "high_hours", "hours > ?", [MAX_HOURS_PLAUSIBLE], value="hours_raw",
              severity="warning")  # fmt: skip
    outside = con.execute(
        f"SELECT count(*) FROM {kind}_typed h JOIN _people p USING (id) WHERE h.month < p.m0 OR h.month > p.exit_on"
    ).fetchone()[0]
    if outside:
        log.add(Problem(kind, layout.files[kind], None, None, str(outside), "outside_home", "warning"))
    if kind == "visit_months":
        con.execute("CREATE TEMP TABLE hours_typed AS SELECT * FROM visit_months_typed")
        con.execute("DROP TABLE visit_months_typed")


MAX_VISIT_MINUTES = 24 * 60


def sum_visits(con: db.Connection, layout: Layout, log: ProblemLog) -> None:
    """Check visit durations and overlaps, and sum the visits into hours per person and calendar month.

    A visit counts in the calendar month of its start, all of it (one crossing midnight at a month's end too).
    Its length is ``minutes`` when the file has that column and the row a value, else end − start. A length
    below 0 or above 24 hours is an error; visits of one person that overlap in time are a warning (two staff
    at once, dubbelbemanning, is possible). Creates TEMP ``visit_months_typed``: _row (the month's first
    visit), id, month, hours, month_raw, hours_raw, id_raw.
    """
    columns = layout.columns["visits"]
    by_end = "datediff('second', start, \"end\") / 60.0"
    length = "minutes" if "end" not in columns else (f"coalesce(minutes, {by_end})" if "minutes" in columns else by_end)
    column = columns.get("minutes") or columns["end"]
    shown = "minutes_raw" if "minutes" in columns else "end_raw"
    bad = f"({length}) IS NOT NULL AND (NOT isfinite({length}) OR ({length}) < 0 OR ({length}) > ?)"
    log.check(con, "visits", column, "duration", bad, [MAX_VISIT_MINUTES], value=shown)
    usable = f"id IS NOT NULL AND start IS NOT NULL AND ({length}) BETWEEN 0 AND ?"
    overlapping = con.execute(
        f"""SELECT count(*) FROM (
               SELECT start, max(start + to_microseconds(CAST(({length}) * 60e6 AS BIGINT))) OVER (
                   PARTITION BY id ORDER BY start, _row ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ends
               FROM visits_typed WHERE {usable})
           WHERE ends > start""",
        [MAX_VISIT_MINUTES],
    ).fetchone()[0]
    if overlapping:
        log.add(Problem("visits", layout.files["visits"], None, None, str(overlapping), "overlap", "warning"))
    con.execute(
        f"""CREATE TEMP TABLE visit_months_typed AS
            SELECT min(_row) AS _row, id, date_trunc('month', start)::DATE AS month,
                   sum({length}) / 60.0 AS hours, strftime(date_trunc('month', start), '%Y-%m') AS month_raw,
                   CAST(round(sum({length}) / 60.0, 2) AS VARCHAR) AS hours_raw, any_value(id_raw) AS id_raw
            FROM visits_typed WHERE {usable} GROUP BY id, date_trunc('month', start)""",
        [MAX_VISIT_MINUTES],
    )


def check_measurements(
    con: db.Connection,
    layout: Layout,
    log: ProblemLog,
    instruments: dict[str, Instrument],
    visit_months: tuple[int, ...],
) -> None:
    """Check a measurements file: known instrument and person, value in range, one row per visit, none after death.

    Adds column ``visit`` to ``measurements_typed``: the file's visit_month, else the planned visit in
    ``visit_months`` nearest to the visit date's distance from randomization (days / 30.4375); a visit
    date up to 92 days before randomization is the baseline (month 0), an earlier one an error.
    """
    columns = layout.columns["measurements"]
    id_value = None if layout.pseudonymised else "id_raw"
    con.execute("CREATE TEMP TABLE _instruments (name VARCHAR, low DOUBLE, high DOUBLE)")
    con.executemany(
        "INSERT INTO _instruments VALUES (?, ?, ?)", [[i.name, i.low, i.high] for i in instruments.values()]
    )
    con.execute("ALTER TABLE measurements_typed ADD COLUMN name VARCHAR")
    con.execute("UPDATE measurements_typed SET name = lower(trim(instrument_raw))")
    unknown = "instrument_raw IS NOT NULL AND name NOT IN (SELECT name FROM _instruments)"
    names = ", ".join(instruments)
    log.check(con, "measurements", columns["instrument"], "instrument", unknown, value="instrument_raw",
              details={"codes": names})  # fmt: skip
    for instrument in instruments.values():
        where = "name = ? AND isfinite(value) AND (value < ? OR value > ?)"
        details = {"instrument": instrument.name, "low": f"{instrument.low:g}", "high": f"{instrument.high:g}"}
        log.check(con, "measurements", columns["value"], "score_range", where,
                  [instrument.name, instrument.low, instrument.high], value="value_raw", details=details)  # fmt: skip
    person = "id IS NOT NULL AND id NOT IN (SELECT id FROM participants_typed WHERE id IS NOT NULL)"
    log.check(con, "measurements", columns[layout.id_kind["measurements"]], "unknown_person", person, value=id_value)
    has_date = "visit_date" in columns
    con.execute("ALTER TABLE measurements_typed ADD COLUMN days INTEGER")
    con.execute("ALTER TABLE measurements_typed ADD COLUMN died_on DATE")
    if has_date:
        con.execute(
            """UPDATE measurements_typed m
               SET days = datediff('day', p.randomized_on, m.visit_date), died_on = p.died_on
               FROM (SELECT DISTINCT ON (id) id, randomized_on, died_on FROM participants_typed
                     WHERE id IS NOT NULL ORDER BY id, _row) p
               WHERE m.id = p.id"""
        )
        early = "days < ?"
        log.check(con, "measurements", columns["visit_date"], "before_inclusion", early, [-BASELINE_DAYS_BEFORE],
                  value="visit_date_raw", details={"days": BASELINE_DAYS_BEFORE})  # fmt: skip
        log.check(con, "measurements", columns["visit_date"], "after_death", "visit_date > died_on",
                  value="visit_date_raw")  # fmt: skip
    con.execute("ALTER TABLE measurements_typed ADD COLUMN visit INTEGER")
    if "visit_month" in columns:
        con.execute("UPDATE measurements_typed SET visit = CAST(visit_month AS INTEGER) WHERE isfinite(visit_month) "
                    "AND visit_month >= 0 AND visit_month = floor(visit_month) AND visit_month < 10000")  # fmt: skip
    if has_date:
        con.execute(
            """UPDATE measurements_typed m SET visit = n.planned FROM (
                   SELECT _row, arg_min(planned, abs(planned - greatest(days, 0) / ?) * 1000 + planned) AS planned
                   FROM measurements_typed, unnest(?::INTEGER[]) AS v(planned)
                   WHERE days IS NOT NULL GROUP BY _row) n
               WHERE m._row = n._row AND m.visit IS NULL""",
            [DAYS_PER_MONTH, list(visit_months)],
        )
    con.execute(
        "CREATE TEMP TABLE _dup_visits AS SELECT id, name, visit, min(_row) AS first FROM measurements_typed "
        "WHERE id IS NOT NULL AND visit IS NOT NULL AND name IS NOT NULL GROUP BY ALL HAVING count(*) > 1"
    )
    con.execute("ALTER TABLE measurements_typed ADD COLUMN first_row BIGINT")
    con.execute(
        "UPDATE measurements_typed t SET first_row = d.first FROM _dup_visits d "
        "WHERE t.id = d.id AND t.name = d.name AND t.visit = d.visit"
    )
    column = columns.get("visit_month") or columns["visit_date"]
    shown = "visit_month_raw" if "visit_month" in columns else "visit_date_raw"
    log.check(con, "measurements", column, "duplicate_visit", "first_row IS NOT NULL AND _row > first_row",
              value=shown, extra=", first_row")  # fmt: skip
    for table in ("_dup_visits", "_instruments"):
        con.execute(f"DROP TABLE {table}")


def validate_files(
    con: db.Connection,
    layout: Layout,
    log: ProblemLog,
    data_end: dt.date | None = None,
    today: dt.date | None = None,
    value_set: dict[str, float] | None = None,
    checks=None,
) -> None:
    """Type the files and check every rule; raise ImportRejected listing every error found.

    Parameters
    ----------
    con : Connection
        The connection holding ``{kind}_src`` of the files read (and ``_pnr_map`` with personnummer).
    layout : Layout
        The files' columns (from read_files).
    log : ProblemLog
        Receives every error and warning.
    data_end : date, optional
        The study's last day of data when given: no date or month may be later.
    today : date, optional
        No date or month may be later (default: today).
    value_set : dict, optional
        An EQ-5D value set (eq5d.read_value_set): the index is computed from the five dimensions.
    checks : callable, optional
        checks(con, layout, log): the study design's checks across the files (intake.design), run when every
        column was found, before the problems are raised.

    Raises
    ------
    ImportRejected
        When any error was found; warnings stay in the log.

    """
    for kind in layout.kinds:
        type_columns(con, layout, kind, fields_for(kind, layout.design))
    check_ids(con, layout, log)
    for kind in layout.kinds:
        check_fields(con, layout, log, kind, fields_for(kind, layout.design))
    check_dates(con, layout, log, data_end, today or dt.date.today())
    if not layout.complete:  # the checks across columns and files need the missing ones: list what was found
        log.raise_if_errors()
    check_relations(con, layout, log)
    if "measurements" in layout.kinds:
        check_measurements(con, layout, log, load_instruments(), visit_schedule())
        if value_set is not None:
            derive_index(con, value_set, log, layout.files["measurements"])
    if checks is not None:
        checks(con, layout, log)
    log.raise_if_errors()


def visit_schedule() -> tuple[int, ...]:
    """Return the planned visit months of the visit_months setting; raise InputError when malformed."""
    text = str(get_setting("visit_months"))
    try:
        months = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        months = ()
    if not months or months[0] < 0:
        raise InputError(
            f"Inställningen visit_months är {text!r}; månader ≥ 0 åtskilda av komman förväntades (t.ex. 0,3,6,12).",
            f"The setting visit_months is {text!r}; months ≥ 0 separated by commas were expected (e.g. 0,3,6,12).",
        )
    return months


def resolve_data_end(con: db.Connection, given: dt.date | None) -> dt.date:
    """Return the study's last data day: given, else the end of the latest hours month or latest date."""
    if given is not None:
        return given
    row = con.execute(
        """SELECT greatest(
               (SELECT last_day(max(month)) FROM hours_typed),
               (SELECT max(greatest(randomized_on, coalesce(placed_on, randomized_on),
                                    coalesce(died_on, randomized_on),
                                    coalesce(followup_end, randomized_on))) FROM participants_typed))"""
    ).fetchone()
    return row[0]


def resolve_complete_through(data_end: dt.date, given: dt.date | None, today: dt.date | None = None) -> dt.date:
    """Return the first day of the last month whose data are complete.

    Given, it may not be later than the data end's month; else it is the data end's month when the data
    end is that month's last day, and the month before otherwise (a month cut off mid-way is incomplete),
    and never a month that has not ended by ``today`` (default: today).
    """
    first = data_end.replace(day=1)
    if given is not None:
        if given.replace(day=1) > first:
            raise InputError(
                f"Komplett t.o.m. {given:%Y-%m} ligger efter datans slut {data_end.isoformat()}.",
                f"Complete through {given:%Y-%m} is after the data end {data_end.isoformat()}.",
            )
        return given.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if data_end == last and last < (today or dt.date.today()):
        return first
    return (first - dt.timedelta(days=1)).replace(day=1)
