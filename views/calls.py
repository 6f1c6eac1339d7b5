"""The store as pages see it, and the one cached call through which every page asks the analysis library."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st

from analysis.demo import build_embedded_demo
from analysis.economics.effects import estimate_study_effects
from analysis.economics.qaly import compare_cost_effectiveness
from analysis.outcomes.comparisons import fit_repeated_over_months
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.outcomes.person_values import load_all_months
from analysis.present.linked import count_linked, find_risks
from analysis.present.texts import format_number, t
from analysis.selection import Filters, Selection
from analysis.settings import get_setting
from analysis.store import db

T = TypeVar("T")
# Person-level frames and models are large at national scale: fewer of them are kept.
_HEAVY = frozenset(f"{fn.__module__}.{fn.__qualname__}" for fn in (load_all_months, fit_repeated_over_months))
# Mixed models and bootstraps take seconds to a minute at scale: one runs at a time per server, the rest queue,
# so one user's uncached fits cannot slow everyone's pages (four parallel fits took 58–68 s each).
_SLOW = _HEAVY | {
    f"{fn.__module__}.{fn.__qualname__}"
    for fn in (compare_person_outcomes, estimate_study_effects, compare_cost_effectiveness)
}
_SLOW_TURN = threading.Lock()
SHOW_PROGRESS_S = 1.0  # a slow call that last took longer than this (or never ran) says so at the top of the page
_LAST_SECONDS: dict[str, float] = {}  # per function: how long its last uncached run took on this server


@dataclass(frozen=True)
class Store:
    """A store file and its version; a store swapped in by an import has a new version, so caches move on."""

    path: str
    version: tuple[int, int]


@st.cache_resource(show_spinner=False)
def _ensure_store(path: str) -> None:
    """Build the demo store (both demo studies) once when no store exists at path."""
    if not Path(path).is_file():
        build_embedded_demo(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(path: str, version: tuple[int, int]) -> db.Connection:
    """Open one read-only connection per store version (queries take their own cursor, see db.query)."""
    return db.connect(path)


@st.cache_resource(show_spinner=False)
def _remove_stale_temp() -> None:
    """Once per server start: remove private temp folders a killed server or import left behind."""
    db.remove_stale_temp()


def open_store(lang: str) -> Store:
    """Make sure a store exists (building the demo when missing) and return it with its version."""
    _remove_stale_temp()
    path = str(get_setting("db_path"))
    if not Path(path).is_file():
        with st.spinner(t("building_demo", lang)):
            _ensure_store(path)
    return Store(path, db.data_version(path))


def connection(store: Store) -> db.Connection:
    """Return the cached connection of a store version."""
    return _connection(store.path, store.version)


def _run(fn: Callable[..., T], store: Store, args: tuple, kwargs: tuple) -> T:
    """Call fn on the store's connection; a slow one waits for its turn (one at a time per server) and is timed."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    if name not in _SLOW:
        return fn(connection(store), *args, **dict(kwargs))
    with _SLOW_TURN:
        start = time.perf_counter()
        result = fn(connection(store), *args, **dict(kwargs))
        _LAST_SECONDS[name] = time.perf_counter() - start
        return result


# A Selection and a Store are frozen dataclasses whose repr holds every field: hashed as that text, a cache
# lookup takes 0.1 ms instead of Streamlit's generic 0.8 ms walk (about 30 lookups per page run).
KEYS_BY_REPR = {Selection: repr, Store: repr}


@st.cache_data(show_spinner=False, max_entries=512, hash_funcs=KEYS_BY_REPR)
def _cached(name: str, _fn: Callable[..., T], store: Store, args: tuple, kwargs: tuple) -> T:
    """Return _fn's result, cached on its name, the store version and the arguments."""
    return _run(_fn, store, args, kwargs)


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=KEYS_BY_REPR)
def _cached_heavy(name: str, _fn: Callable[..., T], store: Store, args: tuple, kwargs: tuple) -> T:
    """Return _fn's result as _cached does, keeping fewer entries (person-level frames and models)."""
    return _run(_fn, store, args, kwargs)


def cached(fn: Callable[..., T], store: Store, *args, **kwargs) -> T:
    """Return ``fn(connection, *args, **kwargs)`` for a store version, cached.

    ``fn`` is an analysis function whose first argument is a connection; the cache keys on its
    qualified name, the store version and the arguments (a Selection is a frozen, hashable value).
    Streamlit hands each caller its own copy of a cached value, so callers may change what they get.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    call = _cached_heavy if name in _HEAVY else _cached
    if name not in _SLOW:
        return call(name, fn, store, args, tuple(sorted(kwargs.items())))
    lang = st.session_state.get("lang", "sv") if st.session_state.get("lang") in ("sv", "en") else "sv"
    if _SLOW_TURN.locked():
        text = t("work.queued", lang)
    elif _LAST_SECONDS.get(name, SHOW_PROGRESS_S + 1) <= SHOW_PROGRESS_S:
        return call(name, fn, store, args, tuple(sorted(kwargs.items())))
    else:
        what = t(f"work.what.{fn.__qualname__}", lang)
        last = _LAST_SECONDS.get(name)
        text = (
            t("work.running_first", lang, what=what)
            if last is None
            else t("work.running", lang, what=what, seconds=format_number(last, lang, 0))
        )
    with progress_slot(), st.spinner(text, show_time=True):
        return call(name, fn, store, args, tuple(sorted(kwargs.items())))


def caller(store: Store) -> Callable:
    """Return call(fn, *args, **kwargs) that runs fn on the store through this cache (for report.build_briefing)."""
    return lambda fn, *args, **kwargs: cached(fn, store, *args, **kwargs)


def progress_slot():
    """Return where slow work is announced: the slot at the top of the page (display.run_page makes it), else here."""
    slot = st.session_state.get("_progress_slot")
    return slot.container() if slot is not None else contextlib.nullcontext()


def risks_for(store: Store, threshold: int):
    """Return a function giving one table's differencing risks of a view (cached), as disclosure's show_* take it."""
    return lambda view, table, timepoints=(): differencing_risks(store, view, threshold, table, timepoints)


def differencing_risks(
    store: Store, selection: Selection, threshold: int, table: str = "randomized", timepoints: tuple = ()
) -> pd.DataFrame | None:
    """Return the cells of one table of a filtered view at risk of differencing (None when nothing is filtered)."""
    if selection.filters == Filters() or threshold <= 1:  # nothing to subtract from, or exact values (analysts)
        return None
    return cached(_risks_sharing_counts, store, selection, threshold, table, tuple(timepoints), store)


def _risks_sharing_counts(
    con: db.Connection, selection: Selection, threshold: int, table: str, timepoints: tuple, store: Store
) -> pd.DataFrame | None:
    """Return find_risks from counts among everyone kept per data version: a filter change runs no query."""
    counts = cached(count_linked, store, selection.with_filters(Filters()), table, timepoints)
    return find_risks(con, selection, threshold, table, timepoints, counts=counts)
