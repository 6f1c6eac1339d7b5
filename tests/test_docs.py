"""The documentation: a short README and a site that builds without warnings (broken links fail)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def test_every_documentation_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert pages and all(f": {page}" in nav for page in pages), pages


@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not os.environ.get("CI"), reason="mkdocs is in the test extra; CI requires it"
)
def test_the_documentation_site_builds_with_no_warning(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reference = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "usage: python -m analysis import" in reference  # generated from the parsers
    assert "WARNING" not in done.stderr, done.stderr[-3000:]
