"""Problems found in import files: what each one expects, and the log that counts and lists them."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.errors import UserFacingError, mask_personnummer
from analysis.intake.fileformat import FIELD_LABELS, MAX_HOURS_PLAUSIBLE
from analysis.store import db

# What each problem expects, in Swedish and English.
EXPECTED: dict[str, tuple[str, str]] = {
    "missing_column": ("kolumnen saknas: {hint}", "the column is missing: {hint}"),
    "empty": ("ett värde krävs", "a value is required"),
    "code": ("ett av: {codes}", "one of: {codes}"),
    "date": ("ett datum ÅÅÅÅ-MM-DD", "a date YYYY-MM-DD"),
    "month": ("en månad ÅÅÅÅ-MM", "a month YYYY-MM"),
    "number": ("ett tal ≥ 0 (decimalkomma eller decimalpunkt)", "a number ≥ 0 (decimal comma or point)"),
    "age": ("ett heltal 18–120", "a whole number 18–120"),
    "integer": ("ett heltal ≥ 0", "a whole number ≥ 0"),
    "timestamp": ("datum och tid ÅÅÅÅ-MM-DD TT:MM", "a date and time YYYY-MM-DD HH:MM"),
    "duration": (
        "ett besök på 0–24 timmar (sluttid efter starttid, minuter 0–1440)",
        "a visit of 0–24 hours (end after start, minutes 0–1440)",
    ),
    "overlap": (
        "besök hos samma person som överlappar i tid; möjligt med dubbelbemanning, men kontrollera",
        "visits to one person that overlap in time; possible with two staff at once, but check",
    ),
    "score": ("ett tal (decimalkomma eller decimalpunkt)", "a number (decimal comma or point)"),
    "instrument": ("ett instrument i katalogen: {codes}", "an instrument of the catalogue: {codes}"),
    "score_range": ("ett värde {low}–{high} för {instrument}", "a value {low}–{high} for {instrument}"),
    "before_inclusion": (
        "ett besök högst {days} dagar före randomiseringen (baslinje) eller senare",
        "a visit at most {days} days before randomization (baseline) or later",
    ),
    "after_death": ("ett besök före dödsdatum", "a visit before the date of death"),
    "eq5d_incomplete": (
        "besök där inte alla fem EQ-5D-dimensioner besvarats får inget index",
        "visits where not all five EQ-5D dimensions were answered get no index",
    ),
    "value_set_term": (
        "en värdemängd med termen {term} för den här nivån",
        "a value set with the term {term} for this level",
    ),
    "index_twice": (
        "EQ-5D-index antingen i filen eller beräknat från dimensionerna, inte båda för samma besök",
        "the EQ-5D index either in the file or computed from the dimensions, not both for one visit",
    ),
    "duplicate_visit": (
        "en rad per person, instrument och besök; finns redan på rad {first}",
        "one row per person, instrument and visit; already on row {first}",
    ),
    "randomization_changed": (
        "samma värde som i studien, {first} (randomiseringen kan inte ändras i en uppdatering; rätta med en ny import)",
        "the value already in the study, {first} (a randomization cannot change in an update; correct it with a "
        "full import)",
    ),
    "date_moved_back": (
        "{first} eller senare, som i studien (ett registrerat datum kan inte flyttas bakåt eller tas bort i en "
        "uppdatering; rätta med en ny import)",
        "{first} or later, as already in the study (a recorded date cannot move earlier or disappear in an update; "
        "correct it with a full import)",
    ),
    "person_dropped": (
        "alla personer som redan finns i studien; {count} saknas i filen (en randomiserad person kan inte tas bort)",
        "every person already in the study; {count} are missing from the file (a randomized person cannot be removed)",
    ),
    "end_moved_back": (
        "ett slutdatum på eller efter studiens nuvarande, {first}",
        "a data end on or after the study's current one, {first}",
    ),
    "complete_moved_back": (
        "komplett t.o.m. {first} eller senare, som studien redan har",
        "complete through {first} or later, as the study already has",
    ),
    "duplicate_person": (
        "en rad per person; personen finns redan på rad {first}",
        "one row per person; already on row {first}",
    ),
    "duplicate_month": (
        "en rad per person och månad; finns redan på rad {first}",
        "one row per person and month; already on row {first}",
    ),
    "unknown_person": (
        "en person som finns i deltagarfilen (i en uppdatering utan deltagarfil: i studien)",
        "a person present in the participants file (in an update without one: in the study)",
    ),
    "before_randomization": ("ett datum på eller efter randomiseringen", "a date on or after randomization"),
    "future_date": (
        "ett datum senast i dag ({last}); lämna uppföljningens slut tomt medan personen följs",
        "a date no later than today ({last}); leave followup_end empty while the person is followed",
    ),
    "after_data_end": (
        "ett datum senast datans slutdatum {last}",
        "a date no later than the data end {last}",
    ),
    "placed_after_death": ("flytt till särskilt boende före dödsdatum", "a move into a nursing home before death"),
    "personnummer": (
        "ett giltigt personnummer eller samordningsnummer (10 eller 12 siffror, rätt kontrollsiffra)",
        "a valid personnummer or samordningsnummer (10 or 12 digits, correct check digit)",
    ),
    "personnummer_as_id": (
        "ett studie-id; värdet ser ut som ett personnummer: döp kolumnen till personnummer så att det pseudonymiseras",
        "a study id; the value looks like a personnummer: name the column personnummer so it is pseudonymised",
    ),
    "personnummer_in_column": (
        "inget personnummer utanför id-kolumnen: ta bort det ur filen (värdet visas inte)",
        "no personnummer outside the id column: remove it from the file (the value is not shown)",
    ),
    "id_kind": (
        "samma slags id i båda filerna (person_id i båda eller personnummer i båda)",
        "the same kind of id in both files (person_id in both or personnummer in both)",
    ),
    "duplicate_area": (
        "en rad per område; området finns redan på rad {first}",
        "one row per area; already on row {first}",
    ),
    "adoption_outside": (
        "ett införandedatum inom datan, {first} till {last} (tomt: området införde aldrig)",
        "an adoption date within the data, {first} to {last} (empty: the area never adopted)",
    ),
    "unknown_area": (
        "ett område som finns i införandefilen (lägg till området, med tomt datum om det aldrig införde)",
        "an area listed in the adoption file (add the area, with an empty date if it never adopted)",
    ),
    "single_group_control": (
        "intervention: en uppföljning av en grupp har ingen kontrollgrupp (välj designen comparison_group)",
        "intervention: a single-group follow-up has no control group (choose the design comparison_group)",
    ),
    "high_hours": (
        f"högst {MAX_HOURS_PLAUSIBLE:.0f} timmar i månaden är vanligt; möjligt men kontrollera",
        f"at most {MAX_HOURS_PLAUSIBLE:.0f} hours a month is usual; possible, but check",
    ),
    "outside_home": (
        "timmar i månader före randomiseringen eller efter att personen lämnat hemmet/uppföljningen räknas inte",
        "hours in months before randomization or after the person left home or follow-up are not counted",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One problem found in an import file; what it shows never holds a personnummer (masked on creation)."""

    kind: str  # participants or hours
    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    severity: str = "error"  # or "warning"
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Mask anything shaped like a personnummer in the file name, column and value shown."""
        for name in ("file", "column", "value"):
            object.__setattr__(self, name, mask_personnummer(getattr(self, name)))

    def expected(self, lang: str = "sv") -> str:
        """Return what was expected, in the requested language."""
        sv, en = EXPECTED[self.code]
        return (en if lang == "en" else sv).format(**self.details)

    def message(self, lang: str = "sv") -> str:
        """Return a one-line description: file, row, column, value and what was expected."""
        sv, en = FIELD_LABELS[self.kind]
        parts = [f"{en if lang == 'en' else sv} {self.file}"]
        if self.row is not None:
            parts.append(f"{'row' if lang == 'en' else 'rad'} {self.row}")
        if self.column is not None:
            parts.append(f"{'column' if lang == 'en' else 'kolumn'} {self.column!r}")
        if self.value is not None:
            parts.append(f"{'value' if lang == 'en' else 'värde'} {self.value!r}")
        label = "expected" if lang == "en" else "förväntat"
        if self.code in ("high_hours", "outside_home", "eq5d_incomplete", "overlap"):
            label = "note" if lang == "en" else "obs"
        return ", ".join(parts) + f": {label} {self.expected(lang)}"


class ImportRejected(UserFacingError):  # noqa: N818 - named for what the user reads
    """The files have errors; nothing was written. ``problems`` lists up to max_problems of ``total``."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        self.problems = sorted(problems, key=lambda p: (p.kind != "participants", p.row or 0))
        self.total = total
        shown = len(problems)
        super().__init__(
            f"Importen avvisades: {total} problem ({shown} visas). Databasen är oförändrad.",
            f"The import was rejected: {total} problem{'s' if total != 1 else ''} ({shown} shown). The database is "
            "unchanged.",
        )


