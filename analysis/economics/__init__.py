"""Economics: cost scenarios, projections, effects from a study, probabilistic sensitivity and the tornado.

May import: the base modules, analysis.store, analysis.stats, analysis.outcomes.
"""
