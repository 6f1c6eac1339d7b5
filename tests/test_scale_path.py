"""The read path over a Parquet-per-study layout (issue 18): the same SQL, the same numbers as a store file."""

import pandas as pd
import pytest

from analysis.economics.qaly import compare_cost_effectiveness
from analysis.economics.scenario import unit_costs
from analysis.outcomes.measures import compare_measures
from analysis.present.viewer import PAGES, ViewOptions, view_page
from analysis.selection import Selection
from analysis.store import db
from analysis.store.studies import describe_study


@pytest.fixture(scope="module")
def layouts(small_demo_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("parquet")
    written = db.export_parquet(small_demo_path, folder)
    return small_demo_path, folder, written


def test_every_study_is_a_folder_of_parquet_files(layouts):
    _, _, written = layouts
    assert [w.name for w in written] == ["study=demo"]
    assert sorted(p.name for p in written[0].iterdir()) == sorted(f"{t}.parquet" for t in db.TABLES)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_the_pages_read_the_same_from_parquet_as_from_the_store(layouts, page):
    store, folder, _ = layouts
    tables = []
    for con in (db.connect(store), db.connect_parquet(folder)):
        tables.append(view_page(con, page, Selection("demo", month=12), 5, ViewOptions(draws=200)))
        con.close()
    for name in tables[0]:
        pd.testing.assert_frame_equal(tables[0][name], tables[1][name], obj=f"{page}/{name}")


def test_measures_qalys_and_the_study_read_the_same_from_parquet(layouts):
    store, folder, _ = layouts
    results = []
    for con in (db.connect(store), db.connect_parquet(folder)):
        measures = compare_measures(con, Selection("demo"), "eq5d_index", window=12, repeated=False).visits
        qalys = compare_cost_effectiveness(con, Selection("demo", month=12), unit_costs(), 0.0, draws=100).groups
        results.append((measures, qalys.drop(columns=["nmb", "nmb_ci_low", "nmb_ci_high", "p_cost_effective"]),
                        describe_study(con, "demo")))  # fmt: skip
        con.close()
    pd.testing.assert_frame_equal(results[0][0], results[1][0])
    pd.testing.assert_frame_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


def test_a_layout_with_two_studies_reads_both(small_demo_path, tmp_path):
    from analysis.intake.importer import import_study
    from tests.test_import import write_pair

    store = tmp_path / "two.duckdb"
    p, h = write_pair(tmp_path)
    import_study(store, "kommun a", p, h)
    import_study(store, "kommun-b", p, h, measure="granted")
    db.export_parquet(store, tmp_path / "pq")
    con = db.connect_parquet(tmp_path / "pq")
    assert con.execute("SELECT study, hours_measure FROM studies ORDER BY study").fetchall() == [
        ("kommun a", "unknown"),
        ("kommun-b", "granted"),
    ]
    assert not con.execute("SELECT count(*) FROM measurements").fetchone()[0]  # none imported: an empty table
    con.close()
