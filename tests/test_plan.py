"""The study's analysis plan: stored with the study, kept across imports, shown first and stamped."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.economics.scenario import unit_costs
from analysis.errors import InputError
from analysis.outcomes.per_person import compare_person_outcomes
from analysis.present.stamp import make_stamp
from analysis.present.texts import describe_plan, format_number
from analysis.selection import Selection
from analysis.store import db
from analysis.store.plans import list_plan_versions
from analysis.store.studies import AnalysisPlan, load_plan, save_plan
from tests.conftest import fill_tiny, frame, hours_frame, person, store_digest, write_one_file_store, write_tiny_store
from tests.test_pages import bullets, shown_tables

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(small_demo_path, tmp_path):
    path = tmp_path / "s.duckdb"
    db.copy_store(small_demo_path, path)
    return path


def test_without_a_plan_the_default_applies_and_says_so(store):
    con = db.connect(store)
    plan = load_plan(con, "demo")
    con.close()
    assert (plan.primary_outcome, plan.window_months, plan.pre_specified) == ("cost", 24, False)
    assert "No analysis plan is stored" in describe_plan(plan, "en")


def test_a_stored_plan_comes_back_and_survives_a_new_import(store):
    saved = save_plan(store, "demo", AnalysisPlan("days_home", 12, "registered 2016-01-10"))
    assert saved.pre_specified
    rows = [person(f"p{i}", arm="intervention" if i % 2 else "control") for i in range(10)]
    write_tiny_store(store, frame(rows), hours_frame([("p1", "2016-02", 3.0)]), study="demo")  # new data, same study
    write_tiny_store(store, frame(rows), hours_frame([("p1", "2016-02", 3.0)]), study="other")
    con = db.connect(store)
    plan, other = load_plan(con, "demo"), load_plan(con, "other")
    con.close()
    assert (plan.primary_outcome, plan.window_months, plan.note) == ("days_home", 12, "registered 2016-01-10")
    assert plan.set_on.replace(microsecond=0) == saved.set_on.replace(microsecond=0)
    assert not other.pre_specified


def test_a_plan_for_a_missing_study_leaves_the_store_unchanged(store):
    before = store_digest(store)
    with pytest.raises(InputError, match="does not exist"):
        save_plan(store, "nope", AnalysisPlan("cost", 24))
    assert store_digest(store) == before


@pytest.mark.parametrize(("outcome", "months", "message"), [("shoes", 24, "does not exist"), ("cost", 0, "at least")])
def test_bad_plans_are_refused(outcome, months, message):
    with pytest.raises(InputError, match=message):
        AnalysisPlan(outcome, months)


def test_the_plan_is_stamped_on_exports():
    plan = AnalysisPlan("cost", 24, None, None)
    stamp = make_stamp("abc", Selection("demo"), "Welch", 5, 5, "en", describe_plan(plan, "en"))
    assert ("Primary analysis", describe_plan(plan, "en")) in stamp.lines("en")
    assert "Primary analysis: Primary outcome: care cost" in stamp.text("en")


def run_json(*args) -> dict:
    """Run the command line with --json; return its JSON (failing the test on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "analysis", *args, "--json"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_plan_command_line_round_trip(store):
    def run(*args):
        return run_json("plan", "--db", str(store), *args)

    assert run()["pre_specified"] is False
    stored = run("--primary", "days_home", "--months", "18")
    assert (stored["primary_outcome"], stored["window_months"], stored["pre_specified"]) == ("days_home", 18, True)
    assert run()["window_months"] == 18


def test_pages_show_the_primary_analysis_over_the_plans_window(store, monkeypatch):
    save_plan(store, "demo", AnalysisPlan("days_home", 12))
    monkeypatch.setenv("IHR_DB_PATH", str(store))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and not at.error
    assert at.header[0].value == "Per randomized person: care cost and days at home over 12 months"
    assert any("Primary outcome: days at home per randomized person over 12 months" in i.value for i in at.info)
    sentences = bullets(at, "- All ages")
    assert "days at home" in sentences[0]  # the primary outcome's sentence first


def test_an_analyst_stores_the_plan_on_the_data_page(store, monkeypatch):
    monkeypatch.setenv("IHR_DB_PATH", str(store))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception and not at.error
    next(s for s in at.selectbox if s.label == "Primary outcome").set_value("days_home")
    next(n for n in at.number_input if n.label.startswith("Window")).set_value(18)
    next(b for b in at.button if b.label == "Store the analysis plan").click().run()
    assert not at.exception and not at.error
    assert any("over 18 months" in s.value for s in at.success)
    con = db.connect(store)
    plan = load_plan(con, "demo")
    con.close()
    assert (plan.primary_outcome, plan.window_months, plan.pre_specified) == ("days_home", 18, True)


@pytest.mark.slow
def test_import_can_store_the_plan(tmp_path):
    people = tmp_path / "p.csv"
    people.write_text(
        "person_id,arm,randomized_on,age,sex,application_type,baseline_hours,placed_on,died_on,followup_end\n"
        "a1,intervention,2016-01-15,70,F,new,10,,,\n"
        "a2,control,2016-01-20,80,M,new,12,,,\n",
        encoding="utf-8",
    )
    hours = tmp_path / "h.csv"
    hours.write_text("person_id,month,hours\na1,2016-02,4\n", encoding="utf-8")
    path = tmp_path / "s.duckdb"
    args = ["import", "--db", str(path), "--study", "kommun", "--participants", str(people), "--hours", str(hours)]
    done = subprocess.run(
        [sys.executable, "-m", "analysis", *args, "--primary", "days_home", "--months", "12", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["analysis_plan"]["window_months"] == 12
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", *args, "--months", "0"], capture_output=True, text=True, cwd=ROOT
    )
    assert bad.returncode == 1 and "at least 1 month" in bad.stderr


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"estimator": "magic"}, "Estimator 'magic' does not exist"),
        ({"estimator": "anhecova", "covariates": ("shoe_size",)}, "Unknown covariate 'shoe_size'"),
        ({"estimator": "anhecova"}, "needs at least one covariate"),
        ({"covariates": ("age",)}, "covariates need anhecova"),
        ({"band_edges": (65, 60)}, "ascending"),
    ],
)
def test_bad_estimators_covariates_and_bands_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        AnalysisPlan("cost", 24, **kwargs)


