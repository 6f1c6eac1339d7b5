import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import frame, hours_frame, person, write_tiny_store

from analysis.outcomes.baseline import describe_baseline, load_baseline
from analysis.outcomes.compare import compare_hours
from analysis.outcomes.overview import summarize_people
from analysis.present.access import ANALYST, VIEWER, Access, effective_threshold, parse_analysts, resolve_access
from analysis.present.disclosure import (
    combine_risks,
    find_differencing_risks,
    hide_band_rows,
    hide_baseline_cells,
    hide_flow_cells,
    hide_people_rows,
    hide_split_rows,
)
from analysis.selection import Filters, Selection, default_bands
from analysis.store import db

THRESHOLD = 5


@pytest.fixture
def mixed_store(tmp_path):
    """A store where band 65-75 intervention holds 8 women and 2 men; every other cell is large.

    Women and men in 65-75 intervention are split 5/3 and 1/1 over application types, so a filter on
    application type or sex alone or both could be subtracted from another to reveal a few people.
    """
    rows = []
    for i in range(8):
        rows.append(person(f"iF{i}", "intervention", age=70, sex="F", app="new" if i < 5 else "extended"))
    for i in range(2):
        rows.append(person(f"iM{i}", "intervention", age=70, sex="M", app="new" if i < 1 else "extended"))
    for arm in ("intervention", "control"):
        for sex in ("F", "M"):
            for app in ("new", "extended"):
                for i in range(6):
                    rows.append(person(f"{arm[0]}{sex}{app}{i}", arm, age=80, sex=sex, app=app))
                    if arm == "control":
                        rows.append(person(f"c7{sex}{app}{i}", arm, age=70, sex=sex, app=app))
    hours = hours_frame([(r["person_id"], "2016-02", 3.0 + (i % 7) * 2.5) for i, r in enumerate(rows)])
    path = tmp_path / "mixed.duckdb"
    write_tiny_store(path, frame(rows), hours)
    return db.connect(path)


def test_unfiltered_views_are_never_at_risk(mixed_store):
    risks = find_differencing_risks(mixed_store, Selection("tiny", Filters(), default_bands()), THRESHOLD)
    assert not risks["at_risk"].any()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(sex=("F",)),  # 65-75 intervention: 8 women, 2 men -> at risk
        Filters(sex=("M",)),
        Filters(application_type=("new",)),  # 65-75 intervention: 6 new, 4 extended -> at risk
        Filters(sex=("F",), application_type=("new",)),  # finest groups 5, 3, 1, 1
    ],
)
def test_risk_marks_cells_whose_finest_groups_are_small(mixed_store, filters):
    risks = find_differencing_risks(mixed_store, Selection("tiny", filters, default_bands()), THRESHOLD)
    marked = {(r.age_band, r.arm) for r in risks.itertuples() if r.at_risk}
    # Everyone, intervention: 20 women and 14 men; 18 new and 16 extended: large, so 'all' is not at risk. Within
    # a small finest group, 'all' minus 76-85 would give 65-75 back, so 76-85 is at risk too (closed over bands).
    assert marked == {("65-75", "intervention"), ("76-85", "intervention")}


def test_risks_at_a_month_count_only_people_followed_then(tmp_path):
    # Ten women and ten men per arm; four of the men die in month 1, so by month 3 the men are 6 and
    # then only... keep 6; with 8 dying, 2 remain: a sex filter at month 3 is at risk, at month 0 it is not.
    rows = []
    for arm in ("intervention", "control"):
        rows += [person(f"{arm}F{i}", arm, sex="F") for i in range(10)]
        rows += [person(f"{arm}M{i}", arm, sex="M", died="2016-02-10" if i < 8 else None) for i in range(10)]
    path = tmp_path / "deaths.duckdb"
    write_tiny_store(path, frame(rows), hours_frame([("interventionF0", "2016-01", 1.0)]))
    con = db.connect(path)
    at_start = find_differencing_risks(con, Selection("tiny", Filters(sex=("F",)), default_bands(), 0), THRESHOLD)
    later = find_differencing_risks(con, Selection("tiny", Filters(sex=("F",)), default_bands(), 3), THRESHOLD)
    assert not at_start["at_risk"].any()
    assert later.set_index(["age_band", "arm"]).loc[("65-75", "control"), "at_risk"]


def _shown_views(con, month=1):
    """Return every sex x application-type filter view of the hours table with suppression applied."""
    views = {}
    choices = [(), ("F",), ("M",), ("F", "M")]
    app_choices = [(), ("new",), ("extended",), ("new", "extended")]
    for sex, app in itertools.product(choices, app_choices):
        filters = Filters(sex=sex, application_type=app)
        groups = compare_hours(con, Selection("tiny", filters, default_bands(), month)).groups
        risks = None
        if sex or app:
            risks = find_differencing_risks(con, Selection("tiny", filters, default_bands(), month), THRESHOLD)
        views[(sex, app)] = hide_band_rows(groups, THRESHOLD, risks).set_index("age_band")
    return views


