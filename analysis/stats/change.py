"""Change from baseline in one group followed over time (no comparison group): mean change and who changed how.

The mean change (after − before, the same people) has Student's t interval on the paired differences, as
``scipy.stats.ttest_rel`` gives it. Each person is counted as better, unchanged or worse: unchanged when the
change is smaller than half the baseline standard deviation (Norman, Sloan & Wyrwich 2003: about the
smallest change people notice on health scales), better in the direction the measure calls better. None of
this is an effect: without a comparison group, change over time also holds the natural course, ageing and
regression to the mean (people are often included when their need is highest, and move back towards the
average whatever is done).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def describe_change(before, after, higher_is_better: bool | None) -> dict:
    """Return the mean change from baseline with its 95% CI and the shares better, unchanged and worse.

    Parameters
    ----------
    before, after : array-like
        The same people's values at baseline and at follow-up (rows with either missing are left out).
    higher_is_better : bool or None
        The measure's direction; None: no better or worse (e.g. hours of help), the shares are of lower,
        unchanged and higher.

    Returns
    -------
    dict
        n, mean_before, mean_after, mean_change, ci_low, ci_high, p_value (paired t), tolerance (half the
        baseline SD), share_better, share_unchanged, share_worse (None direction: share_lower, share_higher).

    """
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    keep = np.isfinite(before) & np.isfinite(after)
    before, after = before[keep], after[keep]
    n = len(before)
    out = {"n": n, "mean_before": np.nan, "mean_after": np.nan, "mean_change": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "p_value": np.nan, "tolerance": np.nan}  # fmt: skip
    names = ("share_better", "share_unchanged", "share_worse") if higher_is_better is not None else (
        "share_lower", "share_unchanged", "share_higher")  # fmt: skip
    out |= dict.fromkeys(names, np.nan)
    if n < 2:
        return out
    change = after - before
    mean, se = change.mean(), change.std(ddof=1) / np.sqrt(n)
    quantile = stats.t.ppf(0.975, n - 1)
    tolerance = 0.5 * before.std(ddof=1)
    up, down = change >= tolerance, change <= -tolerance
    if tolerance == 0:  # everyone started alike: any change counts
        up, down = change > 0, change < 0
    same = ~(up | down)
    better, worse = (up, down) if higher_is_better else (down, up)  # None: (lower, higher), as for False
    p = float(2 * stats.t.sf(abs(mean / se), n - 1)) if se > 0 else np.nan
    return out | {
        "mean_before": float(before.mean()),
        "mean_after": float(after.mean()),
        "mean_change": float(mean),
        "ci_low": float(mean - quantile * se),
        "ci_high": float(mean + quantile * se),
        "p_value": p,
        "tolerance": float(tolerance),
        names[0]: float(better.mean()),
        names[1]: float(same.mean()),
        names[2]: float(worse.mean()),
    }
