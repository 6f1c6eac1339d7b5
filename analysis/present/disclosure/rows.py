"""Disclosure control, result rows: dominance, uniform arms and the rows of people, outcomes and placement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.outcomes.placement import CONTRASTS, DAYS_PER_MONTH
from analysis.present.disclosure.differencing import (
    _band_risk,
    _risk_of,
    few,
    few_either_way,
    few_outside,
    hide_complements,
    outside_bands,
    protect_rows_per_arm,
)
from analysis.present.disclosure.shares import scale_placement
from analysis.present.perturb import place_counts
from analysis.selection import ALL
from analysis.stats.descriptive import proportion_ci

DOMINANCE = 0.5  # a magnitude is hidden when one person could make up more than this share of its total


def dominated(groups: pd.DataFrame) -> np.ndarray:
    """Return rows where one person makes up (or, from cell sums, could make up) over DOMINANCE of an arm's total.

    With ``largest_share_{arm}`` (per-person outcomes) the share itself; with n, mean and SD only (hours from
    the cells) the largest a value can be by Samuelson's inequality, mean + SD·(n − 1)/√n, a bound that is
    tight when one person holds nearly everything. A (1, 50 %) dominance rule, as for business statistics.
    """
    out = np.zeros(len(groups), dtype=bool)
    for arm in ("intervention", "control"):
        if f"largest_share_{arm}" in groups.columns:
            share = groups[f"largest_share_{arm}"].astype("float64").to_numpy()
        elif {f"sd_{arm}", f"mean_{arm}"} <= set(groups.columns):
            n = groups[f"n_{arm}"].astype("float64").to_numpy()
            mean, sd = (groups[f"{c}_{arm}"].astype("float64").to_numpy() for c in ("mean", "sd"))
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.minimum(mean + sd * (n - 1) / np.sqrt(n), n * mean) / (n * mean)
        else:
            continue
        out |= np.nan_to_num(share) > DOMINANCE
    return out


def hide_band_rows(
    groups: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    by: str | None = None,
    more_risks: pd.DataFrame | None = None,
    dominance: bool = False,
) -> pd.DataFrame:
    """Hide a band row (both arms) when either arm is small or at risk of differencing, plus its complement.

    People outside every band are in 'all' but in no band row: when they are few, one band is hidden too,
    so that 'all' minus the shown bands never gives them back. ``by`` (e.g. month_k) holds several such
    tables in one frame, each with its own 'all'; ``more_risks`` is a second risk frame (e.g. per month).
    ``dominance``: also hide a row where one person makes up most of an arm's total (``dominated``; for sums
    one person can dominate: hours, costs, not bounded scales).
    """
    n_min = groups[["n_intervention", "n_control"]].min(axis=1)
    uniform = _uniform(groups) if threshold > 1 else np.zeros(len(groups), dtype=bool)  # off: nothing hidden
    if dominance and threshold > 1:
        uniform = uniform | dominated(groups)  # said as its own reason below
    risky = _band_risk(groups, risks) | _band_risk(groups, more_risks)
    primary = (n_min < threshold) | uniform | risky
    hidden = protect_rows_per_arm(groups, primary, threshold, by)
    protect = hidden & ~primary
    out = groups.copy()
    blank_in_place(out, hidden, [c for c in groups.columns if c not in ("age_band", by)])
    out["suppressed"] = hidden
    out["suppressed_reason"] = _reasons(n_min < threshold, uniform, risky, protect)
    if dominance and threshold > 1:  # a dominated (not uniform) row says so
        alone = dominated(groups) & ~_uniform(groups) & ~(n_min < threshold).to_numpy()
        out.loc[alone, "suppressed_reason"] = "dominated"
    return out


def blank_in_place(frame: pd.DataFrame, hidden, columns: list[str], text: bool = True) -> None:
    """Blank the columns in hidden rows: numbers become float64 NaN, text (``text`` True) None/NaN, else left."""
    hidden = np.asarray(hidden, dtype=bool)
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
    if numeric:  # all at once: a wide table (per-person outcomes) has a hundred columns
        values = frame[numeric].to_numpy(dtype="float64", na_value=np.nan, copy=True)
        values[hidden] = np.nan
        frame[numeric] = values
    for column in [c for c in columns if c not in numeric] if text else []:  # a method, a fit warning: as is
        frame[column] = frame[column].where(~hidden)


def _uniform(groups: pd.DataFrame) -> np.ndarray:
    """Return rows where everyone of an arm (two or more people) has the same value: the mean would tell each one's."""
    out = np.zeros(len(groups), dtype=bool)
    for arm in ("intervention", "control"):
        column = f"sd_{arm}"
        if column in groups.columns:
            sd = groups[column].astype("float64").to_numpy()
            out |= (groups[f"n_{arm}"].to_numpy() >= 2) & (sd == 0)
    return out


