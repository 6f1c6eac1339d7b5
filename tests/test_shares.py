"""A filtered view's incidences follow its perturbed counts (disclosure.shares), so no share gives a true count back."""

import numpy as np
import pandas as pd
import pytest

from analysis.present.disclosure.shares import ratio_to_true, scale_curves, scale_placement


def _counts(placed, true_placed, n=(100, 100), true_n=(100, 100)):
    """Perturbed counts of one band ('all') per arm, as linked 'counts_placement' gives them."""
    return pd.DataFrame(
        {
            "age_band": ["all", "all"],
            "arm": ["intervention", "control"],
            "n": list(n),
            "true_n": list(true_n),
            "placed": list(placed),
            "true_placed": list(true_placed),
        }
    )


def _placed_by(months: dict):
    """Perturbed placements by month (month -> ((shown_i, true_i), (shown_c, true_c))), placed_full = window."""
    rows = []
    for month, arms in months.items():
        for arm, (shown, true) in zip(("intervention", "control"), arms, strict=True):
            rows.append(
                {"age_band": "all", "arm": arm, "month": month, "placed_window": shown, "true_placed_window": true}
                | {"placed_full": shown, "true_placed_full": true}
            )
    return pd.DataFrame(rows)


def _groups(**extra):
    """One exact placement row: 10/100 placed against 20/100, no censoring."""
    row = {
        "age_band": "all",
        "cuminc_intervention": 0.10,
        "cuminc_ci_low_intervention": 0.05,
        "cuminc_ci_high_intervention": 0.17,
        "one_minus_km_intervention": 0.11,
        "cuminc_control": 0.20,
        "cuminc_ci_low_control": 0.13,
        "cuminc_ci_high_control": 0.29,
        "one_minus_km_control": 0.22,
        "nursing_home_days_intervention": 1000.0,
        "person_years_intervention": 190.0,
        "nursing_home_days_per_person_year_intervention": 1000 / 190,
        "nursing_home_days_control": 2000.0,
        "person_years_control": 180.0,
        "nursing_home_days_per_person_year_control": 2000 / 180,
        "risk_difference_window": -0.10,
        "rd_ci_low_window": -0.20,
        "rd_ci_high_window": 0.00,
        "risk_ratio_window": 0.5,
        "rr_ci_low_window": 0.25,
        "rr_ci_high_window": 1.0,
        "hazard_ratio": 0.48,
    }
    return pd.DataFrame([row | extra])


@pytest.mark.parametrize(
    ("shown", "true", "expected"),
    [
        (12.0, 10.0, 1.2),  # noise +2 on 10
        (0.0, 0.0, 1.0),  # nobody placed: the figures are 0 whatever the factor
        (np.nan, 3.0, np.nan),  # a hidden count hides its figures
        (5.0, 5.0, 1.0),
    ],
)
def test_the_ratio_is_shown_over_true_one_for_zero_and_missing_for_a_hidden_count(shown, true, expected):
    out = ratio_to_true([shown], [true])[0]
    assert (np.isnan(out) and np.isnan(expected)) or out == pytest.approx(expected)


def test_shares_and_days_move_with_the_placements_noise_and_the_contrasts_with_them():
    out = scale_placement(_groups(), _counts((12, 19), (10, 20), n=(101, 99)), _placed_by({}))
    row = out.iloc[0]
    assert row["cuminc_intervention"] == pytest.approx(0.12)  # 0.10 × 12/10: gives 12 back, not 10
    assert row["cuminc_ci_low_intervention"] == pytest.approx(0.06)
    assert row["cuminc_ci_high_intervention"] == pytest.approx(0.204)
    assert row["one_minus_km_intervention"] == pytest.approx(0.132)
    assert row["cuminc_control"] == pytest.approx(0.19)
    assert row["nursing_home_days_intervention"] == pytest.approx(1200.0)
    assert row["person_years_intervention"] == pytest.approx(191.9)  # 190 × 101/100
    assert row["nursing_home_days_per_person_year_intervention"] == pytest.approx(1200 / 191.9)
    # The risk difference is the shown arms' difference; its interval moves with it and keeps its width.
    assert row["risk_difference_window"] == pytest.approx(0.12 - 0.19)
    assert row["rd_ci_low_window"] == pytest.approx(-0.20 + 0.03)
    assert row["rd_ci_high_window"] - row["rd_ci_low_window"] == pytest.approx(0.20)
    # The ratio is the shown arms' ratio; its interval scales with it (the log interval keeps its width).
    assert row["risk_ratio_window"] == pytest.approx(0.12 / 0.19)
    assert row["rr_ci_high_window"] / row["rr_ci_low_window"] == pytest.approx(4.0)
    assert row["hazard_ratio"] == 0.48  # a fitted model's ratio is not a share of one count


