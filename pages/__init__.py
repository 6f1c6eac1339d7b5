"""Streamlit pages of the dashboard (render only: widgets, analysis calls, charts and tables)."""
