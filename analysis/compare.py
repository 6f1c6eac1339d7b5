"""Intervention vs control comparison of home-care hours at one follow-up month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis.bands import ALL, AgeBand
from analysis.cells import Filters, sum_by_band
from analysis.stats import describe_cells, interaction_f_test, welch_from_stats

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

        def clean(value):
            if isinstance(value, float) and value != value:
                return None
            return value.item() if hasattr(value, "item") else value

        groups = [{col: clean(row[col]) for col in GROUP_COLUMNS} for _, row in self.groups.iterrows()]
        return {
            "month": self.month,
            "groups": groups,
            "interaction_p_value": clean(self.interaction["p_value"]),
        }


def compare_hours(
    con: duckdb.DuckDBPyConnection, study: str, month: int, filters: Filters, bands: Sequence[AgeBand]
) -> HoursComparison:
    """Compare mean home-care hours per month, intervention minus control, at follow-up month k.

    People count when living at home under follow-up in month k (see the README's definitions).
    The difference has Welch's 95% CI and p-value per band and overall; the interaction test is the
    F-test of arm × band in a linear model of hours over the people inside the bands.

    Parameters
    ----------
    con : DuckDBPyConnection
        An open store.
    study : str
        Study name.
    month : int
        Follow-up month k.
    filters : Filters
        Subgroup filters.
    bands : sequence of AgeBand
        Age bands.

    Returns
    -------
    HoursComparison
        ``groups`` has the columns of GROUP_COLUMNS plus se and df; ``interaction`` has f, df_num,
        df_den and p_value.
    """
    measures = {"n": "n", "total": "sum_hours", "total_sq": "sum_sq_hours"}
    sums = sum_by_band(con, "followup_cells", measures, study, filters, bands, where="month_k = ?", where_params=[month])
    described = pd.concat([sums[["age_band", "arm"]], describe_cells(sums["n"], sums["total"], sums["total_sq"])], axis=1)
    rows = []
    for label in [b.label for b in bands] + [ALL]:
        part = described[described["age_band"] == label].set_index("arm")
        i = part.loc["intervention"] if "intervention" in part.index else None
        c = part.loc["control"] if "control" in part.index else None
        n_i = int(i["n"]) if i is not None else 0
        n_c = int(c["n"]) if c is not None else 0
        nan = float("nan")
        mean_i = float(i["mean"]) if n_i else nan
        mean_c = float(c["mean"]) if n_c else nan
        test = welch_from_stats(
            mean_i, float(i["sd"]) if n_i else nan, n_i, mean_c, float(c["sd"]) if n_c else nan, n_c
        )
        rows.append(
            {
                "age_band": label,
                "n_intervention": n_i,
                "n_control": n_c,
                "mean_intervention": mean_i,
                "mean_control": mean_c,
                "difference": test["difference"],
                "ci_low": test["ci_low"],
                "ci_high": test["ci_high"],
                "p_value": test["p_value"],
                "se": test["se"],
                "df": test["df"],
            }
        )
    banded = sums[sums["age_band"] != ALL]
    interaction = interaction_f_test(banded, "arm", "age_band")
    return HoursComparison(month=month, groups=pd.DataFrame(rows), interaction=interaction)
