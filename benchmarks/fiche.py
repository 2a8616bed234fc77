"""Benchmark of the Fiche territoriale: ``python -m benchmarks.fiche [--all] [--territoire 93]
[--annee 2024|12m] [--niveau A129]``.

Times, on the database in use (data/comex.duckdb or COMEX_DB), for one territory:

- building the document model (queries and figures): cold (first call, a fresh process's
  queries) and warm, median of 5;
- rendering the standalone HTML (Jinja2 templates, plotly.js inlined);
- printing the PDF, cold (launching Chromium, loading plotly.js) and warm (the same browser);
- the command-line path end to end (``python -m core.fiche --territoire … --format pdf``).

With ``--all``, it also writes the PDF (or ``--format html``) of every département through
``core.fiche.write_fiches`` — one browser for all — and reports the total, the time per fiche,
and the page counts (a département's fiche is 9 A4 pages; any other count means a section
overflowed its page).
"""

from __future__ import annotations

import argparse
import collections
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from core import fiche as fiche_doc
from core.db import Database
from core.fiche.build import DEFAULT_LEVEL
from core.filters import LEVELS


def seconds(fn, repeat: int = 1) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def page_count(data: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fiche")
    parser.add_argument("--territoire", default="93")
    parser.add_argument("--annee", help="2024, 2025 (partielle) ou 12m; default: latest whole year")
    parser.add_argument("--niveau", choices=LEVELS, default=DEFAULT_LEVEL)
    parser.add_argument("--all", action="store_true", help="also every département")
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf")
    args = parser.parse_args(argv)

    db = Database()
    catalog = db.catalog()
    period = catalog.period(args.annee) if args.annee else catalog.default_period
    if period is None:
        parser.error(f"unknown period {args.annee}")
    code, level = args.territoire, args.niveau
    kind = "demo" if catalog.is_demo else "official"
    print(f"Fiche {code} {period.label} {level} on {db.path} ({kind})")

    t_cold, _ = seconds(lambda: fiche_doc.build_fiche(db, code, period, level=level))
    t_build, fiche = seconds(lambda: fiche_doc.build_fiche(db, code, period, level=level), 5)
    t_html, html_text = seconds(lambda: fiche_doc.render_html(fiche), repeat=5)
    print(f"  model (queries + figures), first call:  {t_cold:6.2f} s")
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
            t_cold_pdf = time.perf_counter() - start
            t_warm, _ = seconds(lambda: printer.pdf(fiche), repeat=3)
        print(
            f"  PDF, cold (launch Chromium + plotly.js): {t_cold_pdf:6.2f} s "
            f"({len(pdf) / 1e3:.0f} kB, {page_count(pdf)} pages)"
        )
        print(f"  PDF, warm (same browser), median of 3:  {t_warm:6.2f} s")
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "core.fiche", "--territoire", code, "--annee",
                 period.token, "--niveau", level, "--format", "pdf", "--out", tmp,
                 "--db", str(db.path)],
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
            written = fiche_doc.write_fiches(db, codes, period, args.format, Path(tmp), level=level)
            elapsed = time.perf_counter() - start
            size = sum(p.stat().st_size for p in written)
            pages = (
                collections.Counter(page_count(p.read_bytes()) for p in written)
                if args.format == "pdf"
                else None
            )
        print(
            f"  --all {args.format.upper()}: {len(written)} fiches in {elapsed:.1f} s "
            f"({elapsed / len(written):.2f} s per fiche, {size / 1e6:.0f} MB in total)"
        )
        if pages is not None:
            print(f"  pages per fiche: {dict(sorted(pages.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
