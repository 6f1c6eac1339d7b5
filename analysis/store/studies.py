"""Which studies a store holds, and facts about one study (months covered, districts)."""

from __future__ import annotations

import hashlib

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
