"""Outcome measures page: instruments at visits per arm, QALYs and cost per QALY, and planning the next trial."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.economics.qaly import TLV_RANGE, compare_cost_effectiveness
from analysis.economics.scenario import SOURCES, Scenario, unit_costs
from analysis.instruments import load_instruments
from analysis.outcomes.measures import compare_measures, list_instruments
from analysis.outcomes.overview import summarize_people
from analysis.outcomes.planning import OUTCOMES, estimate_power_inputs
from analysis.present.disclosure import show_repeated
from analysis.present.disclosure_measures import show_measures, show_planning, show_qalys
from analysis.present.texts import (
    file_name,
    format_number,
    format_p,
    format_probability,
    format_share,
    read_cost_effectiveness,
    read_measure,
    t,
)
from analysis.selection import ALL
from analysis.stats.power import size_trial
from views import calls, display, downloads, roles, state
from views.person_section import primary_window

REPEATED_AUTO_PEOPLE = 10_000  # above this many randomized, the repeated model is fitted only when asked


def _decimals(instrument) -> int:
    """Return the decimals an instrument's values are read with (three on an index scale, else one)."""
    return 3 if instrument.high - instrument.low <= 2 else 1


def _chart(part: pd.DataFrame, instrument, lang: str) -> go.Figure:
    """Lines of the mean per arm at each visit with 95% CI error bars."""
    fig = go.Figure()
    for arm in display.ARM_ORDER:
        y = part[f"mean_{arm}"]
        fig.add_trace(
            go.Scatter(
                x=part["visit_month"],
                y=y,
                mode="lines+markers",
                name=t(f"arm.{arm}", lang),
                line={"color": display.ARM_COLOURS[arm], "dash": display.ARM_DASH[arm]},
                marker={"symbol": display.ARM_SYMBOL[arm], "size": 10},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part[f"ci_high_{arm}"] - y,
                    "arrayminus": y - part[f"ci_low_{arm}"],
                },
            )
        )
    display.add_gap_marks(fig, [(part["visit_month"], part[f"mean_{arm}"], None) for arm in display.ARM_ORDER], lang)
    fig.update_layout(
        xaxis_title=t("col.visit", lang),
        yaxis_title=f"{instrument.label(lang)} ({instrument.unit(lang)})",
        legend={"orientation": "h"},
    )
    fig.update_xaxes(tickvals=sorted(part["visit_month"].unique()))
    return fig


def _table(part: pd.DataFrame, decimals: int, lang: str) -> pd.DataFrame:
    """Build the per-visit table: people measured and dead, means, change within each arm, differences."""

    def ci(value: str, low: str, high: str) -> list[str]:
        return [display.format_ci(v, lo, hi, lang, decimals) for v, lo, hi in zip(part[value], part[low], part[high])]

    def pair(a, b) -> list[str]:
        return [f"{display.format_count(x, lang)} / {display.format_count(y, lang)}" for x, y in zip(a, b)]

    return pd.DataFrame(
        {
            t("col.visit", lang): part["visit_month"].to_numpy(),
            t("col.measured", lang): pair(part["n_intervention"], part["n_control"]),
            t("col.died_before", lang): pair(part["died_intervention"], part["died_control"]),
            t("col.mean_intervention", lang): ci("mean_intervention", "ci_low_intervention", "ci_high_intervention"),
            t("col.mean_control", lang): ci("mean_control", "ci_low_control", "ci_high_control"),
            t("col.change_intervention", lang): ci(
                "change_intervention", "change_ci_low_intervention", "change_ci_high_intervention"
            ),
            t("col.change_control", lang): ci("change_control", "change_ci_low_control", "change_ci_high_control"),
            t("col.difference", lang): ci("difference", "ci_low", "ci_high"),
            t("col.ancova", lang): ci("ancova_difference", "ancova_ci_low", "ancova_ci_high"),
        }
    )


