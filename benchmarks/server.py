"""Benchmark of the running app: ``python -m benchmarks.server [--territoires FR,R11,93,59,13]``.

Starts the real server (``python Home.py``) on the database in use, opens every page for each
territory in headless Chromium (as a user following deep links would), then downloads the
largest table of the app (the France-wide rows of the Données page) as CSV and as XLSX. It
prints the time of each step and the server's resident memory (RSS) and peak (VmHWM), read
from ``/proc``: the DESIGN budget is 1 GB for the app.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.browser import browser_page, free_port, wait_for_app

ROOT = Path(__file__).resolve().parent.parent
PATHS = [
    "", "partenaires", "produits", "flux", "fiche", "evolution", "classements",
    "specialisation", "comparer", "carte", "donnees", "donnees?vue=pays",
]  # fmt: skip


def memory(pid: int) -> str:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    rss, peak = (int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    return f"RSS {rss} MB, peak {peak} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server")
    parser.add_argument("--territoires", default="FR,R11,93,59,13")
    parser.add_argument("--annee", default="2024")
    args = parser.parse_args(argv)

    port = free_port()
    log = open(ROOT / ".pytest_cache" / "benchmark-server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "Home.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        print(f"Server started: {memory(server.pid)}")
        with browser_page((1400, 1000)) as page:
            for territory in args.territoires.split(","):
                times = []
                for path in PATHS:
                    sep = "&" if "?" in path else "?"
                    start = time.perf_counter()
                    page.goto(f"{base}/{path}{sep}territoire={territory}&annee={args.annee}")
                    wait_for_app(page)
                    times.append(time.perf_counter() - start)
                print(
                    f"{territory:<4} {len(PATHS)} pages opened by deep link: median "
                    f"{statistics.median(times):.1f} s, slowest {max(times):.1f} s "
                    f"(page load in the browser, first visit) — {memory(server.pid)}"
                )
            for label in ("CSV", "Excel"):
                page.goto(f"{base}/donnees?territoire=FR&annee={args.annee}")
                wait_for_app(page)
                start = time.perf_counter()
                with page.expect_download(timeout=600_000) as info:
                    page.get_by_role("button", name=f"Télécharger ({label})").first.click()
                size = os.path.getsize(info.value.path()) / 2**20
                print(
                    f"France-wide rows as {label}: {time.perf_counter() - start:.1f} s, "
                    f"{size:.0f} MB — {memory(server.pid)}"
                )
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
