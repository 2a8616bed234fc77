"""Command line: ``python -m core.fiche``.

::

    python -m core.fiche --territoire 93 --annee 2024 --format pdf --out fiches
    python -m core.fiche --territoire R32 --annee 12m --niveau A38 --format html
    python -m core.fiche --all --format pdf --out fiches   # every département, progress bar
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from core.db import Database
from core.fiche.build import DEFAULT_LEVEL, build_fiche
from core.fiche.pdf import PdfPrinter, PdfUnavailable
from core.fiche.render import render_html
from core.filters import LEVELS, normalise_territory
from core.formatting import format_number
from core.periods import Period


def write_fiches(
    db: Database,
    territories: Iterable[str],
    period: Period,
    fmt: Literal["pdf", "html"],
    out: Path,
    progress: bool = True,
    level: str = DEFAULT_LEVEL,
) -> list[Path]:
    """Write one file per territory into ``out``; one browser serves all the PDFs."""
    codes = list(territories)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    catalog = db.catalog()
    memo: dict = {}
    with PdfPrinter() if fmt == "pdf" else contextlib.nullcontext() as printer:
        for i, code in enumerate(codes, start=1):
            if progress:
                _progress(i - 1, len(codes), catalog.territory_label(code))
            fiche = build_fiche(db, code, period, memo, level=level)
            path = out / f"{fiche.file_stem}.{fmt}"
            if fmt == "pdf":
                path.write_bytes(printer.pdf(fiche))
            else:
                path.write_text(render_html(fiche), encoding="utf-8")
            written.append(path)
        if progress:
            _progress(len(codes), len(codes), "terminé")
            sys.stderr.write("\n")
    return written


def _progress(done: int, total: int, label: str, width: int = 30) -> None:
    filled = int(width * done / total) if total else width
    bar = "█" * filled + "·" * (width - filled)
    sys.stderr.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.fiche",
        description="Fiches territoriales du commerce extérieur, en PDF ou en HTML autonome.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--territoire", help="département (93, 2A, 971), région (R11) ou FR")
    target.add_argument("--all", action="store_true", help="tous les départements")
    parser.add_argument(
        "--annee",
        help="année (2024, partielle si tous ses trimestres ne sont pas publiés) ou 12m (12 "
        "derniers mois) ; par défaut la dernière année entière",
    )
    parser.add_argument(
        "--niveau",
        choices=LEVELS,
        default=DEFAULT_LEVEL,
        help="niveau de produits des graphiques (par défaut A129, comme les fiches ANCT)",
    )
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf")
    parser.add_argument("--out", type=Path, default=Path("fiches"), help="dossier de sortie")
    parser.add_argument("--db", type=Path, help="base DuckDB (par défaut data/comex.duckdb)")
    args = parser.parse_args(argv)

    db = Database(args.db)
    catalog = db.catalog()
    period = catalog.period(args.annee) if args.annee else catalog.default_period
    if period is None:
        parser.error(
            f"année {args.annee} non disponible ({catalog.years[0]}–{catalog.years[-1]}, ou 12m)"
        )
    if args.all:
        codes = list(catalog.departements)
    else:
        code = normalise_territory(args.territoire, catalog)
        if code is None:
            parser.error(f"territoire inconnu : {args.territoire}")
        codes = [code]
    start = time.perf_counter()
    try:
        written = write_fiches(
            db, codes, period, args.format, args.out, progress=args.all, level=args.niveau
        )
    except PdfUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    per = elapsed / len(written) if written else 0.0
    noun = "fiche écrite" if len(written) == 1 else "fiches écrites"
    print(
        f"{len(written)} {noun} dans {args.out} en {format_number(elapsed, 1)} s "
        f"({format_number(per, 2)} s par fiche)"
    )
    if len(written) == 1:
        print(written[0])
    return 0
