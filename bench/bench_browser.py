"""Benchmark of what a person waits for in the browser: first usable page, a filter change, a chart export.

Run: python bench/bench_browser.py [--repeat 3]
Starts the dashboard on the embedded demo (2,000 people) and drives Debian's Chromium with Playwright.
"First usable" is from navigation until the page's first table is drawn and Streamlit has stopped
running, in a new browser profile (nothing cached) and again in the same profile (a returning user, the
browser's cache warm); "primary answer" (first_answer_s) is the first frame drawn with the primary answer's
table, the page's first content (recorded by the page, from navigation), and "first data grid" (first_table_s)
when Playwright sees the first interactive table. A filter change
is from choosing a filter value until the primary answer's table shows the new selection's figures (the
status icon alone settled before the figures did, issue 34) and Streamlit has stopped running (the whole
page settled); "primary answer shown" is the first of the two, the moment the page's text changed.
Each measured round chooses a filter value no earlier round chose, so the change is computed cold, and is
timed from the click itself (the pointer on the open list's option; Playwright's actionability checks before
a click took about 0.2 s, which no person waits for); the warm-up round's load is the first page with the
server's caches cold. The baseline in the same run is Streamlit's own health endpoint answering (the server's
floor), and the page weight is the bytes the browser received. With ``--proxy`` the demo is measured again
behind nginx configured by docs/deployment.md's own block (plain HTTP), and the ratio to the app direct is
reported. With ``--people N`` the same is measured on a store of N people (bench_overview's national
population, followed 24 months) and the ratio to the demo is reported.
Measured (2 cores, --repeat 2 --people 250000), before issue 34's aggregates: demo cold first load 7.86 s,
filter change 1.59 s; 250,000 people 17.92 s and 3.84 s (2.3× and 2.4× the demo). After them (2026-12-06): demo
8.69 s and 1.99 s, 250,000 people 12.71 s and 2.75 s (1.5× and 1.4×); first usable 5.69 / 5.89 s; page 9.4 MB,
2.9 MB gzipped as a proxy would send it, 133 requests. 2026-12-07 (--repeat 4 --people 250000, two runs): the
primary answer shows a new filter's figures in 0.73–0.89 s on the demo and 0.87–0.97 s at 250,000 people; the
whole page settles in 1.45–1.66 s and 1.62–1.64 s. The headline tables as HTML (a faster machine, four runs): the
whole page settles in 0.41–0.63 s on the demo (0.80–0.91 s before, same machine) and 0.47–0.96 s at 250,000 people;
the first page's primary answer is on screen after 1.7–2.0 s, the whole page usable after 2.9–3.4 s. With --proxy
(the same run, behind docs/deployment.md's nginx, which keeps the static files): primary answer 1.05 s against
1.75–1.80 s direct, whole page 2.62–2.81 s against 2.87–2.93 s.
Targets (issue 34): first usable ≤ 3 s on the demo, filter change ≤ 1 s on the demo and ≤ 1.5 s nationally.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.demo import build_embedded_demo  # noqa: E402
from analysis.present.exports import find_browser  # noqa: E402

SETTLED = """() => !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-testid="stSpinner"]')
    && !/Running|Stop/.test(document.querySelector('[data-testid="stStatusWidget"]')?.innerText || '')
    && document.querySelector('[data-testid="stDataFrame"]')"""
# Each measured round changes a filter to a value no earlier round chose (the multiselect's place and the
# option), so the server has not computed that selection yet; the warm-up round loads the page only.
FILTERS = ((0, "Kvinnor"), (0, "Män"), (1, "Ny ansökan"), (1, "Utökad insats"))
# The figures: the primary answer's table (a static table, so its numbers are in the page's text); the
# selection line above it changes as soon as the script reruns, the figures only once computed.
MAIN_TEXT = "() => document.querySelector('table.ihr-table')?.innerText || ''"
COMPRESSIBLE = re.compile(r"javascript|css|json|text|svg|xml")  # what nginx's gzip_types in the docs compresses
# The first frame drawn with the primary answer's table in it, in ms from navigation (performance.now()), recorded
# by the page itself: Playwright's own polling runs on the page's main thread too, and waited behind Plotly's module
# (a 0.7 s task) for a table already on screen for a second.
PAINTED = """window.__answer = null; document.addEventListener('DOMContentLoaded', () => {
  const seen = new MutationObserver(() => { if (document.querySelector('table.ihr-table')) { seen.disconnect();
    requestAnimationFrame(() => { window.__answer = performance.now(); }); } });
  seen.observe(document.body, {childList: true, subtree: true}); });"""
CHANGED = "(before) => (document.querySelector('table.ihr-table')?.innerText || '') !== before"


def _port() -> int:
    """Return a free local port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settled_at(page) -> float:
    """Wait until Streamlit has drawn a table and stopped running; return the moment it first was so.

    The moment counts once the page is still settled 150 ms later (a rerun that starts at once would have
    shown its running icon by then); the confirmation's wait is not counted.
    """
    while True:
        page.wait_for_function(SETTLED, timeout=300_000)  # polled on every animation frame
        at = time.perf_counter()
        page.wait_for_timeout(150)
        if page.evaluate(SETTLED):
            return at


