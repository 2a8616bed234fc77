"""The administrator's command line.

    python -m core.load FICHIER... [--rapport RAPPORT.csv] [--unite euros|milliers] [--db CHEMIN]
    python -m core.load --territoires FICHIER... [--rapport RAPPORT.csv]
    python -m core.load --rollback

Exit status: 0 when the load is published (or changes nothing), 2 when it is refused (the
French messages are printed, nothing is changed), as for a wrong option.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from core import store
from core.load.errors import LoadError
from core.load.publish import ProgressFn, rollback
from core.load.read import Source
from core.load.report import LoadReport

EXIT_REFUSED = 2


def text_progress(stream=None) -> ProgressFn:
    """A text progress bar: redrawn in place on a terminal, one line per step otherwise."""
    stream = stream or sys.stderr
    tty = stream.isatty()

    def show(fraction: float, message: str) -> None:
        done = int(round(fraction * 30))
        line = f"[{'#' * done}{'.' * (30 - done)}] {fraction:4.0%} {message}"
        if tty:
            stream.write(f"\r{line[:100]:<100}")
            if fraction >= 1:
                stream.write("\n")
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


def print_report(report: LoadReport) -> None:
    for line in report.summary():
        print(line)
    with pd.option_context("display.max_rows", 500, "display.width", 160,
                           "display.max_colwidth", 90):  # fmt: skip
        print(report.frame().to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.load",
        description="Charge des fichiers officiels (DGDDI) dans une nouvelle version de la base.",
    )
    parser.add_argument("files", nargs="*", metavar="FICHIER",
                        help="fichiers TXT (disposition des douanes), CSV, XLS, XLSX ou ZIP")  # fmt: skip
    parser.add_argument(
        "--rapport", metavar="FICHIER", help="écrire le rapport de chargement (CSV)"
    )
    parser.add_argument("--unite", choices=("euros", "milliers"),
                        help="unité des valeurs des fichiers à en-tête qui ne la disent pas")  # fmt: skip
    parser.add_argument("--territoires", action="store_true",
                        help="les fichiers sont une liste des Territoires d'industrie (ANCT)")  # fmt: skip
    parser.add_argument("--rollback", action="store_true", help="revenir à la version précédente")
    parser.add_argument("--db", metavar="CHEMIN",
                        help="répertoire des données (ou son fichier comex.duckdb)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.db:
        db = Path(args.db)
        if db.suffix == ".duckdb" and db.name != store.LINK_NAME:
            parser.error(f"--db doit désigner un fichier nommé {store.LINK_NAME} ou un répertoire")
        os.environ["COMEX_DATA_DIR"] = str(db.parent if db.suffix == ".duckdb" else db)
        os.environ.pop("COMEX_DB", None)
    if not args.rollback and not args.files:
        parser.error("indiquez au moins un fichier (ou --rollback)")
    try:
        if args.rollback:
            path = rollback()
            print(f"Version précédente rétablie : {path}")
            return 0
        sources = [Source.from_path(f) for f in args.files]
        progress = text_progress()
        if args.territoires:
            from core.load.territoires import load_territoires

            report = load_territoires(sources, progress)
        else:
            from core.load.trade import load_trade

            report = load_trade(sources, progress, unit=args.unite)
    except LoadError as exc:
        print("Chargement refusé, aucune donnée modifiée :", file=sys.stderr)
        for message in exc.messages:
            print(f"- {message}", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:  # a defect, not a refusal: still no traceback for the user
        print(
            f"Chargement interrompu par une erreur inattendue ({exc.__class__.__name__}) ; aucune "
            "donnée modifiée.",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    print_report(report)
    if report.build:
        print(f"Nouvelle version publiée : {report.build}")
    if args.rapport:
        from core import tables

        Path(args.rapport).write_bytes(tables.to_csv(report.table()))
    return 0
