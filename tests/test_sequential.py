"""Group-sequential boundaries (issue 32): alpha spending against rpact, and the type I error by simulation."""

import numpy as np
import pytest
from scipy import stats

from analysis.stats.sequential import find_boundaries, repeated_interval, spend_alpha

F4 = [0.2, 0.45, 0.7, 1.0]
F8 = [0.1, 0.18, 0.3, 0.41, 0.55, 0.68, 0.85, 1.0]
F20 = list((np.arange(1, 21) / 20) ** 1.3)
INF = np.inf

# R 4.x, rpact 3.3.4 (Debian r-cran-rpact):
#   library(rpact); getDesignGroupSequential(typeOfDesign = "asOF", informationRates = f, alpha = a, sided = s)
#   $criticalValues ("asP" for Pocock type), with f4 <- c(0.2, 0.45, 0.7, 1),
#   f8 <- c(0.1, 0.18, 0.3, 0.41, 0.55, 0.68, 0.85, 1), f20 <- (seq(1, 20) / 20)^1.3 (rpact allows 20 looks).
RPACT = [
    ("obf", 1, 0.025, F4, [4.8768849488, 3.1438483819, 2.4515350834, 2.0010886863]),
    ("obf", 2, 0.05, F4, [4.8768849488, 3.1438483819, 2.4515350834, 2.0010886863]),
    ("pocock", 2, 0.05, F4, [2.4379766881, 2.3765097782, 2.3630536124, 2.3265039995]),
    ("obf", 2, 0.05, F8, [6.9913517071, 5.1552215293, 3.9288428649, 3.3200318143, 2.8260181770, 2.5259884819,
                          2.2287181690, 2.0517700240]),
    ("pocock", 1, 0.025, F8, [2.6551100480, 2.6715554371, 2.5639940575, 2.5449069813, 2.4886981621, 2.4762675837,
                              2.4303197190, 2.4278801605]),
    ("obf", 2, 0.05, F20, [INF, INF, INF, INF, 5.4013117924, 4.7669498548, 4.2910539284, 3.9175161049, 3.6155892238,
                           3.3657716736, 3.1551053599, 2.9746494666, 2.8180337027, 2.6805925146, 2.5588268116,
                           2.4500578716, 2.3521978781, 2.2635937259, 2.1829181835, 2.1090923771]),
    ("pocock", 2, 0.05, F20, [3.1349464989, 3.0043343976, 2.9236003831, 2.8610773608, 2.8103472516, 2.7681107447,
                              2.7323000804, 2.7015080079, 2.6747281626, 2.6512153074, 2.6304025576, 2.6118494496,
                              2.5952076241, 2.5801974609, 2.5665916279, 2.5542032793, 2.5428772941, 2.5324837491,
                              2.5229130611, 2.5140720531]),
    ("obf", 2, 0.05, [0.41, 1.0], [3.3112409738, 1.9626695290]),
]  # fmt: skip


@pytest.mark.parametrize(("spending", "sided", "alpha", "fractions", "expected"), RPACT)
def test_boundaries_equal_rpacts(spending, sided, alpha, fractions, expected):
    got = find_boundaries(fractions, alpha, spending, sided)["boundaries"]
    expected = np.array(expected)
    for mine, theirs in zip(got, expected, strict=True):
        if theirs > 5 or not np.isfinite(theirs):  # beyond 5 SD (rpact: Inf) only the tail probability matters
            assert mine > 5 and stats.norm.sf(mine) < 5e-7
        else:
            assert mine == pytest.approx(theirs, abs=1e-3)


def test_the_spending_functions_spend_alpha_by_the_end():
    for spending in ("obf", "pocock"):
        assert spend_alpha(1.0, 0.05, spending, 2) == pytest.approx(0.05)
        assert spend_alpha(0.0, 0.05, spending, 2) == 0.0
        assert (np.diff(spend_alpha(np.linspace(0.01, 1, 50), 0.05, spending)) > 0).all()
    assert spend_alpha(1.0, 0.025, "obf", 1) == pytest.approx(0.025)


def test_one_look_is_the_plain_test():
    out = find_boundaries([1.0], 0.05, "obf", 2)
    assert out["boundaries"][0] == pytest.approx(stats.norm.ppf(0.975), abs=1e-6)
    assert repeated_interval(1.0, 0.5, out["boundaries"][0]) == pytest.approx((1 - 0.98, 1 + 0.98), abs=1e-2)


