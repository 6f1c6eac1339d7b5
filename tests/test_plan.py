"""The study's analysis plan: stored with the study, kept across imports, shown first and stamped."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.errors import InputError
from analysis.present.stamp import make_stamp
from analysis.present.texts import describe_plan
from analysis.selection import Selection
from analysis.store import db
from analysis.store.studies import AnalysisPlan, load_plan, save_plan
from tests.conftest import frame, hours_frame, person, write_tiny_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(small_demo_path, tmp_path):
    path = tmp_path / "s.duckdb"
    shutil.copy(small_demo_path, path)
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
    before = store.read_bytes()
    with pytest.raises(InputError, match="does not exist"):
        save_plan(store, "nope", AnalysisPlan("cost", 24))
    assert store.read_bytes() == before


@pytest.mark.parametrize(("outcome", "months", "message"), [("shoes", 24, "does not exist"), ("cost", 0, "at least")])
def test_bad_plans_are_refused(outcome, months, message):
    with pytest.raises(InputError, match=message):
        AnalysisPlan(outcome, months)


def test_the_plan_is_stamped_on_exports():
    plan = AnalysisPlan("cost", 24, None, None)
    stamp = make_stamp("abc", Selection("demo"), "Welch", 5, 5, "en", describe_plan(plan, "en"))
    assert ("Primary analysis", describe_plan(plan, "en")) in stamp.lines("en")
    assert "Primary analysis: Primary outcome: care cost" in stamp.text("en")


def test_plan_command_line_round_trip(store):
    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", "analysis", "plan", "--db", str(store), "--json", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

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
    sentences = [m.value for m in at.markdown if m.value.startswith("- All ages")]
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
