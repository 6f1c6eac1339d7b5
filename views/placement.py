"""Placement page: cumulative incidence of moving into a nursing home, with death as a competing event."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.outcomes.placement import RISK_MONTHS, analyze_placement
from analysis.present import figures
from analysis.present.disclosure import SUPPRESSED, show_at_risk, show_curves, show_placement
from analysis.present.exports import COUNT, Figure, figure_table
from analysis.present.texts import file_name, format_number, format_p, name_fit_warning, read_placement, t
from analysis.settings import get_setting
from views import calls, display, downloads, roles, state


def _ratio(row: pd.Series, key: str, low: str, high: str, lang: str) -> str:
    """Format a ratio with its CI, two decimals."""
    return display.format_ci(row[key], row[low], row[high], lang, decimals=2)


def _table(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the displayed table by band."""
    rows = []
    for _, row in groups.iterrows():
        entry = {
            t("col.age_band", lang): display.band_name(row["age_band"], lang),
            t("col.n_intervention", lang): display.format_count(row["n_intervention"], lang),
            t("col.n_control", lang): display.format_count(row["n_control"], lang),
            t("col.placed", lang): " / ".join(
                display.format_count(row[f"placed_{arm}"], lang) for arm in display.ARM_ORDER
            ),
            t("col.cuminc_intervention", lang): display.format_ci(
                row["cuminc_intervention"] * 100,
                row["cuminc_ci_low_intervention"] * 100,
                row["cuminc_ci_high_intervention"] * 100,
                lang,
            ),
            t("col.cuminc_control", lang): display.format_ci(
                row["cuminc_control"] * 100,
                row["cuminc_ci_low_control"] * 100,
                row["cuminc_ci_high_control"] * 100,
                lang,
            ),
            t("col.hr", lang): _ratio(row, "hazard_ratio", "ci_low", "ci_high", lang),
            t("col.p_value", lang): format_p(row["p_value"], lang),
            t("col.ph", lang): format_p(row["ph_p_value"], lang),
            t("col.shr", lang): _ratio(row, "shr", "shr_ci_low", "shr_ci_high", lang),
        }
        for k in RISK_MONTHS:
            entry[t("col.rd", lang, k=k)] = display.format_ci(
                row[f"risk_difference_{k}"] * 100, row[f"rd_ci_low_{k}"] * 100, row[f"rd_ci_high_{k}"] * 100, lang
            )
            entry[t("col.rr", lang, k=k)] = _ratio(row, f"risk_ratio_{k}", f"rr_ci_low_{k}", f"rr_ci_high_{k}", lang)
        entry[t("col.nh_days", lang)] = (
            f"{format_number(row['nursing_home_days_per_person_year_intervention'], lang)} / "
            f"{format_number(row['nursing_home_days_per_person_year_control'], lang)}"
        )
        rows.append(entry)
    return pd.DataFrame(rows)


def _curve_values(monthly: pd.DataFrame, hidden: dict[str, bool], months, lang: str) -> pd.DataFrame:
    """Return the curves read off at whole months (as show_curves gives them): the chart's text alternative."""
    rows = []
    for arm in display.ARM_ORDER:
        part = monthly[monthly["arm"] == arm].set_index("month")
        for month in months:
            if hidden[arm] or month not in part.index or pd.isna(part.loc[month, "cuminc"]):
                value = SUPPRESSED
            else:
                at = part.loc[month]
                value = display.format_ci(at["cuminc"] * 100, at["ci_low"] * 100, at["ci_high"] * 100, lang)
            rows.append(
                {t("col.arm", lang): t(f"arm.{arm}", lang), t("col.month", lang): month, t("col.cif", lang): value}
            )
    return pd.DataFrame(rows)


def _curve_chart(
    curves: pd.DataFrame,
    hidden: dict[str, bool],
    show_km: bool,
    month: int,
    lang: str,
    at_risk: pd.DataFrame | None = None,
) -> go.Figure:
    """Step curves of cumulative incidence per arm with 95% CI ribbons (and 1 − KM), in whole months.

    ``curves``: show_curves' values at each month's end (no event's day is shown; a hidden month is a gap).
    ``at_risk`` (arm × month, as shown) is written under the axis, each number under its month.
    """
    fig = go.Figure()
    for arm in display.ARM_ORDER:
        monthly = curves[curves["arm"] == arm].sort_values("month")
        if hidden[arm] or monthly.empty:
            continue
        months = monthly["month"].to_numpy(dtype=float)
        colour = display.ARM_COLOURS[arm]
        fig.add_trace(display.ci_ribbon(months, monthly["ci_low"] * 100, monthly["ci_high"] * 100, colour, shape="hv"))
        fig.add_trace(
            go.Scatter(
                x=months,
                y=monthly["cuminc"] * 100,
                mode="lines",
                name=t(f"arm.{arm}", lang),
                line={"color": colour, "dash": display.ARM_DASH[arm], "shape": "hv"},
            )
        )
        if show_km and "one_minus_km" in monthly.columns:
            fig.add_trace(
                go.Scatter(
                    x=months,
                    y=monthly["one_minus_km"] * 100,
                    mode="lines",
                    name=f"{t('placement.km_label', lang)}: {t(f'arm.{arm}', lang)}",
                    line={"color": colour, "dash": "dot", "shape": "hv", "width": 1},
                )
            )
    gone = [arm for arm in display.ARM_ORDER if hidden[arm]]
    for i, arm in enumerate(gone):  # a hidden arm's curve is not drawn: say so where it would be
        text = t("chart.hidden_curve", lang, arm=t(f"arm.{arm}", lang))
        fig.add_annotation(text=text, xref="paper", x=0.01, xanchor="left", yref="paper", y=0.98 - 0.08 * i,
                           showarrow=False, font={"size": 13})  # fmt: skip
    fig.update_layout(
        xaxis_title=t("col.month", lang),
        yaxis_title=t("col.cif", lang),
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},  # above: never over the axis title
    )
    fig.update_yaxes(rangemode="tozero")
    if at_risk is not None:  # the number at risk, aligned under the curve
        fig.add_annotation(text=f"<b>{t('placement.at_risk_short', lang)}</b>", xref="paper", x=0, xanchor="right",
                           yref="paper", y=-0.3, showarrow=False, font={"size": 12})  # fmt: skip
        for i, arm in enumerate(at_risk.index):
            y = -0.38 - 0.08 * i
            fig.add_annotation(text=t(f"arm.{arm}", lang), xref="paper", x=0, xanchor="right", xshift=-8,
                               yref="paper", y=y, showarrow=False)  # fmt: skip
            for column, value in at_risk.loc[arm].items():
                fig.add_annotation(text=value, x=float(column), xref="x", yref="paper", y=y, showarrow=False)
        fig.update_layout(margin={"b": 170, "l": 200}, height=560)
    return fig


