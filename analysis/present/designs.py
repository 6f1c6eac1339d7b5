"""What each study design can say, in words (issue 33): the design's name, a roll-out's answer and its caveats."""

from __future__ import annotations

import math

from analysis.present.texts import _read_interval, format_number, format_p, t
from analysis.selection import DESIGN_WORDS

_GROUP_PAGES = ("overview", "comparisons", "placement", "measures", "costs", "presentation")
# The pages each design can give (issue 33): a roll-out's answer is its own page; a single group has no
# comparison; the others compare two groups (for a comparison group with the design's caveat).
DESIGN_PAGES = {
    "randomized": _GROUP_PAGES,
    "comparison_group": _GROUP_PAGES,
    "rollout": ("rollout",),
    "single_group": ("single_group",),
}


def gives_page(design: str, page: str) -> bool:
    """Return whether a study of this design has figures on the page (else the page says why and where)."""
    return page in DESIGN_PAGES[design]


def name_design(design: str, lang: str = "sv") -> str:
    """Return the design in running text ('randomiserad studie (lottning)' …)."""
    sv, en = DESIGN_WORDS[design]
    return en if lang == "en" else sv


def read_rollout(result: dict, lang: str = "sv") -> list[str]:
    """Say a staged roll-out's answer: the effect after adoption, the naive estimate, the pre-trend check.

    Parameters
    ----------
    result : dict
        The roll-out's summary as shown (disclosure.show_rollout's summary row); hidden when att is NaN.
    lang : str
        'sv' or 'en'.

    Returns
    -------
    list of str
        The headline, the naive two-way estimate beside it and the check before adoption.

    """
    if math.isnan(result["att"]):  # hidden: a selection of a few people
        return [t("rollout.hidden", lang)]
    keys = ("rollout.clear_lower", "rollout.clear_higher", "rollout.unclear")
    unit = t(f"rollout.unit.{result.get('outcome', 'hours')}", lang)
    decimals = 0 if result.get("outcome") == "cost" else 1
    who = t("rollout.who", lang, areas=int(result["n_adopting"]), people=format_number(result["n_people"], lang, 0))
    head = _read_interval(keys, who, result["att"], result["ci_low"], result["ci_high"], decimals, lang, unit=unit)
    naive = t("rollout.twfe", lang, est=format_number(result["twfe_att"], lang, decimals),
              lo=format_number(result["twfe_ci_low"], lang, decimals),
              hi=format_number(result["twfe_ci_high"], lang, decimals), unit=unit)  # fmt: skip
    pre = result.get("pre_trend_p_value")
    if pre is None or (isinstance(pre, float) and math.isnan(pre)):
        check = t("rollout.pre_none", lang)
    else:
        verdict = t(("rollout.pre_ok", "rollout.pre_warn")[pre < 0.05], lang)
        check = t("rollout.pre", lang, p=format_p(pre, lang, relation=True), verdict=verdict)
    return [head, naive, check]
