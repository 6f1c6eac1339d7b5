"""A comparison group's weighted comparison, shown on the Overview and Comparisons pages (issue 33)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.outcomes.comparisons import run_comparison
from analysis.outcomes.groups import compare_weighted_groups
from analysis.present.disclosure import show_comparison, show_weighted
from analysis.present.texts import file_name, format_number, t
from views import calls, display, downloads


def show_weighted_groups(store, selection, handling: str, stamp, threshold: int, lang: str) -> None:
    """Show a comparison group's weighted difference beside the crude one (Welch), the balance and the E-values."""
    crude = calls.cached(run_comparison, store, selection, "welch", handling).groups  # the month's plain difference
    shown = show_comparison(crude, selection, threshold, calls.risks_for(store, threshold))
    found = calls.cached(compare_weighted_groups, store, selection, handling)
    weighted = show_weighted(found, shown, threshold)
    st.subheader(t("groups.title", lang))
    st.warning(t("groups.caveat", lang))
    if found["cannot_estimate"]:  # e.g. one group has nobody in this selection: the rest of the page stays
        st.info(found["cannot_estimate"][lang == "en"])
    rows = weighted["groups"]
    table = pd.DataFrame(
        {
            t("col.age_band", lang): [display.band_name(b, lang) for b in rows["age_band"]],
            t("groups.col.crude", lang): [display.format_ci(d, lo, hi, lang) for d, lo, hi in
                                          zip(shown["difference"], shown["ci_low"], shown["ci_high"])],
            t("groups.col.weighted", lang): [display.format_ci(d, lo, hi, lang) for d, lo, hi in
                                             zip(rows["weighted_difference"], rows["weighted_ci_low"],
                                                 rows["weighted_ci_high"])],
            t("groups.col.e_value", lang): [f"{format_number(e, lang, 2)} ({format_number(c, lang, 2)})"
                                            if e == e else display.SUPPRESSED
                                            for e, c in zip(rows["e_value"], rows["e_value_ci"])],
        }
    )  # fmt: skip
    downloads.offer_table(table, file_name("weighted", lang, month=selection.month), stamp, lang, "weighted")
    st.caption(t("groups.method", lang))
    st.subheader(t("groups.balance", lang))
    if weighted["balance"].empty:
        st.caption(t("groups.balance_hidden", lang))
        return
    balance = weighted["balance"]
    downloads.offer_table(
        pd.DataFrame(
            {
                t("groups.col.covariate", lang): [t(f"groups.covariate.{c}", lang) for c in balance["covariate"]],
                t("groups.col.smd_before", lang): [format_number(v, lang, 3) for v in balance["smd_before"]],
                t("groups.col.smd_after", lang): [format_number(v, lang, 3) for v in balance["smd_after"]],
            }
        ),
        file_name("balance", lang),
        stamp,
        lang,
        "balance",
    )
    st.caption(t("groups.balance_note", lang))
