"""Outcome measures at visits (issue 17) against R on a published trial, and the rules for missing visits."""

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.intake.importer import import_study
from analysis.outcomes.measures import compare_measures
from analysis.selection import Selection
from analysis.store import db
from tests.conftest import run_cli
from tests.reference_measures import ancova_at_visit
from tests.test_import import P_COLUMNS, write_csv

# MASS::anorexia (Hand et al. 1994, A Handbook of Small Data Sets): weights of young women before and after
# treatment; cognitive behavioural therapy (CBT, 29) recast as the intervention and the control (Cont, 26) as
# control, the weight before as the baseline visit (month 0) and after as the visit at month 3.
ANOREXIA = Path(__file__).resolve().parent / "data" / "anorexia_cbt_control.csv"


WEIGHT = (
    '[weight_kg]\nlabel_sv = "Vikt"\nlabel_en = "Weight"\nlow = 20\nhigh = 200\nhigher_is_better = true\n'
    'unit_sv = "kg"\nunit_en = "kg"\nsource = "MASS::anorexia"\n'
)


@pytest.fixture(scope="module")
def anorexia_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anorexia")
    (folder / "own.toml").write_text(WEIGHT, encoding="utf-8")  # an instrument of one's own
    with open(ANOREXIA, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    people, measured = [], []
    for i, row in enumerate(rows):
        arm = "intervention" if row["Treat"] == "CBT" else "control"
        people.append([f"w{i}", arm, "2016-01-15", "70", "F", "new", "10", "", "", "2016-12-31", ""])
        measured += [[f"w{i}", "0", "weight_kg", row["Prewt"]], [f"w{i}", "3", "weight_kg", row["Postwt"]]]
    p = write_csv(folder / "p.csv", P_COLUMNS, people)
    h = write_csv(folder / "h.csv", ["person_id", "month", "hours"], [["w0", "2016-02", "1"]])
    m = write_csv(folder / "m.csv", ["person_id", "visit_month", "instrument", "value"], measured)
    store = folder / "s.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IHR_INSTRUMENTS_FILE", str(folder / "own.toml"))
        import_study(store, "anorexia", p, h, measurements=m)
    return store


def test_visit_means_welch_and_ancova_agree_with_r_on_a_published_trial(anorexia_store):
    con = db.connect(anorexia_store)
    result = compare_measures(con, Selection("anorexia"), "weight_kg", window=3)
    con.close()
    row = result.visits[(result.visits["age_band"] == "all") & (result.visits["visit_month"] == 3)].iloc[0]
    # R 4.2, MASS 7.3-58: d <- subset(anorexia, Treat != "FT"); d$arm <- as.integer(d$Treat == "CBT")
    # tapply(d$Postwt, d$arm, mean)
    assert row["mean_intervention"] == pytest.approx(85.6965517241379, rel=1e-12)
    assert row["mean_control"] == pytest.approx(81.1076923076923, rel=1e-12)
    assert (row["n_intervention"], row["n_control"]) == (29, 26)
    # t.test(Postwt ~ factor(arm, levels = c(1, 0)), data = d)  (Welch)
    assert row["difference"] == pytest.approx(4.5888594164456293, rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.9466501388236847, 8.2310686940675737), rel=1e-9)
    assert row["p_value"] == pytest.approx(0.0146899036377268, rel=1e-6)
    # fit <- lm(Postwt ~ arm + Prewt, d); se <- sqrt(sandwich::vcovHC(fit, type = "HC3")["arm", "arm"])
    # coef(fit)["arm"] ± qt(0.975, df.residual(fit)) * se; 2 * pt(-abs(b / se), df.residual(fit))
    assert row["ancova_difference"] == pytest.approx(4.2441122654750520, rel=1e-12)
    low, high = row["ancova_ci_low"], row["ancova_ci_high"]
    assert (low, high) == pytest.approx((0.5336342713898432, 7.9545902595602609), rel=1e-9)
    assert row["ancova_p_value"] == pytest.approx(0.0257847720960312, rel=1e-6)
    # tapply(d$Postwt - d$Prewt, d$arm, mean): both change, only the difference between them is the effect
    assert row["change_intervention"] == pytest.approx(3.006896551724138, rel=1e-12)
    assert row["change_control"] == pytest.approx(-0.449999999999999, abs=1e-12)
    assert result.primary_visit == 3 and result.primary()["ancova_difference"] == row["ancova_difference"]
    # With one visit after baseline the repeated-measures model (GEE) is least squares on arm and baseline:
    # its estimate is R's lm coefficient above (its robust SE is the HC0 sandwich, not HC3).
    repeated = result.repeated.set_index("month")
    assert repeated.loc["3", "difference"] == pytest.approx(4.2441122654750520, rel=1e-8)


