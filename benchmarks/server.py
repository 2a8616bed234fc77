"""Benchmark of the running app: ``python -m benchmarks.server [--territoires FR,R11,93,59,13]``.

Starts the real server (``python Home.py``) on the database in use, opens every page for each
territory in headless Chromium (as a user following deep links would), then downloads the
largest table of the app (the France-wide rows of the Données page) as CSV and as XLSX the
way a user does: a click on « Préparer le fichier CSV » (the server writes the file), then on
the link « Télécharger (CSV, 12,3 Mo) » that appears (the browser downloads
``/telechargements/<token>``, streamed from disk). It prints the time of each step and the
server's resident memory (RSS) and peak (VmHWM), read from ``/proc``: the DESIGN budget is
1 GB for the app. Prepared files go to a temporary directory (``COMEX_EXPORT_DIR``), removed at
the end.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
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
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = open(ROOT / ".pytest_cache" / "benchmark-server.log", "w")  # noqa: SIM115
    exports = tempfile.TemporaryDirectory(prefix="comex-bench-exports-")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "Home.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "COMEX_EXPORT_DIR": exports.name},
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
            page.goto(f"{base}/donnees?territoire=FR&annee={args.annee}&vue=lignes")
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
                    f"{size:.1f} MiB) — {memory(server.pid)}"
                )
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        exports.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
