"""A synthetic staged roll-out (issue 33): home-care areas adopting a new way of working in waves, with known truth.

Twelve areas (Skönsmo-like) adopt in four waves, three areas each, 6, 12, 18 and 24 months into a 36-month
follow-up (a pilot, then the rest); people start home care throughout, each with their own level of
hours, and leave for a nursing home, death or the end of follow-up. After adoption an area's hours fall by
an effect that differs by wave and grows with the months since adoption, so the two-way fixed-effects
regression is biased and the robust estimator is not. Everything is drawn from a fixed seed; the true
effect of each person-month is returned beside the files, so tests can compare the answer with the truth.
The demo store holds it as study ``demo-rollout``, labelled synthetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.store import db

ROLLOUT_STUDY = "demo-rollout"
ROLLOUT_TITLES = ("Demo: införande i steg (syntetiska data)", "Demo: staged roll-out (synthetic data)")
AREAS = ("Norr", "Söder", "Väster", "Öster", "Centrum", "Hamnen", "Skogen", "Ängen", "Backen", "Dalen", "Sjön",
         "Åsen")  # fmt: skip


@dataclass(frozen=True)
class RolloutSpec:
    """Assumptions of the synthetic roll-out."""

    seed: int = 33
    start: dt.date = dt.date(2014, 1, 1)
    months: int = 36
    waves: tuple[int, ...] = (6, 12, 18, 24)  # months from the start at which each wave of areas adopts
    never: int = 0  # areas that never adopt (comparison areas), listed after the waves' areas
    areas: int = 12
    people_at_start: int = 40  # per area
    new_per_month: float = 4.0  # per area
    mean_hours: float = 25.0
    effect: tuple[float, ...] = (-2.0, -3.5, -5.0, -6.5)  # each wave's effect in its month of adoption (h/month)
    growth: float = -0.25  # added per month since adoption (h/month)
    monthly_exit: float = 0.03  # chance of leaving home care in a month (nursing home, death, moving)


def adoption_months(spec: RolloutSpec) -> list[int | None]:
    """Return each area's month of adoption (None: never)."""
    per_wave = (spec.areas - spec.never) // len(spec.waves)
    months: list[int | None] = [w for w in spec.waves for _ in range(per_wave)]
    return months + [None] * (spec.areas - len(months))


def true_effect(spec: RolloutSpec, area: int, month: int) -> float:
    """Return the true effect on hours in an area and month (0 before adoption and in never-adopting areas)."""
    adopted = adoption_months(spec)[area]
    if adopted is None or month < adopted:
        return 0.0
    return spec.effect[spec.waves.index(adopted)] + spec.growth * (month - adopted)


