"""Statistics on plain arrays and frames: descriptive summaries and tests, hours estimators, survival.

May import: the base modules.
"""