def _show_measures(store, selection, info, threshold: int, lang: str) -> None:
    """Render one instrument compared per visit: sentences, chart, table, repeated model."""
    instruments = calls.cached(list_instruments, store, selection.study)
    if not instruments:
        st.info(t("measures.none", lang))
        return
    catalogue = load_instruments()
    name = state.url_widget(
        st.selectbox,
        "instrument",
        instruments[0],
        t("measures.instrument", lang),
        instruments,
        options=instruments,
        format_func=lambda n: catalogue[n].label(lang) if n in catalogue else n,
        state_key=f"instrument_{lang}",
    )
    window = primary_window(store, info)
    # The repeated model (GEE) takes seconds per 10,000 people; large studies fit it when asked.
    people = int(info.get("n_people") or 0)
    repeated = st.toggle(
        t("measures.fit_repeated", lang), value=people <= REPEATED_AUTO_PEOPLE, key=f"rep_{lang}",
        help=t("help.fit_repeated", lang),
    )  # fmt: skip
    result = calls.cached(compare_measures, store, selection, name, window=window, repeated=repeated)
    instrument, decimals = result.instrument, _decimals(result.instrument)
    shown = show_measures(result.visits, selection, threshold, calls.risks_for(store, threshold), instrument)
    st.caption(t("measures.estimand", lang))
    direction = "measures.direction_up" if instrument.higher_is_better else "measures.direction_down"
    st.caption(
        t(direction, lang, unit=instrument.unit(lang))
        + " "
        + t("measures.source", lang, source=instrument.source_in(lang))
    )
    if result.primary_visit is not None:
        primary = shown[shown["visit_month"] == result.primary_visit]
        for _, row in primary.iterrows():
            st.markdown(
                "- "
                + read_measure(
                    display.band_name(row["age_band"], lang),
                    instrument.label(lang),
                    result.primary_visit,
                    row["ancova_ci_low"],
                    row["ancova_ci_high"],
                    lang,
                    row.get("suppressed_reason"),
                    estimate=row["ancova_difference"],
                    decimals=decimals,
                )
            )
        if result.interaction:
            p = format_p(result.interaction["p_value"], lang, relation=True)
            st.info(t("measures.interaction", lang, visit=result.primary_visit, p=p))
    band = state.choose_band("measures.band", "measures_band", selection.bands, lang)
    part = shown[shown["age_band"] == band]
    stamp = downloads.page_stamp(store, selection, t("measures.estimand", lang), threshold, lang)
    st.subheader(t("measures.chart", lang))
    downloads.offer_chart(
        _chart(part, instrument, lang),
        file_name("measures_chart", lang, instrument=name),
        stamp,
        lang,
        "measures_chart",
    )
    st.subheader(t("measures.table", lang))
    st.caption(t("measures.change_note", lang))
    downloads.offer_table(
        _table(part, decimals, lang), file_name("measures_table", lang, instrument=name), stamp, lang, "measures_table"
    )
    display.caption_hidden(part, lang)
    if band == ALL and not result.repeated.empty:
        st.subheader(t("measures.repeated", lang))
        st.caption(t("measures.repeated_note", lang))
        everyone = shown[(shown["age_band"] == ALL) & (shown["visit_month"] == shown["visit_month"].max())]
        rep = show_repeated(result.repeated, everyone.iloc[0])  # hidden with everyone's last visit
        downloads.offer_table(
            pd.DataFrame(
                {
                    t("col.visit", lang): rep["month"].replace({"average": t("col.average", lang)}),
                    t("col.difference", lang): [
                        display.format_ci(d, lo, hi, lang, decimals)
                        for d, lo, hi in zip(rep["difference"], rep["ci_low"], rep["ci_high"])
                    ],
                    t("col.p_value", lang): [format_p(p, lang) for p in rep["p_value"]],
                }
            ),
            file_name("measures_repeated", lang, instrument=name),
            stamp,
            lang,
            "measures_repeated",
        )
        display.caption_hidden(rep, lang)
    elif result.repeated_note:  # the note is English (for the command line's JSON): the page words it
        st.caption(t(("measures.repeated_off", "measures.repeated_none")[repeated], lang))
    display.caption_rule(threshold, lang)


def _curve(groups: pd.DataFrame, lang: str) -> go.Figure:
    """Draw the acceptability curve per band over willingness to pay, with TLV's accepted range shaded."""
    fig = go.Figure()
    fig.add_vrect(
        x0=TLV_RANGE[0],
        x1=TLV_RANGE[1],
        fillcolor="#9ca3af",
        opacity=0.2,
        line_width=0,
        annotation_text=t("qaly.tlv", lang),
        annotation_position="top left",
    )
    dashes = ("solid", "dash", "dot", "dashdot")  # bands that run together at 0 or 100 % stay told apart
    drawn = 0
    for _, row in groups.iterrows():
        curve = row["p_cost_effective"]
        if not isinstance(curve, dict) or all(v != v for v in curve.values()):
            continue
        fig.add_trace(
            go.Scatter(
                x=[int(k) for k in curve],
                y=[100 * v for v in curve.values()],
                mode="lines+markers",
                line={"dash": dashes[drawn % len(dashes)], "width": 3 + (drawn == 0)},
                marker={"size": 6, "symbol": ("circle", "square", "diamond", "triangle-up")[drawn % 4]},
                name=display.band_name(row["age_band"], lang),
            )
        )
        drawn += 1
    fig.update_layout(xaxis_title=t("qaly.wtp", lang), yaxis_title="%", legend={"orientation": "h"})
    fig.update_yaxes(range=[-4, 104])  # a line at 0 or 100 % is drawn inside the frame, not on its border
    fig.update_xaxes(tickformat=",d")  # 500 000 kr, not 0,5M
    return fig


