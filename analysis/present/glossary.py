"""The glossary's structure: which terms the pages use, in which section; their words are in the catalogs."""

from __future__ import annotations

from analysis.present.texts import t

# Sections and terms in reading order; 'glossary.<term>' names a term, 'glossary.<term>.text' explains it.
GLOSSARY = (
    ("design", ("design", "randomization", "arm", "per_randomized", "estimand", "plan", "rollout")),
    ("outcomes", ("hours", "days_home", "care_cost", "placement")),
    ("statistics", ("ci", "p_value", "holm", "subgroup", "interim", "futility")),
    ("methods", ("welch", "bootstrap", "ancova", "standardized", "gee", "superiority", "ipcw")),
    ("time", ("cuminc", "hazard_ratio", "fine_gray")),
    ("money", ("npv", "payback", "psa", "qaly")),
    ("privacy", ("suppressed", "perturbed", "pseudonym")),
)
# The glossary term that explains each comparison method (the Comparisons page's tooltip).
METHOD_TERMS = {
    "welch": "welch",
    "bootstrap": "bootstrap",
    "ancova": "ancova",
    "anhecova": "ancova",
    "standardized": "standardized",
    "two-part": "welch",
    "mixed": "gee",
}


def list_terms(lang: str = "sv", query: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the glossary as (section heading, [(term, explanation)]) in a language, filtered by a search text.

    Parameters
    ----------
    lang : str
        'sv' or 'en'.
    query : str
        Keep only terms whose name or explanation contains it (case-insensitive); empty keeps all.

    Returns
    -------
    list of (str, list of (str, str))
        Sections with at least one term left.

    """
    wanted = query.strip().casefold()
    out = []
    for section, terms in GLOSSARY:
        rows = [(t(f"glossary.{term}", lang), t(f"glossary.{term}.text", lang)) for term in terms]
        rows = [row for row in rows if not wanted or wanted in (row[0] + " " + row[1]).casefold()]
        if rows:
            out.append((t(f"glossary.section.{section}", lang), rows))
    return out


def explain_method(method: str, lang: str = "sv") -> str:
    """Return a method's one-line explanation from the glossary (the tooltip beside its name)."""
    return t(f"glossary.{METHOD_TERMS[method]}.text", lang)
