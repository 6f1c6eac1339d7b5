"""A study group against a control group that was not randomized (issue 33): balance, weighted difference, E-value.

The figure is the Comparisons page's: hours in follow-up month k among the people counted then (still at home
and followed; person_values.load_month_values), per age band. Beside the crude difference (as
``compare_hours`` gives it) comes the overlap-weighted one: the propensity to be in the study group is fitted
on the people compared, from their baseline covariates (age, sex, application type, baseline hours;
stats.weighting), so the weighted groups have equal means of each. The balance table shows how far apart the
groups were at baseline before and after weighting; the E-value says how strong an unmeasured confounder would
have to be to explain the weighted difference away. Nothing here makes the difference an effect: people who
stay at home to month k may differ in ways the weights do not reach.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.outcomes.person_values import EXCLUDE, load_month_values
from analysis.selection import ALL, Selection
from analysis.stats.descriptive import standardized_difference_continuous
from analysis.stats.weighting import (
    estimate_weighted_difference,
    find_e_value,
    find_standardized_differences,
    fit_overlap_weights,
)
from analysis.store import db

BALANCE_COVARIATES = ("age", "baseline_hours", "sex_female", "application_new")


def compare_weighted_groups(con: db.Connection, selection: Selection, handling: str = EXCLUDE) -> dict:
    """Return the crude and overlap-weighted differences in month-k hours per band, the balance and E-values.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study (of design comparison_group, or any two groups), filters, bands and month k.
    handling : {'exclude', 'zero'}
        Who is counted in month k (person_values.load_month_values).

    Returns
    -------
    dict
        groups (per band and all: age_band, n_study, n_control, difference (crude), weighted_difference,
        weighted_ci_low, weighted_ci_high, weighted_p_value, e_value, e_value_ci), balance (per covariate:
        covariate, smd_before, smd_after), e_value and e_value_ci (everyone's), warnings, cannot_estimate
        (None, or why the weights cannot be fitted, as (sv, en)).

        When the weights cannot be fitted (an empty group, no overlap), the weighted figures are NaN and
        ``cannot_estimate`` says why (sv, en); the crude ones stay.

    """
    people = load_month_values(con, selection, handling)
    people = people[people["age_band"].notna()].assign(
        sex_female=lambda f: (f["sex"] == "F").astype(float),
        application_new=lambda f: (f["application_type"] == "new").astype(float),
    )
    x = people[list(BALANCE_COVARIATES)].to_numpy(dtype=float)
    treated = people["intervention"].to_numpy() == 1
    varying = x.std(axis=0) > 0  # a covariate the same for everyone (e.g. after a filter) balances itself
    cannot, caught = None, []
    try:
        weights, _, caught = fit_overlap_weights(_standardize(x[:, varying]), treated)
    except InputError as error:  # one group empty in this selection, or no overlap: say why, keep the crude
        cannot, weights = (error.sv, error.en), np.full(len(people), np.nan)
    balance = pd.DataFrame(
        {
            "covariate": list(BALANCE_COVARIATES),
            "smd_before": [
                standardized_difference_continuous(x[treated, j], x[~treated, j]) for j in range(x.shape[1])
            ],
            "smd_after": find_standardized_differences(x, treated, weights) if cannot is None else np.nan,
        }
    )
    people = people.assign(weight=weights)
    rows = []
    for band in [*(b.label for b in selection.bands), ALL]:
        part = people if band == ALL else people[people["age_band"] == band]
        rows.append(_band_row(band, part))
    groups = pd.DataFrame(rows)
    overall = groups.iloc[-1]
    return {
        "groups": groups,
        "balance": balance,
        "e_value": overall["e_value"],
        "e_value_ci": overall["e_value_ci"],
        "warnings": caught,
        "cannot_estimate": cannot,
    }


def _standardize(x: np.ndarray) -> np.ndarray:
    """Return varying covariates centred and scaled (the logistic fit's conditioning; the weights do not change)."""
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _band_row(band: str, part: pd.DataFrame) -> dict:
    """Return one band's crude and weighted differences of month-k hours, with the E-values."""
    treated = part["intervention"].to_numpy() == 1
    row = {"age_band": band, "n_study": int(treated.sum()), "n_control": int((~treated).sum())}
    empty = {name: np.nan for name in ("difference", "weighted_difference", "weighted_ci_low", "weighted_ci_high",
                                       "weighted_p_value", "e_value", "e_value_ci")}  # fmt: skip
    if min(row["n_study"], row["n_control"]) < 2:
        return row | empty
    if part["weight"].isna().any():  # the weights could not be fitted: the crude difference only
        return (
            row | empty | {"difference": float(part.loc[treated, "hours"].mean() - part.loc[~treated, "hours"].mean())}
        )
    y = part["hours"].to_numpy(dtype=float)
    found = estimate_weighted_difference(y, treated, part["weight"].to_numpy())
    e_value, e_value_ci = find_e_value(found["difference"], found["ci_low"], found["ci_high"], float(y.std(ddof=1)))
    return row | {
        "difference": float(y[treated].mean() - y[~treated].mean()),
        "weighted_difference": found["difference"],
        "weighted_ci_low": found["ci_low"],
        "weighted_ci_high": found["ci_high"],
        "weighted_p_value": found["p_value"],
        "e_value": e_value,
        "e_value_ci": e_value_ci,
    }
