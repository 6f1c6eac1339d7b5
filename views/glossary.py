"""Glossary (Ordlista): every term the pages use, in plain Swedish first, searchable."""

from __future__ import annotations

import streamlit as st

from analysis.present.glossary import list_terms
from analysis.present.texts import t
from views import display


def render(lang: str) -> None:
    """Render the glossary page."""
    st.title(t("glossary.title", lang))
    st.caption(t("glossary.intro", lang))
    query = st.text_input(
        t("glossary.search", lang), key=f"glossary_search_{lang}", help=t("help.glossary_search", lang)
    )
    sections = list_terms(lang, query)
    if not sections:
        st.info(t("glossary.none", lang))
    for heading, rows in sections:
        st.subheader(heading)
        for term, text in rows:
            st.markdown(f"**{display.plain(term)}**  \n{display.plain(text)}")


display.run_page(render)
