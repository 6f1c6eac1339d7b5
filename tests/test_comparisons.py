import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import frame, hours_frame, person, write_tiny_store
from tableone import TableOne

from analysis.demo import build_demo_store
from analysis.outcomes.baseline import count_flow, describe_baseline, load_baseline
from analysis.outcomes.comparisons import compare_by_method, compare_fast_welch, run_comparison
from analysis.outcomes.person_values import load_all_months, load_month_values
from analysis.present.exports import table_to_csv
from analysis.present.reproduce import reproduce_snippet
from analysis.present.stamp import make_stamp
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.stats.methods import METHODS
from analysis.store import db

BANDS = parse_band_edges("65,76,86,96")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cmp") / "demo.duckdb"
    build_demo_store(path)
    return path


@pytest.fixture
def tiny(tmp_path):
    rows = [
        person("a", randomized="2016-01-15", age=70, baseline=5),
        person("b", randomized="2016-01-15", age=70, died="2016-02-10", baseline=8),  # dies in month 1
        person("c", arm="control", randomized="2016-01-15", age=80, placed="2016-03-01", sex="M", baseline=9),
        person("d", arm="control", randomized="2016-01-15", age=80, end="2016-02-20", baseline=1),  # leaves in month 1
    ]
    hours = hours_frame([("a", "2016-03", 4.0), ("c", "2016-02", 6.0), ("c", "2016-04", 99.0)])
    path = tmp_path / "t.duckdb"
    write_tiny_store(path, frame(rows), hours, data_end=dt.date(2016, 6, 30))
    return path


def test_month_values_exclude_and_zero_by_hand(tiny):
    con = db.connect(tiny)
    excl = load_month_values(con, Selection("tiny", Filters(), BANDS, 2), "exclude")
    zero = load_month_values(con, Selection("tiny", Filters(), BANDS, 2), "zero")
    con.close()
    # Month 2 (March): a at home with 4 h; c placed on 1 March (not before the month): counted, 0 h in March.
    assert sorted(zip(excl["arm"], excl["hours"])) == [("control", 0.0), ("intervention", 4.0)]
    # 'zero' adds b (died in February) with 0 hours; d left follow-up and stays out.
    assert sorted(zip(zero["arm"], zero["hours"])) == [("control", 0.0), ("intervention", 0.0), ("intervention", 4.0)]


def test_all_months_by_hand(tiny):
    con = db.connect(tiny)
    months = load_all_months(con, Selection("tiny", Filters(), BANDS, 5))
    con.close()
    per_person = months.groupby("person")["month_k"].max().tolist()
    assert per_person == [5, 1, 2, 1]  # a to June; b dies in Feb; c placed 1 March; d leaves in Feb
    assert months.loc[months["hours"] > 0, "hours"].tolist() == [4.0, 6.0]  # c's April hours are after placement


