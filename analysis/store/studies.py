"""Which studies a store holds, and facts about one study (months covered, districts)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field

import pandas as pd

from analysis.errors import InputError, StoreError
from analysis.selection import (
    COVARIATES,
    MEASURE_WORDS,
    OTHER_DISTRICTS,
    AgeBand,
    default_bands,
    parse_band_edges,
)
from analysis.settings import get_setting
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


def read_cell_key_salt(con: db.Connection, study: str) -> str:
    """Return the study's cell-key secret ('' when the study or the secret is missing, as in older stores)."""
    row = con.execute("SELECT cell_key_salt FROM studies WHERE study = ?", [study]).fetchone()
    return str(row[0] or "") if row else ""


def kept_cell_key_salt(path: str | os.PathLike[str], study: str) -> str:
    """Return the secret of ``study`` already in the store at ``path`` ('' for a new store or study)."""
    if not os.path.exists(path):
        return ""
    con = db.connect(path)
    try:
        return read_cell_key_salt(con, study)
    finally:
        con.close()


def describe_study(con: db.Connection, study: str) -> dict:
    """Return title, demo flag, last follow-up month, people randomized, districts, which hours and how complete.

    ``hours_measure`` is the measure analyses use unless told otherwise; ``measures`` maps each hours
    measure the study holds to the last month its own hours are complete.
    """
    row = db.query(  # stores written before a column read NULL there (see db.connect)
        con,
        """SELECT s.title_sv, s.title_en, s.is_demo, coalesce(s.hours_measure, 'unknown') AS hours_measure,
                  s.data_end, s.complete_through, coalesce(s.design, 'randomized') AS design,
                  (SELECT max(month_k) FROM followup_cells f WHERE f.study = s.study) AS max_month
           FROM studies s WHERE s.study = ?""",
        [study],
    ).iloc[0]
    sizes = db.query(
        con,
        "SELECT district, sum(n) AS n FROM people_cells WHERE study = ? GROUP BY district ORDER BY district",
        [study],
    )
    measures = db.query(
        con, "SELECT measure, complete_through FROM study_measures WHERE study = ? ORDER BY measure", [study]
    )
    merged = merge_small_districts(sizes, int(get_setting("merge_districts_below")))
    districts = [d for d in sizes["district"].tolist() if d not in merged] + ([OTHER_DISTRICTS] if merged else [])
    max_month = row["max_month"]
    return {
        "study": study,
        "title_sv": row["title_sv"],
        "title_en": row["title_en"],
        "is_demo": bool(row["is_demo"]),
        "max_month": None if max_month is None or max_month != max_month else int(max_month),
        "districts": districts,
        "merged_districts": merged,
        "n_people": int(sizes["n"].sum()) if len(sizes) else 0,
        "hours_measure": row["hours_measure"],
        "measures": {m: pd.Timestamp(c).date() for m, c in zip(measures["measure"], measures["complete_through"])},
        "data_end": pd.Timestamp(row["data_end"]).date(),
        # the last complete month when months after it (up to data_end) are still being registered, else None
        "complete_through": _incomplete_after(row["complete_through"], row["data_end"]),
        "design": row["design"],  # how the groups came about (fileformat.DESIGNS)
    }


def _incomplete_after(complete_through, data_end) -> dt.date | None:
    """Return the complete-through month when the data reach beyond its end, else None (all data complete)."""
    if complete_through is None or pd.isna(complete_through):
        return None
    month = pd.Timestamp(complete_through)
    return month.date() if (month + pd.offsets.MonthEnd(0)).date() < pd.Timestamp(data_end).date() else None


def merge_small_districts(sizes: pd.DataFrame, minimum: int) -> tuple[str, ...]:
    """Return the districts shown together as OTHER_DISTRICTS: those below ``minimum``, and more while it is small.

    The next smallest district joins while the group itself is below ``minimum`` (as Socialstyrelsen
    coarsens groupings until cells are large enough).

    Parameters
    ----------
    sizes : DataFrame
        district, n (people randomized).
    minimum : int
        Smallest district shown on its own; 0 or 1 merges nothing.

    Returns
    -------
    tuple of str
        The merged districts, sorted (empty when none).

    """
    if minimum <= 1:
        return ()
    ordered = sizes[sizes["district"] != ""].sort_values(["n", "district"])
    merged = ordered[ordered["n"] < minimum]
    if merged.empty:
        return ()
    rest = ordered[ordered["n"] >= minimum]
    while merged["n"].sum() < minimum and not rest.empty:
        merged, rest = pd.concat([merged, rest.iloc[:1]]), rest.iloc[1:]
    return tuple(sorted(merged["district"].tolist()))