def _plane(draws, lang: str) -> go.Figure:
    """Draw the joint bootstrap draws on the cost-effectiveness plane with the 500,000 SEK per QALY line."""
    fig = go.Figure(
        go.Scatter(x=draws[:, 1], y=draws[:, 0], mode="markers", marker={"size": 4, "opacity": 0.35,
                   "color": display.ARM_COLOURS["intervention"]}, name=t("qaly.plane", lang), showlegend=False)
    )  # fmt: skip
    reach = float(max(abs(draws[:, 1]).max(), 1e-6))
    fig.add_trace(go.Scatter(x=[-reach, reach], y=[-500_000 * reach, 500_000 * reach], mode="lines",
                             line={"color": "#4b5563", "dash": "dot"}, name=t("qaly.line", lang)))  # fmt: skip
    fig.add_hline(y=0, line_color="#9ca3af")
    fig.add_vline(x=0, line_color="#9ca3af")
    low, high = float(draws[:, 0].min()), float(draws[:, 0].max())
    pad = 0.1 * (high - low or 1.0)
    fig.update_yaxes(range=[min(low, 0) - pad, max(high, 0) + pad], tickformat=",d", title=t("qaly.y", lang))
    fig.update_xaxes(title=t("qaly.x", lang))
    fig.update_layout(legend={"orientation": "h"})
    return fig


def _show_qalys(store, selection, info, threshold: int, lang: str) -> None:
    """Render QALYs and cost-effectiveness per band over the plan's window."""
    st.header(t("qaly.title", lang))
    if "eq5d_index" not in calls.cached(list_instruments, store, selection.study):
        st.info(t("qaly.none", lang))
        return
    months = primary_window(store, info)
    scenario = Scenario()
    extra = scenario.cost_per_participant()
    result = calls.cached(compare_cost_effectiveness, store, selection.at(months), unit_costs(scenario), extra)
    shown = show_qalys(result.groups, selection, threshold, calls.risks_for(store, threshold))
    source = SOURCES["intervention_per_participant"].source_in(lang)
    note = t("qaly.note", lang, months=months, cost=format_number(extra, lang, 0), source=source)
    st.caption(note + " " + t(f"measure.{selection.measure}", lang))  # whose hours the care cost counts
    for _, row in shown.iterrows():
        band = display.band_name(row["age_band"], lang)
        if not row["suppressed"] and row["qaly_difference"] != row["qaly_difference"]:  # degenerate data: why
            st.markdown("- " + t("qaly.cannot_estimate", lang, band=band))
            continue
        st.markdown("- " + read_cost_effectiveness(band, row.to_dict(), lang, row.get("suppressed_reason")))
        left_out = row.get("resamples_left_out")
        if left_out == left_out and left_out:
            st.caption(t("qaly.resamples_left_out", lang, band=band, n=int(left_out)))

    def icer(row) -> str:
        if row["suppressed"] or row.get("quadrant") != row.get("quadrant") or row.get("quadrant") is None:
            return ".."
        value = format_number(abs(row["icer"]), lang, 0) if row["icer"] is not None else ""
        return t(f"qaly.quadrant.{row['quadrant']}", lang, icer=value)

    table = pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in shown["age_band"]],
            t("col.qaly_intervention", lang): [format_number(v, lang, 3) for v in shown["qaly_intervention"]],
            t("col.qaly_control", lang): [format_number(v, lang, 3) for v in shown["qaly_control"]],
            t("col.qaly_difference", lang): [
                display.format_ci(d, lo, hi, lang, 3)
                for d, lo, hi in zip(shown["qaly_difference"], shown["qaly_ci_low"], shown["qaly_ci_high"])
            ],
            t("col.cost_increment", lang): [
                display.format_ci(d, lo, hi, lang, 0)
                for d, lo, hi in zip(shown["cost_difference"], shown["cost_ci_low"], shown["cost_ci_high"])
            ],
            t("col.icer", lang): [icer(row) for _, row in shown.iterrows()],
            t("col.p_ce_500k", lang): [
                format_probability(c["500000"], lang) if isinstance(c, dict) else ".."
                for c in shown["p_cost_effective"]
            ],
        }
    )
    stamp = downloads.page_stamp(
        store,
        selection.at(months),
        t("qaly.note", lang, months=months, cost=format_number(extra, lang, 0), source=source),
        threshold,
        lang,
    )
    downloads.offer_table(table, file_name("qaly_table", lang), stamp, lang, "qaly_table")
    display.caption_hidden(shown, lang)
    st.subheader(t("qaly.curve", lang))
    st.caption(t("qaly.curve_note", lang))
    downloads.offer_chart(_curve(shown, lang), file_name("qaly_curve", lang), stamp, lang, "qaly_curve")
    draws = result.draws.get(ALL)
    if draws is not None and len(draws) and not shown.set_index("age_band").loc[ALL, "suppressed"]:
        st.subheader(t("qaly.plane", lang))
        st.caption(t("qaly.plane_note", lang))
        downloads.offer_chart(_plane(draws, lang), file_name("qaly_plane", lang), stamp, lang, "qaly_plane")