def test_a_share_stays_within_zero_and_one():
    groups = _groups(cuminc_ci_high_intervention=0.98)
    out = scale_placement(groups, _counts((12, 20), (10, 20)), _placed_by({}))
    assert out.iloc[0]["cuminc_ci_high_intervention"] == 1.0


def test_the_contrasts_at_12_and_24_months_follow_their_own_months_counts():
    groups = _groups(
        cuminc_12_intervention=0.05,
        cuminc_12_control=0.10,
        risk_difference_12=-0.05,
        rd_ci_low_12=-0.12,
        rd_ci_high_12=0.02,
        risk_ratio_12=0.5,
        rr_ci_low_12=0.2,
        rr_ci_high_12=1.25,
    )
    placed_by = _placed_by({12: ((6, 5), (10, 10)), 24: ((0, 0), (0, 0))})
    out = scale_placement(groups, _counts((10, 20), (10, 20)), placed_by)
    row = out.iloc[0]
    assert row["cuminc_12_intervention"] == pytest.approx(0.06)
    assert row["risk_difference_12"] == pytest.approx(-0.04)
    assert row["rd_ci_low_12"] == pytest.approx(-0.11)
    assert row["risk_ratio_12"] == pytest.approx(0.6)
    assert row["risk_difference_window"] == pytest.approx(-0.10)  # the window's own counts had no noise


def test_a_curve_follows_each_months_own_count_and_a_hidden_month_is_a_gap():
    monthly = pd.DataFrame(
        {
            "age_band": "all",
            "arm": "intervention",
            "month": [0, 1, 2, 3],
            "cuminc": [0.0, 0.03, 0.06, 0.10],
            "ci_low": [0.0, 0.01, 0.02, 0.05],
            "ci_high": [0.0, 0.08, 0.12, 0.17],
            "one_minus_km": [0.0, 0.03, 0.06, 0.11],
        }
    )
    placed_by = _placed_by({1: ((np.nan, 3), (0, 0)), 2: ((7, 6), (0, 0)), 3: ((9, 10), (0, 0))})
    out = scale_curves(monthly, placed_by).set_index("month")
    assert out.loc[0, "cuminc"] == 0.0
    assert np.isnan(out.loc[1, "cuminc"]) and np.isnan(out.loc[1, "ci_high"])  # 3 placed by month 1: hidden
    assert out.loc[2, "cuminc"] == pytest.approx(0.07)
    assert out.loc[3, "cuminc"] == pytest.approx(0.09)
    assert out.loc[3, "one_minus_km"] == pytest.approx(0.099)
    # Between months the ratio is that of the perturbed counts (7/9), not of the true ones (6/10).
    assert out.loc[2, "cuminc"] / out.loc[3, "cuminc"] == pytest.approx(7 / 9)


def test_a_scaled_curve_never_steps_down_and_ends_at_the_tables_value():
    monthly = pd.DataFrame(
        {
            "age_band": "all",
            "arm": "control",
            "month": [0, 1, 2, 3],
            "cuminc": [0.0, 0.10, 0.11, 0.12],
            "ci_low": [0.0, 0.05, 0.06, 0.07],
            "ci_high": [0.0, 0.15, 0.16, 0.17],
        }
    )
    # Noise +2 on month 1's 10 placements, −1 on month 3's 12: scaled, 0.12 > 0.11 > 0.11.
    placed_by = _placed_by({1: ((0, 0), (12, 10)), 2: ((0, 0), (11, 11)), 3: ((0, 0), (11, 12))})
    out = scale_curves(monthly, placed_by).set_index("month")
    values = out["cuminc"].to_numpy()
    assert (np.diff(values) >= 0).all()
    assert out.loc[3, "cuminc"] == pytest.approx(0.11)  # the window's end: 0.12 × 11/12, as the table
    assert out.loc[1, "cuminc"] == pytest.approx(0.11)  # 0.12 lowered to the smallest value after it
    assert (out["ci_low"] <= out["cuminc"]).all() and (out["ci_high"] >= out["cuminc"]).all()
