"""Shared page plumbing: language, cached store and results, sidebar filters, errors and banners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.store import db
from analysis.present.access import Access, effective_threshold, parse_analysts, resolve_access
from analysis.selection import AgeBand, default_bands
from analysis.outcomes.baseline import count_flow, describe_baseline, load_baseline
from analysis.selection import APPLICATION_TYPES, SEXES, Filters
from analysis.outcomes.compare import HoursComparison, compare_hours, compare_hours_by_sex
from analysis.outcomes.comparisons import run_comparison
from analysis.economics.costs import PSA_DRAWS, draw_effects, effect_intervals, estimate_effects, load_effect_data
from analysis.demo import build_demo_store
from analysis.present.disclosure import SUPPRESSED, find_differencing_risks
from analysis.errors import UserFacingError
from analysis.present.exports import figure_to_image, find_browser, table_to_csv, table_to_excel, tabulate_figure
from analysis.stats.methods import fit_mixed_model
from analysis.outcomes.overview import summarize_people, trace_hours
from analysis.outcomes.person_values import load_all_months, load_month_values
from analysis.outcomes.placement import analyze_placement
from analysis.settings import get_setting
from analysis.present.stamp import Stamp, data_version, make_stamp
from analysis.store.studies import describe_study, resolve_study
from analysis.present.texts import LANGUAGES, band_label, format_number, t

logger = logging.getLogger(__name__)
NO_FILTERS = Filters()

ARM_ORDER = ("intervention", "control")
# Okabe-Ito colour-blind-safe pair (blue, vermilion), each at least 3:1 against white (WCAG 2.1, 1.4.11);
# the arms also differ by line dash and marker.
ARM_COLOURS = {"intervention": "#0072B2", "control": "#D55E00"}
ARM_DASH = {"intervention": "solid", "control": "dash"}
ARM_SYMBOL = {"intervention": "circle", "control": "square"}


def ci_ribbon(x, low, high, colour: str, shape: str = "linear") -> go.Scatter:
    """Return a shaded 95% CI band between low and high over x (no legend entry, no hover)."""
    x, low, high = np.asarray(x), np.asarray(low), np.asarray(high)
    return go.Scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([high, low[::-1]]),
        fill="toself",
        fillcolor=colour,
        opacity=0.2,
        line={"width": 0, "shape": shape},
        hoverinfo="skip",
        showlegend=False,
    )


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
    )
    if st.query_params.get("lang", "sv") != chosen:  # write only on a change: keeps share links clean
        st.query_params["lang"] = chosen
    return chosen


def _auth_configured() -> bool:
    """Return whether an identity provider is configured ([auth] in .streamlit/secrets.toml)."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # an unreadable secrets file: log it and run without login rather than crash
        logger.exception("could not read .streamlit/secrets.toml")
        return False


def current_access(lang: str) -> Access:
    """Return the user's access; show the login page and stop when a provider is configured and nobody is in.

    Renders the sidebar mark of who is logged in (or of single-user analyst mode) and, for analysts,
    the switch that shows small cells.
    """
    configured = _auth_configured()
    logged_in = bool(configured and st.user.get("is_logged_in", False))
    email = st.user.get("email") if logged_in else None
    access = resolve_access(configured, logged_in, email, parse_analysts(str(get_setting("analysts"))))
    provider = str(get_setting("auth_provider")) or None
    if access is None:
        st.title(t("app.title", lang))
        st.info(t("access.login_needed", lang))
        st.button(t("access.login", lang), on_click=st.login, args=(provider,) if provider else (), type="primary")
        st.stop()
    st.session_state["access"] = access
    if access.single_user:
        st.sidebar.info(t("access.single_user", lang), icon=":material/person:")
    else:
        st.sidebar.caption(t("access.logged_in", lang, user=access.user, role=t(f"role.{access.role}", lang)))
        st.sidebar.button(t("access.logout", lang), on_click=st.logout, key="logout")
    if access.is_analyst:
        st.sidebar.toggle(
            t("access.show_small", lang, n=int(get_setting("suppression_threshold"))), key="show_small_cells"
        )
        if st.session_state.get("show_small_cells"):
            st.warning(t("access.small_shown", lang), icon=":material/lock_open:")
    return access


