"""Disclosure control, tables: Table 1 and baseline cells (with an audit), the sex split and the flow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.present.disclosure.differencing import _band_risk, few, hide_at_risk, hide_complements
from analysis.present.disclosure.rows import blank_in_place, dominated, hide_people_counts
from analysis.present.perturb import round_magnitudes
from analysis.selection import ALL


def protect_by_audit(
    vectors: np.ndarray, values: np.ndarray, hidden: np.ndarray, prefer: np.ndarray, threshold: int | None = None
) -> np.ndarray:
    """Hide more cells until no hidden non-zero cell is a sum or difference of shown ones (a linear audit).

    Each cell is the sum of a set of atoms (disjoint groups of people). A hidden cell follows from the
    shown ones exactly when its atom vector lies in their span; then one shown cell taking part in that
    combination is hidden too (the smallest non-zero one, among ``prefer`` first), and the audit repeats.

    Parameters
    ----------
    vectors : ndarray
        Cells × atoms, 0/1: which atoms each cell sums.
    values : ndarray
        Each cell's count.
    hidden : ndarray of bool
        Cells hidden so far (primary suppression).
    prefer : ndarray of bool
        Cells that may be hidden to protect others before the rest (e.g. not those every table shows alike).
    threshold : int, optional
        When given, two shown cells whose people nest may not differ by 1 to threshold − 1 either.

    Returns
    -------
    ndarray of bool
        The cells to hide.

    """
    hidden = np.asarray(hidden, dtype=bool).copy()
    vectors = np.asarray(vectors, dtype=float)
    values = np.asarray(values, dtype=float)
    while True:
        shown = np.nonzero(~hidden)[0]
        if not len(shown):
            return hidden
        basis = vectors[shown].T
        added = False
        for i in np.nonzero(hidden & (values != 0))[0]:
            coef, *_ = np.linalg.lstsq(basis, vectors[i], rcond=None)
            if not np.allclose(basis @ coef, vectors[i], atol=1e-8):
                continue  # not derivable
            involved = shown[np.abs(coef) > 1e-8]
            ranked = sorted(involved, key=lambda j: (not prefer[j], values[j] == 0, values[j]))
            hidden[ranked[0]] = True
            added = True
            break
        if not added and threshold is not None:
            added = _hide_small_gap(vectors, values, hidden, prefer, threshold)
        if not added:
            return hidden


def _hide_small_gap(vectors: np.ndarray, values: np.ndarray, hidden: np.ndarray, prefer, threshold: int) -> bool:
    """Hide one of two shown cells whose people nest and whose counts differ by 1 to threshold − 1; say if any."""
    shown = np.nonzero(~hidden)[0]
    members = vectors[shown] > 0
    sizes = members.sum(axis=1)
    overlap = members.astype(int) @ members.T.astype(int)
    inside = (overlap == sizes[:, None]) & (sizes[:, None] < sizes[None, :])  # i's people within j's
    gap = values[shown][None, :] - values[shown][:, None]
    pairs = np.argwhere(inside & (gap > 0) & (gap < threshold))
    if not len(pairs):
        return False
    i, j = shown[pairs[0][0]], shown[pairs[0][1]]
    hidden[min((i, j), key=lambda k: (not prefer[k], values[k]))] = True
    return True


def _table1_cells(table: pd.DataFrame, joint: pd.DataFrame, arm: str) -> tuple[list, np.ndarray, list]:
    """Return Table 1's counts of one arm as (cell keys, atom vectors, whether to hide them first)."""
    atoms = joint[joint["arm"] == arm].reset_index(drop=True)
    keys, vectors, prefer = [], [], []
    for index, row in table.iterrows():
        variable, statistic = row["variable"], row["statistic"]
        if statistic == "n":
            keys.append((index, "value"))
            vectors.append(np.ones(len(atoms)))
            prefer.append(False)
        elif statistic == "n (%)":
            keys.append((index, "value"))
            vectors.append((atoms[variable].astype(str) == str(row["level"])).to_numpy(dtype=float))
            prefer.append(variable != "age_band")
        if statistic != "n" and variable in ("age_band", "district") and not np.isnan(row[f"missing_{arm}"]):
            keys.append((index, "missing"))
            vectors.append(atoms[variable].isna().to_numpy(dtype=float))
            prefer.append(variable != "age_band")
    return keys, np.array(vectors).reshape(len(keys), len(atoms)), prefer


