import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import frame, hours_frame, person, write_tiny_store
from pptx import Presentation

from analysis.present.report import build_briefing, write_report
from analysis.store import db
from analysis.store.studies import fingerprint_study

ROOT = Path(__file__).resolve().parent.parent


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_pptx_has_a_stamped_slide_per_message(small_demo_path, tmp_path, lang):
    con = db.connect(small_demo_path)
    out = write_report(con, "demo", "pptx", tmp_path / "b.pptx", lang)
    version = fingerprint_study(con, "demo")
    con.close()
    deck = Presentation(str(out))
    assert len(deck.slides) == 5  # title + per person + hours + placement + money
    for slide in deck.slides:
        text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert version in text and ("Dataversion" if lang == "sv" else "Data version") in text
        assert "demo" in text


def test_pdf_pages_counted(small_demo_path, tmp_path):
    con = db.connect(small_demo_path)
    out = write_report(con, "demo", "pdf", tmp_path / "b.pdf", "en")
    con.close()
    assert out.read_bytes().startswith(b"%PDF") and pdf_pages(out) == 5


def test_data_version_follows_the_data(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    write_tiny_store(a, frame([person("x"), person("y", arm="control")]), hours_frame([("x", "2016-01", 3.0)]))
    write_tiny_store(b, frame([person("x"), person("y", arm="control")]), hours_frame([("x", "2016-01", 3.5)]))
    versions = []
    for path in (a, b, a):
        con = db.connect(path)
        versions.append(fingerprint_study(con, "tiny"))
        con.close()
    assert versions[0] == versions[2] != versions[1]


def test_briefing_hides_small_bands(tmp_path):
    rows = []
    for age, size in ((70, 3), (80, 10), (90, 12)):
        rows += [person(f"i{age}_{i}", arm="intervention", age=age) for i in range(size)]
        rows += [person(f"c{age}_{i}", arm="control", age=age) for i in range(size)]
    path = tmp_path / "t.duckdb"
    write_tiny_store(path, frame(rows), hours_frame([("i80_0", "2016-02", 4.0)]))
    con = db.connect(path)
    briefing = build_briefing(con, "tiny", "en")
    con.close()
    for slide in briefing.slides[:2]:  # per person, and hours among those at home
        assert any(s.startswith("65–75 years: hidden, fewer than 5 people") for s in slide.sentences)
        # the complement of 65–75 is hidden too and says why (hours: there everyone but one has 0 hours)
        assert any(
            s.startswith(("76–85 years: hidden to protect another", "76–85 years: hidden, everyone in an arm"))
            for s in slide.sentences
        )


def test_cli_report(small_demo_path, tmp_path):
    out = tmp_path / "r.pptx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--db",
            str(small_demo_path),
            "--format",
            "pptx",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert len(Presentation(str(out)).slides) == 5
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--db",
            str(tmp_path / "none.duckdb"),
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "x.pdf"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_the_per_person_slide_leads_with_everyone_and_warns_about_subgroups(small_demo_path):
    con = db.connect(small_demo_path)
    briefing = build_briefing(con, "demo", "en")
    con.close()
    sentences = briefing.slides[0].sentences
    assert sentences[0].startswith("All ages") and sentences[1].startswith("All ages")
    assert "subgroup analyses" in sentences[-2] and "Welch–James" in sentences[-1]


def test_money_slide_says_which_costs_are_invented(small_demo_path):
    # The board's money uses the study's effects but the example's intervention cost and applicants: the
    # slide must say those are invented, with the figures it used.
    con = db.connect(small_demo_path)
    briefing = build_briefing(con, "demo", "en")
    con.close()
    money = briefing.slides[-1].sentences
    assert any("SEK 30,000 per participant and 1,000 applicants a year are invented" in s for s in money)
    assert not any("100%" in s for s in money)
