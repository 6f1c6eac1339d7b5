"""Single-group follow-up (issue 33): change from baseline against scipy, the page, and no effect or money."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from scipy import stats

from analysis.intake.importer import ImportRejected, import_study
from analysis.stats.change import describe_change


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_mean_change_and_its_interval_are_scipys_paired_t(seed):
    rng = np.random.default_rng(seed)
    before = rng.normal(5, 2, 30)
    after = before + rng.normal(0.4, 1.2, 30)
    found = describe_change(before, after, True)
    # scipy.stats.ttest_rel(after, before).confidence_interval(0.95)
    reference = stats.ttest_rel(after, before)
    interval = reference.confidence_interval(0.95)
    assert (found["ci_low"], found["ci_high"]) == pytest.approx((interval.low, interval.high), abs=1e-12)
    assert found["p_value"] == pytest.approx(reference.pvalue, abs=1e-12)
    assert found["share_better"] + found["share_unchanged"] + found["share_worse"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("before", "after", "direction", "expected"),
    [
        ([1, 2, 3, 4], [3, 4, 3, 2], True, {"share_better": 0.5, "share_unchanged": 0.25, "share_worse": 0.25}),
        ([1, 2, 3, 4], [3, 4, 3, 2], False, {"share_better": 0.25, "share_unchanged": 0.25, "share_worse": 0.5}),
        ([1, 2, 3, 4], [3, 4, 3, 2], None, {"share_lower": 0.25, "share_unchanged": 0.25, "share_higher": 0.5}),
        ([2, 2, 2], [3, 2, 1], True, {"share_better": 1 / 3, "share_unchanged": 1 / 3, "share_worse": 1 / 3}),
    ],
)
def test_who_changed_how_follows_the_measures_direction_and_half_a_baseline_sd(before, after, direction, expected):
    # SD of 1, 2, 3, 4 is 1.29: unchanged under 0.65; with no spread at the start any change counts
    found = describe_change(before, after, direction)
    assert {k: found[k] for k in expected} == pytest.approx(expected)


@pytest.fixture(scope="module")
def single_store(small_demo_path, tmp_path_factory):
    """The small demo's people without an arm column (everyone had the service), imported as single_group."""
    from test_update import _demo_files, _write_hours, _write_people

    folder = tmp_path_factory.mktemp("single")
    people, hours, end = _demo_files(small_demo_path, folder)
    people_path = _write_people(folder / "p.csv", people)
    frame = pd.read_csv(people_path, dtype=str).drop(columns=["arm"])
    frame.to_csv(folder / "p_noarm.csv", index=False)
    path = folder / "single.duckdb"
    done = run_cli("import", "--db", str(path), "--study", "ibic", "--participants", str(folder / "p_noarm.csv"),
                   "--hours", str(_write_hours(folder / "h.csv", hours)), "--design", "single_group",
                   "--data-end", str(end), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path, people_path, folder


def test_a_single_group_shows_change_and_refuses_comparisons_and_money(single_store):
    path, *_ = single_store
    done = run_cli("view", "single_group", "--db", str(path), "--study", "ibic", "--month", "12", "--json")
    assert done.returncode == 0, done.stderr
    change = json.loads(done.stdout)["tables"]["change"]
    hours = next(row for row in change if row["measure"] == "hours")
    assert hours["n"] > 100 and hours["ci_low"] <= hours["mean_change"] <= hours["ci_high"]
    for command in (["compare"], ["costs", "--study", "ibic"], ["monitor"]):
        refused = run_cli(*command, "--db", str(path), *([] if "--study" in command else ["--study", "ibic"]))
        assert refused.returncode == 1 and "single_group" in refused.stderr, refused.stderr
    overview = json.loads(run_cli("view", "overview", "--db", str(path), "--study", "ibic", "--json").stdout)
    assert list(overview["tables"]) == ["cannot_estimate"]


def test_a_single_group_with_a_control_row_is_refused_by_row(single_store, tmp_path):
    _, people_path, folder = single_store
    with pytest.raises(ImportRejected) as caught:
        import_study(tmp_path / "s.duckdb", "s", people_path, folder / "h.csv", design="single_group")
    problem = next(p for p in caught.value.problems if p.code == "single_group_control")
    assert problem.row is not None and problem.value == "control"


def test_the_single_group_page_shows_the_change_the_chart_and_the_caveats(single_store, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from analysis.present.texts import t

    monkeypatch.setenv("IHR_DB_PATH", str(single_store[0]))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=120).run()
    at.switch_page("views/single_group.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == t("single.title", "sv")
    assert len(at.get("plotly_chart")) == 1
    assert "regression mot medelvärdet" in " ".join(m.value for m in at.markdown)
    at.switch_page("views/overview.py").run()
    assert not at.exception and not at.error and any("en grupp" in i.value for i in at.info)
