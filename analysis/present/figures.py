"""The numbers behind each page's tables, for CSV and Excel: one column per figure, at full precision.

Each function takes the rows a page shows (disclosure's ``show_*`` output: hidden figures NaN) and returns
``exports.figure_table``: labels as text, every estimate with its 95% CI's ends in columns of their own,
p-values and counts as numbers, each with an Excel number format.
"""

from __future__ import annotations

import pandas as pd

from analysis.outcomes.placement import RISK_MONTHS
from analysis.present.exports import (
    COUNT,
    P_FORMAT,
    Figure,
    estimate_figures,
    figure_table,
    number_format,
)
from analysis.present.texts import band_label, t

ARMS = ("intervention", "control")


def column_name(key: str, lang: str) -> str:
    """Return a column's name without its '(95 % KI)' suffix (the files give the interval its own columns)."""
    return t(key, lang).split(" (")[0]


def band_figures(groups: pd.DataFrame, lang: str) -> list[Figure]:
    """Return the age band (and arm, if the table has one) columns."""
    out = [Figure(t("col.age_band", lang), [band_label(b, lang) for b in groups["age_band"]])]
    if "arm" in groups:
        out.append(Figure(t("col.arm", lang), [t(f"arm.{a}", lang) for a in groups["arm"]]))
    return out