def page_access() -> Access:
    """Return the access that dashboard.py resolved for this session."""
    access = st.session_state.get("access")
    if not isinstance(access, Access):
        raise RuntimeError("the pages run through dashboard.py, which resolves access first")
    return access


def suppression_threshold() -> int:
    """Return the suppression threshold in force for this user: the setting unless an analyst turned it off."""
    return effective_threshold(
        page_access(), int(get_setting("suppression_threshold")), bool(st.session_state.get("show_small_cells"))
    )


@st.cache_data(show_spinner=False, max_entries=256)
def cached_risks(
    path, version, study, filters: Filters, bands: tuple[AgeBand, ...], threshold: int, month=None, by_month=False
) -> pd.DataFrame | None:
    """Return find_differencing_risks for a filtered view (None when nothing is filtered), cached."""
    if filters == NO_FILTERS:
        return None
    return find_differencing_risks(_connection(path, version), study, filters, bands, threshold, month, by_month)


def store_path() -> Path:
    """Return the configured store path."""
    return Path(str(get_setting("db_path")))


@st.cache_resource(show_spinner=False)
def _ensure_store(path: str) -> None:
    """Build the demo store once when no store exists at path."""
    if not Path(path).is_file():
        build_demo_store(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(path: str, version: tuple[int, int]):
    """Open one read-only connection per store version; a swapped-in store gets a new one."""
    return db.connect(path)


def open_store(lang: str) -> tuple[str, tuple[int, int]]:
    """Make sure a store exists (building the demo when missing) and return its path and version."""
    path = str(store_path())
    if not Path(path).is_file():
        with st.spinner(t("building_demo", lang)):
            _ensure_store(path)
    return path, db.data_version(path)


def connection(path: str, version: tuple[int, int]):
    """Return the cached connection for a store version."""
    return _connection(path, version)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_study(path: str, version: tuple[int, int], requested: str | None) -> dict:
    """Resolve and describe the study to show."""
    con = _connection(path, version)
    return describe_study(con, resolve_study(con, requested))


@st.cache_data(show_spinner=False)
def cached_studies(path: str, version: tuple[int, int]) -> pd.DataFrame:
    """List the studies in the store."""
    return db.list_studies(_connection(path, version))


@st.cache_data(show_spinner=False, max_entries=256)
def cached_trace_hours(path, version, study, filters: Filters, bands: tuple[AgeBand, ...]):
    """Return trace_hours for a store version, cached."""
    return trace_hours(_connection(path, version), study, filters, bands)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_summarize_people(path, version, study, filters: Filters, bands: tuple[AgeBand, ...]):
    """Return summarize_people for a store version, cached."""
    return summarize_people(_connection(path, version), study, filters, bands)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_compare_hours(path, version, study, month, filters: Filters, bands: tuple[AgeBand, ...]) -> HoursComparison:
    """Return compare_hours for a store version, cached."""
    return compare_hours(_connection(path, version), study, month, filters, bands)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_compare_by_sex(path, version, study, month, filters: Filters, bands: tuple[AgeBand, ...]) -> pd.DataFrame:
    """Return compare_hours_by_sex for a store version, cached."""
    return compare_hours_by_sex(_connection(path, version), study, month, filters, bands)


def bind_url(key: str, default, options=None, cast=str, multi: bool = False) -> None:
    """Give widget ``key`` its value from the share link (?key=...), else keep or set the default.

    Call before creating the widget (without value/index: the session state holds it), then
    ``write_url(key, default)`` after. Values outside ``options`` are ignored.
    """

    def valid(value) -> bool:
        if options is None:
            return True
        return all(v in options for v in value) if multi else value in options

    if key in st.session_state and valid(st.session_state[key]):
        return
    value = default
    try:
        if multi and key in st.query_params:
            value = [cast(v) for v in st.query_params.get_all(key)]
        elif not multi and key in st.query_params:
            value = cast(st.query_params[key])
    except (TypeError, ValueError):
        value = default
    st.session_state[key] = value if valid(value) else default


def write_url(key: str, default) -> None:
    """Keep a widget's value in the URL so a copied link reproduces the view (defaults are left out)."""
    value = st.session_state.get(key, default)
    if value == default or value in ([], ()):
        if key in st.query_params:
            del st.query_params[key]
    elif isinstance(value, list | tuple):
        if st.query_params.get_all(key) != [str(v) for v in value]:
            st.query_params[key] = [str(v) for v in value]
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)