def render(lang: str) -> None:
    """Render the placement page."""
    store, info, chosen = state.open_page(lang)
    top = info["max_month"] or 0
    month = state.url_widget(
        st.sidebar.slider,
        "window",
        min(int(get_setting("default_month")), max(top, 1)),
        t("placement.window", lang),
        1,
        max(top, 1),
        options=range(1, max(top, 1) + 1),
        cast=int,
        help=t("help.window", lang),
    )
    show_km = state.url_widget(
        st.sidebar.checkbox,
        "show_km",
        False,
        t("placement.show_km", lang),
        options=(True, False),
        cast=lambda v: v == "True",
        help=t("help.show_km", lang),
    )
    threshold = roles.suppression_threshold()
    selection, bands = chosen.at(month), chosen.bands

    st.title(t("placement.title", lang))
    display.show_study_banner(info, lang)
    if display.stop_for_design(info, "placement", lang):
        return
    display.show_selection(chosen, lang)
    display.show_completeness(info, lang)
    result = calls.cached(analyze_placement, store, selection)
    risks_for = calls.risks_for(store, threshold)
    groups = show_placement(result.groups, selection, threshold, risks_for)
    at_risk = show_at_risk(result.at_risk, groups, selection, threshold, risks_for)  # hidden as the table is

    st.info(t("placement.definition", lang, months=month))  # one definition on this page, named
    st.header(t("placement.curve", lang))
    st.caption(t("placement.curve_note", lang))
    band = state.choose_band("placement.band", "placement_band", bands, lang)
    row = groups[groups["age_band"] == band].iloc[0]
    hidden = {arm: bool(row[f"hidden_{arm}"]) for arm in display.ARM_ORDER}  # the arm's figures, as the table
    shown_curves = show_curves(result.curves, groups, selection, month, risks_for)
    curves = shown_curves[shown_curves["age_band"] == band]
    stamp = downloads.page_stamp(store, selection, t("methods.placement", lang), threshold, lang)
    grid = sorted(result.at_risk["month"].unique())
    table = (
        at_risk[at_risk["age_band"] == band]
        .pivot(index="arm", columns="month", values="n")
        .reindex(list(display.ARM_ORDER))
    )
    downloads.offer_chart(
        _curve_chart(curves, hidden, show_km, month, lang, table.map(lambda v: display.format_count(v, lang))),
        file_name("placement_curve", lang, band=band),
        stamp,
        lang,
        "placement_curve",
        values=_curve_values(curves, hidden, grid, lang),
    )
    if show_km:
        st.caption(t("placement.km_note", lang))
    if "perturbed" in groups.columns and groups["perturbed"].any():  # a filtered view: scaled to noisy counts
        st.caption(t("placement.curve_perturbed", lang))
    st.caption(t("placement.at_risk", lang))
    shown = table.map(lambda v: display.format_count(v, lang))
    shown = shown.rename(index=lambda a: t(f"arm.{a}", lang)).rename(columns=str)
    counts = table.rename(index=lambda a: t(f"arm.{a}", lang)).rename(columns=str).rename_axis(t("col.arm", lang))
    at_risk_figures = figure_table(
        [Figure(t("col.arm", lang), list(counts.index))]
        + [Figure(column, counts[column], COUNT) for column in counts.columns]
    )
    downloads.offer_table(
        shown.rename_axis(t("col.arm", lang)).reset_index(),
        file_name("at_risk", lang, band=band),
        stamp,
        lang,
        "at_risk",
        at_risk_figures,
    )
    display.caption_rule(threshold, lang)

    st.header(t("placement.table", lang, month=month))
    downloads.offer_table(
        _table(groups, lang),
        file_name("placement_month", lang, month=month),
        stamp,
        lang,
        "placement_table",
        figures.placement_figures(groups, lang),
        reflow=True,
    )
    display.caption_hidden(groups, lang)
    display.say_list(read_placement(g, month, lang) for _, g in groups.iterrows())
    for _, g in groups.iterrows():  # what the fits warned about reaches the reader, beside the figures
        band = display.band_name(g["age_band"], lang)
        if isinstance(g.get("model_warning"), str):
            warning = name_fit_warning(g["model_warning"], lang)
            st.warning(t("placement.model_warning", lang, band=band, warning=warning))
        if g.get("shr_se_method") == "model" and g["shr"] == g["shr"]:
            st.caption(t("placement.fine_gray_model_se", lang, band=band))
    st.info(t("placement.methods", lang))
    display.caption_rule(threshold, lang)


display.run_page(render)