def test_estimator_covariates_and_bands_are_stored_and_read_back(store):
    wanted = AnalysisPlan("cost", 24, None, None, "anhecova", ("baseline_hours", "age"), (65, 80, 96))
    save_plan(store, "demo", wanted)
    con = db.connect(store)
    plan = load_plan(con, "demo")
    con.close()
    assert (plan.estimator, plan.covariates, plan.band_edges) == ("anhecova", ("baseline_hours", "age"), (65, 80, 96))
    assert [b.label for b in plan.bands] == ["65-79", "80-95"]
    text = describe_plan(plan, "en")
    assert "adjusted for baseline hours and age (ANHECOVA)" in text and "Age bands by the plan: 65–79 years" in text
    assert "justerad för timmar vid start och ålder" in describe_plan(plan, "sv")


def test_a_store_written_before_plans_had_estimators_still_reads_and_takes_new_plans(tmp_path):
    # An analysis_plans table with the first five columns only, as stores written before this change have it.
    old = tmp_path / "old.duckdb"
    rows = frame([person("a1"), person("a2", arm="control")])

    def downgrade(con):
        fill_tiny(con, rows, hours_frame([("a1", "2016-02", 2.0)]), study="demo")
        con.execute("DROP TABLE analysis_plans")
        con.execute(
            "CREATE TABLE analysis_plans (study VARCHAR PRIMARY KEY, primary_outcome VARCHAR NOT NULL, "
            "window_months INTEGER NOT NULL, note VARCHAR, set_on TIMESTAMP NOT NULL)"
        )
        con.execute("INSERT INTO analysis_plans VALUES ('demo', 'days_home', 12, 'old', TIMESTAMP '2020-01-01 10:00')")

    write_one_file_store(old, downgrade)
    con = db.connect(old)
    plan = load_plan(con, "demo")
    con.close()
    assert (plan.primary_outcome, plan.window_months, plan.estimator, plan.covariates) == (
        "days_home",
        12,
        "difference",
        (),
    )
    save_plan(old, "demo", AnalysisPlan("cost", 6, None, None, "anhecova", ("age",)))  # copies the old table by name
    con = db.connect(old)
    versions = list_plan_versions(con, "demo")
    primary = load_plan(con, "demo")
    con.close()
    # The old row reads as version 1; the new one is version 2, saved after outcome data existed: kept, but not
    # the primary (issue 32).
    assert [v.version for v in versions] == [1, 2]
    assert (versions[1].plan.estimator, versions[1].plan.covariates) == ("anhecova", ("age",))
    assert (primary.primary_outcome, primary.version) == ("days_home", 1)
    assert primary.changed_later[0][0] == 2


