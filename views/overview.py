"""Overview page: people, hours at a follow-up month, trajectories and placement per age band and arm."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.economics.scenario import unit_costs
from analysis.outcomes.compare import compare_hours, compare_hours_by_sex
from analysis.outcomes.overview import count_incomplete_months, summarize_people, trace_hours
from analysis.outcomes.person_values import EXCLUDE
from analysis.outcomes.rollout import analyse_rollout
from analysis.present import figures
from analysis.present.designs import read_rollout
from analysis.present.disclosure import show_comparison, show_people, show_rollout, show_split, show_trajectory
from analysis.present.texts import file_name, format_number, format_p, read_difference, say_caveat_once, t
from analysis.settings import get_setting
from views import calls, display, downloads, roles, state
from views.groups_section import show_weighted_groups
from views.person_section import primary_window, show_person_outcomes


def _hours_table(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the displayed table of hours by band: counts, means with CI, difference, p."""
    return pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in groups["age_band"]],
            t("col.n_intervention", lang): [display.format_count(v, lang) for v in groups["n_intervention"]],
            t("col.n_control", lang): [display.format_count(v, lang) for v in groups["n_control"]],
            t("col.mean_intervention", lang): [
                display.format_ci(m, lo, hi, lang)
                for m, lo, hi in zip(
                    groups["mean_intervention"], groups["ci_low_intervention"], groups["ci_high_intervention"]
                )
            ],
            t("col.mean_control", lang): [
                display.format_ci(m, lo, hi, lang)
                for m, lo, hi in zip(groups["mean_control"], groups["ci_low_control"], groups["ci_high_control"])
            ],
            t("col.difference", lang): [
                display.format_ci(d, lo, hi, lang)
                for d, lo, hi in zip(groups["difference"], groups["ci_low"], groups["ci_high"])
            ],
            t("col.p_value", lang): [format_p(p, lang) for p in groups["p_value"]],
        }
    )


def _split_table(split: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the Totalt / Kvinnor / Män table of hours by band."""
    names = {"total": t("sex.total", lang), "F": t("sex.F", lang), "M": t("sex.M", lang)}
    return pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in split["age_band"]],
            t("sidebar.sex", lang): [names[g] for g in split["sex_group"]],
            t("col.n_intervention", lang): [display.format_count(v, lang) for v in split["n_intervention"]],
            t("col.n_control", lang): [display.format_count(v, lang) for v in split["n_control"]],
            t("col.mean_intervention", lang).split(" (")[0]: [
                format_number(v, lang) for v in split["mean_intervention"]
            ],
            t("col.mean_control", lang).split(" (")[0]: [format_number(v, lang) for v in split["mean_control"]],
            t("col.difference", lang): [
                display.format_ci(d, lo, hi, lang)
                for d, lo, hi in zip(split["difference"], split["ci_low"], split["ci_high"])
            ],
        }
    )


def _dot_trace(x, y, low, high, arm: str, lang: str) -> go.Scatter:
    """Return one arm's dots with asymmetric 95% CI error bars."""
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=t(f"arm.{arm}", lang),
        marker={"color": display.ARM_COLOURS[arm], "symbol": display.ARM_SYMBOL[arm], "size": 12},
        error_y={"type": "data", "symmetric": False, "array": high - y, "arrayminus": y - low},
        offsetgroup=arm,
    )


def _dot_figure(traces: list[go.Scatter], y_title: str, lang: str) -> go.Figure:
    """Return a grouped dot plot of the arms starting at zero, a '..' where an arm's dot is hidden."""
    fig = go.Figure(traces)
    display.add_gap_marks(fig, [(trace.x, trace.y, trace.offsetgroup) for trace in traces], lang)
    fig.update_layout(scattermode="group", xaxis_title=t("col.age_band", lang), yaxis_title=y_title,
                      legend={"orientation": "h"})  # fmt: skip
    fig.update_yaxes(rangemode="tozero")
    return fig


def _hours_chart(groups: pd.DataFrame, lang: str) -> go.Figure:
    """Dot plot of mean hours per arm and band with 95% CI error bars."""
    names = [display.band_name(b, lang) for b in groups["age_band"]]
    traces = [
        _dot_trace(names, groups[f"mean_{arm}"], groups[f"ci_low_{arm}"], groups[f"ci_high_{arm}"], arm, lang)
        for arm in display.ARM_ORDER
    ]
    return _dot_figure(traces, t("col.hours", lang), lang)


