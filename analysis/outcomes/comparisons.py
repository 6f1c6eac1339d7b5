"""Researcher comparisons of hours at a follow-up month by band and overall, with any method and Holm."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.outcomes.compare import GROUP_COLUMNS, compare_hours
from analysis.outcomes.person_values import AS_ZERO, EXCLUDE, HANDLING, load_all_months, load_month_values
from analysis.records import json_value, to_all_records
from analysis.selection import ALL, Selection
from analysis.stats.budget import check_memory
from analysis.stats.descriptive import holm, interaction_welch_test
from analysis.stats.methods import (
    BOOTSTRAP_BCA_MAX,
    METHODS,
    TOO_FEW,
    compare_brunner_munzel,
    compare_mann_whitney,
    estimate_difference,
)
from analysis.stats.repeated import fit_repeated_measures
from analysis.store import db

METHOD_NAMES = {
    "welch": ("Differens i medelvärden, Welchs t-test", "Difference in means, Welch's t-test"),
    "bootstrap": (
        "Differens i medelvärden, bootstrap-KI (BCa, 2 000 omdragningar, fast frö; över 5 000 personer i en grupp "
        "normalapproximation, som inte växer med kvadraten av antalet)",
        "Difference in means, bootstrap CI (BCa, 2,000 resamples, fixed seed; above 5,000 people in a group a "
        "normal approximation, whose cost does not grow with the square of the number)",
    ),
    "ancova": (
        "ANCOVA: justerad för timmar vid start, ålder, kön och ansökningstyp; robusta standardfel (HC3)",
        "ANCOVA: adjusted for baseline hours, age, sex and application type; robust standard errors (HC3)",
    ),
    "anhecova": (
        "ANHECOVA: som ANCOVA men med arm × kovariat-interaktioner; robust standardfel (Ye m.fl. 2023)",
        "ANHECOVA: as ANCOVA with arm × covariate interactions; robust standard error (Ye et al. 2023)",
    ),
    "standardized": (
        "Standardisering från kvasi-Poisson-modell (log-länk, samma kovariater); robust standardfel",
        "Standardisation from a quasi-Poisson model (log link, the same covariates); robust standard error",
    ),
    "two-part": (
        "Tvådelad beskrivning: andel med timmar × timmar bland dem (ojusterad)",
        "Two-part description: share with any hours × hours among them (unadjusted)",
    ),
    "mixed": (
        "Upprepade mätningar: GEE (månad × arm + timmar vid start, månad 1–K), robusta standardfel; över "
        "300 000 personmånader oberoende arbetskorrelation (minsta kvadrat, klusterrobust), som växer linjärt",
        "Repeated measures: GEE (month × arm + baseline hours, months 1–K), robust standard errors; above "
        "300,000 person-months independence working correlation (least squares, cluster-robust), linear in cost",
    ),
}


# Which question the hours comparison answers, by how deaths and placements are handled (ICH E9(R1)).
ESTIMANDS = {
    EXCLUDE: "while at home: hours in month k among those alive, at home and followed then (secondary)",
    AS_ZERO: "sensitivity: hours in month k with deaths and placements before it counted as 0",
}


@dataclass(frozen=True)
class MethodComparison:
    """Result of compare_by_method: one row per band and overall."""

    month: int
    method: str
    handling: str
    groups: pd.DataFrame
    interaction: dict

    def to_dict(self) -> dict:
        """Return the JSON-ready form of the command line (NaN becomes None)."""
        return {
            "month": self.month,
            "method": self.method,
            "deaths_and_placements": self.handling,
            "estimand": ESTIMANDS[self.handling],
            "groups": to_all_records(self.groups, (*GROUP_COLUMNS, "p_value_holm")),
            "interaction_p_value": json_value(self.interaction["p_value"]),
        }


def _empty_mixed() -> dict:
    """Return the mixed model's row for a month it has no data for."""
    return {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "cannot_estimate": TOO_FEW}


def _rank_checks(part: pd.DataFrame) -> dict:
    """Return the rank-based checks of one group: Brunner–Munzel (shown) and Mann–Whitney (kept for the JSON)."""
    bm = compare_brunner_munzel(part)
    return {
        "prob_superiority": bm["prob_superiority"],
        "prob_superiority_ci_low": bm["ci_low"],
        "prob_superiority_ci_high": bm["ci_high"],
        "brunner_munzel_p": bm["p_value"],
        "mann_whitney_p": compare_mann_whitney(part)["p_value"],
    }


def _interaction(values: pd.DataFrame) -> dict:
    """Welch–James test of arm × band (unequal variances) from person values inside the bands."""
    banded = values[values["age_band"].notna()]
    cells = banded.groupby(["intervention", "age_band"])["hours"].agg(
        n="size", total="sum", total_sq=lambda v: float(np.sum(v**2))
    )
    return interaction_welch_test(cells.reset_index(), "intervention", "age_band")


