"""A study's saved cost scenario: the one the Costs page opens on and the board's figures use.

Saved in the store's catalogue (table ``cost_scenarios``, one row per save, none ever changed), as the
scenario file's TOML text, with when and by whom; the latest is the study's.
"""

from __future__ import annotations

import datetime as dt
import os

from analysis.economics.scenario import Scenario, parse_scenario, validate_scenario, write_scenario
from analysis.errors import InputError
from analysis.store import db


def save_scenario(path: str | os.PathLike[str], study: str, scenario: Scenario, saved_by: str) -> dt.datetime:
    """Save a study's cost scenario (a new row; earlier saves are kept) in the store's catalogue; return the time.

    The latest saved scenario is the study's: the Costs page opens on it, and the presentation, the reports
    and ``costs --study`` use it. Effects from the study are saved as the source only (their numbers come
    from the study). Raises InputError, leaving the store untouched, when the study does not exist.
    """
    text = write_scenario(validate_scenario(scenario))
    saved_at = dt.datetime.now()

    def fill(con: db.Connection) -> None:
        if not con.execute("SELECT count(*) FROM study_files WHERE study = ?", [study]).fetchone()[0]:
            raise InputError(f"Studien {study!r} finns inte.", f"Study {study!r} does not exist.")
        con.execute("INSERT INTO cost_scenarios VALUES (?, ?, ?, ?)", [study, saved_at, saved_by, text])

    db.write_catalogue(path, fill)
    return saved_at


def load_scenario(con: db.Connection, study: str) -> tuple[Scenario, dict | None]:
    """Return the study's latest saved cost scenario and when and by whom it was saved (the defaults and None).

    Parameters
    ----------
    con : Connection
        An open store (stores written before saved scenarios have none).
    study : str
        Study name.

    Returns
    -------
    tuple
        (Scenario, {"saved_at", "saved_by"} or None when none is saved).

    """
    if not db.has_table(con, "cost_scenarios"):
        return Scenario(), None
    row = con.execute(
        "SELECT scenario, saved_at, saved_by FROM cost_scenarios WHERE study = ? ORDER BY saved_at DESC LIMIT 1",
        [study],
    ).fetchone()
    if row is None:
        return Scenario(), None
    saved = {"saved_at": row[1], "saved_by": row[2]}
    return parse_scenario(row[0], f"{study} (sparat scenario / saved scenario)"), saved
