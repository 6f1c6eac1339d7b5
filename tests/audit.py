"""Disclosure audit for the tests: every count a viewer sees as a sum over atoms, and an attacker's checks.

An atom is one combination of age band (or outside every band), arm, sex, application type and
district. Each count a page shows (people, events, people at risk, Table 1 levels, CONSORT parts, sums
of hours) is the sum of one kind of count over a set of atoms, fixed by the view's filters, the row's
band and arm and, for Table 1, the level. A hidden count can be derived from the shown ones by addition
and subtraction exactly when its atom vector lies in the row space of the shown counts' vectors of the
same kind (the linear system τ-Argus solves); two shown counts whose atom sets nest give the count of the
people in between.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.selection import ALL, FILTER_FIELDS, Filters, Selection
from analysis.store import db
from analysis.store.cells import band_case

OUTSIDE = "(outside)"
ARMS = ("intervention", "control")


@dataclass(frozen=True)
class Cell:
    """One count shown or hidden: its kind, the people it sums over, its true value and whether it is shown."""

    kind: tuple
    view: Filters
    band: str
    arm: str
    extra: tuple  # ((field, value), ...) restricting the view further (Table 1 levels, sex split)
    value: float
    shown: bool
    where: str
    noisy: bool = False  # shown with the cell key method's noise: not an exact value to add or subtract
    shown_value: float | None = None  # what the viewer reads (None when hidden)


def load_atoms(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Return the non-empty atoms of a study: band (or OUTSIDE), arm, sex, application_type, district, people."""
    band_sql, band_params = band_case(selection.bands)
    frame = db.query(
        con,
        f"""SELECT coalesce({band_sql}, ?) AS band, arm, sex, application_type,
                   coalesce(district, '') AS district, count(*) AS people
            FROM participants WHERE study = ? GROUP BY ALL ORDER BY ALL""",
        [*band_params, OUTSIDE, selection.study],
    )
    return frame


def _member(atoms: pd.DataFrame, cell: Cell) -> np.ndarray:
    """Return the 0/1 vector of the atoms a cell sums over."""
    keep = atoms["arm"].to_numpy() == cell.arm if cell.arm in ARMS else np.ones(len(atoms), dtype=bool)  # "both"
    if cell.band != ALL:
        keep &= atoms["band"].to_numpy() == cell.band
    for field in FILTER_FIELDS:
        values = getattr(cell.view, field)
        if values:
            keep &= atoms[field].isin(values).to_numpy()
    for field, value in cell.extra:
        keep &= atoms[field].to_numpy() == value
    return keep.astype(float)


def _pair(shown: pd.DataFrame, raw: pd.DataFrame):
    """Yield (shown row, true row) pairs of two frames of the same rows."""
    if len(shown) != len(raw):
        raise ValueError(f"shown and true tables differ in rows: {len(shown)} vs {len(raw)}")
    yield from zip(shown.to_dict("records"), raw.to_dict("records"), strict=True)


def _add(cells: list, kind, view, band, arm, extra, shown_value, true_value, where) -> None:
    """Append one cell (skipping figures that do not exist in the table)."""
    if true_value is None or (isinstance(true_value, float) and np.isnan(true_value)):
        return
    shown = not (shown_value is None or (isinstance(shown_value, float) and np.isnan(shown_value)))
    seen = float(shown_value) if shown else None
    cells.append(Cell(kind, view, band, arm, tuple(extra), float(true_value), shown, where, shown_value=seen))


def cells_of_view(page: str, shown: dict, raw: dict, selection: Selection) -> list[Cell]:
    """Return every count of one page's tables (from viewer.view_page, shown and with threshold 1) as cells."""
    view, month = selection.filters, selection.month
    cells: list[Cell] = []
    for name in [n for n in shown if n != "curves"]:  # curves are estimates, not counts (hidden arms dropped)
        where = f"{page}/{name} {view}"
        for s, r in _pair(shown[name], raw[name]):
            before = len(cells)
            _add_row(cells, name, s, r, view, month, where)
            if s.get("perturbed") is True:
                cells[before:] = [replace(c, noisy=True) for c in cells[before:]]
    return cells


