"""Cost scenarios: every input with unit, source and year, read from TOML with strict validation."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import tomli_w

from analysis.errors import InputError
from analysis.outcomes.per_person import UnitCosts

BANDS = ("65-75", "76-85", "86-95")


@dataclass(frozen=True)
class Source:
    """Where a default value comes from, in Swedish and English."""

    unit: str
    source: str
    year: str
    unit_en: str = ""
    source_en: str = ""

    def unit_in(self, lang: str) -> str:
        """Return the unit in the language."""
        return self.unit_en if lang == "en" and self.unit_en else self.unit

    def source_in(self, lang: str) -> str:
        """Return the source in the language."""
        return self.source_en if lang == "en" and self.source_en else self.source


_KPB = (
    "SKL, Årets jämförelse av KPB-nyckeltal (kostnad per brukare)",
    "SKL, annual comparison of KPB cost-per-user figures",
)
SOURCES: dict[str, Source] = {
    "home_care_hour": Source("kr/timme", _KPB[0], "2015", "SEK/hour", _KPB[1]),
    "nursing_home_day": Source("kr/dygn", _KPB[0], "2015", "SEK/day", _KPB[1]),
    "price_index": Source(
        "faktor", "användarens val: räknar om alla kostnader (2015 års priser) till ett prisår; 1 = 2015", "—",
        "factor", "your choice: converts every cost (2015 prices) to a price year; 1 = 2015",
    ),
    "cash_releasing_share": Source(
        "andel", "antagande: del av en genomsnittlig (KPB) kostnad som frigörs när timmar eller dygn minskar", "—",
        "share", "assumption: the part of an average (KPB) cost released when hours or days fall",
    ),
    "intervention_per_participant": Source(
        "kr/deltagare", "antagande: ingen publicerad kostnad för IHR-teamet", "—",
        "SEK/participant", "assumption: no published cost of the IHR team",
    ),
    "applicants_per_year": Source(
        "personer/år", "antagande: Eskilstunas sökande per åldersgrupp är inte publicerade", "—",
        "people/year", "assumption: Eskilstuna's applicants per age band are not published",
    ),
    "uptake": Source(
        "andel", "SKR 2020: 'två tredjedelar av brukarna'", "2020", "share", "SKR 2020: 'two thirds of users'"
    ),
    "duration_years": Source("år", "försökets uppföljning (två år)", "—", "years", "the trial's follow-up (two years)"),
    "years": Source("år", "användarens val", "—", "years", "your choice"),
    "extrapolate": Source(
        "ja/nej", "användarens val: framskriv pengarna efter studiens fönster med kohortmodellen", "—",
        "yes/no", "your choice: project the money past the study's window with the cohort model",
    ),
    "discount_rate": Source(
        "per år", "TLV: 3 % (0 % och 5 % som känslighetsanalys)", "2017",
        "per year", "TLV: 3% (0% and 5% as sensitivity analysis)",
    ),
    "ramp_up_months": Source(
        "månader", "insatsen pågår tre månader; ingen besparing under den", "—",
        "months", "the intervention lasts three months; no saving during it",
    ),
    "full_effect_months": Source(
        "månader", "antagande; Samverkansmodellen: effekter avtog efter 18 månader", "—",
        "months", "assumption; the Samverkansmodell trial: effects faded after 18 months",
    ),
    "waning_months": Source(
        "månader", "antagande: effekten är borta vid denna månad", "—",
        "months", "assumption: the effect is gone by this month",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    """All inputs of a cost projection; savings are positive, effects are intervention minus control."""

    home_care_hour: float = 461.0
    nursing_home_day: float = 1809.0
    price_index: float = 1.0
    intervention_per_participant: float | None = 30000.0
    intervention_per_team_year: float | None = None
    participants_per_team_year: float | None = None
    applicants_per_year: dict[str, float] = field(
        default_factory=lambda: {"65-75": 300.0, "76-85": 400.0, "86-95": 300.0}
    )
    uptake: float = 0.67
    effects_source: str = "manual"
    hours_per_month: dict[str, float] = field(default_factory=lambda: {"65-75": -16.0, "76-85": 0.0, "86-95": -15.0})
    nursing_home_days_per_year: dict[str, float] = field(
        default_factory=lambda: {"65-75": -10.0, "76-85": 0.0, "86-95": -20.0}
    )
    duration_years: float = 2.0
    ramp_up_months: int = 3  # no saving in the first months (the intervention itself)
    full_effect_months: float | None = None  # full effect until this month (default: duration_years × 12)
    waning_months: float | None = None  # then a linear decline to none at this month (absent: no waning)
    cash_releasing_share: float = 1.0  # share of an average (KPB) cost the municipality gets back
    years: int = 5
    discount_rate: float = 0.03
    unit_cost_cv: float = 0.10  # PSA: coefficient of variation of each unit cost (gamma)
    intervention_cost_cv: float = 0.25  # PSA: coefficient of variation of the intervention cost (gamma)
    uptake_cv: float = 0.10  # PSA: coefficient of variation of the uptake (beta)
    # Set by with_effects from a study (never read from a file): the window the effects were estimated over
    # and the three-state cohort model's parameters that carry the money beyond it.
    study_window_months: int | None = field(default=None, compare=False)
    cohort: object = field(default=None, compare=False, repr=False)
    # Per band (K × 2): the study's difference in hours and nursing-home days in each month 1..K (with_effects).
    monthly_effects: object = field(default=None, compare=False, repr=False)
    extrapolate: bool = True  # with study effects: carry the money past the window by the cohort model
    extrapolation_scale: float = field(default=1.0, compare=False)  # the tornado's lever on the part after it

    @property
    def from_study(self) -> bool:
        """Return whether the effects come from a study (with_effects): its months, then the cohort model."""
        return self.cohort is not None and self.study_window_months is not None

    def cost_per_participant(self) -> float:
        """Return the intervention cost per participant in the price year (direct, or per team-year / participants)."""
        if self.intervention_per_team_year is not None:
            return self.intervention_per_team_year / self.participants_per_team_year * self.price_index
        return float(self.intervention_per_participant) * self.price_index

    def effect_end_months(self) -> float:
        """Return the month after entry at which the full effect ends (full_effect_months, else the duration)."""
        return self.full_effect_months if self.full_effect_months is not None else self.duration_years * 12


def unit_costs(scenario: Scenario | None = None) -> UnitCosts:
    """Return the scenario's cost of an hour and a day (price index applied); the sourced defaults without one."""
    s = scenario or Scenario()
    return UnitCosts(s.home_care_hour * s.price_index, s.nursing_home_day * s.price_index)