REASONS = ("few_people", "few_events", "uniform", "differencing", "protects_other", "dominated")  # why hidden


def _reasons(*masks) -> list:
    """Return per row the first reason whose mask is true, else None.

    Four masks are (few_people, uniform, differencing, protects_other); five follow REASONS.
    """
    names = ("few_people", "uniform", "differencing", "protects_other") if len(masks) == 4 else REASONS[: len(masks)]
    out = []
    for values in zip(*(np.asarray(m, dtype=bool) for m in masks), strict=True):
        out.append(next((name for name, on in zip(names, values, strict=True) if on), None))
    return out


def _protect_across_bands(rows: pd.DataFrame, primary: np.ndarray, sizes: pd.Series, unshown: bool) -> np.ndarray:
    """Return primary plus the second band hidden so 'all' minus the shown bands gives no hidden count back."""
    primary = pd.Series(primary, index=rows.index)
    protect = hide_complements(primary & (sizes > 0), sizes, rows["age_band"] == ALL, unshown)
    return (primary | protect).to_numpy()


def hide_people_counts(counts: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.Series:
    """Return which numbers of people randomized (per band and arm) every table of a page hides.

    One rule for every table that shows how many were randomized in a band and arm (people, placement,
    per-person outcomes, at-risk at month 0, Table 1, CONSORT), so a number hidden in one is hidden in all:
    1 to threshold − 1 people or at risk of differencing, and per arm a second band against 'all' (people
    outside every band counting as a hidden part when they are few). Nothing else hides these numbers.

    Parameters
    ----------
    counts : DataFrame
        age_band, arm, n (bands and 'all' of one or both arms).
    threshold : int
        Smallest number shown.
    risks : DataFrame, optional
        Differencing risks of the people randomized (find_risks 'randomized').

    Returns
    -------
    Series of bool
        Per row of counts, whether its n is hidden.

    """
    out = pd.Series(False, index=counts.index)
    for arm in counts["arm"].unique():
        rows = counts[counts["arm"] == arm]
        primary = few(rows["n"], threshold) | _risk_of(rows, risks, ["age_band", "arm"])
        unshown = few_outside(rows, ["n"], threshold)
        out[rows.index] = _protect_across_bands(rows, primary, rows["n"].fillna(0), unshown)
    return out


def hide_people_wide(groups: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> dict:
    """Return hide_people_counts for a table with n_intervention and n_control per band: arm -> bool array."""
    out = {}
    for arm in ("intervention", "control"):
        counts = pd.DataFrame(
            {"age_band": groups["age_band"].to_numpy(), "arm": arm, "n": groups[f"n_{arm}"].to_numpy()}
        )
        out[arm] = hide_people_counts(counts, threshold, risks).to_numpy()
    return out


def hide_people_rows(
    people: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    event_risks: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hide small or differencing-prone people/placement cells per arm, with secondary suppression across bands.

    A cell's people (n) are hidden only when they are few or at risk (then its placements and deaths
    too); placements (count, share, interval) are hidden on their own when 1 to threshold − 1 people
    were placed or were not, and deaths likewise, each with a second band hidden against 'all'.

    Parameters
    ----------
    people : DataFrame
        From summarize_people: age_band, arm, n, n_placed, share_placed, placed_ci_low, placed_ci_high, n_died.
    threshold : int
        Smallest number shown.
    risks : DataFrame, optional
        Differencing risks of the people randomized (find_risks 'randomized').
    event_risks : DataFrame, optional
        Differencing risks of the placements and deaths (find_risks 'people').
    counts : DataFrame, optional
        A filtered view's counts with the cell key method (linked 'counts_people'): shown instead of the
        exact ones, the share placed and its interval computed from them, and no second band hidden.

    Returns
    -------
    DataFrame
        The rows with hidden figures NaN, ``suppressed`` (n hidden) and ``suppressed_reason``.

    """
    out = people.copy()
    figures = {"n": ["n"], "n_placed": ["n_placed", "share_placed", "placed_ci_low", "placed_ci_high"]}
    figures["n_died"] = ["n_died"]
    for columns in figures.values():
        for column in columns:
            out[column] = out[column].astype("float64")
    out["suppressed"] = False
    out["suppressed_reason"] = None
    for arm in ("intervention", "control"):
        rows = people[people["arm"] == arm]
        n = rows["n"].to_numpy(dtype="float64")
        risky = _risk_of(rows, risks, ["age_band", "arm"])
        primary = few(n, threshold) | risky
        hidden_n = few(n, threshold) if counts is not None else hide_people_counts(rows, threshold, risks).to_numpy()
        event_risky = _risk_of(rows, event_risks, ["age_band", "arm"])
        reasons = _reasons(primary & ~risky, np.zeros(len(rows), bool), risky, hidden_n & ~primary)
        for count in ("n_placed", "n_died"):
            small = few_either_way(rows[count], n, threshold)
            unshown = few_outside(rows, [count], threshold)
            primary_events = (small | event_risky) & ~hidden_n
            hidden = primary_events | hidden_n
            if counts is None:
                hidden = _protect_across_bands(rows, hidden, rows[count], unshown)
            out.loc[rows.index[hidden], figures[count]] = np.nan
            none = np.zeros(len(rows), dtype=bool)
            why = _reasons(none, small & ~hidden_n, none, event_risky & ~hidden_n, hidden & ~primary_events & ~hidden_n)
            reasons = [r or w for r, w in zip(reasons, why, strict=True)]
        out.loc[rows.index[hidden_n], "n"] = np.nan
        out.loc[rows.index, "suppressed"] = hidden_n
        out.loc[rows.index, "suppressed_reason"] = pd.Series(reasons, index=rows.index, dtype=object)
    if counts is None:
        return out
    out = place_counts(out, counts, {c: (c, None) for c in ("n", "n_placed", "n_died")}, ["age_band", "arm"])
    known = out["n_placed"].notna().to_numpy() & (out["n"].to_numpy() > 0)
    low, high = proportion_ci(out["n_placed"].fillna(0), out["n"].fillna(0))
    out["share_placed"] = np.where(known, out["n_placed"] / out["n"].where(known, 1.0), np.nan)
    out["placed_ci_low"], out["placed_ci_high"] = np.where(known, low, np.nan), np.where(known, high, np.nan)
    return out


def _hide_dominated_outcomes(out: pd.DataFrame, groups: pd.DataFrame, threshold: int) -> None:
    """Blank, in place, each per-person outcome one person makes up over DOMINANCE of in an arm (its figures only).

    Nursing-home days among few placed, say: the mean would nearly tell the days of the one person placed,
    while the care cost and days at home of the same people stay shown.
    """
    if threshold <= 1:
        return
    for name in ("cost", "nursing_home_days", "hours"):
        shares = [f"largest_share_{name}_{arm}" for arm in ("intervention", "control")]
        if not set(shares) <= set(groups.columns):
            continue
        hit = (groups[shares].astype("float64").fillna(0) > DOMINANCE).any(axis=1).to_numpy()
        blank_in_place(out, hit, [c for c in out.columns if c.startswith(f"{name}_") and c not in shares], text=False)
        out.loc[hit & out["suppressed_reason"].isna().to_numpy(), "suppressed_reason"] = "dominated"
    for column in [c for c in out.columns if c.startswith("largest_share_")]:
        out[column] = np.nan  # what decided it is not shown


# Figures that rest on an arm's deaths, by the count that protects them.
DEATH_FIGURES = {
    "deaths": ("deaths_{arm}",),
    "deaths_before_placement": (
        "deaths_before_placement_{arm}",
        "death_cuminc_{arm}",
        "death_cuminc_ci_low_{arm}",
        "death_cuminc_ci_high_{arm}",
    ),
    "censored": ("censored_{arm}",),
    "ended_at_placement": ("ended_at_placement_{arm}",),
}
DEATH_CONTRASTS = ("death_hazard_ratio", "death_hazard_ratio_ci_low", "death_hazard_ratio_ci_high")
DEATH_CONTRASTS += ("death_hazard_ratio_p_value",)


def hide_outcome_rows(
    groups: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    people_risks: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hide per-person outcome rows as hide_band_rows does, then death and censoring counts of 1 to threshold − 1.

    A small count is hidden with everything computed from it (a cumulative incidence gives the count
    back), and secondary suppression across the bands keeps 'all' minus the others from revealing it;
    the hazard ratio of death is hidden when either arm's deaths before placement are. The numbers
    randomized follow hide_people_counts (``people_risks``), as on every other table. ``counts`` (a
    filtered view's counts with the cell key method, linked 'counts_outcomes'): the counts shown are
    those, and no second band is hidden for them (noise, not a person, is what a difference gives back).
    """
    out = hide_band_rows(groups, threshold, risks)
    _hide_dominated_outcomes(out, groups, threshold)
    people = {a: few(groups[f"n_{a}"], threshold) for a in ("intervention", "control")} if counts is not None else None
    for arm, hidden_n in (people or hide_people_wide(groups, threshold, people_risks)).items():
        out[f"n_{arm}"] = groups[f"n_{arm}"].astype("float64").where(~hidden_n)
    is_total = out["age_band"] == "all"
    hidden_deaths = np.zeros(len(out), dtype=bool)
    hidden_counts = np.zeros(len(out), dtype=bool)
    for count, figures in DEATH_FIGURES.items():
        for arm in [a for a in ("intervention", "control") if f"{count}_{a}" in out.columns]:
            values = out[count + f"_{arm}"].fillna(0)
            small = pd.Series(few_either_way(values, groups[f"n_{arm}"], threshold), index=out.index)
            unshown = 0 < outside_bands(groups, count + f"_{arm}") < threshold
            protected = small if counts is not None else hide_complements(small, values, is_total, unshown)
            hidden = protected & ~out["suppressed"]
            for column in [f.format(arm=arm) for f in figures if f.format(arm=arm) in out.columns]:
                out[column] = out[column].where(~hidden)
            hidden_counts |= hidden.to_numpy()
            if count == "deaths_before_placement":
                hidden_deaths |= hidden.to_numpy()
    for column in [c for c in DEATH_CONTRASTS if c in out.columns]:
        out[column] = out[column].where(~hidden_deaths)
    partly = out["suppressed_reason"].isna().to_numpy() & hidden_counts
    out.loc[partly, "suppressed_reason"] = "few_events"  # the row is shown, some of its event counts are not
    if counts is None:
        return out
    shown = {f"n_{arm}": ("n", arm) for arm in ("intervention", "control")}
    for count in DEATH_FIGURES:
        shown |= {f"{count}_{arm}": (count, arm) for arm in ("intervention", "control") if f"{count}_{arm}" in out}
    return place_counts(out, counts, shown, ["age_band"])


ARM_STATS = (
    "n",
    "placed",
    "cuminc",
    "cuminc_ci_low",
    "cuminc_ci_high",
    "one_minus_km",
    "nursing_home_days_per_person_year",
)


def hide_placement_rows(
    groups: pd.DataFrame,
    threshold: int,
    risks: pd.DataFrame | None = None,
    people_risks: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    placed_by: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hide an arm's figures when it has too few people or placements (or is at risk of differencing).

    The number randomized follows hide_people_counts (as on every table); the arm's other figures are
    hidden when its people are, when 1 to threshold − 1 were placed or were not, or when at risk of
    differencing, with a second band against 'all'; deaths of 1 to threshold − 1 (or all but so many)
    are hidden on their own, likewise. Comparisons are hidden when either arm's figures are.

    Parameters
    ----------
    groups : DataFrame
        analyze_placement's groups.
    threshold : int
        Smallest number shown.
    risks : DataFrame, optional
        Differencing risks of the placement table (find_risks 'placement').
    people_risks : DataFrame, optional
        Differencing risks of the people randomized (find_risks 'randomized').
    counts : DataFrame, optional
        A filtered view's counts with the cell key method (linked 'counts_placement'): the people, placed
        and dead shown are those, no second band is hidden, nothing is hidden for differencing, and the
        people randomized are hidden only when 1 to threshold − 1. The shares and magnitudes then follow
        the perturbed counts (shares.scale_placement with ``placed_by``), so none gives a true count back.
    placed_by : DataFrame, optional
        With ``counts``: the view's perturbed placements up to each month's end (linked 'counts_placed_by').

    Returns
    -------
    DataFrame
        The table with hidden figures NaN, hidden_intervention/hidden_control (the arm's figures),
        ``suppressed`` and ``suppressed_reason``.

    """
    out = groups.copy()
    hidden_any = np.zeros(len(out), dtype=bool)
    reasons = {}
    if counts is not None:
        n_hidden = {arm: few(groups[f"n_{arm}"], threshold) for arm in ("intervention", "control")}
    else:
        n_hidden = hide_people_wide(groups, threshold, people_risks)
    for arm in ("intervention", "control"):
        n, placed = out[f"n_{arm}"].to_numpy(dtype=float), out[f"placed_{arm}"].to_numpy(dtype=float)
        arm_risks = None if risks is None else risks[risks["arm"] == arm].drop(columns="arm")
        few_placed = few_either_way(placed, n, threshold)  # 1-4 placed, or all but 1-4
        risky = _risk_of(out, arm_risks if counts is None else None, ["age_band"])  # perturbed: not hidden
        primary = n_hidden[arm] | (n < threshold) | few_placed | risky
        # Complementary suppression across the bands ('all' minus the shown bands), people outside them included.
        unshown = few_outside(groups, [f"n_{arm}", f"placed_{arm}"], threshold)
        if counts is None:
            hidden = _protect_across_bands(out, primary, out[f"placed_{arm}"].fillna(0), unshown)
        else:
            hidden = primary
        reasons[arm] = _reasons(
            n_hidden[arm] | (n < threshold),
            few_placed,
            np.zeros(len(out), dtype=bool),  # a uniform placement share is already 0 or all: hidden as few events
            risky,
            hidden & ~primary,
        )
        hidden_any |= hidden
        died = f"died_{arm}"
        if died in out.columns:  # 1 to threshold − 1 deaths (or survivors) are a small count of their own
            small = few_either_way(out[died], n, threshold) | hidden
            unshown_died = few_outside(groups, [died], threshold)
            if counts is None:
                small = _protect_across_bands(out, small, out[died].fillna(0), unshown_died)
            out[died] = out[died].astype("float64").where(~small, np.nan)
        arm_columns = [f"{key}_{arm}" for key in ARM_STATS if f"{key}_{arm}" in out.columns and key != "n"]
        arm_columns += [  # every other figure of the arm too (person-years, days), shown or exported
            c
            for c in out.columns
            if c.endswith(f"_{arm}") and c not in arm_columns and c not in (f"hidden_{arm}", f"n_{arm}", died)
        ]
        for column in arm_columns:
            if pd.api.types.is_numeric_dtype(out[column]):
                out[column] = out[column].astype("float64").where(~hidden, np.nan)
        out[f"n_{arm}"] = out[f"n_{arm}"].astype("float64").where(~n_hidden[arm], np.nan)
        out[f"hidden_{arm}"] = hidden
    for column in [c for c in CONTRASTS if c in out.columns]:
        out[column] = out[column].astype("float64").where(~hidden_any, np.nan)
    out["suppressed"] = out["hidden_intervention"] | out["hidden_control"]
    out["suppressed_reason"] = [a or b for a, b in zip(reasons["intervention"], reasons["control"], strict=True)]
    if counts is None:
        return out
    if placed_by is not None:
        out = scale_placement(out, counts, placed_by)
    shown = {f"{c}_{arm}": (c, arm) for c in ("n", "placed", "died") for arm in ("intervention", "control")}
    columns = {k: v for k, v in shown.items() if k in out.columns}
    return place_counts(out, counts, columns, ["age_band"], decimals=2)  # ratios and their intervals: 2 decimals


def coarsen_curve(
    curve: pd.DataFrame, months: int, columns=("cuminc", "ci_low", "ci_high", "one_minus_km")
) -> pd.DataFrame:
    """Return a step curve's values at the end of each whole month 0..months, so no event's day is shown.

    Parameters
    ----------
    curve : DataFrame
        time (days, ascending) and the value columns of one arm's curve (each row holds from its time on).
    months : int
        The last whole month.
    columns : sequence of str
        Value columns to carry (those missing are skipped).

    Returns
    -------
    DataFrame
        month (0..months) and the value of each column at the month's end (0 before the first event).

    """
    ends = np.arange(months + 1) * DAYS_PER_MONTH
    last = np.searchsorted(curve["time"].to_numpy(dtype=float), ends, side="right") - 1
    out = {"month": np.arange(months + 1)}
    for column in [c for c in columns if c in curve.columns]:
        values = curve[column].ffill().fillna(0.0).to_numpy(dtype=float)
        out[column] = np.where(last >= 0, values[np.maximum(last, 0)], 0.0)
    return pd.DataFrame(out)
