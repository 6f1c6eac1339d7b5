"""Analysis library of the trial dashboard, one sub-package per stage of the pipeline (no Streamlit).

Stages, lowest first; a module imports only the base modules, its own stage and the stages that
``MAY_IMPORT`` lists for it (always earlier ones):

- base (``errors``, ``settings``, ``selection``, ``records``, ``instruments``): messages, settings, the
  Selection value, the catalogue of outcome instruments;
- ``store``: the one module that opens DuckDB, the cell tables and the studies in a store;
- ``stats``: estimators on plain arrays and frames (descriptive, hours methods, survival);
- ``intake``: reading, checking and pseudonymising a municipality's files into the store;
- ``outcomes``: what a page asks of a selection (hours, placement, per-person values, baseline);
- ``economics``: cost scenarios, projections and their uncertainty;
- ``present``: words, disclosure control, stamps, exports, briefings and reproduce snippets.

``cli``, ``demo`` and ``demo_rollout`` sit on top and may import any stage. ``tests/test_layers.py`` enforces the order.
"""

BASE = ("errors", "settings", "selection", "records", "instruments")
STAGES = ("store", "stats", "intake", "outcomes", "economics", "present")
MAY_IMPORT = {
    "store": (),
    "stats": (),
    "intake": ("store",),
    "outcomes": ("store", "stats"),
    "economics": ("store", "stats", "outcomes"),
    "present": ("store", "stats", "outcomes", "economics"),
}
TOP = ("cli", "demo", "demo_rollout", "__main__")
