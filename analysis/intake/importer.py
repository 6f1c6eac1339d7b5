"""Import a study (participants, hours, optional measurements): read → pseudonymise → validate → write, all or nothing.

The files are read as text into TEMP tables of a new, empty store (``read``); personnummer are
replaced by keyed pseudonyms before anything is typed (``pseudonymise``); every rule is checked and
every problem listed at once (``validate``); only clean files replace the study, by
building the study's new file and swapping it in (``write``, ``analysis.store.db.write_study``); no other
study of the store is read or copied.
"""

from __future__ import annotations

import datetime as dt
import os

from analysis.errors import InputError, shaped_personnummer
from analysis.intake.design import check_adoption, check_design, check_single_group, read_adoption
from analysis.intake.eq5d import read_value_set
from analysis.intake.problems import ImportRejected, Problem, ProblemLog
from analysis.intake.pseudonym import derive_cell_key_salt, load_or_create_key
from analysis.intake.pseudonymise import map_personnummer
from analysis.intake.read import Progress, read_files
from analysis.intake.source import Source, name_of
from analysis.intake.validate import resolve_complete_through, resolve_data_end, validate_files
from analysis.intake.write import ImportSummary, write_study
from analysis.settings import get_setting
from analysis.store import db
from analysis.store.studies import kept_cell_key_salt

MEASURES = ("performed", "granted")  # which home-care hours a file holds

__all__ = ["ImportRejected", "ImportSummary", "Problem", "import_study"]


def check_request(hours: Source | None, visits: Source | None, measure: str | None, data_end: dt.date | None) -> None:
    """Refuse an import or update asked for wrongly: both or neither care file, an unknown measure, a future end."""
    if data_end is not None and data_end > dt.date.today():
        raise InputError(
            f"Datans slutdatum {data_end.isoformat()} ligger efter dagens datum.",
            f"The data end {data_end.isoformat()} is after today.",
        )
    if measure not in (None, *MEASURES):
        raise InputError(
            f"Måttet {measure!r} finns inte; ange performed (utförd tid) eller granted (beviljad tid).",
            f"The measure {measure!r} does not exist; give performed (utförd tid) or granted (beviljad tid).",
        )
    if (hours is None) == (visits is None):
        raise InputError(
            "Ange antingen en timfil eller en besöksfil (inte båda).",
            "Give either an hours file or a visits file (not both).",
        )