def write_proxy_config(app_port: int, proxy_port: int, folder: Path) -> Path:
    """Write docs/deployment.md's nginx configuration for a local run (plain HTTP, no TLS) and return its path.

    The documented block is used as written, so the bench measures what the deployment guide tells a
    municipality to run; only the listening address, the certificate lines, the app's port and the cache's
    folder change.
    """
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    found = re.search(r"```nginx\n(.*?)```", text, re.S)
    if found is None:
        raise SystemExit("docs/deployment.md has no nginx block to measure")
    cache = folder / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.parent, 0o711)  # a temporary folder is the owner's alone: nginx's workers must pass through
    os.chmod(folder, 0o755)
    os.chmod(cache, 0o777)  # nginx's workers run as an unprivileged user
    lines = []
    for line in found.group(1).splitlines():
        bare = line.split("#")[0].strip()
        if bare.startswith(("ssl_certificate", "server_name")):
            continue
        if bare.startswith("listen"):
            line = f"    listen 127.0.0.1:{proxy_port};"
        line = re.sub(r"proxy_cache_path \S+", f"proxy_cache_path {cache}", line)
        lines.append(line.replace("127.0.0.1:8501", f"127.0.0.1:{app_port}"))
    path = folder / "nginx.conf"
    path.write_text(
        f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 512; }\nhttp {\n    include /etc/nginx/mime.types;\n    access_log off;\n"
        + "\n".join(lines)
        + "\n}\n",
        encoding="utf-8",
    )
    return path


