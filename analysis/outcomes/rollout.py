"""A staged roll-out's answer (issue 33): hours per person by area and calendar month, and the effect after adoption.

The cells are computed in DuckDB: for each area (the participants' district) and calendar month up to the
month the study is complete through, the people at home and followed then (from their start month to the
month they left home or follow-up) and their hours of the study's measure (a month without a row counts
as 0). An area adopts in the calendar month of its adoption date. The estimator (stats.staggered) works on
these area-months, weighted by the people in each and adjusted for their mean baseline hours, so its cost
does not grow with the number of people.
The care cost outcome is the hours times the cost of an hour (nursing-home days are not in it: a roll-out
of home care is followed while people live at home).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.outcomes.per_person import UnitCosts
from analysis.selection import Selection
from analysis.stats.staggered import EVENT_WINDOW, MIN_AREAS, estimate_staggered
from analysis.store import db
from analysis.store.cells import band_case, filter_sql, measure_sql
from analysis.store.studies import describe_study

OUTCOMES = ("hours", "cost")
# Who is in an area's home care changes month by month; the mean baseline hours of the people followed in an
# area-month take that out of the comparison (the answer's spread fell from 0.70 to 0.18 h/month over 20
# synthetic roll-outs when this was chosen; bench/bench_rollout.py reports the spread with it).
ADJUSTED_FOR = ("baseline",)
CAVEATS = (  # what the design cannot show (Swedish, English), as the errors carry both languages
    ("Vilka områden som införde först lottades inte.", "Which areas adopted first was not decided by lottery."),
    ("Svaret förutsätter att områdena utan det nya arbetssättet hade följt samma utveckling (parallella trender).",
     "The answer assumes the areas would have followed parallel paths without the new way of working."),
    ("Andra förändringar i samma områden vid samma tid går inte att skilja från arbetssättets.",
     "Other changes in the same areas at the same time cannot be told apart from the new way of working's."),
    ("Vilka som får hemtjänst i ett område kan ändras med arbetssättet; svaret tar hänsyn till deras timmar vid "
     "start, inte till mer.",
     "Who receives home care in an area may change with the new way of working; the answer allows for their "
     "hours at the start, no more."),
    ("Inga personer lottades: det är en jämförelse över tid mellan områden, inte en randomiserad studie.",
     "Nobody was randomized: this is a comparison between areas over time, not a randomized trial."),
)  # fmt: skip


def load_rollout_cells(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Return per area and calendar month the people followed, their mean hours and the area's adoption month.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters (sex, application type, areas) and age bands (people outside every band are left out).

    Returns
    -------
    DataFrame
        area, month (first day, from the study's first month with hours), month_index (months from the
        first), adopted (month index of adoption; NaN: never), n (people followed), y (mean hours per
        person), baseline (their mean baseline hours), n_people (the selection's people with an area, the same
        in every row).

    """
    where, params = filter_sql(selection.filters, "p.district", selection.merged)  # 'Övriga distrikt' as shown
    bands, band_params = band_case(selection.bands)
    measure, measure_params = measure_sql(selection.study, selection.measure, "h.measure")
    sql = f"""
        WITH people AS (
            SELECT p.person_id, p.district AS area, p.baseline_hours, date_trunc('month', p.randomized_on)::DATE AS m0,
                   date_trunc('month', {db.EXIT_ON})::DATE AS m1
            FROM participants p JOIN studies s ON s.study = p.study
            WHERE p.study = ? AND p.district IS NOT NULL AND {where} AND ({bands}) IS NOT NULL
        ), months AS (  -- from the first month with hours: people who began earlier are followed from there
            SELECT unnest(generate_series((SELECT min(month) FROM hours WHERE study = ?), (SELECT max(m1) FROM people),
                                          INTERVAL 1 MONTH))::DATE AS month
        ), followed AS (
            SELECT p.person_id, p.area, p.baseline_hours, m.month FROM people p
            JOIN months m ON m.month BETWEEN p.m0 AND p.m1
        ), cells AS (
            SELECT f.area, f.month, count(*) AS n, sum(coalesce(h.hours, 0)) AS sum_hours,
                   avg(f.baseline_hours) AS baseline
            FROM followed f LEFT JOIN hours h
              ON h.study = ? AND h.person_id = f.person_id AND h.month = f.month AND {measure}
            GROUP BY f.area, f.month
        )
        SELECT c.area, c.month, c.n, c.sum_hours / c.n AS y, c.baseline,
               date_trunc('month', a.adopted_on)::DATE AS adopted_month,
               (SELECT count(*) FROM people) AS n_people
        FROM cells c LEFT JOIN area_adoptions a ON a.study = ? AND a.area = c.area
        ORDER BY c.area, c.month"""
    cells = db.query(con, sql, [selection.study, *params, *band_params, selection.study, selection.study,
                                *measure_params, selection.study])  # fmt: skip
    if cells.empty:
        return cells.assign(month_index=pd.Series(dtype=int), adopted=pd.Series(dtype=float))
    start = pd.Timestamp(cells["month"].min())

    def index(values: pd.Series) -> pd.Series:
        """Return months from the first month of the data (NaN stays NaN)."""
        stamps = pd.to_datetime(values)
        return (stamps.dt.year - start.year) * 12 + (stamps.dt.month - start.month)

    return cells.assign(month_index=index(cells["month"]).astype(int), adopted=index(cells["adopted_month"]))


