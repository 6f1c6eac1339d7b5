"""Figures of designs without a lottery as a viewer sees them (issue 33): roll-outs and weighted comparison groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

SUMMARY = ("att", "ci_low", "ci_high", "p_value", "twfe_att", "twfe_ci_low", "twfe_ci_high", "pre_trend_p_value",
           "n_areas", "n_adopting", "n_people")  # fmt: skip


def show_rollout(result: dict, threshold: int) -> dict[str, pd.DataFrame]:
    """Return the roll-out's summary and event study as shown (analysis.outcomes.rollout.analyse_rollout).

    The answer is a weighted mean over area-months and is shown whole: no area's own figures are in it. A
    month of the event study with fewer than ``threshold`` people behind it is hidden (its estimate would
    rest on a few people's hours), with the reason; the summary says how many people and areas the answer
    rests on, and is hidden whole (but the areas) when the selection has fewer than ``threshold`` people.

    Parameters
    ----------
    result : dict
        analyse_rollout's answer.
    threshold : int
        Smallest number of people shown.

    Returns
    -------
    dict
        summary (one row: SUMMARY and outcome, estimator), event_study (event_month, att, ci_low, ci_high,
        n_people, n_areas, suppressed, suppressed_reason).

    """
    summary = pd.DataFrame([{key: result.get(key) for key in (*SUMMARY, "outcome", "estimator")}])
    summary = summary.astype({key: "float64" for key in SUMMARY})
    if not summary["n_people"].iloc[0] >= threshold:  # a filter of a few people: their hours, not an answer
        summary.loc[:, [k for k in SUMMARY if k not in ("n_areas", "n_adopting")]] = np.nan
    summary["suppressed"] = summary["n_people"].isna()
    series = pd.DataFrame(result["event_study"], columns=["event_month", "att", "ci_low", "ci_high", "n_people",
                                                          "n_areas"])  # fmt: skip
    series = series.astype({"att": "float64", "ci_low": "float64", "ci_high": "float64", "n_people": "float64"})
    few = series["n_people"] < threshold
    series.loc[few, ["att", "ci_low", "ci_high", "n_people"]] = np.nan
    series["suppressed"] = few
    series["suppressed_reason"] = np.where(few, "few_people", None)
    return {"summary": summary, "event_study": series}


WEIGHTED = ("weighted_difference", "weighted_ci_low", "weighted_ci_high", "weighted_p_value", "e_value", "e_value_ci")


def show_weighted(weighted: dict, shown: pd.DataFrame, threshold: int) -> dict[str, pd.DataFrame]:
    """Return a comparison group's weighted differences and balance as shown (outcomes.groups).

    A band's weighted figures are hidden wherever its crude comparison is (``shown``: show_comparison's
    rows, NaN difference when hidden), so the two cannot be differenced; the balance table is hidden when
    either group has fewer than ``threshold`` people (its shares would describe them).

    Parameters
    ----------
    weighted : dict
        compare_weighted_groups' answer.
    shown : DataFrame
        The crude comparison as shown (age_band, difference).
    threshold : int
        Smallest number of people shown.

    Returns
    -------
    dict
        groups (age_band, WEIGHTED, suppressed), balance (covariate, smd_before, smd_after; empty when hidden).

    """
    groups = weighted["groups"][["age_band", *WEIGHTED, "n_study", "n_control"]].copy()
    hidden = groups["age_band"].map(shown.set_index("age_band")["difference"]).isna().to_numpy()
    groups.loc[hidden, list(WEIGHTED)] = np.nan
    groups["suppressed"] = hidden
    everyone = groups[groups["age_band"] == "all"]
    few = everyone.empty or min(everyone["n_study"].iloc[0], everyone["n_control"].iloc[0]) < threshold
    balance = weighted["balance"].iloc[0:0] if few else weighted["balance"]
    return {"groups": groups.drop(columns=["n_study", "n_control"]), "balance": balance.reset_index(drop=True)}


SHARES = ("share_better", "share_unchanged", "share_worse", "share_lower", "share_higher")


def show_single_group(result: dict, threshold: int) -> pd.DataFrame:
    """Return a single group's changes per measure as shown (outcomes.single_group).

    A measure with fewer than ``threshold`` people is hidden whole; its shares are hidden when any of them
    stands for 1 to threshold − 1 people (the shares add to 1, so one hidden share would be the others'
    complement: all go).

    Parameters
    ----------
    result : dict
        follow_single_group's answer.
    threshold : int
        Smallest number of people shown.

    Returns
    -------
    DataFrame
        The measures' rows with hidden figures NaN, suppressed and suppressed_reason.

    """
    rows = result["measures"].copy()
    shares = [c for c in SHARES if c in rows.columns]
    values = [c for c in rows.columns if c not in ("measure", "visit", "higher_is_better", "n")]
    few = rows["n"] < threshold
    counts = rows[shares].mul(rows["n"], axis=0).round()
    small = ((counts > 0) & (counts < threshold)).any(axis=1)
    rows.loc[few, values] = np.nan
    rows.loc[few, "n"] = np.nan
    rows.loc[small & ~few, shares] = np.nan
    rows["suppressed"] = few | small
    rows["suppressed_reason"] = np.where(few | small, "few_people", None)
    return rows
