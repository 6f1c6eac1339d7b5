"""The one module that opens DuckDB: connections, schema, atomic store writes and pre-aggregation."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
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

    The catalogue and every study file it names are attached read-only to a fresh in-memory database
    (``duckdb.connect(path)`` would reuse an instance already open on the same path in this process and
    keep serving a replaced store); each table is a view over all of them in a catalog named ``store``.
    A connection keeps reading the files it attached while writers swap in new ones. A study file removed
    between reading the catalogue and attaching it (a writer cleaned up) makes this try again.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(
            f"Databasen {path} finns inte. Bygg demo-studien med 'python -m analysis demo --db {path}'.",
            f"The database {path} does not exist. Build the demo study with 'python -m analysis demo --db {path}'.",
        )
    attempt = 0
    while True:
        attempt += 1
        # One thread makes floating-point sums run in one fixed order, so the command line and the pages
        # give bit-identical numbers; the cell tables are small enough that this costs little (bench/).
        con = duckdb.connect(":memory:", config={"threads": 1})
        try:
            con.execute(f"ATTACH ? AS {_CATALOGUE} (READ_ONLY)", [str(path)])
            sources = [_CATALOGUE]
            for i, name in enumerate(_study_file_names(con, _CATALOGUE).values()):
                con.execute(f"ATTACH ? AS {_STUDY}{i} (READ_ONLY)", [str(studies_folder(path) / name)])
                sources.append(f"{_STUDY}{i}")
            con.execute(f"ATTACH ':memory:' AS {STORE}")
            con.execute(f"USE {STORE}")
            _create_views(con, {t: [q for src in sources if (q := _reading(con, src, t))] for t in TABLES})
            # A query larger than the limit spills to this process's private folder instead of growing.
            con.execute("SET memory_limit = ?", [f"{int(get_setting('duckdb_memory_mb'))}MB"])
            _spill_privately(con)
            return con
        except Error as exc:
            con.close()
            if attempt < _ATTACH_TRIES and _names_a_missing_file(exc):
                time.sleep(0.05 * attempt)  # a writer replaced a study file meanwhile: read the new catalogue
                continue
            raise StoreError(
                f"Databasen {path} kunde inte öppnas: {exc}",
                f"The database {path} could not be opened: {exc}",
            ) from None


_CATALOGUE = "ihr_catalogue"  # aliases no store file is named after (a file old.duckdb is itself the catalog "old")
_STUDY = "ihr_study_"
_ATTACH_TRIES = 5


def _reading(con: Connection, catalog: str, table: str) -> str | None:
    """Return SQL reading a table of an attached file in the schema's shape, or None when it has nothing to read.

    A catalogue's own data tables are empty (per-study layout) and are skipped; see ``_source_select``.
    """
    select = _source_select(con, catalog, table)
    if select is None or catalog != _CATALOGUE:
        return select
    return select if con.execute(f"SELECT EXISTS ({select})").fetchone()[0] else None


# Tables a file written before them lacks but can still describe: read from its studies table.
_DERIVED = {
    "study_measures": "SELECT study, {measure} AS measure, "
    "coalesce({complete}, date_trunc('month', data_end)::DATE) AS complete_through FROM {catalog}.studies t",
}


def _source_select(con: Connection, catalog: str, table: str) -> str | None:
    """Return SQL reading ``catalog.table`` with every column of the schema, in its order (None: no such table).

    A column the file was written without reads as NULL, except the hours measure of ``hours`` and
    ``followup_cells``: their rows are of the one measure the study then held (``studies.hours_measure``).
    A file without ``study_measures`` lists that one measure, complete through the study's complete-through
    month (or its data end's month).
    """
    if not has_table(con, table, catalog):
        if table not in _DERIVED or not has_table(con, "studies", catalog):
            return None
        complete = "t.complete_through" if has_column(con, "studies", "complete_through", catalog) else "NULL"
        return _DERIVED[table].format(catalog=catalog, measure=_study_measure(con, catalog), complete=complete)
    return _shaped(con, table, f"{catalog}.{table}", _study_measure(con, catalog))


def _shaped(con: Connection, table: str, relation: str, measure: str = "'unknown'") -> str:
    """Return SQL selecting the schema's columns of ``table`` from ``relation`` (aliased t).

    A column the relation lacks reads as the schema's default for it, else NULL.

    ``measure``: SQL of the hours measure for a relation without that column.
    """
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    columns = []
    for name, kind, default in _schema_columns()[table]:
        if name in present:
            columns.append(f"t.{name}")
        elif name == "measure":
            columns.append(f"{measure} AS measure")
        else:
            columns.append(f"{default or 'NULL'}::{kind} AS {name}")  # the schema's own SQL
    return f"SELECT {', '.join(columns)} FROM {relation} t"


def _study_measure(con: Connection, catalog: str) -> str:
    """Return SQL of the hours measure of row ``t``'s study in a file written before studies held two measures."""
    if not has_column(con, "studies", "hours_measure", catalog):
        return "'unknown'"
    return f"coalesce((SELECT s.hours_measure FROM {catalog}.studies s WHERE s.study = t.study), 'unknown')"


def _names_a_missing_file(exc: Exception) -> bool:
    """Return whether a DuckDB error says a file does not exist (a study file removed while attaching)."""
    text = str(exc).lower()
    return "no such file" in text or "does not exist" in text or "cannot open file" in text


def _study_file_names(con: Connection, catalog: str) -> dict[str, str]:
    """Return study → file name as listed in an attached catalogue (empty for a store of the one-file layout)."""
    if not has_table(con, "study_files", catalog):
        return {}
    rows = con.execute(f"SELECT study, file FROM {catalog}.study_files ORDER BY study").fetchall()
    return dict(rows)


def _create_views(con: Connection, sources: dict[str, list[str]]) -> None:
    """Create each table of the store catalog as a view over its sources (SELECTs in the schema's shape).

    A table no source has is an empty one of the schema's shape. One source (a store with one study) is a
    plain view over its table, as fast as the table itself.
    """
    shapes = _schema_columns()
    for table, froms in sources.items():
        if not froms:
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{name} {kind}' for name, kind, _ in shapes[table])})")
            continue
        con.execute(f"CREATE VIEW {table} AS {' UNION ALL '.join(froms)}")  # names are constants or our aliases


@functools.cache
def _schema_columns() -> dict[str, list[tuple[str, str, str | None]]]:
    """Return each table of the schema with its (column, type, default SQL or None) triples."""
    schema = duckdb.connect(":memory:")
    try:
        schema.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        return {t: [(c[0], c[1], c[4]) for c in schema.execute(f"DESCRIBE {t}").fetchall()] for t in TABLES}
    finally:
        schema.close()


def studies_folder(path: str | os.PathLike[str]) -> Path:
    """Return the folder beside a store's catalogue that holds one DuckDB file per study."""
    path = Path(path)
    return path.parent / f"{path.name}.studies"


def store_files(path: str | os.PathLike[str]) -> list[Path]:
    """Return every file a store consists of: the catalogue and the study files it names (for audits and copies)."""
    path = Path(path)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH ? AS {_CATALOGUE} (READ_ONLY)", [str(path)])
        names = _study_file_names(con, _CATALOGUE)
    finally:
        con.close()
    return [path, *(studies_folder(path) / name for name in names.values())]


def copy_store(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Copy a store (catalogue and study files) to a new path; the target must not exist yet."""
    target = Path(target)
    if target.exists():
        raise StoreError(f"{target} finns redan.", f"{target} already exists.")
    files = store_files(source)
    if len(files) > 1:
        studies_folder(target).mkdir(parents=True)
    for file in files[1:]:
        shutil.copyfile(file, studies_folder(target) / file.name)
    shutil.copyfile(files[0], target)


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


_KEEPING = threading.Lock()  # one thread at a time creates a kept table (pages share a connection)


def keep_table(con: Connection, sql: str, params: list | None = None) -> str:
    """Return the name of a table holding a query's rows, created once per connection (in its in-memory catalog).

    For intermediate rows that do not depend on a page's filters (each person's hours over a window):
    a filter change then reads them instead of computing them again. The name is a digest of the query and
    its parameters, so another query gets another table; a new store version has a new connection and so
    new tables, and the tables go with the connection.
    """
    name = "kept_" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:24]
    with _KEEPING:
        cur = con.cursor()
        try:
            cur.execute(f"USE {STORE}")
            found = "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?"
            if not cur.execute(found, [STORE, name]).fetchone()[0]:
                cur.execute(f"CREATE TABLE {name} AS {sql}", params or [])  # name: a hex digest
        finally:
            cur.close()
    return name


def query(con: Connection, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (on the attached store) with bound parameters; return a DataFrame."""
    cur = con.cursor()
    try:
        cur.execute(f"USE {STORE}")
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def _stray_files(folder: Path, name: str | None = None) -> list[Path]:
    """Return new-file leftovers in ``folder`` (of catalogue ``name``, or any study) whose writer has ended."""
    stem = re.escape(name) if name is not None else r"[^.]+"
    pattern = re.compile(rf"^\.{stem}\.(\d+)\.[^.]+\.tmp(\.wal)?$")
    stray = []
    for candidate in folder.glob(f".{glob_escape(name) if name is not None else ''}*.tmp*"):
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


Fill = Callable[[Connection], None]


_ABSENT = "<no such study>"  # the version of a study not (yet) in the store


_INLINE = "<in the catalogue>"  # the version of a study held in a one-file store's catalogue


def _version_of(files: dict[str, str | None], study: str) -> str:
    """Return a study's version in a listing of _current_study_files (its file name, or a mark)."""
    name = files.get(study, _ABSENT)
    return _INLINE if name is None else name


def study_version(path: str | os.PathLike[str], study: str) -> str:
    """Return a study's version now: the name of its file, or a mark when it is in the catalogue or absent."""
    return _version_of(_current_study_files(Path(path)), study)


def write_study(
    path: str | os.PathLike[str],
    study: str,
    fill: Fill,
    prepare: Fill | None = None,
    *,
    update: bool = False,
    expected: object = None,
) -> None:
    """Write one study's file and swap it into the store at ``path`` (see ``write_studies``).

    ``expected``: the study's version (``study_version``) when the writer began, e.g. before an import read
    its files; the write is refused when another writer has changed the study since. None: as the write
    begins.
    """
    versions = None if expected is None else {study: expected}
    write_studies(path, {study: fill}, prepare, update=update, expected=versions)


def write_studies(
    path: str | os.PathLike[str],
    fills: dict[str, Fill],
    prepare: Fill | None = None,
    *,
    update: bool = False,
    expected: dict[str, str | None] | None = None,
) -> None:
    """Write each study's own file and put them in the store at ``path`` in one atomic catalogue swap.

    A study file is built under a temporary name in ``<store>.studies/``: empty with the schema (or, with
    ``update``, a byte copy of the study's current file), then ``prepare`` (optional, one study only) can
    load and check input in TEMP tables, which live in memory and never reach the file, and ``fill`` writes
    the study. No other study is read or copied. Then, holding the store's write lock, the file gets its
    final name and a new catalogue naming it replaces the old one (``os.replace``): readers see the old
    store or the new one, never a mix. If anything raises, or the process is killed, the store is as it
    was; leftovers are removed by the next write. An update or an import fails, changing nothing, when
    another writer changed the study after it began (an update's copy, or what an import would replace), so
    no writer's work is lost silently.

    Parameters
    ----------
    path : str or Path
        The store's catalogue file; created with its studies folder when missing.
    fills : dict
        Study name → function writing that study's rows on the new file's connection.
    prepare : callable, optional
        Runs first on the new file's connection (one study only).
    update : bool
        Start each study's file from its current content instead of empty (the study must exist).
    expected : dict, optional
        Study → its version when the writer began (``study_version``); default: as the write begins.

    """
    path = Path(path)
    if prepare is not None and len(fills) != 1:
        raise ValueError("prepare works on one study's file")
    folder = studies_folder(path)
    new_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if new_folder:  # a first write that fails (rejected files) leaves no empty studies folder behind
            stack.callback(_remove_if_unused, path, folder)
        built: dict[str, Path] = {}
        started: dict[str, str] = {}
        before = {} if update else _current_study_files(path)  # what an import replaces, as it was when it began
        for study, fill in fills.items():
            tmp = stack.enter_context(_new_file_beside(folder / quote_partition(study)))
            started[study] = _copy_current_study(path, study, tmp) or _INLINE if update else _version_of(before, study)
            if expected is not None and study in expected and not update:
                started[study] = expected[study]
            _build_study_file(tmp, fill, prepare, fresh=not update)
            built[study] = tmp
        with _write_lock(path):
            now = _current_study_files(path)
            for study, name in started.items():
                if _version_of(now, study) != name:  # another writer changed it meanwhile: nothing is lost silently
                    raise _changed_meanwhile(study, "update" if update else "import")
            _swap_catalogue(path, built, loaded="update" if update else "import")


def _remove_if_unused(path: Path, folder: Path) -> None:
    """Remove a studies folder this write created when no catalogue came of it and it is empty."""
    if not path.is_file() and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def write_catalogue(path: str | os.PathLike[str], change: Fill) -> None:
    """Change the catalogue only (analysis plans): a new catalogue file is swapped in; study files stay as they are."""
    path = Path(path)
    if not path.is_file():
        connect(path)  # raises the missing-store message
    with _write_lock(path):
        _swap_catalogue(path, {}, change=change)


def remove_study(path: str | os.PathLike[str], study: str) -> None:
    """Take a study out of the store (its file is removed; its analysis plan stays for a new import)."""
    path = Path(path)
    with _write_lock(path):
        if study not in _current_study_files(path) and study not in _inline_studies_of(path):
            raise StoreError(f"Studien {study!r} finns inte.", f"Study {study!r} does not exist.")
        _swap_catalogue(path, {}, removed=(study,))


def _build_study_file(tmp: Path, fill: Fill, prepare: Fill | None, fresh: bool) -> None:
    """Open a new study file, run prepare and fill on it, and close it checkpointed (no WAL beside it)."""
    con = duckdb.connect(str(tmp))
    spill = _spill_privately(con)
    try:
        if fresh:
            con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        if prepare is not None:
            prepare(con)
        fill(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _current_study_files(path: Path) -> dict[str, str | None]:
    """Return study → file name of the store now (None for a study held in a one-file store's catalogue)."""
    if not path.is_file():
        return {}
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH ? AS {_PREVIOUS} (READ_ONLY)", [str(path)])
        files: dict[str, str | None] = dict(_study_file_names(con, _PREVIOUS))
        for study in _inline_studies(con, _PREVIOUS):
            files.setdefault(study, None)
        return files
    finally:
        con.close()


def _inline_studies_of(path: Path) -> list[str]:
    """Return the studies whose rows are in the catalogue file itself (a store of the one-file layout)."""
    return [s for s, name in _current_study_files(path).items() if name is None]


def _inline_studies(con: Connection, catalog: str) -> list[str]:
    """Return the studies with rows in an attached catalogue's own studies table."""
    if not has_table(con, "studies", catalog):
        return []
    return [r[0] for r in con.execute(f"SELECT study FROM {catalog}.studies ORDER BY study").fetchall()]


def _copy_current_study(path: Path, study: str, target: Path) -> str | None:
    """Copy a study's current content into a new file at ``target``; return the file it came from (None: inline)."""
    files = _current_study_files(path)
    if study not in files:
        raise StoreError(
            f"Studien {study!r} finns inte i {path.name}; importera den först.",
            f"The study {study!r} is not in {path.name}; import it first.",
        )
    name = files[study]
    try:
        if name is None:
            _move_out(path, study, target)
        elif _written_with_current_schema(studies_folder(path) / name):
            shutil.copyfile(studies_folder(path) / name, target)
        else:  # a file of an earlier version: its rows in the current schema's shape
            _move_out(studies_folder(path) / name, study, target)
    except (FileNotFoundError, duckdb.IOException):  # another writer replaced the study (and its file) meanwhile
        raise _changed_meanwhile(study, "update") from None
    return name


def _changed_meanwhile(study: str, what: str) -> StoreError:
    """Return the refusal of a write whose study another writer changed after it began (nothing changed)."""
    words = {"update": "uppdateringen", "import": "importen"}[what]
    return StoreError(
        f"Studien {study} ändrades av en annan import eller uppdatering medan {words} pågick. Kör {words} igen. "
        "Inget har ändrats.",
        f"The study {study} was changed by another import or update during this {what}. Run the {what} again. "
        "Nothing was changed.",
    )


def _written_with_current_schema(file: Path) -> bool:
    """Return whether a study file has every table and column of the current schema."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH ? AS {_PREVIOUS} (READ_ONLY)", [str(file)])
        have = set(con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ?",
                               [_PREVIOUS]).fetchall())  # fmt: skip
        return all((t, c) in have for t in TABLES for c, _, _ in _schema_columns()[t])
    finally:
        con.close()


def _move_out(source: Path, study: str, target: Path) -> None:
    """Write one study's rows from a store file (a one-file store, or an older study file) into a new study file.

    The rows are read in the current schema's shape (``_source_select``): columns added since the source
    was written are filled as a reader sees them.
    """
    con = duckdb.connect(str(target))
    try:
        con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        con.execute(f"ATTACH ? AS {_PREVIOUS} (READ_ONLY)", [str(source)])
        for table in TABLES:
            select = _source_select(con, _PREVIOUS, table) if table not in CATALOGUE_ONLY else None
            if select is not None:
                con.execute(f"INSERT INTO {table} SELECT * FROM ({select}) WHERE study = ?", [study])
        con.execute(f"DETACH {_PREVIOUS}")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _swap_catalogue(
    path: Path,
    built: dict[str, Path],
    removed: tuple[str, ...] = (),
    change: Fill | None = None,
    loaded: str | None = None,
):
    """Give built study files their final names and replace the catalogue with one naming them (hold the lock).

    Studies of a one-file store are moved into files of their own on the way (once); files no catalogue
    names any more, and leftovers of killed writers, are removed afterwards. ``loaded`` ('import' or
    'update'): each built study's load is logged in study_loads ('demo' for a demo study).
    """
    folder = studies_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    try:
        names = {}
        for study, tmp in built.items():
            final = folder / f"{quote_partition(study)}.{uuid.uuid4().hex[:12]}.duckdb"
            os.replace(tmp, final)
            created.append(final)
            names[study] = final.name
        with _new_file_beside(path) as new:
            con = duckdb.connect(str(new))
            try:
                con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
                if path.is_file():
                    con.execute(f"ATTACH ? AS {_PREVIOUS} (READ_ONLY)", [str(path)])
                    kept = {s: f for s, f in _study_file_names(con, _PREVIOUS).items() if s not in names}
                    for study in _inline_studies(con, _PREVIOUS):
                        if study not in names and study not in removed:
                            final = folder / f"{quote_partition(study)}.{uuid.uuid4().hex[:12]}.duckdb"
                            created.append(final)
                            _move_out(path, study, final)
                            kept[study] = final.name
                    for table in CATALOGUE_ONLY:  # kept as they are (a study's plan outlives a new import)
                        if has_table(con, table, _PREVIOUS):
                            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {_PREVIOUS}.{table}")
                    con.execute(f"DETACH {_PREVIOUS}")
                    names = {**{s: f for s, f in kept.items() if s not in removed}, **names}
                con.executemany(
                    "INSERT INTO study_files VALUES (?, ?, now())", [[s, f] for s, f in sorted(names.items())]
                )
                if change is not None:
                    change(con)
                for study in built if loaded else ():
                    _log_load(con, study, folder / names[study], loaded)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(new, path)
    except BaseException:
        for file in created:
            file.unlink(missing_ok=True)
        raise
    _collect_garbage(path, set(names.values()))


def _log_load(con: Connection, study: str, file: Path, kind: str) -> None:
    """Append the load of a study file just written to the new catalogue's study_loads (its end and people)."""
    con.execute(f"ATTACH ? AS {_LOADED} (READ_ONLY)", [str(file)])
    try:
        con.execute(
            f"""INSERT INTO study_loads SELECT s.study, now(), CASE WHEN s.is_demo THEN 'demo' ELSE ? END, s.data_end,
                coalesce(s.complete_through, date_trunc('month', s.data_end)::DATE),
                (SELECT count(*) FROM {_LOADED}.participants p WHERE p.study = s.study)
                FROM {_LOADED}.studies s WHERE s.study = ?""",
            [kind, study],
        )
    finally:
        con.execute(f"DETACH {_LOADED}")


_LOADED = "ihr_loaded"


def _collect_garbage(path: Path, referenced: set[str]) -> None:
    """Remove study files the catalogue no longer names and new-file leftovers of writers no longer running."""
    folder = studies_folder(path)
    leftovers = _stray_files(path.parent, path.name) + _stray_files(folder)
    leftovers += [f for f in folder.glob("*.duckdb") if f.name not in referenced]
    for file in leftovers:
        with suppress(OSError):  # Windows: a reader still has it open; the next write tries again
            file.unlink(missing_ok=True)


TABLES = (
    "studies",
    "study_measures",
    "participants",
    "hours",
    "measurements",
    "followup_cells",
    "people_cells",
    "analysis_plans",
    "cost_scenarios",
    "study_loads",
    "area_adoptions",
)
CATALOGUE_ONLY = ("analysis_plans", "cost_scenarios", "study_loads")  # kept in the catalogue, never in a study's file


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
    sources = {}
    for table in TABLES:
        files = sorted(root.glob(f"*/{table}.parquet"))
        listing = ", ".join(f"'{_sql_text(str(f))}'" for f in files)
        sources[table] = [_shaped(con, table, f"read_parquet([{listing}], union_by_name = true)")] if files else []
    _create_views(con, sources)
    return con


_PREVIOUS = "ihr_previous_store"


# The last day the analyses use (studies aliased s): the data end, or the end of the month the data are complete
# through when that is earlier; months after it are still being registered and would look like a fall in hours.
STUDY_END = "least(s.data_end, coalesce(last_day(s.complete_through), s.data_end))"
# A person's end of follow-up (participants aliased p): followup_end, else the study's end; never after that, and
# never before randomization (someone randomized in a month not complete yet is followed for no time so far).
FOLLOWUP_END = f"greatest(p.randomized_on, least(coalesce(p.followup_end, {STUDY_END}), {STUDY_END}))"

# Exit day: the earliest of placement, death and end of follow-up (the study's end when open).
EXIT_ON = (
    f"least(coalesce(p.placed_on, {STUDY_END}), coalesce(p.died_on, {STUDY_END}), "
    f"coalesce(p.followup_end, {STUDY_END}), {STUDY_END})"
)


_PEOPLE = f"""
    SELECT p.study, p.person_id, p.arm, p.age, p.sex, p.application_type, coalesce(p.district, '') AS district,
           date_trunc('month', p.randomized_on)::DATE AS m0,
           datediff('month', date_trunc('month', p.randomized_on), {EXIT_ON}) AS exit_k
    FROM participants p JOIN studies s USING (study)
    WHERE p.study = ?"""

_CELL_KEYS = "study, month_k, arm, age, sex, application_type, district, measure"


def _cell_rows(ranges: str, hours_where: str) -> str:
    """Return SQL of followup_cells rows of one measure from ``ranges``: people with months k_lo..k_hi and a sign.

    The first bound parameter is the hours measure, then those of ``ranges``. ``ranges`` has the columns
    of _PEOPLE plus k_lo, k_hi and sign (+1 adds the months, -1 takes them away); ``hours_where`` limits
    the hours rows read (aliased h); both are SQL written in this module.
    """
    return f"""
        WITH m AS (SELECT ?::VARCHAR AS measure),
        r AS ({ranges}),
        grid AS (
            SELECT study, arm, age, sex, application_type, district, k AS month_k, sum(sign) AS n
            FROM (SELECT *, unnest(range(k_lo, k_hi + 1)) AS k FROM r WHERE k_hi >= k_lo)
            GROUP BY ALL
        ),
        sums AS (
            SELECT r.study, r.arm, r.age, r.sex, r.application_type, r.district,
                   datediff('month', r.m0, h.month) AS month_k,
                   sum(r.sign * h.hours) AS sum_hours, sum(r.sign * h.hours * h.hours) AS sum_sq_hours
            FROM hours h JOIN r ON h.study = r.study AND h.person_id = r.person_id
            WHERE h.month >= (r.m0 + to_months(r.k_lo))::DATE AND datediff('month', r.m0, h.month) <= r.k_hi
              AND h.month >= (SELECT min((m0 + to_months(k_lo))::DATE) FROM r)  -- reads only months that can count
              AND h.measure = (SELECT measure FROM m) AND {hours_where}
            GROUP BY ALL
        )
        SELECT g.study, g.month_k, g.arm, g.age, g.sex, g.application_type, g.district, g.n,
               coalesce(s.sum_hours, 0) AS sum_hours, coalesce(s.sum_sq_hours, 0) AS sum_sq_hours,
               (SELECT measure FROM m) AS measure
        FROM grid g LEFT JOIN sums s
          ON g.study = s.study AND g.month_k = s.month_k AND g.arm = s.arm AND g.age = s.age
         AND g.sex = s.sex AND g.application_type = s.application_type AND g.district = s.district
    """


def build_aggregates(con: Connection, study: str) -> None:
    """(Re)compute followup_cells (for each hours measure of the study) and people_cells of one study."""
    for measure in study_measures(con, study):
        build_followup_cells(con, study, measure)
    build_people_cells(con, study)


def study_measures(con: Connection, study: str) -> list[str]:
    """Return the hours measures a study holds (study_measures), in name order."""
    rows = con.execute("SELECT measure FROM study_measures WHERE study = ? ORDER BY measure", [study]).fetchall()
    return [r[0] for r in rows]


def build_followup_cells(con: Connection, study: str, measure: str) -> None:
    """(Re)compute followup_cells of one study and hours measure from participants and hours.

    Follow-up month k is the calendar month k months after the month of randomization. A person
    counts in month k while the first day of that month is on or before the exit day (earliest of
    placement, death and end of follow-up); months without an hours row count as 0 hours.
    """
    con.execute("DELETE FROM followup_cells WHERE study = ? AND measure = ?", [study, measure])
    ranges = f"SELECT *, 0 AS k_lo, exit_k AS k_hi, 1 AS sign FROM ({_PEOPLE})"
    con.execute(f"INSERT INTO followup_cells {_cell_rows(ranges, 'TRUE')}", [measure, study])


def build_people_cells(con: Connection, study: str) -> None:
    """(Re)compute people_cells of one study: people randomized, placed and dead during follow-up per cell."""
    con.execute("DELETE FROM people_cells WHERE study = ?", [study])
    con.execute(
        f"""
        INSERT INTO people_cells
        SELECT p.study, p.arm, p.age, p.sex, p.application_type, coalesce(p.district, '') AS district,
               count(*) AS n,
               count(*) FILTER (WHERE p.placed_on IS NOT NULL AND p.placed_on >= p.randomized_on
                                AND p.placed_on <= {FOLLOWUP_END}) AS n_placed,
               count(*) FILTER (WHERE p.died_on IS NOT NULL AND p.died_on >= p.randomized_on
                                AND p.died_on <= {FOLLOWUP_END}) AS n_died
        FROM participants p JOIN studies s USING (study)
        WHERE p.study = ?
        GROUP BY ALL
        """,
        [study],
    )


def study_end(con: Connection, study: str):
    """Return the last day a study's analyses use now (``STUDY_END``)."""
    return con.execute(f"SELECT {STUDY_END} FROM studies s WHERE study = ?", [study]).fetchone()[0]


def begin_cell_update(con: Connection, study: str, changed: dict[str, tuple[str, list]]) -> None:
    """Before an update changes rows: take away from followup_cells what the changed people contributed.

    ``changed`` maps each hours measure whose cells are kept up to date to SQL of a relation with a column
    person_id and its bound parameters (written by the caller's module): people who are new, whose cell
    (arm, age, sex, application type, district) changes, whose last month at home moves earlier, or whose
    hours of that measure change in a month already counted (up to ``study_end``). Everyone's last month
    is kept (TEMP ``_cells_before``) so ``finish_cell_update`` can add the months that follow it; no other
    rows than this study's cells are rewritten.
    """
    con.execute("CREATE TEMP TABLE _changed (measure VARCHAR, person_id VARCHAR)")
    for measure, (sql, params) in changed.items():
        con.execute(f"INSERT INTO _changed SELECT DISTINCT ?, person_id FROM ({sql})", [measure, *params])
    con.execute(f"CREATE TEMP TABLE _cells_before AS {_PEOPLE}", [study])
    ranges = ("SELECT b.*, 0 AS k_lo, b.exit_k AS k_hi, -1 AS sign FROM _cells_before b "
              f"WHERE b.person_id IN ({_CHANGED_HERE})")  # fmt: skip
    con.execute(f"CREATE TEMP TABLE _cell_delta AS {_cell_rows(ranges, 'FALSE')} LIMIT 0", ["unknown"])  # the shape
    for measure in _measures_with_changes(con):  # most months nobody's counted months change
        con.execute(f"INSERT INTO _cell_delta {_cell_rows(ranges, f'h.person_id IN ({_CHANGED_HERE})')}", [measure])


# Inside _cell_rows: the people changed for the measure being counted (its CTE m).
_CHANGED_HERE = "SELECT person_id FROM _changed WHERE measure = (SELECT measure FROM m)"


def _measures_with_changes(con: Connection) -> list[str]:
    """Return the measures for which some person's counted months change (TEMP _changed)."""
    return [r[0] for r in con.execute("SELECT DISTINCT measure FROM _changed ORDER BY measure").fetchall()]


def finish_cell_update(con: Connection, study: str, measures: list[str]) -> None:
    """After an update: add the changed people's months and everyone's new months, for each hours measure.

    A person not changed keeps every month counted before; months after their earlier exit (the study's
    end moved on) are added from the hours now in the store. The result equals ``build_followup_cells``
    up to the order of floating-point sums (tested); people_cells are the caller's to rebuild.
    """
    after = f"SELECT * FROM ({_PEOPLE})"
    changed = (f"SELECT a.*, 0 AS k_lo, a.exit_k AS k_hi, 1 AS sign FROM ({after}) a "
               f"WHERE a.person_id IN ({_CHANGED_HERE})")  # fmt: skip
    later = (f"SELECT a.*, b.exit_k + 1 AS k_lo, a.exit_k AS k_hi, 1 AS sign FROM ({after}) a "
             "JOIN _cells_before b USING (person_id) "
             f"WHERE a.person_id NOT IN ({_CHANGED_HERE}) AND a.exit_k > b.exit_k")  # fmt: skip
    with_changes = _measures_with_changes(con)
    for measure in measures:
        if measure in with_changes:
            con.execute(
                f"INSERT INTO _cell_delta {_cell_rows(changed, f'h.person_id IN ({_CHANGED_HERE})')}",
                [measure, study],
            )
        con.execute(f"INSERT INTO _cell_delta {_cell_rows(later, 'TRUE')}", [measure, study])
    keys = " AND ".join(f"f.{k} = d.{k}" for k in _CELL_KEYS.split(", "))
    con.execute(  # the delta per cell, then only the cells it touches are rewritten
        f"""CREATE TEMP TABLE _cells_new AS
            SELECT {_CELL_KEYS}, sum(n) AS n, sum(sum_hours) AS sum_hours, sum(sum_sq_hours) AS sum_sq_hours
            FROM _cell_delta GROUP BY ALL"""
    )
    con.execute(
        f"""UPDATE followup_cells f SET n = f.n + d.n, sum_hours = f.sum_hours + d.sum_hours,
                   sum_sq_hours = f.sum_sq_hours + d.sum_sq_hours
            FROM _cells_new d WHERE {keys}"""
    )
    con.execute(
        f"""INSERT INTO followup_cells BY NAME SELECT d.* FROM _cells_new d
            WHERE NOT EXISTS (SELECT 1 FROM followup_cells f WHERE {keys})"""
    )
    con.execute("DELETE FROM followup_cells WHERE study = ? AND n <= 0", [study])  # cells nobody is in any more
    for table in ("_changed", "_cells_before", "_cell_delta", "_cells_new"):
        con.execute(f"DROP TABLE {table}")


def list_studies(con: Connection) -> pd.DataFrame:
    """Return every study in the store with its titles, demo flag and data end."""
    return query(con, "SELECT study, title_sv, title_en, is_demo, data_end FROM studies ORDER BY study")