@pytest.mark.parametrize("bad", [[], [0.0, 1.0], [0.5, 0.4], [0.3, 0.3]])
def test_fractions_must_increase(bad):
    with pytest.raises(ValueError, match="fractions"):
        find_boundaries(bad)


def _unequal(looks: int) -> np.ndarray:
    """Return unequal information fractions ending at 1 (more information late, as enrolment builds up)."""
    return (np.arange(1, looks + 1) / looks) ** 1.4


@pytest.mark.slow
@pytest.mark.parametrize("spending", ["obf", "pocock"])
@pytest.mark.parametrize("looks", [4, 8, 24])
def test_under_no_effect_some_look_crosses_with_probability_alpha(looks, spending):
    # Issue 32 done when: ≥ 20,000 simulated trials, the chance of crossing at any look within 0.005 of alpha.
    fractions = _unequal(looks)
    bounds = find_boundaries(fractions, 0.05, spending, 2)["boundaries"]
    rng = np.random.default_rng(32 + looks)
    steps = rng.normal(0.0, np.sqrt(np.diff(np.r_[0.0, fractions])), (40_000, looks))
    z = np.cumsum(steps, axis=1) / np.sqrt(fractions)
    crossed = (np.abs(z) >= bounds).any(axis=1).mean()
    assert crossed == pytest.approx(0.05, abs=0.005)
    naive = (np.abs(z) >= stats.norm.ppf(0.975)).any(axis=1).mean()
    assert naive > 0.09  # plain 95 % intervals at every look: the peeking the boundaries prevent


@pytest.mark.slow
def test_with_skewed_people_and_estimated_variances_the_error_stays_near_alpha():
    # The working model (normal z with known variance) is wrong for a trial: hours are skewed and each look
    # estimates the variance. 240 people with gamma hours (shape 0.8), four looks at 60, 110, 170 and 240
    # people; Welch's z at each. The overall error under no effect stays within 0.01 of 0.05 (5,000 trials).
    rng = np.random.default_rng(3201)
    sizes = np.array([60, 110, 170, 240])
    bounds = find_boundaries(sizes / 240, 0.05, "obf", 2)["boundaries"]
    trials = 5000
    arm = np.tile(np.arange(240) % 2 == 0, (trials, 1))
    hours = rng.gamma(0.8, 20.0, (trials, 240))
    crossed = np.zeros(trials, dtype=bool)
    for size, bound in zip(sizes, bounds, strict=True):
        a, b = np.where(arm[:, :size], hours[:, :size], np.nan), np.where(~arm[:, :size], hours[:, :size], np.nan)
        diff = np.nanmean(a, axis=1) - np.nanmean(b, axis=1)
        se = np.sqrt(np.nanvar(a, axis=1, ddof=1) / (size / 2) + np.nanvar(b, axis=1, ddof=1) / (size / 2))
        crossed |= np.abs(diff / se) >= bound
    assert crossed.mean() == pytest.approx(0.05, abs=0.01)


def test_monitor_looks_month_by_month_against_the_plans_boundaries(small_demo_path):
    # Issue 32 item 3/4: every month in which more people's window was complete is a look; the fractions grow,
    # the boundaries are the spending function's at those fractions, and the last look of a finished trial is
    # final and spends what is left.
    from analysis.economics.scenario import unit_costs
    from analysis.outcomes.monitoring import monitor_primary
    from analysis.store import db

    con = db.connect(small_demo_path)
    out = monitor_primary(con, "demo", unit_costs())
    con.close()
    looks = out["looks"]
    fractions = [look["information_fraction"] for look in looks]
    assert len(looks) > 4 and np.all(np.diff(fractions) > 0) and fractions[-1] == 1.0 and out["final"]
    expected = find_boundaries(fractions, out["alpha"], out["spending"], 2)["boundaries"]
    bounds = [np.inf if look["efficacy_boundary_z"] is None else look["efficacy_boundary_z"] for look in looks]
    assert bounds == pytest.approx(list(expected))  # None in the JSON: no boundary crossable yet (inf)
    assert all(look["crossed"] == (abs(look["z"]) >= bound) for look, bound in zip(looks, bounds) if look["z"])
    last = looks[-1]
    half = (out["repeated_ci_high"] - out["repeated_ci_low"]) / 2
    assert half == pytest.approx(last["efficacy_boundary_z"] * abs(out["estimate"] / last["z"]), rel=1e-9)
    assert out["planned_n"] is None  # no plan stored: the fractions are of everyone randomized (400)


