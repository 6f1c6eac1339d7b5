"""Time-to-event estimators: Aalen–Johansen cumulative incidence, Kaplan–Meier, Cox and Fine–Gray.

Kaplan–Meier comes from lifelines; the Aalen–Johansen estimator is written here because lifelines
jitters tied event times at random (day-level data are full of ties), and no kept Python library offers
Fine–Gray. Every estimator takes rows that stand for ``counts`` people each (data grouped by time and
event in DuckDB), so its cost is the number of distinct days, not of people. The Cox model of the pages
is stats.survival_counts.fit_cox_counts; fit_cox here (lifelines, any covariates, one row per person) is
the reference the tests hold it to. Tested against lifelines, R and simulations in tests/test_survival.py
and tests/test_survival_counts.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import proportional_hazard_test
from scipy import stats

Z95 = stats.norm.ppf(0.975)
FEW_EVENTS = 10  # below this many events of the cause in an arm, a bootstrap SE may not undercut the model's
COX_PRECISION = 1e-12  # lifelines' default (1e-7) stops early: hazard ratios off by up to 2e-4 against R


def _counts_of(time: np.ndarray, counts) -> np.ndarray:
    """Return the number of people behind each row (1 each when ``counts`` is None); refuse negative counts."""
    if counts is None:
        return np.ones(len(time))
    counts = np.asarray(counts, dtype=float)
    if len(counts) != len(time) or (counts < 0).any():
        raise ValueError("counts must be one non-negative number of people per row")
    return counts


def _event_table(time: np.ndarray, event: np.ndarray, cause: int, counts=None) -> pd.DataFrame:
    """Return per distinct time: at risk (time >= t), events of the cause, events of any cause, censored."""
    n = _counts_of(time, counts)
    keep = (n > 0) & ~np.isnan(time)  # as a group-by on time, a missing time is no row
    times, slot = np.unique(time[keep], return_inverse=True)
    n, event = n[keep], event[keep]
    removed = np.bincount(slot, weights=n, minlength=len(times))
    return pd.DataFrame(
        {
            "time": times,
            "d_cause": np.bincount(slot, weights=(event == cause) * n, minlength=len(times)),
            "d_any": np.bincount(slot, weights=(event != 0) * n, minlength=len(times)),
            "removed": removed,
            "at_risk": removed[::-1].cumsum()[::-1],
        }
    )


def estimate_cuminc(time, event, cause: int = 1, counts=None) -> pd.DataFrame:
    """Aalen–Johansen cumulative incidence of one cause with competing causes, and its 95% CI.

    Parameters
    ----------
    time : array-like
        Time to the first event or censoring (any unit, ≥ 0).
    event : array-like of int
        0 censored, otherwise the cause of the event (e.g. 1 placement, 2 death).
    cause : int
        The cause of interest.
    counts : array-like, optional
        People behind each row (rows grouped by time and event); one each when omitted.

    Returns
    -------
    DataFrame
        One row per distinct time: time, at_risk, events (of the cause), cuminc, se, ci_low, ci_high.
        The variance is the delta-method (Greenwood-type) estimator in Collett (2015, p. 411); the
        interval is computed on the log(−log) scale, as lifelines does, so it stays within 0 and 1.

    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    table = _event_table(time, event, cause, counts)
    n = table["at_risk"].to_numpy(dtype=float)
    d_any = table["d_any"].to_numpy(dtype=float)
    d1 = table["d_cause"].to_numpy(dtype=float)
    surv = np.cumprod(1.0 - d_any / n)
    lag_surv = np.concatenate([[1.0], surv[:-1]])
    cif = np.cumsum(lag_surv * d1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(n > d_any, d_any / (n * (n - d_any)), np.nan)
        a = np.where(d_any == 0, 0.0, a)
        b = lag_surv * d1 / n**2
        second = np.cumsum(lag_surv**2 * d1 * (n - d1) / n**3)
        # sum_j (F_k - F_j)^2 a_j = F_k^2 A_k - 2 F_k B_k + C_k, with prefix sums A, B, C (likewise for b).
        first = cif**2 * np.cumsum(a) - 2 * cif * np.cumsum(cif * a) + np.cumsum(cif**2 * a)
        third = cif * np.cumsum(b) - np.cumsum(cif * b)
        var = np.maximum(first + second - 2 * third, 0.0)
        se = np.sqrt(var)
        se_t = se / (cif * np.abs(np.log(cif)))
        centre = np.log(-np.log(cif))
        low = np.exp(-np.exp(centre + Z95 * se_t))
        high = np.exp(-np.exp(centre - Z95 * se_t))
    return pd.DataFrame(
        {
            "time": table["time"],
            "at_risk": table["at_risk"],
            "events": table["d_cause"],
            "cuminc": cif,
            "se": se,
            "ci_low": np.where(cif > 0, low, 0.0),
            "ci_high": np.where(cif > 0, high, 0.0),
        }
    )


def value_at(curve: pd.DataFrame, at: float, columns=("cuminc", "se", "ci_low", "ci_high")) -> dict[str, float]:
    """Return a step curve's values at time ``at`` (the last row with time <= at; zeros before the first)."""
    rows = curve[curve["time"] <= at]
    if rows.empty:
        return dict.fromkeys(columns, 0.0)
    last = rows.iloc[-1]
    return {c: float(last[c]) for c in columns}


def estimate_km_complement(time, event, cause: int = 1, counts=None) -> pd.DataFrame:
    """Return 1 − Kaplan–Meier for one cause, treating other causes as censoring (lifelines).

    This overstates the probability of the cause when competing events are frequent; shown only
    beside the Aalen–Johansen estimate for comparison. ``counts`` (people behind each row of grouped
    data) are lifelines' case weights: whole numbers give the estimate of the people one by one.
    """
    time = np.asarray(time, dtype=float)
    n = _counts_of(time, counts)
    keep = n > 0
    weights = None if counts is None else n[keep]
    km = KaplanMeierFitter().fit(time[keep], (np.asarray(event) == cause)[keep], weights=weights)
    curve = 1.0 - km.survival_function_.iloc[:, 0]
    bounds = km.confidence_interval_
    return pd.DataFrame(
        {
            "time": curve.index.to_numpy(),
            "one_minus_km": curve.to_numpy(),
            "ci_low": 1.0 - bounds.iloc[:, 1].to_numpy(),
            "ci_high": 1.0 - bounds.iloc[:, 0].to_numpy(),
        }
    )


def rank_event_times(durations: pd.Series, events: pd.Series, weights=None) -> pd.Series:
    """Rank the event times 1..D, tied times sharing their mean rank (lifelines' time transform signature).

    lifelines' own "rank" numbers tied events in the order of its rows, so the test would depend on
    how the rows are sorted; with mean ranks it depends only on the data (and on counts per time).
    """
    observed = np.asarray(events, dtype=bool)
    ranks = np.full(len(observed), np.nan)
    ranks[observed] = stats.rankdata(np.asarray(durations, dtype=float)[observed])
    return pd.Series(ranks, index=durations.index)


def fit_cox(
    frame: pd.DataFrame, duration: str, event: str, covariates: list[str], ph_test: bool = True
) -> pd.DataFrame:
    """Fit a Cox proportional-hazards model (lifelines, Efron ties) and return a tidy table.

    Parameters
    ----------
    frame : DataFrame
        One row per person.
    duration, event : str
        Columns with the time and a 0/1 indicator of the event of interest (other events censored:
        a cause-specific model).
    covariates : list of str
        Numeric covariate columns.
    ph_test : bool
        Whether to run the proportional-hazards test (ph_p_value is NaN without it).

    Returns
    -------
    DataFrame
        Indexed by covariate: coef, se, hazard_ratio, ci_low, ci_high, p_value, ph_p_value (the
        proportional-hazards test on rank-transformed time, Grambsch–Therneau, tied event times sharing
        their mean rank), warning (what
        lifelines warned while fitting, e.g. convergence or separation, else None).

    """
    data = frame[[duration, event, *covariates]].astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cph = CoxPHFitter().fit(data, duration_col=duration, event_col=event, fit_options={"precision": COX_PRECISION})
    notes = sorted({str(w.message).splitlines()[0] for w in caught if issubclass(w.category, Warning)})
    summary = cph.summary
    ph = pd.Series(np.nan, index=summary.index)
    if ph_test:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ph = proportional_hazard_test(cph, data, time_transform=rank_event_times).summary["p"]
    return pd.DataFrame(
        {
            "coef": summary["coef"],
            "se": summary["se(coef)"],
            "hazard_ratio": summary["exp(coef)"],
            "ci_low": summary["exp(coef) lower 95%"],
            "ci_high": summary["exp(coef) upper 95%"],
            "p_value": summary["p"],
            "ph_p_value": ph.reindex(summary.index).to_numpy(),
            "warning": "; ".join(notes) or None,
        }
    )


def _censoring_survival_before(time: np.ndarray, event: np.ndarray, counts=None) -> callable:
    """Return G(t−): the Kaplan–Meier probability of remaining uncensored just before t (rows of ``counts`` people)."""
    n = _counts_of(time, counts)
    times, inverse = np.unique(time, return_inverse=True)
    censored = np.bincount(inverse, weights=(event == 0) * n, minlength=len(times))
    removed = np.bincount(inverse, weights=n, minlength=len(times))
    at_risk = removed[::-1].cumsum()[::-1]
    g = np.cumprod(1.0 - censored / at_risk)

    def before(t: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(times, t, side="left") - 1  # last jump strictly before t
        return np.where(idx >= 0, g[np.clip(idx, 0, None)], 1.0)

    return before


def censoring_weights(time, complete, counts=None) -> np.ndarray:
    """Inverse-probability-of-censoring weights for per-person totals (Bang & Tsiatis 2000).

    A person whose total is complete (followed to the window's end, or dead) gets 1 / G(T−), G being
    the Kaplan–Meier probability of remaining uncensored just before T, their time of completion; a
    censored person gets 0. Censoring at the same time as a completion is taken to come after it.
    With nobody censored every weight is 1, so a weighted mean is the plain mean.

    Parameters
    ----------
    time : array-like
        Time of completion for complete totals, time of censoring for the others.
    complete : array-like of bool
        Whether the person's total is complete.
    counts : array-like, optional
        People behind each row (rows grouped by time and completeness); one each when omitted.

    Returns
    -------
    ndarray
        One weight per row (each of its people's); (1/n) Σ wᵢ yᵢ is the simple weighted estimator of the mean total.

    """
    time = np.asarray(time, dtype=float)
    complete = np.asarray(complete, dtype=bool)
    if complete.all():
        return np.ones(len(time))
    g = _censoring_survival_before(time, complete.astype(int), counts)(time)
    with np.errstate(divide="ignore"):
        return np.where(complete, 1.0 / g, 0.0)


def _fine_gray_terms(time: np.ndarray, event: np.ndarray, group: np.ndarray, cause: int, counts: np.ndarray):
    """Return, per distinct time of the cause, weighted risk sets per group and events per group.

    The Fine–Gray risk set at t holds everyone still event-free (time >= t) with weight 1 and
    everyone who had a competing event before t with weight G(t−)/G(T_i−), G being the censoring
    distribution (inverse probability of censoring weighting, Fine & Gray 1999). Each row stands for
    ``counts`` people with the same group, time and event (rows of 0 people are left out).
    """
    keep = counts > 0
    time, event, group, counts = time[keep], event[keep], group[keep], counts[keep]
    g_before = _censoring_survival_before(time, event, counts)
    event_times = np.unique(time[event == cause])
    g_t = g_before(event_times)
    risk = np.zeros((len(event_times), 2))
    deaths = np.zeros((len(event_times), 2))
    for k in (0, 1):
        in_group = group == k
        order = np.argsort(time[in_group], kind="stable")
        t_k, n_k = time[in_group][order], counts[in_group][order]
        people = np.concatenate([[0.0], np.cumsum(n_k)])
        risk[:, k] = people[-1] - people[np.searchsorted(t_k, event_times, side="left")]
        competing = (event[in_group][order] != 0) & (event[in_group][order] != cause)
        t_c = t_k[competing]
        inv_g = np.concatenate([[0.0], np.cumsum(n_k[competing] / g_before(t_c))])
        idx = np.searchsorted(t_c, event_times, side="left")  # competing events strictly before t
        risk[:, k] += g_t * inv_g[idx]
        mine = in_group & (event == cause)
        at = np.searchsorted(event_times, time[mine])
        deaths[:, k] = np.bincount(at, weights=counts[mine], minlength=len(event_times))
    return risk, deaths


def _fit_fine_gray_beta(risk: np.ndarray, deaths: np.ndarray) -> tuple[float, float]:
    """Maximise the weighted partial likelihood (Breslow ties) for one binary covariate; return (beta, info)."""
    d_total = deaths.sum(axis=1)
    d1 = deaths[:, 1].sum()
    if d1 == 0 or deaths[:, 0].sum() == 0:  # the estimate runs off to infinity
        return float("nan"), float("nan")
    beta = 0.0
    for _ in range(100):
        e = np.exp(beta)
        p = e * risk[:, 1] / (risk[:, 0] + e * risk[:, 1])
        score = d1 - np.sum(d_total * p)
        info = np.sum(d_total * p * (1 - p))
        if info <= 0:
            return float("nan"), float("nan")
        step = score / info
        beta += step
        if abs(step) < 1e-10:
            break
    e = np.exp(beta)
    p = e * risk[:, 1] / (risk[:, 0] + e * risk[:, 1])
    return float(beta), float(np.sum(d_total * p * (1 - p)))


def fit_fine_gray(
    time, event, group, cause: int = 1, n_boot: int = 500, seed: int = 20150831, counts=None
) -> dict[str, float]:
    """Fine–Gray subdistribution hazard ratio of group 1 vs group 0 for one cause.

    Maximises the IPCW-weighted partial likelihood of Fine & Gray (1999) with one binary covariate.
    The 95% CI and p-value come from a seeded nonparametric bootstrap of people (the standard error
    of log sHR), which carries the uncertainty of the estimated censoring weights that the
    model-based information ignores. When any resample has no event of the cause in an arm (few
    events), the bootstrap distribution is truncated and too narrow: the model-based standard error
    (inverse information) is used instead, and ``se_method`` says so. With fewer than
    ``FEW_EVENTS`` events in an arm the interval is never narrower than the model-based one.

    Rows may stand for several people each (``counts``, data grouped by group, time and event): the
    estimate is then the one of the people one by one, and a resample of people with replacement is a
    multinomial draw of the rows' counts, so the bootstrap costs the number of rows, not of people.

    Parameters
    ----------
    time, event : array-like
        Time and cause (0 censored).
    group : array-like of 0/1
        1 for the intervention arm.
    cause : int
        The cause of interest.
    n_boot : int
        Bootstrap resamples for the standard error (0 gives the model-based one).
    seed : int
        Seed of the bootstrap.
    counts : array-like, optional
        People behind each row; one each when omitted.

    Returns
    -------
    dict
        coef, se, hazard_ratio, ci_low, ci_high, p_value, se_model, se_method ('bootstrap' or 'model'),
        dropped (resamples without an event of the cause in an arm).

    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    group = np.asarray(group, dtype=int)
    counts = _counts_of(time, counts)
    nan = float("nan")
    empty = dict(coef=nan, se=nan, hazard_ratio=nan, ci_low=nan, ci_high=nan, p_value=nan, se_model=nan)
    empty |= {"se_method": None, "dropped": 0}
    events = min(counts[(event == cause) & (group == k)].sum() for k in (0, 1))
    if events == 0:
        return empty
    beta, info = _fit_fine_gray_beta(*_fine_gray_terms(time, event, group, cause, counts))
    if beta != beta:
        return empty
    se_model = 1.0 / np.sqrt(info)
    se, method, dropped = se_model, "model", 0
    if n_boot:
        rng = np.random.default_rng(seed)
        people = int(np.rint(counts.sum()))
        share = counts / counts.sum()
        draws = []
        for _ in range(n_boot):
            drawn = rng.multinomial(people, share).astype(float)
            b, _ = _fit_fine_gray_beta(*_fine_gray_terms(time, event, group, cause, drawn))
            if b == b and np.isfinite(b):
                draws.append(b)
        dropped = n_boot - len(draws)
        if dropped == 0:
            se, method = float(np.std(draws, ddof=1)), "bootstrap"
            if events < FEW_EVENTS and se < se_model:
                se, method = se_model, "model"
    p = float(2 * stats.norm.sf(abs(beta / se))) if se > 0 else nan
    return dict(
        coef=beta,
        se=se,
        hazard_ratio=float(np.exp(beta)),
        ci_low=float(np.exp(beta - Z95 * se)),
        ci_high=float(np.exp(beta + Z95 * se)),
        p_value=p,
        se_model=float(se_model),
        se_method=method,
        dropped=int(dropped),
    )
