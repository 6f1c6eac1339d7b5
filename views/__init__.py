"""The dashboard's pages (render only: widgets, analysis calls, charts and tables).

Not named pages/: Streamlit treats a pages/ folder beside the entry script as an old-style multipage app and
routes /data, /costs … straight to those scripts (and shows "Page not found" for the others) before
st.navigation in dashboard.py can take over.
"""
