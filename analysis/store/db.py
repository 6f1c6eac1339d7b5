"""The one module that opens DuckDB: connections, schema, atomic store writes and pre-aggregation."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from analysis.errors import StoreError
from analysis.settings import get_setting

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

Connection = duckdb.DuckDBPyConnection  # the type every other module names a connection by
Error = duckdb.Error  # what DuckDB raises; other modules catch it under this name
OutOfMemory = duckdb.OutOfMemoryException
BadInput = duckdb.InvalidInputException  # what DuckDB's CSV reader raises for a malformed row

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
    con = duckdb.connect(":memory:")
    _spill_privately(con)
    return con


def use_file_system(con: Connection, file_system) -> None:
    """Let DuckDB read paths of an fsspec file system (``memory://`` for files held in memory) on ``con``."""
    protocol = file_system.protocol
    name = protocol if isinstance(protocol, str) else protocol[0]
    if name not in con.list_filesystems():
        con.register_filesystem(file_system)


# ---- Private temporary files: DuckDB's spill files may hold raw input, so they live where only we can read,
# ---- are removed when the process ends, and what a killed process left is removed at the next start.

_PROCESS_DIR: Path | None = None


def _temp_root() -> Path:
    """Return the folder holding each process's private temp folder (one per user, mode 0700)."""
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    root = Path(tempfile.gettempdir()) / f"ihr-dashboard-{uid}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def _alive(pid: int) -> bool:
    """Return whether a process with this id is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temp() -> list[Path]:
    """Remove the private temp folders of processes no longer running (a crash or a kill); return them."""
    removed = []
    for folder in _temp_root().iterdir():
        if folder.name.isdigit() and int(folder.name) != os.getpid() and not _alive(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def private_temp_dir() -> Path:
    """Return this process's private temp folder (mode 0700), created on first use and removed at exit."""
    global _PROCESS_DIR
    if _PROCESS_DIR is None or not _PROCESS_DIR.is_dir():
        remove_stale_temp()
        folder = _temp_root() / str(os.getpid())
        folder.mkdir(mode=0o700, exist_ok=True)
        atexit.register(shutil.rmtree, folder, True)
        _PROCESS_DIR = folder
    return _PROCESS_DIR


def _spill_privately(con: Connection) -> Path:
    """Point DuckDB's spill files of ``con`` to a new folder inside the private temp folder; return it."""
    folder = Path(tempfile.mkdtemp(dir=private_temp_dir()))
    con.execute("SET temp_directory = ?", [str(folder)])
    return folder


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


def _stray_files(path: Path) -> list[Path]:
    """Return new-store files beside ``path`` left by a writer that is no longer running (and their WAL)."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[^.]+\.tmp(\.wal)?$")
    stray = []
    for candidate in path.parent.glob(f".{glob_escape(path.name)}.*.tmp*"):
        match = pattern.match(candidate.name)
        if match is None or not _alive(int(match.group(1))):
            stray.append(candidate)
    return stray


def glob_escape(name: str) -> str:
    """Return a file name with glob's special characters escaped."""
    return re.sub(r"([\[\]*?])", r"[\1]", name)


@contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    """Hold the store's write lock (a file ``<store>.lock`` beside it), waiting up to the write_wait_s setting."""
    wait = float(get_setting("write_wait_s"))
    deadline = time.monotonic() + wait
    with open(f"{path}.lock", "a+b") as handle:
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"En annan import skriver till databasen {path.name}; väntade {wait:.0f} s. Försök igen när den "
                    "är klar (inställningen write_wait_s). Inget har ändrats.",
                    f"Another import is writing to the database {path.name}; waited {wait:.0f} s. Try again when "
                    "it has finished (setting write_wait_s). Nothing was changed.",
                )
            time.sleep(0.1)
        yield  # closing the file releases the lock


def _try_lock(handle) -> bool:
    """Take an exclusive lock on an open file without waiting; return whether it was taken."""
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


