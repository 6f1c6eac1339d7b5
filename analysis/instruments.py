"""The catalogue of instruments a measurements file may name: range, direction, unit and source of each."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import InputError
from analysis.settings import get_setting

CATALOGUE_PATH = Path(__file__).resolve().parent / "instruments.toml"
_KEYS = {"label_sv", "label_en", "low", "high", "higher_is_better", "unit_sv", "unit_en", "source"}


@dataclass(frozen=True)
class Instrument:
    """One instrument: its name in files, labels, possible range, direction, unit and source."""

    name: str
    label_sv: str
    label_en: str
    low: float
    high: float
    higher_is_better: bool
    unit_sv: str
    unit_en: str
    source: str  # in Swedish (or the same in both languages)
    utility: bool = False  # a utility (EQ-5D index): may be used for quality-adjusted life years
    source_en: str = ""  # in English, when it differs

    def source_in(self, lang: str) -> str:
        """Return the source in the language (the Swedish one when no English is given)."""
        return self.source_en if lang == "en" and self.source_en else self.source

    @property
    def decimals(self) -> int:
        """Return the decimals its values are read with: three on an index scale (a range within 2), else one."""
        return 3 if self.high - self.low <= 2 else 1

    def label(self, lang: str) -> str:
        """Return the label in the language."""
        return self.label_en if lang == "en" else self.label_sv

    def unit(self, lang: str) -> str:
        """Return the unit in the language."""
        return self.unit_en if lang == "en" else self.unit_sv


def _read(path: Path) -> dict[str, Instrument]:
    """Return the instruments declared in one TOML file; raise InputError naming the file and entry."""
    try:
        declared = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"Instrumentfilen {path} kunde inte läsas: {exc}", f"The instruments file {path} could not be read: {exc}"
        ) from None
    out = {}
    for name, entry in declared.items():
        missing = _KEYS - set(entry) if isinstance(entry, dict) else _KEYS
        unknown = set(entry) - _KEYS - {"utility", "source_en"} if isinstance(entry, dict) else set()
        if missing or unknown or not name.isidentifier():
            raise InputError(
                f"Instrumentfilen {path}, [{name}]: saknar {sorted(missing)} eller har okända {sorted(unknown)}; "
                f"namnet ska vara bokstäver, siffror och _.",
                f"The instruments file {path}, [{name}]: missing {sorted(missing)} or unknown {sorted(unknown)}; "
                f"the name must be letters, digits and _.",
            )
        instrument = Instrument(name=name.lower(), **entry)
        if not instrument.low < instrument.high:
            raise InputError(
                f"Instrumentfilen {path}, [{name}]: low ({instrument.low}) måste vara mindre än high.",
                f"The instruments file {path}, [{name}]: low ({instrument.low}) must be below high.",
            )
        out[instrument.name] = instrument
    return out


def load_instruments() -> dict[str, Instrument]:
    """Return the catalogue: the built-in instruments and those of the instruments_file setting (name → Instrument).

    Returns
    -------
    dict
        Lower-case name → Instrument. A user file may add instruments but not redefine a built-in one.

    Raises
    ------
    InputError
        When a file cannot be read, an entry lacks a key, or a user file redefines a built-in instrument.

    """
    catalogue = _read(CATALOGUE_PATH)
    extra = str(get_setting("instruments_file") or "")
    if extra:
        added = _read(Path(extra).expanduser())
        clash = sorted(set(added) & set(catalogue))
        if clash:
            raise InputError(
                f"Instrumentfilen {extra} definierar om inbyggda instrument: {', '.join(clash)}; välj andra namn.",
                f"The instruments file {extra} redefines built-in instruments: {', '.join(clash)}; use other names.",
            )
        catalogue |= added
    return catalogue
