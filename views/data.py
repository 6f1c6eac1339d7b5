"""Data page: data-quality summary of the loaded study, and import of a study from two files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analysis.intake.fileformat import DESIGNS, detect_mapping, fields_for, preview_upload, template_csv
from analysis.intake.importer import ImportRejected, import_study
from analysis.intake.quality import summarize_quality
from analysis.intake.source import Upload
from analysis.intake.update import update_study
from analysis.outcomes.overview import summarize_people
from analysis.present.designs import name_design
from analysis.present.texts import describe_plan, format_number, t, tn
from analysis.selection import COVARIATES, Filters, Selection, edges_of, parse_band_edges
from analysis.store import db
from analysis.store.plans import list_plan_versions
from analysis.store.studies import PLAN_ESTIMATORS, PRIMARY_OUTCOMES, AnalysisPlan, load_plan, save_plan
from views import calls, display, roles, state


def _show_quality(store: calls.Store, info: dict, lang: str) -> None:
    """Render the data-quality summary of the selected study."""
    st.header(t("data.quality", lang) + ": " + display.plain(info["title_en"] if lang == "en" else info["title_sv"]))
    for measure in info["measures"] or [info["hours_measure"]]:
        _show_hours_quality(store, info, measure, lang)
    _show_people_quality(store, info, lang)


def _show_hours_quality(store: calls.Store, info: dict, measure: str, lang: str) -> None:
    """Render the hours rows of one measure: counts, months, missing months, high values and the histogram."""
    if len(info["measures"]) > 1:
        st.subheader(t(f"measure.name.{measure}", lang))
    st.caption(t(f"measure.{measure}", lang))
    q = calls.cached(summarize_quality, store, info["study"], measure)
    months = "–" if q["first_month"] is None else f"{q['first_month']:%Y-%m} – {q['last_month']:%Y-%m}"
    cols = st.columns(4)
    cols[0].metric(t("data.people", lang), format_number(q["people"], lang, 0))
    cols[1].metric(t("data.hours_rows", lang), format_number(q["hours_rows"], lang, 0))
    cols[2].metric(t("data.months", lang), months)
    cols[3].metric(t("data.high_hours", lang), format_number(q["high_hours_rows"], lang, 0))
    missing = ", ".join(f"{m:%Y-%m}" for m in q["missing_months"]) or t("data.none", lang)
    st.markdown(f"**{t('data.missing_months', lang)}:** {missing}")
    hist = q["histogram"]
    st.caption(t("data.histogram", lang))
    st.dataframe(
        pd.DataFrame(
            {
                t("col.from", lang): [format_number(v, lang, 0) for v in hist["low"]],
                t("col.below", lang): [format_number(v, lang, 0) if v == v else "" for v in hist["high"]],
                t("col.rows", lang): [format_number(v, lang, 0) for v in hist["rows"]],
            }
        ),
        hide_index=True,
    )


def _show_people_quality(store: calls.Store, info: dict, lang: str) -> None:
    """Render the people randomized per age band and arm."""
    bands = calls.cached(load_plan, store, info["study"]).bands
    people = calls.cached(summarize_people, store, Selection(info["study"], Filters(), bands))
    per_band = people.pivot(index="age_band", columns="arm", values="n").reindex(
        index=people["age_band"].unique(), columns=list(display.ARM_ORDER)
    )
    st.dataframe(
        pd.DataFrame(
            {
                t("col.age_band", lang): [display.band_name(b, lang) for b in per_band.index],
                **{t(f"arm.{arm}", lang): [format_number(v, lang, 0) for v in per_band[arm]] for arm in per_band},
            }
        ),
        hide_index=True,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _preview(file_id: str, name: str, _data: bytes) -> pd.DataFrame:
    """Return the masked preview of an upload, read once per upload (file_id) rather than on every widget change."""
    return preview_upload(name, _data)


def _mapping_widgets(kind: str, fields, columns: list[str], lang: str) -> dict[str, str]:
    """Render one selectbox per field, preselected from known names; return field -> column."""
    detected = detect_mapping(columns, fields)
    none = t("data.no_column", lang)
    mapping = {}
    grid = st.columns(3)
    for i, field in enumerate(fields):
        options = [none, *columns]
        default = options.index(detected[field.name]) if field.name in detected else 0
        chosen = grid[i % 3].selectbox(
            t(f"field.{field.name}", lang),
            options,
            index=default,
            help=t("field.help", lang, name=field.name, synonyms=", ".join(field.synonyms) or "–"),
            key=f"map_{kind}_{field.name}",
        )
        if chosen != none:
            mapping[field.name] = chosen
    return mapping


def _show_problems(exc: ImportRejected, lang: str) -> None:
    """Render the list of problems of a rejected import."""
    st.error(t("data.rejected", lang) + " " + tn("data.problems", exc.total, lang, shown=len(exc.problems)))
    st.dataframe(
        pd.DataFrame(
            {
                t("col.file", lang): [p.file for p in exc.problems],
                t("col.row", lang): ["" if p.row is None else str(p.row) for p in exc.problems],
                t("col.column", lang): [p.column or "" for p in exc.problems],
                t("col.value", lang): ["" if p.value is None else str(p.value) for p in exc.problems],
                t("col.expected", lang): [p.expected(lang) for p in exc.problems],
            }
        ),
        hide_index=True,
    )


def _import_form(path: str, studies: list[str], lang: str) -> None:
    """Render the choice import or update; for an import: upload, preview, column mapping and the button."""
    st.header(t("data.import", lang))
    st.caption(t("data.import_help", lang))
    with st.expander(t("data.templates", lang)):
        st.download_button(
            t("data.template_participants", lang), template_csv("participants"), "participants.csv", "text/csv"
        )
        st.download_button(t("data.template_hours", lang), template_csv("hours"), "hours.csv", "text/csv")
        st.download_button(t("data.template_visits", lang), template_csv("visits"), "visits.csv", "text/csv")
        st.download_button(
            t("data.template_measurements", lang), template_csv("measurements"), "measurements.csv", "text/csv"
        )
    types = ["csv", "xlsx", "parquet"]
    mode = st.radio(
        t("data.mode", lang), ("import", "update"), format_func=lambda m: t(f"data.mode.{m}", lang),
        key=f"data_mode_{lang}", help=t("help.data_mode", lang),
    )  # fmt: skip
    if mode == "update":
        _update_form(path, studies, types, lang)
        return
    care = st.radio(
        t("data.care_kind", lang), ("hours", "visits"), format_func=lambda k: t(f"data.care_kind.{k}", lang),
        horizontal=True, key=f"care_kind_{lang}", help=t("help.care_kind", lang),
    )  # fmt: skip
    measure = _measure_input(lang, "import_measure", "data.measure.unstated")
    design = st.selectbox(
        t("data.design", lang), DESIGNS, format_func=lambda d: name_design(d, lang).capitalize(),
        key=f"import_design_{lang}", help=t("glossary.design.text", lang),
    )  # fmt: skip
    uploads = {
        "participants": st.file_uploader(
            t("data.participants_file", lang), type=types, key="upload_participants",
            help=t("help.participants_file", lang),
        ),
        care: st.file_uploader(
            t(f"data.{care}_file", lang), type=types, key=f"upload_{care}", help=t(f"help.{care}_file", lang)
        ),
    }  # fmt: skip
    measurements = st.file_uploader(
        t("data.measurements_file", lang), type=types, key="upload_measurements", help=t("help.measurements_file", lang)
    )
    if design == "rollout":  # the areas and their adoption dates
        uploads["adoption"] = st.file_uploader(
            t("data.adoption_file", lang), type=types, key="upload_adoption", help=t("help.adoption_file", lang)
        )
    study = st.text_input(t("data.study_name", lang), help=t("help.study_name", lang), key="study_name").strip()
    data_end, complete = _end_inputs(lang)
    if not all(uploads.values()) or not study:
        st.info(t("data.need_files", lang))
        return
    if measurements is not None:  # optional: outcome measures at visits
        uploads["measurements"] = measurements
    mappings = {}
    for kind in uploads:
        if kind == "adoption":  # two columns, recognised by name (område, införd): shown, not mapped
            preview = _preview(uploads[kind].file_id, uploads[kind].name, uploads[kind].getvalue())
            st.subheader(f"{t('data.adoption_file', lang)}: {uploads[kind].name}")
            st.dataframe(preview, hide_index=True)
            continue
        fields = fields_for(kind, design)
        upload = uploads[kind]
        preview = _preview(upload.file_id, upload.name, upload.getvalue())
        st.subheader(f"{t(f'data.{kind}_file', lang)}: {upload.name}")
        st.caption(t("data.preview", lang))
        st.dataframe(preview, hide_index=True)
        st.caption(t("data.mapping", lang) + " — " + t("data.mapping_help", lang))
        mappings[kind] = _mapping_widgets(kind, fields, list(preview.columns), lang)
    if not st.button(t("data.run", lang), type="primary", key="run_import"):
        return
    bar = st.progress(0.0)
    # The uploads are read from memory (never written to disk, never unpickled or executed).
    files = {kind: Upload(upload.name, upload.getvalue()) for kind, upload in uploads.items()}
    try:
        summary = import_study(
            path, study, files["participants"], files.get("hours"), visits=files.get("visits"),
            participants_mapping=mappings["participants"], hours_mapping=mappings.get("hours", mappings.get("visits")),
            data_end=data_end, complete_through=complete, measure=measure,
            measurements=files.get("measurements"), measurements_mapping=mappings.get("measurements"),
            progress=lambda f, sv, en: bar.progress(f, text=en if lang == "en" else sv),
            design=design, adoption=files.get("adoption"),
        )  # fmt: skip
    except ImportRejected as exc:
        bar.empty()  # the bar stopped where reading failed; the problem table says why
        _show_problems(exc, lang)
        return
    people = ", ".join(f"{t(f'arm.{arm}', lang)}: {n}" for arm, n in summary.people.items())
    st.success(t("design.label", lang, design=name_design(summary.design, lang)))
    st.success(t("data.done", lang, study=display.plain(summary.study), people=people, rows=summary.hours_rows))
    if summary.measurement_rows:
        counts = ", ".join(f"{name}: {display.format_count(n, lang)}" for name, n in summary.measurement_rows.items())
        st.success(t("data.done_measurements", lang, counts=counts))
    if summary.warnings:
        with st.expander(t("data.warnings", lang, total=summary.warnings_total)):
            for warning in summary.warnings:
                st.markdown("- " + warning.message(lang))


def _end_inputs(lang: str) -> tuple[dt.date | None, dt.date | None]:
    """Render the last day of data and the complete-through month (both optional); return them."""
    data_end = st.date_input(
        t("data.data_end", lang), value=None, key="data_end", min_value=dt.date(1990, 1, 1), format="YYYY-MM-DD",
        help=t("help.data_end", lang),
    )  # fmt: skip  # ÅÅÅÅ-MM-DD as the import files write dates
    complete = st.date_input(
        t("data.complete_through", lang), value=None, key="complete_through", min_value=dt.date(1990, 1, 1),
        format="YYYY-MM-DD", help=t("help.complete_through", lang),
    )  # fmt: skip
    return data_end, complete


def _measure_input(lang: str, key: str, unstated: str) -> str | None:
    """Render which hours the care file holds (performed, granted or, by the text ``unstated``, not said)."""
    chosen = st.radio(
        t("data.measure", lang), ("", "performed", "granted"),
        format_func=lambda m: t(f"measure.name.{m}", lang) if m else t(unstated, lang),
        horizontal=True, key=f"{key}_{lang}", help=t("help.measure", lang),
    )  # fmt: skip
    return chosen or None


def _update_form(path: str, studies: list[str], types: list[str], lang: str) -> None:
    """Render a monthly update: the study, its new hours or visits file, the participants file if any, the button."""
    st.caption(t("data.update_help", lang))
    if not studies:
        st.info(t("data.no_studies", lang))
        return
    study = st.selectbox(t("data.update_study", lang), studies, key="update_study", help=t("help.update_study", lang))
    care = st.radio(
        t("data.care_kind", lang), ("hours", "visits"), format_func=lambda k: t(f"data.care_kind.{k}", lang),
        horizontal=True, key=f"update_care_kind_{lang}", help=t("help.care_kind", lang),
    )  # fmt: skip
    measure = _measure_input(lang, "update_measure", "data.measure.study")
    care_file = st.file_uploader(
        t(f"data.{care}_file", lang), type=types, key=f"update_{care}", help=t(f"help.{care}_file", lang)
    )
    people = st.file_uploader(
        t("data.participants_optional", lang), type=types, key="update_participants",
        help=t("help.participants_optional", lang),
    )  # fmt: skip
    data_end, complete = _end_inputs(lang)
    if care_file is None:
        st.info(t("data.need_update_files", lang))
        return
    if not st.button(t("data.run_update", lang), type="primary", key="run_update"):
        return
    bar = st.progress(0.0)
    files = {care: Upload(care_file.name, care_file.getvalue())}  # read from memory, never unpickled
    try:
        summary = update_study(
            path, study, files.get("hours"), visits=files.get("visits"),
            participants=Upload(people.name, people.getvalue()) if people is not None else None,
            data_end=data_end, complete_through=complete, measure=measure,
            progress=lambda f, sv, en: bar.progress(f, text=en if lang == "en" else sv),
        )  # fmt: skip
    except ImportRejected as exc:
        bar.empty()
        _show_problems(exc, lang)
        return
    months = {
        key: ", ".join(f"{m:%Y-%m}" for m in value) or t("data.none", lang)
        for key, value in (("added", summary.months_added), ("replaced", summary.months_replaced))
    }
    st.success(t("data.updated", lang, study=display.plain(summary.study), people=summary.people_added,
                 complete=f"{summary.complete_through:%Y-%m}", **months))  # fmt: skip
    if summary.measure_added:
        st.success(t("data.measure_added", lang, measure=t(f"measure.name.{summary.hours_measure}", lang),
                     complete=f"{summary.study_complete_through:%Y-%m}"))  # fmt: skip
    if summary.warnings:
        with st.expander(t("data.warnings", lang, total=summary.warnings_total)):
            for warning in summary.warnings:
                st.markdown("- " + warning.message(lang))


def _plan_form(store: calls.Store, info: dict, lang: str) -> None:
    """Show the study's analysis plan and let an analyst store a new one (before the comparison is read)."""
    st.header(t("data.plan", lang))
    plan = calls.cached(load_plan, store, info["study"])
    st.info(describe_plan(plan, lang))
    # Keyed by language: a multiselect keeps the chips it drew in the old language when only its labels change.
    with st.form("plan_form"):
        outcome = st.selectbox(
            t("data.plan_outcome", lang),
            PRIMARY_OUTCOMES,
            index=PRIMARY_OUTCOMES.index(plan.primary_outcome),
            format_func=lambda o: t(f"plan.outcome.{o}", lang),
            help=t("help.plan_outcome", lang),
            key=f"plan_outcome_{info['study']}_{lang}",
        )
        months = st.number_input(
            t("data.plan_months", lang),
            1,
            120,
            plan.window_months,
            step=1,
            help=t("help.plan_months", lang),
            key=f"plan_months_{info['study']}_{lang}",
        )
        estimator = st.radio(
            t("data.plan_estimator", lang),
            PLAN_ESTIMATORS,
            index=PLAN_ESTIMATORS.index(plan.estimator),
            format_func=lambda e: t(f"plan.estimator.{e}", lang, covariates="…"),
            horizontal=True,
            help=t("help.plan_estimator", lang),
            key=f"plan_estimator_{info['study']}_{lang}",
        )
        covariates = st.multiselect(
            t("data.plan_covariates", lang),
            COVARIATES,
            default=list(plan.covariates) or ["baseline_hours"],
            format_func=lambda c: t(f"covariate.{c}", lang),
            select_all=False,  # Streamlit's "Select all" is English only
            help=t("help.plan_covariates", lang),
            key=f"plan_covariates_{info['study']}_{lang}",
        )
        edges = st.text_input(
            t("data.plan_bands", lang),
            ",".join(str(e) for e in plan.band_edges) if plan.band_edges else "",
            help=t("help.plan_bands", lang),
            key=f"plan_bands_{info['study']}_{lang}",
        )
        note = st.text_input(
            t("data.plan_note", lang), plan.note or "", help=t("help.plan_note", lang),
            key=f"plan_note_{info['study']}_{lang}",
        )  # fmt: skip
        planned = st.number_input(
            t("data.plan_planned_n", lang), min_value=2, value=plan.planned_n, step=1, placeholder="—",
            help=t("help.plan_planned_n", lang), key=f"plan_planned_{info['study']}_{lang}",
        )  # fmt: skip
        spending = st.radio(
            t("data.plan_spending", lang), ("obf", "pocock"), index=("obf", "pocock").index(plan.spending),
            format_func=lambda k: t(f"plan.spending.{k}", lang), horizontal=True,
            help=t("help.plan_spending", lang), key=f"plan_spending_{info['study']}_{lang}",
        )  # fmt: skip
        alpha = st.number_input(
            t("data.plan_alpha", lang), min_value=1, max_value=20, value=round(plan.alpha * 100), step=1,
            help=t("help.plan_alpha", lang), key=f"plan_alpha_{info['study']}_{lang}",
        )  # fmt: skip
        if not st.form_submit_button(t("data.plan_save", lang)):
            return
    wanted = AnalysisPlan(
        outcome,
        int(months),
        note.strip() or None,
        None,
        estimator,
        tuple(covariates) if estimator == "anhecova" else (),
        edges_of(parse_band_edges(edges)) if edges.strip() else None,
        alpha / 100.0,
        spending,
        None if planned is None else int(planned),
        plan.final_on,
        plan.futility,
    )
    save_plan(store.path, info["study"], wanted, saved_by=roles.page_access().signature)
    primary = calls.cached(load_plan, calls.open_store(lang), info["study"])  # the store's new version: read anew
    versions = calls.cached(list_plan_versions, calls.open_store(lang), info["study"])
    if versions and versions[-1].version != primary.version:
        st.warning(t("data.plan_not_primary", lang, version=versions[-1].version, primary=primary.version))
    st.success(describe_plan(primary, lang))


def render(lang: str) -> None:
    """Render the data page."""
    store = calls.open_store(lang)
    info = state.choose_study(store, lang)
    st.title(t("data.title", lang))
    if not roles.page_access().is_analyst:  # the page is not in a viewer's navigation; this is the second lock
        st.error(t("access.analyst_only", lang))
        return
    display.show_study_banner(info, lang)
    display.show_completeness(info, lang)
    _show_quality(store, info, lang)
    _plan_form(store, info, lang)
    studies = calls.cached(db.list_studies, store)
    _import_form(store.path, studies.loc[~studies["is_demo"], "study"].tolist(), lang)


display.run_page(render)
