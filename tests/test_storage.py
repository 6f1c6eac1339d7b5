"""One file per study (issue 18): a write touches only its study; readers never see half a write; nor does a kill."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import fill_tiny, frame, hours_frame, person, store_digest, write_one_file_store, write_tiny_store
from streamlit.testing.v1 import AppTest
from test_import import write_pair

from analysis.demo import DemoSpec, build_demo_store
from analysis.errors import StoreError
from analysis.intake.importer import import_study
from analysis.present.viewer import ViewOptions, view_page
from analysis.selection import Selection
from analysis.store import db

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")


def _files(path):
    """Return study → (file name, bytes' mtime) of a store's study files."""
    return {f.name.split(".")[0]: (f.name, f.stat().st_mtime_ns) for f in db.store_files(path)[1:]}


def test_writing_one_study_leaves_the_other_studies_files_alone(tmp_path):
    path = tmp_path / "s.duckdb"
    build_demo_store(path, DemoSpec(n_people=200, seed=3))
    before = _files(path)
    p, h = write_pair(tmp_path)
    import_study(path, "kommun", p, h)
    after = _files(path)
    assert after["demo"] == before["demo"]  # same file, not rewritten
    assert set(after) == {"demo", "kommun"}
    import_study(path, "kommun", p, h)  # a re-import replaces its own file only
    again = _files(path)
    assert again["demo"] == before["demo"] and again["kommun"][0] != after["kommun"][0]
    assert sorted(f.name for f in db.studies_folder(path).iterdir()) == sorted(n for n, _ in again.values())


def test_a_one_file_store_is_split_into_study_files_at_its_first_write(tmp_path):
    old = tmp_path / "old.duckdb"

    def fill(con):
        fill_tiny(
            con, frame([person("a"), person("b", arm="control")]), hours_frame([("a", "2016-02", 2.0)]), study="x"
        )
        fill_tiny(con, frame([person("c")]), hours_frame([("c", "2016-03", 5.0)]), study="y")

    write_one_file_store(old, fill)
    con = db.connect(old)
    tables = view_page(con, "overview", Selection("x", month=1), 5, ViewOptions(draws=50))
    con.close()
    write_tiny_store(old, frame([person("d")]), hours_frame([]), study="z")
    assert [f.name.split(".")[0] for f in db.store_files(old)[1:]] == ["x", "y", "z"]
    con = db.connect(old)
    assert con.execute("SELECT count(*) FROM ihr_catalogue.hours").fetchone()[0] == 0
    assert con.execute("SELECT study, sum(hours) FROM hours GROUP BY study ORDER BY study").fetchall() == [
        ("x", 2.0),
        ("y", 5.0),
    ]
    again = view_page(con, "overview", Selection("x", month=1), 5, ViewOptions(draws=50))
    con.close()
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name])


def test_a_study_can_be_removed_and_a_missing_one_is_named(tmp_path):
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame([person("a")]), hours_frame([]), study="x")
    write_tiny_store(path, frame([person("b")]), hours_frame([]), study="y")
    db.remove_study(path, "x")
    con = db.connect(path)
    assert db.list_studies(con)["study"].tolist() == ["y"]
    con.close()
    assert [f.name.split(".")[0] for f in db.studies_folder(path).iterdir()] == ["y"]
    with pytest.raises(StoreError, match="'x' does not exist"):
        db.remove_study(path, "x")


def test_a_store_whose_study_file_is_gone_says_which(tmp_path):
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame([person("a")]), hours_frame([]))
    missing = db.store_files(path)[1]
    missing.unlink()
    with pytest.raises(StoreError) as err:
        db.connect(path)
    assert missing.name in err.value.en


@pytest.mark.slow
def test_readers_see_one_whole_version_while_a_writer_replaces_studies(tmp_path):
    path = tmp_path / "s.duckdb"
    write_tiny_store(path, frame([person("a0")]), hours_frame([("a0", "2016-02", 1.0)]), study="x")
    write_tiny_store(path, frame([person("b")]), hours_frame([]), study="y")
    seen, errors, done = [], [], threading.Event()

    def read():
        while not done.is_set():
            try:
                con = db.connect(path)
                n, hours = con.execute("SELECT count(*), sum(hours) FROM participants JOIN hours USING (study, "
                                       "person_id) WHERE study = 'x'").fetchone()  # fmt: skip
                cells = con.execute("SELECT sum(n) FROM people_cells WHERE study = 'x'").fetchone()[0]
                others = con.execute("SELECT count(*) FROM participants WHERE study = 'y'").fetchone()[0]
                con.close()
                seen.append((n, hours, cells, others))
            except Exception as exc:  # any failure of a reader is the finding
                errors.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for k in range(1, 16):  # version k: k people with k hours each in month 2016-02
        people = frame([person(f"a{i}") for i in range(k)])
        write_tiny_store(path, people, hours_frame([(f"a{i}", "2016-02", float(k)) for i in range(k)]), study="x")
    done.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert len(seen) > 15
    for n, hours, cells, others in seen:  # each read is one version: people, hours and cells agree
        assert (hours, cells, others) == (float(n * n), n, 1)
    assert not [f for f in db.studies_folder(path).iterdir() if f.name.endswith(".tmp")]


def _big_pair(folder, people):
    """Write a participants and an hours file of ``people`` people with 24 months each."""
    rows = [
        f"p{i},{'intervention' if i % 2 else 'control'},2016-01-15,{70 + i % 25},F,new,5,,,," for i in range(people)
    ]
    p = folder / "p.csv"
    p.write_text("person_id,arm,randomized_on,age,sex,application_type,baseline_hours,placed_on,died_on,"
                 "followup_end,district\n" + "\n".join(rows) + "\n")  # fmt: skip
    months = [f"{2016 + (m // 12)}-{m % 12 + 1:02d}" for m in range(24)]
    h = folder / "h.csv"
    with h.open("w") as handle:
        handle.write("person_id,month,hours\n")
        for i in range(people):
            handle.writelines(f"p{i},{month},{(i + m) % 30}\n" for m, month in enumerate(months))
    return p, h


@pytest.mark.slow
@pytest.mark.parametrize("command", ["import", "update"])
def test_a_killed_import_or_update_leaves_the_store_as_it_was_while_the_app_serves(tmp_path, monkeypatch, command):
    path = tmp_path / "s.duckdb"
    build_demo_store(path, DemoSpec(n_people=300, seed=1))
    p, h = _big_pair(tmp_path, 20_000)
    import_study(path, "big", p, h)
    before = store_digest(path)
    args = [sys.executable, "-m", "analysis", command, "--db", str(path), "--study", "big", "--hours", str(h)]
    args += ["--participants", str(p)]
    started = time.monotonic()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True, timeout=300)  # how long one run takes
    full = time.monotonic() - started
    killed, previous = [], _files(path)
    before = store_digest(path)
    monkeypatch.setenv("IHR_DB_PATH", str(path))
    for fraction in (0.2, 0.4, 0.6, 0.8, 0.95):
        served = []
        app = threading.Thread(target=lambda out=served: out.append(AppTest.from_file(APP, default_timeout=120).run()))
        started = time.monotonic()
        process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        app.start()  # the app serves while the writer works
        time.sleep(full * fraction)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        app.join()
        assert not served[0].exception and not served[0].error
        after = store_digest(path)
        con = db.connect(path)  # the old store or the new one, whole
        people = con.execute("SELECT count(*) FROM participants WHERE study = 'big'").fetchone()[0]
        cells = con.execute("SELECT sum(n) FROM people_cells WHERE study = 'big'").fetchone()[0]
        con.close()
        assert (people, cells) == (20_000, 20_000)
        files = _files(path)
        if process.returncode == -signal.SIGKILL and after != before:  # killed after its catalogue was swapped in:
            assert files["big"] != previous["big"] and files["demo"] == previous["demo"], fraction  # whole new study
        killed.append(process.returncode == -signal.SIGKILL and after == before)  # killed mid-write: nothing changed
        before, previous = after, files
    assert any(killed), f"no run was killed mid-write; one run takes {full:.1f} s"
    write_tiny_store(path, frame([person("a")]), hours_frame([]), study="after")  # the next write cleans up
    leftovers = [f.name for f in [*tmp_path.iterdir(), *db.studies_folder(path).iterdir()] if ".tmp" in f.name]
    assert leftovers == []
