"""Covariate-adjusted arm means: ANHECOVA, optionally with inverse-probability-of-censoring weights.

Within each arm the outcome is regressed on baseline covariates by weighted least squares (for
per-person totals the Bang & Tsiatis IPCW weights; 1 for everyone when nobody is censored),
and the arm's mean is the prediction at the covariates' mean over everyone randomized in the group
(both arms). The difference of the two is the ANHECOVA estimator of Ye, Shao, Yi & Zhao (2023):
consistent for the difference in means per randomized person whatever the true relation of outcome
to covariates, and asymptotically at least as precise as the unadjusted difference.
stats.methods.compare_anhecova is this with all weights 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LEVELS = {"sex": "M", "application_type": "extended"}  # indicator of this level; the other is the reference
MIN_PER_LEVEL = 5  # a two-level covariate is used only when each arm has this many of each level
_RIDGE = 1e-9  # relative ridge on the slopes in resamples: a covariate constant in a resample adds nothing


def build_covariates(part: pd.DataFrame, covariates: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return the covariate matrix of a group and the covariates used.

    A covariate is left out when it does not vary within both arms (or, for sex and application type,
    when an arm has fewer than MIN_PER_LEVEL people of a level): its slope could not be estimated.

    Parameters
    ----------
    part : DataFrame
        One row per randomized person: intervention (0/1) and the covariate columns.
    covariates : tuple of str
        Requested covariates, from analysis.selection.COVARIATES.

    Returns
    -------
    matrix, used : ndarray (n × p), tuple of str

    """
    arm = part["intervention"].to_numpy() == 1
    columns, used = [], []
    for name in covariates:
        if name in _LEVELS:
            values = (part[name].to_numpy() == _LEVELS[name]).astype(float)
            counts = [values[rows].sum() for rows in (arm, ~arm)]
            sizes = [rows.sum() for rows in (arm, ~arm)]
            if min(min(c, s - c) for c, s in zip(counts, sizes, strict=True)) < MIN_PER_LEVEL:
                continue
        else:
            values = part[name].to_numpy(dtype=float)
            if min(np.unique(values[rows]).size for rows in (arm, ~arm)) < 2:
                continue
        columns.append(values)
        used.append(name)
    matrix = np.column_stack(columns) if columns else np.empty((len(part), 0))
    return matrix, tuple(used)


def _solve(gram: np.ndarray, cross: np.ndarray) -> np.ndarray:
    """Solve gram @ beta = cross batched over resamples, with a tiny ridge on the slopes (never the intercept).

    A covariate constant within an arm of one resample is collinear with the intercept; the ridge then
    sets its slope to 0 and the intercept carries the arm's mean. Elsewhere it moves nothing visible.
    """
    diagonal = np.diagonal(gram, axis1=-2, axis2=-1).copy()
    diagonal[..., 0] = 0.0
    penalty = _RIDGE * (diagonal + 1e-12)
    gram = gram + penalty[..., None] * np.eye(gram.shape[-1])
    return np.linalg.solve(gram, cross)


def adjusted_means(
    x: np.ndarray, y: np.ndarray, arm: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the adjusted mean of every outcome in each arm, and the per-arm slopes.

    Parameters
    ----------
    x : ndarray (n × p)
        Covariates of everyone randomized in the group.
    y : ndarray (n × m)
        Outcomes (any value where the weight is 0).
    arm : ndarray of bool (n)
        True for the intervention arm.
    weights : ndarray (n)
        IPCW weights (0 for people whose total is unknown).

    Returns
    -------
    intervention, control : ndarray (m)
        Predictions at the mean of x over both arms.
    slopes : ndarray (2 × p × m)
        Slopes in the intervention and the control arm.

    """
    centre = x.mean(axis=0)
    design = np.column_stack([np.ones(len(x)), x - centre])
    means, slopes = [], []
    for rows in (arm, ~arm):
        d, w = design[rows], weights[rows]
        beta = np.linalg.lstsq(d * np.sqrt(w)[:, None], y[rows] * np.sqrt(w)[:, None], rcond=None)[0]
        means.append(beta[0])
        slopes.append(beta[1:])
    return means[0], means[1], np.stack(slopes)


def adjusted_means_of_resamples(
    x: np.ndarray, y: np.ndarray, arm: np.ndarray, counts: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Return (draws × m) adjusted differences for resamples given as counts and their IPCW weights.

    ``counts[b, i]`` is how often person i stands in resample b (drawn within arm); ``weights[b, i]``
    their IPCW weight in that resample (counts / G(t−), 0 when incomplete). The covariates' mean of a
    resample is over everyone it holds; each arm is fitted by weighted least squares on it. A resample
    with no complete total in an arm gives NaN (the caller then gives no interval).
    """
    middle = x.mean(axis=0)  # the design is centred at the sample's mean for a well-conditioned solve
    centre = counts @ (x - middle) / counts.sum(axis=1, keepdims=True)  # each resample's mean (draws × p)
    design = np.column_stack([np.ones(len(x)), x - middle])
    point = np.column_stack([np.ones(len(centre)), centre])
    out = []
    for rows in (arm, ~arm):
        d, w = design[rows], weights[:, rows]
        empty = w.sum(axis=1) <= 0  # no complete total of this arm in the resample: no estimate
        w = np.where(empty[:, None], 1.0, w)
        gram = np.matmul(np.swapaxes(w[:, :, None] * d, 1, 2), d)
        cross = np.matmul(np.swapaxes(w[:, :, None] * d, 1, 2), y[rows])
        means = np.einsum("bj,bjk->bk", point, _solve(gram, cross))
        means[empty] = np.nan
        out.append(means)
    return out[0] - out[1]


def adjusted_normal_se(x: np.ndarray, y: np.ndarray, arm: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the large-sample SE of each adjusted difference (Ye et al. 2023, weights taken as known).

    Variance: var₁(w·r)/π₁ + var₀(w·r)/π₀ + (b₁ − b₀)ᵀ Σₓ (b₁ − b₀), over n, where r are the residuals
    of each arm's weighted fit and w the IPCW weights; with all weights 1 this is compare_anhecova's.
    """
    mean1, mean0, slopes = adjusted_means(x, y, arm, weights)
    centred = x - x.mean(axis=0)
    n = len(x)
    variance = np.zeros(y.shape[1])
    for k, (rows, mean) in enumerate(((arm, mean1), (~arm, mean0))):
        resid = weights[rows, None] * (y[rows] - mean - centred[rows] @ slopes[k])
        dof = rows.sum() - 1 - x.shape[1]
        variance += (resid**2).sum(axis=0) / max(dof, 1) / (rows.sum() / n)
    if x.shape[1]:
        gap = slopes[0] - slopes[1]
        sigma = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
        variance += np.einsum("jm,jk,km->m", gap, sigma, gap)
    return np.sqrt(variance / n)
