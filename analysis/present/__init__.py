"""Presentation: texts in Swedish and English, roles, disclosure control, stamps, exports, briefings, snippets.

May import: the base modules, analysis.store, analysis.stats, analysis.outcomes, analysis.economics.
"""
