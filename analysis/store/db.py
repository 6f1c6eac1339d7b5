"""The one module that opens DuckDB: connections, schema, atomic store writes and pre-aggregation."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from analysis.errors import StoreError

Connection = duckdb.DuckDBPyConnection  # the type every other module names a connection by
Error = duckdb.Error  # what DuckDB raises; other modules catch it under this name

STORE = "store"  # catalog name of the attached store file
SCHEMA_PATH = Path(__file__).resolve().parent / "schema.sql"


def connect(path: str | os.PathLike[str]) -> Connection:
    """Open an existing store read-only; raise StoreError naming the file when it cannot be opened.

    Read-only connections let several readers share the file while a writer builds a new
    file beside it and swaps it in (see ``write_store``). The file is attached to a fresh in-memory
    database because ``duckdb.connect(path)`` reuses an instance already open on the same path in
    this process, which would keep serving a replaced store.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(
            f"Databasen {path} finns inte. Bygg demo-studien med 'python -m analysis demo --db {path}'.",
            f"The database {path} does not exist. Build the demo study with 'python -m analysis demo --db {path}'.",
        )
    # One thread makes floating-point sums run in one fixed order, so the command line and the pages
    # give bit-identical numbers; the cell tables are small enough that this costs little (bench/).
    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        con.execute(f"ATTACH ? AS {STORE} (READ_ONLY)", [str(path)])
        con.execute(f"USE {STORE}")
        return con
    except Error as exc:
        con.close()
        raise StoreError(
            f"Databasen {path} kunde inte öppnas: {exc}",
            f"The database {path} could not be opened: {exc}",
        ) from None


def scratch() -> Connection:
    """Open an in-memory database for work on files that must not touch any store (previews)."""
    return duckdb.connect(":memory:")


