"""Staged roll-outs (issue 33): did2s against a hand-written imputation estimator, and simulated with known truth."""

import numpy as np
import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.stats.staggered import estimate_staggered, prepare_cells

WAVES = (6, 12, 18, 24)  # 12 areas adopting in 4 waves over a 36-month panel


def simulate_rollout(rng, areas=12, months=36, waves=WAVES, people=60, growth=0.3, rho=0.0, pre_trend=0.0):
    """Return area-month cells with an effect that differs by wave and grows with months since adoption.

    rho: AR(1) correlation of each area's monthly shocks (a model the estimator does not assume); people
    varies by area when given as a range; pre_trend: a drift of the adopting areas before adoption.
    """
    adopted = np.repeat(np.asarray(waves, dtype=float), areas // len(waves))
    size = rng.integers(*people, areas) if isinstance(people, tuple) else np.full(areas, people)
    area_effect, month_effect = rng.normal(0, 3, areas), np.cumsum(rng.normal(0, 0.5, months))
    rows = []
    for a in range(areas):
        shock = 0.0
        for m in range(months):
            since = m - adopted[a]
            wave = list(waves).index(adopted[a])
            truth = -(2 + 1.5 * wave + growth * since) if since >= 0 else 0.0
            drift = pre_trend * since if -12 <= since < 0 else 0.0
            shock = rho * shock + np.sqrt(1 - rho**2) * rng.normal(0, 8 / np.sqrt(size[a]))
            outcome = 20 + area_effect[a] + month_effect[m] + truth + drift + shock
            rows.append((a, m, adopted[a], outcome, size[a], truth))
    return pd.DataFrame(rows, columns=["area", "month", "adopted", "y", "n", "truth"])


def impute_by_hand(cells: pd.DataFrame) -> float:
    """Return the imputation estimate (Borusyak, Jaravel & Spiess): fit area + month on untreated, average the rest."""
    data, _ = prepare_cells(cells)
    dummies = pd.get_dummies(data[["area", "month"]].astype(str)).to_numpy(float)
    weight = np.sqrt(data["n"].to_numpy(float))
    untreated = data["treat"].to_numpy() == 0
    beta = np.linalg.lstsq(dummies[untreated] * weight[untreated, None], data["y"].to_numpy()[untreated] *
                           weight[untreated], rcond=None)[0]  # fmt: skip
    treated = ~untreated
    return float(np.average(data["y"].to_numpy()[treated] - dummies[treated] @ beta, weights=data["n"][treated]))


def true_att(cells: pd.DataFrame) -> float:
    """Return the people-weighted mean true effect over the adopted area-months the estimator can use."""
    data, _ = prepare_cells(cells)
    treated = data[data["treat"] == 1]
    return float(np.average(treated["truth"], weights=treated["n"]))


@pytest.mark.parametrize("seed", [1, 2])
def test_did2s_equals_a_hand_written_imputation_estimator(seed):
    cells = simulate_rollout(np.random.default_rng(seed), people=(20, 90))
    # pyfixest's demeaning stops at its default tolerance (did2s passes none): equal to about 1e-6 h/month
    assert estimate_staggered(cells).att == pytest.approx(impute_by_hand(cells), abs=1e-5)


def test_the_months_every_area_has_adopted_and_areas_without_a_month_before_are_left_out_and_counted():
    cells = simulate_rollout(np.random.default_rng(3))
    early = cells.assign(adopted=np.where(cells["area"] == 0, -1.0, cells["adopted"]))  # adopted before the data
    data, left = prepare_cells(early)
    assert left == {"months_without_comparison": 12, "areas_adopted_before_data": 1, "empty_area_months": 0}
    assert data["month"].max() == 23 and 0 not in set(data["area"])


def _replicate(reps: int, **kwargs) -> np.ndarray:
    """Return per replicate (error, covered, TWFE error, pre-trend rejected at 5 %)."""
    out = []
    for r in range(reps):
        cells = simulate_rollout(np.random.default_rng(1000 + r), **kwargs)
        result, truth = estimate_staggered(cells), true_att(cells)
        out.append((result.att - truth, result.ci_low <= truth <= result.ci_high, result.twfe_att - truth,
                    result.pre_trend_p_value < 0.05))  # fmt: skip
    return np.array(out, dtype=float)


@pytest.mark.slow
@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # effects differ by wave and grow with time since adoption
        {"rho": 0.6, "people": (15, 120)},  # misspecified: serially correlated area shocks, unequal areas
    ],
)
def test_the_robust_estimate_recovers_the_truth_where_two_way_fixed_effects_is_biased(kwargs):
    runs = _replicate(80, **kwargs)
    error, covered, twfe, _ = runs.T
    assert abs(error.mean()) < 0.25 and (np.abs(error) < 1.0).mean() >= 0.95  # within 1 h/month, nearly always
    assert covered.mean() >= 0.90
    assert twfe.mean() > 0.5 and abs(twfe.mean()) > 4 * abs(error.mean())  # the naive estimate is visibly off


@pytest.mark.slow
def test_the_pre_trend_test_keeps_its_level_and_sees_a_drift_before_adoption():
    assert _replicate(80)[:, 3].mean() <= 0.10
    assert _replicate(40, pre_trend=0.15)[:, 3].mean() >= 0.8


def test_an_event_study_is_flat_before_adoption_and_follows_the_growing_effect_after():
    cells = simulate_rollout(np.random.default_rng(7))
    series = estimate_staggered(cells).event_study
    before, after = series[series["event_month"] < 0], series[series["event_month"] >= 0]
    assert list(series["event_month"]) == list(range(-12, 18))  # the first wave (month 6) is compared to month 23
    assert np.abs(before["att"]).max() < 1.0
    truth = cells[cells["month"] >= cells["adopted"]].assign(event_month=lambda f: f["month"] - f["adopted"])
    expected = truth[truth["month"] < 24].groupby("event_month")["truth"].mean()
    after = after.set_index("event_month").assign(truth=expected.loc[0:17])
    assert after["att"].mean() == pytest.approx(after["truth"].mean(), abs=0.5)  # each month alone is noisy
    assert ((after["ci_low"] <= after["truth"]) & (after["truth"] <= after["ci_high"])).mean() >= 0.85
    assert (after["n_areas"] > 0).all() and (before["n_people"] > 0).all()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda c: c[c["area"] < 3], "3 områden"),  # too few areas
        (lambda c: c.assign(adopted=np.nan), "inget område har infört"),  # nobody adopted
    ],
)
def test_degenerate_roll_outs_say_why_they_cannot_be_estimated(change, why):
    cells = change(simulate_rollout(np.random.default_rng(4)))
    with pytest.raises(InputError) as caught:
        estimate_staggered(cells)
    assert caught.value.sv.startswith("Kan inte skattas") and why in caught.value.sv
    assert caught.value.en.startswith("Cannot be estimated")