def analyse_rollout(con: db.Connection, selection: Selection, costs: UnitCosts, outcome: str = "hours") -> dict:
    """Return the staged roll-out's effect after adoption, event study, pre-trend test and naive TWFE.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        What the answer is about.
    costs : UnitCosts
        The cost of an hour (the cost outcome).
    outcome : {'hours', 'cost'}
        Hours per person and month, or their cost in kronor.

    Returns
    -------
    dict
        The issue's keys: design, estimator, att, ci_low, ci_high, p_value, n_areas, n_people, twfe_att,
        pre_trend_p_value, event_study (event_month, att, ci_low, ci_high, n_people), caveats; and outcome,
        unit, se, n_adopting, twfe_ci_low/high, left_out, warnings, estimand.

    Raises
    ------
    InputError
        When the study is not a roll-out, the outcome is unknown, or it cannot be estimated (why).

    """
    if outcome not in OUTCOMES:
        raise InputError(f"Utfallet {outcome!r} finns inte; välj hours eller cost.",
                         f"The outcome {outcome!r} does not exist; choose hours or cost.")  # fmt: skip
    info = describe_study(con, selection.study)
    if info["design"] != "rollout":
        raise InputError(
            f"Studien {selection.study!r} är inte ett införande i steg (design {info['design']}).",
            f"The study {selection.study!r} is not a staged roll-out (design {info['design']}).",
        )
    cells = load_rollout_cells(con, selection)
    areas = cells["area"].nunique()
    if areas < MIN_AREAS:
        raise InputError(
            f"Kan inte skattas: ett införande i steg jämför områden med varandra, och urvalet har {areas} "
            f"{('områden', 'område')[areas == 1]}; välj minst {MIN_AREAS} (eller inget distrikt).",
            f"Cannot be estimated: a staged roll-out compares areas with each other, and the selection has {areas} "
            f"area{'s' * (areas != 1)}; choose at least {MIN_AREAS} (or no district).",
        )
    scale = costs.hour if outcome == "cost" else 1.0
    frame = pd.DataFrame({"area": cells["area"], "month": cells["month_index"], "adopted": cells["adopted"],
                          "y": cells["y"] * scale, "n": cells["n"], "baseline": cells["baseline"]})  # fmt: skip
    result = estimate_staggered(frame, ADJUSTED_FOR)
    people = int(cells["n_people"].iloc[0])
    series = result.event_study
    return {
        "design": "rollout",
        "estimator": "did2s",
        "adjusted_for": ["mean baseline hours of the people followed in each area and month"],
        "estimand": "ATT: average effect per person and month in the areas after adoption, weighted by people",
        "outcome": outcome,
        "unit": "hours per person and month" if outcome == "hours" else "SEK per person and month",
        "att": result.att,
        "se": result.se,
        "ci_low": float(result.ci_low),
        "ci_high": float(result.ci_high),
        "p_value": float(result.p_value),
        "n_areas": result.n_areas,
        "n_adopting": result.n_adopting,
        "n_people": people,
        "twfe_att": result.twfe_att,
        "twfe_ci_low": float(result.twfe_ci_low),
        "twfe_ci_high": float(result.twfe_ci_high),
        "pre_trend_p_value": None if np.isnan(result.pre_trend_p_value) else result.pre_trend_p_value,
        "event_window": list(EVENT_WINDOW),
        "event_study": [
            {
                "event_month": int(row.event_month),
                "att": float(row.att),
                "ci_low": None if np.isnan(row.ci_low) else float(row.ci_low),
                "ci_high": None if np.isnan(row.ci_high) else float(row.ci_high),
                "n_people": int(row.n_people),
                "n_areas": int(row.n_areas),
            }
            for row in series.itertuples()
        ],
        "left_out": result.left_out,
        "warnings": list(result.warnings),
        "caveats": [en for _, en in CAVEATS],
        "caveats_sv": [sv for sv, _ in CAVEATS],
    }