def _start_proxy(app_port: int, folder: Path) -> tuple[subprocess.Popen, int]:
    """Start nginx with the deployment guide's configuration in front of the app; return it and its port."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("--proxy needs nginx (apt-get install nginx-light)")
    port = _port()
    config = write_proxy_config(app_port, port, folder)
    proxy = subprocess.Popen(
        [nginx, "-c", str(config), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    if proxy.poll() is not None:
        raise SystemExit(f"nginx did not start: see {folder / 'error.log'}")
    return proxy, port


def measure(store: Path, repeat: int, proxy_folder: Path | None = None) -> dict:
    """Start the app on a store (behind nginx when given a folder), drive the browser and return the medians."""
    from playwright.sync_api import sync_playwright

    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1"],
        cwd=ROOT, env=dict(os.environ, IHR_DB_PATH=str(store)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    proxy = None
    try:  # the app server stops whatever fails below, nginx's start included
        if proxy_folder is not None:
            proxy, port = _start_proxy(port, proxy_folder)  # the browser talks to nginx
        url = f"http://127.0.0.1:{port}"
        health = []
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                start = time.perf_counter()
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    health.append(time.perf_counter() - start)
                if len(health) >= 5:
                    break
            except OSError:
                time.sleep(0.3)
        first, warm, content, table, change, answer, export, weight = [], [], [], [], [], [], [], []
        weight_gzip, requests = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_browser() or "/usr/bin/chromium", args=["--no-sandbox"])
            for i in range(repeat + 1):  # the first round warms the server's caches
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(PAINTED)
                page = context.new_page()
                received = []
                page.on("response", lambda r, received=received: received.append(r))
                start = time.perf_counter()
                page.goto(url + "/")
                page.wait_for_function("() => window.__answer !== null", timeout=120_000)
                shown = page.evaluate("window.__answer") / 1000  # the primary answer on screen: the first content
                page.locator("[data-testid='stDataFrame']:visible").first.wait_for(timeout=120_000)
                tabled = time.perf_counter() - start
                loaded = _settled_at(page) - start
                sizes, packed = [], []
                for response in received:
                    try:
                        body = response.body()
                    except Exception:
                        continue
                    sizes.append(len(body))
                    kind = response.headers.get("content-type", "")
                    # What a reverse proxy with gzip (level 6, docs/deployment.md) sends for text; images as they are.
                    packed.append(len(gzip.compress(body, 6)) if COMPRESSIBLE.search(kind) else len(body))
                if not i:  # the warm-up round: the server's first page, computed cold
                    cold = loaded
                    context.close()
                    continue
                which, label = FILTERS[(i - 1) % len(FILTERS)]  # a selection no earlier round computed: a cold change
                sidebar = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").nth(which)
                option = page.get_by_role("option", name=label)
                for _ in range(10):  # the list opens once the widget takes input, a moment after the script stops
                    page.wait_for_timeout(500)
                    sidebar.click()
                    if option.count():
                        break
                    page.keyboard.press("Escape")
                before = page.evaluate(MAIN_TEXT)
                box = option.bounding_box()  # the open list's option, where a person's pointer already is
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                start = time.perf_counter()  # the click itself: Playwright's own checks before it are not waited for
                page.mouse.down()
                page.mouse.up()
                page.keyboard.press("Escape")
                page.wait_for_function(
                    CHANGED, arg=before, timeout=300_000, polling=20
                )  # the new figures, not the icon
                answered = time.perf_counter() - start  # the primary answer shows the new selection's figures
                changed = _settled_at(page) - start  # and the whole page has settled
                button = page.get_by_role("button", name="PNG").first
                start = time.perf_counter()
                with page.expect_download(timeout=120_000):
                    button.click()
                exported = time.perf_counter() - start
                page.close()
                again = context.new_page()  # the same browser profile: its cache holds the JavaScript
                start = time.perf_counter()
                again.goto(url + "/")
                returned = _settled_at(again) - start
                context.close()
                if i:
                    first.append(loaded)
                    warm.append(returned)
                    content.append(shown)
                    table.append(tabled)
                    change.append(changed)
                    answer.append(answered)
                    export.append(exported)
                    weight.append(sum(sizes) / 1e6)
                    weight_gzip.append(sum(packed) / 1e6)
                    requests.append(len(sizes))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=20)
    return {
        "health_ms": 1000 * statistics.median(health),
        "first_load_cold_s": cold,
        "first_usable_s": statistics.median(first),
        "first_usable_cached_s": statistics.median(warm),
        "first_answer_s": statistics.median(content),
        "first_table_s": statistics.median(table),
        "filter_change_s": statistics.median(change),
        "filter_answer_s": statistics.median(answer),
        "png_export_s": statistics.median(export),
        "page_mb": statistics.median(weight),
        "page_mb_gzip": statistics.median(weight_gzip),
        "requests": statistics.median(requests),
    }


def main() -> None:
    """Measure the demo (and a store of --people), print each and the ratio, then JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--people", type=int, default=0, help="also a store of this many people (e.g. 250000)")
    parser.add_argument("--proxy", action="store_true", help="also the demo behind docs/deployment.md's nginx")
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo.duckdb"
        build_embedded_demo(demo)
        report["demo"] = measure(demo, args.repeat)
        if args.proxy:
            report["proxy"] = measure(demo, args.repeat, Path(folder) / "nginx")
        if args.people:
            from bench_overview import national_spec

            from analysis.demo import build_demo_store

            large = Path(folder) / "large.duckdb"
            build_demo_store(large, national_spec(args.people, 24))
            report["large"] = measure(large, args.repeat)
    for name, r in report.items():
        print(
            f"{name}: first load with the server's caches cold {r['first_load_cold_s']:.2f} s; "
            f"first usable {r['first_usable_s']:.2f} s (browser cache warm {r['first_usable_cached_s']:.2f} s;"
            f" primary answer {r['first_answer_s']:.2f} s, first data grid {r['first_table_s']:.2f} s), "
            f"filter change {r['filter_change_s']:.2f} s (primary answer "
            f"shown {r['filter_answer_s']:.2f} s), PNG export "
            f"{r['png_export_s']:.2f} s, page {r['page_mb']:.1f} MB ({r['page_mb_gzip']:.1f} MB gzipped, "
            f"{r['requests']:.0f} requests); server health {r['health_ms']:.1f} ms"
        )
    if "large" in report:
        keys = ("first_load_cold_s", "first_usable_s", "filter_change_s", "filter_answer_s")
        ratios = {k: report["large"][k] / report["demo"][k] for k in keys}
        print("large / demo: " + ", ".join(f"{k} {v:.1f}×" for k, v in ratios.items()))
        report["ratio"] = ratios
    if "proxy" in report:
        keys = ("first_answer_s", "first_usable_s", "first_usable_cached_s", "filter_change_s")
        behind = {k: report["proxy"][k] / report["demo"][k] for k in keys}
        print("behind nginx / direct: " + ", ".join(f"{k} {v:.2f}×" for k, v in behind.items()))
        report["proxy_ratio"] = behind
    print(json.dumps(report))


if __name__ == "__main__":
    main()