def url_widget(widget, key: str, default, *args, options=None, cast=str, multi=False, **kwargs):
    """Create a widget bound to the URL: seeded from the link, written back after; return its value."""
    bind_url(key, default, options, cast, multi)
    value = widget(*args, key=key, **kwargs)
    write_url(key, default)
    return value


def choose_study(path: str, version: tuple[int, int], lang: str) -> dict:
    """Render the study selector when the store holds several studies; return the study's facts."""
    studies = cached_studies(path, version)
    requested = None
    if len(studies) > 1:
        title_col = "title_en" if lang == "en" else "title_sv"
        titles = dict(zip(studies["study"], studies[title_col]))
        default = cached_study(path, version, None)["study"]
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
    return cached_study(path, version, requested)


def open_page(lang: str) -> tuple[str, tuple[int, int], dict, Filters]:
    """Open the store and render the study selector and filters: return path, version, study facts, filters."""
    path, version = open_store(lang)
    info = choose_study(path, version, lang)
    return path, version, info, choose_filters(info, lang)


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
            )
        )
        for field, (values, label) in options.items()
    }
    return Filters(**chosen)


def bands() -> tuple[AgeBand, ...]:
    """Return the configured age bands."""
    return default_bands()


def format_ci(value: float, low: float, high: float, lang: str, decimals: int = 1) -> str:
    """Format 'value (low to high)', or '..' when hidden or missing."""
    if value != value:
        return SUPPRESSED
    word = t("word.to", lang)
    low_text, high_text = format_number(low, lang, decimals), format_number(high, lang, decimals)
    return f"{format_number(value, lang, decimals)} ({low_text} {word} {high_text})"


def format_count(value: float) -> str:
    """Format a count, '..' when hidden."""
    return SUPPRESSED if value != value else f"{int(value)}"


@st.cache_data(show_spinner=False, max_entries=64)
def cached_analyze_placement(path, version, study, month, filters: Filters, bands: tuple[AgeBand, ...]):
    """Return analyze_placement for a store version, cached."""
    return analyze_placement(_connection(path, version), study, month, filters, bands)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_compare_by_method(
    path, version, study, month, filters: Filters, bands: tuple[AgeBand, ...], method, handling
):
    """Return run_comparison for a store version, cached."""
    return run_comparison(_connection(path, version), study, month, filters, bands, method, handling)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_month_values(path, version, study, month, filters: Filters, bands: tuple[AgeBand, ...], handling):
    """Return load_month_values for a store version, cached."""
    return load_month_values(_connection(path, version), study, month, filters, bands, handling)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_all_months(path, version, study, last_month, filters: Filters, bands: tuple[AgeBand, ...], handling):
    """Return load_all_months for a store version, cached."""
    return load_all_months(_connection(path, version), study, last_month, filters, bands, handling)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_baseline(path, version, study, filters: Filters, bands: tuple[AgeBand, ...]):
    """Return describe_baseline of load_baseline for a store version, cached."""
    return describe_baseline(load_baseline(_connection(path, version), study, filters, bands))


@st.cache_data(show_spinner=False, max_entries=32)
def cached_flow(path, version, study, filters: Filters, timepoints: tuple[int, ...]):
    """Return count_flow for a store version, cached."""
    return count_flow(_connection(path, version), study, filters, timepoints)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_mixed(path, version, study, last_month, filters: Filters, bands: tuple[AgeBand, ...], handling, timepoints):
    """Return the mixed model over all months for a store version, cached."""
    return fit_mixed_model(
        cached_all_months(path, version, study, last_month, filters, bands, handling), list(timepoints)
    )


def band_name(label: str, lang: str) -> str:
    """Return a band label for people: 'Alla åldrar' for all, '65–75 år' otherwise."""
    return band_label(label, lang)


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
        format_func=lambda b: band_name(b, lang),
        horizontal=True,
    )


def show_demo_banner(info: dict, lang: str) -> None:
    """Say plainly, on every page, when the data are synthetic."""
    if info["is_demo"]:
        st.warning(t("demo.banner", lang), icon="⚠️")


