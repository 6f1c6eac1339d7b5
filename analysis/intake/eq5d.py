"""EQ-5D index from the five dimension responses, with a value set the user supplies (none is built in).

A value set file is a CSV with columns ``term`` and ``decrement``: ``constant`` (subtracted when any
dimension is above level 1) and one row per dimension and level above 1, named ``MO2`` … ``AD5`` (MO
mobility, SC self-care, UA usual activities, PD pain/discomfort, AD anxiety/depression). The index is
1 − constant − Σ decrement(dimension, level): the additive form most published value sets take. Terms of
other forms (such as an N3 interaction) are refused, not ignored, because the index would be wrong.
"""

from __future__ import annotations

import math

from analysis.errors import InputError
from analysis.intake.problems import Problem, ProblemLog
from analysis.intake.source import Source, name_of, read_text_table
from analysis.store import db

DIMENSIONS = ("mo", "sc", "ua", "pd", "ad")
INSTRUMENTS = tuple(f"eq5d_{d}" for d in DIMENSIONS)
TERMS = ("constant", *(f"{d.upper()}{level}" for d in DIMENSIONS for level in range(2, 6)))


def read_value_set(con: db.Connection, source: Source) -> dict[str, float]:
    """Read a value set file: term → decrement; raise InputError naming file, row, column and value.

    Parameters
    ----------
    con : Connection
        A connection for reading the file (a TEMP table, dropped again).
    source : str, Path or Upload
        The CSV (or xlsx/parquet) with columns term and decrement.

    Returns
    -------
    dict
        Upper-case term ('constant' lower case) → decrement.

    """
    name = name_of(source)
    columns, offset = read_text_table(con, source, "_value_set", name)
    try:
        lower = {c.strip().lower(): c for c in columns}
        if "term" not in lower or "decrement" not in lower:
            raise InputError(
                f"Värdemängden {name}: kolumnerna term och decrement krävs; filen har {', '.join(columns)}.",
                f"The value set {name}: the columns term and decrement are required; the file has "
                f"{', '.join(columns)}.",
            )
        rows = con.execute(
            f'SELECT rowid + ?, trim("{lower["term"]}"), trim("{lower["decrement"]}") FROM _value_set ORDER BY rowid',
            [offset],
        ).fetchall()
    finally:
        con.execute("DROP TABLE _value_set")
    out: dict[str, float] = {}
    for row, term, text in rows:
        key = "constant" if (term or "").lower() == "constant" else (term or "").upper()
        if key not in TERMS:
            raise InputError(
                f"Värdemängden {name}, rad {row}, kolumn term, värde {term!r}: förväntat constant eller MO2–AD5 "
                "(bara additiva värdemängder stöds).",
                f"The value set {name}, row {row}, column term, value {term!r}: expected constant or MO2–AD5 "
                "(only additive value sets are supported).",
            )
        try:
            value = float((text or "").replace(",", "."))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or key in out:
            raise InputError(
                f"Värdemängden {name}, rad {row}, kolumn decrement, värde {text!r}: "
                "förväntat ett tal, en gång per term.",
                f"The value set {name}, row {row}, column decrement, value {text!r}: expected a number, once per term.",
            )
        out[key] = value
    return out


def derive_index(con: db.Connection, value_set: dict[str, float], log: ProblemLog, file: str) -> int:
    """Add an eq5d_index row to TEMP ``measurements_typed`` for every visit with all five dimensions answered.

    A visit with some but not all five is left without an index (a warning); a level whose term the value
    set lacks, or an index the file also gives for the same visit, is an error. Returns the rows added.
    """
    con.execute("CREATE TEMP TABLE _terms (term VARCHAR, decrement DOUBLE)")
    con.executemany("INSERT INTO _terms VALUES (?, ?)", [[k, v] for k, v in value_set.items()])
    pivots = ", ".join(f"max(CASE name WHEN 'eq5d_{d}' THEN value END) AS {d}" for d in DIMENSIONS)
    con.execute(
        f"""CREATE TEMP TABLE _eq5d AS SELECT id, visit, min(_row) AS _row, min(visit_date) AS visit_date,
                   count(DISTINCT name) AS answered, {pivots}
            FROM measurements_typed WHERE name IN (SELECT unnest(?::VARCHAR[])) AND id IS NOT NULL
                 AND visit IS NOT NULL GROUP BY id, visit""",
        [list(INSTRUMENTS)],
    )
    for d in DIMENSIONS:  # a level is a whole number
        log.check(con, "measurements", f"eq5d_{d}", "integer", "name = ? AND value <> floor(value)", [f"eq5d_{d}"],
                  value="value_raw")  # fmt: skip
    partial = con.execute("SELECT count(*) FROM _eq5d WHERE answered < 5").fetchone()[0]
    if partial:
        log.add(Problem("measurements", file, None, None, str(partial), "eq5d_incomplete", "warning"))
    for d in DIMENSIONS:
        missing = con.execute(
            f"""SELECT _row, {d} FROM _eq5d WHERE answered = 5 AND {d} > 1
                  AND '{d.upper()}' || CAST({d} AS INTEGER) NOT IN (SELECT term FROM _terms) ORDER BY _row"""
        ).fetchall()
        for row, level in missing[: log.cap]:
            log.add(Problem("measurements", file, int(row), f"eq5d_{d}", f"{level:g}", "value_set_term",
                            details={"term": f"{d.upper()}{int(level)}"}))  # fmt: skip
        log.error_total += max(0, len(missing) - log.cap)
    both = con.execute(
        """SELECT e._row FROM _eq5d e JOIN measurements_typed m ON m.id = e.id AND m.visit = e.visit
           WHERE m.name = 'eq5d_index' AND e.answered = 5 ORDER BY e._row"""
    ).fetchall()
    for (row,) in both[: log.cap]:
        log.add(Problem("measurements", file, int(row), "instrument", "eq5d_index", "index_twice"))
    log.error_total += max(0, len(both) - log.cap)
    terms = " + ".join(
        f"coalesce((SELECT decrement FROM _terms WHERE term = '{d.upper()}' || CAST({d} AS INTEGER)), 0)"
        for d in DIMENSIONS
    )
    constant = value_set.get("constant", 0.0)
    added = con.execute(
        f"""INSERT INTO measurements_typed (_row, id, name, value, visit, visit_date)
            SELECT _row, id, 'eq5d_index',
                   1 - CASE WHEN greatest(mo, sc, ua, pd, ad) > 1 THEN ? ELSE 0 END - ({terms}), visit, visit_date
            FROM _eq5d WHERE answered = 5""",
        [constant],
    ).fetchone()[0]
    for table in ("_eq5d", "_terms"):
        con.execute(f"DROP TABLE {table}")
    return int(added)