def hours_figures(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the exported hours table: one column per figure, numbers at full precision."""
    return figure_table(
        [
            *band_figures(groups, lang),
            Figure(t("col.n_intervention", lang), groups["n_intervention"], COUNT),
            Figure(t("col.n_control", lang), groups["n_control"], COUNT),
            *estimate_figures(
                column_name("col.mean_intervention", lang),
                groups["mean_intervention"],
                groups["ci_low_intervention"],
                groups["ci_high_intervention"],
                lang,
            ),
            *estimate_figures(
                column_name("col.mean_control", lang),
                groups["mean_control"],
                groups["ci_low_control"],
                groups["ci_high_control"],
                lang,
            ),
            *estimate_figures(
                column_name("col.difference", lang),
                groups["difference"],
                groups["ci_low"],
                groups["ci_high"],
                lang,
            ),
            Figure(t("col.p_value", lang), groups["p_value"], P_FORMAT),
        ]
    )


def split_figures(split: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the exported Totalt / Kvinnor / Män table."""
    names = {"total": t("sex.total", lang), "F": t("sex.F", lang), "M": t("sex.M", lang)}
    return figure_table(
        [
            *band_figures(split, lang),
            Figure(t("sidebar.sex", lang), [names[g] for g in split["sex_group"]]),
            Figure(t("col.n_intervention", lang), split["n_intervention"], COUNT),
            Figure(t("col.n_control", lang), split["n_control"], COUNT),
            Figure(column_name("col.mean_intervention", lang), split["mean_intervention"], number_format(1)),
            Figure(column_name("col.mean_control", lang), split["mean_control"], number_format(1)),
            *estimate_figures(
                column_name("col.difference", lang),
                split["difference"],
                split["ci_low"],
                split["ci_high"],
                lang,
            ),
        ]
    )


def people_figures(people: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the exported table of people randomized, placed and dead (shares in per cent)."""
    return figure_table(
        [
            *band_figures(people, lang),
            Figure(t("col.n", lang), people["n"], COUNT),
            Figure(t("col.n_placed", lang), people["n_placed"], COUNT),
            *estimate_figures(
                column_name("col.share_placed", lang),
                people["share_placed"] * 100,
                people["placed_ci_low"] * 100,
                people["placed_ci_high"] * 100,
                lang,
            ),
            Figure(t("col.n_died", lang), people["n_died"], COUNT),
        ]
    )


def person_figures(groups: pd.DataFrame, plan, lang: str) -> pd.DataFrame:
    """Return the exported per-person outcomes: one column per figure, kronor and days at full precision."""

    def ci(kind: str, key: str) -> list[Figure]:
        name = column_name(key, lang)
        low, high = groups[f"{kind}_ci_low"], groups[f"{kind}_ci_high"]
        return estimate_figures(name, groups[f"{kind}_difference"], low, high, lang, decimals=0)

    figures = [
        *band_figures(groups, lang),
        Figure(t("col.n_intervention", lang), groups["n_intervention"], COUNT),
        Figure(t("col.n_control", lang), groups["n_control"], COUNT),
        Figure(t("col.cost_intervention", lang), groups["cost_intervention"], COUNT),
        Figure(t("col.cost_control", lang), groups["cost_control"], COUNT),
        *ci("cost", "col.cost_difference"),
        Figure(t("col.days_home_intervention", lang), groups["days_home_intervention"], number_format(1)),
        Figure(t("col.days_home_control", lang), groups["days_home_control"], number_format(1)),
        *ci("days_home", "col.days_home_difference"),
        *ci("nursing_home_days", "col.nursing_home_days_difference"),
        Figure(t("col.deaths_intervention", lang), groups["deaths_intervention"], COUNT),
        Figure(t("col.deaths_control", lang), groups["deaths_control"], COUNT),
    ]
    if plan.estimator == "anhecova":
        outcome = t(f"plan.outcome.{plan.primary_outcome}", lang).capitalize()
        name = t("col.primary_adjusted", lang, outcome=outcome).split(" (")[0]
        kind = f"{plan.primary_outcome}_adjusted"
        adjusted = estimate_figures(
            name, groups[f"{kind}_difference"], groups[f"{kind}_ci_low"], groups[f"{kind}_ci_high"], lang, 0
        )
        figures[3:3] = adjusted
    return figure_table(figures)


def results_figures(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the exported results: one column per figure (estimate, CI ends, p-values) at full precision."""
    return figure_table(
        [
            *band_figures(groups, lang),
            Figure(t("col.n_intervention", lang), groups["n_intervention"], COUNT),
            Figure(t("col.n_control", lang), groups["n_control"], COUNT),
            Figure(column_name("col.mean_intervention", lang), groups["mean_intervention"], number_format(1)),
            Figure(column_name("col.mean_control", lang), groups["mean_control"], number_format(1)),
            *estimate_figures(
                column_name("col.difference", lang), groups["difference"], groups["ci_low"], groups["ci_high"],
                lang,
            ),
            Figure(t("col.p_value", lang), groups["p_value"], P_FORMAT),
            Figure(t("col.p_holm", lang), groups["p_value_holm"], P_FORMAT),
            *estimate_figures(
                column_name("col.superiority", lang), groups["prob_superiority"] * 100,
                groups["prob_superiority_ci_low"] * 100, groups["prob_superiority_ci_high"] * 100, lang, 0,
            ),
            Figure(t("col.p_bm", lang), groups["brunner_munzel_p"], P_FORMAT),
        ]
    )  # fmt: skip


def differences_figures(label: Figure, frames: list[tuple[str, pd.DataFrame]], lang: str, p: bool) -> pd.DataFrame:
    """Build an exported table of differences (one label column, then estimate and CI ends per frame, p)."""
    figures = [label]
    for name, frame in frames:
        figures += estimate_figures(name, frame["difference"], frame["ci_low"], frame["ci_high"], lang)
    if p:
        figures.append(Figure(t("col.p_value", lang), frames[0][1]["p_value"], P_FORMAT))
        if "p_holm_time" in frames[0][1]:
            figures.append(Figure(t("col.p_holm", lang), frames[0][1]["p_holm_time"], P_FORMAT))
    return figure_table(figures)


def placement_figures(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the exported placement table: one column per figure (risks in per cent, ratios, p) at full precision."""
    name = column_name
    figures = [
        *band_figures(groups, lang),
        Figure(t("col.n_intervention", lang), groups["n_intervention"], COUNT),
        Figure(t("col.n_control", lang), groups["n_control"], COUNT),
        Figure(f"{t('col.placed', lang)} – {t('arm.intervention', lang)}", groups["placed_intervention"], COUNT),
        Figure(f"{t('col.placed', lang)} – {t('arm.control', lang)}", groups["placed_control"], COUNT),
    ]
    for arm in ARMS:
        figures += estimate_figures(
            name(f"col.cuminc_{arm}", lang), groups[f"cuminc_{arm}"] * 100, groups[f"cuminc_ci_low_{arm}"] * 100,
            groups[f"cuminc_ci_high_{arm}"] * 100, lang,
        )  # fmt: skip
    figures += estimate_figures(
        name("col.hr", lang), groups["hazard_ratio"], groups["ci_low"], groups["ci_high"], lang, 2
    )
    figures += [
        Figure(t("col.p_value", lang), groups["p_value"], P_FORMAT),
        Figure(t("col.ph", lang), groups["ph_p_value"], P_FORMAT),
    ]
    figures += estimate_figures(
        name("col.shr", lang), groups["shr"], groups["shr_ci_low"], groups["shr_ci_high"], lang, 2
    )
    for k in RISK_MONTHS:
        figures += estimate_figures(
            t("col.rd", lang, k=k).split(" (")[0],
            groups[f"risk_difference_{k}"] * 100, groups[f"rd_ci_low_{k}"] * 100, groups[f"rd_ci_high_{k}"] * 100,
            lang,
        )  # fmt: skip
        figures += estimate_figures(
            t("col.rr", lang, k=k).split(" (")[0], groups[f"risk_ratio_{k}"], groups[f"rr_ci_low_{k}"],
            groups[f"rr_ci_high_{k}"], lang, 2,
        )  # fmt: skip
    for arm in ARMS:
        values = groups[f"nursing_home_days_per_person_year_{arm}"]
        figures.append(Figure(f"{t('col.nh_days', lang)} – {t(f'arm.{arm}', lang)}", values, number_format(1)))
    return figure_table(figures)
