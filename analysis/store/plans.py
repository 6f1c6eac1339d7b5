"""A study's analysis plan as an append-only history: every save is a version, none is changed or deleted.

Each version records when and by whom it was saved, the study's data version and how much outcome data
existed then (people randomized before the plan's date, who had some follow-up; the complete-through
month). The primary plan is the last version saved while no outcome data existed, else the first: a plan
changed after the results could be seen does not become the primary, and every page, slide and stamp says
that a later version exists and what it changed (ICH E9, 1998; E9(R1), 2019). Stores written before
versions hold one row per study, read as version 1.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace

import pandas as pd

from analysis.errors import InputError, shaped_personnummer
from analysis.store import db
from analysis.store.studies import AnalysisPlan, fingerprint_study, parse_covariates

PLAN_FIELDS = ("primary_outcome", "window_months", "estimator", "covariates", "band_edges")  # what "changed" lists
PLAN_FIELDS += ("alpha", "spending", "planned_n", "final_on", "futility")


@dataclass(frozen=True)
class PlanVersion:
    """One saved version of a study's plan and what existed when it was saved."""

    version: int
    saved_at: dt.datetime | None
    saved_by: str | None
    data_version: str | None
    people_with_outcome_data: int | None
    complete_through: dt.date | None
    plan: AnalysisPlan

    @property
    def changed_after_data(self) -> bool:
        """Return whether the version came after outcome data existed (and is not the first)."""
        return self.version > 1 and bool(self.people_with_outcome_data)

    def to_dict(self) -> dict:
        """Return the JSON form (plan --history --json)."""
        return {
            "version": self.version,
            "saved_at": self.saved_at.isoformat(timespec="seconds") if self.saved_at else None,
            "saved_by": self.saved_by,
            "data_version": self.data_version,
            "people_with_outcome_data": self.people_with_outcome_data,
            "complete_through": self.complete_through.isoformat() if self.complete_through else None,
            "plan": plan_to_dict(self.plan),
            "changed_after_data": self.changed_after_data,
        }


def plan_to_dict(plan: AnalysisPlan) -> dict:
    """Return the JSON form of an analysis plan (plan --json; each version of plan --history --json)."""
    return {
        "primary_outcome": plan.primary_outcome,
        "window_months": plan.window_months,
        "note": plan.note,
        "set_on": plan.set_on.isoformat(timespec="seconds") if plan.set_on else None,
        "pre_specified": plan.pre_specified,
        "estimator": plan.estimator,
        "covariates": list(plan.covariates),
        "band_edges": list(plan.band_edges) if plan.band_edges is not None else None,
        "monitoring": {
            "alpha": plan.alpha,
            "spending": plan.spending,
            "planned_n": plan.planned_n,
            "final_on": plan.final_on.isoformat() if plan.final_on else None,
            "futility": plan.futility,
        },
        "version": plan.version,
        "set_after_data": plan.set_after_data,
        "changed_later": [
            {"version": version, "saved_on": day, "changed": list(fields)}
            for version, day, fields in plan.changed_later
        ],
    }


def _given(row: dict, name: str):
    """Return a column's value, None when missing or NULL (older stores lack columns; pandas reads NULL as NaN)."""
    value = row.get(name)
    return None if value is None or value != value else value


def _text(row: dict, name: str) -> str | None:
    """Return a text column's value, or None."""
    value = _given(row, name)
    return None if value is None else str(value)


def _plan_of(row: dict) -> AnalysisPlan:
    """Return the AnalysisPlan a stored row holds."""
    edges = _text(row, "band_edges")
    alpha, planned, final = _given(row, "alpha"), _given(row, "planned_n"), _given(row, "final_on")
    return AnalysisPlan(
        str(row["primary_outcome"]),
        int(row["window_months"]),
        _text(row, "note"),
        pd.Timestamp(row["set_on"]).to_pydatetime(),
        _text(row, "estimator") or "difference",
        parse_covariates(_text(row, "covariates")),
        tuple(int(v) for v in edges.split(",")) if edges else None,
        0.05 if alpha is None else float(alpha),
        _text(row, "spending") or "obf",
        None if planned is None else int(planned),
        None if final is None else pd.Timestamp(final).date(),
        bool(_given(row, "futility")),
    )


def list_plan_versions(con: db.Connection, study: str) -> list[PlanVersion]:
    """Return every saved version of the study's plan, oldest first (a store from before versions: version 1).

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.

    Returns
    -------
    list of PlanVersion

    """
    if not db.has_table(con, "analysis_plans"):
        return []
    rows = db.query(con, "SELECT * FROM analysis_plans WHERE study = ?", [study])
    out = []
    for row in rows.to_dict("records"):
        version = int(_given(row, "version") or 1)  # a store from before versions: its one plan is version 1
        people, complete, saved = (_given(row, c) for c in ("people_with_outcome_data", "complete_through", "saved_at"))
        out.append(
            PlanVersion(
                version,
                None if saved is None else pd.Timestamp(saved).to_pydatetime(),
                _text(row, "saved_by"),
                _text(row, "data_version"),
                None if people is None else int(people),
                None if complete is None else pd.Timestamp(complete).date(),
                replace(_plan_of(row), version=version),
            )
        )
    return sorted(out, key=lambda v: v.version)


