"""Every text a person reads, in Swedish (first) and English, from the gettext catalogs; numbers formatted by Babel."""

from __future__ import annotations

import math

import numpy as np
from babel.numbers import format_decimal, format_percent, get_minus_sign_symbol

from analysis.economics.scenario import SOURCES, list_example_inputs
from analysis.present.catalog import load_texts, translations
from analysis.settings import get_setting
from analysis.stats.methods import BOOTSTRAP_BCA_MAX
from analysis.stats.survival_counts import NOT_CONVERGED, UNBOUNDED

TEXTS: dict[str, tuple[str, str]] = load_texts()  # from the gettext catalogs in analysis/locale


def t(key: str, lang: str = "sv", **values: object) -> str:
    """Return the text for key in lang ('sv' or 'en'), with {placeholders} filled in."""
    sv, en = TEXTS[key]
    text = en if lang == "en" else sv
    return text.format(**values) if values else text


def tn(key: str, n: int, lang: str = "sv", **values: object) -> str:
    """Return the text for key in the plural form that fits n (the catalog's rule), with {n} and values filled in."""
    return translations(lang).ngettext(key, key, n).format(n=n, **values)


def file_name(key: str, lang: str = "sv", **values: object) -> str:
    """Return a download's file name without extension in the language ('timmar_manad24' / 'hours_month24')."""
    if values.get("band") == "all":
        values = {**values, "band": t("file.all_ages", lang)}
    return t(f"file.{key}", lang, **values)


def name_object(key: str, kind: str, lang: str = "sv") -> str:
    """Return what a download holds, for its button ('Tabell 1'); the table or the chart when not named."""
    return t(f"object.{key}" if f"object.{key}" in TEXTS else f"object.{kind}", lang)


LOCALES = {"sv": "sv_SE", "en": "en_GB"}  # the Babel (CLDR) locale of each language


def format_number(value: float | None, lang: str = "sv", decimals: int = 1) -> str:
    """Format a number for reading by Babel: '1 234,5' in Swedish, '1,234.5' in English, '..' when missing.

    The grouping, decimal sign and minus sign (U+2212 in Swedish) are the locale's (CLDR); values are rounded
    half to even at the shown decimals.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ".."
    locale = LOCALES.get(lang, LOCALES["sv"])
    text = format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals > 0 else ""), locale=locale)
    return get_minus_sign_symbol(locale) + text[1:] if text.startswith("-") else text


def format_share(share: float | None, lang: str = "sv", decimals: int = 0) -> str:
    """Format a share (0.125) as a percentage by Babel: '12,5 %' in Swedish, '12.5%' in English; '..' when missing."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ".."
    locale = LOCALES.get(lang, LOCALES["sv"])
    number = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_percent(share, format=number + ("\u00a0%" if lang == "sv" else "%"), locale=locale)
    return get_minus_sign_symbol(locale) + text[1:] if text.startswith("-") else text