def import_study(
    db_path: str | os.PathLike[str],
    study: str,
    participants: Source,
    hours: Source | None = None,
    *,
    visits: Source | None = None,
    participants_mapping: dict[str, str] | None = None,
    hours_mapping: dict[str, str] | None = None,
    measurements: Source | None = None,
    measurements_mapping: dict[str, str] | None = None,
    value_set: Source | None = None,
    measure: str | None = None,
    key_file: str | os.PathLike[str] | None = None,
    data_end: dt.date | None = None,
    complete_through: dt.date | None = None,
    progress: Progress | None = None,
    design: str = "randomized",
    adoption: Source | None = None,
) -> ImportSummary:
    """Validate the files and, only if they are clean, replace ``study`` in the store at ``db_path``.

    Parameters
    ----------
    db_path : str or Path
        The store; created when missing. Other studies in it are kept.
    study : str
        Name of the study to create or replace.
    participants, hours : str, Path or Upload
        The files (.csv, .xlsx or .parquet) on disk or as uploaded bytes; see docs/import.md for their columns.
    visits : str, Path or Upload, optional
        Instead of ``hours``: one row per home-care visit (person, start, end or minutes, optional service and
        unit), summed in DuckDB to hours per person and calendar month of the visit's start.
    participants_mapping, hours_mapping, measurements_mapping : dict, optional
        Field name → column name, for layouts the automatic Swedish/English names do not cover.
    measurements : str, Path or Upload, optional
        Outcome measures at visits (person, visit_date or visit_month, instrument, value); a visit without a
        row stays missing. Instruments are those of ``analysis.instruments.load_instruments``.
    measure : {'performed', 'granted'}, optional
        Which home-care hours the file holds: performed (utförd tid) or granted (beviljad tid). Default: performed
        for a visits file (time registration logs what was done), 'unknown' for an hours file. The study then
        holds this one measure; the other is added with ``update_study(measure=...)``.
    value_set : str, Path or Upload, optional
        An EQ-5D value set (term, decrement; see ``analysis.intake.eq5d``): the EQ-5D index is computed from
        the five dimension responses (eq5d_mo … eq5d_ad) of each visit. Needs a measurements file.
    key_file : str or Path, optional
        The pseudonymisation key (default: the pseudonym_key_path setting); created on first use.
    data_end : date, optional
        Last day of data, where people without followup_end stop being followed (default: end of the
        latest hours month, or the latest date in the participants file if later).
    complete_through : date, optional
        The last month whose hours are complete (any day of it); later months are still being registered and
        are left out of the analyses. Default: the data end's month if the data end is its last day, else the
        month before.
    progress : callable, optional
        Called as progress(fraction, text_sv, text_en).
    design : str
        How the groups came about: 'randomized' (default), 'comparison_group' (an arm column, not
        randomized), 'rollout' (areas adopting at different dates; needs ``adoption``; no arm column) or
        'single_group' (everyone had the service; no arm column).
    adoption : str, Path or Upload, optional
        A roll-out's adoption file: area, adopted_on (empty: never adopted); see analysis.intake.design.

    Returns
    -------
    ImportSummary

    Raises
    ------
    ImportRejected
        With every problem found (up to the max_problems setting); the store is unchanged.
    InputError
        When a file cannot be read at all.

    """
    check_request(hours, visits, measure, data_end)
    check_design(design, adoption)
    name = str(study).strip()
    version = db.study_version(db_path, name)  # refused at the swap if another writer changes the study meanwhile
    if not name or len(name) > 64:
        raise InputError("Studiens namn måste ha 1–64 tecken.", "The study name must have 1–64 characters.")
    if shaped_personnummer(name):  # it would be stored as the title, printed and used in the file's name
        raise InputError(
            "Studiens namn ser ut som ett personnummer; välj ett annat namn.",
            "The study name looks like a personnummer; choose another name.",
        )
    report = progress or (lambda *_: None)
    measure = measure or ("performed" if visits is not None else "unknown")
    if visits is not None:
        paths = {"participants": participants, "visits": visits}
        mappings = {"participants": participants_mapping, "visits": hours_mapping}
    else:
        paths = {"participants": participants, "hours": hours}
        mappings = {"participants": participants_mapping, "hours": hours_mapping}
    if value_set is not None and measurements is None:
        raise InputError(
            "En värdemängd används bara med en mätfil (EQ-5D-dimensionerna).",
            "A value set is only used with a measurements file (the EQ-5D dimensions).",
        )
    if measurements is not None:
        paths["measurements"] = measurements
        mappings["measurements"] = measurements_mapping
    checked: dict = {}

    def design_checks(con: db.Connection, layout, log: ProblemLog) -> None:
        """Check what the design needs across the files (listed with every other problem)."""
        people = layout.columns["participants"]
        if design == "rollout":
            check_adoption(con, log, resolve_data_end(con, data_end), people["district"], checked["adoption"])
        elif design == "single_group" and "arm" in people:
            check_single_group(con, log, people["arm"])

    def prepare(con: db.Connection) -> None:
        """Read, pseudonymise and validate into TEMP tables; raise ImportRejected listing every error."""
        files = {kind: name_of(path) for kind, path in paths.items()}
        if "visits" in files:
            files["visit_months"] = files["visits"]  # the visits summed per month: the same file
        if adoption is not None:
            files["adoption"] = name_of(adoption)
        log = ProblemLog(files, int(get_setting("max_problems")))
        layout = read_files(con, paths, mappings, log, report, design)
        if adoption is not None:
            checked["adoption"] = read_adoption(con, adoption, log)
        report(0.3, "Pseudonymiserar och tolkar värden", "Pseudonymising and parsing values")
        map_personnummer(con, layout, key_file)
        report(0.45, "Kontrollerar", "Checking")
        values = read_value_set(con, value_set) if value_set is not None else None
        validate_files(con, layout, log, data_end, value_set=values, checks=design_checks)
        end = resolve_data_end(con, data_end)
        checked.update(log=log, pseudonymised=layout.pseudonymised, data_end=end,
                       complete_through=resolve_complete_through(end, complete_through))  # fmt: skip

    def fill(con: db.Connection) -> None:
        """Write the checked study into the new store."""
        report(0.6, "Skriver studien", "Writing the study")
        checked["summary"] = write_study(
            con,
            name,
            checked["data_end"],
            checked["pseudonymised"],
            checked["log"],
            report,
            measurements="measurements" in paths,
            measure=measure,
            complete_through=checked["complete_through"],
            salt=salt,
            design=design,
        )

    # the same people keep the same noise when the study is imported again (kept, else from the installation's key)
    salt = kept_cell_key_salt(db_path, name) or derive_cell_key_salt(load_or_create_key(key_file), name)

    db.write_study(db_path, name, fill, prepare=prepare, expected=version)
    report(1.0, "Klart", "Done")
    return checked["summary"]
