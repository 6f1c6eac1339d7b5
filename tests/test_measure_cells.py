"""Outcome measures from per-cell moments in DuckDB, held to the per-person reference (statsmodels OLS, HC3)."""

import numpy as np
import pandas as pd
import pytest

from analysis.outcomes import measures
from analysis.outcomes.measure_cells import summarize_visits
from analysis.outcomes.measures import compare_measures
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.stats.methods import FIT_FAILED, NO_SPREAD, TOO_FEW
from analysis.store import db
from tests import reference_measures
from tests.conftest import fill_tiny, frame, hours_frame, person
from tests.test_measures import anorexia_store  # noqa: F401 (a fixture)


def _assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Hold two visit tables equal: the same rows and columns, numbers to 1e-9, reasons exactly."""
    assert len(ours) == len(theirs) and len(ours) > 0
    assert set(ours.columns) == set(theirs.columns)
    for column in theirs.columns:
        x, y = ours[column], theirs[column]
        if y.dtype.kind in "fiu":
            assert np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12, equal_nan=True), column
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), column


def write_measured_store(path, rows: list[tuple], ages: dict | None = None) -> None:
    """Write a study 'm' whose people are measured on 'eq_vas': rows of (person, arm, visit, value)."""
    ages = ages or {}
    people = {pid: arm for pid, arm, _, _ in rows}
    participants = frame([person(pid, arm=arm, age=ages.get(pid, 70)) for pid, arm in people.items()])
    measured = pd.DataFrame(rows, columns=["person_id", "arm", "visit_month", "value"]).drop(columns="arm")

    def fill(con):
        fill_tiny(con, participants, hours_frame([(next(iter(people)), "2016-02", 1.0)]), study="m")
        con.register("mm", measured)
        con.execute("INSERT INTO measurements SELECT 'm', person_id, visit_month, NULL, 'eq_vas', value FROM mm")

    db.write_study(path, "m", fill)


def _simulated_rows(seed: int, n: int = 600) -> tuple[list[tuple], dict]:
    """Return a trial whose outcome depends on baseline through a step and a square, skewed errors, missed visits."""
    rng = np.random.default_rng(seed)
    rows, ages = [], {}
    for i in range(n):
        pid, arm = f"s{i}", "intervention" if i % 2 else "control"
        ages[pid] = int(rng.integers(65, 100))  # some outside the bands 65–95: they count only in 'all'
        baseline = float(np.round(rng.normal(50, 10), 1))  # rounded: tied values
        if rng.random() > 0.15:
            rows.append((pid, arm, 0, baseline))
        for visit in (3, 12):
            if rng.random() < 0.2:
                continue  # a missed visit
            value = 0.02 * (baseline - 50) ** 2 + 3 * (baseline > 55) + 0.5 * (arm == "intervention")
            rows.append((pid, arm, visit, float(np.round(value + rng.gamma(2, 1.5), 1))))
    return rows, ages


@pytest.fixture(scope="module")
def simulated_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cells") / "m.duckdb"
    write_measured_store(path, *_simulated_rows(4711))
    return path


BANDS = parse_band_edges("65,76,86,96")


@pytest.mark.parametrize(
    "filters", [Filters(), Filters(sex=("F",)), Filters(application_type=("new",)), Filters(district=("Centrum",))]
)
def test_the_demo_visits_from_cells_equal_the_per_person_reference(small_demo_path, filters):
    con = db.connect(small_demo_path)
    selection = Selection("demo", filters, BANDS)
    for instrument in measures.list_instruments(con, "demo"):
        ours = summarize_visits(con, selection, instrument)
        _assert_same(ours, reference_measures.summarize_visits(con, selection, instrument))
        assert ours["ancova_cannot_estimate"].isna().sum() > 0  # the demo's ANCOVAs are estimated
    con.close()


def test_a_misspecified_trial_with_missed_visits_equals_the_reference(simulated_path):
    con = db.connect(simulated_path)
    selection = Selection("m", Filters(), BANDS)
    ours = summarize_visits(con, selection, "eq_vas")
    _assert_same(ours, reference_measures.summarize_visits(con, selection, "eq_vas"))
    con.close()
    everyone = ours[ours["age_band"] == "all"].set_index("visit_month")
    assert everyone.loc[12, "n_intervention"] < 300 and everyone.loc[12, "ancova_n"] < everyone.loc[12, "n_control"] * 2


def test_the_published_trial_from_cells_equals_the_reference(anorexia_store):  # noqa: F811
    con = db.connect(anorexia_store)
    selection = Selection("anorexia")
    _assert_same(summarize_visits(con, selection, "weight_kg"),
                 reference_measures.summarize_visits(con, selection, "weight_kg"))  # fmt: skip
    con.close()


def _pairs(values: list[tuple[int, float, float]]) -> list[tuple]:
    """Return rows of people measured at baseline and month 3: (intervention, value, baseline) each."""
    rows = []
    for i, (flag, value, baseline) in enumerate(values):
        arm = "intervention" if flag else "control"
        rows += [(f"q{i}", arm, 0, baseline), (f"q{i}", arm, 3, value)]
    return rows


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ([(1, 5.0, 4.0), (0, 6.0, 3.0), (0, 6.0, 4.0), (0, 7.0, 5.0), (0, 6.0, 2.0)], TOO_FEW),
        ([(1, 5.0, 4.0), (1, 5.0, 4.0), (0, 6.0, 4.0), (0, 7.0, 4.0), (0, 6.0, 4.0)], NO_SPREAD),
        ([(1, 5.0, 4.0), (1, 5.0, 3.0), (0, 5.0, 4.0), (0, 5.0, 2.0), (0, 5.0, 6.0)], NO_SPREAD),
        ([(1, 5.0, 4.0), (1, 6.0, 4.0), (1, 7.0, 4.0), (0, 5.0, 2.0), (0, 8.0, 2.0), (0, 6.0, 2.0)], FIT_FAILED),
    ],
    ids=["one intervention person", "one baseline value", "one value at the visit", "baseline separates the arms"],
)
def test_the_cells_say_why_the_ancova_cannot_be_estimated(tmp_path, values, reason):
    write_measured_store(tmp_path / "e.duckdb", _pairs(values))
    con = db.connect(tmp_path / "e.duckdb")
    out = summarize_visits(con, Selection("m"), "eq_vas")
    con.close()
    at3 = out[(out["age_band"] == "all") & (out["visit_month"] == 3)].iloc[0]
    assert at3["ancova_cannot_estimate"] == reason and np.isnan(at3["ancova_difference"])
    assert at3["ancova_n"] == len(values)


def test_the_page_reads_no_person_when_the_repeated_model_is_not_asked(small_demo_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("people were loaded")

    monkeypatch.setattr(measures, "load_measurements", refuse)
    con = db.connect(small_demo_path)
    result = compare_measures(con, Selection("demo"), "eq5d_index", window=24, repeated=False)
    con.close()
    assert result.primary()["ancova_n"] > 100 and np.isfinite(result.primary()["ancova_difference"])


def test_a_selection_nobody_was_measured_in_gives_no_visit(simulated_path):
    con = db.connect(simulated_path)
    nobody = Selection("m", Filters(district=("Ingenstans",)), BANDS)
    ours = summarize_visits(con, nobody, "eq_vas")
    result = compare_measures(con, nobody, "eq_vas", repeated=False)
    con.close()
    assert ours.empty and result.visits.empty and result.primary() is None and result.interaction is None
