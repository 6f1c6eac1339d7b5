"""Each randomized person's QALYs and care cost over the window, computed in DuckDB (no person identifier leaves it).

The area under each person's utility curve is summed piece by piece in SQL, as ``tests/reference_qaly``
does in numpy (held equal to 1e-12): flat before the first and after the last measurement, linear between
measured visits, cut at death, the window's end or censoring.
"""

from __future__ import annotations

import pandas as pd

from analysis.outcomes.per_person import UnitCosts
from analysis.outcomes.person_rows import read_person_outcomes_sql
from analysis.selection import Selection
from analysis.store import db

DAYS_PER_MONTH = 30.4375
DAYS_PER_YEAR = 365.25

_QALYS = """
    WITH po AS ({people}),
         u AS (SELECT m.person_id, m.visit_month * ?::DOUBLE AS d, m.value AS v,
                      least(po.time::DOUBLE, ?::DOUBLE) AS e,
                      lead(m.visit_month * ?::DOUBLE) OVER w AS d1, lead(m.value) OVER w AS v1,
                      row_number() OVER w = 1 AS first
               FROM measurements m JOIN po ON po.person_id = m.person_id
               WHERE m.study = ? AND m.instrument = ?
               WINDOW w AS (PARTITION BY m.person_id ORDER BY m.visit_month)),
         pieces AS (SELECT person_id, first, d, v,
                           CASE WHEN first THEN v * greatest(least(d, e), 0.0) ELSE 0.0 END
                           + CASE WHEN d1 IS NULL THEN v * greatest(e - greatest(d, 0.0), 0.0) ELSE 0.0 END
                           + CASE WHEN d1 IS NOT NULL AND least(d1, e) > greatest(d, 0.0)
                                  THEN (least(d1, e) - greatest(d, 0.0))
                                       * (2 * v + (v1 - v) / (d1 - d) * (greatest(d, 0.0) - d + least(d1, e) - d)) / 2
                                  ELSE 0.0 END AS area
                    FROM u),
         areas AS (SELECT person_id, sum(area) / ?::DOUBLE AS qaly,
                          max(CASE WHEN first AND d = 0 THEN v END) AS baseline_utility
                   FROM pieces GROUP BY person_id)
    SELECT po.intervention, po.age_band, po.time::DOUBLE AS time, po.complete,
           po.hours * ?::DOUBLE + po.nursing_home_days * ?::DOUBLE AS cost, a.qaly, a.baseline_utility
    FROM po LEFT JOIN areas a USING (person_id)
    ORDER BY po.person_id
"""


def load_qaly_people(con: db.Connection, selection: Selection, instrument: str, costs: UnitCosts) -> pd.DataFrame:
    """Return one row per randomized person with their care cost, QALYs and baseline utility over the window.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the window K in months.
    instrument : str
        The utility instrument (see ``qaly.utility_instrument``).
    costs : UnitCosts
        Cost of a home-care hour and a nursing-home day.

    Returns
    -------
    DataFrame
        In the order of ``load_person_outcomes`` (by person): intervention (0/1), age_band, time, complete
        (as there), cost (hours × hour + nursing-home days × day), qaly (NaN without any utility
        measurement) and baseline_utility (NaN when visit 0 was not measured).

    """
    people, params = read_person_outcomes_sql(con, selection)
    end = selection.required_month() * DAYS_PER_MONTH
    sql = _QALYS.format(people=people)
    frame = db.query(
        con,
        sql,
        [*params, DAYS_PER_MONTH, end, DAYS_PER_MONTH, selection.study, instrument, DAYS_PER_YEAR,
         costs.hour, costs.day],
    )  # fmt: skip
    frame["complete"] = frame["complete"].astype(bool)
    return frame