@contextmanager
def _new_file_beside(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder, named with this process's id, and remove it afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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
    TEMP tables, which live in memory (spilling only to a private temp folder) and never reach the
    file. Then, holding the store's write lock, the current store's content is copied in, ``fill``
    writes the change and the new file replaces the old: writers take turns, so a concurrent import
    never drops another's study. If anything raises, the existing store is untouched. Readers holding
    the old file keep reading it; new connections see the new one. New-store files left beside the
    store by a killed writer are removed here.
    """
    path = Path(path)
    with _new_file_beside(path) as tmp:
        con = duckdb.connect(str(tmp))
        spill = _spill_privately(con)
        try:
            con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
            if prepare is not None:
                prepare(con)
            with _write_lock(path):
                for stray in _stray_files(path):
                    stray.unlink(missing_ok=True)
                if path.is_file():
                    _copy_tables(con, path)
                fill(con)
                con.execute("CHECKPOINT")
                con.close()
                os.replace(tmp, path)
        finally:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)


TABLES = ("studies", "participants", "hours", "measurements", "followup_cells", "people_cells", "analysis_plans")


def has_table(con: Connection, table: str, catalog: str = STORE) -> bool:
    """Return whether the attached store has a table (stores written before it was added do not)."""
    found = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = $1 AND table_name = $2) "
        "+ (SELECT count(*) FROM duckdb_views() WHERE database_name = $1 AND view_name = $2)",
        [catalog, table],
    ).fetchone()[0]
    return bool(found)


def has_column(con: Connection, table: str, column: str, catalog: str = STORE) -> bool:
    """Return whether a table of the attached store has a column (stores written before it was added do not)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND table_name = ? AND column_name = ?",
        [catalog, table, column],
    ).fetchone()[0]
    return bool(found)


def export_parquet(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> list[Path]:
    """Write every table of a store as Parquet, one folder per study: ``<folder>/study=<name>/<table>.parquet``.

    The layout a pooled research store would keep in object storage (one partition per municipality's
    study, each replaced on its own); ``connect_parquet`` reads it with the same SQL as a store file.

    Parameters
    ----------
    path : str or Path
        The store.
    folder : str or Path
        Where the study folders go (created).

    Returns
    -------
    list of Path
        The study folders written.

    """
    con = connect(path)
    written = []
    try:
        for (study,) in con.execute("SELECT study FROM studies ORDER BY study").fetchall():
            target = Path(folder) / f"study={quote_partition(study)}"
            target.mkdir(parents=True, exist_ok=True)
            for table in TABLES:
                if has_table(con, table):
                    file = str(target / f"{table}.parquet")
                    con.execute(f"COPY (SELECT * FROM {table} WHERE study = ?) TO '{_sql_text(file)}' (FORMAT parquet)",
                                [study])  # fmt: skip
            written.append(target)
    finally:
        con.close()
    return written


def quote_partition(study: str) -> str:
    """Return a study name safe as a folder name (letters, digits, '-', '_'; others as %XX)."""
    return "".join(c if c.isalnum() or c in "-_" else f"%{ord(c):02X}" for c in study)


def _sql_text(text: str) -> str:
    """Return text for a single-quoted SQL literal (COPY's target cannot be a bound parameter)."""
    return text.replace("'", "''")


def connect_parquet(folder: str | os.PathLike[str]) -> Connection:
    """Open a Parquet-per-study layout (export_parquet) so the analysis reads it as it reads a store file.

    Each table is a view over ``<folder>/*/<table>.parquet`` in a catalog named as a store's is, so every
    function that takes a store connection works unchanged. The same SQL runs over object storage (an
    ``s3://`` folder with DuckDB's httpfs) or a shared DuckDB service; nothing here is a home-made engine.
    """
    root = Path(folder)
    con = duckdb.connect(":memory:", config={"threads": 1})
    con.execute(f"ATTACH ':memory:' AS {STORE}")
    con.execute(f"USE {STORE}")
    schema = duckdb.connect(":memory:")
    try:
        schema.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        for table in TABLES:
            files = sorted(root.glob(f"*/{table}.parquet"))
            if files:
                listing = ", ".join(f"'{_sql_text(str(f))}'" for f in files)
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
            else:  # no study has the table: an empty one of the schema's shape
                columns = schema.execute(f"DESCRIBE {table}").fetchall()
                con.execute(f"CREATE TABLE {table} ({', '.join(f'{c[0]} {c[1]}' for c in columns)})")
    finally:
        schema.close()
    return con


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
    for table in ("hours", "measurements", "participants", "followup_cells", "people_cells", "studies"):
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
