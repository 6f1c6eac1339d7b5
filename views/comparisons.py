"""Comparisons page: per-timepoint comparisons with a chosen method, forest plot, Table 1, flow, reproduce."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.outcomes.baseline import ARMS, count_flow, count_joint, summarize_baseline
from analysis.outcomes.comparisons import METHOD_NAMES, fit_repeated_over_months, run_comparison
from analysis.outcomes.person_values import AS_ZERO, EXCLUDE, HANDLING, load_all_months, load_month_values
from analysis.present import figures
from analysis.present.disclosure import (
    show_comparison,
    show_flow,
    show_repeated,
    show_table1,
    show_timepoints,
)
from analysis.present.exports import (
    COUNT,
    Figure,
    table_to_csv,
)
from analysis.present.glossary import explain_method
from analysis.present.reproduce import reproduce_snippet
from analysis.present.texts import file_name, format_number, format_p, format_share, t
from analysis.settings import get_setting
from analysis.stats.methods import BOOTSTRAP_SMALL_PEOPLE, METHODS
from views import calls, display, downloads, roles, state
from views.groups_section import show_weighted_groups
from views.person_section import primary_window, show_person_outcomes

DEFAULT_TIMEPOINTS = (3, 6, 12, 24)


def _name(method: str, lang: str) -> str:
    """Return a method's name in the language."""
    sv, en = METHOD_NAMES[method]
    return en if lang == "en" else sv


def _methods_help(lang: str) -> str:
    """Return the tooltip beside the method choice: every method's name and one line from the glossary."""
    lines = [f"- **{t(f'cmp.short.{m}', lang)}**: {explain_method(m, lang)}" for m in METHODS]
    return t("cmp.method_help", lang) + "\n" + "\n".join(lines)