def _show_power(store, selection, info, threshold: int, lang: str) -> None:
    """Render the planning form: outcome, difference, band, power; the people needed per design."""
    st.header(t("power.title", lang))
    st.caption(t("power.intro", lang))
    outcomes = [*OUTCOMES, *calls.cached(list_instruments, store, selection.study)]
    labels = [b.label for b in selection.bands] + [ALL]
    with st.form(f"power_form_{lang}"):
        outcome = st.selectbox(
            t("power.outcome", lang),
            outcomes,
            format_func=lambda o: t(f"power.outcome.{o}", lang) if o in OUTCOMES else o,
            help=t("help.power_outcome", lang),
        )
        difference = st.number_input(
            t("power.difference", lang), value=5.0, format="%g", help=t("help.power_difference", lang)
        )  # "5", not "5.000"
        top = int(info["max_month"] or 1)
        month = st.number_input(t("power.month", lang), 1, top, min(12, top), step=1, help=t("help.power_month", lang))
        band = st.radio(
            t("col.age_band", lang),
            labels,
            index=labels.index("76-85") if "76-85" in labels else 0,
            format_func=lambda b: display.band_name(b, lang),
            horizontal=True,
            help=t("help.power_band", lang),
        )
        power = st.radio(
            t("power.level", lang),
            (0.8, 0.9),
            format_func=lambda p: format_share(p, lang),
            horizontal=True,
            help=t("help.power_level", lang),
        )
        alpha = st.selectbox(
            t("power.alpha", lang), (0.05, 0.01), format_func=lambda a: format_number(a, lang, 2),
            help=t("help.power_alpha", lang),
        )  # fmt: skip
        if not st.form_submit_button(t("power.compute", lang)):
            return
    inputs, source = calls.cached(
        estimate_power_inputs,
        store,
        selection.at(int(month)),
        outcome,
        float(difference),
        band,
        unit_costs(),
        float(alpha),
        float(power),
    )
    people = calls.cached(summarize_people, store, selection.at(None))
    source = show_planning(source, people, selection, threshold, calls.risks_for(store, threshold))
    designs = size_trial(inputs)
    figures = {
        "band": display.band_name(band, lang),
        "n": display.format_count(source["n_used"], lang),
        "randomized": display.format_count(source["randomized"], lang),
        "sd": format_number(inputs.sd, lang, 3),
        "rho": format_number(inputs.baseline_correlation, lang, 2),
        "attrition": format_number(100 * inputs.attrition, lang, 0),
        "visits": inputs.visits,
        "within": format_number(inputs.within_correlation, lang, 2),
    }
    if source.get("rounded"):  # a filtered view: the people with the outcome to tens
        figures["n"] = t("power.about", lang, n=figures["n"])
    text = t("power.inputs", lang, **figures)
    if inputs.visits > 1:
        text += " " + t("power.visits", lang, **figures)
    st.caption(text)
    kinds = ("ttest", "ancova", "repeated")
    sizes = pd.DataFrame(
        {
            t("power.design", lang): [t(f"power.design.{d}", lang) for d in kinds],
            t("power.n", lang): [display.format_count(designs[f"n_per_arm_{d}"], lang) for d in kinds],
            t("power.randomize", lang): [display.format_count(designs[f"randomize_per_arm_{d}"], lang) for d in kinds],
        }
    )
    st.dataframe(sizes, hide_index=True)


def render(lang: str) -> None:
    """Render the outcome measures page."""
    store, info, everyone = state.open_page(lang)
    threshold = roles.suppression_threshold()
    st.title(t("measures.title", lang))
    st.caption(display.plain(info["title_en"] if lang == "en" else info["title_sv"]))
    display.show_study_banner(info, lang)
    if display.stop_for_design(info, "measures", lang):
        return
    display.show_selection(everyone, lang)
    display.show_completeness(info, lang)
    _show_measures(store, everyone, info, threshold, lang)
    _show_qalys(store, everyone, info, threshold, lang)
    _show_power(store, everyone, info, threshold, lang)


display.run_page(render)
