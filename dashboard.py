"""Streamlit entry point: page setup, language switch and navigation."""

import streamlit as st

from analysis.errors import mask_logs
from analysis.present.texts import t
from views.roles import current_access
from views.state import current_language

st.set_page_config(page_title="IHR", layout="wide")
mask_logs("streamlit")  # no log line carries a personnummer (a traceback quoting a value included)
lang = current_language()
access = current_access(lang)  # the login page, when a provider is configured and nobody is logged in
pages = [
    st.Page("views/overview.py", title=t("nav.overview", lang), default=True),  # served at /
    st.Page("views/presentation.py", title=t("nav.presentation", lang), url_path="presentation"),
    st.Page("views/comparisons.py", title=t("nav.comparisons", lang), url_path="jamforelser"),
    st.Page("views/placement.py", title=t("nav.placement", lang), url_path="sarskilt-boende"),
    st.Page("views/costs.py", title=t("nav.costs", lang), url_path="kostnader"),
]
if access.is_analyst:  # import and the data review are the analyst's
    pages.append(st.Page("views/data.py", title=t("nav.data", lang), url_path="data"))
st.navigation(pages).run()
