"""What a page shows, kept in the URL: language, study, filters, month and other choices (share links)."""

from __future__ import annotations

import math

import streamlit as st

from analysis.present.catalog import LANGUAGES
from analysis.present.texts import band_label, t
from analysis.selection import APPLICATION_TYPES, SEXES, AgeBand, Filters, Selection
from analysis.store import db
from analysis.store.studies import find_study, load_plan
from views.calls import Store, cached, open_store


def current_language() -> str:
    """Return the language from the URL (?lang=en), Swedish by default, and render the switch."""
    lang = st.query_params.get("lang", "sv")
    if lang not in LANGUAGES:
        lang = "sv"
    chosen = st.sidebar.radio(
        t("lang.label", lang),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=lambda code: {"sv": "Svenska", "en": "English"}[code],
        horizontal=True,
        key="lang",
        help=t("help.language", "sv") + " / " + t("help.language", "en"),
    )
    if st.query_params.get("lang", "sv") != chosen:  # write only on a change: keeps share links clean
        st.query_params["lang"] = chosen
    return chosen


def page_language() -> str:
    """Return the language chosen by the switch that dashboard.py renders."""
    lang = st.session_state.get("lang", st.query_params.get("lang", "sv"))
    return lang if lang in LANGUAGES else "sv"


def bind_url(
    key: str,
    default,
    options=None,
    cast=str,
    multi: bool = False,
    state_key: str | None = None,
    bounds: tuple = (None, None),
) -> None:
    """Give widget ``state_key`` (default ``key``) its value from the link (?key=...), else keep or set the default.

    Call before creating the widget (without value/index: the session state holds it), then
    ``write_url(key, default, state_key)`` after. Values outside ``options``, numbers that are not finite
    (``nan``, ``inf``) and numbers outside ``bounds`` (low, high; None: open) are ignored.
    """
    state_key = state_key or key

    def valid(value) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if isinstance(value, int | float) and not isinstance(value, bool):
            low, high = bounds
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        if options is None:
            return True
        return all(v in options for v in value) if multi else value in options

    if state_key in st.session_state and valid(st.session_state[state_key]):
        return
    value = default
    try:
        if multi and key in st.query_params:
            value = [cast(v) for v in st.query_params.get_all(key)]
        elif not multi and key in st.query_params:
            value = cast(st.query_params[key])
    except (TypeError, ValueError):
        value = default
    st.session_state[state_key] = value if valid(value) else default


def write_url(key: str, default, state_key: str | None = None) -> None:
    """Keep a widget's value in the URL so a copied link reproduces the view (defaults are left out)."""
    value = st.session_state.get(state_key or key, default)
    if value == default or value in ([], ()):
        if key in st.query_params:
            del st.query_params[key]
    elif isinstance(value, list | tuple):
        if st.query_params.get_all(key) != [str(v) for v in value]:
            st.query_params[key] = [str(v) for v in value]
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)


def url_widget(widget, key: str, default, *args, options=None, cast=str, multi=False, state_key=None, **kwargs):
    """Create a widget bound to the URL (?key=...): seeded from the link, written back after; return its value.

    ``state_key`` names the widget when it must differ from the URL's key: a widget whose labels are in
    the page's language is keyed by language, so a language switch draws it anew from the URL (the
    browser otherwise kept "Kvinnor" as a chosen filter after switching to English).
    """
    bounds = (kwargs.get("min_value"), kwargs.get("max_value"))  # a number input's range, when named
    bind_url(key, default, options, cast, multi, state_key, bounds)
    value = widget(*args, key=state_key or key, **kwargs)
    write_url(key, default, state_key)
    return value


def choose_study(store: Store, lang: str) -> dict:
    """Render the study selector when the store holds several studies; return the study's facts."""
    studies = cached(db.list_studies, store)
    requested = None
    if len(studies) > 1:
        title_col = "title_en" if lang == "en" else "title_sv"
        titles = dict(zip(studies["study"], studies[title_col]))
        default = cached(find_study, store, None)["study"]
        names = list(titles)
        requested = url_widget(
            st.sidebar.selectbox,
            "study",
            default,
            t("sidebar.study", lang),
            names,
            options=names,
            format_func=titles.get,
        )
    return cached(find_study, store, requested)


def choose_filters(info: dict, lang: str) -> Filters:
    """Render the sidebar filters (sex, application type, district) and return them."""
    st.sidebar.subheader(t("sidebar.filters", lang))
    options = {
        "sex": (SEXES, lambda v: t(f"sex.{v}", lang)),
        "application_type": (APPLICATION_TYPES, lambda v: t(f"application_type.{v}", lang)),
        "district": (info["districts"], lambda v: v or t("district.unknown", lang)),
    }
    chosen = {
        field: tuple(
            url_widget(
                st.sidebar.multiselect,
                field,
                [],
                t(f"sidebar.{field}", lang),
                values,
                options=values,
                multi=True,
                format_func=label,
                placeholder=t("sidebar.all", lang),
                help=t(f"sidebar.help.{field}", lang),
                select_all=False,  # Streamlit's "Select all" is English only, and every option is no filter
                state_key=f"{field}.{lang}",
            )
        )
        for field, (values, label) in options.items()
    }
    return Filters(**chosen).covering(info["districts"])


def choose_measure(info: dict, lang: str) -> str:
    """Render the hours-measure choice when the study holds both granted and performed; return the one shown."""
    measures = list(info["measures"])
    if len(measures) < 2:
        return info["hours_measure"]
    st.sidebar.caption(t("measure.both", lang))
    return url_widget(
        st.sidebar.radio,
        "hours",
        info["hours_measure"],
        t("sidebar.hours_measure", lang),
        measures,
        options=measures,
        format_func=lambda m: t(f"measure.name.{m}", lang),
        state_key=f"hours.{lang}",
    )


def open_page(lang: str) -> tuple[Store, dict, Selection]:
    """Open the store and render the study selector and filters: return the store, the study's facts and selection.

    The selection has the bands of the study's analysis plan (else the configured ones), the hours
    measure shown (chosen when the study holds two) and no month yet (pages add theirs with ``selection.at``).
    """
    store = open_store(lang)
    info = choose_study(store, lang)
    bands = cached(load_plan, store, info["study"]).bands
    merged = tuple(info["merged_districts"])  # small districts shown together (setting merge_districts_below)
    measure = choose_measure(info, lang)
    return store, info, Selection(info["study"], choose_filters(info, lang), bands, merged=merged, measure=measure)


def choose_band(label_key: str, key: str, bands: tuple[AgeBand, ...], lang: str) -> str:
    """Render a horizontal radio of the age bands and 'all' (the default); return the chosen label."""
    labels = [b.label for b in bands] + ["all"]
    return url_widget(
        st.radio,
        key,
        "all",
        t(label_key, lang),
        labels,
        options=labels,
        format_func=lambda b: band_label(b, lang),
        horizontal=True,
    )
