"""Benchmark of the running app: ``python -m benchmarks.server [--territoires FR,R11,93,59,13]
[--switches-only]``.

Starts the real server (``python Home.py``) on the database in use, opens every page for each
territory in headless Chromium (as a user following deep links would), then downloads the
largest table of the app (the France-wide rows of the Données page) as CSV and as XLSX the
way a user does: a click on « Préparer le fichier CSV » (the server writes the file), then on
the link « Télécharger (CSV, 12,3 Mo) » that appears (the browser downloads
``/telechargements/<token>``, streamed from disk). It prints the time of each step and the
server's resident memory (RSS) and peak (VmHWM), read from ``/proc``: the DESIGN budget is
1 GB for the app. Prepared files go to a temporary directory (``COMEX_EXPORT_DIR``), removed at
the end.

Then page switches, on a freshly started server (so that its caches are cold again; its start
is printed as « Server started for the page switches »; ``--switches-only`` skips everything
above and measures only these): for each territory, the overview is opened by deep link
(``/?territoire=93&annee=2024``), then every page of the sidebar navigation is reached the way
a user does, by a click on its link in ``stSidebarNav``, in menu order and back to the overview,
twice. Two lines per territory (wrapped here)::

    93   12 page switches (sidebar clicks, first): median 0.62 s, p95 1.10 s, slowest 1.25 s
         (Carte); settled (charts and tables drawn): median 0.95 s, slowest 1.70 s (Évolution)
         — RSS …
    93   12 page switches (sidebar clicks, warm): median 0.31 s, p95 0.45 s, slowest 0.52 s
         (Carte); over the 0.5 s budget: Carte 0.52 s; settled (charts and tables drawn):
         median 0.70 s, slowest 1.40 s (Évolution) — RSS …

``first`` is the first round: each page's first run for that territory on this server, except
the overview's (its deep link ran it just before); what other territories left in the caches
(catalogue, labels, map geometry) is warm, as in a server that has been up for a while.
``warm`` is the second round, the same clicks again. The DESIGN budget is 500 ms for a warm
switch. A switch is timed in the browser's clock from the click event to the first animation
frame after the new page's run has ended: the script state of ``stApp`` leaving ``running``
(what ``wait_for_app`` waits for), checked on the page's URL path. A run too quick for the
browser to draw its running state at all (its messages handled at once) is timed to the first
frame after its URL change; a switch whose URL change is not seen is an error, so a measure can
not stop before the new page has run. p95 is interpolated between the two slowest of the 12
switches (``statistics.quantiles``, inclusive; nearest rank would be the slowest). « Settled »
is the first frame after the last change of the main area's DOM, once it has been still for
0.5 s: Plotly charts and data grids keep drawing themselves after the run has ended. A switch
that loses or changes a shared filter in the URL (``territoire``, ``annee``, ``flux``,
``niveau``, ``top``), shows a dialog or times out prints an ``ERROR`` line (with a screenshot
in ``.pytest_cache/benchmark-switch-error.png``; the round goes on from the overview's deep
link) and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError

from tests.browser import browser_page, free_port, open_view, url_params, wait_for_app

ROOT = Path(__file__).resolve().parent.parent
PATHS = [
    "", "partenaires", "produits", "flux", "fiche", "evolution", "classements",
    "specialisation", "comparer", "carte", "donnees", "donnees?vue=pays",
]  # fmt: skip
SWITCH_BUDGET = 0.5  # seconds, a warm page switch in a real browser (DESIGN.md)
# Notes, in the page's clock, the last click, then every change of the script state of stApp
# (with the URL path then) and of the URL (pushState, replaceState) that follows it, each with
# its time and the first animation frame after it; and the last change of the main area's DOM
# (elements, text: charts and tables drawing themselves) with the first frame after it.
WATCH_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    const record = window.__benchSwitch = {
        click: null, states: [], urls: [], changed: null, settled: null,
    };
    const frameAfter = (entry) => requestAnimationFrame(() => {
        entry.drawn = performance.now();
    });
    document.addEventListener('click', () => {
        record.click = record.changed = performance.now();
        record.states = [];
        record.urls = [];
        record.settled = null;
    }, true);
    for (const name of ['pushState', 'replaceState']) {
        const original = history[name].bind(history);
        history[name] = (...args) => {
            original(...args);
            const entry = {path: location.pathname, at: performance.now(), drawn: null};
            record.urls.push(entry);
            frameAfter(entry);
        };
    }
    new MutationObserver(() => {
        const entry = {
            state: app.getAttribute('data-test-script-state'),
            path: location.pathname,
            at: performance.now(),
            drawn: null,
        };
        record.states.push(entry);
        frameAfter(entry);
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    new MutationObserver(() => {
        const at = record.changed = performance.now();
        requestAnimationFrame(() => {
            if (record.changed === at) record.settled = performance.now();
        });
    }).observe(main, {subtree: true, childList: true, characterData: true});
}"""
# Settled: the main area's DOM unchanged for this long once the run has ended.
QUIET = """(ms) => {
    const record = window.__benchSwitch;
    return record.settled !== null && performance.now() - record.changed >= ms;
}"""
QUIET_MS = 500
RUNNING = ("initial", "running", "rerunRequested")


