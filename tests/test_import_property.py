"""Property: whatever rows it is fed, the importer raises only its own errors and never half-writes."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import import P_COLUMNS, hours_rows, participants_rows, write_csv

from analysis.demo import DemoSpec, build_demo_store
from analysis.errors import UserFacingError
from analysis.intake.importer import import_study
from analysis.store import db
from tests.conftest import store_digest

NASTY = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(["-1", "1e400", "nan", "12,5", "2016-02-30", "2016-13", "640823-3234", '"', ";", "\n", "NULL"]),
    st.integers(-1000, 100000).map(str),
    st.dates().map(str),
)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "base.duckdb"
    build_demo_store(path, DemoSpec(n_people=100, seed=4))
    return path


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    p_changes=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10), NASTY), max_size=4),
    h_changes=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), NASTY), max_size=3),
    extra_hours=st.lists(st.tuples(NASTY, NASTY, NASTY), max_size=2),
)
def test_importer_never_raises_unhandled_and_never_half_writes(
    tmp_path_factory, base_store, monkeypatch, p_changes, h_changes, extra_hours
):
    work = tmp_path_factory.mktemp("case")
    monkeypatch.setenv("IHR_PSEUDONYM_KEY", str(work / "key"))
    store = work / "s.duckdb"
    db.copy_store(base_store, store)
    p_rows, h_rows = participants_rows(), hours_rows()
    for row, col, value in p_changes:
        p_rows[row][col] = value
    for row, col, value in h_changes:
        h_rows[row][col] = value
    h_rows += [list(r) for r in extra_hours]
    p = write_csv(work / "p.csv", P_COLUMNS, p_rows)
    h = write_csv(work / "h.csv", ["person_id", "month", "hours"], h_rows)
    before = store_digest(store)
    try:
        summary = import_study(store, "prop", p, h)
    except UserFacingError:
        assert store_digest(store) == before
        assert [x.name for x in work.iterdir() if x.name.startswith(".s.duckdb")] == []
        assert [x.name for x in db.studies_folder(store).iterdir() if x.name.endswith(".tmp")] == []
        return
    con = db.connect(store)
    try:
        n = db.query(con, "SELECT count(*) AS n FROM participants WHERE study = 'prop'")["n"].iloc[0]
        demo = db.query(con, "SELECT count(*) AS n FROM participants WHERE study = 'demo'")["n"].iloc[0]
    finally:
        con.close()
    assert n == sum(summary.people.values()) == 4
    assert demo == 100
