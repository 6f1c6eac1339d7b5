"""Looks at the primary outcome against group-sequential boundaries (issue 32).

A look is each load of the study's data: the import and every monthly update, as the store's load log
(``study_loads``) records them, at the month the study was complete through after it; nobody can skip one,
since every write of the data is logged in the same atomic step. A study with no log (stores written before
it) or built as the demo takes a look at the end of every month in which more people's primary window was
complete: the most looks a monthly update could have taken. A look needs the suppression threshold of
people per arm with a complete window. The last look is final when everyone planned is randomized and
every window has ended (or at the plan's date of the final look); it spends what is left of alpha. The
information fraction at a look is the share of the planned number randomized (the plan's ``planned_n``;
without it, everyone randomized so far) whose primary window of K months is complete: followed to the
window's end, or dead within it. The z at a look is the difference in the primary outcome per randomized
person (care cost or days at home, treatment policy) among those people, over its Welch standard error;
the boundary is that of the plan's alpha-spending function at the looks' fractions (stats.sequential),
and the repeated confidence interval at the latest look keeps the overall coverage. With the plan's
futility option, each interim look also has a non-binding futility boundary in the direction of benefit
(lower cost, more days at home), by O'Brien–Fleming-type beta spending (β = 0.2) under the alternative a
fixed design of the planned size has 80 % power against (stats.sequential.find_futility); crossing it says
the trial is unlikely to show a benefit, and since it is non-binding the efficacy boundaries stay as they are.
Information is the share of people (not a variance-based share: that needs a planned effect size, which the
plan does not hold). The z is Welch's on the people with a complete window, whatever the plan's estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.outcomes.per_person import UnitCosts
from analysis.outcomes.person_rows import person_outcomes_sql, read_person_outcomes_sql
from analysis.selection import Filters, Selection
from analysis.settings import get_setting
from analysis.stats.descriptive import welch_from_stats
from analysis.stats.sequential import FUTILITY_BETA, find_boundaries, find_futility, repeated_interval
from analysis.store import db
from analysis.store.studies import check_groups, describe_study, load_plan


def _count_primary(con: db.Connection, study: str, window: int, outcome: str, costs: UnitCosts):
    """Return the complete primary values counted per arm and month of completion (n, Σx, Σx²), and the people.

    The second value is (people randomized, the last day any window ends): what the final look needs.
    """
    everyone = Selection(study, Filters(), month=window)
    sql, params = read_person_outcomes_sql(con, everyone, with_hours=outcome != "days_home")
    value, value_params = ("days_home", []) if outcome == "days_home" else (
        "hours * ? + nursing_home_days * ?", [float(costs.hour), float(costs.day)])  # fmt: skip
    cells = db.query(
        con,
        f"""SELECT arm, date_trunc('month', randomized_on + to_days(time::INTEGER))::DATE AS done_month,
                   count(*) AS n, sum(v) AS total, sum(v * v) AS squares
            FROM (SELECT *, ({value})::DOUBLE AS v FROM ({sql})) WHERE complete
            GROUP BY ALL ORDER BY done_month, arm""",
        [*value_params, *params],
    )
    plain, plain_params = person_outcomes_sql(everyone, with_hours=False)  # who and when need no hours
    people, last_end = con.execute(
        f"SELECT count(*), max((randomized_on + to_months(?::INTEGER))::DATE) FROM ({plain})", [window, *plain_params]
    ).fetchone()
    return cells, (int(people), None if last_end is None else pd.Timestamp(last_end))


def _z_at(within: pd.DataFrame) -> tuple[float, float, float]:
    """Return (difference, SE, z) of the mean value between the arms (Welch) from counts and sums; NaN under 2."""
    arms = within.groupby("arm")[["n", "total", "squares"]].sum()
    if not {"intervention", "control"} <= set(arms.index) or arms["n"].min() < 2:
        return np.nan, np.nan, np.nan
    stats = {}
    for arm in ("intervention", "control"):
        n, total, squares = arms.loc[arm]
        mean = total / n
        stats[arm] = (mean, float(np.sqrt(max(squares - n * mean**2, 0.0) / (n - 1))), int(n))
    test = welch_from_stats(*stats["intervention"], *stats["control"])
    se = test["se"]
    return float(test["difference"]), float(se), float(test["difference"] / se) if se > 0 else np.nan


def find_look_months(con: db.Connection, study: str, last: pd.Timestamp) -> tuple[list[pd.Period] | None, str]:
    """Return the months of the study's loads (None: every month) and which rule gave them.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    last : Timestamp
        The last day the study is complete through now (its current load).

    Returns
    -------
    tuple
        (sorted months, or None for every complete month; 'update_log' or 'every_complete_month').

    """
    loads = db.query(con, "SELECT kind, complete_through FROM study_loads WHERE study = ? ORDER BY loaded_at", [study])
    if loads.empty or (loads["kind"] == "demo").any():
        return None, "every_complete_month"
    months = {pd.Period(pd.Timestamp(m), freq="M") for m in loads["complete_through"]}
    return sorted(months | {pd.Period(last, freq="M")}), "update_log"


def monitor_primary(con: db.Connection, study: str, costs: UnitCosts) -> dict:
    """Return every look so far at the primary outcome with its information fraction, z and boundary.

    Parameters
    ----------
    con : Connection
        An open store.
    study : str
        Study name.
    costs : UnitCosts
        Cost of an hour and a day (the care cost outcome).

    Returns
    -------
    dict
        study, spending, alpha, planned_n, information_definition, looks_from ('update_log': one look per
        load of the data; 'every_complete_month': no log, a look per month), looks (look, complete_through,
        people_complete, information_fraction, z, efficacy_boundary_z (None while too little information
        has accrued for any boundary to be crossable), futility_boundary_z (on the z scale, in the sign of z
        that means benefit; None without the plan's futility option and at the final look), futility_crossed,
        nominal_alpha, crossed), repeated_ci_low/high and estimate at the latest look, final.

    """
    plan = load_plan(con, study)
    info = describe_study(con, study)
    check_groups(info, "monitor")
    smallest = max(2, int(get_setting("suppression_threshold")))
    done, (people, last_end) = _count_primary(con, study, plan.window_months, plan.primary_outcome, costs)
    last = pd.Timestamp(info["complete_through"] or info["data_end"]) + pd.offsets.MonthEnd(0)
    planned = plan.planned_n or people
    final_by_date = plan.final_on is not None and pd.Timestamp(plan.final_on) <= last
    # Everyone planned is randomized and every window has ended (complete, or left follow-up before its end).
    all_ended = people >= planned and last_end is not None and last_end <= last
    logged, rule = find_look_months(con, study, last)
    first = pd.Period(done["done_month"].min(), freq="M") if len(done) else None
    months = pd.period_range(first, last, freq="M") if first is not None else []
    if logged is not None:
        months = [m for m in logged if first is not None and m >= first]
    looks, seen = [], 0
    done_months = pd.PeriodIndex(pd.to_datetime(done["done_month"]), freq="M") if len(done) else None
    for month in months:
        within = done[done_months <= month]
        per_arm = within.groupby("arm")["n"].sum()
        if within["n"].sum() <= seen or len(per_arm) < 2 or per_arm.min() < smallest:
            continue  # a look needs the suppression threshold of people per arm: no z of a few people
        seen = int(within["n"].sum())
        looks.append((month, within))
    out = {
        "study": study,
        "spending": plan.spending,
        "alpha": plan.alpha,
        "planned_n": plan.planned_n,
        "information_definition": "people whose primary window is complete / planned number randomized",
        "looks_from": rule,
        "futility": bool(plan.futility),
        "futility_beta": FUTILITY_BETA if plan.futility else None,
        "looks": [],
        "repeated_ci_low": None,
        "repeated_ci_high": None,
        "estimate": None,
        "final": False,
    }
    if not looks:
        return out
    fractions = np.minimum([w["n"].sum() / planned for _, w in looks], 1.0)
    keep = np.r_[True, np.diff(fractions) > 1e-12]  # looks past full information add none
    looks, fractions = [look for look, k in zip(looks, keep, strict=True) if k], fractions[keep]
    final = bool(fractions[-1] >= 1.0 or final_by_date or all_ended)
    if final:
        fractions[-1] = 1.0  # the final look spends what is left
    design = find_boundaries(fractions, plan.alpha, plan.spending, 2)
    benefit = -1.0 if plan.primary_outcome == "cost" else 1.0  # the sign of z when the intervention does better
    futility = np.full(len(fractions), np.nan)
    if plan.futility:
        futility = find_futility(fractions, design["boundaries"], FUTILITY_BETA, plan.spending, alpha=plan.alpha)
        futility = np.r_[futility["boundaries"], np.full(len(fractions), np.nan)][: len(fractions)]
    for i, ((month, within), fraction) in enumerate(zip(looks, fractions, strict=True)):
        difference, se, z = _z_at(within)
        bound = float(design["boundaries"][i])  # inf: nothing to spend yet (too little information to cross)
        stop = float(futility[i])  # NaN: no futility look (not planned, or the final look)
        out["looks"].append(
            {
                "look": i + 1,
                "complete_through": str(month),
                "people_complete": int(within["n"].sum()),
                "information_fraction": float(fraction),
                "z": None if np.isnan(z) else z,
                "efficacy_boundary_z": bound if np.isfinite(bound) else None,  # JSON has no Infinity
                "futility_boundary_z": benefit * stop if np.isfinite(stop) else None,
                "futility_crossed": bool(np.isfinite(stop) and np.isfinite(z) and benefit * z < stop),
                "nominal_alpha": float(design["nominal_alpha"][i]),
                "crossed": bool(np.isfinite(z) and abs(z) >= bound),
            }
        )
        if i == len(looks) - 1 and np.isfinite(se) and np.isfinite(bound):
            low, high = repeated_interval(difference, se, bound)
            out |= {"repeated_ci_low": low, "repeated_ci_high": high, "estimate": difference}
    out["final"] = final
    return out