class ProblemLog:
    """Errors and warnings of one import: every one counted, the first ``cap`` of each listed."""

    def __init__(self, files: dict[str, str], cap: int) -> None:
        self.files = files  # kind -> file name shown in messages
        self.cap = cap
        self.errors: list[Problem] = []
        self.error_total = 0
        self.warnings: list[Problem] = []
        self.warning_total = 0

    def add(self, problem: Problem, count: int = 1) -> None:
        """Record a problem standing for ``count`` rows; list it while fewer than ``cap`` are listed."""
        listed = self.warnings if problem.severity == "warning" else self.errors
        if problem.severity == "warning":
            self.warning_total += count
        else:
            self.error_total += count
        if len(listed) < self.cap:
            listed.append(problem)

    def check(
        self,
        con: db.Connection,
        kind: str,
        column: str | None,
        code: str,
        where: str,
        params=(),
        value: str | None = None,
        severity="error",
        details=None,
        extra: str = "",
    ) -> None:
        """Count rows of TEMP table ``{kind}_typed`` matching ``where``; list the first ones as problems.

        ``where``, ``value`` and ``extra`` are SQL written in this package; values are bound in ``params``.
        ``value`` is the column shown with each problem (a ``*_raw`` text column); None, the default,
        shows nothing, as for personnummer. (It used to default to a column ``raw`` that no table has.)
        """
        table = f"{kind}_typed"
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", list(params)).fetchone()[0]
        if not total:
            return
        value_sql = "NULL" if value is None else value
        rows = con.execute(
            f"SELECT _row, {value_sql} {extra} FROM {table} WHERE {where} ORDER BY _row LIMIT ?", [*params, self.cap]
        ).fetchall()
        for row in rows:
            more = dict(details or {}) | ({"first": row[2]} if extra else {})
            shown = None if row[1] is None else str(row[1])[:60]
            self.add(Problem(kind, self.files[kind], int(row[0]), column, shown, code, severity, more))
        unlisted = total - len(rows)
        if severity == "warning":
            self.warning_total += unlisted
        else:
            self.error_total += unlisted

    def raise_if_errors(self) -> None:
        """Raise ImportRejected listing the errors, when there are any."""
        if self.error_total:
            raise ImportRejected(self.errors, self.error_total)
