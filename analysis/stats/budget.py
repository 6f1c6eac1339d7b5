"""A memory budget per computation: what an estimator will hold at its peak, checked before it starts.

The estimates are upper bounds measured at 100,000 people (tests/test_budget.py runs every method of
the Comparisons page and the per-person outcomes in a fresh process and checks that the peak stays
below the estimate and below the default budget). A computation whose estimate exceeds the setting
``memory_budget_mb`` is refused with a message before it allocates anything, so one click cannot take
the server (and every other user's session) down.
"""

from __future__ import annotations

from analysis.errors import InputError
from analysis.settings import get_setting
from analysis.stats.repeated import GEE_MAX_ROWS

MB = 1024 * 1024
# Bytes held per unit (a person, or a person-month for the repeated model) at the peak, over what the
# process held before; measured and rounded up with a margin (see the module's docstring).
BYTES_PER_UNIT = {
    "welch": 3_000,
    "bootstrap": 3_000,  # above stats.methods.BOOTSTRAP_BCA_MAX; the BCa interval below adds QUADRATIC
    "ancova": 4_000,
    "anhecova": 3_000,
    "standardized": 6_000,
    "two-part": 3_000,
    "mixed": 3_000,  # per person-month, statsmodels' GEE (up to repeated.GEE_MAX_ROWS person-months)
    "mixed_large": 1_400,  # per person-month, the sparse least-squares fit above GEE_MAX_ROWS
    "person_outcomes": 6_000,  # the bootstrap of people up to BOOTSTRAP_MAX_PEOPLE per group, normal above
}
FIXED_BYTES = 64 * MB  # libraries' working buffers whatever the size
BCA_BYTES_PER_PAIR = 24  # scipy's BCa jackknife holds about three n × n float arrays
RESAMPLE_BYTES_PER_PERSON = 6 * 8 * 250  # 250 resamples at a time (per_person._CHUNK), a few arrays each


def estimate_bytes(computation: str, units: int, bca_people: int = 0, resampled_people: int = 0) -> int:
    """Return the memory a computation will hold at its peak, in bytes (an upper bound).

    Parameters
    ----------
    computation : str
        A key of BYTES_PER_UNIT.
    units : int
        People (person-months for 'mixed') in the computation.
    bca_people : int
        People in the largest group whose bootstrap uses the BCa interval (its jackknife is n × n).
    resampled_people : int
        People in the largest group resampled as a whole (2,000 copies at once).

    Returns
    -------
    int

    """
    if computation == "mixed" and units > GEE_MAX_ROWS:
        computation = "mixed_large"
    linear = BYTES_PER_UNIT[computation] * units
    return FIXED_BYTES + linear + BCA_BYTES_PER_PAIR * bca_people**2 + RESAMPLE_BYTES_PER_PERSON * resampled_people


def check_memory(computation: str, units: int, **sizes: int) -> int:
    """Refuse a computation whose estimated peak exceeds the budget (setting memory_budget_mb); return the estimate.

    Parameters
    ----------
    computation, units, **sizes
        As for estimate_bytes.

    Returns
    -------
    int
        The estimate in bytes, when within the budget.

    Raises
    ------
    InputError
        Naming the estimate, the budget and what to do.

    """
    needed = estimate_bytes(computation, units, **sizes)
    budget_mb = int(get_setting("memory_budget_mb"))
    if needed > budget_mb * MB:
        need_mb = -(-needed // MB)
        sv = {
            key: f"{value:,}".replace(",", "\u00a0")
            for key, value in (("n", units), ("need", need_mb), ("mb", budget_mb))
        }
        raise InputError(
            f"Beräkningen ({computation}, {sv['n']} enheter) skulle behöva omkring {sv['need']} MB minne; gränsen "
            f"per beräkning är {sv['mb']} MB (inställningen memory_budget_mb). Välj ett snävare urval "
            "(t.ex. ett distrikt eller en åldersgrupp) eller en annan metod.",
            f"The computation ({computation}, {units:,} units) would need about {need_mb:,} MB of memory; the "
            f"budget per computation is {budget_mb:,} MB (setting memory_budget_mb). Choose a narrower "
            "selection (e.g. one district or age band) or another method.",
        )
    return needed
