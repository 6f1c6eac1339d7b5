import datetime as dt

import pandas as pd
from conftest import frame, hours_frame, person, write_tiny_store

from analysis.intake.fileformat import MASK, preview_file, template_csv
from analysis.intake.quality import summarize_quality
from analysis.store import db
from analysis.store.db import scratch


def test_quality_summary_by_hand(tmp_path):
    path = tmp_path / "q.duckdb"
    rows = [("a", "2016-01", 5.0), ("a", "2016-02", 350.0), ("b", "2016-04", 12.0), ("b", "2016-05", 0.5)]
    write_tiny_store(path, frame([person("a"), person("b", arm="control")]), hours_frame(rows))
    con = db.connect(path)
    q = summarize_quality(con, "tiny")
    con.close()
    assert (q["people"], q["hours_rows"], q["high_hours_rows"]) == (2, 4, 1)
    assert q["first_month"] == dt.date(2016, 1, 1) and q["last_month"] == dt.date(2016, 5, 1)
    assert q["missing_months"] == [dt.date(2016, 3, 1)]
    hist = q["histogram"].set_index("low")["rows"].to_dict()
    assert hist == {0.0: 2, 10.0: 1, 300.0: 1}


def test_templates_import_cleanly(tmp_path, monkeypatch):
    from analysis.intake.importer import import_study

    monkeypatch.setenv("IHR_PSEUDONYM_KEY", str(tmp_path / "key"))
    (tmp_path / "p.csv").write_text(template_csv("participants"), encoding="utf-8")
    (tmp_path / "h.csv").write_text(template_csv("hours"), encoding="utf-8")
    summary = import_study(tmp_path / "s.duckdb", "mall", tmp_path / "p.csv", tmp_path / "h.csv")
    assert summary.people == {"control": 1, "intervention": 1} and summary.hours_rows == 3


def test_preview_masks_personnummer(tmp_path):
    path = tmp_path / "p.csv"
    pd.DataFrame({"pnr": ["640823-3234", "19640883-3231"], "id2": ["6408233234", "x"], "ålder": ["70", "80"]}).to_csv(
        path, index=False
    )
    con = scratch()
    shown = preview_file(con, path, "p.csv")
    con.close()
    assert (shown["pnr"] == MASK).all() and (shown["id2"] == MASK).all()
    assert shown["ålder"].tolist() == ["70", "80"]
    assert "3234" not in shown.to_csv()
