import json
from pathlib import Path

import pytest

from analysis.outcomes.compare import compare_hours
from analysis.outcomes.comparisons import compare_fast_welch
from analysis.selection import Filters, Selection, parse_band_edges
from analysis.store import db
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "trial.duckdb"
    done = run_cli("demo", "--db", str(path), "--people", "300", "--seed", "3")
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.slow
def test_compare_json_end_to_end_equals_library(cli_store):
    done = run_cli("compare", "--db", str(cli_store), "--month", "12", "--json", "--sex", "F", "--district", "Centrum")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    con = db.connect(cli_store)
    expected = compare_fast_welch(
        con, Selection("demo", Filters(sex=("F",), district=("Centrum",)), parse_band_edges("65,76,86,96"), 12)
    )
    con.close()
    assert out.pop("hours_measure") == "unknown"  # the demo's hours are of a kind not stated
    assert out.pop("design") == "randomized"  # issue 33: every study's design (a randomized trial's adds no more)
    assert out == json.loads(json.dumps(expected.to_dict()))
    assert out["method"] == "welch" and out["deaths_and_placements"] == "exclude"
    assert [g["age_band"] for g in out["groups"]] == ["65-75", "76-85", "86-95", "all"]
    # The skeleton's fields are unchanged: the cells-based comparison gives the same numbers.
    con = db.connect(cli_store)
    skeleton = compare_hours(
        con, Selection("demo", Filters(sex=("F",), district=("Centrum",)), parse_band_edges("65,76,86,96"), 12)
    )
    con.close()
    for got, want in zip(out["groups"], json.loads(json.dumps(skeleton.to_dict()))["groups"], strict=True):
        assert {k: got[k] for k in want} == want
    assert out["month"] == 12


@pytest.mark.slow
def test_compare_table_output(cli_store):
    done = run_cli("compare", "--db", str(cli_store), "--month", "3")
    assert done.returncode == 0
    assert "65-75" in done.stdout and "p =" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--month", "25"], "0–24"),
        (["--month", "-1"], "0–24"),
        (["--study", "other"], "other"),
        (["--district", "Atlantis"], "Atlantis"),
        (["--bands", "80,70"], "80"),
    ],
)
def test_compare_errors_are_one_line_without_traceback(cli_store, args, expected):
    done = run_cli("compare", "--db", str(cli_store), *args)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fel:") and "Error:" in lines[0] and expected in lines[0]


@pytest.mark.slow
def test_missing_database_is_one_line(tmp_path):
    done = run_cli("compare", "--db", str(tmp_path / "missing.duckdb"))
    assert done.returncode == 1 and "missing.duckdb" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_corrupt_database_is_one_line(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    done = run_cli("compare", "--db", str(bad))
    assert done.returncode == 1 and "bad.duckdb" in done.stderr and "Traceback" not in done.stderr


def test_demo_if_missing_builds_once_and_then_leaves_the_store_alone(tmp_path):
    path = tmp_path / "fresh.duckdb"
    first = run_cli("demo", "--db", str(path), "--if-missing")
    assert first.returncode == 0 and path.is_file()
    before = path.stat().st_mtime_ns
    again = run_cli("demo", "--db", str(path), "--if-missing")
    assert again.returncode == 0 and "already exists" in again.stdout
    assert path.stat().st_mtime_ns == before