@pytest.mark.slow
def test_monitor_command_prints_the_issues_keys(small_demo_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "monitor", "--db", str(small_demo_path), "--study", "demo", "--json"],
        capture_output=True, text=True, cwd=root, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"study", "spending", "alpha", "looks", "repeated_ci_low", "repeated_ci_high", "final"} <= set(out)
    keys = {"look", "complete_through", "information_fraction", "z", "efficacy_boundary_z", "futility_boundary_z",
            "nominal_alpha", "crossed"}  # fmt: skip
    assert all(keys <= set(look) for look in out["looks"])


def test_the_latest_look_is_said_in_words_on_the_pages_and_stamps():
    # Issue 32 item 3: "Interimsanalys 3 …, 41 % av den planerade informationen; gränsen … |z| ≥ 3,02".
    from analysis.present.texts import read_look

    look = {"look": 3, "complete_through": "2017-05", "information_fraction": 0.41, "z": -1.7,
            "efficacy_boundary_z": 3.0214, "crossed": False}  # fmt: skip
    monitor = {"looks": [look], "final": False, "repeated_ci_low": -9000.0, "repeated_ci_high": 4000.0}
    sv = read_look(monitor, "cost", "sv").replace("\xa0", " ")  # Babel's no-break spaces, as spaces
    assert sv.startswith("Interimsanalys 3 (månad 2017-05): 41 % av den planerade informationen")
    assert "|z| ≥ 3,02" in sv and "inte passerad" in sv and "−9 000 till 4 000 kr" in sv
    assert read_look({**monitor, "final": True}, "cost", "en").startswith("Final analysis (look 3")
    assert read_look({"looks": []}, "cost", "sv") is None


def test_the_looks_go_through_the_disclosure_layer_as_the_overview_shows_them(small_demo_path):
    from analysis.economics.scenario import unit_costs
    from analysis.outcomes.monitoring import monitor_primary
    from analysis.present.disclosure import show_looks
    from analysis.present.viewer import view_page
    from analysis.selection import Selection
    from analysis.store import db

    con = db.connect(small_demo_path)
    shown = view_page(con, "overview", Selection("demo", month=12), 5)["looks"]
    expected = show_looks(monitor_primary(con, "demo", unit_costs()))
    con.close()
    assert "people_complete" not in shown.columns and len(shown) == len(expected) > 0
    assert shown["efficacy_boundary_z"].tolist() == pytest.approx(expected["efficacy_boundary_z"].tolist(), nan_ok=True)


