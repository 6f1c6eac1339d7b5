"""Streamlit entry point: page setup, language switch and navigation."""

import streamlit as st

from analysis.errors import mask_logs
from analysis.present.texts import t
from views.roles import current_access
from views.state import current_language

st.set_page_config(page_title="IHR", layout="wide")  # the title is set per page below
mask_logs("streamlit")  # no log line carries a personnummer (a traceback quoting a value included)
# WCAG 2.1 AA: Streamlit's captions are #828180 on white (3.9:1); ours are #4b5563 (7.6:1), with a visible focus.
# The headline tables (exports.table_to_html) in the theme's colours, light or dark: headers and lines from the text's.
st.html(
    """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #4b5563 !important; opacity: 1 !important; }
a:focus-visible, button:focus-visible, [role="radio"]:focus-visible, [role="tab"]:focus-visible,
[data-testid="stSidebarNavLink"]:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
.ihr-table { width: 100%; border-collapse: collapse; font-size: 0.875rem; line-height: 1.5; }
.ihr-table th, .ihr-table td { padding: 0.25rem 0.375rem; text-align: left; vertical-align: middle; font-weight: 400;
  border: 1px solid color-mix(in srgb, currentColor 14%, transparent); overflow-wrap: break-word; }
.ihr-table th { color: color-mix(in srgb, currentColor 72%, transparent); }
</style>"""
)
lang = current_language()
access = current_access(lang)  # the login page, when a provider is configured and nobody is logged in
pages = [
    st.Page("views/overview.py", title=t("nav.overview", lang), default=True),  # served at /
    st.Page("views/presentation.py", title=t("nav.presentation", lang), url_path="presentation"),
    st.Page("views/comparisons.py", title=t("nav.comparisons", lang), url_path="jamforelser"),
    st.Page("views/placement.py", title=t("nav.placement", lang), url_path="sarskilt-boende"),
    st.Page("views/rollout.py", title=t("nav.rollout", lang), url_path="inforande-i-steg"),
    st.Page("views/single_group.py", title=t("nav.single_group", lang), url_path="uppfoljning-en-grupp"),
    st.Page("views/costs.py", title=t("nav.costs", lang), url_path="kostnader"),
    st.Page("views/measures.py", title=t("nav.measures", lang), url_path="utfallsmatt"),
    st.Page("views/glossary.py", title=t("nav.glossary", lang), url_path="ordlista"),
]
if access.is_analyst:  # import and the data review are the analyst's
    pages.append(st.Page("views/data.py", title=t("nav.data", lang), url_path="data"))
page = st.navigation(pages)
st.set_page_config(page_title=f"{page.title} · IHR")  # each page's own title in the browser tab, in the language
# The document's language for screen readers and hyphenation: Streamlit serves <html lang="en"> whatever is shown.
st.sidebar.iframe(  # in the sidebar: takes no room on the page (presentation mode has none)
    f"<script>window.parent.document.documentElement.lang = {('sv', 'en')[lang == 'en']!r};</script>",
    height=1,
    tab_index=-1,  # no tab stop for an invisible frame
)
page.run()
