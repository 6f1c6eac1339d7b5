"""Add a month's data to an imported study: read → pseudonymise → validate → check against the study → write.

A monthly update brings new hours (or visits) rows and, optionally, the participants file with changed
outcome dates and newly randomized people. Only the new files are read: the study's earlier months are
not re-imported. The update works on a copy of the study's own file and replaces it in one atomic step
(``analysis.store.db.write_study(update=True)``); other studies are not touched. A re-delivered month
replaces that month. What an update may not do, because months already reported would change
silently: change a person's randomization, move a recorded outcome date earlier or remove it, drop a
randomized person, or move the data end or a measure's "complete through" backwards. Such corrections
are a full import (``import_study``), which replaces the study.

A study holds one or both hours measures (granted, performed). An update of a measure the study does not
hold yet adds it: the file then brings that measure's whole history. Each measure records the month its
own hours are complete through; the analyses stop at the earliest of them (``studies.complete_through``),
so both measures always cover the same people over the same months.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd

from analysis.errors import InputError
from analysis.intake.design import assign_design_arms
from analysis.intake.importer import check_request
from analysis.intake.problems import Problem, ProblemLog
from analysis.intake.pseudonymise import map_personnummer
from analysis.intake.read import Layout, Progress, read_files
from analysis.intake.source import Source, name_of
from analysis.intake.validate import resolve_complete_through, resolve_data_end, validate_files
from analysis.selection import MEASURE_WORDS
from analysis.settings import get_setting
from analysis.store import db

OUTCOME_DATES = ("placed_on", "died_on", "followup_end")


@dataclass(frozen=True)
class UpdateSummary:
    """What a monthly update changed."""

    study: str
    months_added: list[dt.date]
    months_replaced: list[dt.date]
    hours_rows: int
    total_hours: float
    visit_rows: int | None
    people_added: int
    outcome_dates_changed: int
    data_end: dt.date
    complete_through: dt.date
    hours_measure: str
    warnings: list[Problem]
    warnings_total: int
    measure_added: bool = False  # the study did not hold this measure before
    measures: dict[str, dt.date] | None = None  # every measure of the study → its complete-through month
    study_complete_through: dt.date | None = None  # the earliest of them: where the analyses stop

    def to_dict(self) -> dict:
        """Return a JSON-ready form."""
        return {
            "study": self.study,
            "months_added": [m.strftime("%Y-%m") for m in self.months_added],
            "months_replaced": [m.strftime("%Y-%m") for m in self.months_replaced],
            "hours_rows": self.hours_rows,
            "total_hours": self.total_hours,
            "visits": self.visit_rows,
            "people_added": self.people_added,
            "outcome_dates_changed": self.outcome_dates_changed,
            "data_end": self.data_end.isoformat(),
            "complete_through": self.complete_through.strftime("%Y-%m"),
            "measure": self.hours_measure,
            "measure_added": self.measure_added,
            "measures": {m: c.strftime("%Y-%m") for m, c in (self.measures or {}).items()},
            "study_complete_through": None
            if self.study_complete_through is None
            else self.study_complete_through.strftime("%Y-%m"),
            "warnings_total": self.warnings_total,
            "warnings": [w.message("en") for w in self.warnings],
        }


def update_study(
    db_path: str | os.PathLike[str],
    study: str,
    hours: Source | None = None,
    *,
    visits: Source | None = None,
    participants: Source | None = None,
    participants_mapping: dict[str, str] | None = None,
    hours_mapping: dict[str, str] | None = None,
    measure: str | None = None,
    key_file: str | os.PathLike[str] | None = None,
    data_end: dt.date | None = None,
    complete_through: dt.date | None = None,
    progress: Progress | None = None,
) -> UpdateSummary:
    """Add new months (hours or visits) and changed participant rows to an imported study, all or nothing.

    Parameters
    ----------
    db_path : str or Path
        The store holding the study.
    study : str
        The study to update; it must have been imported.
    hours, visits : str, Path or Upload
        Exactly one: hours per person and month, or one row per visit (summed per calendar month of its
        start), for the months delivered. Every month in the file replaces that month of the study.
    participants : str, Path or Upload, optional
        The whole participants file as now: new people are added, outcome dates filled in or moved later.
        Without it the study's people stay as they are.
    participants_mapping, hours_mapping : dict, optional
        Field name → column name, as for ``import_study``.
    measure : {'performed', 'granted'}, optional
        Which hours the file holds (default: the study's, when it holds one). A measure the study does not
        hold yet is added, its file bringing all its months; a study whose hours are of unknown kind takes
        no second measure.
    key_file : str or Path, optional
        The pseudonymisation key used when the study was imported (personnummer files).
    data_end : date, optional
        The new last day of data (default: the later of the study's and the new files' latest date).
    complete_through : date, optional
        The last month whose hours of this measure are now complete (default as for ``import_study``, never
        earlier than the measure's).
    progress : callable, optional
        Called as progress(fraction, text_sv, text_en).

    Returns
    -------
    UpdateSummary

    Raises
    ------
    ImportRejected
        With every problem found, including conflicts with the study; the store is unchanged.
    InputError
        When a file cannot be read, the study does not exist, or the measure is not given for a study of
        two, or cannot be added.
    StoreError
        When another import replaced the study during the update (run it again).

    """
    check_request(hours, visits, measure, data_end)
    report = progress or (lambda *_: None)
    care_kind = "visits" if visits is not None else "hours"
    paths: dict[str, Source] = {care_kind: visits if visits is not None else hours}
    mappings = {care_kind: hours_mapping}
    if participants is not None:
        paths = {"participants": participants, **paths}
        mappings["participants"] = participants_mapping
    checked: dict = {}

    def prepare(con: db.Connection) -> None:
        """Read and check the new files on the copy of the study's file; raise ImportRejected on any problem."""
        old_end, held = _study_state(con, study)
        chosen = _choose_measure(study, measure, held)
        old_complete = held.get(chosen)
        files = {kind: name_of(source) for kind, source in paths.items()}
        if "participants" not in files:
            files["participants"] = f"{study} (databasen / the database)"
        if care_kind == "visits":
            files["visit_months"] = files["visits"]
        log = ProblemLog(files, int(get_setting("max_problems")))
        design = con.execute("SELECT design FROM studies WHERE study = ?", [study]).fetchone()[0]
        layout = read_files(con, paths, mappings, log, report, design)
        report(0.3, "Pseudonymiserar och tolkar värden", "Pseudonymising and parsing values")
        map_personnummer(con, layout, key_file)
        if participants is None:
            _study_people(con, study)
        report(0.45, "Kontrollerar", "Checking")
        validate_files(con, layout, log, data_end)
        if participants is not None:
            assign_design_arms(con, study, design, layout, log)
            _check_people_against_study(con, study, layout, log)
        new_end = resolve_data_end(con, data_end) if data_end is not None else max(old_end, resolve_data_end(con, None))
        if new_end < old_end:
            log.add(Problem(care_kind, files[care_kind], None, None, new_end.isoformat(), "end_moved_back",
                            details={"first": old_end.isoformat()}))  # fmt: skip
        new_complete = resolve_complete_through(new_end, complete_through)
        if complete_through is not None and old_complete is not None and new_complete < old_complete:
            log.add(Problem(care_kind, files[care_kind], None, None, f"{new_complete:%Y-%m}", "complete_moved_back",
                            details={"first": f"{old_complete:%Y-%m}"}))  # fmt: skip
        log.raise_if_errors()
        measures = {**held, chosen: max(new_complete, old_complete or new_complete)}
        checked.update(log=log, data_end=new_end, measures=measures, measure=chosen,
                       added=chosen not in held)  # fmt: skip

    def fill(con: db.Connection) -> None:
        """Replace the delivered months and the participants, then rebuild the study's cells."""
        report(0.6, "Skriver uppdateringen", "Writing the update")
        checked["summary"] = _write_update(con, study, checked, participants is not None)

    db.write_study(db_path, study, fill, prepare=prepare, update=True)
    report(1.0, "Klart", "Done")
    return checked["summary"]


def _study_state(con: db.Connection, study: str) -> tuple[dt.date, dict[str, dt.date]]:
    """Return the study's data end and its hours measures with their complete-through months (the copy)."""
    row = con.execute("SELECT data_end FROM studies WHERE study = ?", [study]).fetchone()
    if row is None:  # the copy is the study's own file, so this is a store written wrongly
        raise InputError(f"Studien {study!r} finns inte.", f"Study {study!r} does not exist.")
    held = con.execute("SELECT measure, complete_through FROM study_measures WHERE study = ?", [study]).fetchall()
    return row[0], dict(held)


def _choose_measure(study: str, measure: str | None, held: dict[str, dt.date]) -> str:
    """Return the measure an update writes: the one asked for, or the study's only one; refuse what cannot be."""
    names = sorted(held)
    if measure is None:
        if len(names) == 1:
            return names[0]
        raise InputError(
            f"Studien {study} har både {' och '.join(MEASURE_WORDS[m][0] for m in names)}; ange vilket mått "
            f"filen har (--measure {'|'.join(names)}).",
            f"The study {study} holds both {' and '.join(MEASURE_WORDS[m][1] for m in names)}; say which measure "
            f"the file holds (--measure {'|'.join(names)}).",
        )
    if measure not in held and "unknown" in held:
        raise InputError(
            f"Studien {study} har timmar av okänt slag; importera om dem med --measure performed eller granted "
            f"innan ni lägger till {MEASURE_WORDS[measure][0]}.",
            f"The study {study} holds hours of unknown kind; import them again with --measure performed or "
            f"granted before adding {MEASURE_WORDS[measure][1]}.",
        )
    return measure


def _default_measure(measures: dict[str, dt.date]) -> str:
    """Return the measure analyses use unless told otherwise: granted when held (unit costs are per granted hour)."""
    return "granted" if "granted" in measures else sorted(measures)[0]


def _study_people(con: db.Connection, study: str) -> None:
    """Create ``participants_typed`` from the study's own people (an update without a participants file)."""
    con.execute(
        """CREATE TEMP TABLE participants_typed AS
           SELECT row_number() OVER (ORDER BY person_id) AS _row, person_id AS id, arm, randomized_on, age, sex,
                  application_type, baseline_hours, placed_on, died_on, followup_end, district AS district_raw
           FROM participants WHERE study = ?""",
        [study],
    )


def _check_people_against_study(con: db.Connection, study: str, layout: Layout, log: ProblemLog) -> None:
    """Reject a participants file that changes a randomization, moves a recorded date earlier or drops a person."""
    columns = layout.columns["participants"]
    olds = ", ".join(f"o.{name} AS old_{name}" for name in ("arm", "randomized_on", *OUTCOME_DATES))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE participants_typed AS
            SELECT t.*, o.person_id IS NOT NULL AS known, {olds}
            FROM participants_typed t LEFT JOIN participants o ON o.study = ? AND o.person_id = t.id""",
        [study],
    )
    for name in ("arm", "randomized_on"):
        where = f"known AND {name} IS NOT NULL AND {name} <> old_{name}"
        log.check(con, "participants", columns.get(name, name), "randomization_changed", where, value=f"{name}_raw",
                  extra=f", old_{name}")  # fmt: skip
    for name in OUTCOME_DATES:
        where = f"known AND old_{name} IS NOT NULL AND ({name} IS NULL OR {name} < old_{name})"
        log.check(con, "participants", columns.get(name, name), "date_moved_back", where, value=f"{name}_raw",
                  extra=f", old_{name}")  # fmt: skip
    missing = con.execute(
        "SELECT count(*) FROM participants WHERE study = ? AND person_id NOT IN "
        "(SELECT id FROM participants_typed WHERE id IS NOT NULL)",
        [study],
    ).fetchone()[0]
    if missing:
        id_column = columns[layout.id_kind["participants"]]
        log.add(Problem("participants", layout.files["participants"], None, id_column, None, "person_dropped",
                        details={"count": missing}))  # fmt: skip


_LAST_DAY = "least(coalesce({t}.placed_on, ?), coalesce({t}.died_on, ?), coalesce({t}.followup_end, ?), ?)"
_PEOPLE_CHANGED = f"""
    SELECT t.id AS person_id FROM participants_typed t LEFT JOIN participants o ON o.study = ? AND o.person_id = t.id
    WHERE o.person_id IS NULL OR t.arm IS DISTINCT FROM o.arm OR t.randomized_on IS DISTINCT FROM o.randomized_on
       OR t.age::INTEGER IS DISTINCT FROM o.age OR t.sex IS DISTINCT FROM o.sex
       OR t.application_type IS DISTINCT FROM o.application_type
       OR coalesce(t.district_raw, '') <> coalesce(o.district, '')
       OR date_trunc('month', {_LAST_DAY.format(t="t")}) < date_trunc('month', {_LAST_DAY.format(t="o")})
"""  # people new, in another cell, or leaving home in an earlier month than counted (for every hours measure)
_HOURS_CHANGED = """
    SELECT id AS person_id FROM hours_typed WHERE month <= ?
    UNION SELECT person_id FROM hours
    WHERE study = ? AND measure = ? AND month <= ? AND month IN (SELECT DISTINCT month FROM hours_typed)
"""  # people with hours of the updated measure changed in a month already counted
# Everyone else keeps their months and gains the new ones.


def _write_update(con: db.Connection, study: str, checked: dict, with_people: bool) -> UpdateSummary:
    """Write the checked rows into the copy of the study's file and update its cells; return what changed."""
    measure, measures = checked["measure"], checked["measures"]
    study_complete = min(measures.values())
    old = db.study_end(con, study)  # the analyses' end before and after the update (db.STUDY_END)
    new = min(checked["data_end"], (pd.Timestamp(study_complete) + pd.offsets.MonthEnd(0)).date())
    # The cells of the measures held before are updated; a measure added now has its cells built afterwards.
    people = (_PEOPLE_CHANGED, [study, new, new, new, new, old, old, old, old])
    recount = {m: people for m in measures if m != measure}
    if not checked["added"]:
        recount[measure] = (f"{_PEOPLE_CHANGED} UNION {_HOURS_CHANGED}", [*people[1], old, study, measure, old])
    db.begin_cell_update(con, study, recount)
    delivered = [r[0] for r in con.execute("SELECT DISTINCT month FROM hours_typed ORDER BY month").fetchall()]
    in_months = "study = ? AND measure = ? AND month IN (SELECT DISTINCT month FROM hours_typed)"
    present = {
        r[0] for r in con.execute(f"SELECT DISTINCT month FROM hours WHERE {in_months}", [study, measure]).fetchall()
    }
    con.execute(f"DELETE FROM hours WHERE {in_months}", [study, measure])
    con.execute("INSERT INTO hours SELECT ?, id, month, hours, ? FROM hours_typed", [study, measure])
    rows, total = con.execute("SELECT count(*), coalesce(sum(hours), 0) FROM hours_typed").fetchone()
    added = changed = 0
    if with_people:
        added = con.execute("SELECT count(*) FROM participants_typed WHERE NOT known").fetchone()[0]
        differs = " OR ".join(f"{n} IS DISTINCT FROM old_{n}" for n in OUTCOME_DATES)
        changed = con.execute(f"SELECT count(*) FROM participants_typed WHERE known AND ({differs})").fetchone()[0]
        columns = ("arm", "randomized_on", "age", "sex", "application_type", "baseline_hours", *OUTCOME_DATES)
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM o.{c}" for c in columns)
        con.execute(  # only new and changed rows are rewritten
            f"""CREATE TEMP TABLE _rows_changed AS SELECT t.id FROM participants_typed t
                LEFT JOIN participants o ON o.study = ? AND o.person_id = t.id
                WHERE o.person_id IS NULL OR {differs} OR t.district_raw IS DISTINCT FROM o.district""",
            [study],
        )
        con.execute("DELETE FROM participants WHERE study = ? AND person_id IN (SELECT id FROM _rows_changed)", [study])
        con.execute(
            """INSERT INTO participants SELECT ?, id, arm, randomized_on, age::INTEGER, sex, application_type,
               baseline_hours, placed_on, died_on, followup_end, district_raw FROM participants_typed
               WHERE id IN (SELECT id FROM _rows_changed)""",
            [study],
        )
        con.execute("DROP TABLE _rows_changed")
    con.execute("DELETE FROM study_measures WHERE study = ?", [study])
    con.executemany("INSERT INTO study_measures VALUES (?, ?, ?)", [[study, m, c] for m, c in sorted(measures.items())])
    con.execute(
        "UPDATE studies SET data_end = ?, complete_through = ?, hours_measure = ?, loaded_at = now() WHERE study = ?",
        [checked["data_end"], study_complete, _default_measure(measures), study],
    )
    db.finish_cell_update(con, study, sorted(recount))
    if checked["added"]:
        db.build_followup_cells(con, study, measure)
    db.build_people_cells(con, study)
    visit_rows = None
    if db.has_table(con, "visits_typed", "temp"):
        visit_rows = int(con.execute("SELECT count(*) FROM visits_typed").fetchone()[0])
    log: ProblemLog = checked["log"]
    return UpdateSummary(
        study,
        [m for m in delivered if m not in present],
        [m for m in delivered if m in present],
        int(rows),
        float(total),
        visit_rows,
        int(added),
        int(changed),
        checked["data_end"],
        measures[measure],
        measure,
        log.warnings,
        log.warning_total,
        checked["added"],
        dict(sorted(measures.items())),
        study_complete,
    )