def _nested(a, b) -> bool:
    """Return whether view a's people are all in view b (an empty choice means every level)."""
    levels = ({"F", "M"}, {"new", "extended"})
    return all(set(x or full) <= set(y or full) for x, y, full in zip(a, b, levels, strict=True))


def test_no_two_shown_views_differ_by_a_few_people(mixed_store):
    # Brute force over every filter choice: wherever two nested views both show a band, their counts
    # per arm differ by 0 or by at least the threshold, so no subtraction isolates fewer people (and
    # their hours).
    views = _shown_views(mixed_store)
    pairs = [(a, b) for a, b in itertools.permutations(views.items(), 2) if _nested(a[0], b[0])]
    assert len(pairs) > 30
    for (a, va), (b, vb) in pairs:
        for band in va.index:
            for arm in ("intervention", "control"):
                na, nb = va.loc[band, f"n_{arm}"], vb.loc[band, f"n_{arm}"]
                if np.isnan(na) or np.isnan(nb):
                    continue
                gap = abs(na - nb)
                assert gap == 0 or gap >= THRESHOLD, (a, b, band, arm, na, nb)
    # The two men of 65-75 intervention are in the unfiltered view; every view filtered on sex hides the band.
    assert not np.isnan(views[((), ())].loc["65-75", "n_intervention"])
    assert np.isnan(views[(("F",), ())].loc["65-75", "n_intervention"])
    # ...and, as everyone's row shows, a second band too, or 'all' minus 76-85 would give 65-75 back.
    assert np.isnan(views[(("F",), ())].loc["76-85", "n_intervention"])
    assert views[(("F",), ())].loc["all", "n_intervention"] == 20


def test_without_the_guard_the_two_men_could_be_recovered(mixed_store):
    # The guard is needed: without it, everyone minus women gives the two men's mean hours.
    everyone = compare_hours(mixed_store, Selection("tiny", Filters(), default_bands(), 1)).groups.set_index("age_band")
    women = compare_hours(mixed_store, Selection("tiny", Filters(sex=("F",)), default_bands(), 1)).groups.set_index(
        "age_band"
    )
    unguarded = hide_band_rows(women.reset_index(), THRESHOLD).set_index("age_band")
    assert not np.isnan(unguarded.loc["65-75", "n_intervention"])
    n_all, n_f = everyone.loc["65-75", "n_intervention"], women.loc["65-75", "n_intervention"]
    assert n_all - n_f == 2


def test_people_rows_hide_at_risk_arms_and_their_complement(mixed_store):
    filters = Filters(sex=("F",))
    people = summarize_people(mixed_store, Selection("tiny", filters, default_bands()))
    risks = find_differencing_risks(mixed_store, Selection("tiny", filters, default_bands()), THRESHOLD)
    shown = hide_people_rows(people, THRESHOLD, risks).set_index(["age_band", "arm"])
    assert np.isnan(shown.loc[("65-75", "intervention"), "n"])
    assert np.isnan(shown.loc[("76-85", "intervention"), "n"])  # else 'all' minus it gives 65-75 back
    assert shown.loc[("all", "intervention"), "n"] == 20
    assert shown.loc[("76-85", "control"), "n"] == 12


def test_at_risk_table_hides_as_the_placement_table_and_across_bands():
    # Issue 14: the at-risk table showed an arm going from 27 to 15 right below a curve and n hidden. Now month 0
    # (everyone randomized) follows the one rule for those numbers, later months are hidden where the table hides
    # the arm's figures, and per arm and month a second band is hidden against 'all'.
    from analysis.present.disclosure import show_at_risk

    at_risk = pd.DataFrame(
        {
            "age_band": ["65-75"] * 2 + ["76-85"] * 2 + ["86-95"] * 2 + ["all"] * 2,
            "arm": "control",
            "month": [0, 6] * 4,
            "n": [20, 3, 30, 25, 27, 15, 77, 43],
        }
    )
    groups = pd.DataFrame(
        {
            "age_band": ["65-75", "76-85", "86-95", "all"],
            "hidden_intervention": False,
            "hidden_control": [False, False, True, False],  # 86-95: few placements, figures hidden
        }
    )

    def no_risks(view, table, timepoints=()):
        return None

    shown = show_at_risk(at_risk, groups, None, THRESHOLD, no_risks)
    n = shown.set_index(["age_band", "month"])["n"]
    assert n[("86-95", 0)] == 27  # the number randomized is shown wherever it is (not hidden for few events)
    assert np.isnan(n[("86-95", 6)])  # the arm's curve is hidden: so are its later numbers at risk
    assert np.isnan(n[("65-75", 6)])  # 3 people
    assert n[("76-85", 6)] == 25 and n[("all", 6)] == 43  # two bands hidden: 43 - 25 = 18 gives neither back
    assert shown["suppressed"].sum() == 2
    # With every arm's figures shown, the 3 would follow from 43 - 25 - 15: the smallest other band is hidden too.
    shown = show_at_risk(at_risk, groups.assign(hidden_control=False), None, THRESHOLD, no_risks)
    n = shown.set_index(["age_band", "month"])["n"]
    assert np.isnan(n[("65-75", 6)]) and np.isnan(n[("86-95", 6)]) and n[("76-85", 6)] == 25