def _trajectory_chart(trace: pd.DataFrame, lang: str, incomplete: pd.DataFrame | None = None) -> go.Figure:
    """Lines of mean hours per month per arm with a shaded 95% CI; months where people are left out circled."""
    fig = go.Figure()
    for arm in display.ARM_ORDER:
        part = trace[trace["arm"] == arm].sort_values("month_k")
        colour = display.ARM_COLOURS[arm]
        fig.add_trace(display.ci_ribbon(part["month_k"], part["ci_low"], part["ci_high"], colour))
        fig.add_trace(
            go.Scatter(
                x=part["month_k"],
                y=part["mean"],
                mode="lines+markers",
                name=t(f"arm.{arm}", lang),
                line={"color": colour, "dash": display.ARM_DASH[arm]},
                marker={"symbol": display.ARM_SYMBOL[arm]},
            )
        )
    display.add_gap_marks(
        fig, [(p["month_k"], p["mean"], None) for _, p in trace.sort_values("month_k").groupby("arm")], lang
    )
    if incomplete is not None and len(incomplete):
        marked = trace.merge(incomplete[["arm", "month_k"]], on=["arm", "month_k"]).dropna(subset=["mean"])
        fig.add_trace(
            go.Scatter(
                x=marked["month_k"],
                y=marked["mean"],
                mode="markers",
                name=t("complete.legend", lang),
                marker={"symbol": "circle-open", "size": 16, "color": "#444444", "line": {"width": 2}},
                hoverinfo="skip",
            )
        )
    fig.update_layout(xaxis_title=t("col.month", lang), yaxis_title=t("col.hours", lang), legend={"orientation": "h"})
    fig.update_yaxes(rangemode="tozero")
    return fig


def _placement_chart(people: pd.DataFrame, lang: str) -> go.Figure:
    """Dot plot of the share placed per arm and band with 95% CI."""
    traces = []
    for arm in display.ARM_ORDER:
        part = people[people["arm"] == arm]
        names = [display.band_name(b, lang) for b in part["age_band"]]
        traces.append(
            _dot_trace(
                names, part["share_placed"] * 100, part["placed_ci_low"] * 100, part["placed_ci_high"] * 100, arm, lang
            )
        )
    return _dot_figure(traces, "%", lang)


