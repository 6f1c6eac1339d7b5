"""A staged roll-out's figures as a viewer sees them: no area's own numbers, no month of a few people."""

from __future__ import annotations

import numpy as np
import pandas as pd

SUMMARY = ("att", "ci_low", "ci_high", "p_value", "twfe_att", "twfe_ci_low", "twfe_ci_high", "pre_trend_p_value",
           "n_areas", "n_adopting", "n_people")  # fmt: skip


def show_rollout(result: dict, threshold: int) -> dict[str, pd.DataFrame]:
    """Return the roll-out's summary and event study as shown (analysis.outcomes.rollout.analyse_rollout).

    The answer is a weighted mean over area-months and is shown whole: no area's own figures are in it. A
    month of the event study with fewer than ``threshold`` people behind it is hidden (its estimate would
    rest on a few people's hours), with the reason; the summary says how many people and areas the answer
    rests on.

    Parameters
    ----------
    result : dict
        analyse_rollout's answer.
    threshold : int
        Smallest number of people shown.

    Returns
    -------
    dict
        summary (one row: SUMMARY and outcome, estimator), event_study (event_month, att, ci_low, ci_high,
        n_people, n_areas, suppressed, suppressed_reason).

    """
    summary = pd.DataFrame([{key: result.get(key) for key in (*SUMMARY, "outcome", "estimator")}])
    summary = summary.astype({key: "float64" for key in SUMMARY})
    series = pd.DataFrame(result["event_study"], columns=["event_month", "att", "ci_low", "ci_high", "n_people",
                                                          "n_areas"])  # fmt: skip
    series = series.astype({"att": "float64", "ci_low": "float64", "ci_high": "float64", "n_people": "float64"})
    few = series["n_people"] < threshold
    series.loc[few, ["att", "ci_low", "ci_high", "n_people"]] = np.nan
    series["suppressed"] = few
    series["suppressed_reason"] = np.where(few, "few_people", None)
    return {"summary": summary, "event_study": series}