def test_combine_risks_is_the_union():
    a = pd.DataFrame({"age_band": ["all", "all"], "arm": ["intervention", "control"], "at_risk": [True, False]})
    b = pd.DataFrame({"age_band": ["all", "all"], "arm": ["intervention", "control"], "at_risk": [False, True]})
    assert combine_risks(a, b)["at_risk"].tolist() == [True, True]
    assert combine_risks(None, None) is None


def test_baseline_cells_hide_small_levels_and_one_more(mixed_store):
    table = describe_baseline(load_baseline(mixed_store, Selection("tiny", Filters(), default_bands())))
    shown = hide_baseline_cells(table, THRESHOLD)
    sex = shown[shown["variable"] == "sex"].set_index("level")
    # Intervention: 8 + 24 = 32 women... every level is large; the age bands of intervention are 10 and 24.
    assert not sex["value_intervention"].isna().any()
    extended = describe_baseline(
        load_baseline(mixed_store, Selection("tiny", Filters(application_type=("extended",)), default_bands()))
    )
    shown_ext = hide_baseline_cells(extended, THRESHOLD)
    # Extended, intervention: 4 in 65-75 (small) and 12 in 76-85; with the total (16) shown, 12 would give
    # the 4 away, so it is hidden too; the control arm (12 + 12) shows.
    rows = extended["variable"] == "age_band"
    assert extended.loc[rows, "value_intervention"].tolist() == [4, 12]
    assert shown_ext.loc[rows, "value_intervention"].isna().all()
    assert shown_ext.loc[rows, "value_control"].tolist() == [12, 12]
    assert shown_ext.loc[rows, "smd"].isna().all()


@pytest.mark.parametrize(
    ("configured", "logged_in", "email", "expected"),
    [
        (False, False, None, Access(ANALYST, None, single_user=True)),
        (True, False, None, None),
        (True, True, "Ana@Kommun.se", Access(ANALYST, "ana@kommun.se")),
        (True, True, "vera@kommun.se", Access(VIEWER, "vera@kommun.se")),
        (True, True, None, Access(VIEWER, None)),
    ],
)
def test_resolve_access(configured, logged_in, email, expected):
    analysts = parse_analysts(" ana@kommun.se, ,bo@kommun.se")
    assert resolve_access(configured, logged_in, email, analysts) == expected


@pytest.mark.parametrize(
    ("role", "show_small", "expected"),
    [(VIEWER, False, 5), (VIEWER, True, 5), (ANALYST, False, 5), (ANALYST, True, 1)],
)
def test_only_analysts_can_turn_suppression_off(role, show_small, expected):
    assert effective_threshold(Access(role), 5, show_small) == expected


def _recoverable(cells: dict, shown: set) -> list:
    """Return the hidden cells whose count follows linearly from the shown ones.

    ``cells`` maps each cell to its vector over the finest groups (a 0/1 array); a hidden cell is
    recoverable when its vector lies in the span of the shown cells' vectors.
    """
    known = np.array([cells[c] for c in shown], dtype=float).reshape(-1, len(next(iter(cells.values()))))
    rank = np.linalg.matrix_rank(known) if len(known) else 0
    return [
        c
        for c, vector in cells.items()
        if c not in shown and np.linalg.matrix_rank(np.vstack([known, vector])) == rank and vector.any()
    ]


@pytest.fixture
def uneven_store(tmp_path):
    """Intervention: women 10, 10, 5 and men 6, 3, 7 over the three bands; control 8 of each everywhere.

    Women and men then pick different second cells to hide within their own tables, so only the rule
    across the split (women + men = total per band) keeps the hidden cells hidden.
    """
    rows = []
    ages = {"65-75": 70, "76-85": 80, "86-95": 90}
    counts = {("F", "65-75"): 10, ("F", "76-85"): 10, ("F", "86-95"): 5}
    counts |= {("M", "65-75"): 6, ("M", "76-85"): 3, ("M", "86-95"): 7}
    for (sex, band), k in counts.items():
        rows += [person(f"i{sex}{band}{i}", "intervention", age=ages[band], sex=sex) for i in range(k)]
        rows += [person(f"c{sex}{band}{i}", "control", age=ages[band], sex=sex) for i in range(8)]
    hours = hours_frame([(r["person_id"], "2016-02", 2.0 + (i % 5)) for i, r in enumerate(rows)])
    path = tmp_path / "uneven.duckdb"
    write_tiny_store(path, frame(rows), hours)
    return db.connect(path)


