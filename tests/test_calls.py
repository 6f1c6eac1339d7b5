"""The one cached call of the views: keyed on function, store version and every part of the selection."""

import itertools
from dataclasses import fields, replace

import pandas as pd
import pytest

from analysis.outcomes.compare import compare_hours
from analysis.outcomes.overview import summarize_people
from analysis.selection import AgeBand, Filters, Selection, parse_band_edges
from analysis.store import db
from views import calls


@pytest.fixture
def store(small_demo_path):
    calls._cached.clear()
    calls._cached_heavy.clear()
    return calls.Store(str(small_demo_path), db.data_version(small_demo_path))


def direct(fn, store, *args):
    con = db.connect(store.path)
    try:
        return fn(con, *args)
    finally:
        con.close()


@pytest.mark.parametrize(
    "selection",
    [
        Selection("demo", month=24),
        Selection("demo", month=12),
        Selection("demo", Filters(sex=("F",)), month=24),
        Selection("demo", Filters(sex=("M",)), month=24),
        Selection("demo", Filters(application_type=("new",)), month=24),
        Selection("demo", bands=parse_band_edges("65,80,96"), month=24),
    ],
)
def test_each_selection_gets_its_own_numbers(store, selection):
    # Fill the cache with the other selections first: a key that ignored a field would hand one of them back.
    for other in (Selection("demo", month=24), Selection("demo", Filters(sex=("F",)), month=12)):
        calls.cached(compare_hours, store, other)
    got = calls.cached(compare_hours, store, selection).groups
    pd.testing.assert_frame_equal(got, direct(compare_hours, store, selection).groups)


def test_functions_with_the_same_arguments_do_not_share_entries(store):
    selection = Selection("demo", month=6)
    people = calls.cached(summarize_people, store, selection)
    hours = calls.cached(compare_hours, store, selection)
    assert "n_placed" in people.columns and "difference" in hours.groups.columns


def test_a_caller_cannot_change_what_the_next_caller_gets(store):
    selection = Selection("demo", month=24)
    first = calls.cached(compare_hours, store, selection)
    first.groups.loc[:, "difference"] = 999.0
    again = calls.cached(compare_hours, store, selection)
    assert (again.groups["difference"] != 999.0).all()


CALLS = []


def counted_compare(con, selection):
    """compare_hours that records each real call."""
    CALLS.append(selection)
    return compare_hours(con, selection)


def test_a_result_is_computed_once_per_store_version(store):
    CALLS.clear()
    selection = Selection("demo", month=24)
    before = calls.cached(counted_compare, store, selection)
    calls.cached(counted_compare, store, selection)
    assert len(CALLS) == 1
    moved = calls.Store(store.path, (store.version[0], store.version[1] + 1))  # as after an import swapped the file
    after = calls.cached(counted_compare, moved, selection)
    assert len(CALLS) == 2
    pd.testing.assert_frame_equal(before.groups, after.groups)


def test_no_filters_means_no_differencing_risks(store):
    assert calls.differencing_risks(store, Selection("demo", month=24), 5) is None
    risks = calls.differencing_risks(store, Selection("demo", Filters(sex=("F",)), month=24), 5)
    assert set(risks.columns) == {"age_band", "arm", "at_risk"}


def test_slow_computations_take_turns(store, monkeypatch):
    # Issue 15: four viewers starting uncached mixed-model fits at once slowed everyone; they now queue.
    import threading
    import time

    spans = []

    def slow_fit(con, label):
        start = time.monotonic()
        time.sleep(0.2)
        spans.append((start, time.monotonic()))
        return label

    def quick(con, label):
        return label

    monkeypatch.setattr(calls, "_SLOW", calls._SLOW | {f"{slow_fit.__module__}.{slow_fit.__qualname__}"})
    threads = [threading.Thread(target=calls._run, args=(slow_fit, store, (i,), ())) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    assert calls._run(quick, store, ("not queued",), ()) == "not queued"  # fast calls never wait
    for thread in threads:
        thread.join()
    spans.sort()
    assert len(spans) == 3 and all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))


def test_slow_work_is_timed_so_the_page_can_say_how_long_it_took(store):
    # Issue 30: the spinner said "half a minute" whatever the size; now the page says how long it last took.
    from analysis.economics.scenario import unit_costs
    from analysis.outcomes.per_person import compare_person_outcomes

    name = f"{compare_person_outcomes.__module__}.{compare_person_outcomes.__qualname__}"
    calls._LAST_SECONDS.pop(name, None)
    calls.cached(compare_person_outcomes, store, Selection("demo", month=12), unit_costs(), draws=50)
    assert 0 < calls._LAST_SECONDS[name] < 60
    calls.cached(compare_hours, store, Selection("demo", month=12))  # quick work is not timed
    assert f"{compare_hours.__module__}.{compare_hours.__qualname__}" not in calls._LAST_SECONDS


def test_the_presentation_reuses_what_the_pages_computed(tmp_path, monkeypatch):
    # Issue 34 item 2: the briefing's computations go through the pages' cache with the pages' own keys, so the
    # presentation after the Overview and Placement pages runs none of their analyses again.
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from analysis.demo import DemoSpec, build_demo_store

    path = tmp_path / "app.duckdb"
    build_demo_store(path, DemoSpec(n_people=300, seed=1))
    monkeypatch.setenv("IHR_DB_PATH", str(path))
    ran = []
    original = calls._run
    monkeypatch.setattr(calls, "_run", lambda fn, *rest: ran.append(fn.__qualname__) or original(fn, *rest))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=120).run()
    at.switch_page("views/placement.py").run()
    before = len(ran)
    at.switch_page("views/presentation.py").run()
    assert not at.exception and not at.error
    again = set(ran[before:])
    shared = {"compare_person_outcomes", "compare_hours", "analyze_placement", "monitor_primary"}
    assert shared.isdisjoint(again), again & shared
    assert "summarize_study_money" in again  # computed here first, through the same cache


@pytest.mark.parametrize(
    "changed",
    [
        {"study": "other"},
        {"month": 13},
        {"filters": Filters(sex=("F",))},
        {"filters": Filters(application_type=("new",))},
        {"filters": Filters(district=("Centrum",))},
        {"bands": (AgeBand(65, 80), AgeBand(81, 95))},
        {"merged": ("Årby",)},
        {"measure": "performed"},
    ],
)
def test_a_cache_key_by_repr_tells_every_field_of_a_selection_apart(changed):
    """The cache hashes a Selection by its repr: a field left out of it would give one view another's figures."""
    base = Selection("demo", month=12)
    other = replace(base, **changed)
    assert base != other
    assert calls.KEYS_BY_REPR[Selection](base) != calls.KEYS_BY_REPR[Selection](other)
    assert {f.name for f in fields(Selection)} == {
        "study",
        "month",
        "filters",
        "bands",
        "merged",
        "measure",
    }  # all here
    assert all(f.repr for f in fields(Selection))
    assert all(f.repr for cls in (Filters, AgeBand, calls.Store) for f in fields(cls))
