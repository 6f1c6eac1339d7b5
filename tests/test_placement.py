import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_SPEC, frame, hours_frame, person, write_tiny_store
from lifelines import CoxPHFitter

from analysis.demo import generate_demo_trial
from analysis.outcomes.placement import analyze_placement, load_placement_data
from analysis.present.texts import read_placement
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.store import db

BANDS = parse_band_edges("65,76,86,96")
ROOT = Path(__file__).resolve().parent.parent


def test_events_and_times_by_hand(tmp_path):
    path = tmp_path / "p.duckdb"
    rows = [
        person("a", randomized="2016-01-15", placed="2016-03-15", died="2016-05-14"),  # placed day 60, died later
        person("b", randomized="2016-01-15", died="2016-02-14"),  # died day 30
        person("c", randomized="2016-01-15", placed="2016-02-14", died="2016-02-14"),  # same day: placement counts
        person("d", randomized="2016-01-15", end="2016-07-13"),  # censored day 180
        person("e", randomized="2016-01-15"),  # censored at data_end 2016-12-31: day 351
        person("f", randomized="2016-01-31", placed="2016-03-01"),  # placed day 30
    ]
    write_tiny_store(path, frame(rows), hours_frame([]), data_end=dt.date(2016, 12, 31))
    con = db.connect(path)
    full = load_placement_data(con, Selection("tiny", Filters(), BANDS))
    window = load_placement_data(con, Selection("tiny", Filters(), BANDS, 1))
    con.close()
    assert full["event"].tolist() == [1, 2, 1, 0, 0, 1]
    assert full["time"].tolist() == [60, 30, 30, 180, 351, 30]
    assert full["nursing_home_days"].tolist() == [60, 0, 0, 0, 0, 305]
    assert full.loc[0, "person_years"] == pytest.approx(120 / 365.25)
    # One-month window ends 15 Feb (a..e) and 29 Feb (f, 31 Jan + 1 month): f's placement on 1 March is outside.
    assert window["event"].tolist() == [0, 2, 1, 0, 0, 0]
    assert window["time"].tolist() == [31, 30, 30, 31, 31, 29]


@pytest.fixture(scope="module")
def result(small_demo_path):
    con = db.connect(small_demo_path)
    out = analyze_placement(con, Selection("demo", Filters(), BANDS, 24))
    con.close()
    return out


def _windowed(participants, months=24):
    """Independent pandas version of the 24-month window: censor on the same day 24 months on."""
    p = participants.copy()
    horizon = p["randomized_on"].apply(lambda d: d + pd.DateOffset(months=months))
    for col in ("placed_on", "died_on"):
        p[col] = p[col].where(p[col] <= horizon)
    p["followup_end"] = p["followup_end"].where(p["followup_end"] <= horizon, horizon)
    return p


def test_counts_match_the_generated_trial(result):
    participants = _windowed(generate_demo_trial(SMALL_SPEC)[0])
    g = result.groups.set_index("age_band").loc["all"]
    placed = participants.groupby("arm")["placed_on"].agg(lambda s: s.notna().sum())
    assert g["placed_intervention"] == placed["intervention"] and g["placed_control"] == placed["control"]
    assert g["n_intervention"] + g["n_control"] == SMALL_SPEC.n_people


def test_cox_row_matches_lifelines_on_independent_frame(result):
    p = _windowed(generate_demo_trial(SMALL_SPEC)[0])
    placed_first = p["placed_on"].notna() & (p["died_on"].isna() | (p["placed_on"] <= p["died_on"]))
    end = p[["placed_on", "died_on", "followup_end"]].min(axis=1)
    frame_ = pd.DataFrame(
        {
            "time": (end - p["randomized_on"]).dt.days,
            "placed": placed_first.astype(int),
            "x": (p["arm"] == "intervention").astype(int),
        }
    )
    ref = CoxPHFitter().fit(frame_, "time", "placed", fit_options={"precision": 1e-12})  # as R's coxph converges
    g = result.groups.set_index("age_band").loc["all"]
    assert g["hazard_ratio"] == pytest.approx(np.exp(ref.params_["x"]), rel=1e-6)


def test_risk_contrasts_are_consistent(result):
    g = result.groups.set_index("age_band").loc["all"]
    assert g["rd_ci_low_24"] < g["risk_difference_24"] < g["rd_ci_high_24"]
    assert g["rr_ci_low_24"] < g["risk_ratio_24"] < g["rr_ci_high_24"]
    # At 24 months (the end of follow-up) the contrasts are the window's cumulative incidences.
    assert g["risk_difference_24"] == pytest.approx(g["cuminc_intervention"] - g["cuminc_control"], abs=1e-12)
    assert g["cuminc_intervention"] <= g["one_minus_km_intervention"]


def test_at_risk_starts_with_everyone_and_falls(result):
    part = result.at_risk[(result.at_risk["age_band"] == "all") & (result.at_risk["arm"] == "control")]
    assert part["n"].iloc[0] == (result.groups.set_index("age_band").loc["all", "n_control"])
    assert (np.diff(part["n"].to_numpy()) <= 0).all()


def test_to_dict_shape(result):
    out = result.to_dict()
    assert out["month"] == 24 and [g["age_band"] for g in out["groups"]] == ["65-75", "76-85", "86-95", "all"]
    assert set(out["groups"][0]) == set(result.groups.columns)  # every figure the page shows
    assert set(out["groups"][0]) >= {  # the keys other tools rely on
        "age_band",
        "n_intervention",
        "n_control",
        "placed_intervention",
        "placed_control",
        "cuminc_intervention",
        "cuminc_control",
        "hazard_ratio",
        "ci_low",
        "ci_high",
        "p_value",
    }


@pytest.mark.slow
def test_cli_placement_end_to_end(small_demo_path, result):
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "placement", "--db", str(small_demo_path), "--month", "24", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(json.dumps(result.to_dict()))
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", "placement", "--db", str(small_demo_path), "--month", "99"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "0–24" in bad.stderr


def test_sentences_read_the_risk_difference_not_the_hazard_ratio():
    # A clear hazard ratio with an unclear risk difference (as 76–85 in a real trial: HR 0.61 (0.38–0.97)
    # beside Fine–Gray 0.62 (0.36–1.06)) must not be read as a clearly lower risk.
    row = {
        "age_band": "76-85",
        "cuminc_intervention": 0.064,
        "cuminc_control": 0.101,
        "risk_difference_window": -0.037,
        "rd_ci_low_window": -0.08,
        "rd_ci_high_window": 0.005,
        "hazard_ratio": 0.61,
        "ci_low": 0.38,
        "ci_high": 0.97,
    }
    sentence = read_placement(row, 24, "en")
    assert "is not clear" in sentence and "clearly" not in sentence
    assert "not a risk" in sentence  # the hazard ratio is named for what it is
    clear = read_placement(row | {"rd_ci_high_window": -0.001}, 24, "en")
    assert "clearly lower" in clear and "3.7 percentage points (95% CI 0.1 to 8.0)" in clear


def test_window_risk_difference_is_the_difference_of_the_window_incidences(result):
    g = result.groups.set_index("age_band").loc["all"]
    assert g["risk_difference_window"] == pytest.approx(g["cuminc_intervention"] - g["cuminc_control"], abs=1e-12)
    assert g["rd_ci_low_window"] < g["risk_difference_window"] < g["rd_ci_high_window"]