def test_the_monitor_prints_strict_json_and_says_when_no_boundary_is_crossable_yet(small_demo_path):
    # Review: the first monthly looks spend ~1e-18 of alpha, so their boundary is infinite; the JSON printed
    # "Infinity", which no strict JSON reader accepts, and the chart drew a made-up 8 there.
    import json

    from analysis.economics.scenario import unit_costs
    from analysis.outcomes.monitoring import monitor_primary
    from analysis.present.disclosure import show_looks
    from analysis.present.texts import read_look
    from analysis.store import db

    con = db.connect(small_demo_path)
    out = monitor_primary(con, "demo", unit_costs())
    con.close()
    assert out["looks"][0]["efficacy_boundary_z"] is None
    json.loads(json.dumps(out), parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    shown = show_looks(out)
    assert shown["efficacy_boundary_z"].isna().iloc[0] and bool(shown["final"].iloc[-1])
    assert (
        shown["repeated_ci_low"].iloc[-1] == out["repeated_ci_low"] and shown["repeated_ci_low"].iloc[:-1].isna().all()
    )
    early = {**out, "looks": out["looks"][:1], "final": False}
    assert "för lite för att någon gräns" in read_look(early, "cost", "sv")
    assert "alla randomiserade" in read_look(out, "cost", "sv")


# Issue 32, done when: a study imported with its first months and updated with the rest month by month has a
# look per load (the store's load log), with rpact's boundaries at those looks' information fractions.
LOAD_CUTOFFS = ("2017-09-30", "2017-12-31", "2018-03-31", "2018-06-30", "2018-09-30", "2018-12-31")


@pytest.fixture(scope="module")
def monthly_store(small_demo_path, tmp_path_factory):
    """The small demo imported to its first cutoff and updated at each later one (the last with all data)."""
    import datetime as dt

    from test_update import _demo_files, _write_hours, _write_people

    from analysis.intake.importer import import_study
    from analysis.intake.update import update_study

    folder = tmp_path_factory.mktemp("monthly")
    people, hours, end = _demo_files(small_demo_path, folder)
    cutoffs = [dt.date.fromisoformat(c) for c in LOAD_CUTOFFS] + [end]
    path = folder / "monthly.duckdb"
    previous = None
    for i, cutoff in enumerate(cutoffs):
        new = hours[(hours["month_day"] <= cutoff) & ((previous is None) | (hours["month_day"] > (previous or cutoff)))]
        known = None if cutoff == end else cutoff
        p_file = _write_people(folder / f"p{i}.csv", people, known_until=known)
        h_file = _write_hours(folder / f"h{i}.csv", new)
        if previous is None:
            import_study(path, "demo", p_file, h_file, data_end=cutoff)
        else:
            update_study(path, "demo", h_file, participants=p_file, data_end=cutoff)
        previous = cutoff
    return path


def test_an_updated_study_has_a_look_per_load_with_rpacts_boundaries(monthly_store):
    from analysis.economics.scenario import unit_costs
    from analysis.outcomes.monitoring import monitor_primary
    from analysis.store import db

    con = db.connect(monthly_store)
    loads = db.query(con, "SELECT kind, complete_through FROM study_loads ORDER BY loaded_at")
    out = monitor_primary(con, "demo", unit_costs())
    con.close()
    assert loads["kind"].tolist() == ["import"] + ["update"] * len(LOAD_CUTOFFS)
    assert out["looks_from"] == "update_log"
    logged = {str(m)[:7] for m in loads["complete_through"]}
    assert {look["complete_through"] for look in out["looks"]} <= logged  # a look only where data were added
    fractions = [look["information_fraction"] for look in out["looks"]]
    bounds = [look["efficacy_boundary_z"] for look in out["looks"]]
    # R: getDesignGroupSequential(typeOfDesign = "asOF", informationRates = f, alpha = 0.05, sided = 2)
    #    $criticalValues with f <- the fractions below (the looks of this store; 400 randomized, window 12)
    assert fractions == pytest.approx(MONTHLY_FRACTIONS, abs=1e-12)
    # rpact's own integration is coarse where a look spends under 1e-6: at look 2 (1.4e-8 spent) it gives
    # 5.6776, where a direct integral (below) gives 5.67100, as this product does; later looks agree to 1e-3.
    assert bounds[2:] == pytest.approx(MONTHLY_RPACT[2:], abs=1e-3)
    assert bounds[:2] == pytest.approx(MONTHLY_RPACT[:2], abs=1e-2)
    assert out["final"] and fractions[-1] == 1.0


def test_a_look_that_spends_almost_nothing_has_the_boundary_of_a_direct_integral():
    # Independent of the recursion: P(|Z1| < c1, |Z2| ≥ c2) = ∫ φ(z) P(|Z2| ≥ c2 | Z1 = z) dz over (−c1, c1),
    # with Z2 | Z1 = z ~ N(ρz, 1 − ρ²), ρ = √(t1/t2), solved for c2 by scipy's quad and brentq.
    from scipy import integrate, optimize

    t1, t2 = MONTHLY_FRACTIONS[:2]
    design = find_boundaries([t1, t2], 0.05, "obf", 2)
    c1, r = design["boundaries"][0], np.sqrt(t1 / t2)
    spread = np.sqrt(1 - r * r)

    def beyond(c2):
        def inside(z):
            return stats.norm.pdf(z) * (stats.norm.sf((c2 - r * z) / spread) + stats.norm.cdf((-c2 - r * z) / spread))

        return integrate.quad(inside, -c1, c1, epsabs=1e-16, epsrel=1e-12, limit=500)[0]

    c2 = optimize.brentq(lambda c: beyond(c) - design["exit"][1], 5.0, 6.5, xtol=1e-12)
    assert design["boundaries"][1] == pytest.approx(c2, abs=1e-6)
    assert abs(design["boundaries"][1] - MONTHLY_RPACT[1]) > 5e-3  # rpact's coarse value, as recorded


MONTHLY_FRACTIONS = [0.1225, 0.15, 0.27, 0.4025, 0.535, 0.675, 1.0]
MONTHLY_RPACT = [6.2973891073, 5.6776308343, 4.1578718349, 3.3491136953, 2.8706533089, 2.5319467857, 1.9968836531]


# R 4.x, rpact 3.3.4: d <- getDesignGroupSequential(typeOfDesign = "asOF", typeBetaSpending = tb,
#   bindingFutility = FALSE, informationRates = f, alpha = 0.025, beta = 0.2, sided = 1)
#   d$futilityBounds and getDesignCharacteristics(d)$shift (θ², rpact's drift, which it inflates so the last
#   futility bound meets the last critical value).
RPACT_FUTILITY = [
    ("obf", F4, 8.7829700415, [-1.3132945014, 0.3876442933, 1.2490430013]),
    ("pocock", F4, 9.9752087449, [-0.1500933547, 0.7345320038, 1.3517141412]),
    ("obf", F8, 9.2295564782, [-2.9267662486, -1.5175263160, -0.4220997733, 0.1884146077, 0.7748420988,
                               1.1824587951, 1.6512638838]),
    ("pocock", F8, 10.5712772474, [-0.8280259871, -0.4246212845, 0.1483386313, 0.5187388812, 0.9514615438,
                                   1.2732480825, 1.6805746942]),
]  # fmt: skip


@pytest.mark.parametrize(("spending", "fractions", "shift", "expected"), RPACT_FUTILITY)
def test_futility_boundaries_equal_rpacts_at_its_drift(spending, fractions, shift, expected):
    from analysis.stats.sequential import find_futility

    efficacy = find_boundaries(fractions, 0.025, "obf", 1)["boundaries"]
    got = find_futility(fractions, efficacy, 0.2, spending, drift=np.sqrt(shift))["boundaries"]
    assert got[:-1] == pytest.approx(expected, abs=1e-5) and np.isnan(got[-1])


def test_futility_spends_beta_under_the_alternative_and_leaves_alpha_alone():
    # Simulated with the default drift (a fixed design of the planned size has 80 % power): the chance of a
    # futility stop by the last interim look is β(t) spent there; under no effect, ignoring the non-binding
    # futility boundaries, the chance of crossing an efficacy boundary stays alpha.
    from analysis.stats.sequential import find_futility

    fractions = np.array(_unequal(8))
    efficacy = find_boundaries(fractions, 0.05, "obf", 2)["boundaries"]
    design = find_futility(fractions, efficacy, 0.2, "obf", alpha=0.05)
    rng = np.random.default_rng(32)
    steps = rng.standard_normal((40_000, len(fractions))) * np.sqrt(np.diff(np.r_[0.0, fractions]))
    for drift, check in ((design["drift"], "beta"), (0.0, "alpha")):
        z = np.cumsum(steps + drift * np.diff(np.r_[0.0, fractions]), axis=1) / np.sqrt(fractions)
        if check == "beta":
            up, stop = z >= efficacy, z[:, :-1] < design["boundaries"][:-1]
            first_up = np.where(up.any(1), up.argmax(1), 99)
            first_stop = np.where(stop.any(1), stop.argmax(1), 99)
            stopped = (first_stop < first_up) & (first_stop < 99)
            assert stopped.mean() == pytest.approx(design["spent"][-2], abs=0.006)
        else:
            assert (np.abs(z) >= efficacy).any(1).mean() == pytest.approx(0.05, abs=0.005)


def test_the_monitor_gives_futility_boundaries_in_the_direction_of_benefit(monthly_store, tmp_path):
    from analysis.economics.scenario import unit_costs
    from analysis.outcomes.monitoring import monitor_primary
    from analysis.stats.sequential import find_futility
    from analysis.store import db
    from analysis.store.studies import AnalysisPlan, save_plan

    path = tmp_path / "futility.duckdb"
    db.copy_store(monthly_store, path)
    save_plan(path, "demo", AnalysisPlan("cost", 12, planned_n=400, futility=True))
    con = db.connect(path)
    out = monitor_primary(con, "demo", unit_costs())
    con.close()
    looks = out["looks"]
    fractions = [look["information_fraction"] for look in looks]
    efficacy = [np.inf if look["efficacy_boundary_z"] is None else look["efficacy_boundary_z"] for look in looks]
    expected = find_futility(fractions, efficacy, 0.2, "obf", alpha=0.05)["boundaries"]
    got = [look["futility_boundary_z"] for look in looks]
    assert got[-1] is None and out["final"]  # the final analysis is one test
    assert [-g for g in got[:-1]] == pytest.approx(list(expected[:-1]))  # cost: benefit is a negative z
    assert all(look["futility_crossed"] == (look["z"] > look["futility_boundary_z"]) for look in looks[:-1])
    assert out["futility"] and out["futility_beta"] == 0.2
