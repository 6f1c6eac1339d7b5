"""Intervention vs control comparison of home-care hours at one follow-up month."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from analysis.records import json_value, to_all_records
from analysis.selection import ALL, Selection
from analysis.stats.descriptive import describe_cells, interaction_welch_test, welch_from_stats
from analysis.store import db
from analysis.store.cells import sum_by_band

_HOURS = {"n": "n", "total": "sum_hours", "total_sq": "sum_sq_hours"}

GROUP_COLUMNS = (
    "age_band",
    "n_intervention",
    "n_control",
    "mean_intervention",
    "mean_control",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
)


@dataclass(frozen=True)
class HoursComparison:
    """Result of compare_hours: one row per band and overall, plus the arm × band interaction test."""

    month: int
    groups: pd.DataFrame
    interaction: dict

    def to_dict(self) -> dict:
        """Return the JSON-ready form used by the command line (NaN becomes None)."""
        return {
            "month": self.month,
            "groups": to_all_records(self.groups, GROUP_COLUMNS),
            "interaction_p_value": json_value(self.interaction["p_value"]),
        }


def compare_hours(con: db.Connection, selection: Selection) -> HoursComparison:
    """Compare mean home-care hours per month, intervention minus control, at follow-up month k.

    People count when living at home under follow-up in month k (see docs/definitions.md).
    The difference has Welch's 95% CI and p-value per band and overall; the interaction test is
    Welch's test (Welch–James) that the difference is the same in every band, without assuming equal
    variances, on the hours scale, over the people inside the bands.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: follow-up month k, whose people at home are summed in the cells.

    Returns
    -------
    HoursComparison
        ``groups`` has the columns of GROUP_COLUMNS plus se, df and each arm's sd, ci_low and ci_high
        (suffixed _intervention/_control); ``interaction`` has f, df_num, df_den and p_value.

    """
    month = selection.required_month()
    sums = sum_by_band(con, "followup_cells", _HOURS, selection, where="month_k = ?", where_params=[month])
    described = pd.concat(
        [sums[["age_band", "arm"]], describe_cells(sums["n"], sums["total"], sums["total_sq"])], axis=1
    )
    empty = pd.Series(
        {"n": 0, "mean": float("nan"), "sd": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    )
    rows = []
    for label in [b.label for b in selection.bands] + [ALL]:
        part = described[described["age_band"] == label].set_index("arm")
        arm = {a: part.loc[a] if a in part.index else empty for a in ("intervention", "control")}
        i, c = arm["intervention"], arm["control"]
        test = welch_from_stats(i["mean"], i["sd"], int(i["n"]), c["mean"], c["sd"], int(c["n"]))
        row = {"age_band": label, "n_intervention": int(i["n"]), "n_control": int(c["n"])}
        row |= {"mean_intervention": float(i["mean"]), "mean_control": float(c["mean"])}
        row |= {key: test[key] for key in ("difference", "ci_low", "ci_high", "p_value", "se", "df")}
        for name, stats_ in arm.items():
            row |= {f"{key}_{name}": float(stats_[key]) for key in ("sd", "ci_low", "ci_high")}
        rows.append(row)
    banded = sums[sums["age_band"] != ALL]
    interaction = interaction_welch_test(banded, "arm", "age_band")
    return HoursComparison(month=month, groups=pd.DataFrame(rows), interaction=interaction)


SEX_GROUPS = ("total", "F", "M")


def compare_hours_by_sex(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Compare hours at month k for everyone, women and men, as Kolada splits Totalt / Kvinnor / Män.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters (the sex filter is replaced by each group's) and bands; month: follow-up month.

    Returns
    -------
    DataFrame
        sex_group ('total', 'F', 'M') and the columns of compare_hours' groups.

    """
    frames = []
    for group in SEX_GROUPS:
        chosen = replace(selection.filters, sex=() if group == "total" else (group,))
        frames.append(compare_hours(con, selection.with_filters(chosen)).groups.assign(sex_group=group))
    out = pd.concat(frames, ignore_index=True)
    return out[["sex_group", *[c for c in out.columns if c != "sex_group"]]]
