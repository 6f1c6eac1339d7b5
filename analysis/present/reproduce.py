"""Short, runnable Python snippets that recompute a comparison from the downloadable CSV of person values."""

from __future__ import annotations

_HEAD = """import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

d = pd.read_csv("{csv}", comment="#")  # lines starting with '#' are the export's stamp
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
    terms = ["intervention", "baseline_hours", "age", *factors]
    fit = smf.ols("hours ~ " + " + ".join(terms), data=part).fit(cov_type="HC3", use_t=True)  # robust SE
    print(band, fit.params["intervention"], *fit.conf_int().loc["intervention"], fit.pvalues["intervention"])
""",
    "anhecova": """for band, part in groups:
    x = pd.DataFrame({"baseline_hours": part.baseline_hours * 1.0, "age": part.age * 1.0})
    for column, level in (("sex", "M"), ("application_type", "extended")):
        if part[column].nunique() > 1:
            x[f"{column}_{level}"] = (part[column] == level) * 1.0
    arms = [(part.intervention == a).to_numpy() for a in (1, 0)]
    binary = ("sex_M", "application_type_extended")  # need 5 of each level in each arm; the rest 2 values
    x = x[[c for c in x if all(min(x[c][r].sum(), (1 - x[c][r]).sum()) >= 5 if c in binary
                               else x[c][r].nunique() > 1 for r in arms)]]
    x = x - x.mean()  # centred at the mean over both arms
    fits = []
    for arm in (1, 0):
        rows = (part.intervention == arm).to_numpy()
        fit = sm.OLS(part.hours[rows].to_numpy(float), sm.add_constant(x[rows].to_numpy(), has_constant="add")).fit()
        fits.append((fit.params[0], fit.params[1:], fit.mse_resid, rows.mean()))
    (m1, b1, s1, p1), (m0, b0, s0, p0) = fits
    se = np.sqrt((s1 / p1 + s0 / p0 + (b1 - b0) @ np.cov(x.to_numpy(), rowvar=False) @ (b1 - b0)) / len(part))
    df = len(part) - 2 * (x.shape[1] + 1)  # Ye, Shao, Yi & Zhao (2023), t reference
    t = stats.t.ppf(0.975, df)
    print(band, m1 - m0, m1 - m0 - t * se, m1 - m0 + t * se, 2 * stats.t.sf(abs((m1 - m0) / se), df))
""",
    "standardized": """for band, part in groups:
    x = pd.DataFrame({"const": 1.0, "intervention": part.intervention * 1.0,
                      "baseline_hours": part.baseline_hours * 1.0, "age": part.age * 1.0})
    for column, level in (("sex", "M"), ("application_type", "extended")):
        if part[column].nunique() > 1:
            x[f"{column}_{level}"] = (part[column] == level) * 1.0
    y, X = part.hours.to_numpy(float), x.to_numpy()
    beta = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12).params  # quasi-Poisson, log link
    X1, X0 = X.copy(), X.copy()
    X1[:, 1], X0[:, 1] = 1.0, 0.0
    m1, m0, mu = np.exp(X1 @ beta), np.exp(X0 @ beta), np.exp(X @ beta)
    diff = np.mean(m1 - m0)  # everyone as intervention minus everyone as control
    bread = (X * mu[:, None]).T @ X / len(y)
    grad = (X1 * m1[:, None] - X0 * m0[:, None]).mean(axis=0)
    influence = (m1 - m0 - diff) + (X * (y - mu)[:, None]) @ np.linalg.solve(bread, grad)
    se = np.sqrt(np.sum(influence**2)) / len(y)
    print(band, diff, diff - 1.959963984540054 * se, diff + 1.959963984540054 * se, 2 * stats.norm.sf(abs(diff / se)))
""",
    "two-part": """for band, part in groups:
    a, b = part.loc[part.intervention == 1, "hours"], part.loc[part.intervention == 0, "hours"]
    diff, se = a.mean() - b.mean(), np.sqrt(a.var() / len(a) + b.var() / len(b))
    p = 2 * stats.norm.sf(abs(diff / se))
    shares = [(arm > 0).mean() for arm in (a, b)]  # mean = share with any hours x mean among them
    among = [arm[arm > 0].mean() for arm in (a, b)]
    print(band, diff, diff - 1.959963984540054 * se, diff + 1.959963984540054 * se, p, *shares, *among)
""",
    "mixed": """# This file has every counted month (person, intervention, age_band, baseline_hours, month_k, hours).
for band, part in groups:
    part = part[part.month_k >= 1].assign(month=lambda d: d.month_k.astype(int))
    fit = smf.gee("hours ~ C(month) * intervention + baseline_hours", "person", part,
                  cov_struct=sm.cov_struct.Exchangeable()).fit()  # robust (sandwich) standard errors
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