@pytest.mark.slow
def test_outcomes_command_reports_the_primary_by_the_plans_estimator(store):
    save_plan(store, "demo", AnalysisPlan("days_home", 12, None, None, "anhecova", ("baseline_hours",), (65, 80, 96)))

    def run(*extra):
        return run_json("outcomes", "--db", str(store), "--months", "12", *extra)

    out = run()
    assert [g["age_band"] for g in out["groups"]] == ["65-79", "80-95", "all"]  # the plan's bands
    everyone = out["groups"][-1]
    primary = out["primary"]
    assert (primary["outcome"], primary["estimator"], primary["adjusted_for"]) == (
        "days_home",
        "anhecova",
        "baseline_hours",
    )
    assert primary["difference"] == everyone["days_home_adjusted_difference"]
    assert primary["difference"] != everyone["days_home_difference"]
    unadjusted = run("--adjust-for", "none", "--bands", "65,76,86,96")
    assert unadjusted["groups"][-1]["days_home_adjusted_difference"] is None
    assert unadjusted["primary"]["difference"] is None  # not computed as the plan says: no number passes for it
    assert unadjusted["groups"][-1]["days_home_difference"] == everyone["days_home_difference"]
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", "outcomes", "--db", str(store), "--adjust-for", "shoe_size"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "Unknown covariate 'shoe_size'" in bad.stderr


@pytest.mark.slow
def test_pages_read_the_adjusted_primary_and_use_the_plans_bands(store, monkeypatch):
    save_plan(store, "demo", AnalysisPlan("cost", 12, None, None, "anhecova", ("baseline_hours", "age"), (65, 80, 96)))
    monkeypatch.setenv("IHR_DB_PATH", str(store))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and not at.error
    con = db.connect(store)
    plan = load_plan(con, "demo")
    selection = Selection("demo", bands=plan.bands, month=12)
    result = compare_person_outcomes(con, selection, unit_costs(), covariates=plan.covariates)
    con.close()
    row = result.groups.set_index("age_band").loc["all"]
    sentences = bullets(at, "- All ages")
    assert "(95% CI SEK " in sentences[0] and sentences[0].endswith("; adjusted for baseline hours and age).")
    assert format_number(-row["cost_adjusted_difference"], "en", 0) in sentences[0]  # the adjusted estimate
    assert format_number(-row["cost_adjusted_ci_high"], "en", 0) in sentences[0]  # the adjusted interval is read
    assert format_number(-row["cost_ci_high"], "en", 0) not in sentences[0]
    tables = shown_tables(at)  # the dataframes and the static headline tables turned back
    assert any("65–79" in str(v) for table in tables for v in table.iloc[:, 0])
    assert any("adjusted difference" in c for table in tables for c in table.columns)


def test_an_analyst_stores_estimator_covariates_and_bands_on_the_data_page(store, monkeypatch):
    monkeypatch.setenv("IHR_DB_PATH", str(store))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("views/data.py").run()
    next(r for r in at.radio if r.label == "Estimator of the primary outcome").set_value("anhecova")
    next(m for m in at.multiselect if m.label.startswith("Adjust for")).set_value(["baseline_hours", "sex"])
    next(i for i in at.text_input if i.label.startswith("Age band edges")).input("65,80,96")
    next(b for b in at.button if b.label == "Store the analysis plan").click().run()
    assert not at.exception and not at.error
    con = db.connect(store)
    plan = load_plan(con, "demo")
    con.close()
    assert (plan.estimator, plan.covariates, plan.band_edges) == ("anhecova", ("baseline_hours", "sex"), (65, 80, 96))
    next(i for i in at.text_input if i.label.startswith("Age band edges")).input("65,60")
    next(b for b in at.button if b.label == "Store the analysis plan").click().run()
    assert not at.exception and any("ascending" in e.value for e in at.error)


@pytest.mark.parametrize(("months", "followed", "expected"), [(24, 30, 24), (24, 12, 12), (24, None, 1), (6, 0, 1)])
def test_the_plans_window_is_cut_to_the_follow_up(months, followed, expected):
    # One rule for the pages, the briefing and the costs command: the plan's window within the follow-up.
    assert AnalysisPlan("cost", months).window_within(followed) == expected


