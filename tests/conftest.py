"""Shared fixtures: tiny stores in tmp_path, a small demo store, and clean Streamlit caches."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import streamlit as st

from analysis.demo import DemoSpec, build_demo_store
from analysis.store import db


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Start and end every test with empty Streamlit caches."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


ROOT = Path(__file__).resolve().parent.parent


def read_documentation() -> str:
    """Return the README and every documentation page as one text (what a reader can find documented)."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def write_tiny_store(
    path, participants: pd.DataFrame, hours: pd.DataFrame, data_end=dt.date(2017, 12, 31), study="tiny", is_demo=False
) -> None:
    """Write hand-built participants and hours as one study into a store at path."""
    db.write_study(path, study, lambda con: fill_tiny(con, participants, hours, data_end, study, is_demo))


def write_one_file_store(path, fill) -> None:
    """Write a store of the layout before per-study files: one DuckDB file with every table, filled by ``fill``."""
    con = duckdb.connect(str(path))
    try:
        con.execute(db.SCHEMA_PATH.read_text(encoding="utf-8"))
        con.execute("DROP TABLE study_files")
        fill(con)
    finally:
        con.close()


def store_bytes(path) -> bytes:
    """Return the bytes of every file of a store (catalogue and study files), for searching them."""
    return b"".join(file.read_bytes() for file in db.store_files(path))


def store_digest(path) -> str:
    """Return a SHA-256 over the names and bytes of every file of a store (the catalogue and the files it names)."""
    digest = hashlib.sha256()
    for file in db.store_files(path):
        digest.update(file.name.encode() + file.read_bytes())
    return digest.hexdigest()


def fill_tiny(con, participants, hours, data_end=dt.date(2017, 12, 31), study="tiny", is_demo=False) -> None:
    """Write hand-built participants and hours as ``study`` on an open store connection."""
    con.execute(
        "INSERT INTO studies (study, title_sv, title_en, is_demo, data_end, loaded_at) VALUES (?, ?, ?, ?, ?, now())",
        [study, "Liten", "Tiny", is_demo, data_end],
    )
    con.register("p", participants)
    con.execute(
        """INSERT INTO participants SELECT ?, person_id, arm, randomized_on, age, sex, application_type,
           baseline_hours, placed_on, died_on, followup_end, district FROM p""",
        [study],
    )
    con.register("h", hours)
    con.execute("INSERT INTO hours SELECT ?, person_id, month, hours, 'unknown' FROM h", [study])
    con.execute("INSERT INTO study_measures VALUES (?, 'unknown', date_trunc('month', ?::DATE))", [study, data_end])
    db.build_aggregates(con, study)


def person(
    pid,
    arm="intervention",
    randomized="2016-01-15",
    age=70,
    sex="F",
    app="new",
    baseline=10.0,
    placed=None,
    died=None,
    end=None,
    district="Centrum",
) -> dict:
    """Return one participants row with dates parsed."""
    as_date = lambda v: None if v is None else pd.Timestamp(v).date()  # noqa: E731
    return {
        "person_id": pid,
        "arm": arm,
        "randomized_on": as_date(randomized),
        "age": age,
        "sex": sex,
        "application_type": app,
        "baseline_hours": baseline,
        "placed_on": as_date(placed),
        "died_on": as_date(died),
        "followup_end": as_date(end),
        "district": district,
    }


def run_cli(*args):
    """Run `python -m analysis` with the arguments from the repository root; return the finished process."""
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=root, timeout=300
    )


def frame(rows: list[dict]) -> pd.DataFrame:
    """Return participants rows as a DataFrame with date columns typed for DuckDB."""
    out = pd.DataFrame(rows)
    for col in ("randomized_on", "placed_on", "died_on", "followup_end"):
        out[col] = pd.to_datetime(out[col])
    return out


def hours_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Return hours rows (person_id, 'YYYY-MM', hours) as a DataFrame."""
    out = pd.DataFrame(rows, columns=["person_id", "month", "hours"])
    out["month"] = pd.to_datetime(out["month"] + "-01")
    return out


SMALL_SPEC = DemoSpec(n_people=400, seed=7)


@pytest.fixture(scope="session")
def small_demo_path(tmp_path_factory):
    """Return a store holding a 400-person demo trial (built once per session)."""
    path = tmp_path_factory.mktemp("store") / "demo.duckdb"
    build_demo_store(path, SMALL_SPEC)
    return path