def _results_table(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Build the displayed results table."""
    return pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in groups["age_band"]],
            t("col.n_intervention", lang): [display.format_count(v, lang) for v in groups["n_intervention"]],
            t("col.n_control", lang): [display.format_count(v, lang) for v in groups["n_control"]],
            t("col.mean_intervention", lang).split(" (")[0]: [
                format_number(v, lang) for v in groups["mean_intervention"]
            ],
            t("col.mean_control", lang).split(" (")[0]: [format_number(v, lang) for v in groups["mean_control"]],
            t("col.difference", lang): [
                display.format_ci(d, lo, hi, lang)
                for d, lo, hi in zip(groups["difference"], groups["ci_low"], groups["ci_high"])
            ],
            t("col.p_value", lang): [format_p(p, lang) for p in groups["p_value"]],
            t("col.p_holm", lang): [format_p(p, lang) for p in groups["p_value_holm"]],
            t("col.superiority", lang): [
                display.format_ci(v * 100, lo * 100, hi * 100, lang, decimals=0)
                for v, lo, hi in zip(
                    groups["prob_superiority"], groups["prob_superiority_ci_low"], groups["prob_superiority_ci_high"]
                )
            ],
            t("col.p_bm", lang): [format_p(p, lang) for p in groups["brunner_munzel_p"]],
        }
    )


def _forest(groups: pd.DataFrame, interaction_p: float, lang: str) -> go.Figure:
    """Forest plot: each band and everyone with n, the difference and 95% CI drawn and written, sides, interaction p."""
    rows = groups.iloc[::-1]
    names = [
        f"{display.band_name(r['age_band'], lang)} (n = {display.format_count(r['n_intervention'], lang)} / "
        f"{display.format_count(r['n_control'], lang)})"
        for _, r in rows.iterrows()
    ]
    diff = rows["difference"].to_numpy()
    fig = go.Figure(
        go.Scatter(
            x=diff,
            y=names,
            mode="markers",
            marker={"symbol": "diamond", "size": 12, "color": display.ARM_COLOURS["intervention"]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["ci_high"].to_numpy() - diff,
                "arrayminus": diff - rows["ci_low"].to_numpy(),
            },
            showlegend=False,
        )
    )
    for name, (_, r) in zip(names, rows.iterrows(), strict=True):  # the estimate and interval, written out
        fig.add_annotation(
            text=display.format_ci(r["difference"], r["ci_low"], r["ci_high"], lang),
            xref="paper", x=1.01, xanchor="left", y=name, yref="y", showarrow=False,
        )  # fmt: skip
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    for text, anchor in ((t("cmp.favours_fewer", lang), "right"), (t("cmp.favours_more", lang), "left")):
        fig.add_annotation(
            text=text, x=0, xref="x", xanchor=anchor, xshift=-6 if anchor == "right" else 6, y=1.0, yref="paper",
            yanchor="bottom", showarrow=False, font={"size": 12},
        )  # fmt: skip
    label = "Interaktion arm × åldersgrupp" if lang == "sv" else "Arm × band interaction"
    fig.add_annotation(
        text=f"{label}: p {format_p(interaction_p, lang, relation=True)}",
        xref="paper",
        yref="paper",
        x=1,
        y=1.3,
        showarrow=False,
    )
    fig.update_layout(
        xaxis_title=t("col.difference", lang), height=340, margin={"r": 190, "t": 90}, yaxis={"automargin": True}
    )
    return fig


def _flow_diagram(flow: pd.DataFrame, month: int, lang: str) -> go.Figure:
    """Draw the CONSORT flow at ``month``: randomized per arm, who left home and why, who is still at home."""
    at = flow[flow["month"] == month].set_index("arm")
    fig = go.Figure()
    total = at["randomized"].sum() if at["randomized"].notna().all() else float("nan")
    # (x, y, half-height, text): the randomized, then per arm its arm, its exits and those still at home
    boxes = [(0.5, 0.92, 0.06, f"<b>{t('col.randomized', lang)}</b><br>n = {display.format_count(total, lang)}")]
    for x, arm in ((0.25, "intervention"), (0.75, "control")):
        row = at.loc[arm]
        exits = "<br>".join(
            f"{t(f'col.{column}', lang)}: {display.format_count(row[key], lang)}"
            for column, key in (("n_placed", "placed"), ("n_died", "died"), ("left", "left_followup"))
        )
        boxes += [
            (x, 0.72, 0.06, f"<b>{t(f'arm.{arm}', lang)}</b><br>n = {display.format_count(row['randomized'], lang)}"),
            (x, 0.43, 0.14, f"{t('cmp.flow_left', lang, month=month)}<br>{exits}"),
            (x, 0.12, 0.06, f"<b>{t('cmp.flow_home', lang, month=month)}</b><br>"
                            f"n = {display.format_count(row['at_home'], lang)}"),
        ]  # fmt: skip
    for x, y, half, text in boxes:
        fig.add_shape(type="rect", x0=x - 0.21, x1=x + 0.21, y0=y - half, y1=y + half,
                      line={"color": "#374151"}, fillcolor="#f3f4f6")  # fmt: skip
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font={"size": 13, "color": "#111827"})
    for x in (0.25, 0.75):  # arrows down each arm
        for top, bottom in ((0.86, 0.78), (0.66, 0.57), (0.29, 0.18)):
            fig.add_annotation(x=x, y=bottom, ax=x, ay=top, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, text="")  # fmt: skip
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    fig.update_layout(height=460, margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="white")
    return fig


def _variable_name(variable: str, lang: str) -> str:
    """Return a Table 1 variable's name for people."""
    names = {
        "n": "n",
        "age": t("table1.age", lang),
        "baseline_hours": t("table1.baseline_hours", lang),
        "age_band": t("col.age_band", lang),
        "sex": t("sidebar.sex", lang),
        "application_type": t("sidebar.application_type", lang),
        "district": t("sidebar.district", lang),
    }
    return names.get(variable, variable)


def _level_name(variable: str, level: str, lang: str) -> str:
    """Return a Table 1 level's name for people (codes translated, districts as they are)."""
    if variable == "age_band":
        return display.band_name(level, lang)
    if variable in ("sex", "application_type"):
        return t(f"{variable}.{level}", lang)
    return level


def _table1(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Format Table 1 for reading."""
    out = []
    first_rows = table["variable"].ne(table["variable"].shift())  # missing counts sit on a variable's first row
    for index, r in table.iterrows():
        cells = {}
        for arm in ARMS:
            v, v2, v3 = r[f"value_{arm}"], r[f"value2_{arm}"], r[f"value3_{arm}"]
            if r["statistic"] == "n":
                cells[arm] = format_number(v, lang, 0)
            elif r["statistic"] == "mean (SD)":
                cells[arm] = f"{format_number(v, lang)} ({format_number(v2, lang)})"
            elif r["statistic"] == "median [IQR]":
                cells[arm] = f"{format_number(v, lang)} [{format_number(v2, lang)}–{format_number(v3, lang)}]"
            else:
                cells[arm] = f"{format_number(v, lang, 0)} ({format_share(v2 / 100, lang, 1)})"
        missing = (
            " / ".join(display.format_count(r[f"missing_{arm}"], lang) for arm in ("intervention", "control"))
            if first_rows[index] and r["statistic"] != "n"
            else ""
        )
        out.append(
            {
                t("col.variable", lang): _variable_name(r["variable"], lang),
                t("col.level", lang): _level_name(r["variable"], r["level"], lang),
                t("col.statistic", lang): t(f"table1.stat.{r['statistic']}", lang),
                t("arm.intervention", lang): cells["intervention"],
                t("arm.control", lang): cells["control"],
                t("col.smd", lang): "" if pd.isna(r["smd"]) else format_number(r["smd"], lang, 3),
                t("col.missing", lang): missing,
            }
        )
    return pd.DataFrame(out)


def render(lang: str) -> None:
    """Render the comparisons page."""
    store, info, chosen = state.open_page(lang)
    top = info["max_month"] or 0
    month = state.url_widget(
        st.sidebar.number_input,
        "cmp_month",
        min(int(get_setting("default_month")), top),
        t("cmp.month", lang),
        0,
        top,
        options=range(top + 1),
        cast=int,
        help=t("help.cmp_month", lang),
    )
    method = state.url_widget(
        st.sidebar.selectbox,
        "method",
        "welch",
        t("cmp.method", lang),
        METHODS,
        options=METHODS,
        format_func=lambda m: _name(m, lang),
        help=_methods_help(lang),
    )
    handling = state.url_widget(
        st.sidebar.radio,
        "handling",
        HANDLING[0],
        t("cmp.handling", lang),
        HANDLING,
        options=HANDLING,
        format_func=lambda h: t(f"cmp.handling.{h}", lang),
        help=t("help.handling", lang),
    )
    threshold = roles.suppression_threshold()
    month = int(month)
    selection = chosen.at(month)
    risks_for = calls.risks_for(store, threshold)

    st.title(t("cmp.title", lang))
    display.show_study_banner(info, lang)
    if display.stop_for_design(info, "comparisons", lang):
        return
    display.show_selection(chosen, lang)
    display.show_completeness(info, lang)
    show_person_outcomes(store, selection.at(primary_window(store, info)), threshold, lang, "person_table")
    with st.spinner(t("cmp.working", lang)):
        result = calls.cached(run_comparison, store, selection, method, handling)
    groups = show_comparison(result.groups, selection, threshold, risks_for)
    st.header(t("cmp.results", lang, month=month))
    st.caption(t("cmp.prespecified", lang))  # what the plan fixed, and what is exploratory
    used = t("cmp.method_used", lang, method=_name(method, lang), handling=t(f"cmp.handling.{handling}", lang))
    st.caption(used + " " + t(f"measure.{selection.measure}", lang))
    everyone = result.groups[result.groups["age_band"] == "all"]
    people = float(everyone[["n_intervention", "n_control"]].sum(axis=1).iloc[0]) if len(everyone) else 0.0
    if method == "bootstrap" and people < BOOTSTRAP_SMALL_PEOPLE:  # measured under-coverage (stats.methods)
        st.warning(t("cmp.bootstrap_small", lang, n=format_number(BOOTSTRAP_SMALL_PEOPLE, lang, 0)))
    methods = f"{_name(method, lang)}; {t(f'cmp.handling.{handling}', lang)}; {t('col.month', lang).lower()} {month}"
    stamp = downloads.page_stamp(store, selection, methods, threshold, lang)
    downloads.offer_table(
        _results_table(groups, lang), file_name("comparison", lang, method=method, month=month), stamp, lang, "results",
        figures.results_figures(groups, lang), reflow=True,
    )  # fmt: skip
    st.caption(t("cmp.multiplicity.bands", lang, k=int((groups["age_band"] != "all").sum())))
    display.caption_hidden(groups, lang)
    if info["design"] == "comparison_group":
        show_weighted_groups(store, selection, handling, stamp, threshold, lang)

    st.subheader(t("cmp.forest", lang))
    forest = _forest(groups, result.interaction["p_value"], lang)
    downloads.offer_chart(forest, file_name("forest", lang, method=method), stamp, lang, "forest")
    st.warning(t("cmp.subgroup_warning", lang, p=format_p(result.interaction["p_value"], lang, relation=True)))

    st.subheader(t("cmp.sensitivity", lang))
    other = AS_ZERO if handling == EXCLUDE else EXCLUDE
    with st.spinner(t("cmp.working", lang)):
        alternative_result = calls.cached(run_comparison, store, selection, method, other)
    alternative = show_comparison(alternative_result.groups, selection, threshold, risks_for)
    downloads.offer_table(
        pd.DataFrame(
            {
                t("col.age_band", lang): [display.band_name(b, lang) for b in groups["age_band"]],
                t(f"cmp.handling.{handling}", lang): [
                    display.format_ci(d, lo, hi, lang)
                    for d, lo, hi in zip(groups["difference"], groups["ci_low"], groups["ci_high"])
                ],
                t(f"cmp.handling.{other}", lang): [
                    display.format_ci(d, lo, hi, lang)
                    for d, lo, hi in zip(alternative["difference"], alternative["ci_low"], alternative["ci_high"])
                ],
            }
        ),
        file_name("sensitivity", lang, method=method, month=month),
        stamp,
        lang,
        "sensitivity",
        figures.differences_figures(
            figures.band_figures(groups, lang)[0],
            [(t(f"cmp.handling.{handling}", lang), groups), (t(f"cmp.handling.{other}", lang), alternative)],
            lang,
            p=False,
        ),
    )

    if method != "mixed":
        st.subheader(t("cmp.timepoints", lang))
        st.caption(t("cmp.timepoints_note", lang) + " " + _name(method, lang) + ".")
        st.caption(t("cmp.multiplicity.times", lang, k=len([m for m in DEFAULT_TIMEPOINTS if m <= top])))
    points = [m for m in DEFAULT_TIMEPOINTS if m <= top]
    overall = []
    for m in points if method != "mixed" else []:  # the mixed model reports every timepoint below
        row = calls.cached(run_comparison, store, chosen.at(m), method, handling).groups
        overall.append(show_comparison(row, chosen.at(m), threshold, risks_for).iloc[-1])
    if overall:
        frame = show_timepoints(overall, points)
        downloads.offer_table(
            pd.DataFrame(
                {
                    t("col.timepoint", lang): points,
                    t("col.difference", lang): [
                        display.format_ci(d, lo, hi, lang)
                        for d, lo, hi in zip(frame["difference"], frame["ci_low"], frame["ci_high"])
                    ],
                    t("col.p_value", lang): [format_p(p, lang) for p in frame["p_value"]],
                    t("col.p_holm", lang): [format_p(p, lang) for p in frame["p_holm_time"]],
                }
            ),
            file_name("timepoints", lang, method=method),
            stamp,
            lang,
            "timepoints",
            figures.differences_figures(
                Figure(t("col.timepoint", lang), points, COUNT),
                [(figures.column_name("col.difference", lang), frame)],
                lang,
                p=True,
            ),
        )

    if method == "mixed":
        st.subheader(t("cmp.mixed", lang))
        st.caption(t("cmp.mixed_note", lang))
        with st.spinner(t("cmp.working", lang)):
            model = calls.cached(fit_repeated_over_months, store, chosen.at(top), handling, tuple(points))
        mixed = show_repeated(model, groups[groups["age_band"] == "all"].iloc[0])  # hidden with everyone's row
        downloads.offer_table(
            pd.DataFrame(
                {
                    t("col.timepoint", lang): mixed["month"].replace(
                        {"average": "genomsnitt" if lang == "sv" else "average"}
                    ),
                    t("col.difference", lang): [
                        display.format_ci(d, lo, hi, lang)
                        for d, lo, hi in zip(mixed["difference"], mixed["ci_low"], mixed["ci_high"])
                    ],
                    t("col.p_value", lang): [format_p(p, lang) for p in mixed["p_value"]],
                }
            ),
            file_name("mixed_model", lang),
            stamp,
            lang,
            "mixed",
            figures.differences_figures(
                Figure(t("col.timepoint", lang), [str(m) for m in mixed["month"]]),
                [(figures.column_name("col.difference", lang), mixed)],
                lang,
                p=True,
            ),
        )
        display.caption_hidden(mixed, lang)

    st.header(t("cmp.table1", lang))
    st.caption(t("cmp.table1_note", lang))
    table1 = calls.cached(summarize_baseline, store, chosen)
    joint = calls.cached(count_joint, store, chosen)  # for the audit across Table 1's variables
    shown = _table1(show_table1(table1, chosen, threshold, risks_for, joint), lang)
    downloads.offer_table(shown, file_name("table1", lang), stamp, lang, "table1")
    display.caption_rule(threshold, lang)

    st.header(t("cmp.flow", lang))
    st.caption(t("flow.definition", lang))
    flow = calls.cached(count_flow, store, chosen, tuple(sorted({*points, month})))
    flow = show_flow(flow, chosen, threshold, risks_for)
    flow_table = pd.DataFrame(
        {
            t("col.arm", lang): [t(f"arm.{a}", lang) for a in flow["arm"]],
            t("col.timepoint", lang): flow["month"],
            t(("col.randomized", "col.included")[info["design"] == "comparison_group"], lang): [
                display.format_count(v, lang) for v in flow["randomized"]
            ],
            t("col.at_home", lang): [display.format_count(v, lang) for v in flow["at_home"]],
            t("col.n_placed", lang): [display.format_count(v, lang) for v in flow["placed"]],
            t("col.n_died", lang): [display.format_count(v, lang) for v in flow["died"]],
            t("col.left", lang): [display.format_count(v, lang) for v in flow["left_followup"]],
        }
    )
    diagram = _flow_diagram(flow, month, lang)
    downloads.offer_chart(diagram, file_name("flow_diagram", lang), stamp, lang, "flow_diagram", values=flow_table)
    downloads.offer_table(
        flow_table,
        file_name("flow", lang),
        stamp,
        lang,
        "flow",
    )
    display.caption_rule(threshold, lang)

    if not roles.page_access().is_analyst:  # values per person are for analysts only
        return
    with st.expander(t("cmp.reproduce", lang)):
        st.caption(t("cmp.reproduce_note", lang))
        if method == "mixed":
            values = calls.cached(load_all_months, store, selection, handling)
        else:
            values = calls.cached(load_month_values, store, selection, handling)
            values = values.drop(columns=["district"])
        name = file_name("values", lang, month=month, method=method, handling=handling) + ".csv"
        st.download_button(  # stamped like every export ('#' lines the snippet skips), built on click
            t("cmp.download_values", lang),
            downloads.deferred(lambda: table_to_csv(values, stamp, lang)),
            name,
            "text/csv",
            on_click="ignore",
            icon=":material/download:",
        )
        st.code(reproduce_snippet(method, name, month), language="python")


display.run_page(render)
