"""Outcomes of a Selection, as the pages and the command line ask: hours, placement, per-person values, baseline.

May import: the base modules, analysis.store, analysis.stats.
"""
