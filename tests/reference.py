"""Independent pandas implementation of the follow-up definitions, used only to check the SQL."""

from __future__ import annotations

import pandas as pd


def month_values(participants: pd.DataFrame, hours: pd.DataFrame, data_end, month: int) -> pd.DataFrame:
    """Return one row per person at home and followed in follow-up month ``month`` with their hours.

    Written from the README's definitions, person by person, without the store's SQL.
    """
    rows = []
    hours_by = {(r.person_id, pd.Timestamp(r.month)): r.hours for r in hours.itertuples()}
    end_default = pd.Timestamp(data_end)
    for p in participants.itertuples():
        randomized = pd.Timestamp(p.randomized_on)
        month_start = pd.Timestamp(year=randomized.year, month=randomized.month, day=1) + pd.DateOffset(months=month)
        ends = [pd.Timestamp(v) for v in (p.placed_on, p.died_on) if pd.notna(v)]
        ends.append(pd.Timestamp(p.followup_end) if pd.notna(p.followup_end) else end_default)
        if min(ends) < month_start:
            continue
        rows.append(
            {
                "person_id": p.person_id,
                "arm": p.arm,
                "age": p.age,
                "sex": p.sex,
                "application_type": p.application_type,
                "district": p.district,
                "hours": hours_by.get((p.person_id, month_start), 0.0),
            }
        )
    return pd.DataFrame(rows)