def _add_row(cells: list, name: str, s: dict, r: dict, view: Filters, month, where: str) -> None:
    """Add the counts of one row of a table (shown s, true r) as cells."""
    if name in ("hours", "results", "timepoints", "by_sex"):
        at = r.get("month", month) if name == "timepoints" else month
        extra = [] if r.get("sex_group", "total") == "total" else [("sex", r["sex_group"])]
        for arm in ARMS:
            n, mean = f"n_{arm}", f"mean_{arm}"
            _add(cells, ("followed", at), view, r["age_band"], arm, extra, s[n], r[n], where)
            if s[n] == s[n] and s[mean] == s[mean]:  # n × mean: the sum of hours
                _add(cells, ("hours", at), view, r["age_band"], arm, extra, 1.0, r[n] * r[mean], where)
            else:
                _add(cells, ("hours", at), view, r["age_band"], arm, extra, None, r[n] * r[mean], where)
    elif name == "trajectory":
        k = r["month_k"]
        _add(cells, ("followed", k), view, r["age_band"], r["arm"], [], s["n"], r["n"], where)
        total = r["n"] * r["mean"] if r["n"] else 0.0
        _add(
            cells,
            ("hours", k),
            view,
            r["age_band"],
            r["arm"],
            [],
            1.0 if s["mean"] == s["mean"] else None,
            total,
            where,
        )
    elif name == "people":
        for column, kind in (
            ("n", ("randomized",)),
            ("n_placed", ("placed_ever",)),
            ("n_died", ("died_ever",)),
        ):
            _add(cells, kind, view, r["age_band"], r["arm"], [], s[column], r[column], where)
    elif name == "outcomes":
        window = r["month"]
        for arm in ARMS:
            _add(cells, ("randomized",), view, r["age_band"], arm, [], s[f"n_{arm}"], r[f"n_{arm}"], where)
            for count in ("deaths", "deaths_before_placement", "censored", "ended_at_placement"):
                column = f"{count}_{arm}"
                if column in r:
                    _add(cells, (count, window), view, r["age_band"], arm, [], s[column], r[column], where)
    elif name == "placement":
        for arm in ARMS:
            _add(cells, ("randomized",), view, r["age_band"], arm, [], s[f"n_{arm}"], r[f"n_{arm}"], where)
            for count in ("placed", "died"):
                column = f"{count}_{arm}"
                _add(cells, (f"{count}_first", month), view, r["age_band"], arm, [], s[column], r[column], where)
    elif name == "at_risk":
        kind = ("randomized",) if r["month"] == 0 else ("at_risk", month, r["month"])
        _add(cells, kind, view, r["age_band"], r["arm"], [], s["n"], r["n"], where)
    elif name == "flow":
        _add(cells, ("randomized",), view, ALL, r["arm"], [], s["randomized"], r["randomized"], where)
        for part in ("at_home", "placed", "died", "left_followup"):
            _add(cells, (f"flow_{part}", r["month"]), view, ALL, r["arm"], [], s[part], r[part], where)
    elif name == "table1":
        _table1_cells(cells, s, r, view, where)
    elif name == "visits":
        _visit_cells(cells, s, r, view, where)
    elif name == "planning":
        _add(cells, ("randomized_both",), view, r["age_band"], "both", [], s["randomized"], r["randomized"], where)
        _add(cells, ("outcome_both", month), view, r["age_band"], "both", [], s["n_used"], r["n_used"], where)


def _visit_cells(cells: list, s: dict, r: dict, view: Filters, where: str) -> None:
    """Add the outcome-measures page's counts of one band and visit, and its sums of values and of changes."""
    visit = r["visit_month"]
    for arm in ARMS:
        band = r["age_band"]
        _add(cells, ("randomized",), view, band, arm, [], s[f"randomized_{arm}"], r[f"randomized_{arm}"], where)
        _add(cells, ("died_before", visit), view, band, arm, [], s[f"died_{arm}"], r[f"died_{arm}"], where)
        _add(cells, ("measured", visit), view, band, arm, [], s[f"n_{arm}"], r[f"n_{arm}"], where)
        _add(cells, ("measured_both", visit), view, band, arm, [], s[f"n_change_{arm}"], r[f"n_change_{arm}"], where)
        for kind, n, mean in (("values", "n", "mean"), ("changes", "n_change", "change")):
            total = r[f"{n}_{arm}"] * r[f"{mean}_{arm}"] if r[f"{n}_{arm}"] else 0.0
            shown = 1.0 if s[f"{mean}_{arm}"] == s[f"{mean}_{arm}"] else None
            _add(cells, (kind, visit), view, band, arm, [], shown, total, where)


