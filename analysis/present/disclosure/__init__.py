"""Disclosure control: hide or perturb what would disclose few people, as Kolada does with '..'.

By rule family: ``differencing`` (small counts, their complements and the risks of differencing two views),
``rows`` (result rows: dominance, uniform arms, people, outcomes, placement), ``tables`` (Table 1 and
baseline cells, the sex split, the flow) and ``views`` (each page's figures as a viewer sees them). Every
name is importable from here.
"""

from analysis.present.disclosure.designs import show_rollout, show_single_group, show_weighted  # noqa: F401
from analysis.present.disclosure.differencing import (  # noqa: F401  # noqa: F401
    SUPPRESSED,
    _band_risk,
    _close_over_bands,
    _codes,
    _hidden_for_everyone,
    _nested_view_risks,
    _outside_by_group,
    _risk_of,
    complement_by_group,
    count_differencing_cells,
    few,
    few_either_way,
    few_outside,
    find_differencing_risks,
    hide_at_risk,
    hide_complements,
    outside_bands,
    protect_rows_per_arm,
    risks_from_counts,
    suppress_small,
)
from analysis.present.disclosure.rows import (  # noqa: F401
    ARM_STATS,
    DEATH_CONTRASTS,
    DEATH_FIGURES,
    DOMINANCE,
    REASONS,
    _hide_dominated_outcomes,
    _protect_across_bands,
    _reasons,
    _uniform,
    coarsen_curve,
    dominated,
    hide_band_rows,
    hide_outcome_rows,
    hide_people_counts,
    hide_people_rows,
    hide_people_wide,
    hide_placement_rows,
)
from analysis.present.disclosure.tables import (  # noqa: F401
    FLOW_PARTS,
    _audit_table1,
    _hide_small_gap,
    _table1_cells,
    combine_risks,
    hide_baseline_cells,
    hide_flow_cells,
    hide_split_rows,
    place_table1_counts,
    protect_by_audit,
    show_table1,
)
from analysis.present.disclosure.views import (  # noqa: F401
    no_risks,
    show_at_risk,
    show_comparison,
    show_curves,
    show_flow,
    show_looks,
    show_outcomes,
    show_people,
    show_placement,
    show_repeated,
    show_split,
    show_timepoints,
    show_trajectory,
)
