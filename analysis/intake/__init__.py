"""Intake: file formats, reading, validation, personnummer and pseudonyms, import into the store, data quality.

May import: the base modules, analysis.store.
"""