# TOML layout: section -> key -> Scenario field.
LAYOUT = {
    "costs": {
        "home_care_hour": "home_care_hour",
        "nursing_home_day": "nursing_home_day",
        "price_index": "price_index",
        "intervention_per_participant": "intervention_per_participant",
        "intervention_per_team_year": "intervention_per_team_year",
        "participants_per_team_year": "participants_per_team_year",
        "cash_releasing_share": "cash_releasing_share",
    },
    "population": {"applicants_per_year": "applicants_per_year", "uptake": "uptake"},
    "effects": {
        "source": "effects_source",
        "hours_per_month": "hours_per_month",
        "nursing_home_days_per_year": "nursing_home_days_per_year",
        "duration_years": "duration_years",
        "ramp_up_months": "ramp_up_months",
        "full_effect_months": "full_effect_months",
        "waning_months": "waning_months",
    },
    "horizon": {"years": "years", "discount_rate": "discount_rate", "extrapolate": "extrapolate"},
    "uncertainty": {
        "unit_cost_cv": "unit_cost_cv",
        "intervention_cost_cv": "intervention_cost_cv",
        "uptake_cv": "uptake_cv",
    },
}


def scenario_dict(scenario: Scenario) -> dict:
    """Return the scenario as read, in the TOML file's sections and keys (for JSON output and stamps)."""
    out: dict = {}
    for section, keys in LAYOUT.items():
        out[section] = {key: getattr(scenario, name) for key, name in keys.items()}
    out["costs"]["intervention_per_participant_in_price_year"] = scenario.cost_per_participant()
    return out