def _trajectory_table(trace: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the trajectory's values as a table: month, arm, people, mean with 95% CI."""
    part = trace.sort_values(["month_k", "arm"])
    return pd.DataFrame(
        {
            t("col.month", lang): part["month_k"].to_numpy(),
            t("col.arm", lang): [t(f"arm.{a}", lang) for a in part["arm"]],
            t("col.n", lang): [display.format_count(v, lang) for v in part["n"]],
            t("col.hours", lang): [
                display.format_ci(m, lo, hi, lang) for m, lo, hi in zip(part["mean"], part["ci_low"], part["ci_high"])
            ],
        }
    )


def _people_table(people: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the displayed table of people randomized, placed and dead per band and arm."""
    return pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in people["age_band"]],
            t("col.arm", lang): [t(f"arm.{a}", lang) for a in people["arm"]],
            t("col.n", lang): [display.format_count(v, lang) for v in people["n"]],
            t("col.n_placed", lang): [display.format_count(v, lang) for v in people["n_placed"]],
            t("col.share_placed", lang): [
                display.format_ci(s * 100, lo * 100, hi * 100, lang)
                for s, lo, hi in zip(people["share_placed"], people["placed_ci_low"], people["placed_ci_high"])
            ],
            t("col.n_died", lang): [display.format_count(v, lang) for v in people["n_died"]],
        }
    )


def render(lang: str) -> None:
    """Render the overview page."""
    store, info, everyone = state.open_page(lang)
    top = info["max_month"] or 0
    month = state.url_widget(
        st.sidebar.slider,
        "month",
        min(int(get_setting("default_month")), top),
        t("sidebar.month", lang),
        0,
        top,
        options=range(top + 1),
        cast=int,
        help=t("help.month", lang),
    )
    threshold = roles.suppression_threshold()
    selection = everyone.at(month)
    filters, bands = selection.filters, selection.bands

    st.title(t("app.title", lang))
    st.caption(display.plain(info["title_en"] if lang == "en" else info["title_sv"]))
    display.show_study_banner(info, lang)
    if info["design"] == "rollout":  # the roll-out's answer in words; the page with its figures is linked below
        result = calls.cached(analyse_rollout, store, everyone, unit_costs(), "hours")
        summary = show_rollout(result, roles.suppression_threshold())["summary"].iloc[0].to_dict()
        display.say_list(read_rollout(summary, lang))  # as the viewer layer shows them
    if display.stop_for_design(info, "overview", lang):
        return
    display.show_selection(everyone, lang)
    display.show_completeness(info, lang)

    show_person_outcomes(store, everyone.at(primary_window(store, info)), threshold, lang, "person_table")

    people = calls.cached(summarize_people, store, everyone)
    comparison = calls.cached(compare_hours, store, selection)
    trace = calls.cached(trace_hours, store, everyone)

    risks_for = calls.risks_for(store, threshold)
    shown_people = show_people(people, everyone, threshold, risks_for)
    shown_groups = show_comparison(comparison.groups, selection, threshold, risks_for)

    st.header(t("overview.hours", lang, month=month))
    st.caption(t("overview.hours_note", lang) + " " + t(f"measure.{selection.measure}", lang))
    stamp = downloads.page_stamp(store, selection, t("methods.overview", lang), threshold, lang)
    downloads.offer_chart(
        _hours_chart(shown_groups, lang), file_name("hours_month", lang, month=month), stamp, lang, "hours_chart"
    )
    downloads.offer_table(
        _hours_table(shown_groups, lang), file_name("hours_month", lang, month=month), stamp, lang, "hours_table",
        figures.hours_figures(shown_groups, lang), reflow=True,
    )  # fmt: skip
    display.caption_hidden(shown_groups, lang)
    sentences = [
        read_difference(
            display.band_name(row["age_band"], lang),
            row["ci_low"],
            row["ci_high"],
            lang,
            row.get("suppressed_reason"),
            estimate=row["difference"],
        )
        for _, row in shown_groups.iterrows()
    ]
    display.say_list(say_caveat_once(sentences, lang))  # the caveat once per section, not once per band
    st.info(t("overview.interaction", lang, p=format_p(comparison.interaction["p_value"], lang, relation=True)))
    if info["design"] == "comparison_group":  # not randomized: the weighted difference, balance and E-values
        show_weighted_groups(store, selection, EXCLUDE, stamp, threshold, lang)
    if not filters.sex:  # Totalt / Kvinnor / Män, as Kolada shows them
        st.subheader(t("overview.by_sex", lang, month=month))
        split = calls.cached(compare_hours_by_sex, store, selection)
        shown_split = show_split(split, selection, threshold, risks_for)
        downloads.offer_table(
            _split_table(shown_split, lang), file_name("hours_sex_month", lang, month=month), stamp, lang, "sex_table",
            figures.split_figures(shown_split, lang),
        )  # fmt: skip

    st.header(t("overview.trajectory", lang))
    band = state.choose_band("overview.trajectory_band", "trajectory_band", bands, lang)
    shown_all = show_trajectory(trace, everyone, threshold, risks_for)  # as each month's table hides it
    shown_trace = shown_all[shown_all["age_band"] == band]
    incomplete = None
    if info["complete_through"] is not None:
        left_out = calls.cached(count_incomplete_months, store, everyone)
        incomplete = left_out[left_out["age_band"] == band]
        st.caption(t("complete.marked", lang))
    downloads.offer_chart(
        _trajectory_chart(shown_trace, lang, incomplete),
        file_name("hours_over_time", lang, band=band),
        stamp,
        lang,
        "trajectory_chart",
        values=_trajectory_table(shown_trace, lang),
    )

    included = ("overview.randomized", "overview.included")[info["design"] == "comparison_group"]
    st.header(t(included, lang) + " · " + t("overview.placement", lang))
    st.caption(t("overview.placement_note", lang))
    downloads.offer_chart(
        _placement_chart(shown_people, lang), file_name("share_placed", lang), stamp, lang, "placement_chart"
    )
    downloads.offer_table(
        _people_table(shown_people, lang),
        file_name("people", lang),
        stamp,
        lang,
        "people_table",
        figures.people_figures(shown_people, lang),
    )
    reasons = shown_people.groupby("age_band", sort=False)["suppressed_reason"].agg(
        lambda r: r.dropna().iloc[0] if r.notna().any() else None
    )
    display.caption_hidden(reasons.reset_index(), lang)
    outside = int(
        people.loc[people["age_band"] == "all", "n"].sum() - people.loc[people["age_band"] != "all", "n"].sum()
    )
    if outside >= threshold:  # fewer would be a small cell
        st.caption(t("overview.outside_bands", lang, n=outside))
    display.caption_rule(threshold, lang)

    with st.expander(t("definitions.title", lang)):
        st.markdown(t("definitions.body", lang))


display.run_page(render)
