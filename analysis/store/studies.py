"""Which studies a store holds, and facts about one study (months covered, districts)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

import pandas as pd

from analysis.errors import InputError, StoreError
from analysis.store import db


def resolve_study(con: db.Connection, study: str | None = None) -> str:
    """Return the study to use: the named one, else the only one, else the demo study.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str, optional
        The requested study name.

    Returns
    -------
    str
        A study present in the store.

    """
    studies = db.list_studies(con)
    names = studies["study"].tolist()
    if not names:
        raise StoreError("Databasen innehåller ingen studie.", "The database holds no study.")
    if study is not None:
        if study not in names:
            raise InputError(
                f"Studien {study!r} finns inte; tillgängliga: {', '.join(names)}.",
                f"Study {study!r} does not exist; available: {', '.join(names)}.",
            )
        return study
    if len(names) == 1:
        return names[0]
    demos = studies.loc[studies["is_demo"], "study"].tolist()
    if demos:
        return demos[0]
    raise InputError(
        f"Databasen har flera studier; välj en av: {', '.join(names)}.",
        f"The database holds several studies; choose one of: {', '.join(names)}.",
    )


def describe_study(con: db.Connection, study: str) -> dict:
    """Return title, demo flag, last follow-up month and districts of a study."""
    row = db.query(
        con,
        """SELECT s.title_sv, s.title_en, s.is_demo,
                  (SELECT max(month_k) FROM followup_cells f WHERE f.study = s.study) AS max_month
           FROM studies s WHERE s.study = ?""",
        [study],
    ).iloc[0]
    districts = db.query(con, "SELECT DISTINCT district FROM people_cells WHERE study = ? ORDER BY district", [study])[
        "district"
    ].tolist()
    max_month = row["max_month"]
    return {
        "study": study,
        "title_sv": row["title_sv"],
        "title_en": row["title_en"],
        "is_demo": bool(row["is_demo"]),
        "max_month": None if max_month is None or max_month != max_month else int(max_month),
        "districts": districts,
    }


def find_study(con: db.Connection, requested: str | None = None) -> dict:
    """Resolve the requested study (see resolve_study) and return its facts (see describe_study)."""
    return describe_study(con, resolve_study(con, requested))


def check_month(info: dict, month: int) -> int:
    """Return month if the study has follow-up data for it, else raise InputError saying the range."""
    top = info["max_month"]
    if top is None or not 0 <= month <= top:
        span = "ingen" if top is None else f"0–{top}"
        span_en = "none" if top is None else f"0–{top}"
        raise InputError(
            f"Månad {month} finns inte i studien {info['study']!r}; uppföljningsmånader: {span}.",
            f"Month {month} is not in study {info['study']!r}; follow-up months: {span_en}.",
        )
    return month


def check_districts(info: dict, districts: tuple[str, ...]) -> None:
    """Raise InputError when a requested district does not occur in the study."""
    unknown = [d for d in districts if d not in info["districts"]]
    if unknown:
        known = ", ".join(d for d in info["districts"] if d)
        raise InputError(
            f"Distriktet {unknown[0]!r} finns inte i studien; tillgängliga: {known}.",
            f"District {unknown[0]!r} is not in the study; available: {known}.",
        )


def fingerprint_study(con: db.Connection, study: str) -> str:
    """Return a short hash of everything loaded for a study (participants and hours), computed in DuckDB."""
    row = db.query(
        con,
        """SELECT (SELECT coalesce(sum(hash(person_id, arm, randomized_on, age, sex, application_type,
                          baseline_hours, placed_on, died_on, followup_end, district) % 1000000007), 0)
                   FROM participants WHERE study = ?) AS p,
                  (SELECT count(*) FROM participants WHERE study = ?) AS np,
                  (SELECT coalesce(sum(hash(person_id, month, hours) % 1000000007), 0) FROM hours WHERE study = ?) AS h,
                  (SELECT count(*) FROM hours WHERE study = ?) AS nh""",
        [study, study, study, study],
    ).iloc[0]
    text = "|".join(str(v) for v in row.tolist())
    return hashlib.sha256(text.encode()).hexdigest()[:12]


PRIMARY_OUTCOMES = ("cost", "days_home")
DEFAULT_WINDOW = 24


@dataclass(frozen=True)
class AnalysisPlan:
    """A study's primary analysis: the outcome per randomized person and the window, and when it was set."""

    primary_outcome: str
    window_months: int
    note: str | None = None
    set_on: dt.datetime | None = None  # None: no plan is stored, the defaults apply

    def __post_init__(self) -> None:
        """Reject an unknown outcome or a window under one month, naming the value."""
        if self.primary_outcome not in PRIMARY_OUTCOMES:
            raise InputError(
                f"Primärt utfall {self.primary_outcome!r} finns inte; välj {' eller '.join(PRIMARY_OUTCOMES)}.",
                f"Primary outcome {self.primary_outcome!r} does not exist; choose {' or '.join(PRIMARY_OUTCOMES)}.",
            )
        if int(self.window_months) < 1:
            raise InputError(
                f"Fönstret måste vara minst 1 månad; fick {self.window_months}.",
                f"The window must be at least 1 month; got {self.window_months}.",
            )

    @property
    def pre_specified(self) -> bool:
        """Return whether the plan was stored (rather than the defaults)."""
        return self.set_on is not None


def load_plan(con: db.Connection, study: str) -> AnalysisPlan:
    """Return the study's stored analysis plan, or the defaults (care cost over 24 months or all follow-up).

    Parameters
    ----------
    con : Connection
        An open store (stores written before plans existed have none).
    study : str
        Study name.

    Returns
    -------
    AnalysisPlan

    """
    if db.has_table(con, "analysis_plans"):
        rows = db.query(
            con, "SELECT primary_outcome, window_months, note, set_on FROM analysis_plans WHERE study = ?", [study]
        )
        if len(rows):
            row = rows.iloc[0]
            note = None if row["note"] is None or row["note"] != row["note"] else str(row["note"])
            set_on = pd.Timestamp(row["set_on"]).to_pydatetime()
            return AnalysisPlan(str(row["primary_outcome"]), int(row["window_months"]), note, set_on)
    top = describe_study(con, study)["max_month"] or 1
    return AnalysisPlan("cost", max(1, min(DEFAULT_WINDOW, top)))


def save_plan(path: str | os.PathLike[str], study: str, plan: AnalysisPlan) -> AnalysisPlan:
    """Store a study's analysis plan in the store at path (a new file swapped in); return it with its time.

    Raises InputError, leaving the store untouched, when the study does not exist.
    """
    stamped = AnalysisPlan(plan.primary_outcome, int(plan.window_months), plan.note, dt.datetime.now())

    def fill(con: db.Connection) -> None:
        if not con.execute("SELECT count(*) FROM studies WHERE study = ?", [study]).fetchone()[0]:
            raise InputError(f"Studien {study!r} finns inte.", f"Study {study!r} does not exist.")
        con.execute("DELETE FROM analysis_plans WHERE study = ?", [study])
        con.execute(
            "INSERT INTO analysis_plans VALUES (?, ?, ?, ?, ?)",
            [study, stamped.primary_outcome, stamped.window_months, stamped.note, stamped.set_on],
        )

    db.write_store(path, fill)
    return stamped