def show_table1(table: pd.DataFrame, selection, threshold: int, risks_for, joint: pd.DataFrame | None = None):
    """Return Table 1 as the Comparisons page shows it (level counts of every finest group checked).

    With ``joint`` (count_joint of the same view), a linear audit over all its counts hides more until
    no hidden count follows from the shown ones across variables (e.g. a district where everyone has
    one application type). In a filtered view the counts carry the cell key method's noise instead
    (place_table1_counts).
    """
    counts = risks_for(selection, "counts_table1")
    if counts is not None:
        return place_table1_counts(hide_baseline_cells(table, threshold), counts)
    shown = hide_baseline_cells(table, threshold, risks_for(selection, "table1"))
    # The n row and the age bands are the numbers randomized per band: hidden by their one rule, as everywhere.
    rows = (table["statistic"] == "n") | ((table["variable"] == "age_band") & (table["statistic"] == "n (%)"))
    people_risks = risks_for(selection, "randomized")
    for arm in ("intervention", "control"):
        counts = pd.DataFrame(
            {
                "age_band": np.where(table.loc[rows, "statistic"] == "n", ALL, table.loc[rows, "level"]),
                "arm": arm,
                "n": table.loc[rows, f"value_{arm}"].astype("float64").to_numpy(),
            },
            index=table.index[rows],
        )
        hidden = hide_people_counts(counts, threshold, people_risks)
        shown.loc[rows, f"value_{arm}"] = table.loc[rows, f"value_{arm}"].astype("float64").where(~hidden)
        # Percentages are of those inside the bands: with the people outside them hidden, they would tell it.
        bands = rows & (table["statistic"] != "n")
        outside = table.loc[bands, f"missing_{arm}"].fillna(0).sum()
        keep_share = ~hidden[bands] & (not few(outside, threshold))
        shown.loc[bands, f"value2_{arm}"] = table.loc[bands, f"value2_{arm}"].astype("float64").where(keep_share)
    if joint is not None:
        _audit_table1(table, shown, joint, threshold)
    return shown