def test_welch_by_method_equals_cells_path(demo_path):
    con = db.connect(demo_path)
    fast = compare_fast_welch(con, Selection("demo", Filters(), BANDS, 24)).groups
    slow = compare_by_method(con, Selection("demo", Filters(), BANDS, 24), "welch").groups
    con.close()
    for col in ("n_intervention", "mean_intervention", "difference", "ci_low", "ci_high", "p_value", "p_value_holm"):
        np.testing.assert_allclose(fast[col], slow[col], rtol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_demo_shows_76_85_differs_with_every_method(demo_path, method):
    con = db.connect(demo_path)
    result = run_comparison(con, Selection("demo", Filters(), BANDS, 24), method)
    con.close()
    g = result.groups.set_index("age_band")
    assert g.loc["65-75", "ci_high"] < 0 and g.loc["86-95", "ci_high"] < 0
    assert g.loc["76-85", "ci_low"] < 0 < g.loc["76-85", "ci_high"]
    assert result.interaction["p_value"] < 0.01
    holm = g.loc[["65-75", "76-85", "86-95"], "p_value_holm"]
    assert (holm >= g.loc[["65-75", "76-85", "86-95"], "p_value"] - 1e-15).all()


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_reproduce_snippet_gives_the_same_numbers(tmp_path, method, small_demo_path):
    con = db.connect(small_demo_path)
    handling = "zero"
    month = 6 if method == "mixed" else 12
    result = compare_by_method(con, Selection("demo", Filters(), BANDS, month), method, handling)
    if method == "mixed":
        values = load_all_months(con, Selection("demo", Filters(), BANDS, month), handling)
    else:
        values = load_month_values(con, Selection("demo", Filters(), BANDS, month), handling).drop(columns=["district"])
    con.close()
    csv = tmp_path / "values.csv"  # as the page writes it: stamped, formulas neutralised
    stamp = make_stamp("abc", Selection("demo", Filters(), BANDS, month), method, 5, 5, "sv")
    csv.write_bytes(table_to_csv(values, stamp, "sv"))
    done = subprocess.run(
        [sys.executable, "-c", reproduce_snippet(method, str(csv), month)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    printed = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in done.stdout.strip().splitlines()}
    for _, row in result.groups.iterrows():
        expected = [row["difference"], row["ci_low"], row["ci_high"]]
        assert printed[row["age_band"]][:3] == pytest.approx(expected, rel=1e-6, abs=1e-8)


def test_table1_standardized_differences_match_tableone(small_demo_path):
    con = db.connect(small_demo_path)
    people = load_baseline(con, Selection("demo", Filters(), BANDS))
    con.close()
    ours = describe_baseline(people)
    ref = TableOne(
        people,
        columns=["age", "baseline_hours", "sex", "application_type", "district"],
        categorical=["sex", "application_type", "district"],
        groupby="arm",
        smd=True,
        pval=False,
    )
    smd_col = next(c for c in ref.tableone.columns if "SMD" in str(c))
    ref_smd = ref.tableone[smd_col]
    for var, label in (("age", "age, mean (SD)"), ("baseline_hours", "baseline_hours, mean (SD)")):
        got = ours.loc[(ours.variable == var) & (ours.statistic == "mean (SD)"), "smd"].iloc[0]
        assert abs(got) == pytest.approx(abs(float(ref_smd.loc[(label, "")])), abs=5e-4)
    for var in ("sex", "application_type", "district"):
        got = ours.loc[ours.variable == var, "smd"].dropna().iloc[0]
        want = float(ref_smd.loc[f"{var}, n (%)"].replace("", np.nan).dropna().iloc[0])
        assert got == pytest.approx(want, abs=5e-4)


def test_table1_counts_and_missing_by_hand(tiny):
    con = db.connect(tiny)
    table = describe_baseline(load_baseline(con, Selection("tiny", Filters(), BANDS)))
    con.close()
    sex_f = table[(table.variable == "sex") & (table.level == "F")].iloc[0]
    assert (sex_f["value_intervention"], sex_f["value2_intervention"]) == (2.0, 100.0)
    assert (sex_f["value_control"], sex_f["value2_control"]) == (1.0, 50.0)
    base = table[(table.variable == "baseline_hours") & (table.statistic == "mean (SD)")].iloc[0]
    assert base["value_intervention"] == 6.5 and base["value2_intervention"] == pytest.approx(np.std([5, 8], ddof=1))
    assert base["smd"] == pytest.approx((6.5 - 5.0) / np.sqrt((np.var([5, 8], ddof=1) + np.var([9, 1], ddof=1)) / 2))


def test_flow_by_hand(tiny):
    con = db.connect(tiny)
    flow = count_flow(con, Selection("tiny", Filters()), [1, 2, 3]).set_index(["arm", "month"])
    con.close()
    assert flow.loc[("intervention", 2), ["at_home", "died"]].tolist() == [1, 1]
    assert flow.loc[("control", 2), ["at_home", "placed", "left_followup"]].tolist() == [1, 0, 1]
    assert flow.loc[("control", 3), ["at_home", "placed", "left_followup"]].tolist() == [0, 1, 1]
    assert (flow["randomized"] == 2).all()


def test_flow_at_home_equals_comparison_counts(demo_path):
    con = db.connect(demo_path)
    flow = count_flow(con, Selection("demo", Filters()), [24]).set_index("arm")
    groups = compare_fast_welch(con, Selection("demo", Filters(), BANDS, 24)).groups.set_index("age_band")
    con.close()
    assert flow.loc["intervention", "at_home"] == groups.loc["all", "n_intervention"]
    assert flow.loc["control", "at_home"] == groups.loc["all", "n_control"]


@pytest.mark.slow
def test_cli_compare_with_method_and_bands(small_demo_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "compare",
            "--db",
            str(small_demo_path),
            "--month",
            "12",
            "--method",
            "ancova",
            "--deaths",
            "zero",
            "--bands",
            "65,80,96",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["method"] == "ancova" and out["deaths_and_placements"] == "zero"
    assert [g["age_band"] for g in out["groups"]] == ["65-79", "80-95", "all"]
    assert all("p_value_holm" in g for g in out["groups"])
    con = db.connect(small_demo_path)
    expected = run_comparison(con, Selection("demo", Filters(), parse_band_edges("65,80,96"), 12), "ancova", "zero")
    con.close()
    assert out.pop("hours_measure") == "unknown"
    assert out.pop("design") == "randomized"
    assert out == json.loads(json.dumps(expected.to_dict()))
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", "compare", "--db", str(small_demo_path), "--method", "magic"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_values_export_has_no_identifiers(small_demo_path):
    con = db.connect(small_demo_path)
    values = load_month_values(con, Selection("demo", Filters(), BANDS, 6))
    months = load_all_months(con, Selection("demo", Filters(), BANDS, 3))
    con.close()
    assert "person_id" not in values.columns and "person_id" not in months.columns
    assert not any(str(v).startswith("D0") for v in months["person"].head())
    assert isinstance(pd.Series(months["person"]).iloc[0], (int, np.integer))