def test_every_control_of_the_plan_form_has_help(store, monkeypatch):
    # Issue 30: help where the term stands, on the Data page's plan form too.
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("IHR_DB_PATH", str(store))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("views/data.py").run()
    assert not at.exception
    plan_widgets = [w for kind in ("selectbox", "number_input", "radio", "multiselect", "text_input")
                    for w in getattr(at, kind) if str(w.key or "").startswith("plan_")]  # fmt: skip
    assert len(plan_widgets) == 9 and all(w.help for w in plan_widgets), [(w.key, w.help) for w in plan_widgets]


def test_every_save_is_a_version_and_a_change_after_data_does_not_become_the_primary(store):
    # Issue 32 item 1: the plan could be rewritten after the results were seen. Now every save adds a version;
    # the first is untouched and stays primary when the second came after outcome data existed.
    import datetime as dt

    first = save_plan(store, "demo", AnalysisPlan("cost", 24), set_on=dt.datetime(2015, 12, 1), saved_by="anna")
    save_plan(store, "demo", AnalysisPlan("days_home", 12, "after a look"), saved_by="bertil")
    con = db.connect(store)
    versions = list_plan_versions(con, "demo")
    primary = load_plan(con, "demo")
    rows = con.execute("SELECT count(*) FROM analysis_plans WHERE study = 'demo'").fetchone()[0]
    con.close()
    assert rows == 2 and [v.version for v in versions] == [1, 2]
    one, two = versions
    assert (one.plan.primary_outcome, one.plan.window_months, one.saved_by) == ("cost", 24, "anna")
    assert one.plan.set_on == first.set_on and one.people_with_outcome_data == 0 and not one.changed_after_data
    assert two.people_with_outcome_data > 0 and two.changed_after_data and two.saved_by == "bertil"
    assert one.data_version == two.data_version and two.complete_through is not None
    assert (primary.version, primary.primary_outcome, primary.window_months) == (1, "cost", 24)
    ((version, day, changed),) = primary.changed_later
    assert day == dt.date.today().isoformat()
    assert version == 2 and set(changed) == {"primary_outcome", "window_months"}
    for lang, words in (("sv", "Ändrad efter att data fanns"), ("en", "Changed after data existed")):
        assert words in describe_plan(primary, lang)  # on every page, slide and stamp (they all say the plan)
    stamp = make_stamp("v", Selection("demo"), "m", 5, 5, "en", describe_plan(primary, "en"))
    assert "Changed after data existed" in stamp.text("en")


def test_a_version_saved_before_any_outcome_data_replaces_the_primary(store):
    import datetime as dt

    save_plan(store, "demo", AnalysisPlan("cost", 24), set_on=dt.datetime(2015, 11, 1))
    save_plan(store, "demo", AnalysisPlan("cost", 12), set_on=dt.datetime(2015, 12, 1))  # still before any data
    con = db.connect(store)
    primary = load_plan(con, "demo")
    con.close()
    assert (primary.version, primary.window_months, primary.changed_later) == (2, 12, ())


def test_a_first_plan_saved_after_data_says_it_is_not_pre_specified(store):
    save_plan(store, "demo", AnalysisPlan("cost", 24))
    con = db.connect(store)
    plan = load_plan(con, "demo")
    con.close()
    assert plan.set_after_data and "not pre-specified" in describe_plan(plan, "en")


@pytest.mark.slow
def test_plan_history_command_prints_every_version(store):
    import datetime as dt

    save_plan(store, "demo", AnalysisPlan("cost", 24), set_on=dt.datetime(2015, 12, 1))
    run = [sys.executable, "-m", "analysis", "plan", "--db", str(store), "--study", "demo"]
    done = subprocess.run([*run, "--months", "12"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*run, "--history", "--json"], capture_output=True, text=True, cwd=ROOT, check=False)
    out = json.loads(done.stdout)
    assert set(out) == {"study", "versions", "primary_version"} and out["primary_version"] == 1
    keys = {"version", "saved_at", "saved_by", "data_version", "people_with_outcome_data", "complete_through", "plan",
            "changed_after_data"}  # fmt: skip
    assert all(keys <= set(v) for v in out["versions"])
    assert [v["changed_after_data"] for v in out["versions"]] == [False, True]
    assert out["versions"][1]["plan"]["window_months"] == 12 and out["versions"][1]["saved_by"] == "command line"


def test_a_bad_date_of_the_final_look_is_named_not_an_unexpected_error(store):
    # Review: `plan --final-on 2020-13-01` printed "unexpected error (ValueError)".
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "plan", "--db", str(store), "--study", "demo", "--final-on", "2020-13-01"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "--final-on '2020-13-01' is not a date YYYY-MM-DD" in done.stderr
