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


def _bench_browser():
    """Import bench/bench_browser.py (the bench folder is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_browser", ROOT / "bench" / "bench_browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_deployment_guides_proxy_keeps_static_files_and_the_websocket(tmp_path):
    # Issue 34: Streamlit's Python process served ~70 JavaScript chunks while running the page script (0.5 s each);
    # the guide's nginx keeps them, and the bench measures exactly that block.
    config = _bench_browser().write_proxy_config(8611, 8630, tmp_path / "nginx").read_text(encoding="utf-8")
    static = config[config.index("location /static/") :]
    assert "proxy_cache ihr_static;" in static and "proxy_cache_path " + str(tmp_path / "nginx" / "cache") in config
    assert 'proxy_set_header Connection "upgrade";' in config and "proxy_pass http://127.0.0.1:8611;" in config
    assert "listen 127.0.0.1:8630;" in config and "ssl_certificate" not in config and "8501" not in config


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists() and not os.environ.get("CI"),
    reason="nginx is installed by .ci/run; CI requires it",
)
def test_the_deployment_guides_nginx_configuration_is_valid(tmp_path):
    config = _bench_browser().write_proxy_config(8611, 8630, tmp_path / "nginx")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    command = [nginx, "-t", "-c", str(config), "-p", str(tmp_path / "nginx")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