def page_language() -> str:
    """Return the language chosen by the switch that dashboard.py renders."""
    lang = st.session_state.get("lang", st.query_params.get("lang", "sv"))
    return lang if lang in LANGUAGES else "sv"


def run_page(render: Callable[[str], None]) -> None:
    """Run a page body, showing user errors with st.error and never a traceback."""
    lang = page_language()
    try:
        render(lang)
    except UserFacingError as exc:
        st.error(exc.message(lang))
    except Exception:  # the last guard: no traceback reaches a user; details go to the server log
        logger.exception("page failed")
        st.error(t("error.unexpected", lang))


@st.cache_data(show_spinner=False, max_entries=8)
def cached_study_effects(path: str, version: tuple[int, int], study: str, months: int):
    """Return (effects, draws, intervals) estimated from the study, cached per store version."""
    data = load_effect_data(connection(path, version), study, months)
    draws = draw_effects(data, PSA_DRAWS)
    return estimate_effects(data), draws, effect_intervals(draws)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_data_version(path: str, version: tuple[int, int], study: str) -> str:
    """Return the hash of a study's loaded data, cached per store version."""
    return data_version(_connection(path, version), study)


def page_stamp(path, version, info: dict, filters: Filters, methods: str, threshold: int, lang: str) -> Stamp:
    """Return the stamp that this page's exports carry."""
    configured = int(get_setting("suppression_threshold"))
    data = cached_data_version(path, version, info["study"])
    return make_stamp(data, info["study"], filters, methods, threshold, configured, lang)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _deferred(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """Wrap a download's builder so a failure is logged (it runs on click, off the page script)."""

    def build() -> bytes:
        try:
            return make()
        except Exception:
            logger.exception("export failed")
            raise

    return build


def offer_table(table: pd.DataFrame, name: str, stamp: Stamp, lang: str, key: str | None = None) -> None:
    """Show a table with CSV and Excel downloads that carry the stamp (built only when clicked)."""
    st.dataframe(table, hide_index=True, key=key)
    key = key or name
    csv, xlsx, _ = st.columns([1, 1, 8])
    csv.download_button(
        t("export.csv", lang),
        _deferred(lambda: table_to_csv(table, stamp, lang)),
        f"{name}.csv",
        "text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    xlsx.download_button(
        t("export.xlsx", lang),
        _deferred(lambda: table_to_excel(table, stamp, lang)),
        f"{name}.xlsx",
        XLSX,
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )


def _chart_values(figure, lang: str) -> pd.DataFrame:
    """Return the chart's values as a readable table: series, x, y and CI ends in the language's format."""
    values = tabulate_figure(figure)
    if values.empty:
        return values
    x_title = figure.layout.xaxis.title.text or "x"
    y_title = figure.layout.yaxis.title.text or "y"
    out = pd.DataFrame({t("export.series", lang): values["series"]})
    for column, title in (("x", x_title), ("y", y_title)):
        out[title] = [v if isinstance(v, str) else format_number(v, lang, 2) for v in values[column]]
    if "low" in values:
        word = t("word.to", lang)
        out[t("col.ci", lang)] = [
            SUPPRESSED if lo != lo else f"{format_number(lo, lang, 2)} {word} {format_number(hi, lang, 2)}"
            for lo, hi in zip(values["low"], values["high"])
        ]
    return out


def offer_chart(figure, name: str, stamp: Stamp, lang: str, key: str, values: pd.DataFrame | None = None) -> None:
    """Show a chart with PNG and SVG downloads (stamped) and its values as a text alternative."""
    st.plotly_chart(figure, key=key, config={"toImageButtonOptions": {"filename": name}})
    if find_browser():
        png, svg, _ = st.columns([1, 1, 8])
        for column, fmt, mime in ((png, "png", "image/png"), (svg, "svg", "image/svg+xml")):
            column.download_button(
                t(f"export.{fmt}", lang),
                _deferred(lambda fmt=fmt: figure_to_image(figure, fmt, stamp, lang)),
                f"{name}.{fmt}",
                mime,
                key=f"{key}_{fmt}",
                on_click="ignore",
                icon=":material/image:",
            )
    else:
        st.caption(t("export.no_browser", lang))
    with st.expander(t("export.chart_data", lang)):
        st.dataframe(_chart_values(figure, lang) if values is None else values, hide_index=True)
