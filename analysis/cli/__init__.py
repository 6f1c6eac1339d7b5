"""Command line: `python -m analysis <command>`; the same functions as the pages give the same numbers."""

from analysis.cli.economics import (  # noqa: F401
    MEASURE_KEYS,
    QALY_KEYS,
    _run_costs,
    _run_measures,
    _run_power,
    _run_qaly,
    _run_report,
)
from analysis.cli.intake import _dates_of, _print_rejected, _run_demo, _run_import, _run_update  # noqa: F401
from analysis.cli.main import main  # noqa: F401
from analysis.cli.outcomes import (  # noqa: F401
    _open_request,
    _run_compare,
    _run_outcomes,
    _run_placement,
    _run_plan,
    _run_view,
    _viewer,
)
from analysis.cli.parser import COMPLETE_HELP, _add_plan_choices, _add_request, _parser, _plan_dict, _plan_from_args  # noqa: F401