def compare_by_method(
    con: db.Connection, selection: Selection, method: str = "welch", handling: str = EXCLUDE
) -> MethodComparison:
    """Compare hours at follow-up month k, intervention minus control, per band and overall.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: follow-up month k, compared person by person.
    method : {'welch', 'bootstrap', 'ancova', 'anhecova', 'standardized', 'two-part', 'mixed'}
        Estimator of the difference (see analysis.methods).
    handling : {'exclude', 'zero'}
        Whether people who died or moved into a nursing home before month k are left out (default) or
        count as 0 hours.

    Returns
    -------
    MethodComparison
        ``groups``: age_band, n and mean per arm, difference, ci_low, ci_high, p_value, p_value_holm
        (Holm over the bands; 'all' is the primary comparison and keeps its own p), the probability that an
        intervention person has more hours (prob_superiority with its CI, Brunner–Munzel p) and mann_whitney_p.
        ``interaction``: Welch–James test that the arm difference is equal across bands, unequal variances
        allowed, on the hours scale (the same for every method).

    """
    if method not in METHODS:
        raise InputError(
            f"Okänd metod {method!r}; välj en av {', '.join(METHODS)}.",
            f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.",
        )
    if handling not in HANDLING:
        raise InputError(
            f"Okänt val {handling!r}; välj exclude eller zero.", f"Unknown choice {handling!r}; use exclude or zero."
        )
    month = selection.required_month()
    values = load_month_values(con, selection, handling)
    if method == "mixed":
        all_months = load_all_months(con, selection, handling)
        check_memory("mixed", len(all_months))
    else:
        check_memory(method, len(values), bca_people=len(values) if len(values) <= BOOTSTRAP_BCA_MAX else 0)
    rows = []
    for label in [b.label for b in selection.bands] + [ALL]:
        part = values if label == ALL else values[values["age_band"] == label]
        a = part.loc[part["intervention"] == 1, "hours"]
        b = part.loc[part["intervention"] == 0, "hours"]
        if method == "mixed":
            months = all_months if label == ALL else all_months[all_months["age_band"] == label]
            fitted = fit_repeated_measures(months, [month]).set_index("month")
            est = _empty_mixed() if str(month) not in fitted.index else fitted.loc[str(month)].to_dict()
        else:
            est = estimate_difference(method, part)
        rows.append(
            {
                "age_band": label,
                "n_intervention": len(a),
                "n_control": len(b),
                "mean_intervention": float(a.mean()) if len(a) else float("nan"),
                "mean_control": float(b.mean()) if len(b) else float("nan"),
                "difference": est["difference"],
                "ci_low": est["ci_low"],
                "ci_high": est["ci_high"],
                "p_value": est["p_value"],
                **_rank_checks(part),
                "warning": est.get("warning"),
                "note": est.get(
                    "note"
                ),  # the method's own remark as a code the pages word (e.g. the bootstrap's switch)
                "cannot_estimate": est.get("cannot_estimate"),
            }
        )
    groups = pd.DataFrame(rows)
    in_bands = groups["age_band"] != ALL
    groups["p_value_holm"] = groups["p_value"]
    groups.loc[in_bands, "p_value_holm"] = holm(groups.loc[in_bands, "p_value"])
    return MethodComparison(month, method, handling, groups, _interaction(values))


def compare_fast_welch(con: db.Connection, selection: Selection) -> MethodComparison:
    """Run Welch with deaths and placements excluded from the cells (as the overview); rank checks per person."""
    result = compare_hours(con, selection)
    groups = result.groups.copy()
    in_bands = groups["age_band"] != ALL
    groups["p_value_holm"] = groups["p_value"]
    groups.loc[in_bands, "p_value_holm"] = holm(groups.loc[in_bands, "p_value"])
    values = load_month_values(con, selection, EXCLUDE)
    ranks = pd.DataFrame(
        [_rank_checks(values if label == ALL else values[values["age_band"] == label]) for label in groups["age_band"]]
    )
    groups = pd.concat([groups, ranks], axis=1)
    return MethodComparison(result.month, "welch", EXCLUDE, groups, result.interaction)


def run_comparison(
    con: db.Connection, selection: Selection, method: str = "welch", handling: str = EXCLUDE
) -> MethodComparison:
    """Run a comparison as the command line and the pages do: Welch with exclusion from the cells, else per person.

    Parameters
    ----------
    con, selection, method, handling
        As for compare_by_method.

    Returns
    -------
    MethodComparison

    """
    if method == "welch" and handling == EXCLUDE:
        return compare_fast_welch(con, selection)
    return compare_by_method(con, selection, method, handling)


def fit_repeated_over_months(
    con: db.Connection, selection: Selection, handling: str, timepoints: Sequence[int]
) -> pd.DataFrame:
    """Fit the repeated-measures model to every counted month 1 to the selection's month; effects at the timepoints.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: the last follow-up month modelled.
    handling : {'exclude', 'zero'}
        As for compare_by_method.
    timepoints : sequence of int
        Months whose intervention − control difference is reported.

    Returns
    -------
    DataFrame
        As analysis.stats.repeated.fit_repeated_measures.

    """
    return fit_repeated_measures(load_all_months(con, selection, handling), list(timepoints))