def data_version(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Return (inode, mtime in ns) of the store: changes whenever a new store is swapped in."""
    st = os.stat(path)
    return (st.st_ino, st.st_mtime_ns)


def query(con: Connection, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (on the attached store) with bound parameters; return a DataFrame."""
    cur = con.cursor()
    try:
        cur.execute(f"USE {STORE}")
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


@contextmanager
def _new_file_beside(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder and remove it if it is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # DuckDB must create the file itself
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    finally:
        for leftover in (tmp_path, Path(f"{tmp_path}.wal")):
            if leftover.exists():
                leftover.unlink()


def write_store(
    path: str | os.PathLike[str],
    fill: Callable[[Connection], None],
    prepare: Callable[[Connection], None] | None = None,
) -> None:
    """Build a complete store in a new file and atomically put it in place of ``path``.

    ``prepare`` (optional) runs first on the new, empty connection: it can load and check input in
    TEMP tables, which live in memory and never reach the file. Then the current store's content is
    copied in and ``fill`` writes the change. If either raises, the existing store is untouched.
    Readers holding the old file keep reading it; new connections see the new one.
    """
    path = Path(path)
    with _new_file_beside(path) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
            if prepare is not None:
                prepare(con)
            if path.is_file():
                _copy_tables(con, path)
            fill(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)


TABLES = ("studies", "participants", "hours", "followup_cells", "people_cells", "analysis_plans")


def has_table(con: Connection, table: str, catalog: str = STORE) -> bool:
    """Return whether the attached store has a table (stores written before it was added do not)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?", [catalog, table]
    ).fetchone()[0]
    return bool(found)


_PREVIOUS = "ihr_previous_store"


def _copy_tables(con: Connection, source: Path) -> None:
    """Copy every table of an existing store into the new one (tables an older store lacks stay empty)."""
    # An alias no store file is named after (a file old.duckdb is itself the catalog "old").
    con.execute(f"ATTACH ? AS {_PREVIOUS} (READ_ONLY)", [str(source)])
    try:
        for table in TABLES:
            if has_table(con, table, _PREVIOUS):
                # By name: columns added since the old store was written take their defaults.
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {_PREVIOUS}.{table}")  # names are constants
    finally:
        con.execute(f"DETACH {_PREVIOUS}")


def delete_study(con: Connection, study: str) -> None:
    """Remove every data row of one study from a writable store; its analysis plan stays (a new import keeps it)."""
    for table in ("hours", "participants", "followup_cells", "people_cells", "studies"):
        con.execute(f"DELETE FROM {table} WHERE study = ?", [study])  # table names are constants


# Exit day: the earliest of placement, death and end of follow-up (the study's data_end when open).
_EXIT_ON = (
    "least(coalesce(p.placed_on, s.data_end), coalesce(p.died_on, s.data_end), coalesce(p.followup_end, s.data_end))"
)


def build_aggregates(con: Connection, study: str) -> None:
    """(Re)compute followup_cells and people_cells of one study from participants and hours.

    Follow-up month k is the calendar month k months after the month of randomization. A person
    counts in month k while the first day of that month is on or before the exit day (earliest of
    placement, death and end of follow-up); months without an hours row count as 0 hours.
    """
    con.execute("DELETE FROM followup_cells WHERE study = ?", [study])
    con.execute("DELETE FROM people_cells WHERE study = ?", [study])
    con.execute(
        f"""
        INSERT INTO followup_cells
        WITH people AS (
            SELECT p.study, p.person_id, p.arm, p.age, p.sex, p.application_type,
                   coalesce(p.district, '') AS district,
                   date_trunc('month', p.randomized_on)::DATE AS m0,
                   datediff('month', date_trunc('month', p.randomized_on), {_EXIT_ON}) AS exit_k
            FROM participants p JOIN studies s USING (study)
            WHERE p.study = ?
        ),
        grid AS (
            SELECT study, arm, age, sex, application_type, district, k AS month_k, count(*) AS n
            FROM (SELECT *, unnest(range(0, exit_k + 1)) AS k FROM people WHERE exit_k >= 0)
            GROUP BY ALL
        ),
        sums AS (
            SELECT pe.study, pe.arm, pe.age, pe.sex, pe.application_type, pe.district,
                   datediff('month', pe.m0, h.month) AS month_k,
                   sum(h.hours) AS sum_hours, sum(h.hours * h.hours) AS sum_sq_hours
            FROM hours h JOIN people pe ON h.study = pe.study AND h.person_id = pe.person_id
            WHERE h.month >= pe.m0 AND datediff('month', pe.m0, h.month) <= pe.exit_k
            GROUP BY ALL
        )
        SELECT g.study, g.month_k, g.arm, g.age, g.sex, g.application_type, g.district, g.n,
               coalesce(s.sum_hours, 0), coalesce(s.sum_sq_hours, 0)
        FROM grid g LEFT JOIN sums s
          ON g.study = s.study AND g.month_k = s.month_k AND g.arm = s.arm AND g.age = s.age
         AND g.sex = s.sex AND g.application_type = s.application_type AND g.district = s.district
        """,
        [study],
    )
    con.execute(
        """
        INSERT INTO people_cells
        SELECT p.study, p.arm, p.age, p.sex, p.application_type, coalesce(p.district, '') AS district,
               count(*) AS n,
               count(*) FILTER (WHERE p.placed_on IS NOT NULL AND p.placed_on >= p.randomized_on
                                AND p.placed_on <= coalesce(p.followup_end, s.data_end)) AS n_placed,
               count(*) FILTER (WHERE p.died_on IS NOT NULL AND p.died_on >= p.randomized_on
                                AND p.died_on <= coalesce(p.followup_end, s.data_end)) AS n_died
        FROM participants p JOIN studies s USING (study)
        WHERE p.study = ?
        GROUP BY ALL
        """,
        [study],
    )


def list_studies(con: Connection) -> pd.DataFrame:
    """Return every study in the store with its titles, demo flag and data end."""
    return query(con, "SELECT study, title_sv, title_en, is_demo, data_end FROM studies ORDER BY study")
