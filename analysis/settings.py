"""Declarative settings: every tunable value, its default, its environment variable and its meaning."""

from __future__ import annotations

import os
from dataclasses import dataclass

from analysis.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One setting: name, default, environment variable and a bilingual description."""

    name: str
    default: object
    env: str
    help_sv: str
    help_en: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "instruments_file",
        "",
        "IHR_INSTRUMENTS_FILE",
        "TOML-fil med egna instrument för mätfiler (samma form som analysis/instruments.toml); tom: bara de inbyggda.",
        "TOML file of one's own instruments for measurements files (like analysis/instruments.toml); empty: none.",
    ),
    Setting(
        "visit_months",
        "0,3,6,12,24",
        "IHR_VISIT_MONTHS",
        "Planerade besök (månader efter randomisering) för mätningar; ett besöksdatum räknas till närmaste.",
        "Planned visits (months after randomization) for measurements; a visit date counts to the nearest one.",
    ),
    Setting(
        "db_path",
        "data/ihr.duckdb",
        "IHR_DB_PATH",
        "Sökväg till DuckDB-filen. Finns den inte byggs demo-studien där.",
        "Path of the DuckDB file. If it does not exist, the demo study is built there.",
    ),
    Setting(
        "age_band_edges",
        "65,76,86,96",
        "IHR_AGE_BAND_EDGES",
        "Åldersgruppernas gränser: varje grupp går från en gräns till nästa minus ett år.",
        "Age band edges: each band runs from one edge to the next minus one year.",
    ),
    Setting(
        "suppression_threshold",
        5,
        "IHR_SUPPRESSION_THRESHOLD",
        "Antal personer under vilket en cell döljs och visas som '..'.",
        "Number of people below which a cell is hidden and shown as '..'.",
    ),
    Setting(
        "pseudonym_key_path",
        "~/.config/ihr-dashboard/pseudonym.key",
        "IHR_PSEUDONYM_KEY",
        "Nyckelfil för pseudonymer av personnummer (HMAC-SHA-256); skapas vid första import, hålls utanför "
        "databasen. Samma nyckel ger samma pseudonym vid senare importer.",
        "Key file for personnummer pseudonyms (HMAC-SHA-256); created on first import, kept outside the "
        "database. The same key gives the same pseudonym in later imports.",
    ),
    Setting(
        "max_problems",
        200,
        "IHR_MAX_PROBLEMS",
        "Högsta antal problem som listas vid en avvisad import (alla räknas).",
        "Most problems listed for a rejected import (all are counted).",
    ),
    Setting(
        "max_file_mb",
        2048,
        "IHR_MAX_FILE_MB",
        "Största importfil i MB (kontrolleras innan filen läses). Sidan Data tar dessutom emot högst "
        "server.maxUploadSize i .streamlit/config.toml.",
        "Largest import file in MB (checked before the file is read). The Data page also accepts at most "
        "server.maxUploadSize in .streamlit/config.toml.",
    ),
    Setting(
        "max_unpacked_mb",
        100,
        "IHR_MAX_UNPACKED_MB",
        "Största uppackade storlek i MB för en Excel-fil (skydd mot zip-bomber); spara större filer som CSV.",
        "Largest unpacked size in MB of an Excel file (guards against zip bombs); save larger files as CSV.",
    ),
    Setting(
        "max_rows",
        100_000_000,
        "IHR_MAX_ROWS",
        "Högsta antal rader i en importfil.",
        "Most rows in an import file.",
    ),
    Setting(
        "max_columns",
        200,
        "IHR_MAX_COLUMNS",
        "Högsta antal kolumner i en importfil (kontrolleras i rubrikraden innan filen tolkas).",
        "Most columns in an import file (checked in the header before the file is parsed).",
    ),
    Setting(
        "max_header_kb",
        64,
        "IHR_MAX_HEADER_KB",
        "Längsta rubrikrad i kB i en CSV-fil.",
        "Longest header row in kB of a CSV file.",
    ),
    Setting(
        "write_wait_s",
        600,
        "IHR_WRITE_WAIT_S",
        "Sekunder en import väntar på att en annan import till samma databas blir klar innan den ger upp.",
        "Seconds an import waits for another import into the same database to finish before giving up.",
    ),
    Setting(
        "analysts",
        "",
        "IHR_ANALYSTS",
        "E-postadresser (kommaseparerade) som får analytikerrollen när inloggning är konfigurerad; alla andra "
        "inloggade är läsare. Utan identitetsleverantör körs appen i enanvändarläge som analytiker.",
        "E-mail addresses (comma-separated) that get the analyst role when login is configured; everyone "
        "else who logs in is a viewer. Without an identity provider the app runs in single-user analyst mode.",
    ),
    Setting(
        "allow_single_user_on_network",
        False,
        "IHR_ALLOW_SINGLE_USER_ON_NETWORK",
        "Tillåt enanvändarläget (analytiker utan inloggning) när servern lyssnar på mer än den egna datorn "
        "(true/false). Av: appen vägrar då att starta; på: sidofältet säger det i rött.",
        "Allow single-user mode (analyst without login) when the server listens beyond this computer "
        "(true/false). Off: the app refuses to start then; on: the sidebar says so in red.",
    ),
    Setting(
        "auth_provider",
        "",
        "IHR_AUTH_PROVIDER",
        "Namnet på leverantören under [auth] i .streamlit/secrets.toml som st.login använder; tomt för den enda.",
        "Name of the provider under [auth] in .streamlit/secrets.toml that st.login uses; empty for the only one.",
    ),
    Setting(
        "merge_districts_below",
        0,
        "IHR_MERGE_DISTRICTS_BELOW",
        "Distrikt med färre randomiserade än så visas tillsammans som 'Övriga distrikt' (filter, Tabell 1, "
        "röjandeskydd); de minsta läggs till tills gruppen når gränsen. 0 = av.",
        "Districts with fewer people randomized than this are shown together as 'Övriga distrikt' (filters, "
        "Table 1, disclosure checks); the smallest are added until the group reaches it. 0 = off.",
    ),
    Setting(
        "memory_budget_mb",
        2048,
        "IHR_MEMORY_BUDGET_MB",
        "Högsta minne i MB som en beräkning (en metod på ett urval) får uppskattas behöva; större beräkningar "
        "vägras med ett meddelande innan de börjar, så att ett klick inte kan fälla servern.",
        "Most memory in MB a computation (one method on one selection) may be estimated to need; larger "
        "computations are refused with a message before they start, so one click cannot take the server down.",
    ),
    Setting(
        "duckdb_memory_mb",
        768,
        "IHR_DUCKDB_MEMORY_MB",
        "Högsta minne i MB som DuckDB får hålla per öppnad databas; större frågor skriver till en privat "
        "temporär mapp i stället (långsammare), så att en nationell studie inte kan fylla serverns minne.",
        "Most memory in MB DuckDB may hold per opened store; larger queries spill to a private temporary folder "
        "instead (slower), so a national study cannot fill the server's memory.",
    ),
    Setting(
        "default_month",
        24,
        "IHR_DEFAULT_MONTH",
        "Uppföljningsmånad som jämförs om inget annat väljs.",
        "Follow-up month compared unless another is chosen.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get_setting(name: str) -> object:
    """Return a setting's value: its environment variable if set, else the default."""
    try:
        setting = _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown setting {name!r}; known: {sorted(_BY_NAME)}") from None
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return setting.default
    if isinstance(setting.default, bool):
        if raw.strip().lower() in ("true", "1", "yes", "ja"):
            return True
        if raw.strip().lower() in ("false", "0", "no", "nej"):
            return False
        raise InputError(
            f"Miljövariabeln {setting.env} har värdet {raw!r}; true eller false förväntades.",
            f"Environment variable {setting.env} has the value {raw!r}; true or false was expected.",
        )
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise InputError(
                f"Miljövariabeln {setting.env} har värdet {raw!r}; ett heltal förväntades.",
                f"Environment variable {setting.env} has the value {raw!r}; a whole number was expected.",
            ) from None
    return raw
