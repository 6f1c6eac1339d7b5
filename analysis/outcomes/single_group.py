"""A single group followed over time (issue 33): change from baseline per measure, and what that cannot show.

For a study of design ``single_group`` (IBIC-style follow-up of each person from the case system, or any
service given to everyone) there is no comparison: the answer is how the people's values changed from
baseline to follow-up month k, never an effect and never money saved. Hours: the baseline hours against the
hours in month k of the people still at home then (person_values.load_month_values). Each outcome measure:
the value at the baseline visit (month 0) against the latest planned visit up to month k, for the people
measured at both (stats.change).
"""

from __future__ import annotations

import pandas as pd

from analysis.instruments import load_instruments
from analysis.outcomes.measures import list_instruments
from analysis.outcomes.person_values import load_month_values
from analysis.selection import Selection
from analysis.stats.change import describe_change
from analysis.store import db
from analysis.store.cells import band_case, filter_sql

CAVEATS = (  # what a single group cannot show (Swedish, English)
    ("Det finns ingen jämförelsegrupp: förändringen visar inte vad insatsen gjorde.",
     "There is no comparison group: the change does not show what the service did."),
    ("Förändring över tid rymmer också sjukdomens förlopp, åldrande och regression mot medelvärdet: personer tas "
     "ofta in när behovet är som störst och rör sig sedan mot genomsnittet vad som än görs.",
     "Change over time also holds the course of illness, ageing and regression to the mean: people are often "
     "taken in when their need is highest and then move towards the average whatever is done."),
    ("Den som inte mättes vid uppföljningen (död, flyttad, avböjde) saknas; de som mättes kan skilja sig från dem.",
     "Those not measured at follow-up (died, moved, declined) are missing; those measured may differ from them."),
    ("Inga besparingar räknas fram från en grupp utan jämförelse.",
     "No savings are projected from a group without comparison."),
)  # fmt: skip


def follow_single_group(con: db.Connection, selection: Selection) -> dict:
    """Return the change from baseline to month k of hours and of every outcome measure of the study.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters, bands and follow-up month k.

    Returns
    -------
    dict
        design, month, measures (one row per measure: measure, visit (the follow-up visit used; hours: k),
        higher_is_better and describe_change's keys), caveats, caveats_sv.

    """
    k = selection.required_month()
    counted = load_month_values(con, selection)
    counted = counted[counted["age_band"].notna()]
    rows = [{"measure": "hours", "visit": k, "higher_is_better": None}
            | describe_change(counted["baseline_hours"], counted["hours"], None)]  # fmt: skip
    catalogue = load_instruments()
    for name in list_instruments(con, selection.study):
        pairs = _visit_pairs(con, selection, name, k)
        if pairs is None:
            continue
        visit, frame = pairs
        better = catalogue[name].higher_is_better if name in catalogue else None
        rows.append({"measure": name, "visit": visit, "higher_is_better": better}
                    | describe_change(frame["before"], frame["after"], better))  # fmt: skip
    return {
        "design": "single_group",
        "month": k,
        "measures": pd.DataFrame(rows),
        "caveats": [en for _, en in CAVEATS],
        "caveats_sv": [sv for sv, _ in CAVEATS],
    }


def _visit_pairs(con: db.Connection, selection: Selection, name: str, k: int) -> tuple[int, pd.DataFrame] | None:
    """Return the latest follow-up visit up to month k with its (before, after) pairs, or None without one."""
    where, params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    bands, band_params = band_case(selection.bands)
    sql = f"""
        WITH people AS (
            SELECT p.person_id FROM participants p
            WHERE p.study = ? AND {where} AND ({bands}) IS NOT NULL
        ), values AS (
            SELECT m.person_id, m.visit_month, avg(m.value) AS value FROM measurements m
            JOIN people USING (person_id)
            WHERE m.study = ? AND m.instrument = ? AND m.visit_month <= ?
            GROUP BY m.person_id, m.visit_month
        ), visit AS (SELECT max(visit_month) AS v FROM values WHERE visit_month > 0)
        SELECT (SELECT v FROM visit) AS visit, b.value AS before, a.value AS after
        FROM values b JOIN values a ON a.person_id = b.person_id AND a.visit_month = (SELECT v FROM visit)
        WHERE b.visit_month = 0"""
    frame = db.query(con, sql, [selection.study, *params, *band_params, selection.study, name, k])
    if frame.empty:
        return None
    return int(frame["visit"].iloc[0]), frame
