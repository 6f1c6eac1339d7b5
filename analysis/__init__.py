"""Analysis library of the trial dashboard: store, demo trial, summaries and comparisons (no Streamlit)."""
