"""What a viewer sees of the outcome-measures page: visits, change scores, deaths before a visit, QALYs, planning.

The rules by kind of statistic, as on every page: means and changes are magnitudes (hidden when an arm has
fewer than the threshold of people measured, or everyone has the same value, with a second band against
'all'); people randomized, measured and dead before a visit are counts (1 to threshold − 1 hidden, with a
second band against 'all' in a view without filters; with the cell key method's noise in a filtered view).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import InputError
from analysis.instruments import Instrument
from analysis.present.disclosure import complement_by_group, few, few_either_way, hide_band_rows, hide_people_counts
from analysis.present.perturb import place_counts, round_magnitudes
from analysis.selection import ALL

ARMS = ("intervention", "control")
CHANGE = ("change_{arm}", "change_ci_low_{arm}", "change_ci_high_{arm}", "n_change_{arm}")


def _sd_from_ci(mean, low, high, n) -> np.ndarray:
    """Return the SD behind a t interval of a mean (0 when everyone has the same value; NaN below 2 people)."""
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            n >= 2, (np.asarray(high) - np.asarray(low)) / 2 * np.sqrt(n) / stats.t.ppf(0.975, n - 1), np.nan
        )


def _across_bands(frame: pd.DataFrame, primary: np.ndarray, sizes, threshold: int) -> np.ndarray:
    """Return primary plus, per visit, a second band hidden so 'all' minus the shown bands gives no hidden one back."""
    gid = frame.groupby("visit_month", sort=False).ngroup().to_numpy()
    is_total = (frame["age_band"] == ALL).to_numpy()
    sizes = np.nan_to_num(np.asarray(sizes, dtype="float64"))
    groups = gid.max() + 1 if len(gid) else 0
    total = np.bincount(gid, weights=np.where(is_total, sizes, 0.0), minlength=groups)
    parts = np.bincount(gid, weights=np.where(is_total, 0.0, sizes), minlength=groups)
    unshown = few(total - parts, threshold)  # people outside every band: a hidden part of their own
    return complement_by_group(gid, is_total, np.asarray(primary, dtype=bool) & (sizes > 0), sizes, unshown) | primary


def show_measures(visits: pd.DataFrame, selection, threshold: int, risks_for, instrument: Instrument) -> pd.DataFrame:
    """Return compare_measures' visits as the outcome-measures page shows them to a viewer.

    Parameters
    ----------
    visits : DataFrame
        MeasuresComparison.visits.
    selection : Selection
        The view.
    threshold : int
        Smallest number shown (1: everything exact).
    risks_for : callable
        (Selection, table, timepoints) -> a filtered view's counts ('counts_measures:<instrument>') or None.
    instrument : Instrument
        The instrument compared (its name keys the counts; its scale, the decimals of a filtered view).

    Returns
    -------
    DataFrame
        The visits with hidden figures NaN, ``suppressed`` (the means), ``suppressed_reason``, sd_ per arm
        and, in a filtered view, ``perturbed``.

    """
    groups = visits.copy()
    for arm in ARMS:
        groups[f"sd_{arm}"] = _sd_from_ci(
            groups[f"mean_{arm}"], groups[f"ci_low_{arm}"], groups[f"ci_high_{arm}"], groups[f"n_{arm}"]
        )
    counts = risks_for(selection, f"counts_measures:{instrument.name}", tuple(sorted(visits["visit_month"].unique())))
    shown = hide_band_rows(groups, threshold, by="visit_month")
    for arm in ARMS:
        # The change from baseline: a mean of its own, over those measured at both visits.
        n_change = groups[f"n_change_{arm}"].to_numpy(dtype="float64")
        uniform = (n_change >= 2) & (groups[f"change_ci_low_{arm}"] == groups[f"change_ci_high_{arm}"]).to_numpy()
        primary = few(n_change, threshold) | (uniform & (threshold > 1)) | shown["suppressed"].to_numpy()
        hidden = _across_bands(groups, primary, n_change, threshold) if threshold > 1 else primary
        for column in [c.format(arm=arm) for c in CHANGE]:
            shown[column] = groups[column].astype("float64").where(~hidden)
        # People randomized and dead before the visit: counts, whatever the means show.
        randomized, died = groups[f"randomized_{arm}"], groups[f"died_{arm}"]
        small = few_either_way(died, randomized, threshold)
        if counts is None and threshold > 1:
            small = _across_bands(groups, small, died, threshold)
        shown[f"died_{arm}"] = died.astype("float64").where(~small)
        people = groups[["age_band"]].assign(arm=arm, n=randomized.to_numpy())
        if counts is None:  # the one rule of every table that shows the people randomized (the same each visit)
            hidden_people = np.zeros(len(groups), dtype=bool)
            for _, rows in people.groupby(groups["visit_month"]):
                hidden_people[people.index.get_indexer(rows.index)] = hide_people_counts(rows, threshold).to_numpy()
        else:
            hidden_people = few(randomized, threshold)
        shown[f"randomized_{arm}"] = randomized.astype("float64").where(~hidden_people)
    if counts is None:
        return shown
    columns = {}
    for arm in ARMS:
        columns |= {
            f"n_{arm}": ("measured", arm),
            f"died_{arm}": ("died", arm),
            f"randomized_{arm}": ("randomized", arm),
        }
        columns[f"n_change_{arm}"] = ("with_baseline", arm)
    shown = shown.assign(se=np.nan, df=np.nan)
    out = place_counts(shown, counts, columns, ["age_band", "visit_month"], instrument.decimals)
    return out.assign(ancova_n=np.nan, ancova_df=np.nan)  # both hold the exact numbers measured


def show_qalys(groups: pd.DataFrame, selection, threshold: int, risks_for) -> pd.DataFrame:
    """Return compare_cost_effectiveness' groups as the page shows them: magnitudes over those with utilities.

    QALYs, costs and the acceptability curve rest on the people with an EQ-5D index per arm: hidden when
    either arm has fewer than the threshold (with a second band against 'all'). In a filtered view they are
    rounded as displayed and the numbers with utilities, not shown on the page, are left out.
    """
    curves = groups["p_cost_effective"]
    table = groups.drop(columns=["nmb", "nmb_ci_low", "nmb_ci_high", "p_cost_effective"], errors="ignore")
    table = table.assign(n_intervention=groups["n_utility_intervention"], n_control=groups["n_utility_control"])
    shown = hide_band_rows(table, threshold)
    shown["p_cost_effective"] = curves.where(~shown["suppressed"])
    if risks_for(selection, "counts_randomized") is None:
        return shown
    exact = ["age_band", "p_cost_effective", "quadrant", "suppressed", "suppressed_reason"]
    out = round_magnitudes(shown, exact, decimals=3).assign(perturbed=True)  # QALYs are read with 3 decimals
    for column in [c for c in out.columns if c.startswith(("n_utility_", "n_"))]:
        out[column] = np.nan  # counts not on the page: a filtered view's exact ones would undo the noise
    return out


def show_planning(source: dict, people: pd.DataFrame, selection, threshold: int, risks_for) -> dict:
    """Return the planning form's description of its inputs as a viewer may read it.

    The people randomized in the chosen band follow the rule of every table that shows them (hidden when
    1 to threshold − 1, or when 'all' minus the other bands would give a few back; perturbed in a filtered
    view); the people with the outcome are shown when at least the threshold (rounded to tens in a filtered
    view). Fewer people than the threshold with the outcome: the inputs cannot be estimated for a viewer.

    Parameters
    ----------
    source : dict
        estimate_power_inputs' description (band, n_used, randomized, …).
    people : DataFrame
        summarize_people of the same view: age_band, arm, n.
    selection : Selection
        The view.
    threshold : int
        Smallest number shown.
    risks_for : callable
        As for the other pages ('counts_randomized').

    Returns
    -------
    dict
        source with n_used and randomized as shown (NaN when hidden; ``rounded`` when n_used is to tens).

    Raises
    ------
    InputError
        When fewer than the threshold have the outcome (the message names no count).

    """
    if source["n_used"] < threshold:
        raise InputError(
            f"För få personer (färre än {threshold}) har utfallet i det här urvalet för att skatta spridningen.",
            f"Too few people (fewer than {threshold}) have the outcome in this selection to estimate the spread.",
        )
    out = dict(source)
    band = source["band"]
    counts = risks_for(selection, "counts_randomized")
    if counts is not None:
        rows = counts[counts["age_band"] == band]
        out["randomized"] = np.nan if rows["n"].isna().any() else float(rows["n"].sum())
        out["n_used"] = float(round(source["n_used"], -1))
        out["rounded"] = True
        return out
    hidden = False
    for arm in ARMS:
        rows = people[people["arm"] == arm][["age_band", "arm", "n"]].reset_index(drop=True)
        hidden |= bool(hide_people_counts(rows, threshold)[rows["age_band"] == band].any())
    out["randomized"] = np.nan if hidden else source["randomized"]
    return out