class SwitchError(Exception):
    """A page switch that did not end on the page asked for, with the filters kept."""


def memory(pid: int) -> str:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    rss, peak = (int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    return f"RSS {rss} MB, peak {peak} MB"


@contextlib.contextmanager
def serve(log: IO[str], exports: str) -> Iterator[tuple[str, int]]:
    """A started server: its base URL and its process id."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "Home.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "COMEX_EXPORT_DIR": exports},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=20)


def first_visits_and_downloads(base: str, pid: int, territories: list[str], year: str) -> None:
    with browser_page((1400, 1000)) as page:
        for territory in territories:
            times = []
            for path in PATHS:
                sep = "&" if "?" in path else "?"
                start = time.perf_counter()
                page.goto(f"{base}/{path}{sep}territoire={territory}&annee={year}")
                wait_for_app(page)
                times.append(time.perf_counter() - start)
            print(
                f"{territory:<4} {len(PATHS)} pages opened by deep link: median "
                f"{statistics.median(times):.1f} s, slowest {max(times):.1f} s "
                f"(page load in the browser, first visit) — {memory(pid)}"
            )
        page.goto(f"{base}/donnees?territoire=FR&annee={year}&vue=lignes")
        wait_for_app(page)
        for label in ("CSV", "Excel"):
            start = time.perf_counter()
            page.get_by_role("button", name=f"Préparer le fichier {label}").click()
            link = page.get_by_role("link", name=re.compile(rf"Télécharger \({label}, "))
            link.wait_for(timeout=600_000)
            prepared = time.perf_counter() - start
            shown = " ".join(link.inner_text().split()[-3:])  # « (CSV, 12,3 Mo) »
            start = time.perf_counter()
            with page.expect_download(timeout=600_000) as info:
                link.click()
            path = info.value.path()  # waits for the last byte
            fetched = time.perf_counter() - start
            size = os.path.getsize(path) / 2**20
            for other in page.context.pages[1:]:  # the link's own (blank) tab, if any
                other.close()
            print(
                f"France-wide rows as {label}: prepared in {prepared:.1f} s (click « Préparer "
                f"le fichier {label} » → link shown {shown}), downloaded in {fetched:.1f} s "
                f"(click on the link → file saved: {info.value.suggested_filename}, "
                f"{size:.1f} MiB) — {memory(pid)}"
            )


def open_overview(page, base: str, territory: str, year: str) -> dict[str, str]:
    """The overview by deep link, watched for switches; the shared filters of its URL."""
    open_view(page, base, f"?territoire={territory}&annee={year}")
    page.evaluate(WATCH_RUNS)
    return url_params(page)


def switch(page, label: str, path: str, filters: dict[str, str]) -> tuple[float, float]:
    """Click the navigation link ``label``; the seconds from the click to the new page's run
    ended (and the next frame), and to its main area settled (charts and tables drawn)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
    # The URL path changes when the new page's run calls st.navigation: that run has started.
    page.wait_for_url(lambda url: urlparse(url).path == path, timeout=90_000)
    wait_for_app(page)
    if page.get_by_role("dialog").count():
        raise SwitchError("a dialog is shown")
    params = url_params(page)
    if lost := [f"{k}={params.get(k)} for {v}" for k, v in filters.items() if params.get(k) != v]:
        raise SwitchError(f"filters lost or changed in the URL {page.url}: {', '.join(lost)}")
    page.wait_for_function(QUIET, arg=QUIET_MS, timeout=30_000)
    record = page.evaluate("() => window.__benchSwitch")
    arrived = [u for u in record["urls"] if u["path"] == path]
    if not arrived or arrived[-1]["drawn"] is None:
        raise SwitchError(f"the URL change to {path} was not seen: {record['urls']}")
    states = record["states"]
    if any(s["state"] in RUNNING for s in states):
        end = states[-1]
        if end["state"] in RUNNING or end["path"] != path or end["drawn"] is None:
            raise SwitchError(f"the run did not end on {path}: {states}")
        ran = end["drawn"]
    else:
        # A run too quick for the browser to draw its running state in between (all its
        # messages handled at once): the new page was drawn with its URL.
        ran = arrived[-1]["drawn"]
    return (ran - record["click"]) / 1000, (max(ran, record["settled"]) - record["click"]) / 1000


def summary(times: list[tuple[float, float, str]], round_name: str) -> str:
    """« 12 page switches (sidebar clicks, warm): median 0.31 s, … » for (ran, settled, page)."""
    ran = sorted(t for t, _, _ in times)
    # Inclusive: between the two slowest of 12 switches (nearest rank would be the slowest).
    p95 = statistics.quantiles(ran, n=20, method="inclusive")[-1] if len(ran) > 1 else ran[0]
    slowest, _, slowest_page = max(times)
    text = (
        f"{len(times)} page switches (sidebar clicks, {round_name}): median "
        f"{statistics.median(ran):.2f} s, p95 {p95:.2f} s, slowest {slowest:.2f} s "
        f"({slowest_page})"
    )
    if round_name == "warm":
        over = ", ".join(f"{n} {t:.2f} s" for t, _, n in times if t > SWITCH_BUDGET)
        text += f"; over the {SWITCH_BUDGET} s budget: {over or 'none'}"
    settled, _, settled_page = max((s, t, n) for t, s, n in times)
    return (
        f"{text}; settled (charts and tables drawn): median "
        f"{statistics.median(s for _, s, _ in times):.2f} s, slowest {settled:.2f} s "
        f"({settled_page})"
    )


def page_switches(base: str, pid: int, territories: list[str], year: str) -> int:
    """Two rounds of sidebar clicks per territory; the number of failed switches."""
    errors = 0
    with browser_page((1400, 1000)) as page:
        for territory in territories:
            filters = open_overview(page, base, territory, year)
            links = page.get_by_test_id("stSidebarNav").get_by_role("link")
            pages = [
                (
                    link.inner_text().split("\n")[-1].strip(),
                    urlparse(link.get_attribute("href")).path,
                )
                for link in links.all()
            ]  # [("Vue d'ensemble", "/"), ("Partenaires", "/partenaires"), …]
            here = [p for _, p in pages].index(urlparse(page.url).path)
            tour = pages[here + 1 :] + pages[: here + 1]  # back to the overview at the end
            for round_name in ("first", "warm"):
                times = []
                for label, path in tour:
                    try:
                        times.append((*switch(page, label, path, filters), label))
                    except (SwitchError, PlaywrightError, AssertionError) as error:
                        errors += 1
                        reason = str(error).strip().splitlines()[0] if str(error) else repr(error)
                        print(
                            f"{territory:<4} ERROR page switch to {label} ({round_name}): {reason}"
                        )
                        page.screenshot(
                            path=str(ROOT / ".pytest_cache" / "benchmark-switch-error.png")
                        )
                        open_overview(page, base, territory, year)
                if times:
                    print(f"{territory:<4} {summary(times, round_name)} — {memory(pid)}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server")
    parser.add_argument("--territoires", default="FR,R11,93,59,13")
    parser.add_argument("--annee", default="2024")
    parser.add_argument(
        "--switches-only",
        action="store_true",
        help="only the page switches (no first visits by deep link, no downloads)",
    )
    args = parser.parse_args(argv)
    territories = args.territoires.split(",")

    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = open(ROOT / ".pytest_cache" / "benchmark-server.log", "w")  # noqa: SIM115
    exports = tempfile.TemporaryDirectory(prefix="comex-bench-exports-")
    try:
        if not args.switches_only:
            with serve(log, exports.name) as (base, pid):
                print(f"Server started: {memory(pid)}")
                first_visits_and_downloads(base, pid, territories, args.annee)
        with serve(log, exports.name) as (base, pid):
            print(f"Server started for the page switches: {memory(pid)}")
            errors = page_switches(base, pid, territories, args.annee)
    finally:
        log.close()
        exports.cleanup()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
