"""Where an exported figure comes from: study, filters, methods, data version, app version, date, suppression."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import metadata

from analysis.present.texts import t
from analysis.selection import Filters, Selection

_LABELS = {
    "sv": ("Studie", "Urval", "Metoder", "Dataversion", "Appversion", "Datum", "Små tal"),
    "en": ("Study", "Filters", "Methods", "Data version", "App version", "Date", "Small numbers"),
}


@dataclass(frozen=True)
class Stamp:
    """The provenance every export carries."""

    study: str
    filters: str
    methods: str
    data_version: str
    app_version: str
    date: str
    suppression: str
    primary: str = ""  # the study's primary analysis in words; every other figure is secondary
    design: str = ""  # how the groups came about, in words (issue 33): every export names it

    def lines(self, lang: str) -> list[tuple[str, str]]:
        """Return (label, value) pairs in the language."""
        values = (self.study, self.filters, self.methods, self.data_version, self.app_version, self.date)
        out = [*zip(_LABELS[lang][:6], values, strict=True), (_LABELS[lang][6], self.suppression)]
        if self.primary:
            out.insert(1, ("Primär analys" if lang == "sv" else "Primary analysis", self.primary))
        if self.design:
            out.insert(1, ("Design", self.design))
        return out

    def text(self, lang: str) -> str:
        """Return the stamp as one line."""
        return " · ".join(f"{label}: {value}" for label, value in self.lines(lang))


def app_version() -> str:
    """Return the installed package version."""
    try:
        return metadata.version("ihr-dashboard")
    except metadata.PackageNotFoundError:
        return "dev"


def describe_filters(filters: Filters, lang: str) -> str:
    """Return the filters in words ('inga' / 'none' when everyone is included)."""
    parts = []
    if filters.sex:
        parts.append(t("sidebar.sex", lang) + ": " + ", ".join(t(f"sex.{v}", lang) for v in filters.sex))
    if filters.application_type:
        names = ", ".join(t(f"application_type.{v}", lang) for v in filters.application_type)
        parts.append(t("sidebar.application_type", lang) + ": " + names)
    if filters.district:
        names = ", ".join(v or t("district.unknown", lang) for v in filters.district)
        parts.append(t("sidebar.district", lang) + ": " + names)
    return "; ".join(parts) or t("stamp.no_filters", lang)


def describe_suppression(threshold: int, configured: int, lang: str, filtered: bool = False) -> str:
    """Return the suppression in force in words: the threshold, or a plain warning when it is off.

    ``filtered``: a view with filters, whose counts carry the cell key method's noise (said when in force).
    """
    if threshold < configured:
        return t("stamp.suppression_off", lang)
    words = t("stamp.suppression_on", lang, n=threshold)
    return f"{words}; {t('stamp.perturbed', lang)}" if filtered and threshold > 1 else words


def make_stamp(
    version: str,
    selection: Selection,
    methods: str,
    threshold: int,
    configured: int,
    lang: str,
    primary: str = "",
    design: str = "",
) -> Stamp:
    """Return the stamp of a view.

    Parameters
    ----------
    version : str
        The data version (from analysis.store.studies.fingerprint_study).
    selection : Selection
        The view: its study, filters and known hours measure are named (bands and month are in the figures).
    methods : str
        The methods behind the figures, in words.
    threshold : int
        The suppression threshold in force.
    configured : int
        The configured threshold (setting suppression_threshold).
    lang : {'sv', 'en'}
        Language of the words.
    primary : str
        The study's primary analysis in words (describe_plan), stamped on every export.
    design : str
        The study's design in words (designs.name_design), with its caveat when not randomized.

    Returns
    -------
    Stamp

    """
    return Stamp(
        study=selection.study,
        filters=describe_filters(selection.filters, lang) + _measure_words(selection, lang),
        methods=methods,
        data_version=version,
        app_version=app_version(),
        date=dt.date.today().isoformat(),
        suppression=describe_suppression(threshold, configured, lang, bool(selection.filters.fields())),
        primary=primary,
        design=design,
    )


def _measure_words(selection: Selection, lang: str) -> str:
    """Return '; Timmar: Beviljad tid' for a view of a named hours measure (nothing when unknown or the study's)."""
    if selection.measure not in ("granted", "performed"):
        return ""
    return f"; {t('sidebar.hours_measure', lang)}: {t(f'measure.name.{selection.measure}', lang)}"