@pytest.mark.parametrize("store_name", ["mixed_store", "uneven_store"])
def test_sex_split_hides_so_nothing_follows_from_the_rest(request, store_name):
    from analysis.outcomes.compare import SEX_GROUPS, compare_hours_by_sex

    store = request.getfixturevalue(store_name)
    bands = default_bands()
    split = compare_hours_by_sex(store, Selection("tiny", Filters(), bands, 1))
    risks = {
        g: find_differencing_risks(store, Selection("tiny", Filters(sex=(g,)), bands, 1), THRESHOLD)
        if g != "total"
        else None
        for g in SEX_GROUPS
    }
    shown = hide_split_rows(split, THRESHOLD, risks)
    labels = [b.label for b in bands]
    finest = [(s, b) for s in ("F", "M") for b in labels]
    for arm in ("intervention", "control"):
        cells, visible = {}, set()
        for row in shown.itertuples():
            sexes = ("F", "M") if row.sex_group == "total" else (row.sex_group,)
            in_bands = labels if row.age_band == "all" else [row.age_band]
            cells[(row.sex_group, row.age_band)] = np.array([s in sexes and b in in_bands for s, b in finest])
            if not row.suppressed:
                visible.add((row.sex_group, row.age_band))
        n = dict(zip(zip(split["sex_group"], split["age_band"]), split[f"n_{arm}"]))
        # Only cells with people matter: a hidden empty cell gives nobody away.
        at_issue = [c for c in _recoverable(cells, visible) if n[c] > 0]
        assert at_issue == [], arm
    table = shown.set_index(["sex_group", "age_band"])
    if store_name == "mixed_store":
        assert np.isnan(table.loc[("M", "65-75"), "n_intervention"])  # the two men
        assert np.isnan(table.loc[("F", "65-75"), "n_intervention"])  # ten minus them
        assert table.loc[("total", "65-75"), "n_intervention"] == 10
    else:
        assert np.isnan(table.loc[("M", "76-85"), "n_intervention"])  # the three men
        assert table.loc[("total", "all"), "n_intervention"] == 41


def test_flow_hides_small_parts_and_one_more_not_the_whole_row():
    flow = pd.DataFrame(
        {
            "arm": ["intervention", "control", "control"],
            "month": [3, 3, 6],
            "randomized": [1000, 1000, 4],
            "at_home": [990, 980, 4],
            "placed": [7, 12, 0],
            "died": [3, 8, 0],
            "left_followup": [0, 0, 0],
        }
    )
    shown = hide_flow_cells(flow, THRESHOLD)
    first = shown.iloc[0]
    # 3 deaths are hidden, and placed (7, the smallest other non-empty part) too: at home 990 stays, and
    # 1000 - 990 - 0 = 10 only gives deaths + placements together.
    assert first["randomized"] == 1000 and first["at_home"] == 990 and first["left_followup"] == 0
    assert np.isnan(first["died"]) and np.isnan(first["placed"])
    assert shown.iloc[1][["randomized", "at_home", "placed", "died"]].tolist() == [1000, 980, 12, 8]
    assert shown.iloc[2][["randomized", "at_home", "placed", "died", "left_followup"]].isna().all()


def test_ci_ribbon_closes_each_run_of_shown_months_on_its_own():
    # Issue 14: with hidden months the band must not be closed across the gap onto the wrong edge.
    from views.display import ci_ribbon

    ribbon = ci_ribbon([0, 1, 2, 3, 4], [1, 2, np.nan, 4, 5], [11, 12, np.nan, 14, 15], "#000")
    assert list(ribbon.x) == [0, 1, 1, 0, None, 3, 4, 4, 3]
    assert list(ribbon.y) == [11, 12, 2, 1, None, 14, 15, 5, 4]
    whole = ci_ribbon([0, 1], [1, 2], [3, 4], "#000")
    assert list(whole.x) == [0, 1, 1, 0] and list(whole.y) == [3, 4, 2, 1]
    assert list(ci_ribbon([0, 1], [np.nan, np.nan], [np.nan, np.nan], "#000").x or []) == []


