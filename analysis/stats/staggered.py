"""Staged roll-outs: the average effect after adoption, robust to effects that differ by wave and grow over time.

Areas adopt a new way of working at different dates (a staggered adoption, not randomized). The data are
one row per area and calendar month: the mean outcome per person followed then (y) and the number of people
(n, the weight). The estimator is Gardner's two-stage difference-in-differences (did2s, 2022), numerically
the imputation estimator of Borusyak, Jaravel & Spiess (2024): area and month effects are fitted on the
area-months not yet (or never) adopted, each adopted area-month's untreated outcome is imputed from them,
and the effect is the people-weighted mean of observed − imputed. Unlike the two-way fixed-effects
regression (reported beside it, labelled naive), it does not use already-adopted areas as controls, so
effects that differ between waves or grow with time since adoption do not bias it (Goodman-Bacon 2021). The
fit is pyfixest's ``did2s`` with standard errors clustered by area (Gardner's correction for the first
stage); intervals use Student's t with (areas − 1) degrees of freedom, since few areas make the normal
interval too narrow. Checked against a hand-written imputation estimator and by simulation in the tests.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import InputError

EVENT_WINDOW = (-12, 24)  # months relative to adoption shown in the event study
MIN_AREAS = 4  # fewer areas give no clustered interval worth showing
_OUTSIDE = -1000  # the reference level: area-months not adopted and outside the event window, and never-adopting


@dataclass(frozen=True)
class StaggeredResult:
    """The roll-out's average effect after adoption, its event study and the naive two-way estimate."""

    att: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_areas: int
    n_adopting: int
    twfe_att: float
    twfe_ci_low: float
    twfe_ci_high: float
    pre_trend_p_value: float
    event_study: pd.DataFrame  # event_month, att, ci_low, ci_high, n_people, n_areas
    left_out: dict = field(default_factory=dict)  # what could not be used and why
    warnings: tuple[str, ...] = ()


def _cannot(sv: str, en: str) -> InputError:
    """Return the error that says the roll-out cannot be estimated, and why."""
    return InputError(f"Kan inte skattas: {sv}", f"Cannot be estimated: {en}")