def _table1_cells(cells: list, s: dict, r: dict, view: Filters, where: str) -> None:
    """Add Table 1's counts: n, each level, and each variable's missing count (of one row)."""
    for arm in ARMS:
        value, true = s[f"value_{arm}"], r[f"value_{arm}"]
        if r["statistic"] == "n":
            _add(cells, ("randomized",), view, ALL, arm, [], value, true, where)
        elif r["statistic"] == "n (%)":
            if r["variable"] == "age_band":
                _add(cells, ("randomized",), view, r["level"], arm, [], value, true, where)
            else:
                _add(cells, ("randomized",), view, ALL, arm, [(r["variable"], r["level"])], value, true, where)
        missing = r.get(f"missing_{arm}")
        if missing is not None and missing == missing and r["statistic"] != "median [IQR]":
            if r["variable"] == "age_band":
                _add(cells, ("randomized",), view, OUTSIDE, arm, [], s[f"missing_{arm}"], missing, where)
            elif r["variable"] == "district":
                _add(cells, ("randomized",), view, ALL, arm, [("district", "")], s[f"missing_{arm}"], missing, where)


def _band_mask(atoms: pd.DataFrame, cell: Cell) -> np.ndarray:
    """Return the atom vector of a cell (OUTSIDE is a band of its own)."""
    return _member(atoms, cell)


def check_consistent(cells: list[Cell], atoms: pd.DataFrame) -> list[str]:
    """Return cells of one kind over the same atoms whose true values differ (the mapping to kinds is wrong)."""
    seen: dict = {}
    problems = []
    for cell in cells:
        key = (cell.kind, _band_mask(atoms, cell).tobytes())
        if key in seen and abs(seen[key][0] - cell.value) > 1e-6 * max(1.0, abs(cell.value)):
            problems.append(f"{cell.kind}: {seen[key][1]} = {seen[key][0]} but {cell.where} = {cell.value}")
        seen.setdefault(key, (cell.value, cell.where))
    return problems


EVENT_KINDS = (
    "placed_ever",
    "died_ever",
    "deaths",
    "deaths_before_placement",
    "censored",
    "ended_at_placement",
    "placed_first",
    "died_first",
)


def sensitive_cells(cells: list[Cell], threshold: int) -> set[int]:
    """Return the positions of cells whose value would disclose a few people.

    A count of 1 to threshold − 1; an event count whose people without the event are that few (one
    survivor among twelve); a sum of hours over 1 to threshold − 1 people.
    """
    people = {}
    for cell in cells:
        if cell.kind[0] in ("randomized", "followed", "measured", "measured_both"):
            people[(cell.kind, cell.view, cell.band, cell.arm, cell.extra)] = cell.value
    out = set()
    for i, cell in enumerate(cells):
        small = 0 < cell.value < threshold
        if cell.kind[0] in EVENT_KINDS:
            n = people.get((("randomized",), cell.view, cell.band, cell.arm, cell.extra))
            small |= n is not None and 0 < n - cell.value < threshold
        if cell.kind[0] == "hours":
            n = people.get((("followed", cell.kind[1]), cell.view, cell.band, cell.arm, cell.extra))
            small = n is not None and 0 < n < threshold and cell.value != 0
        if cell.kind[0] in ("values", "changes"):  # a sum of one to four people's values: each one's, nearly
            counted = "measured" if cell.kind[0] == "values" else "measured_both"
            n = people.get(((counted, cell.kind[1]), cell.view, cell.band, cell.arm, cell.extra))
            small = n is not None and 0 < n < threshold and cell.value != 0
        if cell.kind[0] == "died_before":
            n = people.get((("randomized",), cell.view, cell.band, cell.arm, cell.extra))
            small |= n is not None and 0 < n - cell.value < threshold
        if small:
            out.add(i)
    return out