def _month(spec: RolloutSpec, index: int) -> dt.date:
    """Return the first day of the month ``index`` months after the start."""
    total = spec.start.month - 1 + index
    return dt.date(spec.start.year + total // 12, total % 12 + 1, 1)


def generate_rollout(spec: RolloutSpec | None = None) -> dict[str, pd.DataFrame]:
    """Return the roll-out's files as a municipality would deliver them, and the truth per person and month.

    Parameters
    ----------
    spec : RolloutSpec, optional
        The assumptions.

    Returns
    -------
    dict
        participants (person_id, randomized_on (start of home care), age, sex, application_type,
        baseline_hours, placed_on, died_on, followup_end, district), hours (person_id, month, hours),
        adoption (area, adopted_on), truth (area, month, sum_effect: the people's hours with minus without
        the new way of working, n: people followed), data_end (a one-row frame).

    """
    spec = spec or RolloutSpec()
    rng = np.random.default_rng(spec.seed)
    data_end = _month(spec, spec.months) - dt.timedelta(days=1)
    area_level = rng.normal(0, 3, spec.areas)
    month_level = np.cumsum(rng.normal(0, 0.4, spec.months))
    people, hours, truth = [], [], {}
    for area in range(spec.areas):
        entries = [(-1, spec.people_at_start)] + [(m, rng.poisson(spec.new_per_month)) for m in range(spec.months)]
        for first, count in entries:
            for _ in range(count):
                pid = f"r{len(people) + 1:05d}"
                start = max(first, 0)
                begun = _month(spec, start) + dt.timedelta(days=int(rng.integers(0, 28))) if first >= 0 else (
                    _month(spec, 0) - dt.timedelta(days=int(rng.integers(30, 700))))  # fmt: skip
                stay = int(rng.geometric(spec.monthly_exit))
                last = start + stay - 1
                own = rng.gamma(4.0, spec.mean_hours / 4.0)
                exit_kind = rng.choice(["placed", "died"]) if last < spec.months else None
                left = _month(spec, last) + dt.timedelta(days=int(rng.integers(0, 28))) if exit_kind else None
                left = None if left is None else max(left, begun)  # never before the start of home care
                people.append({
                    "person_id": pid, "randomized_on": begun, "age": int(rng.integers(66, 96)),
                    "sex": str(rng.choice(["F", "M"], p=[0.62, 0.38])),
                    "application_type": str(rng.choice(["new", "extended"])), "baseline_hours": round(own, 1),
                    "placed_on": left if exit_kind == "placed" else None,
                    "died_on": left if exit_kind == "died" else None, "followup_end": None,
                    "district": AREAS[area],
                })  # fmt: skip
                for month in range(start, min(last, spec.months - 1) + 1):
                    untreated = own + area_level[area] + month_level[month] + rng.normal(0, 4.0)
                    value = round(max(0.0, untreated + true_effect(spec, area, month)), 2)
                    if value > 0:
                        hours.append({"person_id": pid, "month": _month(spec, month), "hours": value})
                    # the effect on this person-month: hours with the new way of working minus without it
                    key = (AREAS[area], _month(spec, month))
                    total, n = truth.get(key, (0.0, 0))
                    truth[key] = (total + value - round(max(0.0, untreated), 2), n + 1)
    adopted = adoption_months(spec)
    adoption = pd.DataFrame({"area": list(AREAS[: spec.areas]),
                             "adopted_on": [None if m is None else _month(spec, m) + dt.timedelta(days=14)
                                            for m in adopted]})  # fmt: skip
    truth = pd.DataFrame(
        [(area, month, total, n) for (area, month), (total, n) in sorted(truth.items())],
        columns=["area", "month", "sum_effect", "n"],
    )
    return {
        "participants": pd.DataFrame(people),
        "hours": pd.DataFrame(hours),
        "adoption": adoption,
        "truth": truth,
        "data_end": pd.DataFrame({"data_end": [data_end]}),
    }


def fill_rollout(con, study: str = ROLLOUT_STUDY, spec: RolloutSpec | None = None) -> None:
    """Write the synthetic roll-out as ``study`` into a new, empty study file (the demo store's third study)."""
    files = generate_rollout(spec)
    people = files["participants"].assign(arm="control")
    people.loc[people["district"].isin(files["adoption"].dropna()["area"]), "arm"] = "intervention"
    end = files["data_end"]["data_end"].iloc[0]
    con.execute(
        "INSERT INTO studies (study, title_sv, title_en, is_demo, data_end, loaded_at, hours_measure, cell_key_salt, "
        "design) VALUES (?, ?, ?, TRUE, ?, now(), 'performed', ?, 'rollout')",
        [study, *ROLLOUT_TITLES, end, f"demo-rollout-{study}"],
    )
    con.execute("INSERT INTO study_measures VALUES (?, 'performed', date_trunc('month', ?::DATE))", [study, end])
    for table, frame, columns in (
        ("participants", people, "?, person_id, arm, randomized_on, age, sex, application_type, baseline_hours, "
                                 "placed_on, died_on, followup_end, district"),
        ("hours", files["hours"], "?, person_id, month, hours, 'performed'"),
        ("area_adoptions", files["adoption"], "?, area, adopted_on"),
    ):  # fmt: skip
        con.register("rollout_rows", frame)
        con.execute(f"INSERT INTO {table} SELECT {columns} FROM rollout_rows", [study])
        con.unregister("rollout_rows")
    db.build_aggregates(con, study)