def prepare_cells(cells: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Return the area-months usable for the imputation estimator and counts of those left out.

    Parameters
    ----------
    cells : DataFrame
        area, month (an integer index of calendar months), adopted (the month index of adoption; NaN: never),
        y (mean outcome per person), n (people followed).

    Returns
    -------
    tuple
        (cells with treat and rel columns, {"months_without_comparison", "areas_adopted_before_data", "empty"}).

    """
    data = cells[cells["n"] > 0].copy()
    empty = len(cells) - len(data)
    data["treat"] = (data["adopted"].notna() & (data["month"] >= data["adopted"])).astype(int)
    # A month in which every area has adopted has no untreated area-month to fit its month effect from.
    comparable = data.groupby("month")["treat"].transform("min") == 0
    # An area with no month before adoption has no untreated area-month to fit its area effect from.
    seen_untreated = data.groupby("area")["treat"].transform("min") == 0
    out = {
        "months_without_comparison": int(data.loc[~comparable, "month"].nunique()),
        "areas_adopted_before_data": int(data.loc[~seen_untreated, "area"].nunique()),
        "empty_area_months": int(empty),
    }
    data = data[comparable & seen_untreated].copy()
    rel = data["month"] - data["adopted"]
    inside = rel.between(*EVENT_WINDOW) & data["adopted"].notna()
    data["rel"] = np.where(inside, rel, _OUTSIDE).astype(int)
    return data, out


def estimate_staggered(cells: pd.DataFrame, covariates: tuple[str, ...] = ()) -> StaggeredResult:
    """Return the average effect after adoption (did2s), its event study, pre-trend test and the naive TWFE.

    Parameters
    ----------
    cells : DataFrame
        One row per area and calendar month (see prepare_cells).
    covariates : tuple of str
        Columns of ``cells`` fitted with the area and month effects in the first stage (on the untreated
        area-months), e.g. the mean baseline hours of the people followed: who is in an area's home care
        changes month by month, and this takes that out of the comparison.

    Returns
    -------
    StaggeredResult

    Raises
    ------
    InputError
        "Cannot be estimated: why" when there are too few areas, no adopting area or no comparison months.

    """
    import pyfixest as pf  # a heavy import, only where a roll-out is analysed

    data, left_out = prepare_cells(cells)
    n_areas = int(data["area"].nunique())
    adopting = int(data.loc[data["treat"] == 1, "area"].nunique())
    if n_areas < MIN_AREAS:
        raise _cannot(
            f"{n_areas} områden med jämförbara månader; minst {MIN_AREAS} behövs för ett intervall.",
            f"{n_areas} areas with comparable months; at least {MIN_AREAS} are needed for an interval.",
        )
    if adopting == 0 or not (data["treat"] == 0).any():
        raise _cannot(
            "inget område har infört arbetssättet under perioden, eller inget område har månader före införandet.",
            "no area adopted within the period, or no area has months before adoption.",
        )
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        first = f"~ {' + '.join(covariates) or '0'} | area + month"
        fit = pf.did2s(data, "y", first, "~ treat", "treat", "area", weights="n")
        twfe = pf.feols(f"y ~ {' + '.join(('treat', *covariates))} | area + month", data, weights="n",
                        vcov={"CRV1": "area"})  # fmt: skip
        levels = sorted(set(data["rel"]))
        reference = _OUTSIDE if _OUTSIDE in levels else -1
        event = pf.did2s(data, "y", first, f"~ i(rel, ref={reference})", "treat", "area", weights="n")
    caught += [str(w.message) for w in seen if "deprecat" not in str(w.message).lower()]
    df = n_areas - 1
    quantile = stats.t.ppf(0.975, df)
    att, se = float(fit.coef()["treat"]), float(fit.se()["treat"])
    tw, tw_se = float(twfe.coef()["treat"]), float(twfe.se()["treat"])
    series = _event_series(event, data, df)
    return StaggeredResult(
        att=att,
        se=se,
        ci_low=att - quantile * se,
        ci_high=att + quantile * se,
        p_value=float(2 * stats.t.sf(abs(att / se), df)) if se > 0 else float("nan"),
        n_areas=n_areas,
        n_adopting=adopting,
        twfe_att=tw,
        twfe_ci_low=tw - quantile * tw_se,
        twfe_ci_high=tw + quantile * tw_se,
        pre_trend_p_value=_pre_trend(event, df),
        event_study=series,
        left_out=left_out,
        warnings=tuple(dict.fromkeys(caught)),
    )


def _coefficients(event) -> pd.DataFrame:
    """Return the event-study coefficients with their relative month (from pyfixest's i() names)."""
    coef, se = event.coef(), event.se()
    months = [int(float(name.split("::")[1].rstrip("]"))) for name in coef.index]
    return pd.DataFrame({"event_month": months, "att": coef.to_numpy(), "se": se.to_numpy(), "name": coef.index})


def _event_series(event, data: pd.DataFrame, df: int) -> pd.DataFrame:
    """Return per month relative to adoption the effect with its interval and the people and areas behind it.

    A month's estimate rests mostly on the areas observed that many months from adoption, so its t
    interval has (those areas − 1) degrees of freedom (at most areas − 1); with one area it has none.
    """
    table = _coefficients(event)
    table = table[table["event_month"].between(*EVENT_WINDOW)]
    counts = data[data["rel"] != _OUTSIDE].groupby("rel").agg(n_people=("n", "sum"), n_areas=("area", "nunique"))
    table = table.join(counts, on="event_month")
    freedom = np.minimum(table["n_areas"].to_numpy(dtype=float) - 1, df)
    with np.errstate(invalid="ignore"):
        quantile = np.where(freedom >= 1, stats.t.ppf(0.975, np.maximum(freedom, 1)), np.nan)
    table["ci_low"] = table["att"] - quantile * table["se"]
    table["ci_high"] = table["att"] + quantile * table["se"]
    columns = ["event_month", "att", "ci_low", "ci_high", "se", "n_people", "n_areas"]
    return table[columns].sort_values("event_month").reset_index(drop=True)


def _pre_trend(event, df: int) -> float:
    """Return the p-value that the months before adoption show neither a level nor a trend (clustered F).

    Two contrasts of the pre-adoption coefficients are tested jointly: their mean and their linear slope in
    the month. A joint test of every month would have about as many restrictions as areas, where a clustered
    covariance is nearly singular and the test rejects far too often; with q = 2 the Wald statistic W is
    read as F = W (G − q) / (q (G − 1)) on (q, G − q) degrees of freedom (Hotelling's small-sample form).
    """
    table = _coefficients(event)
    pre = table[table["event_month"] < 0]
    areas = df + 1
    if len(pre) < 2 or areas <= 2:
        return float("nan")
    index = [list(table["name"]).index(name) for name in pre["name"]]
    vcov = np.asarray(event._vcov)[np.ix_(index, index)]
    months = pre["event_month"].to_numpy(dtype=float)
    contrasts = np.vstack([np.full(len(pre), 1.0 / len(pre)), (months - months.mean()) / np.ptp(months)])
    value = contrasts @ pre["att"].to_numpy()
    middle = contrasts @ vcov @ contrasts.T
    if np.linalg.matrix_rank(middle) < 2:
        return float("nan")
    wald = float(value @ np.linalg.solve(middle, value))
    q = 2
    return float(stats.f.sf(wald * (areas - q) / (q * (areas - 1)), q, areas - q))
