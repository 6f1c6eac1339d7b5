"""The house rules: stages import only downwards, one module opens DuckDB, analysis/ never imports Streamlit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import analysis

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analysis"
VIEWS = ROOT / "views"


def imported_modules(source: str) -> set[str]:
    """Return every module a source file imports, at any depth (functions and TYPE_CHECKING blocks included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("analysis.<relative>")  # relative imports hide the stage: not used in this package
        elif isinstance(node, ast.ImportFrom) and node.module == "analysis":
            names.update(f"analysis.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def stage_of(path: Path, root: Path = PACKAGE) -> str:
    """Return the stage of a file under analysis/: a sub-package name, 'base' or 'top'."""
    parts = path.relative_to(root).parts
    if len(parts) > 1:
        return "top" if parts[0] in analysis.TOP else parts[0]  # analysis/cli/ is a package on top
    return "top" if path.stem in analysis.TOP else "base"


def target_stage(module: str) -> str | None:
    """Return the stage an imported ``analysis.*`` module belongs to (None for other packages)."""
    parts = module.split(".")
    if parts[0] != "analysis" or len(parts) == 1:
        return None
    if parts[1] in analysis.STAGES:
        return parts[1]
    if parts[1] in analysis.BASE:
        return "base"
    if parts[1] in analysis.TOP:
        return "top"
    return "unknown"


def find_violations(root: Path = PACKAGE) -> list[str]:
    """Return one line per import that breaks the stage order, the DuckDB rule or the Streamlit rule."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        stage = stage_of(path, root)
        allowed = {"base", stage, *analysis.MAY_IMPORT.get(stage, ())}
        for module in sorted(imported_modules(path.read_text(encoding="utf-8"))):
            where = path.relative_to(root).as_posix()
            top = module.split(".")[0]
            if top == "streamlit":
                problems.append(f"{where} imports streamlit")
            if top == "duckdb" and where != "store/db.py":
                problems.append(f"{where} imports duckdb (only store/db.py may)")
            target = target_stage(module)
            if target is None or stage == "top":
                continue
            if target not in allowed:
                problems.append(f"{where} ({stage}) imports {module} ({target})")
    return problems


def test_the_analysis_package_keeps_its_layers():
    assert find_violations() == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "line", "expected"),
    [
        ("store/planted.py", "from analysis.outcomes.compare import compare_hours", "(store) imports"),
        ("stats/planted.py", "from analysis.store import db", "(stats) imports"),
        ("outcomes/planted.py", "from analysis.present.texts import t", "(outcomes) imports"),
        ("economics/planted.py", "def f():\n    from analysis.present import report", "(economics) imports"),
        ("selection_extra.py", "from analysis.store import cells", "(base) imports"),
        ("outcomes/planted.py", "import duckdb", "imports duckdb"),
        ("present/planted.py", "import streamlit as st", "imports streamlit"),
        ("cli_helpers.py", "from analysis.cli import main", "(base) imports analysis.cli (top)"),
    ],
)
def test_a_planted_upward_import_is_found(tmp_path, where, line, expected):
    copy = tmp_path / "analysis"
    for path in PACKAGE.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert find_violations(copy) == []
    planted = copy / where
    planted.write_text(f'"""Planted."""\n\n{line}\n', encoding="utf-8")
    found = find_violations(copy)
    assert len(found) == 1 and expected in found[0], found


def test_each_stage_says_what_it_may_import():
    for stage in analysis.STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        match = re.search(r"May import: (.*)", doc or "")
        assert match, f"analysis/{stage}/__init__.py has no 'May import:' line"
        stated = {name.strip().rstrip(".") for name in match.group(1).split(",")} - {"the base modules"}
        assert stated == {f"analysis.{s}" for s in analysis.MAY_IMPORT[stage]}, stage


def test_stages_only_look_down():
    order = {stage: i for i, stage in enumerate(analysis.STAGES)}
    assert set(analysis.MAY_IMPORT) == set(analysis.STAGES)
    for stage, lower in analysis.MAY_IMPORT.items():
        assert all(order[s] < order[stage] for s in lower), stage


def test_every_module_belongs_to_a_known_stage():
    for path in PACKAGE.rglob("*.py"):
        stage = stage_of(path)
        assert stage in {"base", "top", *analysis.STAGES}, path
        in_package = len(path.relative_to(PACKAGE).parts) > 1  # e.g. analysis/cli/parser.py, on top
        if stage in ("base", "top") and not in_package:
            assert path.stem in (*analysis.BASE, *analysis.TOP, "__init__"), f"{path.name} is in no stage"


def test_views_reach_duckdb_only_through_analysis():
    for path in VIEWS.rglob("*.py"):
        assert "duckdb" not in {m.split(".")[0] for m in imported_modules(path.read_text(encoding="utf-8"))}, path


def test_no_analysis_function_takes_filters_and_bands_apart():
    """A selection travels as one Selection value, not as (study, month, filters, bands)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
                if {"filters", "bands"} <= names:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert offenders == []


def test_views_have_one_cached_call():
    """Pages ask the analysis library through views.calls.cached; no page wraps a function in its own cache."""
    decorated = []
    for path in VIEWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    text = ast.unparse(decorator)
                    if "cache_data" in text:
                        decorated.append(f"{path.name}:{node.name}")
    assert sorted(decorated) == ["calls.py:_cached", "calls.py:_cached_heavy", "data.py:_preview"]


# The disclosure layer (issue 27): pages render only what its show_* functions return.
LAYER = {"analysis.present.disclosure", "analysis.present.disclosure_measures", "analysis.present.viewer"}
FROM_LAYER = {"SUPPRESSED", "no_risks", "coarsen_curve"}  # besides show_*: the '..' mark, "no filters", month ends
FIGURES = re.compile(r"^(compare|analyze|summarize|trace|run|estimate|fit|count|describe_baseline)_?")
ANALYST_PAGES = {"data.py", "calls.py"}  # the Data page is an analyst's (exact values); calls.py caches the layer


def page_imports(path: Path) -> dict[str, set[str]]:
    """Return module -> the names a page module imports from it."""
    out: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return out


def find_layer_bypasses(views: Path = VIEWS) -> list[str]:
    """Return page modules that take rules from below the layer, or compute figures and show none through it."""
    problems = []
    for path in sorted(views.glob("*.py")):
        imports = page_imports(path)
        from_layer = set().union(*(names for module, names in imports.items() if module in LAYER))
        for name in sorted(from_layer - FROM_LAYER):
            if not name.startswith("show_"):
                problems.append(f"{path.name}: imports the rule {name} (pages call show_* only)")
        for module in ("analysis.present.linked", "analysis.present.perturb"):
            if module in imports and path.name != "calls.py":  # calls.py caches the layer's lookups
                problems.append(f"{path.name}: imports {module} (below the layer)")
        computed = {
            name
            for module, names in imports.items()
            if module.startswith(("analysis.outcomes", "analysis.economics.qaly"))
            for name in names
            if FIGURES.match(name)
        }
        if computed and not any(name.startswith("show_") for name in from_layer) and path.name not in ANALYST_PAGES:
            problems.append(f"{path.name}: computes {sorted(computed)} but shows nothing through the layer")
    return problems


def test_pages_take_every_figure_from_the_disclosure_layer():
    assert find_layer_bypasses() == []


def test_the_layer_check_finds_a_page_that_hides_by_itself(tmp_path):
    (tmp_path / "page.py").write_text(
        "from analysis.present.disclosure import hide_band_rows\nfrom analysis.outcomes.compare import compare_hours\n",
        encoding="utf-8",
    )
    (tmp_path / "other.py").write_text("from analysis.outcomes.measures import compare_measures\n", encoding="utf-8")
    found = find_layer_bypasses(tmp_path)
    assert any("hide_band_rows" in line for line in found)
    assert any("other.py: computes" in line for line in found)


INPUTS = {"radio", "selectbox", "multiselect", "slider", "select_slider", "number_input", "text_input", "text_area"}
INPUTS |= {"checkbox", "toggle", "file_uploader", "date_input"}


def find_controls_without_help(source: str) -> list[tuple[int, str]]:
    """Return (line, widget) of every Streamlit input in a page's source that has no help= tooltip."""
    out = []
    for node in ast.walk(ast.parse(source)):
        widget = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in INPUTS
        if widget and not any(k.arg == "help" or k.arg is None for k in node.keywords):  # None: **options
            out.append((node.lineno, node.func.attr))
    return out


def test_every_control_on_every_page_has_help():
    # Issue 30 item 5: a one-line tooltip on every control (import form, planning form, language switch included).
    missing = {
        path.name: found
        for path in sorted((ROOT / "views").glob("*.py"))
        if (found := find_controls_without_help(path.read_text(encoding="utf-8")))
    }
    assert missing == {}


def test_the_help_check_finds_a_control_without_help():
    assert find_controls_without_help('import streamlit as st\nst.radio("x", (1, 2))\n') == [(2, "radio")]
    assert find_controls_without_help('st.radio("x", (1, 2), help="y")\n') == []