def format_p(value: float | None, lang: str = "sv", relation: bool = False) -> str:
    """Format a p-value: '< 0,001' below 0.001, else three decimals; relation=True adds '= ' before those."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ".."
    if value < 0.001:
        return "< " + format_number(0.001, lang, 3)
    return ("= " if relation else "") + format_number(value, lang, 3)


def say_caveat_once(sentences: list[str], lang: str = "sv") -> list[str]:
    """Return the sentences with the caveat 'that does not mean no effect' kept only where it is first said."""
    caveat = " " + t("reading.caveat", lang)
    out, said = [], False
    for sentence in sentences:
        if sentence.endswith(caveat):
            sentence = sentence[: -len(caveat)] if said else sentence
            said = True
        out.append(sentence)
    return out


def read_hidden(band: str, reason: str | None, lang: str = "sv") -> str:
    """Say that a row is hidden, and why when the rule that hid it is known (else 'too few people')."""
    if not isinstance(reason, str) or not reason:
        return t("reading.hidden", lang, band=band)
    threshold = int(get_setting("suppression_threshold"))
    return t(f"reading.hidden.{reason}", lang, band=band, t=threshold, t1=threshold - 1)


def _row_label(row, lang: str) -> str:
    """Return how a result row is named: its age band, else its month ('average' as a word)."""
    if isinstance(row.get("age_band"), str):
        label = band_label(row["age_band"], lang)
        visit = row.get("visit_month")
        return label if visit is None or visit != visit else f"{label}, {t('col.visit', lang).lower()} {int(visit)}"
    month = row.get("month", "")
    return t("col.average", lang).lower() if month == "average" else f"{t('col.month', lang).lower()} {month}"


def describe_cannot_estimate(rows, lang: str = "sv") -> str | None:
    """Return 'Cannot be estimated: 65–75 years (why); …' for rows a method could not estimate, and fit warnings."""
    columns = [c for c in getattr(rows, "columns", ()) if c == "cannot_estimate" or c.endswith("_cannot_estimate")]
    parts, warned = [], []
    for _, row in rows.iterrows() if columns else ():
        for column in columns:
            reason = row[column]
            if isinstance(reason, str) and reason:
                parts.append(f"{_row_label(row, lang)} ({t(f'reason.{reason}', lang)})")
        code, note = row.get("note"), row.get("warning")  # the method's own remark is worded, a fit's quoted
        if isinstance(code, str) and code:
            note = t(f"note.{code}", lang, n=format_number(BOOTSTRAP_BCA_MAX, lang, 0))
        if isinstance(note, str) and note and not row.get("cannot_estimate"):
            warned.append(f"{_row_label(row, lang)}: {note}")
    texts = [t("cannot.rows", lang, rows="; ".join(dict.fromkeys(parts))) if parts else None]
    texts.append(t("cannot.warned", lang, rows="; ".join(dict.fromkeys(warned))) if warned else None)
    return " ".join(filter(None, texts)) or None


def describe_hidden(rows, lang: str = "sv") -> str | None:
    """Return 'Hidden rows: 65–75 years (fewer than 5 people), …' for rows with a suppressed_reason, else None.

    Rows that cannot be estimated, and what a fit warned, are said after it (describe_cannot_estimate).
    """
    cannot = describe_cannot_estimate(rows, lang)
    if "suppressed_reason" not in getattr(rows, "columns", ()) and "perturbed" not in getattr(rows, "columns", ()):
        return cannot
    rows = rows if "suppressed_reason" in rows.columns else rows.assign(suppressed_reason=None)
    threshold = int(get_setting("suppression_threshold"))
    parts = [
        f"{band_label(row['age_band'], lang)} ({t(f'hidden.reason.{reason}', lang, t=threshold, t1=threshold - 1)})"
        for _, row in rows.iterrows()
        if isinstance(reason := row["suppressed_reason"], str) and reason
    ]
    text = t("hidden.rows", lang, rows="; ".join(parts)) if parts else None
    if "perturbed" in rows.columns and rows["perturbed"].fillna(False).astype(bool).any():
        text = " ".join(filter(None, [text, t("hidden.perturbed", lang)]))
    return " ".join(filter(None, [text, cannot])) or None


def read_difference(
    band: str, ci_low: float, ci_high: float, lang: str = "sv", reason: str | None = None, *, estimate: float
) -> str:
    """Say in plain words a difference in hours, its estimate and 95% CI; never calls an unclear result 'no effect'.

    Parameters
    ----------
    band : str
        How the group is named in the sentence.
    ci_low, ci_high : float
        The 95% confidence interval of intervention minus control, hours per month.
    lang : str
        'sv' or 'en'.
    reason : str, optional
        Why the row is hidden (disclosure's suppressed_reason), said when the interval is hidden.
    estimate : float
        The point estimate (intervention minus control), said first.

    Returns
    -------
    str

    """
    keys = ("reading.clear_lower", "reading.clear_higher", "reading.unclear")
    return _read_interval(keys, band, estimate, ci_low, ci_high, 1, lang, reason=reason)


def _read_interval(
    keys: tuple[str, str, str],
    band: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    decimals: int,
    lang: str,
    reason: str | None = None,
    **extra,
) -> str:
    """Read an estimate and 95% CI of intervention minus control with the (lower, higher, unclear) texts.

    A clearly lower result is said in positive numbers ("8 fewer (95% CI 3 to 12)"); an interval that
    includes 0 is "no clear difference" with the signed estimate, never "no effect". Hidden when NaN.
    """
    if ci_low != ci_low or ci_high != ci_high or estimate != estimate:  # NaN: hidden or not estimable
        return read_hidden(band, reason, lang)
    lower, higher, unclear = keys
    if ci_high < 0:
        est = format_number(-estimate, lang, decimals)
        lo, hi = format_number(-ci_high, lang, decimals), format_number(-ci_low, lang, decimals)
        return t(lower, lang, band=band, est=est, lo=lo, hi=hi, **extra)
    est = format_number(estimate, lang, decimals)
    lo, hi = format_number(ci_low, lang, decimals), format_number(ci_high, lang, decimals)
    return t(higher if ci_low > 0 else unclear, lang, band=band, est=est, lo=lo, hi=hi, **extra)


def read_outcome(
    kind: str,
    band: str,
    ci_low: float,
    ci_high: float,
    months: int,
    lang: str = "sv",
    reason: str | None = None,
    *,
    estimate: float,
) -> str:
    """Say a per-person difference ('cost' in SEK or 'days_home' in days): its estimate and 95% CI.

    Never calls an unclear result 'no effect'; a hidden or inestimable interval gives the hidden-row text.
    """
    keys = (f"reading.{kind}.lower", f"reading.{kind}.higher", f"reading.{kind}.unclear")
    return _read_interval(keys, band, estimate, ci_low, ci_high, 0, lang, reason=reason, months=months)


def read_measure(
    band: str, instrument: str, visit: int, ci_low: float, ci_high: float, lang: str = "sv",
    reason: str | None = None, *, estimate: float, decimals: int = 1,
) -> str:  # fmt: skip
    """Say an adjusted difference in an outcome measure at a visit: its estimate and 95% CI, never 'no effect'."""
    keys = ("reading.measure.lower", "reading.measure.higher", "reading.measure.unclear")
    return _read_interval(keys, band, estimate, ci_low, ci_high, decimals, lang, reason=reason,
                          instrument=instrument, visit=visit)  # fmt: skip


def read_cost_effectiveness(band: str, row, lang: str = "sv", reason: str | None = None) -> str:
    """Say a band's QALY and cost differences with their intervals and the probability at 500,000 SEK per QALY."""
    if row.get("qaly_difference") != row.get("qaly_difference") or row.get("suppressed"):
        return read_hidden(band, reason, lang)
    curve = row.get("p_cost_effective")
    p = curve.get("500000") if isinstance(curve, dict) else float("nan")

    def phrase(kind: str, low: float, high: float) -> str:
        return t(f"reading.{kind}.{'more' if low > 0 else 'fewer' if high < 0 else 'unclear'}", lang)

    return t(
        "reading.qaly", lang, band=band,
        qaly_phrase=phrase("qaly", row["qaly_ci_low"], row["qaly_ci_high"]),
        cost_phrase=phrase("ce_cost", row["cost_ci_low"], row["cost_ci_high"]),
        qaly=format_number(row["qaly_difference"], lang, 3), qlo=format_number(row["qaly_ci_low"], lang, 3),
        qhi=format_number(row["qaly_ci_high"], lang, 3), cost=format_number(row["cost_difference"], lang, 0),
        clo=format_number(row["cost_ci_low"], lang, 0), chi=format_number(row["cost_ci_high"], lang, 0),
        p=format_probability(p, lang),  # "mer än 99 %", never "100 %"
    )  # fmt: skip


def read_person_note(costs, months: int, lang: str = "sv") -> str:
    """Say what the per-person outcomes count and what the unit costs are, with their source and year."""
    source = SOURCES["home_care_hour"]
    hour, day = format_number(costs.hour, lang, 0), format_number(costs.day, lang, 0)
    note = t("person.note", lang, months=months, hour=hour, day=day)
    return note + " " + t("person.costs_source", lang, source=source.source_in(lang), year=source.year)


def read_person_interaction(interaction: dict, lang: str = "sv") -> str:
    """Say whether the per-person differences vary between the age bands (the interaction p-values)."""
    cost, days = (format_p(interaction[name]["p_value"], lang, relation=True) for name in ("cost", "days_home"))
    return t("person.interaction", lang, cost=cost, days=days)


def read_person_outcomes(groups, months: int, lang: str, plan) -> list[str]:
    """Return the per-person sentences for a board: everyone first, then each band, then the subgroup caveat.

    Each group's sentence on the plan's primary outcome comes first, read by the plan's estimator.
    """
    rows = sorted((row for _, row in groups.iterrows()), key=lambda row: row["age_band"] != "all")
    return [
        *(
            sentence
            for row in rows
            for sentence in read_person_row(row, band_label(row["age_band"], lang), months, lang, plan)
        ),
        t("person.subgroups", lang),
    ]


def read_person_row(row, band: str, months: int, lang: str, plan) -> list[str]:
    """Return one group's two per-person sentences, the plan's primary outcome first and by the plan's estimator."""
    out = []
    for kind in sorted(("cost", "days_home"), key=lambda kind: kind != plan.primary_outcome):
        if kind == plan.primary_outcome and plan.estimator == "anhecova":
            used = row.get("adjusted_for")
            low, high = row[f"{kind}_adjusted_ci_low"], row[f"{kind}_adjusted_ci_high"]
            estimate = row[f"{kind}_adjusted_difference"]
            sentence = read_outcome(
                kind, band, low, high, months, lang, row.get("suppressed_reason"), estimate=estimate
            )
            if isinstance(used, str) and used and sentence.endswith(")."):  # "(95 % KI …; justerat för ålder)."
                adjusted = t("person.adjusted_for", lang, covariates=name_covariates(used.split(","), lang))
                sentence = f"{sentence[:-2]}; {adjusted})."
            out.append(sentence)
        else:
            low, high, estimate = row[f"{kind}_ci_low"], row[f"{kind}_ci_high"], row[f"{kind}_difference"]
            out.append(
                read_outcome(kind, band, low, high, months, lang, row.get("suppressed_reason"), estimate=estimate)
            )
    if bool(row.get("suppressed", False)):  # a hidden row says so, and why, once
        return out[:1]
    return out


def name_covariates(covariates, lang: str = "sv") -> str:
    """Return covariate names for people: 'timmar vid start och ålder'."""
    names = [t(f"covariate.{c}", lang) for c in covariates]
    if len(names) <= 1:
        return "".join(names)
    return t("word.and_join", lang, first=", ".join(names[:-1]), last=names[-1])


def _primary_sentence(plan, lang: str) -> str:
    """Say a plan's primary outcome, window and estimator in one sentence."""
    outcome = t(f"plan.outcome.{plan.primary_outcome}", lang)
    estimator = t(f"plan.estimator.{plan.estimator}", lang, covariates=name_covariates(plan.covariates, lang))
    return t("plan.primary", lang, outcome=outcome, months=plan.window_months, estimator=estimator)


def describe_primary(plan, lang: str = "sv") -> str:
    """Say the primary analysis for a cover: with the date its plan was fixed, else the analysis alone."""
    primary = _primary_sentence(plan, lang)
    if not plan.pre_specified:
        return primary
    return t("plan.cover_stored", lang, date=plan.set_on.date().isoformat(), primary=primary)


def describe_plan(plan, lang: str = "sv") -> str:
    """Say a study's primary analysis in words, and whether a plan was stored or the defaults apply."""
    text = _primary_sentence(plan, lang)
    if plan.band_edges is not None:
        text += " " + t("plan.bands", lang, bands=", ".join(band_label(b.label, lang) for b in plan.bands))
    if plan.pre_specified:
        text += " " + t("plan.stored", lang, date=plan.set_on.date().isoformat())
        if plan.note:
            text += f" ({plan.note})"
        if plan.set_after_data:
            text += " " + t("plan.set_after_data", lang)
        for version, day, fields in plan.changed_later:  # a version saved after data existed: never the primary
            named = ", ".join(t(f"plan.field.{name}", lang) for name in fields) or t("plan.field.none", lang)
            text += " " + t("plan.changed_later", lang, version=version, date=day, fields=named, primary=plan.version)
    else:
        text += " " + t("plan.default", lang)
    return text


def describe_scenario(scenario, lang: str = "sv") -> str:
    """Say every input of a cost scenario on one line (for the stamp of every export)."""

    def per_band(values: dict, decimals: int) -> str:
        return "/".join(format_number(values[b], lang, decimals) for b in sorted(values))

    waning = scenario.waning_months
    return t(
        "costs.scenario_line",
        lang,
        source=t(f"costs.source.{scenario.effects_source}", lang),
        hour=format_number(scenario.home_care_hour, lang, 0),
        day=format_number(scenario.nursing_home_day, lang, 0),
        index=format_number(scenario.price_index, lang, 3),
        share=format_number(scenario.cash_releasing_share, lang, 2),
        cost=format_number(scenario.cost_per_participant() / scenario.price_index, lang, 0),
        uptake=format_number(scenario.uptake, lang, 2),
        applicants=per_band(scenario.applicants_per_year, 0),
        hours=per_band(scenario.hours_per_month, 2),
        days=per_band(scenario.nursing_home_days_per_year, 2),
        ramp=scenario.ramp_up_months,
        full=format_number(scenario.effect_end_months(), lang, 1),
        waning=t("costs.none", lang) if waning is None else format_number(waning, lang, 1),
        years=scenario.years,
        rate=format_number(scenario.discount_rate * 100, lang, 1),
    )


def format_probability(probability: float, lang: str = "sv", draws: int | None = None) -> str:
    """Return a probability in per cent for people: 'mer än 99 %' above 0.99, 'mindre än 1 %' below 0.01.

    With ``draws`` (a probability counted from draws) the number of draws follows: 'mer än 99 % (10 000
    dragningar)', so 1.000 from 10,000 draws is never read as a certainty.
    """
    if probability > 0.99:
        text = t("probability.above", lang, p=99)
    elif probability < 0.01:
        text = t("probability.below", lang, p=1)
    else:
        text = t("probability.value", lang, p=format_number(probability * 100, lang, 0))
    return text if draws is None else t("probability.draws", lang, p=text, draws=format_number(draws, lang, 0))


def name_scenario(scenario, lang: str = "sv", preset: str | None = None) -> str:
    """Return the scenario's name for people, as every page, slide and stamp states it (a preset by its name)."""
    if preset is not None:
        return t(f"costs.scenario.{preset}", lang)
    return t(("costs.scenario.example", "costs.scenario.study")[scenario.effects_source == "study"], lang)


def read_examples(scenario, lang: str = "sv") -> str:
    """Say which inputs are still examples (list_example_inputs), or that every input is the municipality's."""
    names = list_example_inputs(scenario)
    if not names:
        return t("costs.examples_none", lang)
    values = {
        "intervention_per_participant": format_number(scenario.cost_per_participant() / scenario.price_index, lang, 0),
        "applicants_per_year": format_number(sum(scenario.applicants_per_year.values()), lang, 0),
        "cash_releasing_share": format_share(scenario.cash_releasing_share, lang),
        "price_index": "",
    }
    return t("costs.examples", lang, inputs=", ".join(t(f"example.{n}", lang, value=values[n]) for n in names))


def read_money(summary, lang: str = "sv") -> list[str]:
    """Say a MoneySummary for people: present value with interval and probability; payback and the examples; doubt.

    The first two sentences are the slide's: the present value (its interval, the probability with its
    number of draws and the assumptions behind it), then the payback month and which inputs are examples
    (the scenario's name is in the slide's heading, the page's caption and every stamp). Then the part
    projected past the study's window, and the doubt when the interval holds both saving and loss.
    """
    scenario, projection, uncertainty = summary.scenario, summary.projection, summary.uncertainty
    low, high = uncertainty["net_interval"]
    drivers = t(
        ("costs.drivers.manual", "costs.drivers.study")[scenario.effects_source == "study"],
        lang,
        unit=format_number(scenario.unit_cost_cv * 100, lang, 0),
        cost=format_number(scenario.intervention_cost_cv * 100, lang, 0),
        uptake=format_number(scenario.uptake_cv * 100, lang, 0),
    )
    probability = format_probability(uncertainty["probability_saves_money"], lang, uncertainty.get("draws"))
    out = [
        t(
            "costs.sentence",
            lang,
            years=scenario.years,
            net=format_number(projection.present_value / 1e6, lang),
            low=format_number(low / 1e6, lang),
            high=format_number(high / 1e6, lang),
            p=probability,
            drivers=drivers,
        )
    ]
    payback = projection.payback_month
    months = t("costs.months", lang, m=payback) if payback else t("costs.never", lang)
    out.append(f"{t('costs.payback', lang)}: {months}. {read_examples(scenario, lang)}")  # the name: heading, stamp
    if projection.window_months is not None:
        if projection.post_window_share is not None and projection.post_window_savings:
            out.append(
                t(
                    "costs.post_window",
                    lang,
                    after=format_number(projection.post_window_savings / 1e6, lang),
                    share=format_share(projection.post_window_share, lang),
                    months=projection.window_months,
                )
            )
        elif not scenario.extrapolate:
            out.append(t("costs.no_extrapolation", lang, months=projection.window_months))
    if low < 0 < high:
        out.append(t("costs.uncertain", lang))
    return out


def input_label(name: str, lang: str = "sv") -> str:
    """Return a cost input's name for people ('hours_per_month 65-75' -> 'Timmar per månad, skillnad 65–75 år')."""
    key, _, band = name.partition(" ")
    label = t(f"input.{key}", lang)
    return f"{label} {band_label(band, lang)}" if band else label


def band_label(label: str, lang: str = "sv") -> str:
    """Return a band label for people: 'Alla åldrar' for all, '65–75 år' otherwise."""
    if label == "all":
        return t("band.all", lang)
    return t("band.label", lang, band=label.replace("-", "–"))


def name_fit_warning(warning: str, lang: str) -> str:
    """Return a model fit's warning in the language: ours from the catalog, a library's own text as it came."""
    known = {NOT_CONVERGED: "fit_warning.not_converged", UNBOUNDED: "fit_warning.unbounded"}
    return t(known[warning], lang) if warning in known else warning


def read_placement(row, month: int, lang: str, hazard: bool = True) -> str:
    """Return the plain-language placement sentences for one band row (a hidden-row message when hidden).

    ``hazard=False`` leaves out the hazard ratio's note (a board's slide: the risks say it in plain words).
    """
    parts = read_placement_parts(row, month, lang)
    return " ".join(parts if hazard else parts[:2])


def read_placement_parts(row, month: int, lang: str) -> list[str]:
    """Return a band's placement reading in three parts: the risks, their difference, the hazard ratio's note.

    A part that cannot be said is an empty string; a hidden row gives the hidden-row message alone.
    """
    if row["cuminc_intervention"] != row["cuminc_intervention"] or row["cuminc_control"] != row["cuminc_control"]:
        return [read_hidden(band_label(row["age_band"], lang), row.get("suppressed_reason"), lang)]
    risks = t(
        "placement.reading",
        lang,
        band=band_label(row["age_band"], lang),
        month=month,
        ci=format_number(row["cuminc_intervention"] * 100, lang),
        cc=format_number(row["cuminc_control"] * 100, lang),
    )
    difference = ""
    low, high = row.get("rd_ci_low_window", np.nan), row.get("rd_ci_high_window", np.nan)
    estimate = row.get("risk_difference_window", np.nan)
    if low == low and high == high and estimate == estimate:
        est, lo, hi = (format_number(v * 100, lang) for v in (estimate, low, high))
        if high < 0 or low > 0:
            direction = t(("word.higher", "word.lower")[bool(high < 0)], lang)
            if high < 0:  # say how much lower in positive numbers
                est, lo, hi = (format_number(-v * 100, lang) for v in (estimate, high, low))
            difference = t("placement.rd_clear", lang, est=est, lo=lo, hi=hi, direction=direction)
        else:
            difference = t("placement.rd_unclear", lang, est=est, lo=lo, hi=hi)
    note = ""
    if row["hazard_ratio"] == row["hazard_ratio"]:
        hr, lo, hi = (format_number(row[k], lang, 2) for k in ("hazard_ratio", "ci_low", "ci_high"))
        note = t("placement.hr_note", lang, hr=hr, lo=lo, hi=hi)
    return [part for part in (risks, difference, note) if part]


def read_look(monitor: dict, outcome: str, lang: str = "sv") -> str | None:
    """Say the latest look at the primary outcome against its boundary (outcomes.monitoring), or None without looks."""
    if not monitor.get("looks"):
        return None
    look = monitor["looks"][-1]
    if look["efficacy_boundary_z"] is None:  # too little information yet for any boundary to be crossed
        share = format_share(look["information_fraction"], lang)
        return t("look.too_early", lang, look=look["look"], month=look["complete_through"], share=share)

    def shown(value, decimals: int) -> str:
        return ".." if value is None else format_number(value, lang, decimals)

    values = {
        "look": look["look"],
        "month": look["complete_through"],
        "share": format_share(look["information_fraction"], lang),
        "bound": shown(look["efficacy_boundary_z"], 2),
        "z": shown(look["z"], 2),
        "verdict": t(("look.not_crossed", "look.crossed")[bool(look["crossed"])], lang),
        "low": shown(monitor["repeated_ci_low"], 0),
        "high": shown(monitor["repeated_ci_high"], 0),
        "unit": t(f"look.unit.{outcome}", lang),
    }
    sentence = t(("look.interim", "look.final")[bool(monitor["final"])], lang, **values)
    if look.get("futility_boundary_z") is not None:  # non-binding: said beside the efficacy boundary
        verdict = t(("look.futility_not_crossed", "look.futility_crossed")[bool(look.get("futility_crossed"))], lang)
        sentence += " " + t("look.futility", lang, bound=shown(look["futility_boundary_z"], 2), verdict=verdict)
    origin = t(f"look.from.{monitor.get('looks_from', 'every_complete_month')}", lang)
    return f"{sentence} {origin} {t('look.everyone', lang)}"  # the looks are of the whole trial, whatever the filter
