"""Issue 14's 'done when': no hidden count follows from what a viewer sees, over every table of every page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.present.viewer import PAGES, ViewOptions, view_page
from analysis.selection import ALL, Filters, Selection, parse_band_edges
from analysis.store import db
from tests.audit import (
    ARMS,
    OUTSIDE,
    Cell,
    cells_of_view,
    check_consistent,
    derivable_hidden,
    load_atoms,
    sensitive_cells,
    small_differences,
)
from tests.conftest import fill_tiny, frame, hours_frame, person, run_cli

THRESHOLD = 5
BOARD_PAGES = ("costs", "presentation")  # pages without filters
ROOT = Path(__file__).resolve().parent.parent
BANDS = parse_band_edges("65,76,86,96")


def _special_people():
    """Return participants and hours with the four hard cases of the issue, among ordinary people.

    - one 97-year-old, outside every band;
    - 86–95 control: 12 people of whom 11 die before month 10 (one survivor);
    - 65–75 intervention: everyone has 0 hours in every month;
    - district 'Litet' holds 3 people.
    """
    rows, hours = [], []
    rng = np.random.default_rng(14)
    i = 0

    def add(arm, age, district, sex, app, died=None, placed=None, zero=False):
        nonlocal i
        pid = f"p{i:03d}"
        i += 1
        rows.append(person(pid, arm=arm, age=age, sex=sex, app=app, district=district, died=died, placed=placed))
        for m in range(2, 13):
            value = 0.0 if zero else float(rng.integers(2, 40))
            hours.append((pid, f"2016-{m:02d}", value))
        for m in range(1, 13):
            hours.append((pid, f"2017-{m:02d}", 0.0 if zero else float(rng.integers(2, 40))))

    districts = ("Centrum", "Fröslunda")
    for arm in ("intervention", "control"):
        for age in (68, 80, 90):
            for k in range(14):
                if arm == "control" and age == 90 and k >= 12:
                    continue
                died = None
                placed = None
                if arm == "control" and age == 90:  # one survivor (k = 11)
                    died = f"2016-{2 + k % 8:02d}-10" if k < 11 else None
                elif k % 4 == 0:
                    placed = f"2016-{3 + k % 9:02d}-05"
                elif k % 5 == 1:
                    died = f"2016-{4 + k % 7:02d}-20"
                zero = arm == "intervention" and age == 68
                add(arm, age, districts[k % 2], "FM"[k % 3 == 0], ("new", "extended")[k % 2 == 0], died, placed, zero)
    add("control", 97, "Centrum", "F", "new", placed="2016-06-01", died="2016-11-01")
    for k in range(3):
        add(("intervention", "control")[k % 2], 78 + k, "Litet", "F", "new")
    return rows, hours


def _special_measurements(rows: list[dict]) -> pd.DataFrame:
    """Return ADL (Katz) measurements with the issue's hard cases of the outcome-measures page.

    - 65–75 intervention: everyone scores 6 at every visit (a cell where everyone has the same value);
    - 76–85 control: 3 people measured at month 3 (a visit with 1–4 measured);
    - 86–95 intervention: 2 people measured at baseline (a change score resting on 2);
    - 86–95 control: 11 of 12 die before month 12 (deaths before the visit: one survivor).
    """
    rng = np.random.default_rng(27)
    out = []
    for row in rows:
        band = "65-75" if row["age"] <= 75 else "76-85" if row["age"] <= 85 else "86-95" if row["age"] <= 95 else None
        k = int(row["person_id"][1:])
        for visit in (0, 3, 12):
            if band == "76-85" and row["arm"] == "control" and visit == 3 and k % 14 > 2:
                continue
            if band == "86-95" and row["arm"] == "intervention" and visit == 0 and k % 14 > 1:
                continue
            value = 6.0 if band == "65-75" and row["arm"] == "intervention" else float(rng.integers(1, 7))
            out.append({"person_id": row["person_id"], "visit_month": visit, "value": value})
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def special_store(tmp_path_factory):
    """Return a store holding the special study 'tiny' (with ADL measurements)."""
    rows, hours = _special_people()
    path = tmp_path_factory.mktemp("special") / "special.duckdb"
    measurements = _special_measurements(rows)

    def fill(con):
        fill_tiny(con, frame(rows), hours_frame(hours))
        con.register("m", measurements)
        con.execute("INSERT INTO measurements SELECT 'tiny', person_id, visit_month, NULL, 'adl_katz', value FROM m")

    db.write_study(path, "tiny", fill)
    return path


def _outside_cells(cells: list[Cell]) -> list[Cell]:
    """Return, per kind, view, arm and extra, the people outside every band as a hidden cell ('all' − bands)."""
    groups: dict = {}
    for cell in cells:
        groups.setdefault((cell.kind, cell.view, cell.arm, cell.extra, cell.where), []).append(cell)
    out = []
    for (kind, view, arm, extra, where), group in groups.items():
        total = [c for c in group if c.band == ALL]
        parts = [c for c in group if c.band not in (ALL, OUTSIDE)]
        if total and len(parts) == len(BANDS):
            rest = total[0].value - sum(c.value for c in parts)
            out.append(Cell(kind, view, OUTSIDE, arm, extra, rest, False, f"{where} (all − bands)"))
    return out


def _audit(con, study: str, views, pages, month: int, options: ViewOptions, bands=BANDS):
    """Return every cell of the pages over the views (shown at the threshold, true values at 1)."""
    cells = []
    for filters in views:
        selection = Selection(study, filters, bands, month)
        for page in pages:
            if page in BOARD_PAGES and filters.fields():
                continue  # about everyone: the same tables whatever the sidebar says
            memo: dict = {}  # the analysis once, the rules at both thresholds
            shown = view_page(con, page, selection, THRESHOLD, options, memo)
            raw = view_page(con, page, selection, 1, options, memo)
            cells += cells_of_view(page, shown, raw, selection)
    return cells + _outside_cells(cells)


SPECIAL_VIEWS = [
    Filters(),
    Filters(sex=("F",)),
    Filters(sex=("M",)),
    Filters(district=("Litet",)),
    Filters(district=("Centrum",)),
    Filters(district=("Centrum", "Fröslunda")),
    Filters(application_type=("new",)),
    Filters(sex=("F",), district=("Centrum", "Fröslunda")),
]


def test_the_special_cases_are_in_the_store(special_store):
    # The four cases the issue names, read back from the store (so the audit below is about them).
    con = db.connect(special_store)
    people = db.query(con, "SELECT age, arm, district, died_on FROM participants WHERE study = 'tiny'")
    hours = db.query(
        con,
        """SELECT max(h.hours) AS top FROM hours h JOIN participants p USING (study, person_id)
           WHERE p.arm = 'intervention' AND p.age BETWEEN 65 AND 75""",
    )
    con.close()
    assert (people["age"] > 95).sum() == 1
    survivors = people[(people["age"] == 90) & (people["arm"] == "control")]
    assert len(survivors) == 12 and survivors["died_on"].isna().sum() == 1
    assert hours["top"].iloc[0] == 0.0
    assert (people["district"] == "Litet").sum() == 3


@pytest.mark.slow
def test_no_hidden_count_follows_from_every_page_and_view(special_store):
    # Done when: a study with one person outside the bands, a band with one survivor, a cell where everyone has
    # 0 hours and a district of 3: nothing a viewer sees on any page, over these views, lets a hidden count (or
    # sum of hours) be derived by addition and subtraction, and no two nested shown counts differ by 1-4.
    con = db.connect(special_store)
    try:
        atoms = load_atoms(con, Selection("tiny", bands=BANDS))
        cells = _audit(con, "tiny", SPECIAL_VIEWS, PAGES, 12, ViewOptions(draws=30))
    finally:
        con.close()
    sensitive = sensitive_cells(cells, THRESHOLD)
    assert len(cells) > 2000 and len(sensitive) > 100  # the audit sees a lot, and many cells would disclose
    assert check_consistent(cells, atoms) == []
    assert derivable_hidden(cells, atoms, sensitive) == []
    assert small_differences(cells, atoms, THRESHOLD) == []


@pytest.mark.slow
def test_the_audit_finds_a_leak_when_one_rule_is_off(special_store, monkeypatch):
    # The audit can fail: without the complementary band ('all' minus the bands), the one survivor and the
    # 97-year-old come back.
    import importlib

    off = lambda hidden, sizes, is_total, unshown=False: hidden  # noqa: E731
    for name in ("", ".differencing", ".rows", ".tables", ".views"):  # every module of the package that calls it
        module = importlib.import_module("analysis.present.disclosure" + name)
        if hasattr(module, "hide_complements"):
            monkeypatch.setattr(module, "hide_complements", off)
    con = db.connect(special_store)
    try:
        atoms = load_atoms(con, Selection("tiny", bands=BANDS))
        cells = _audit(con, "tiny", [Filters()], ("overview", "placement"), 12, ViewOptions(draws=30))
    finally:
        con.close()
    assert derivable_hidden(cells, atoms, sensitive_cells(cells, THRESHOLD))


@pytest.mark.slow
def test_the_view_command_prints_what_view_page_gives(special_store):
    # The command line's page view is the audited one: same tables, hidden figures null.
    done = run_cli(
        "view",
        "placement",
        "--db",
        str(special_store),
        "--month",
        "12",
        "--bands",
        "65,76,86,96",
        "--district",
        "Centrum",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    con = db.connect(special_store)
    tables = view_page(con, "placement", Selection("tiny", Filters(district=("Centrum",)), BANDS, 12), THRESHOLD)
    con.close()
    assert out["threshold"] == THRESHOLD and set(out["tables"]) == set(tables)
    for name, frame_ in tables.items():
        for row, expected in zip(out["tables"][name], frame_.to_dict("records"), strict=True):
            for key in ("n", "n_intervention", "n_control", "placed_intervention", "placed_control"):
                if key in expected:
                    value = expected[key]
                    assert row[key] == (None if value != value else value), (name, key)


DISTRICTS = ("Centrum", "Fröslunda", "Skiftinge", "Torshälla", "Årby", "Ärla")
DEMO_VIEWS = [
    *(Filters(sex=sex, application_type=app) for sex in ((), ("F",), ("M",)) for app in ((), ("new",), ("extended",))),
    *(Filters(district=(d,)) for d in DISTRICTS),
    *(Filters(district=tuple(x for x in DISTRICTS if x != d)) for d in DISTRICTS),
    *(Filters(sex=("F",), district=(d,)) for d in DISTRICTS),
]


@pytest.mark.slow
def test_no_pair_of_views_on_the_demo_gives_back_a_hidden_count(small_demo_path):
    # Done when: a brute-force search over every pair of these 27 filter views of the (400-person) demo, on every
    # page, recovers no hidden count of people or events: no two nested shown counts differ by 1-4, and no
    # count that would disclose a few follows from all that is shown (by any sum or difference, not only pairs).
    from analysis.selection import default_bands

    con = db.connect(small_demo_path)
    try:
        atoms = load_atoms(con, Selection("demo", bands=default_bands()))
        cells = _audit(con, "demo", DEMO_VIEWS, PAGES, 24, ViewOptions(draws=20), bands=default_bands())
    finally:
        con.close()
    sensitive = sensitive_cells(cells, THRESHOLD)
    assert len(DEMO_VIEWS) == 27 and len(sensitive) > 500
    assert check_consistent(cells, atoms) == []
    assert small_differences(cells, atoms, THRESHOLD) == []
    assert derivable_hidden(cells, atoms, sensitive) == []


@pytest.mark.slow
def test_the_torshalla_women_view_shows_its_numbers_or_the_true_reason_everywhere(tmp_path):
    # Done when: on the demo, Torshälla women at month 24 were "..", "too few people" in the table while the
    # trajectory showed month 24. Now every table of the page hides the same cells, and each hidden row's
    # reason is the rule that hid it.
    from analysis.demo import DemoSpec, build_demo_store
    from analysis.present.disclosure import REASONS
    from analysis.selection import default_bands

    path = tmp_path / "demo.duckdb"
    build_demo_store(path, DemoSpec())
    con = db.connect(path)
    selection = Selection("demo", Filters(district=("Torshälla",), sex=("F",)), default_bands(), 24)
    overview = view_page(con, "overview", selection, THRESHOLD, ViewOptions(draws=20))
    comparisons = view_page(con, "comparisons", selection, THRESHOLD, ViewOptions(draws=20))
    raw = view_page(con, "overview", selection, 1, ViewOptions(draws=20))["hours"].set_index("age_band")
    con.close()
    hours = overview["hours"].set_index("age_band")
    results = comparisons["results"].set_index("age_band")
    month = overview["trajectory"][overview["trajectory"]["month_k"] == 24].set_index(["age_band", "arm"])
    for band, row in hours.iterrows():
        for arm in ARMS:
            n = row[f"n_{arm}"]
            assert np.isnan(n) == np.isnan(month.loc[(band, arm), "n"]) == np.isnan(results.loc[band, f"n_{arm}"])
            if not np.isnan(n):
                # the same people, the same perturbed number on every table; at most 2 from the true one
                assert n == month.loc[(band, arm), "n"] == results.loc[band, f"n_{arm}"]
                assert abs(n - raw.loc[band, f"n_{arm}"]) <= 2 and row["perturbed"]
        reason = row["suppressed_reason"]
        assert (reason is None) == (not row["suppressed"])
        assert reason is None or reason in REASONS
        if reason == "few_people":
            assert min(raw.loc[band, "n_intervention"], raw.loc[band, "n_control"]) < THRESHOLD
        elif reason is not None:  # hidden for another rule: not because the band itself has too few people
            assert min(raw.loc[band, "n_intervention"], raw.loc[band, "n_control"]) >= THRESHOLD
        assert results.loc[band, "suppressed_reason"] == reason


@pytest.mark.slow
def test_the_briefing_hides_what_the_pages_hide(special_store):
    # Done when (exports): the PDF/PPTX briefing reads its rows through the pages' rules, so a band hidden on a
    # page is hidden, with its reason, in the briefing's sentence, and a shown band is never said to be hidden.
    from analysis.present.report import build_briefing
    from analysis.present.texts import band_label
    from analysis.store.studies import describe_study

    con = db.connect(special_store)
    month = min(24, describe_study(con, "tiny")["max_month"])
    hours = view_page(con, "overview", Selection("tiny", Filters(), BANDS, month), THRESHOLD)["hours"]
    briefing = build_briefing(con, "tiny", "en")
    con.close()
    sentences = briefing.slides[1].sentences
    assert hours["suppressed"].any() and not hours["suppressed"].all()
    for _, row in hours.iterrows():
        said = next(s for s in sentences if s.startswith(band_label(row["age_band"], "en") + ":"))
        assert said.startswith(band_label(row["age_band"], "en") + ": hidden") == bool(row["suppressed"]), said


def test_the_measures_page_hides_uniform_cells_few_measured_and_small_change_scores(special_store):
    # Done when (issue 27): a band where everyone scores the same, a visit with 1-4 measured and a change score
    # resting on 1-4 people are hidden on the outcome-measures page, filtered or not; counts are not.
    con = db.connect(special_store)
    try:
        for filters in (Filters(), Filters(district=("Centrum", "Fröslunda"))):
            visits = view_page(con, "measures", Selection("tiny", filters, BANDS, 12), THRESHOLD)["visits"]
            rows = visits.set_index(["age_band", "visit_month"])
            for visit in (0, 3, 12):
                assert np.isnan(rows.loc[("65-75", visit), "mean_intervention"])  # everyone 6
                assert rows.loc[("65-75", visit), "suppressed_reason"] == "uniform"
                assert np.isnan(rows.loc[("86-95", visit), "change_intervention"])  # 2 with a baseline
            assert np.isnan(rows.loc[("76-85", 3), "mean_control"])  # 3 measured
            assert rows.loc[("76-85", 3), "suppressed_reason"] == "few_people"
            assert not np.isnan(rows.loc[("all", 12), "mean_control"])
            assert not np.isnan(rows.loc[("all", 12), "randomized_control"])
    finally:
        con.close()