def find_study(con: db.Connection, requested: str | None = None) -> dict:
    """Resolve the requested study (see resolve_study) and return its facts (see describe_study)."""
    return describe_study(con, resolve_study(con, requested))


def check_groups(info: dict, what: str = "comparison") -> None:
    """Refuse a comparison of two groups for a study whose design has none (a roll-out, a single group).

    ``what`` names the comparison asked for in the message (a command or figure).
    """
    design = info.get("design", "randomized")
    if design in ("randomized", "comparison_group"):
        return
    hint_sv, hint_en = (("använd kommandot rollout eller sidan Införande i steg", "use the rollout command or the "
                         "Staged roll-out page") if design == "rollout" else
                        ("den följer en grupp utan jämförelse", "it follows one group without comparison"))  # fmt: skip
    raise InputError(
        f"Studien {info['study']!r} har designen {design} och inga två grupper att jämföra ({what}); {hint_sv}.",
        f"The study {info['study']!r} has the design {design} and no two groups to compare ({what}); {hint_en}.",
    )


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


def check_measure(info: dict, measure: str | None) -> str:
    """Return the hours measure to use (``measure``, else the study's); raise InputError when the study lacks it.

    Parameters
    ----------
    info : dict
        ``describe_study``'s answer.
    measure : str or None
        The measure asked for.

    Returns
    -------
    str

    """
    if measure is None:
        return info["hours_measure"]
    if measure not in info["measures"]:
        words = {m: MEASURE_WORDS.get(m, (m, m)) for m in (measure, *info["measures"])}
        raise InputError(
            f"Studien har ingen {words[measure][0]} ({measure}); den har: "
            f"{', '.join(f'{words[m][0]} ({m})' for m in info['measures'])}.",
            f"The study holds no {words[measure][1]} ({measure}); it holds: "
            f"{', '.join(f'{words[m][1]} ({m})' for m in info['measures'])}.",
        )
    return measure


def fingerprint_study(con: db.Connection, study: str) -> str:
    """Return a short hash of everything loaded for a study (participants and hours), computed in DuckDB."""
    row = db.query(
        con,
        """SELECT (SELECT coalesce(sum(hash(person_id, arm, randomized_on, age, sex, application_type,
                          baseline_hours, placed_on, died_on, followup_end, district) % 1000000007), 0)
                   FROM participants WHERE study = ?) AS p,
                  (SELECT count(*) FROM participants WHERE study = ?) AS np,
                  (SELECT coalesce(sum(hash(person_id, month, hours) % 1000000007), 0) FROM hours WHERE study = ?) AS h,
                  (SELECT count(*) FROM hours WHERE study = ?) AS nh,
                  (SELECT count(DISTINCT measure) FROM hours WHERE study = ?) AS nm,
                  (SELECT coalesce(sum(hash(person_id, month, measure) % 1000000007), 0) FROM hours
                   WHERE study = ?) AS hm""",
        [study] * 6,
    ).iloc[0]
    values = row.tolist()
    # A study of one hours measure keeps the fingerprint it had before studies could hold two.
    text = "|".join(str(v) for v in (values[:4] if values[4] <= 1 else values))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


PRIMARY_OUTCOMES = ("cost", "days_home")
PLAN_ESTIMATORS = ("difference", "anhecova")  # IPCW difference in means; the same adjusted (ANHECOVA)
DEFAULT_WINDOW = 24