def derivable_hidden(cells: list[Cell], atoms: pd.DataFrame, only: set[int] | None = None) -> list[str]:
    """Return hidden non-zero cells (of ``only``, when given) that follow from shown cells of the same kind by +/−."""
    found = []
    for kind in {c.kind for c in cells}:
        of_kind = [(i, c) for i, c in enumerate(cells) if c.kind == kind]
        shown = np.array([_band_mask(atoms, c) for _, c in of_kind if c.shown and not c.noisy])
        if not len(shown):
            continue
        rank = np.linalg.matrix_rank(shown)
        for position, cell in of_kind:
            if cell.shown or abs(cell.value) < 1e-6 or (only is not None and position not in only):
                continue
            vector = _band_mask(atoms, cell)
            if np.linalg.matrix_rank(np.vstack([shown, vector])) == rank:
                found.append(f"{kind} {cell.where} band {cell.band} {cell.arm} {cell.extra} = {cell.value}")
    return found


def small_differences(cells: list[Cell], atoms: pd.DataFrame, threshold: int) -> list[str]:
    """Return pairs of shown cells of one kind whose people nest and whose counts differ by 1 to threshold − 1."""
    found = []
    for kind in {c.kind for c in cells}:
        if kind[0] in ("hours", "values", "changes"):
            continue  # a sum of values is not a count of people
        of_kind = [c for c in cells if c.kind == kind and c.shown and not c.noisy]
        if len(of_kind) < 2:
            continue
        members = np.array([_band_mask(atoms, c) for c in of_kind], dtype=np.int32)
        values = np.array([c.value for c in of_kind])
        sizes = members.sum(axis=1)
        overlap = members @ members.T
        inside = (overlap == sizes[:, None]) & (sizes[:, None] < sizes[None, :])  # row i's atoms ⊂ row j's
        gap = values[None, :] - values[:, None]
        bad = inside & (gap > 0) & (gap < threshold)
        for i, j in zip(*np.nonzero(bad), strict=True):
            found.append(
                f"{kind}: {of_kind[j].where} {of_kind[j].band} {of_kind[j].arm} = {values[j]} minus "
                f"{of_kind[i].where} {of_kind[i].band} {of_kind[i].arm} = {values[i]}"
            )
    return found


def noisy_differences(cells: list[Cell], atoms: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Return nested pairs of shown counts of one kind, at least one with noise, whose true gap is 1 to threshold − 1.

    What a differencing attacker reads: per pair the true gap and the shown difference. The attacker is right
    when the two agree, but cannot tell when; with the bound of the noise (±2 per count) the true gap is
    pinned only when the shown difference lies at an edge (e.g. −3 means 1).
    """
    rows = []
    for kind in {c.kind for c in cells}:
        if kind[0] in ("hours", "values", "changes"):
            continue
        of_kind = [c for c in cells if c.kind == kind and c.shown and c.shown_value is not None]
        if len(of_kind) < 2 or not any(c.noisy for c in of_kind):
            continue
        members = np.array([_band_mask(atoms, c) for c in of_kind], dtype=np.int32)
        values = np.array([c.value for c in of_kind])
        seen = np.array([c.shown_value for c in of_kind])
        noisy = np.array([c.noisy for c in of_kind])
        sizes = members.sum(axis=1)
        overlap = members @ members.T
        inside = (overlap == sizes[:, None]) & (sizes[:, None] < sizes[None, :])
        gap = values[None, :] - values[:, None]
        pairs = np.argwhere(inside & (gap > 0) & (gap < threshold) & (noisy[:, None] | noisy[None, :]))
        for i, j in pairs:
            noise_terms = int(noisy[i]) + int(noisy[j])
            difference = seen[j] - seen[i]
            feasible = [g for g in range(1, threshold) if abs(difference - g) <= 2 * noise_terms]
            rows.append({"kind": kind[0], "gap": gap[i, j], "shown": difference, "pinned": len(feasible) == 1})
    return pd.DataFrame(rows, columns=["kind", "gap", "shown", "pinned"])