def test_one_person_outside_the_bands_is_not_given_back_by_all_minus_the_bands(tmp_path):
    # Issue 14: a 97-year-old is in "all" but in no band; "all" minus the shown bands must not give back that
    # one person's count, hours, placement or death, in any table built on the same people.
    from analysis.outcomes.compare import compare_hours
    from analysis.outcomes.overview import summarize_people
    from analysis.outcomes.per_person import UnitCosts, compare_person_outcomes
    from analysis.outcomes.placement import analyze_placement
    from analysis.present.disclosure import (
        hide_band_rows,
        hide_outcome_rows,
        hide_people_rows,
        hide_placement_rows,
    )
    from analysis.selection import Selection, parse_band_edges

    rows, hours = [], []
    for i in range(60):
        arm = "intervention" if i % 2 else "control"
        age = (66, 78, 90)[i % 3]
        placed = "2016-09-01" if i % 5 == 0 else None
        rows.append(person(f"p{i}", arm=arm, age=age, placed=placed))
        hours += [(f"p{i}", f"2016-{m:02d}", 5.0 + i % 7) for m in range(2, 13)]
    rows.append(person("old", arm="control", age=97, placed="2016-06-01", died="2016-11-01"))
    hours += [("old", "2016-02", 57.25)]
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame(rows), hours_frame(hours))
    selection = Selection("tiny", bands=parse_band_edges("65,76,86,96"), month=1)
    con = db.connect(path)
    tables = {
        "compare": (hide_band_rows(compare_hours(con, selection).groups, 5), ["n_control", "sum_control"]),
        "outcomes": (
            hide_outcome_rows(compare_person_outcomes(con, selection.at(12), UnitCosts(1.0, 1.0), draws=50).groups, 5),
            ["n_control", "deaths_control"],
        ),
        "placement": (
            hide_placement_rows(analyze_placement(con, selection.at(12)).groups, 5),
            ["n_control", "placed_control"],
        ),
    }
    people = summarize_people(con, selection)
    con.close()
    shown_people = hide_people_rows(people, 5)
    tables["people"] = (shown_people[shown_people["arm"] == "control"], ["n", "n_placed", "n_died"])
    for name, (table, columns) in tables.items():
        total = table[table["age_band"] == "all"]
        bands = table[table["age_band"] != "all"]
        for column in [c for c in columns if c in table.columns]:
            if total[column].isna().any() or bands[column].isna().any():
                continue  # something is hidden: the subtraction gives no single person back
            remainder = float(total[column].sum() - bands[column].sum())
            assert remainder == 0 or remainder >= 5, (name, column, remainder)