@pytest.mark.slow
def test_the_command_line_prints_the_promised_keys(anorexia_store):
    done = run_cli(
        "measures", "--db", str(anorexia_store), "--study", "anorexia", "--instrument", "weight_kg", "--json"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    keys = ["visit_month", "n_intervention", "n_control", "mean_intervention", "mean_control", "difference",
            "ci_low", "ci_high", "p_value", "ancova_difference", "ancova_ci_low", "ancova_ci_high"]  # fmt: skip
    assert out["instrument"] == "weight_kg" and list(out["visits"][1])[: len(keys)] == keys
    assert out["primary"]["visit_month"] == 3 and out["primary"]["ancova_difference"] == pytest.approx(4.24411226547)
    assert out["visits"][0]["ancova_difference"] is None  # the baseline is not adjusted for itself
    done = run_cli("measures", "--db", str(anorexia_store), "--study", "anorexia", "--instrument", "ucla3")
    assert done.returncode == 1 and "has no measurements of 'ucla3'" in done.stderr


def test_a_missed_visit_is_not_counted_as_zero(tmp_path):
    people = [[f"p{i}", "intervention" if i % 2 else "control", "2016-01-15", "70", "F", "new", "10", "", "", "", ""]
              for i in range(8)]  # fmt: skip
    rows = [[f"p{i}", "0", "adl_katz", "4"] for i in range(8)] + [[f"p{i}", "3", "adl_katz", "5"] for i in range(6)]
    p = write_csv(tmp_path / "p.csv", P_COLUMNS, people)
    h = write_csv(tmp_path / "h.csv", ["person_id", "month", "hours"], [["p0", "2016-02", "1"]])
    m = write_csv(tmp_path / "m.csv", ["person_id", "visit_month", "instrument", "value"], rows)
    import_study(tmp_path / "s.duckdb", "s", p, h, measurements=m, data_end=pd.Timestamp("2016-12-31").date())
    con = db.connect(tmp_path / "s.duckdb")
    result = compare_measures(con, Selection("s"), "adl_katz")
    visits = result.visits
    con.close()
    at3 = visits[(visits["age_band"] == "all") & (visits["visit_month"] == 3)].iloc[0]
    assert (at3["n_intervention"], at3["n_control"]) == (3, 3)  # p6 and p7 missed the visit
    assert at3["mean_intervention"] == 5.0 and at3["mean_control"] == 5.0  # a zero would pull these to 3.75
    assert (at3["randomized_intervention"], at3["randomized_control"]) == (4, 4)
    assert set(result.repeated["cannot_estimate"]) == {"no_spread"}  # no variation: said, not hidden
    assert at3["ancova_cannot_estimate"] == "no_spread" and np.isnan(at3["ancova_difference"])


def test_an_instrument_the_study_lacks_is_a_clear_error(anorexia_store):
    con = db.connect(anorexia_store)
    with pytest.raises(InputError, match="has no measurements of 'adl_katz'; it has: weight_kg"):
        compare_measures(con, Selection("anorexia"), "adl_katz")
    con.close()


def test_ancova_recovers_the_effect_when_the_baseline_relation_is_not_linear():
    # FDA 2023: the adjusted estimate stays right when its working model is wrong (the per-person reference, which
    # the cells equal to 1e-9 in test_measure_cells). Outcome depends on the
    # baseline through a step and a square, the effect is additive (0.5), errors are skewed; 400 trials.
    rng = np.random.default_rng(20171)
    estimates, covered = [], 0
    for _ in range(400):
        n = 120
        baseline = rng.normal(50, 10, n)
        arm = rng.permutation(np.arange(n) % 2)
        value = 0.02 * (baseline - 50) ** 2 + 3 * (baseline > 55) + 0.5 * arm + rng.gamma(2, 1.5, n)
        fit = ancova_at_visit(pd.DataFrame({"intervention": arm, "value": value, "baseline": baseline}))
        estimates.append(fit["ancova_difference"])
        covered += fit["ancova_ci_low"] <= 0.5 <= fit["ancova_ci_high"]
    assert abs(np.mean(estimates) - 0.5) < 3 * np.std(estimates) / np.sqrt(400)  # within 3 Monte Carlo SEs
    assert 0.92 <= covered / 400 <= 0.98


def test_a_store_written_before_measurements_and_hours_measures_still_reads_and_takes_new_imports(tmp_path):
    # Stores of earlier versions have no measurements table and no studies.hours_measure column.
    from analysis.outcomes.measures import list_instruments
    from analysis.store.studies import describe_study
    from tests.conftest import fill_tiny, frame, hours_frame, person, write_one_file_store

    old = tmp_path / "old.duckdb"

    def downgrade(con):
        fill_tiny(con, frame([person("a1"), person("a2", arm="control")]), hours_frame([("a1", "2016-02", 2.0)]))
        con.execute("DROP TABLE measurements")
        con.execute("ALTER TABLE studies DROP COLUMN hours_measure")
        con.execute("ALTER TABLE studies DROP COLUMN complete_through")

    write_one_file_store(old, downgrade)
    con = db.connect(old)
    # A table the old file lacks reads as empty, in the schema's shape; a missing column stays missing.
    assert not db.has_table(con, "measurements", "ihr_catalogue")
    assert not db.has_column(con, "studies", "hours_measure", "ihr_catalogue")
    assert con.execute("SELECT count(*) FROM measurements").fetchone()[0] == 0
    assert describe_study(con, "tiny")["hours_measure"] == "unknown"
    assert list_instruments(con, "tiny") == []
    with pytest.raises(InputError, match="no measurements of 'eq_vas'"):
        compare_measures(con, Selection("tiny"), "eq_vas")
    con.close()
    from tests.test_import import write_pair

    p, h = write_pair(tmp_path)
    import_study(old, "new", p, h, measure="granted")  # moves the old study by name into a file of its own
    con = db.connect(old)
    assert describe_study(con, "tiny")["hours_measure"] == "unknown"
    assert describe_study(con, "new")["hours_measure"] == "granted"
    assert con.execute("SELECT count(*) FROM ihr_catalogue.participants").fetchone()[0] == 0  # moved out
    assert con.execute("SELECT count(*) FROM participants WHERE study = 'tiny'").fetchone()[0] == 2
    con.close()
    assert [f.name.split(".")[0] for f in db.store_files(old)[1:]] == ["new", "tiny"]
