"""Replace personnummer by keyed pseudonyms before any value is typed, checked or written."""

from __future__ import annotations

import os

import pandas as pd

from analysis.intake.personnummer import normalize_personnummer
from analysis.intake.pseudonym import load_or_create_key, pseudonymize
from analysis.intake.read import Layout
from analysis.store import db


def map_personnummer(con: db.Connection, layout: Layout, key_file: str | os.PathLike[str] | None) -> bool:
    """Build TEMP table ``_pnr_map`` (raw number → keyed pseudonym) when the files use personnummer.

    Invalid numbers get no pseudonym (validation reports them without showing them). The map lives
    in memory only and is dropped once the ids are checked.

    Parameters
    ----------
    con : Connection
        The connection holding the TEMP tables ``{kind}_src`` of the files read.
    layout : Layout
        The files' columns (from read_files).
    key_file : str or Path, optional
        The pseudonymisation key (default: the pseudonym_key_path setting); created on first use.

    Returns
    -------
    bool
        Whether the files use personnummer (and the map was built).

    """
    if not layout.pseudonymised:
        return False
    distinct = con.execute(
        " UNION ".join(f"SELECT {layout.id_sql(kind)} AS raw FROM {kind}_src" for kind in layout.kinds)
    ).fetchall()
    raw = [v for (v,) in distinct if v is not None]
    normalized = [normalize_personnummer(v) for v in raw]
    valid = [(r, n) for r, n in zip(raw, normalized, strict=True) if n is not None]
    key = load_or_create_key(key_file)
    mapping = pd.DataFrame({"raw": [r for r, _ in valid], "id": pseudonymize([n for _, n in valid], key)}, dtype=object)
    con.register("_pnr_frame", mapping)
    con.execute("CREATE TEMP TABLE _pnr_map AS SELECT * FROM _pnr_frame")
    con.unregister("_pnr_frame")
    del mapping, raw, normalized, valid, distinct
    return True