@pytest.mark.slow
@pytest.mark.parametrize("filters", [[], ["--sex", "F"], ["--district", "Torshälla", "--sex", "F"]])
def test_as_viewer_command_line_shows_no_small_count_and_says_why(small_demo_path, filters):
    # Issue 14 item 5: compare, placement and outcomes --as-viewer apply the pages' rules; hidden figures are
    # null with a reason, and no shown count is 1-4, nor is "all" minus the shown bands.
    import json
    import subprocess
    import sys
    from pathlib import Path

    from analysis.present.disclosure import REASONS

    root = Path(__file__).resolve().parent.parent
    commands = {
        "compare": (["compare", "--month", "24"], ["n_intervention", "n_control"]),
        "placement": (
            ["placement", "--month", "24"],
            ["n_intervention", "n_control", "placed_intervention", "placed_control"],
        ),
        "outcomes": (
            ["outcomes", "--months", "24", "--adjust-for", "none"],
            ["n_intervention", "n_control", "deaths_intervention", "deaths_control"],
        ),
    }
    for name, (args, counts) in commands.items():
        done = subprocess.run(
            [sys.executable, "-m", "analysis", *args, "--db", str(small_demo_path), "--json", "--as-viewer", *filters],
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        groups = json.loads(done.stdout)["groups"]
        for group in groups:
            assert group["suppressed_reason"] is None or group["suppressed_reason"] in REASONS, (name, group)
            if group["n_intervention"] is None or group["n_control"] is None:  # people hidden: the row's figures too
                assert group["suppressed"], (name, group)
            for column in counts:
                value = group[column]
                assert value is None or value == 0 or value >= 5, (name, column, group["age_band"], value)
        total = next(g for g in groups if g["age_band"] == "all")
        for column in counts if not total.get("perturbed") else []:  # perturbed counts do not add up exactly
            parts = [g[column] for g in groups if g["age_band"] != "all"]
            if total[column] is not None and all(v is not None for v in parts):
                remainder = total[column] - sum(parts)
                assert remainder == 0 or remainder >= 5, (name, column, remainder)


@pytest.mark.parametrize(
    "view", [{}, {"sex": ("F",)}, {"district": ("Torshälla",), "sex": ("F",)}, {"district": ("Ärla",)}]
)
def test_each_hidden_row_says_the_rule_that_hid_it(small_demo_path, view):
    # Issue 14 item 2: the reason shown for a hidden row is the rule that hid it, and a shown row's sentence
    # never says "too few".
    from analysis.outcomes.comparisons import run_comparison
    from analysis.present.disclosure import combine_risks, show_comparison
    from analysis.present.linked import find_risks
    from analysis.present.texts import read_difference
    from analysis.selection import Filters, Selection

    selection = Selection("demo", Filters(**view), month=24)
    con = db.connect(small_demo_path)
    raw = run_comparison(con, selection, "welch").groups

    def risks_for(v, table, timepoints=()):
        return find_risks(con, v, 5, table, timepoints)

    shown = show_comparison(raw, selection, 5, risks_for)
    risky = combine_risks(risks_for(selection, "randomized"), risks_for(selection, "month"))
    con.close()
    for (_, before), (_, after) in zip(raw.iterrows(), shown.iterrows(), strict=True):
        reason = after["suppressed_reason"]
        small = min(before["n_intervention"], before["n_control"]) < 5
        sentence = read_difference(
            after["age_band"], after["ci_low"], after["ci_high"], "en", reason, estimate=after["difference"]
        )
        if not after["suppressed"]:
            assert reason is None and "too few" not in sentence and "hidden" not in sentence
        elif reason == "few_people":
            assert small and "fewer than 5 people" in sentence
        elif reason == "differencing":
            assert not small and risky is not None and "comparing with another selection" in sentence
        elif reason == "dominated":  # one person could be over half an arm's hours (issue 27)
            assert not small and "one person accounts for over half" in sentence
        else:
            assert reason == "protects_other" and not small and "protect another" in sentence


def test_a_band_hidden_to_protect_another_says_so():
    from analysis.present.disclosure import hide_band_rows

    groups = pd.DataFrame(
        {
            "age_band": ["65-75", "76-85", "86-95", "all"],
            "n_intervention": [3, 40, 20, 63],
            "n_control": [30, 40, 25, 95],
        }
    )
    shown = hide_band_rows(groups, 5)
    assert shown["suppressed_reason"].tolist() == ["few_people", None, "protects_other", None]


def test_a_band_where_everyone_has_the_same_hours_is_hidden_and_says_why():
    # Issue 14: a cell where everyone shares a value (all 0 hours) tells each person's value through its mean.
    from analysis.present.disclosure import hide_band_rows
    from analysis.present.texts import read_difference

    groups = pd.DataFrame(
        {
            "age_band": ["65-75", "76-85", "86-95", "all"],
            "n_intervention": [8, 40, 20, 68],
            "n_control": [9, 40, 25, 74],
            "sd_intervention": [0.0, 5.0, 6.0, 5.5],
            "sd_control": [3.0, 5.0, 6.0, 5.5],
            "ci_low": [-4.0, -3.0, -2.0, -2.5],
            "ci_high": [1.0, 2.0, 3.0, 1.5],
        }
    )
    shown = hide_band_rows(groups, 5)
    assert shown["suppressed_reason"].tolist() == ["uniform", None, "protects_other", None]
    sentence = read_difference(
        "65–75 years", shown.loc[0, "ci_low"], shown.loc[0, "ci_high"], "en", "uniform", estimate=float("nan")
    )
    assert "everyone in an arm has the same value" in sentence


def test_incidence_curves_step_only_at_month_ends():
    # Issue 14: the interactive curve showed each event's day; it now shows the value at each month's end.
    from analysis.outcomes.placement import DAYS_PER_MONTH
    from analysis.present.disclosure import coarsen_curve

    curve = pd.DataFrame({"time": [10.0, 40.0, 45.0, 100.0], "cuminc": [0.1, 0.2, 0.3, 0.4], "ci_low": [0.0] * 4})
    out = coarsen_curve(curve, 4)
    assert out["month"].tolist() == [0, 1, 2, 3, 4]
    assert out["cuminc"].tolist() == [0.0, 0.1, 0.3, 0.3, 0.4]  # 100 days lie in month 4 (ends at day 121.75)
    assert 3 * DAYS_PER_MONTH < 100 <= 4 * DAYS_PER_MONTH
    assert "ci_high" not in out.columns  # only the columns the curve has


@pytest.mark.parametrize(
    ("sizes", "minimum", "expected"),
    [
        ({"A": 40, "B": 3, "C": 30}, 0, ()),  # off
        ({"A": 40, "B": 3, "C": 30}, 5, ("B", "C")),  # B alone is 3: C (the next smallest) joins it
        ({"A": 40, "B": 3, "C": 30, "D": 4}, 5, ("B", "D")),  # together 7: large enough
        ({"A": 40, "B": 3}, 50, ("A", "B")),  # nothing is large enough: all together
        ({"A": 40, "": 2, "C": 30}, 5, ()),  # unknown district is not a district to merge
    ],
)
def test_small_districts_merge_until_the_group_is_large_enough(sizes, minimum, expected):
    from analysis.store.studies import merge_small_districts

    frame_ = pd.DataFrame({"district": list(sizes), "n": list(sizes.values())})
    assert merge_small_districts(frame_, minimum) == expected


def test_merged_districts_are_one_group_in_filters_tables_and_checks(small_demo_path, monkeypatch):
    # Issue 14 item 6: with merge_districts_below, small districts are shown as one 'Övriga distrikt' everywhere
    # (filter values, Table 1, the people counted), so a district of 3 never appears on its own.
    from analysis.outcomes.baseline import summarize_baseline
    from analysis.outcomes.overview import summarize_people
    from analysis.selection import OTHER_DISTRICTS, Filters, Selection
    from analysis.store.studies import describe_study

    monkeypatch.setenv("IHR_MERGE_DISTRICTS_BELOW", "40")
    con = db.connect(small_demo_path)
    info = describe_study(con, "demo")
    merged = tuple(info["merged_districts"])
    sizes = db.query(con, "SELECT district, sum(n) AS n FROM people_cells WHERE study = 'demo' GROUP BY district")
    sizes = sizes.set_index("district")["n"]
    assert merged and OTHER_DISTRICTS in info["districts"] and not set(merged) & set(info["districts"])
    assert sizes[list(merged)].sum() >= 40 and all(sizes[d] >= 40 for d in sizes.index if d not in merged)
    everyone = Selection("demo", merged=merged)
    levels = summarize_baseline(con, everyone)
    districts = levels[levels["variable"] == "district"]["level"].tolist()
    assert OTHER_DISTRICTS in districts and not set(merged) & set(districts)
    other = summarize_people(con, everyone.with_filters(Filters(district=(OTHER_DISTRICTS,))))
    con.close()
    assert other.loc[other["age_band"] == "all", "n"].sum() == sizes[list(merged)].sum()


def test_one_not_placed_among_thirty_hides_the_arms_placements_not_its_people():
    # Issue 14: complements were unchecked (n − events of 1-4). 29 of 30 placed tells the one who was not; the
    # number randomized stays shown (it is shown on every other table too).
    from analysis.present.disclosure import hide_placement_rows

    groups = pd.DataFrame(
        {
            "age_band": ["65-75", "76-85", "86-95", "all"],
            "n_intervention": [30, 40, 50, 120],
            "placed_intervention": [29, 10, 12, 51],
            "died_intervention": [0, 8, 9, 17],
            "cuminc_intervention": [0.97, 0.25, 0.24, 0.43],
            "n_control": [30, 40, 50, 120],
            "placed_control": [10, 10, 12, 32],
            "died_control": [0, 7, 49, 56],
            "cuminc_control": [0.3, 0.25, 0.24, 0.27],
            "hazard_ratio": [2.0, 1.0, 1.0, 1.2],
        }
    )
    shown = hide_placement_rows(groups, 5).set_index("age_band")
    assert shown.loc["65-75", "n_intervention"] == 30 and np.isnan(shown.loc["65-75", "placed_intervention"])
    assert np.isnan(shown.loc["65-75", "cuminc_intervention"]) and np.isnan(shown.loc["65-75", "hazard_ratio"])
    assert shown.loc["65-75", "suppressed_reason"] == "few_events"
    # and a second band's placements, else 51 − 10 − 12 = 29 comes back
    assert shown[["placed_intervention"]].isna().sum().iloc[0] == 2 and shown.loc["all", "placed_intervention"] == 51
    assert np.isnan(shown.loc["86-95", "died_control"])  # 49 of 50 died: one survivor


def test_placements_few_in_a_finest_group_put_a_filtered_view_at_risk(tmp_path):
    # Issue 14: the differencing check compared people, not events: 29 − 25 = 4 placements came back from a
    # shown unfiltered view minus a shown filtered one. Now every count the table shows is checked per group.
    from analysis.present.linked import find_risks

    rows = []
    for i in range(40):
        sex = "F" if i < 30 else "M"
        placed = "2016-06-01" if (sex == "F" and i < 12) or (sex == "M" and i < 33) else None
        rows.append(person(f"i{i}", "intervention", age=80, sex=sex, placed=placed))
        rows.append(person(f"c{i}", "control", age=80, sex=sex, placed="2016-06-01" if i % 4 == 0 else None))
    path = tmp_path / "events.duckdb"
    write_tiny_store(path, frame(rows), hours_frame([("i0", "2016-02", 1.0)]))
    con = db.connect(path)
    view = Selection("tiny", Filters(sex=("F",)), default_bands(), 12)
    people = find_risks(con, view, THRESHOLD, "randomized")
    placement = find_risks(con, view, THRESHOLD, "placement")
    con.close()
    key = (people["age_band"] == "76-85") & (people["arm"] == "intervention")
    assert not people.loc[key, "at_risk"].any()  # 30 women and 10 men: people alone are fine
    key = (placement["age_band"] == "76-85") & (placement["arm"] == "intervention")
    assert placement.loc[key, "at_risk"].all()  # but 3 men were placed


def test_table1_audit_hides_a_level_that_another_variable_gives_back():
    # Issue 14: Table 1 cross-tabulations leak across variables. District L (2 people) is hidden; everyone in the
    # other district F has application type 'new', as do L's two: 'new' − F = L. The audit hides one more level.
    from analysis.present.disclosure import protect_by_audit

    # atoms: (F, new) 20, (C, extended) 25, (L, new) 2
    vectors = np.array(
        [
            [1, 1, 1],  # n
            [1, 0, 0],  # district F
            [0, 1, 0],  # district C
            [0, 0, 1],  # district L
            [1, 0, 1],  # new
            [0, 1, 0],  # extended
        ]
    )
    values = np.array([47, 20, 25, 2, 22, 25])
    primary = np.array([False, False, False, True, False, False])
    prefer = np.array([False, True, True, True, True, True])
    hidden = protect_by_audit(vectors, values, primary, prefer, THRESHOLD)
    assert hidden[3] and (hidden[1] or hidden[4])  # L stays hidden and 'new' − F no longer gives it back
    shown = vectors[~hidden]
    assert np.linalg.matrix_rank(np.vstack([shown, vectors[3]])) > np.linalg.matrix_rank(shown)
    # without the audit L follows: rank does not grow
    plain = vectors[~primary]
    assert np.linalg.matrix_rank(np.vstack([plain, vectors[3]])) == np.linalg.matrix_rank(plain)


def test_no_interval_of_one_point_is_shown():
    # Issue 14: "0,0 (0,0 till 0,0)" was shown before the first event; a point says it all.
    from views.display import format_ci

    assert format_ci(0.0, 0.0, 0.0, "sv") == "0,0"
    assert format_ci(1.5, 0.5, 2.5, "sv") == "1,5 (0,5 till 2,5)"
    assert format_ci(float("nan"), 0.0, 1.0, "en") == ".."


def test_counts_for_the_checks_are_the_tables_own_rows_aggregated(small_demo_path):
    # The disclosure checks count in DuckDB; they must count exactly the rows the tables are computed from.
    from analysis.outcomes.per_person import count_person_events, load_person_outcomes
    from analysis.outcomes.placement import DIED as DIED_FIRST
    from analysis.outcomes.placement import (
        PLACED,
        count_at_risk_cells,
        count_placement_cells,
        load_placement_data,
        still_at_risk,
    )
    from analysis.selection import Filters, Selection

    con = db.connect(small_demo_path)
    selection = Selection("demo", Filters(), default_bands(), 18)
    rows = load_placement_data(con, selection)
    cells = count_placement_cells(con, selection)
    at_risk = count_at_risk_cells(con, selection)
    people = load_person_outcomes(con, selection)
    events = count_person_events(con, selection)
    con.close()
    keys = ["age_band", "arm", "sex", "application_type", "district"]
    expected = rows.assign(
        n=1, placed=(rows["event"] == PLACED).astype(int), died=(rows["event"] == DIED_FIRST).astype(int)
    )
    expected = expected.groupby(keys, dropna=False, as_index=False)[["n", "placed", "died"]].sum()
    merged = expected.merge(cells, on=keys, how="outer", suffixes=("", "_sql"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for column in ("n", "placed", "died"):
        assert (merged[column] == merged[f"{column}_sql"]).all()
    for month, part in at_risk.groupby("month"):
        assert part["n"].sum() == int(still_at_risk(rows["time"].to_numpy(), month).sum())
    assert events["n"].sum() == len(people) and events["deaths"].sum() == int(people["died"].sum())
    assert events["censored"].sum() == int((~people["complete"]).sum())
    assert events["deaths_before_placement"].sum() == int((people["first_event"] == 2).sum())


LINKED_TABLES = ("randomized", "people", "month", "months", "placement", "at_risk", "outcomes", "flow", "table1",
                 "counts_outcomes", "counts_placed_by", "counts_table1", "counts_measures:eq5d_index")  # fmt: skip


@pytest.mark.parametrize("table", LINKED_TABLES)
def test_kept_counts_give_every_filter_the_same_risks_without_a_query(small_demo_path, table, monkeypatch):
    from analysis.present.linked import count_linked, find_risks

    con = db.connect(small_demo_path)
    timepoints = (3, 6, 12)
    kept = count_linked(con, Selection("demo", Filters(sex=("F",)), default_bands(), 12), table, timepoints)
    queries = []
    monkeypatch.setattr(db, "query", lambda *a, **k: queries.append(a) or pytest.fail("a query ran"))
    for filters in (Filters(sex=("F",)), Filters(sex=("M",), application_type=("new",)), Filters(district=("Norr",))):
        selection = Selection("demo", filters, default_bands(), 12)
        ours = find_risks(con, selection, 5, table, timepoints, counts=kept)
        monkeypatch.undo()
        fresh = find_risks(con, selection, 5, table, timepoints)
        monkeypatch.setattr(db, "query", lambda *a, **k: queries.append(a) or pytest.fail("a query ran"))
        pd.testing.assert_frame_equal(ours.reset_index(drop=True), fresh.reset_index(drop=True))
    assert not queries
    con.close()