def place_table1_counts(shown: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Return Table 1 with a filtered view's perturbed counts: n, level and missing counts, shares from them.

    Parameters
    ----------
    shown : DataFrame
        hide_baseline_cells' table (hidden cells NaN).
    counts : DataFrame
        linked 'counts_table1': arm, variable, level ('' for n and missing counts), n.

    Returns
    -------
    DataFrame
        Means, SDs and quantiles rounded as displayed (round_magnitudes), ``perturbed`` True.

    """
    out = shown.copy()
    is_count = out["statistic"].isin(["n", "n (%)"]).to_numpy()
    first = out["variable"].ne(out["variable"].shift()).to_numpy() & (out["statistic"] != "n").to_numpy()
    for arm in ("intervention", "control"):
        lookup = counts[counts["arm"] == arm].set_index(["variable", "level"])["n"]
        level_keys = list(zip(out["variable"], np.where(out["statistic"] == "n", "", out["level"].astype(str))))
        values = np.array([lookup.get(key, np.nan) for key in level_keys], dtype="float64")
        value = f"value_{arm}"
        out[value] = np.where(is_count & out[value].notna(), values, out[value])
        missing = np.array([lookup.get((variable, ""), np.nan) for variable in out["variable"]], dtype="float64")
        out[f"missing_{arm}"] = np.where(first & out[f"missing_{arm}"].notna(), missing, out[f"missing_{arm}"])
        levels = out["statistic"] == "n (%)"
        totals = out[levels].groupby("variable")[value].transform("sum")  # of those shown, not missing
        share = 100 * out.loc[levels, value] / totals.where(totals > 0)
        out.loc[levels, f"value2_{arm}"] = share.where(out.loc[levels, f"value2_{arm}"].notna())
    exact = [c for c in out.columns if c.startswith(("value_", "missing_"))]
    rounded = round_magnitudes(out.assign(perturbed=True), exact)  # the standardized differences
    for column in [c for c in out.columns if c.startswith("value")]:  # means, SDs, quantiles: as displayed
        if pd.api.types.is_float_dtype(out[column]):
            rounded.loc[~is_count, column] = out.loc[~is_count, column].round(1)
    return rounded


def _audit_table1(table: pd.DataFrame, shown: pd.DataFrame, joint: pd.DataFrame, threshold: int) -> None:
    """Hide, in place, Table 1 counts that would let a hidden one follow across variables (see protect_by_audit)."""
    for arm in ("intervention", "control"):
        if shown[f"value_{arm}"].isna().all():
            continue
        keys, vectors, prefer = _table1_cells(table, joint, arm)
        if not keys:
            continue
        column = {"value": f"value_{arm}", "missing": f"missing_{arm}"}
        values = np.array([float(table.at[i, column[kind]]) for i, kind in keys])
        hidden = np.array([np.isnan(float(shown.at[i, column[kind]])) for i, kind in keys])
        audited = protect_by_audit(vectors, values, hidden, np.array(prefer), threshold)
        for (index, kind), was, now in zip(keys, hidden, audited, strict=True):
            if now and not was:
                targets = [f"value_{arm}", f"value2_{arm}"] if kind == "value" else [f"missing_{arm}"]
                shown.loc[index, targets] = np.nan
                shown.loc[shown["variable"] == shown.at[index, "variable"], "smd"] = np.nan
        for variable in ("age_band", "district"):  # a hidden missing count hides its variable's shares
            rows = table.index[(table["variable"] == variable) & (table["statistic"] == "n (%)")]
            if len(rows) and np.isnan(shown.at[rows[0], f"missing_{arm}"]) and table.at[rows[0], f"missing_{arm}"] > 0:
                shown.loc[rows, f"value2_{arm}"] = np.nan


def combine_risks(*frames: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return the union of several risk frames on age_band and arm (None when all are None)."""
    given = [f[["age_band", "arm", "at_risk"]] for f in frames if f is not None]
    if not given:
        return None
    return pd.concat(given).groupby(["age_band", "arm"], as_index=False, sort=False)["at_risk"].any()


def hide_baseline_cells(table: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide small counts of a Table 1 (with secondary suppression per variable), and whole small or at-risk arms.

    Per arm and categorical variable, a level of 1 to threshold − 1 people, or one at risk of
    differencing, is hidden with its percentage, and a second level when the arm's n is shown (a
    missing count that is hidden counts as one more hidden part). A hidden missing count also hides the
    variable's percentages (they are of those not missing, so they would give it back).

    Parameters
    ----------
    table : DataFrame
        From describe_baseline.
    threshold : int
        Smallest number of people shown.
    risks : DataFrame, optional
        From find_risks 'table1' (arm, variable, level, at_risk: level '' is the n row or a variable's
        missing count), or an older frame of age_band and arm (the 'all' row of each arm decides).

    Returns
    -------
    DataFrame
        The table with hidden values as NaN and the standardized difference blanked where a cell is hidden.

    """
    out = table.copy()
    values = [c for c in out.columns if c.startswith(("value", "missing"))]
    for col in [*values, "smd"]:
        out[col] = out[col].astype("float64")
    per_cell = risks is not None and "variable" in risks.columns

    def risky(arm: str, variable: str, level: str) -> bool:
        if risks is None:
            return False
        if not per_cell:
            return bool(risks.loc[(risks["age_band"] == ALL) & (risks["arm"] == arm), "at_risk"].any())
        hit = risks[(risks["arm"] == arm) & (risks["variable"] == variable) & (risks["level"] == level)]
        return bool(hit["at_risk"].any())

    counts = out["statistic"] == "n (%)"
    first = out["variable"].ne(out["variable"].shift())  # a variable's missing count sits on its first row
    for arm in ("intervention", "control"):
        arm_columns = [c for c in values if c.endswith(f"_{arm}")]
        n_arm = float(out.loc[out["statistic"] == "n", f"value_{arm}"].iloc[0])
        if n_arm < threshold or risky(arm, "n", ""):
            out[arm_columns] = np.nan
            out["smd"] = np.nan
            continue
        missing_column = f"missing_{arm}"
        for index in out.index[first & (out["statistic"] != "n")]:
            missing = out.at[index, missing_column]
            if (0 < missing < threshold) or (missing > 0 and risky(arm, out.at[index, "variable"], "")):
                out.at[index, missing_column] = np.nan
        for variable, rows in out[counts].groupby("variable", sort=False):
            sizes = pd.concat([rows[f"value_{arm}"], pd.Series([n_arm], index=["total"])])
            is_total = pd.Series(sizes.index == "total", index=sizes.index)
            primary = pd.Series(
                [
                    (0 < size < threshold) or (size > 0 and risky(arm, variable, str(level)))
                    for size, level in zip(rows[f"value_{arm}"], rows["level"], strict=True)
                ]
                + [False],
                index=sizes.index,
            )
            missing_hidden = bool(out.loc[rows.index, missing_column].isna().any()) and bool(
                table.loc[rows.index, missing_column].fillna(0).gt(0).any()
            )
            hidden = hide_complements(primary, sizes, is_total, unshown=missing_hidden).drop("total")
            index = hidden[hidden].index
            out.loc[index, [f"value_{arm}", f"value2_{arm}"]] = np.nan
            if missing_hidden:
                out.loc[rows.index, f"value2_{arm}"] = np.nan
            if len(index) or missing_hidden:
                out.loc[rows.index, "smd"] = np.nan
    return out


def hide_split_rows(
    split: pd.DataFrame, threshold: int, risks: dict[str, pd.DataFrame | None] | None = None
) -> pd.DataFrame:
    """Hide a Totalt / Kvinnor / Män split of band rows so no hidden row follows from the others.

    Each group's table gets the band rule (small or at-risk bands, and a second band against 'all');
    then, per band, women and men are parts of the total, so one hidden sex with the total shown hides
    the other sex too. The two rules are applied until nothing changes.

    Parameters
    ----------
    split : DataFrame
        From compare_hours_by_sex: sex_group, age_band, n_intervention, n_control and statistics.
    threshold : int
        Smallest number of people shown.
    risks : dict, optional
        Differencing risks per sex group (None entries for unfiltered views).

    Returns
    -------
    DataFrame

    """
    out = split.reset_index(drop=True).copy()
    n_min = out[["n_intervention", "n_control"]].min(axis=1)
    n_max = out[["n_intervention", "n_control"]].max(axis=1)
    hidden = (n_min < threshold) | pd.Series(dominated(out) & (threshold > 1), index=out.index)
    for group, rows in out.groupby("sex_group", sort=False).groups.items():
        hidden[rows] |= _band_risk(out.loc[rows], (risks or {}).get(group))
    while True:
        before = hidden.copy()
        for _, rows in out.groupby("sex_group", sort=False).groups.items():
            protect = hide_complements(
                hidden[rows] & (n_max[rows] > 0), n_min[rows], out.loc[rows, "age_band"] == "all"
            )
            hidden[rows] |= protect
        for _, rows in out.groupby("age_band", sort=False).groups.items():
            is_total = out.loc[rows, "sex_group"] == "total"
            protect = hide_complements(hidden[rows] & (n_max[rows] > 0), n_min[rows], is_total)
            hidden[rows] |= protect
        if hidden.equals(before):
            break
    blank_in_place(out, hidden, [c for c in out.columns if c not in ("sex_group", "age_band")])
    out["suppressed"] = hidden
    return out


FLOW_PARTS = ("at_home", "placed", "died", "left_followup")


def hide_flow_cells(flow: pd.DataFrame, threshold: int, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide small counts of a CONSORT flow, each row's parts summing to those randomized.

    A part of 1 to threshold - 1 people is hidden with a second part (the smallest non-empty), so it
    cannot be got back from the randomized total; a whole row is hidden when the arm has fewer than
    threshold people or is at risk of differencing.

    Parameters
    ----------
    flow : DataFrame
        From count_flow: arm, month, randomized and the parts (at_home, placed, died, left_followup).
    threshold : int
        Smallest number of people shown.
    risks : DataFrame, optional
        From find_differencing_risks; the 'all' row of each arm decides.

    Returns
    -------
    DataFrame
        The flow with hidden counts as NaN.

    """
    out = flow.copy()
    columns = ["randomized", *FLOW_PARTS]
    for col in columns:
        out[col] = out[col].astype("float64")
    for index, row in flow.iterrows():
        sizes = row[columns].astype("float64")
        primary = (sizes > 0) & (sizes < threshold)
        primary["randomized"] = False
        hidden = hide_complements(primary, sizes, pd.Series(sizes.index == "randomized", index=sizes.index))
        out.loc[index, hidden[hidden].index] = np.nan
        if row["randomized"] < threshold:
            out.loc[index, columns] = np.nan
    keys = ["age_band", "arm", "month"] if risks is not None and "month" in risks.columns else ["age_band", "arm"]
    return hide_at_risk(out.assign(age_band=ALL), risks, keys, columns).drop(columns="age_band")
