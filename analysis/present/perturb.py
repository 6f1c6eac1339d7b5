"""The cell key method: a filtered view's counts carry a small noise fixed by the people they count.

As the statistics offices do for tables users define themselves (ABS TableBuilder; ONS, 2021 Census; SCB
from reference year 2025): each finest group of people (age band or outside every band, arm, sex,
application type, district) has a fixed secret key 0–255; a count's cell key is the sum, modulo 256, of the
keys of the groups its people come from; the noise is looked up in a perturbation table (ptable) by the
count and the cell key. The same people therefore always get the same value, on every page and in every
export, and two views that differ by a few people differ by noise, not by those people. Counts of 1 to
threshold − 1 are hidden before any noise (primary suppression) and a shown count never falls below the
threshold. Keys are per finest group rather than per person because every view is a union of those groups
and the pages count from pre-aggregated cells; the lookup itself is the ONS method (``pcv``, ``ckey``,
``pvalue``) and is tested against the ONS package ``cell-key-perturbation``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from analysis.selection import ALL, FILTER_FIELDS, Filters
from analysis.stats.descriptive import welch_from_stats

KEY_RANGE = 256  # cell keys 0..255, as the ONS package's default record keys
MAX_PCV = 750  # counts above this reuse rows 501–750 of the ptable (the ONS convention)
NOISE = {-2: 0.1, -1: 0.2, 0: 0.4, 1: 0.2, 2: 0.1}  # the noise and its probabilities: mean 0, variance 1.2
PTABLE_SEED = 20270101  # the ptable is public; the keys (from the study's secret salt) are not


def build_ptable(threshold: int, max_pcv: int = MAX_PCV, key_range: int = KEY_RANGE) -> pd.DataFrame:
    """Return the perturbation table: the noise for each count (pcv 1..max_pcv) and cell key (0..key_range − 1).

    Counts below the threshold get no noise (they are hidden). A count at or above it gets a noise of −2
    to +2 with the probabilities of NOISE, limited so the perturbed count stays at or above the threshold
    (the few rows next to the threshold are renormalised, so their mean is slightly above 0). Each row
    assigns the noise values to the cell keys in its own seeded random order, so two different counts of
    the same people get independent noise.

    Parameters
    ----------
    threshold : int
        Smallest count shown.
    max_pcv : int
        Rows of the table (counts above reuse rows max_pcv − 249..max_pcv).
    key_range : int
        Number of cell keys.

    Returns
    -------
    DataFrame
        pcv, ckey, pvalue (the ONS package's column names).

    """
    noise = _noise_matrix(threshold, max_pcv, key_range)
    return pd.DataFrame(
        {
            "pcv": np.repeat(np.arange(1, max_pcv + 1), key_range),
            "ckey": np.tile(np.arange(key_range), max_pcv),
            "pvalue": noise.ravel(),
        }
    )


@lru_cache(maxsize=8)
def _noise_matrix(threshold: int, max_pcv: int = MAX_PCV, key_range: int = KEY_RANGE) -> np.ndarray:
    """Return the ptable as a (max_pcv × key_range) array of noise (row pcv − 1); see build_ptable."""
    out = np.zeros((max_pcv, key_range), dtype="int64")
    for pcv in range(max(threshold, 1), max_pcv + 1):
        allowed = {d: p for d, p in NOISE.items() if pcv + d >= threshold}
        total = sum(allowed.values())
        exact = np.array([p / total * key_range for p in allowed.values()])
        counts = np.floor(exact).astype(int)
        counts[np.argsort(-(exact - counts), kind="stable")[: key_range - counts.sum()]] += 1  # largest remainders
        noise = np.repeat(np.array(list(allowed)), counts)
        np.random.default_rng([PTABLE_SEED, pcv]).shuffle(noise)
        out[pcv - 1] = noise
    out.setflags(write=False)
    return out


def lookup_noise(counts, ckeys, threshold: int) -> np.ndarray:
    """Return the ptable's noise for each count and cell key (ONS's pcv: counts above 750 reuse rows 501–750)."""
    counts = np.asarray(counts, dtype="int64")
    pcv = np.where(counts <= MAX_PCV, counts, (counts - 1) % 250 + 501)
    table = _noise_matrix(threshold)
    out = np.zeros(len(counts), dtype="int64")
    positive = pcv > 0
    out[positive] = table[pcv[positive] - 1, np.asarray(ckeys, dtype="int64")[positive] % KEY_RANGE]
    return out


def group_keys(groups: pd.DataFrame, salt: str) -> np.ndarray:
    """Return each finest group's secret key 0..255: HMAC-SHA-256 of its band, arm, sex, application type, district.

    Parameters
    ----------
    groups : DataFrame
        age_band (None outside every band), arm and the filter fields.
    salt : str
        The study's secret (studies.cell_key_salt).

    Returns
    -------
    ndarray of int

    """
    secret = salt.encode()
    columns = ["age_band", "arm", *FILTER_FIELDS]
    groups = groups.assign(**{c: None for c in columns if c not in groups.columns})  # e.g. a flow has no bands
    out = np.empty(len(groups), dtype="int64")
    for i, values in enumerate(groups[columns].itertuples(index=False, name=None)):
        text = "|".join("" if v is None or v != v else str(v) for v in values)
        out[i] = hmac.new(secret, text.encode(), hashlib.sha256).digest()[0]  # one byte: 0..255
    return out


def perturb_counts(
    counts: pd.DataFrame, keys: Sequence[str], columns: Sequence[str], filters: Filters, threshold: int, salt: str
) -> pd.DataFrame:
    """Return a filtered view's counts per band (and 'all') with the cell key method applied.

    Parameters
    ----------
    counts : DataFrame
        Counts among everyone per finest group: age_band (None outside every band; absent when the table
        has no bands), arm, the filter fields, any other key columns (e.g. month) and the count columns.
    keys : sequence of str
        The table's cells besides the filter fields (e.g. age_band, arm, month); with age_band, 'all' is added.
    columns : sequence of str
        The counts to perturb.
    filters : Filters
        The view.
    threshold : int
        Smallest count shown; 1 to threshold − 1 are hidden (NaN), 0 stays 0.
    salt : str
        The study's secret.

    Returns
    -------
    DataFrame
        keys, and per column the count shown (``column``) and the true one (``true_column``, for the
        rules that decide by the true count; never shown).

    """
    keys = list(keys)
    keep = np.ones(len(counts), dtype=bool)
    for field in FILTER_FIELDS:
        chosen = getattr(filters, field)
        if chosen:
            keep &= counts[field].isin(chosen).to_numpy()
    part = counts[keep].reset_index(drop=True)
    groups = [c for c in ("age_band", "arm", *FILTER_FIELDS) if c in part.columns]
    codes = part.groupby(groups, sort=False, dropna=False).ngroup().to_numpy()  # each group's key once
    first = pd.Series(np.arange(len(part))).groupby(codes).first().to_numpy()
    part = part.assign(_key=group_keys(part.iloc[first], salt)[codes] if len(part) else np.zeros(0, dtype="int64"))
    if "age_band" in keys:  # each band, and 'all' (everyone, outside the bands included)
        part = pd.concat([part.dropna(subset=["age_band"]), part.assign(age_band=ALL)], ignore_index=True)
    key = part["_key"].to_numpy()
    counted = {f"_counted_{column}": np.where(part[column].to_numpy() > 0, key, 0) for column in columns}
    sums = part.assign(**counted).groupby(keys, as_index=False, sort=False, dropna=False)  # every column at once
    sums = sums[[*dict.fromkeys(columns), *counted]].sum()
    frames = []
    for column in columns:
        true = sums[column].to_numpy(dtype="int64")
        shown = (true + lookup_noise(true, sums[f"_counted_{column}"].to_numpy(), threshold)).astype("float64")
        shown[(true > 0) & (true < threshold)] = np.nan
        frames.append(sums[keys].assign(**{column: shown, f"true_{column}": true.astype("float64")}))
    out = frames[0]
    for frame in frames[1:]:
        out = out.merge(frame, on=keys, how="outer")
    return out


def place_counts(
    frame: pd.DataFrame, counts: pd.DataFrame, columns: dict, keys: Sequence[str], decimals: int = 1
) -> pd.DataFrame:
    """Return frame with counts replaced by a view's perturbed ones, where the frame shows them (NaN stays NaN).

    Parameters
    ----------
    frame : DataFrame
        A table as the rules left it (hidden figures NaN).
    counts : DataFrame
        perturb_counts' result for the same view.
    columns : dict
        frame column -> (count column, arm or None): a wide table's n_intervention is ("n", "intervention");
        a long table's n is ("n", None) and keys hold arm.
    keys : sequence of str
        Columns matching the frame's rows to the counts (e.g. age_band; age_band, arm; age_band, arm, month_k).
    decimals : int
        Decimals of the means with no rule of their own (round_magnitudes).

    Returns
    -------
    DataFrame
        With ``perturbed`` True on every row (the counts carry noise; a caption says so), intervals restated
        from the perturbed numbers (restate_intervals) and magnitudes rounded as displayed.

    """
    out = frame.copy()
    keys = list(keys)
    for arm in dict.fromkeys(arm for _, arm in columns.values()):  # one lookup per arm, not one per column
        mine = {target: source for target, (source, of) in columns.items() if of == arm}
        part = counts if arm is None else counts[counts["arm"] == arm]
        found = out[keys].merge(part[[*keys, *dict.fromkeys(mine.values())]], on=keys, how="left")
        for target, source in mine.items():
            values = found[source].to_numpy(dtype="float64")
            out[target] = np.where(out[target].notna().to_numpy(), values, np.nan)
    out["perturbed"] = True
    return round_magnitudes(restate_intervals(out), [*keys, *columns], decimals)


# Decimals a filtered view's magnitudes are rounded to, by a part of the column's name (first match; else 1).
ROUNDING = (
    ("p_value", 3),
    ("cost", -2),
    ("days", 0),
    ("cuminc", 3),
    ("risk_difference", 3),
    ("rd_ci", 3),
    ("share", 3),
    ("one_minus_km", 3),
    ("placed_ci", 3),
    ("prob_", 3),
    ("hazard_ratio", 2),
    ("smd", 2),
    ("df", 1),
)


def round_magnitudes(frame: pd.DataFrame, exact: Sequence[str] = (), decimals: int = 1) -> pd.DataFrame:
    """Return a filtered view's table with its magnitudes rounded to what the pages show (ROUNDING).

    An exact mean gives its n back (a sum of ages or of hours in tenths is a whole number of units only
    for the true n), which would undo the counts' noise; rounded as displayed, many sums fit every
    nearby n. Costs go to hundreds of kronor, days to whole days, shares and cumulative incidences to
    three decimals, hours, ages and other means to one; ``exact`` columns (keys, counts) are left alone.

    Parameters
    ----------
    frame : DataFrame
        The table after its counts are perturbed.
    exact : sequence of str
        Columns not to round.
    decimals : int
        Decimals of the columns no ROUNDING rule names (hours and ages: 1; an index scale: 3).

    Returns
    -------
    DataFrame

    """
    out = frame.copy()
    for column in out.columns:
        if column in exact or column in ("month", "month_k") or not pd.api.types.is_float_dtype(out[column]):
            continue
        test_p = column.endswith("_p")  # brunner_munzel_p, mann_whitney_p (not nursing_home_days_per_…)
        out[column] = out[column].round(3 if test_p else next((d for part, d in ROUNDING if part in column), decimals))
    return out


def restate_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a table whose t intervals and Welch statistics are recomputed from its (perturbed) numbers of people.

    A mean's interval holds its n (n = (t · sd / half-width)²), and Welch's degrees of freedom hold both
    arms'; computed from the exact n they would undo the counts' noise. So a filtered view's intervals,
    standard errors, degrees of freedom and p-values are those of the perturbed n with the exact means and
    SDs (a change of at most about 2 people in each arm). Long tables (n, mean, sd, ci_low, ci_high) and
    wide ones (n_intervention, sd_intervention, ci_low_intervention, …, se, df) are both handled.

    Parameters
    ----------
    frame : DataFrame
        A table after place_counts.

    Returns
    -------
    DataFrame

    """
    out = frame.copy()
    suffixes = ("_intervention", "_control") if "n_intervention" in out.columns else ("",)
    for suffix in suffixes:
        if not {f"sd{suffix}", f"ci_low{suffix}", f"mean{suffix}"} <= set(out.columns):
            continue
        n = out[f"n{suffix}"].to_numpy(dtype="float64")
        sd, mean = out[f"sd{suffix}"].to_numpy(dtype="float64"), out[f"mean{suffix}"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        keep = out[f"ci_low{suffix}"].notna().to_numpy()
        out[f"ci_low{suffix}"] = np.where(keep, mean - half, np.nan)
        out[f"ci_high{suffix}"] = np.where(keep, mean + half, np.nan)
    if {"se", "df", "sd_intervention", "sd_control"} <= set(out.columns):
        restated = ("difference", "se", "df", "p_value", "ci_low", "ci_high")
        rows = np.flatnonzero(out["difference"].notna().to_numpy())
        columns = ["mean_intervention", "sd_intervention", "n_intervention", "mean_control", "sd_control", "n_control"]
        tests = [welch_from_stats(*values) for values in out[columns].to_numpy(dtype="float64")[rows]]
        for column in restated:  # one assignment per column, not one per cell
            values = out[column].to_numpy(dtype="float64", copy=True)
            values[rows] = [test[column] for test in tests]
            out[column] = values
    return out
