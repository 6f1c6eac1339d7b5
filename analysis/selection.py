"""What a figure is about: the study, subgroup filters, age bands and follow-up month, as one value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from analysis.errors import InputError
from analysis.settings import get_setting

ALL = "all"
SEXES = ("F", "M")
APPLICATION_TYPES = ("new", "extended")
COVARIATES = ("baseline_hours", "age", "sex", "application_type")  # baseline variables an analysis may adjust for
FILTER_FIELDS = ("sex", "application_type", "district")  # the fields a view can filter on
OTHER_DISTRICTS = "Övriga distrikt"  # small districts shown together (setting merge_districts_below)
HOURS_MEASURES = ("granted", "performed", "unknown")  # which home-care hours (studies.hours_measure)
# How a study's groups came about (issue 33): chosen at import, shown on every page, slide and stamp.
DESIGNS = ("randomized", "comparison_group", "rollout", "single_group")
DESIGN_WORDS = {  # each design in running text (Swedish, English)
    "randomized": ("randomiserad studie (lottning)", "randomized trial"),
    "comparison_group": (
        "jämförelse med en kontrollgrupp, inte lottad",
        "comparison with a control group, not randomized",
    ),
    "rollout": ("införande i steg, område för område", "staged roll-out, area by area"),
    "single_group": ("uppföljning av en grupp, utan jämförelse", "follow-up of a single group, without comparison"),
}
MEASURE_WORDS = {  # each measure in running text (Swedish, English), for messages
    "granted": ("beviljad tid", "granted time"),
    "performed": ("utförd tid", "performed time"),
    "unknown": ("timmar av okänt slag", "hours of unknown kind"),
}


@dataclass(frozen=True)
class Filters:
    """Subgroup filters; an empty tuple means everyone."""

    sex: tuple[str, ...] = ()
    application_type: tuple[str, ...] = ()
    district: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Reject values outside the known codes, naming the field and what is expected."""
        for name, allowed in (("sex", SEXES), ("application_type", APPLICATION_TYPES)):
            for value in getattr(self, name):
                if value not in allowed:
                    raise InputError(
                        f"Filtret {name} har värdet {value!r}; förväntat ett av {', '.join(allowed)}.",
                        f"Filter {name} has the value {value!r}; expected one of {', '.join(allowed)}.",
                    )
            if set(getattr(self, name)) == set(allowed):  # every value chosen is no filter: the same people
                object.__setattr__(self, name, ())

    def covering(self, districts: Sequence[str]) -> Filters:
        """Return these filters with a district choice dropped when it holds every one of ``districts``.

        Choosing every district (the list's "select all") selects the same people as no filter, so it
        must give the same figures; the study's districts are known only from the store.
        """
        if self.district and set(districts) <= set(self.district):
            return replace(self, district=())
        return self

    def fields(self) -> tuple[str, ...]:
        """Return the fields this view filters on (those with a selection)."""
        return tuple(f for f in FILTER_FIELDS if getattr(self, f))


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


def edges_of(bands: Sequence[AgeBand]) -> tuple[int, ...]:
    """Return the edges of contiguous bands, the inverse of parse_band_edges (65-75, 76-85 -> 65, 76, 86)."""
    return (bands[0].low, *(b.high + 1 for b in bands))


def default_bands() -> tuple[AgeBand, ...]:
    """Return the bands from the age_band_edges setting (default 65-75, 76-85, 86-95)."""
    return parse_band_edges(str(get_setting("age_band_edges")))


def label_age(age: int, bands: Sequence[AgeBand]) -> str | None:
    """Return the label of the band holding age, or None when it falls outside every band."""
    for band in bands:
        if band.low <= age <= band.high:
            return band.label
    return None


@dataclass(frozen=True)
class Selection:
    """The people and time a result is about: study, filters, age bands, follow-up month and hours measure.

    Frozen and hashable, so a page's cache keys on it; every outcome function takes one.
    ``month`` is follow-up month k for hours, the window of K months for placement, and the last
    month for repeated measures; functions that need no month ignore it. ``measure`` is which hours
    (granted or performed) when the study holds both; None: the study's own choice (``hours_measure``).
    """

    study: str
    filters: Filters = Filters()
    bands: tuple[AgeBand, ...] = field(default_factory=lambda: default_bands())
    month: int | None = None
    merged: tuple[str, ...] = ()  # districts shown together as OTHER_DISTRICTS
    measure: str | None = None  # hours measure; None: the study's (studies.hours_measure)

    def __post_init__(self) -> None:
        """Store the bands and merged districts as tuples (hashable); reject a negative month or unknown measure."""
        object.__setattr__(self, "bands", tuple(self.bands))
        object.__setattr__(self, "merged", tuple(self.merged))
        if self.measure is not None and self.measure not in HOURS_MEASURES:
            raise InputError(
                f"Timmåttet {self.measure!r} finns inte; förväntat ett av {', '.join(HOURS_MEASURES)}.",
                f"The hours measure {self.measure!r} does not exist; expected one of {', '.join(HOURS_MEASURES)}.",
            )
        if self.month is not None and int(self.month) < 0:
            raise InputError(
                f"Uppföljningsmånaden måste vara 0 eller mer; fick {self.month}.",
                f"The follow-up month must be 0 or more; got {self.month}.",
            )

    def required_month(self) -> int:
        """Return the month, raising InputError when the selection has none."""
        if self.month is None:
            raise InputError(
                "Välj en uppföljningsmånad för den här beräkningen.", "Choose a follow-up month for this computation."
            )
        return int(self.month)

    def at(self, month: int | None) -> Selection:
        """Return the same selection at another month."""
        return replace(self, month=month)

    def with_filters(self, filters: Filters) -> Selection:
        """Return the same selection with other filters."""
        return replace(self, filters=filters)
