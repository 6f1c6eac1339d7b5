"""Write a checked study into a new store: replace its rows, rebuild its cells, and say what was loaded."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from analysis.intake.design import write_adoption
from analysis.intake.problems import Problem, ProblemLog
from analysis.intake.read import Progress
from analysis.intake.validate import resolve_complete_through
from analysis.store import db


@dataclass(frozen=True)
class ImportSummary:
    """What an import loaded."""

    study: str
    people: dict[str, int]
    first_month: dt.date | None
    last_month: dt.date | None
    hours_rows: int
    total_hours: float
    data_end: dt.date
    complete_through: dt.date
    pseudonymised: bool
    warnings: list[Problem]
    warnings_total: int
    measurement_rows: dict[str, int] | None = None  # instrument → rows, when a measurements file was imported
    visit_rows: int | None = None  # visits summed into the hours rows, when a visits file was imported
    hours_measure: str = "unknown"  # performed, granted or unknown
    design: str = "randomized"  # how the groups came about (selection.DESIGNS)

    def to_dict(self) -> dict:
        """Return a JSON-ready form."""
        return {
            "study": self.study,
            "people": self.people,
            "first_month": None if self.first_month is None else self.first_month.strftime("%Y-%m"),
            "last_month": None if self.last_month is None else self.last_month.strftime("%Y-%m"),
            "hours_rows": self.hours_rows,
            "total_hours": self.total_hours,
            "data_end": self.data_end.isoformat(),
            "complete_through": self.complete_through.strftime("%Y-%m"),
            "pseudonymised": self.pseudonymised,
            "warnings_total": self.warnings_total,
            "warnings": [w.message("en") for w in self.warnings],
            "measurements": self.measurement_rows,
            "visits": self.visit_rows,
            "measure": self.hours_measure,
            "design": self.design,
        }


def write_study(
    con: db.Connection,
    study: str,
    data_end: dt.date,
    pseudonymised: bool,
    log: ProblemLog,
    progress: Progress | None = None,
    measurements: bool = False,
    measure: str = "unknown",
    complete_through: dt.date | None = None,
    salt: str = "",
    design: str = "randomized",
) -> ImportSummary:
    """Replace ``study`` with the checked rows of ``participants_typed``, ``hours_typed`` (and ``measurements_typed``).

    Parameters
    ----------
    con : Connection
        The study's new, empty file (see analysis.store.db.write_study), holding the checked TEMP tables.
    study : str
        Name of the study to create or replace.
    data_end : date
        The study's last day of data.
    pseudonymised : bool
        Whether the ids are keyed pseudonyms of personnummer.
    log : ProblemLog
        The import's log; its warnings go into the summary.
    progress : callable, optional
        Called as progress(fraction, text_sv, text_en) before the cells are rebuilt.
    measurements : bool
        Whether a checked measurements file is in ``measurements_typed``.
    measure : {'performed', 'granted', 'unknown'}
        Which home-care hours these are.
    complete_through : date, optional
        First day of the last month whose hours are complete (default: from the data end, see
        ``validate.resolve_complete_through``).
    salt : str
        The study's cell-key secret (kept from an earlier import of the study); '' draws a new one.
    design : str
        How the groups came about (fileformat.DESIGNS). In a roll-out a person's arm is 'intervention' when
        their area adopted (TEMP table ``adoption_typed``), else 'control'; in a single group 'intervention'.

    Returns
    -------
    ImportSummary

    """
    complete_through = complete_through or resolve_complete_through(data_end, None)
    con.execute(
        "INSERT INTO studies (study, title_sv, title_en, is_demo, data_end, loaded_at, hours_measure, "
        "complete_through, cell_key_salt, design) VALUES (?, ?, ?, FALSE, ?, now(), ?, ?, ?, ?)",
        [study, study, study, data_end, measure, complete_through, salt or secrets.token_hex(16), design],
    )
    if design == "rollout":  # the group is the area's: did it adopt within the data
        adopted = "SELECT area FROM adoption_typed WHERE adopted_on IS NOT NULL"
        con.execute(f"UPDATE participants_typed SET arm = CASE WHEN district_raw IN ({adopted}) "
                    "THEN 'intervention' ELSE 'control' END")  # fmt: skip
        write_adoption(con, study)
    elif design == "single_group":
        con.execute("UPDATE participants_typed SET arm = 'intervention'")
    con.execute(
        """INSERT INTO participants SELECT ?, id, arm, randomized_on, age::INTEGER, sex, application_type,
           baseline_hours, placed_on, died_on, followup_end, district_raw FROM participants_typed""",
        [study],
    )
    con.execute("INSERT INTO study_measures VALUES (?, ?, ?)", [study, measure, complete_through])
    con.execute("INSERT INTO hours SELECT ?, id, month, hours, ? FROM hours_typed", [study, measure])
    measured = None
    if measurements:
        con.execute(
            "INSERT INTO measurements SELECT ?, id, visit, visit_date, name, value FROM measurements_typed", [study]
        )
        measured = dict(
            con.execute("SELECT name, count(*) FROM measurements_typed GROUP BY name ORDER BY name").fetchall()
        )
        con.execute("DROP TABLE measurements_typed")
    if progress is not None:
        progress(0.8, "Beräknar sammanställningar", "Computing aggregates")
    db.build_aggregates(con, study)
    people = dict(con.execute("SELECT arm, count(*) FROM participants_typed GROUP BY arm ORDER BY arm").fetchall())
    first, last, rows, total = con.execute(
        "SELECT min(month), max(month), count(*), coalesce(sum(hours), 0) FROM hours_typed"
    ).fetchone()
    visit_rows = None
    if db.has_table(con, "visits_typed", "temp"):
        visit_rows = int(con.execute("SELECT count(*) FROM visits_typed").fetchone()[0])
        con.execute("DROP TABLE visits_typed")
    for table in ("participants_typed", "hours_typed"):
        con.execute(f"DROP TABLE {table}")
    return ImportSummary(
        study,
        people,
        first,
        last,
        int(rows),
        float(total),
        data_end,
        complete_through,
        pseudonymised,
        log.warnings,
        log.warning_total,
        measured,
        visit_rows,
        measure,
        design,
    )