@dataclass(frozen=True)
class AnalysisPlan:
    """A study's primary analysis (outcome, window, estimator, covariates, bands) and when it was set."""

    primary_outcome: str
    window_months: int
    note: str | None = None
    set_on: dt.datetime | None = None  # None: no plan is stored, the defaults apply
    estimator: str = "difference"
    covariates: tuple[str, ...] = ()  # adjusted for, with the 'anhecova' estimator
    band_edges: tuple[int, ...] | None = None  # None: the configured age bands
    # The monitoring part (issue 32): overall two-sided alpha, spending function, planned number randomized,
    # the date of the final look, and whether futility is monitored (non-binding).
    alpha: float = 0.05
    spending: str = "obf"
    planned_n: int | None = None
    final_on: dt.date | None = None
    futility: bool = False
    version: int | None = field(default=None, compare=False)  # which saved version this is (plans.py)
    # Versions saved after outcome data existed, not the primary: (version, date, fields changed).
    changed_later: tuple = field(default=(), compare=False)
    set_after_data: bool = field(default=False, compare=False)  # the first version itself came after data

    def __post_init__(self) -> None:
        """Reject an unknown outcome, estimator or covariate, a window under one month or bad band edges."""
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
        if self.estimator not in PLAN_ESTIMATORS:
            raise InputError(
                f"Skattaren {self.estimator!r} finns inte; välj {' eller '.join(PLAN_ESTIMATORS)}.",
                f"Estimator {self.estimator!r} does not exist; choose {' or '.join(PLAN_ESTIMATORS)}.",
            )
        check_covariates(self.covariates)
        if (self.estimator == "anhecova") != bool(self.covariates):
            raise InputError(
                "Justerad skattning (anhecova) kräver minst en kovariat, och kovariater kräver anhecova.",
                "The adjusted estimator (anhecova) needs at least one covariate, and covariates need anhecova.",
            )
        if self.band_edges is not None:
            parse_band_edges(self.band_edges)  # raises InputError naming the edges
        if not 0 < float(self.alpha) < 0.5 or self.spending not in ("obf", "pocock"):
            raise InputError(
                f"Alfa måste vara mellan 0 och 0,5 och spenderingen obf eller pocock; fick {self.alpha}, "
                f"{self.spending}.",
                f"Alpha must lie between 0 and 0.5 and spending be obf or pocock; got {self.alpha}, {self.spending}.",
            )
        if self.planned_n is not None and int(self.planned_n) < 2:
            raise InputError(
                f"Planerat antal randomiserade måste vara minst 2; fick {self.planned_n}.",
                f"The planned number randomized must be at least 2; got {self.planned_n}.",
            )

    @property
    def pre_specified(self) -> bool:
        """Return whether the plan was stored (rather than the defaults)."""
        return self.set_on is not None

    def window_within(self, max_month: int | None) -> int:
        """Return the plan's window cut to the months the study has followed (at least 1)."""
        return max(1, min(self.window_months, max_month or 1))

    @property
    def bands(self) -> tuple[AgeBand, ...]:
        """Return the plan's age bands, or the configured ones when the plan names none."""
        return parse_band_edges(self.band_edges) if self.band_edges is not None else default_bands()


def check_covariates(covariates: tuple[str, ...]) -> tuple[str, ...]:
    """Return the covariates unchanged, or raise InputError naming the first unknown one."""
    unknown = [c for c in covariates if c not in COVARIATES]
    if unknown:
        raise InputError(
            f"Okänd kovariat {unknown[0]!r}; välj bland {', '.join(COVARIATES)}.",
            f"Unknown covariate {unknown[0]!r}; choose from {', '.join(COVARIATES)}.",
        )
    return tuple(covariates)


def parse_covariates(text: str | None) -> tuple[str, ...]:
    """Turn 'baseline_hours,age' (or '' / 'none') into a tuple of covariate names, in the given order."""
    if text is None or text.strip().lower() in ("", "none", "ingen", "inga"):
        return ()
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def default_plan(con: db.Connection, study: str) -> AnalysisPlan:
    """Return the defaults when no plan is stored: care cost over 24 months or all follow-up."""
    top = describe_study(con, study)["max_month"] or 1
    return AnalysisPlan("cost", max(1, min(DEFAULT_WINDOW, top)))


def load_plan(con: db.Connection, study: str) -> AnalysisPlan:
    """Return the study's primary analysis plan (plans.find_primary), or the defaults; see plans.py."""
    from analysis.store.plans import find_primary, list_plan_versions

    versions = list_plan_versions(con, study)
    return find_primary(versions) if versions else default_plan(con, study)


def save_plan(path, study: str, plan: AnalysisPlan, set_on: dt.datetime | None = None, saved_by: str = "command line"):
    """Save a new version of the study's plan (plans.save_plan_version); return the version saved."""
    from analysis.store.plans import save_plan_version

    return save_plan_version(path, study, plan, set_on, saved_by)
