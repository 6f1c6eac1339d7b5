import math

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_SPEC
from reference import month_values
from scipy import stats

from analysis.demo import generate_demo_trial, study_data_end
from analysis.errors import InputError
from analysis.outcomes.compare import GROUP_COLUMNS, compare_hours
from analysis.outcomes.overview import summarize_people, trace_hours
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.stats.descriptive import assess_heterogeneity
from analysis.store import db

BANDS = parse_band_edges("65,76,86,96")


@pytest.fixture(scope="module")
def reference_data():
    participants, hours = generate_demo_trial(SMALL_SPEC)
    return participants, hours, study_data_end(SMALL_SPEC)


def _band(age):
    return pd.cut(age, [64, 75, 85, 95], labels=["65-75", "76-85", "86-95"]).astype(str)


@pytest.mark.parametrize("month", [3, 12, 24])
@pytest.mark.parametrize(
    "filters", [Filters(), Filters(sex=("F",)), Filters(application_type=("extended",), district=("Centrum", "Ärla"))]
)
def test_compare_matches_scipy_on_person_values(small_demo_path, reference_data, month, filters):
    participants, hours, data_end = reference_data
    ref = month_values(participants, hours, data_end, month)
    for col in ("sex", "application_type", "district"):
        if getattr(filters, col):
            ref = ref[ref[col].isin(getattr(filters, col))]
    ref["band"] = _band(ref["age"])
    con = db.connect(small_demo_path)
    result = compare_hours(con, Selection("demo", filters, BANDS, month))
    con.close()
    groups = result.groups.set_index("age_band")
    for label in ["65-75", "76-85", "86-95", "all"]:
        part = ref if label == "all" else ref[ref["band"] == label]
        a = part.loc[part["arm"] == "intervention", "hours"]
        b = part.loc[part["arm"] == "control", "hours"]
        row = groups.loc[label]
        assert (row["n_intervention"], row["n_control"]) == (len(a), len(b))
        assert row["mean_intervention"] == pytest.approx(a.mean(), rel=1e-9, nan_ok=True)
        # Independent: scipy's Welch test on the person-level values.
        res = stats.ttest_ind(a, b, equal_var=False)
        ci = res.confidence_interval(0.95)
        assert row["p_value"] == pytest.approx(res.pvalue, rel=1e-7, nan_ok=True)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-7, nan_ok=True)
    # The interaction: Welch's test of equal differences across the bands, fed by scipy's Welch tests.
    estimates, variances, dfs = [], [], []
    for label in ["65-75", "76-85", "86-95"]:
        part = ref[ref["band"] == label]
        a, b = part.loc[part["arm"] == "intervention", "hours"], part.loc[part["arm"] == "control", "hours"]
        res = stats.ttest_ind(a, b, equal_var=False)
        estimates.append(a.mean() - b.mean())
        variances.append(((a.mean() - b.mean()) / res.statistic) ** 2)
        dfs.append(res.df)
    expected = assess_heterogeneity(estimates, variances, dfs)
    assert result.interaction["p_value"] == pytest.approx(expected["p_value"], rel=1e-6)
    assert result.interaction["method"] == "welch-james"


def test_demo_interaction_shows_76_85_differs(tmp_path):
    from analysis.demo import build_demo_store

    path = tmp_path / "d.duckdb"
    build_demo_store(path)
    con = db.connect(path)
    result = compare_hours(con, Selection("demo", Filters(), BANDS, 24))
    con.close()
    g = result.groups.set_index("age_band")
    assert g.loc["65-75", "ci_high"] < 0 and g.loc["86-95", "ci_high"] < 0
    assert g.loc["76-85", "ci_low"] < 0 < g.loc["76-85", "ci_high"]
    assert result.interaction["p_value"] < 0.01


def test_to_dict_has_the_cli_shape_and_no_nan(small_demo_path):
    con = db.connect(small_demo_path)
    # A filter leaving a band nearly empty must give null, not NaN, in JSON.
    result = compare_hours(
        con, Selection("demo", Filters(district=("Ärla",), sex=("M",)), parse_band_edges("65,76,86,90,96"), 24)
    )
    con.close()
    out = result.to_dict()
    assert set(out) == {"month", "groups", "interaction_p_value"}
    assert all(set(GROUP_COLUMNS) <= set(g) for g in out["groups"])  # the promised keys, and more
    for g in out["groups"]:
        for v in g.values():
            assert not (isinstance(v, float) and math.isnan(v))


def test_people_in_no_band_count_only_in_all(small_demo_path):
    con = db.connect(small_demo_path)
    people = summarize_people(con, Selection("demo", Filters(), parse_band_edges("70,80")))
    con.close()
    assert list(people["age_band"].unique()) == ["70-79", "all"]
    total = people.loc[people["age_band"] == "all", "n"].sum()
    assert total == SMALL_SPEC.n_people


def test_summarize_people_matches_pandas(small_demo_path, reference_data):
    participants, _, _ = reference_data
    con = db.connect(small_demo_path)
    people = summarize_people(con, Selection("demo", Filters(), BANDS)).set_index(["age_band", "arm"])
    con.close()
    band = _band(participants["age"])
    for (label, arm), part in participants.groupby([band, "arm"]):
        row = people.loc[(label, arm)]
        assert row["n"] == len(part)
        assert row["n_placed"] == part["placed_on"].notna().sum()
        assert row["n_died"] == part["died_on"].notna().sum()
        assert row["placed_ci_low"] < row["share_placed"] < row["placed_ci_high"]


def test_trace_hours_month_rows_match_compare(small_demo_path):
    con = db.connect(small_demo_path)
    trace = trace_hours(con, Selection("demo", Filters(), BANDS))
    result = compare_hours(con, Selection("demo", Filters(), BANDS, 12))
    con.close()
    row = trace[(trace["age_band"] == "all") & (trace["arm"] == "control") & (trace["month_k"] == 12)].iloc[0]
    g = result.groups.set_index("age_band").loc["all"]
    assert row["mean"] == pytest.approx(g["mean_control"], rel=1e-12)
    assert sorted(trace["month_k"].unique()) == list(range(25))


@pytest.mark.parametrize(("field", "value"), [("sex", "K"), ("application_type", "ny")])
def test_bad_filter_values_are_rejected(field, value):
    with pytest.raises(InputError) as err:
        Filters(**{field: (value,)})
    assert value in err.value.sv and field in err.value.en


def test_values_never_formatted_into_sql(small_demo_path):
    # A district holding a quote and SQL is just an unknown district: no rows, no error.
    con = db.connect(small_demo_path)
    result = compare_hours(con, Selection("demo", Filters(district=("x' OR 1=1 --",)), BANDS, 6))
    con.close()
    assert (result.groups["n_intervention"] == 0).all()
    assert np.isnan(result.groups["p_value"]).all()