def describe_changes(old: AnalysisPlan, new: AnalysisPlan) -> tuple[str, ...]:
    """Return the names of the plan's fields that differ between two versions (PLAN_FIELDS)."""
    return tuple(name for name in PLAN_FIELDS if getattr(old, name) != getattr(new, name))


def find_primary(versions: list[PlanVersion]) -> AnalysisPlan:
    """Return the primary plan: the last version saved before outcome data existed, else the first.

    The plan carries its version, whether even the first came after data (``set_after_data``), and the
    later versions saved after data existed with their date and what they changed (``changed_later``).
    """
    primary = versions[0]
    for version in versions[1:]:
        if not version.changed_after_data:
            primary = version
    later = tuple(
        (v.version, (v.saved_at or v.plan.set_on).date().isoformat(), describe_changes(primary.plan, v.plan))
        for v in versions
        if v.version > primary.version and v.changed_after_data
    )
    first_after = primary.version == 1 and bool(primary.people_with_outcome_data)
    return replace(primary.plan, version=primary.version, changed_later=later, set_after_data=first_after)


def _data_then(path: str | os.PathLike[str], study: str, set_on: dt.datetime) -> tuple[str, int, dt.date | None]:
    """Return the study's data version, the people randomized before the plan's date and the complete month."""
    con = db.connect(path)
    try:
        if not con.execute("SELECT count(*) FROM studies WHERE study = ?", [study]).fetchone()[0]:
            raise InputError(f"Studien {study!r} finns inte.", f"Study {study!r} does not exist.")
        people = con.execute(
            "SELECT count(*) FROM participants p JOIN studies s USING (study) "
            "WHERE p.study = ? AND p.randomized_on < least(?::DATE, s.data_end)",
            [study, set_on.date()],
        ).fetchone()[0]
        complete = con.execute(
            "SELECT coalesce(complete_through, date_trunc('month', data_end)::DATE) FROM studies WHERE study = ?",
            [study],
        ).fetchone()[0]
        return fingerprint_study(con, study), int(people), complete
    finally:
        con.close()


def save_plan_version(
    path: str | os.PathLike[str],
    study: str,
    plan: AnalysisPlan,
    set_on: dt.datetime | None = None,
    saved_by: str = "command line",
) -> AnalysisPlan:
    """Add a version of the study's plan to the store's catalogue (nothing earlier is changed); return it.

    ``set_on`` is the time the plan is recorded as fixed: now, unless the demo's generator dates its plan.
    What existed then is recorded with it (data version, people with some follow-up, complete month).
    Raises InputError, leaving the store untouched, when the study does not exist.

    Parameters
    ----------
    path : str or Path
        The store.
    study : str
        Study name.
    plan : AnalysisPlan
        The plan to save.
    set_on : datetime, optional
        When the plan counts as fixed (default: now).
    saved_by : str
        Who saved it: the logged-in user, 'single-user mode' or 'command line'.

    Returns
    -------
    AnalysisPlan
        The version saved (load_plan gives the primary, which may be an earlier one).

    """
    if shaped_personnummer(plan.note):  # a note is shown on every page and stamped on every export
        raise InputError(
            "Planens anteckning innehåller något som ser ut som ett personnummer; skriv den utan.",
            "The plan's note holds something that looks like a personnummer; write it without.",
        )
    saved_at = dt.datetime.now()
    stamped = replace(plan, window_months=int(plan.window_months), set_on=set_on or saved_at)
    edges = ",".join(str(v) for v in stamped.band_edges) if stamped.band_edges is not None else None
    data_version, people, complete = _data_then(path, study, stamped.set_on)

    def fill(con: db.Connection) -> None:
        if not con.execute("SELECT count(*) FROM study_files WHERE study = ?", [study]).fetchone()[0]:
            raise InputError(f"Studien {study!r} finns inte.", f"Study {study!r} does not exist.")
        (latest,) = con.execute(
            "SELECT coalesce(max(coalesce(version, 1)), 0) FROM analysis_plans WHERE study = ?", [study]
        ).fetchone()
        con.execute(
            """INSERT INTO analysis_plans (study, primary_outcome, window_months, note, set_on, estimator, covariates,
               band_edges, version, saved_at, saved_by, data_version, people_with_outcome_data, complete_through,
               alpha, spending, planned_n, final_on, futility)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                study,
                stamped.primary_outcome,
                stamped.window_months,
                stamped.note,
                stamped.set_on,
                stamped.estimator,
                ",".join(stamped.covariates),
                edges,
                int(latest) + 1,
                saved_at,
                saved_by,
                data_version,
                people,
                complete,
                float(stamped.alpha),
                stamped.spending,
                stamped.planned_n,
                stamped.final_on,
                bool(stamped.futility),
            ],
        )

    db.write_catalogue(path, fill)
    return stamped
