"""Short, runnable Python snippets that recompute a comparison from the downloadable CSV of person values."""

from __future__ import annotations

_HEAD = """import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

d = pd.read_csv("{csv}")
groups = [(band, part) for band, part in d.groupby("age_band")] + [("all", d)]
"""

_BODY = {
    "welch": """for band, part in groups:
    a, b = part.loc[part.intervention == 1, "hours"], part.loc[part.intervention == 0, "hours"]
    res = stats.ttest_ind(a, b, equal_var=False)  # Welch
    ci = res.confidence_interval(0.95)
    print(band, a.mean() - b.mean(), ci.low, ci.high, res.pvalue)
""",
    "bootstrap": """for band, part in groups:
    a = part.loc[part.intervention == 1, "hours"].to_numpy()
    b = part.loc[part.intervention == 0, "hours"].to_numpy()
    res = stats.bootstrap((a, b), lambda x, y, axis: x.mean(axis=axis) - y.mean(axis=axis), vectorized=True,
                          n_resamples=2000, method="BCa", rng=np.random.default_rng(20150831))
    print(band, a.mean() - b.mean(), *res.confidence_interval)
""",
    "ancova": """for band, part in groups:
    factors = [f"C({c})" for c in ("sex", "application_type") if part[c].nunique() > 1]
    terms = ["intervention", "baseline_hours", *factors]
    fit = smf.ols("hours ~ " + " + ".join(terms), data=part).fit()
    print(band, fit.params["intervention"], *fit.conf_int().loc["intervention"], fit.pvalues["intervention"])
""",
    "two-part": """def design(part):
    x = pd.DataFrame({"const": 1.0, "intervention": part.intervention * 1.0, "baseline_hours": part.baseline_hours})
    for column, level in (("sex", "M"), ("application_type", "extended")):
        if part[column].nunique() > 1:
            x[f"{column}_{level}"] = (part[column] == level) * 1.0
    return x

for band, part in groups:
    pos = part[part.hours > 0]
    x_all, x_pos = design(part), design(pos)
    logit = sm.GLM((part.hours > 0) * 1.0, x_all, family=sm.families.Binomial()).fit()
    gamma = sm.GLM(pos.hours, x_pos, family=sm.families.Gamma(sm.families.links.Log())).fit()
    xs = {arm: x_all.assign(intervention=float(arm)) for arm in (1, 0)}

    def marginal(t1, t2):
        m = [np.mean(1 / (1 + np.exp(-(xs[a].to_numpy() @ t1))) * np.exp(xs[a][x_pos.columns].to_numpy() @ t2))
             for a in (1, 0)]
        return m[0] - m[1]

    t1, t2 = logit.params.to_numpy(), gamma.params.to_numpy()
    grads = []
    for k, theta in enumerate((t1, t2)):
        g = np.zeros(len(theta))
        for j in range(len(theta)):
            h = 1e-6 * max(1.0, abs(theta[j]))
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            pair = ((up, t2), (down, t2)) if k == 0 else ((t1, up), (t1, down))
            g[j] = (marginal(*pair[0]) - marginal(*pair[1])) / (2 * h)
        grads.append(g)
    cov = (logit.cov_params().to_numpy(), gamma.cov_params().to_numpy())
    se = np.sqrt(grads[0] @ cov[0] @ grads[0] + grads[1] @ cov[1] @ grads[1])
    diff = marginal(t1, t2)
    print(band, diff, diff - 1.959963984540054 * se, diff + 1.959963984540054 * se, 2 * stats.norm.sf(abs(diff / se)))
""",
    "mixed": """# This file has every counted month (columns person, intervention, age_band, month_k, hours).
for band, part in groups:
    part = part.assign(month=part.month_k.astype(int))
    fit = smf.mixedlm("hours ~ C(month) * intervention", part, groups=part["person"]).fit(reml=True)
    c = pd.Series(0.0, index=fit.params.index)
    c["intervention"] = 1.0
    term = "C(month)[T.{month}]:intervention"
    if term in c.index:
        c[term] = 1.0
    est, se = c @ fit.params, np.sqrt(c @ fit.cov_params().loc[c.index, c.index] @ c)
    print(band, est, est - 1.959963984540054 * se, est + 1.959963984540054 * se, 2 * stats.norm.sf(abs(est / se)))
""",
}


def reproduce_snippet(method: str, csv_name: str, month: int) -> str:
    """Return a runnable snippet that prints band, difference, CI and p for ``method`` from ``csv_name``.

    Parameters
    ----------
    method : str
        One of analysis.methods.METHODS.
    csv_name : str
        File name of the downloaded person values.
    month : int
        Follow-up month (used by the mixed model).

    Returns
    -------
    str

    """
    return _HEAD.format(csv=csv_name) + "\n" + _BODY[method].replace("{month}", str(month))
