"""Age bands: parsing band edges and labelling ages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from analysis.errors import InputError
from analysis.settings import get_setting

ALL = "all"


@dataclass(frozen=True)
class AgeBand:
    """An inclusive range of whole years of age at randomization."""

    low: int
    high: int

    @property
    def label(self) -> str:
        """Return the label used in tables, JSON and the CLI, e.g. '65-75'."""
        return f"{self.low}-{self.high}"


def parse_band_edges(edges: str | Sequence[int]) -> tuple[AgeBand, ...]:
    """Turn ascending edges such as "65,76,86,96" into bands 65-75, 76-85, 86-95.

    Parameters
    ----------
    edges : str or sequence of int
        At least two ascending whole numbers; each band runs from one edge to the next minus one.

    Returns
    -------
    tuple of AgeBand

    """
    if isinstance(edges, str):
        parts = [p.strip() for p in edges.split(",") if p.strip()]
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise InputError(
                f"Åldersgränserna {edges!r} går inte att läsa; ange heltal som '65,76,86,96'.",
                f"Age band edges {edges!r} cannot be read; give whole numbers such as '65,76,86,96'.",
            ) from None
    else:
        values = [int(v) for v in edges]
    if len(values) < 2 or any(b <= a for a, b in pairwise(values)):
        raise InputError(
            f"Åldersgränserna {values} måste vara minst två stigande heltal, t.ex. 65,76,86,96.",
            f"Age band edges {values} must be at least two ascending whole numbers, e.g. 65,76,86,96.",
        )
    return tuple(AgeBand(a, b - 1) for a, b in pairwise(values))


def default_bands() -> tuple[AgeBand, ...]:
    """Return the bands from the age_band_edges setting (default 65-75, 76-85, 86-95)."""
    return parse_band_edges(str(get_setting("age_band_edges")))


def label_age(age: int, bands: Sequence[AgeBand]) -> str | None:
    """Return the label of the band holding age, or None when it falls outside every band."""
    for band in bands:
        if band.low <= age <= band.high:
            return band.label
    return None
