"""Benchmark of the Fiche territoriale: ``python -m benchmarks.fiche [--all] [--territoire 93]``.

Times, on the database in use (data/comex.duckdb or COMEX_DB), for one territory:

- building the document model (queries and figures), warm, median of 5;
- rendering the standalone HTML;
- printing the PDF, cold (launching Chromium, loading plotly.js) and warm (the same browser);
- the command-line path end to end (``python -m core.fiche --territoire … --format pdf``).

With ``--all``, it also writes the PDF (or ``--format html``) of every département through
``core.fiche.write_fiches`` — one browser for all — and reports the total and the time per fiche.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from core import fiche as fiche_doc
from core.db import Database


def seconds(fn, repeat: int = 1) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fiche")
    parser.add_argument("--territoire", default="93")
    parser.add_argument("--annee", type=int)
    parser.add_argument("--all", action="store_true", help="also every département")
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf")
    args = parser.parse_args(argv)

    db = Database()
    catalog = db.catalog()
    year = args.annee or catalog.latest_year
    code = args.territoire
    print(f"Fiche {code} {year} on {db.path} ({'demo' if catalog.is_demo else 'official'})")

    fiche_doc.build_fiche(db, code, year)  # warm the connection and DuckDB's caches
    t_build, fiche = seconds(lambda: fiche_doc.build_fiche(db, code, year), repeat=5)
    t_html, html_text = seconds(lambda: fiche_doc.render_html(fiche), repeat=5)
    print(f"  model (queries + figures), warm median: {t_build:6.2f} s")
    print(
        f"  standalone HTML render:                 {t_html:6.2f} s ({len(html_text) / 1e6:.1f} MB)"
    )

    reason = fiche_doc.pdf_unavailable_reason()
    if reason:
        print(f"  PDF skipped: {reason}")
    else:
        start = time.perf_counter()
        with fiche_doc.PdfPrinter() as printer:
            pdf = printer.pdf(fiche)
            t_cold = time.perf_counter() - start
            t_warm, _ = seconds(lambda: printer.pdf(fiche), repeat=3)
        print(
            f"  PDF, cold (launch Chromium + plotly.js): {t_cold:6.2f} s ({len(pdf) / 1e3:.0f} kB)"
        )
        print(f"  PDF, warm (same browser), median of 3:  {t_warm:6.2f} s")
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "core.fiche", "--territoire", code, "--annee", str(year),
                 "--format", "pdf", "--out", tmp, "--db", str(db.path)],
                check=True, capture_output=True,
            )  # fmt: skip
            t_cli = time.perf_counter() - start
        print(f"  CLI one PDF end to end (new process):   {t_cli:6.2f} s")

    if args.all:
        if args.format == "pdf" and reason:
            print("  --all PDF skipped (no Chromium)")
            return 0
        codes = list(catalog.departements)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            written = fiche_doc.write_fiches(db, codes, year, args.format, Path(tmp))
            elapsed = time.perf_counter() - start
            size = sum(p.stat().st_size for p in written)
        print(
            f"  --all {args.format.upper()}: {len(written)} fiches in {elapsed:.1f} s "
            f"({elapsed / len(written):.2f} s per fiche, {size / 1e6:.0f} MB in total)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