def _bad(where: str, value, expected_sv: str, expected_en: str) -> InputError:
    """Return an error naming the place in the scenario, the value and what was expected."""
    return InputError(
        f"{where}: värdet {value!r} duger inte; förväntat {expected_sv}.",
        f"{where}: the value {value!r} is not valid; expected {expected_en}.",
    )


def _number(where: str, value, low: float, high: float, integer: bool = False) -> float:
    """Check a number lies in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(where, value, f"ett tal {low}–{high}", f"a number {low}–{high}")
    if not low <= value <= high or (integer and value != int(value)):
        kind_sv, kind_en = ("ett heltal", "a whole number") if integer else ("ett tal", "a number")
        raise _bad(where, value, f"{kind_sv} {low}–{high}", f"{kind_en} {low}–{high}")
    return int(value) if integer else float(value)


def _per_band(where: str, value, low: float, high: float) -> dict[str, float]:
    """Check a table with one number per age band."""
    if not isinstance(value, dict) or set(value) != set(BANDS):
        raise _bad(
            where, value, f"en tabell med nycklarna {', '.join(BANDS)}", f"a table with the keys {', '.join(BANDS)}"
        )
    return {band: _number(f"{where}.{band}", value[band], low, high) for band in BANDS}


def validate_scenario(scenario: Scenario, where: str = "scenario") -> Scenario:
    """Check every value's range and consistency; return the scenario or raise InputError."""
    s = scenario
    checked = replace(
        s,
        home_care_hour=_number(f"{where} [costs] home_care_hour", s.home_care_hour, 0, 10_000),
        nursing_home_day=_number(f"{where} [costs] nursing_home_day", s.nursing_home_day, 0, 100_000),
        price_index=_number(f"{where} [costs] price_index", s.price_index, 0.1, 10),
        applicants_per_year=_per_band(f"{where} [population] applicants_per_year", s.applicants_per_year, 0, 1e6),
        uptake=_number(f"{where} [population] uptake", s.uptake, 0, 1),
        hours_per_month=_per_band(f"{where} [effects] hours_per_month", s.hours_per_month, -730, 730),
        nursing_home_days_per_year=_per_band(
            f"{where} [effects] nursing_home_days_per_year", s.nursing_home_days_per_year, -366, 366
        ),
        duration_years=_number(f"{where} [effects] duration_years", s.duration_years, 0, 50),
        ramp_up_months=_number(f"{where} [effects] ramp_up_months", s.ramp_up_months, 0, 120, integer=True),
        cash_releasing_share=_number(f"{where} [costs] cash_releasing_share", s.cash_releasing_share, 0, 1),
        years=_number(f"{where} [horizon] years", s.years, 1, 50, integer=True),
        discount_rate=_number(f"{where} [horizon] discount_rate", s.discount_rate, 0, 0.5),
        unit_cost_cv=_number(f"{where} [uncertainty] unit_cost_cv", s.unit_cost_cv, 0, 2),
        intervention_cost_cv=_number(f"{where} [uncertainty] intervention_cost_cv", s.intervention_cost_cv, 0, 2),
        uptake_cv=_number(f"{where} [uncertainty] uptake_cv", s.uptake_cv, 0, 1),
    )
    if s.full_effect_months is not None:
        full = _number(f"{where} [effects] full_effect_months", s.full_effect_months, 0, 600)
        checked = replace(checked, full_effect_months=full)
    if s.waning_months is not None:
        if s.full_effect_months is None:
            raise _bad(
                f"{where} [effects] waning_months",
                s.waning_months,
                "full_effect_months också (avtagandet går från den till waning_months)",
                "full_effect_months as well (the decline runs from it to waning_months)",
            )
        low = checked.full_effect_months
        checked = replace(
            checked,
            waning_months=_number(
                f"{where} [effects] waning_months (≥ full_effect_months {low:g})", s.waning_months, low, 600
            ),
        )
    if not isinstance(s.extrapolate, bool):
        raise _bad(f"{where} [horizon] extrapolate", s.extrapolate, "true eller false", "true or false")
    if s.effects_source not in ("manual", "study"):
        raise _bad(f"{where} [effects] source", s.effects_source, "'manual' eller 'study'", "'manual' or 'study'")
    team = (s.intervention_per_team_year, s.participants_per_team_year)
    if all(v is not None for v in team):
        _number(f"{where} [costs] intervention_per_team_year", team[0], 0, 1e9)
        _number(f"{where} [costs] participants_per_team_year", team[1], 1, 1e6)
        checked = replace(checked, intervention_per_participant=None)
    elif any(v is not None for v in team):
        raise _bad(
            f"{where} [costs]",
            "intervention_per_team_year/participants_per_team_year",
            "båda eller ingen av dem",
            "both or neither of them",
        )
    elif s.intervention_per_participant is None:
        raise _bad(f"{where} [costs] intervention_per_participant", None, "ett belopp i SEK", "an amount in SEK")
    else:
        _number(f"{where} [costs] intervention_per_participant", s.intervention_per_participant, 0, 1e7)
    return checked


def read_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario TOML file; unknown sections or keys and bad values raise InputError naming them.

    Parameters
    ----------
    path : str or Path
        The TOML file (keys documented in docs/costs.md); missing keys take the defaults.

    Returns
    -------
    Scenario

    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"Scenariofilen {name} finns inte.", f"The scenario file {name} does not exist.") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} är ingen giltig TOML-fil: {exc}", f"{name} is not a valid TOML file: {exc}") from None
    return parse_scenario(text, name)


def parse_scenario(text: str, name: str = "scenario") -> Scenario:
    """Read a scenario from TOML text (a file's, or one saved for a study); errors name ``name`` and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name} är ingen giltig TOML-fil: {exc}", f"{name} is not a valid TOML file: {exc}") from None
    values = {}
    for section, content in data.items():
        if section not in LAYOUT:
            raise InputError(
                f"{name}: okänd sektion [{section}]; kända: {', '.join(LAYOUT)}.",
                f"{name}: unknown section [{section}]; known: {', '.join(LAYOUT)}.",
            )
        if not isinstance(content, dict):
            raise _bad(f"{name} [{section}]", content, "en tabell", "a table")
        for key, value in content.items():
            if key not in LAYOUT[section]:
                known = ", ".join(LAYOUT[section])
                raise InputError(
                    f"{name}: okänd nyckel {key!r} i [{section}]; kända: {known}.",
                    f"{name}: unknown key {key!r} in [{section}]; known: {known}.",
                )
            values[LAYOUT[section][key]] = value
    if "intervention_per_team_year" in values and "intervention_per_participant" not in values:
        values["intervention_per_participant"] = None
    known_fields = {f.name for f in fields(Scenario)}
    return validate_scenario(Scenario(**{k: v for k, v in values.items() if k in known_fields}), name)


def write_scenario(scenario: Scenario) -> str:
    """Return the scenario as a TOML file's text (tomli-w; parse_scenario reads it back equal), unset values left out.

    Effects from a study are written as the source only (and the effect's end): their numbers come from
    the study when read.
    """
    kept = ("source", "waning_months", "full_effect_months")
    data = {
        section: {
            key: getattr(scenario, name)
            for key, name in keys.items()
            if getattr(scenario, name) is not None
            and not (section == "effects" and scenario.effects_source == "study" and key not in kept)
        }
        for section, keys in LAYOUT.items()
    }
    return tomli_w.dumps(data)


# Inputs whose default is an example, not a fact: flagged wherever they act until the user sets them.
EXAMPLE_INPUTS = ("intervention_per_participant", "applicants_per_year", "cash_releasing_share", "price_index")


def list_example_inputs(scenario: Scenario) -> list[str]:
    """Return the inputs still at their example value (EXAMPLE_INPUTS): the figures rest on them until set.

    Parameters
    ----------
    scenario : Scenario
        The scenario in use.

    Returns
    -------
    list of str
        Field names, in EXAMPLE_INPUTS order (the intervention cost only when given per participant).

    """
    default = Scenario()
    out = []
    for name in EXAMPLE_INPUTS:
        if name == "intervention_per_participant" and scenario.intervention_per_team_year is not None:
            continue
        if getattr(scenario, name) == getattr(default, name):
            out.append(name)
    return out
